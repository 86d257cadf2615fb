//! What an application and its API users say about endpoints, and why a
//! change to one is refused.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use crate::delivery::owners::SecretsError;
use crate::delivery::ssrf::Refused;
use crate::delivery::store::{Published as StorePublished, StoreError, StoredEndpoint};

/// The longest URL an endpoint may have, in bytes.
pub(crate) const MAX_URL: usize = 2048;
/// The longest description, in characters.
pub(crate) const MAX_DESCRIPTION: usize = 1024;
/// The most metadata entries, and the longest key and value.
pub(crate) const MAX_METADATA: (usize, usize, usize) = (32, 64, 1024);

/// An endpoint an API user registered: where the events it wants go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Its id (`ep_...`).
    pub id: String,
    /// Where its deliveries go.
    pub url: String,
    /// The event types it wants (names from the event catalog); empty: every one.
    pub event_types: Vec<String>,
    /// Its owner's words for it.
    pub description: String,
    /// Its owner's keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Why and since when it gets nothing, if it is disabled.
    pub disabled: Option<Disabled>,
    /// Since when its deliveries have failed, unbroken by a success; past
    /// `CallbacksBuilder::disable_endpoints_failing_for`, it is disabled.
    pub failing_since: Option<SystemTime>,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

/// Why an endpoint is disabled, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disabled {
    /// Why: its owner disabled it, or it answered `410 Gone`.
    pub reason: String,
    /// Since when.
    pub at: SystemTime,
}

impl From<StoredEndpoint> for Endpoint {
    fn from(stored: StoredEndpoint) -> Self {
        Endpoint {
            id: stored.id,
            url: stored.url,
            event_types: stored.event_types,
            description: stored.description,
            metadata: stored.metadata,
            disabled: stored.disabled.map(|(reason, at)| Disabled { reason, at }),
            failing_since: stored.failing_since,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

/// An endpoint to register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where its deliveries go: checked against the address policy now and
    /// at every send.
    pub url: String,
    /// The event types it wants (names from the event catalog); empty: every one.
    pub event_types: Vec<String>,
    /// Its owner's words for it (at most 1,024 characters).
    pub description: String,
    /// Its owner's keys and values (at most 32; keys up to 64 bytes, values up
    /// to 1,024).
    pub metadata: BTreeMap<String, String>,
}

impl NewEndpoint {
    /// An endpoint at `url` wanting every event type.
    pub fn new(url: impl Into<String>) -> Self {
        NewEndpoint {
            url: url.into(),
            ..NewEndpoint::default()
        }
    }

    /// Only these event types.
    pub fn event_types<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.event_types = names.into_iter().map(Into::into).collect();
        self
    }
}

/// A change to an endpoint: each field given replaces the endpoint's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointUpdate {
    /// A new URL.
    pub url: Option<String>,
    /// New event types (empty: every one).
    pub event_types: Option<Vec<String>>,
    /// A new description.
    pub description: Option<String>,
    /// New metadata.
    pub metadata: Option<BTreeMap<String, String>>,
    /// `false` disables the endpoint (it gets nothing until enabled), `true`
    /// enables it again.
    pub enabled: Option<bool>,
}

/// A page of an owner's endpoints, by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointPage {
    /// The endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Where the next page starts (pass it as `after`), if there is one.
    pub next: Option<String>,
}

/// What publishing an event did: the store's answer.
pub type Published = StorePublished;

/// Why an endpoint was not registered, changed or read. Its text names the
/// field and the reason, never a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum EndpointError {
    /// A field's value is not acceptable.
    Invalid {
        /// The field (`url`, `event_types`, `description`, `metadata`).
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The URL points where deliveries may not go.
    Refused(Refused),
    /// Subscriptions sign each endpoint's deliveries with its own secret,
    /// which hookspec manages: the `Callbacks` was built without
    /// `owner_secrets`.
    SecretsNotManaged,
    /// Event types are checked against the event catalog, which the
    /// `Callbacks` does not have: build it with `CallbacksBuilder::api`.
    NoCatalog,
    /// The store could not read or write.
    Store(StoreError),
    /// The endpoint's secrets could not be made, read or rotated.
    Secrets(SecretsError),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            EndpointError::Refused(refused) => write!(f, "url: {refused}"),
            EndpointError::SecretsNotManaged => f.write_str(
                "endpoints are signed with secrets hookspec manages: build the Callbacks with \
                 `owner_secrets(key)`",
            ),
            EndpointError::NoCatalog => f.write_str(
                "event types are checked against the event catalog: build the Callbacks with \
                 `.api(&api)`",
            ),
            EndpointError::Store(error) => write!(f, "{error}"),
            EndpointError::Secrets(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for EndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EndpointError::Refused(error) => Some(error),
            EndpointError::Store(error) => Some(error),
            EndpointError::Secrets(error) => Some(error),
            _ => None,
        }
    }
}

impl From<StoreError> for EndpointError {
    fn from(error: StoreError) -> Self {
        EndpointError::Store(error)
    }
}

impl From<SecretsError> for EndpointError {
    fn from(error: SecretsError) -> Self {
        EndpointError::Secrets(error)
    }
}
