//! What the management routes read and write: JSON bodies with RFC 3339 times.

use std::collections::BTreeMap;
use std::time::SystemTime;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::delivery::owners::ManagedSecret;
use crate::delivery::record::{Attempt, DeliveryRecord, DeliveryState};
use crate::delivery::subscriptions::Endpoint;

/// A time as RFC 3339 (`2026-12-07T18:27:34.123Z`).
pub(super) fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// An endpoint to register.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// Where its deliveries go (`https://...`).
    pub url: String,
    /// The event types it wants (see `GET /event-types`); empty or absent: every one.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// Your words for it (at most 1,024 characters).
    #[serde(default)]
    pub description: String,
    /// Your keys and values (at most 32).
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// A change to an endpoint: each field given replaces the endpoint's.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    /// A new URL.
    pub url: Option<String>,
    /// New event types (empty: every one).
    pub event_types: Option<Vec<String>>,
    /// A new description.
    pub description: Option<String>,
    /// New metadata.
    pub metadata: Option<BTreeMap<String, String>>,
    /// `false` disables the endpoint (it gets nothing), `true` enables it again.
    pub enabled: Option<bool>,
}

/// A registered endpoint.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EndpointOut {
    /// Its id.
    pub id: String,
    /// Where its deliveries go.
    pub url: String,
    /// The event types it wants; empty: every one.
    pub event_types: Vec<String>,
    /// Your words for it.
    pub description: String,
    /// Your keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Whether it gets deliveries.
    pub enabled: bool,
    /// Why it is disabled, if it is.
    pub disabled_reason: Option<String>,
    /// Since when it is disabled (RFC 3339), if it is.
    pub disabled_at: Option<String>,
    /// Since when its deliveries have failed, unbroken by a success (RFC 3339).
    pub failing_since: Option<String>,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Endpoint> for EndpointOut {
    fn from(endpoint: Endpoint) -> Self {
        EndpointOut {
            id: endpoint.id,
            url: endpoint.url,
            event_types: endpoint.event_types,
            description: endpoint.description,
            metadata: endpoint.metadata,
            enabled: endpoint.disabled.is_none(),
            disabled_reason: endpoint.disabled.as_ref().map(|d| d.reason.clone()),
            disabled_at: endpoint.disabled.as_ref().map(|d| rfc3339(d.at)),
            failing_since: endpoint.failing_since.map(rfc3339),
            created_at: rfc3339(endpoint.created_at),
            updated_at: rfc3339(endpoint.updated_at),
        }
    }
}

/// A page of endpoints, by id.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EndpointList {
    /// The endpoints.
    pub data: Vec<EndpointOut>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Which page of endpoints.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListQuery {
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (1 to 250; default 50).
    #[schemars(range(min = 1, max = 250))]
    pub limit: Option<u32>,
}

/// An endpoint's id in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EndpointPath {
    /// The endpoint's id.
    pub id: String,
}

/// One of the secrets that sign an endpoint's deliveries.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SecretOut {
    /// `whsec_...`: what your receiver verifies `webhook-signature` with.
    pub secret: String,
    /// Until when it still signs (RFC 3339), during a rotation's overlap;
    /// absent for the newest.
    pub expires_at: Option<String>,
}

impl From<ManagedSecret> for SecretOut {
    fn from(secret: ManagedSecret) -> Self {
        SecretOut {
            secret: secret.secret().to_owned(),
            expires_at: secret.expires_at.map(rfc3339),
        }
    }
}

/// The secrets that sign an endpoint's deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SecretList {
    /// Two during a rotation's overlap, else one.
    pub data: Vec<SecretOut>,
}

/// How long the secrets in use keep signing after a rotation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationIn {
    /// Seconds during which deliveries carry both signatures (at most a week;
    /// default a day).
    #[schemars(range(max = 604800))]
    pub overlap_seconds: Option<u32>,
}

/// A test delivery to ask for.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestIn {
    /// The event type to send (see `GET /event-types`); its example is the body.
    pub event_type: String,
}

/// The test delivery sent.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TestOut {
    /// Its id, the `webhook-id` your endpoint receives.
    pub delivery_id: String,
}

/// The event types endpoints can want.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventTypeList {
    /// Every event type, by name.
    pub data: Vec<crate::catalog::EventType>,
}

/// Which deliveries a page of the log shows, newest first.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeliveryQuery {
    /// Only those to this endpoint.
    pub endpoint_id: Option<String>,
    /// Only this event type's (or callback's).
    pub event_type: Option<String>,
    /// Only those in this state.
    pub status: Option<DeliveryStatus>,
    /// Only those made at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only those made before this time (RFC 3339).
    pub until: Option<String>,
    /// The `next` of the previous page.
    pub before: Option<String>,
    /// At most this many (1 to 250; default 50).
    #[schemars(range(min = 1, max = 250))]
    pub limit: Option<u32>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not finished: waiting for an attempt, or under way.
    Pending,
    /// Delivered: your endpoint answered 2xx.
    Succeeded,
    /// Given up: its retries ran out, or your endpoint refused it for good.
    Failed,
    /// Left unfinished when the sender stopped.
    Abandoned,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttemptOut {
    /// 1 for the first.
    pub number: u32,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Your endpoint's status code, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

impl From<Attempt> for AttemptOut {
    fn from(attempt: Attempt) -> Self {
        AttemptOut {
            number: attempt.number,
            started_at: rfc3339(attempt.started_at),
            duration_ms: u64::try_from(attempt.duration.as_millis()).unwrap_or(u64::MAX),
            status_code: attempt.status,
            error: attempt.error,
        }
    }
}

/// One delivery of an event (or callback) to one of your endpoints, with
/// its attempts.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryOut {
    /// Its id: the `webhook-id` your endpoint receives, the same on every attempt.
    pub id: String,
    /// The event type (or callback) it carries.
    pub event_type: String,
    /// The endpoint it goes to; absent for a callback to a URL given in a request.
    pub endpoint_id: Option<String>,
    /// Where it goes, with path segments and query values redacted.
    pub url: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the next attempt is due (RFC 3339), while it is retried.
    pub next_attempt_at: Option<String>,
    /// Why it was given up, if it was.
    pub reason: Option<String>,
    /// Its body's size in bytes.
    pub size: u64,
    /// Its attempts, oldest first.
    pub attempts: Vec<AttemptOut>,
    /// What it sends (JSON, or text): when one delivery is read, not in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

impl From<DeliveryRecord> for DeliveryOut {
    fn from(record: DeliveryRecord) -> Self {
        let (status, next_attempt_at, reason) = match record.state {
            DeliveryState::Pending | DeliveryState::InFlight => {
                (DeliveryStatus::Pending, None, None)
            }
            DeliveryState::Retrying { at } => (DeliveryStatus::Pending, Some(rfc3339(at)), None),
            DeliveryState::Succeeded => (DeliveryStatus::Succeeded, None, None),
            DeliveryState::Failed { reason } => (DeliveryStatus::Failed, None, Some(reason)),
            DeliveryState::Abandoned => (DeliveryStatus::Abandoned, None, None),
        };
        DeliveryOut {
            id: record.id.as_str().to_owned(),
            event_type: record.callback,
            endpoint_id: record.endpoint,
            url: record.url,
            created_at: rfc3339(record.created_at),
            status,
            next_attempt_at,
            reason,
            size: record.size,
            attempts: record.attempts.into_iter().map(AttemptOut::from).collect(),
            payload: None,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryList {
    /// The deliveries.
    pub data: Vec<DeliveryOut>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next: Option<String>,
}

/// A delivery's id in the path.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeliveryPath {
    /// The delivery's id (`webhook-id`).
    pub id: String,
}

/// Which dead letters of an endpoint to send again.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverIn {
    /// Those made at or after this time (RFC 3339): when the outage began.
    pub since: String,
}

/// What a recovery sent again.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RecoverOut {
    /// How many failed deliveries are on their way again (at most 1,000).
    pub recovered: u64,
    /// Whether there may be more: ask again (what was recovered is not sent
    /// twice).
    pub more: bool,
}

/// What cancelling gave up.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CancelOut {
    /// How many unfinished deliveries were given up.
    pub cancelled: u64,
}

/// Whose deliveries an operator's page of the log shows.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OwnerFilter {
    /// Only this API user's (every user's if absent).
    pub owner: Option<String>,
}

/// How one receiving origin fares, as this instance sees it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EndpointHealthOut {
    /// The origin (`https://hooks.example.com`).
    pub endpoint: String,
    /// Failed attempts in a row (connection errors, timeouts, `408`, `429`, `5xx`).
    pub consecutive_failures: u32,
    /// Since when its deliveries are paused (RFC 3339), if they are.
    pub disabled_since: Option<String>,
    /// The last failed attempt's error, if any.
    pub last_error: Option<String>,
    /// Deliveries to it in flight now.
    pub in_flight: usize,
    /// Until when nothing is sent to it (RFC 3339), if it asked to be sent
    /// less (`429`, `502`, `503`, `504`, with its `Retry-After` if it gave one).
    pub throttled_until: Option<String>,
}

impl From<crate::delivery::endpoints::EndpointHealth> for EndpointHealthOut {
    fn from(health: crate::delivery::endpoints::EndpointHealth) -> Self {
        EndpointHealthOut {
            endpoint: health.endpoint,
            consecutive_failures: health.consecutive_failures,
            disabled_since: health.disabled_since.map(rfc3339),
            last_error: health.last_error,
            in_flight: health.in_flight,
            throttled_until: health.throttled_until.map(rfc3339),
        }
    }
}

/// Every receiving origin this instance has sent to.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EndpointHealthList {
    /// By origin.
    pub data: Vec<EndpointHealthOut>,
}
