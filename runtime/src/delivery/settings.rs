//! How [`Callbacks`](super::Callbacks) sends: timeouts, leases, and how
//! deliveries are signed (each owner's secrets, one single-tenant set, or
//! none), and how a request's owner is found.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::owners::{ManagedSecrets, OwnerSource};
use super::retry::RetryPolicy;
use crate::signing::Signer;

/// How [`Callbacks`] sends.
#[derive(Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
    pub max_reply_bytes: usize,
    pub signing: Signing,
    /// How a request's owner is found.
    pub owners: OwnerSource,
    /// How long a claim holds a delivery; longer than an attempt can take.
    pub lease: Duration,
    /// How often the store is asked for due deliveries without a wake-up.
    pub poll_interval: Duration,
    /// How long an awaited `send` waits before answering `StillPending`.
    pub send_deadline: Duration,
    /// How long a subscribed endpoint may fail before it is disabled.
    pub disable_endpoints_after: Duration,
}

/// How deliveries are signed.
pub(crate) enum Signing {
    /// Not at all: the application's explicit choice.
    Unsigned,
    /// With the same secrets for every caller: the application's explicit
    /// single-tenant choice (whoever verifies can also forge).
    SingleTenant(Arc<Signer>),
    /// With each owner's secrets, which hookspec makes and keeps in the store.
    Managed(ManagedSecrets),
    /// With each owner's secrets, looked up by the application at each attempt.
    ByOwner(Arc<dyn OwnerSecretResolver>),
}

impl Signing {
    /// Whether a delivery needs an owner to be signed.
    pub(crate) fn needs_owner(&self) -> bool {
        matches!(self, Signing::Managed(_) | Signing::ByOwner(_))
    }
}

impl fmt::Debug for Signing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signing::Unsigned => f.write_str("Unsigned"),
            Signing::SingleTenant(signer) => write!(f, "SingleTenant({signer:?})"),
            Signing::Managed(secrets) => write!(f, "{secrets:?}"),
            Signing::ByOwner(_) => f.write_str("ByOwner"),
        }
    }
}

/// Looks up the signing secrets of an owner (the API user a delivery is sent
/// for: [`DeliveryRequest::owner`](super::request::DeliveryRequest::owner), or
/// the request's [`Owner`](super::owners::Owner)), for applications that keep
/// their users' secrets themselves. Any `Fn(&str) -> Option<Vec<String>>` is
/// one. Only the owner is stored with the delivery: secrets are looked up at
/// every attempt, so a rotation applies to retries too. `None` (the owner is
/// gone) fails the delivery rather than send it unsigned; secrets are checked
/// as at build time.
pub trait OwnerSecretResolver: Send + Sync + 'static {
    /// The `whsec_...` secrets of `owner` (several during a rotation), or
    /// `None` if there are none.
    fn secrets_for_owner(&self, owner: &str) -> Option<Vec<String>>;
}

impl<F> OwnerSecretResolver for F
where
    F: Fn(&str) -> Option<Vec<String>> + Send + Sync + 'static,
{
    fn secrets_for_owner(&self, owner: &str) -> Option<Vec<String>> {
        self(owner)
    }
}
