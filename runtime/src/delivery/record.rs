//! Delivery records: what happened to each callback sent, as the store keeps
//! them and [`Callbacks`](super::Callbacks) reads them back.

use std::fmt;
use std::time::{Duration, SystemTime};

/// The id of one delivery; also its `webhook-id`, the same on every attempt.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(pub(crate) String);

impl DeliveryId {
    pub(crate) fn random() -> Self {
        DeliveryId(format!("msg_{:032x}", fastrand::u128(..)))
    }

    /// The id as text (`msg_...`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An id read back, from a delivery record's id or a `webhook-id` header.
impl From<&str> for DeliveryId {
    fn from(id: &str) -> Self {
        DeliveryId(id.to_owned())
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a delivery stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Accepted, not attempted yet.
    Pending,
    /// An attempt is under way.
    InFlight,
    /// The last attempt failed; another is due at `at`.
    Retrying {
        /// When the next attempt is due.
        at: SystemTime,
    },
    /// The receiver answered 2xx with a reply of the declared shape.
    Succeeded,
    /// Given up: a permanent error, or retries or time budget exhausted. A dead
    /// letter: kept with its attempts, and [`replay`](super::Callbacks::replay)able.
    Failed {
        /// Why.
        reason: String,
    },
    /// Not finished when an in-memory dispatcher shut down (durable stores keep
    /// unfinished deliveries for the next start instead).
    Abandoned,
}

impl DeliveryState {
    /// Whether nothing more will happen to the delivery.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            DeliveryState::Succeeded | DeliveryState::Failed { .. } | DeliveryState::Abandoned
        )
    }
}

/// One attempt of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// When it started.
    pub started_at: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// `url` as logs, records and errors show it: scheme, host and port as they are;
/// no userinfo (`user:password@`); every path segment, query value and the
/// fragment replaced by `REDACTED` (Slack- and Discord-style URLs carry their
/// token in the path, others in the query); text that is not a URL is shown as
/// `<not a URL>`. The store keeps the whole URL, for sending only.
pub(crate) fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "<not a URL>".to_owned();
    };
    if parsed.cannot_be_a_base() {
        // `mailto:`, `data:` and the like: all but the scheme is opaque.
        return format!("{}:REDACTED", parsed.scheme());
    }
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if parsed.path() != "/" {
        let segments = parsed.path_segments().map_or(0, Iterator::count);
        let path = "/REDACTED".repeat(segments);
        parsed.set_path(&path);
    }
    if parsed.fragment().is_some() {
        parsed.set_fragment(Some("REDACTED"));
    }
    if parsed.query().is_some() {
        let names: Vec<String> = parsed
            .query_pairs()
            .map(|(name, _)| name.into_owned())
            .collect();
        parsed
            .query_pairs_mut()
            .clear()
            .extend_pairs(names.iter().map(|name| (name.as_str(), "REDACTED")));
    }
    parsed.to_string()
}

/// Everything known about one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its id (`webhook-id`).
    pub id: DeliveryId,
    /// The callback's name.
    pub callback: String,
    /// The URL, as evaluated for the triggering request, without userinfo and
    /// with query values redacted (the store keeps the whole URL to send).
    pub url: String,
    /// When it was accepted.
    pub created_at: SystemTime,
    /// Where it stands.
    pub state: DeliveryState,
    /// Its attempts, in order.
    pub attempts: Vec<Attempt>,
    /// The API user it is sent for, if any (`DeliveryRequest::owner`, or the
    /// owner of the endpoint a published event went to).
    pub owner: Option<String>,
    /// The subscribed endpoint it goes to (a published event's fan-out).
    pub endpoint: Option<String>,
    /// The body's size in bytes.
    pub size: u64,
}

impl DeliveryRecord {
    /// The status of the last attempt that got an answer.
    pub fn last_status(&self) -> Option<u16> {
        self.attempts
            .iter()
            .rev()
            .find_map(|attempt| attempt.status)
    }

    /// The error of the last attempt, if it failed.
    pub fn last_error(&self) -> Option<&str> {
        self.attempts
            .last()
            .and_then(|attempt| attempt.error.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_secrets() {
        assert_eq!(
            redact_url("https://user:pw@hooks.example/a/b?token=s3cret&x=1#f"),
            "https://hooks.example/REDACTED/REDACTED?token=REDACTED&x=REDACTED#REDACTED"
        );
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0001/B0002/XXXXsecret"),
            "https://hooks.slack.com/REDACTED/REDACTED/REDACTED/REDACTED"
        );
        assert_eq!(
            redact_url("https://discord.com/api/webhooks/123/tok3n/"),
            "https://discord.com/REDACTED/REDACTED/REDACTED/REDACTED/REDACTED"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(
            redact_url("mailto:someone@secret.example"),
            "mailto:REDACTED"
        );
        assert_eq!(redact_url("::"), "<not a URL>");
    }

    #[test]
    fn ids_are_distinct_and_prefixed() {
        let (a, b) = (DeliveryId::random(), DeliveryId::random());
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("msg_") && a.as_str().len() == 36);
    }
}
