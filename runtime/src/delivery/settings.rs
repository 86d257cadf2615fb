//! How [`Callbacks`](super::Callbacks) sends: timeouts, leases, and how
//! deliveries are signed (one secret set, per receiver, or per key).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::retry::RetryPolicy;
use crate::signing::Signer;

/// How [`Callbacks`] sends.
#[derive(Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
    pub max_reply_bytes: usize,
    pub signing: Signing,
    /// How long a claim holds a delivery; longer than an attempt can take.
    pub lease: Duration,
    /// How often the store is asked for due deliveries without a wake-up.
    pub poll_interval: Duration,
    /// How long an awaited `send` waits before answering `StillPending`.
    pub send_deadline: Duration,
}

/// How deliveries are signed.
pub(crate) enum Signing {
    /// Not at all.
    Unsigned,
    /// With the same secrets for every receiver.
    Fixed(Signer),
    /// With each receiver's own secrets, looked up per attempt.
    PerEndpoint(Arc<dyn SecretResolver>),
    /// With the secrets of the key each delivery names, looked up per attempt.
    ByKey(Arc<dyn KeySecretResolver>),
}

impl fmt::Debug for Signing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signing::Unsigned => f.write_str("Unsigned"),
            Signing::Fixed(signer) => write!(f, "Fixed({signer:?})"),
            Signing::PerEndpoint(_) => f.write_str("PerEndpoint"),
            Signing::ByKey(_) => f.write_str("ByKey"),
        }
    }
}

/// Looks up the signing secrets of the API user a delivery goes to, from its
/// URL (most often by its host: each user registers their own endpoint), so one
/// user cannot forge callbacks another user's verifier accepts. Any
/// `Fn(&Url) -> Option<Vec<String>>` is one; `None` sends unsigned. Secrets are
/// checked as at build time (`whsec_`, 24 to 64 bytes); a bad one fails the
/// delivery instead of sending it unsigned.
pub trait SecretResolver: Send + Sync + 'static {
    /// The `whsec_...` secrets for a delivery to `url` (several during a
    /// rotation), or `None` to send it unsigned.
    fn secrets_for(&self, url: &Url) -> Option<Vec<String>>;
}

impl<F> SecretResolver for F
where
    F: Fn(&Url) -> Option<Vec<String>> + Send + Sync + 'static,
{
    fn secrets_for(&self, url: &Url) -> Option<Vec<String>> {
        self(url)
    }
}

/// Looks up the signing secrets of the key a handler named for a delivery
/// ([`DeliveryRequest::signing_key`](super::request::DeliveryRequest::signing_key): the API user's id, or whatever the
/// application keys its users' secrets by). Any
/// `Fn(&str) -> Option<Vec<String>>` is one. Only the key is stored with the
/// delivery: secrets are looked up at every attempt, so a rotation applies to
/// retries too. `None` (the key's owner is gone) fails the delivery rather than
/// send it unsigned; secrets are checked as at build time.
pub trait KeySecretResolver: Send + Sync + 'static {
    /// The `whsec_...` secrets of `key` (several during a rotation), or `None`
    /// if there are none.
    fn secrets_for_key(&self, key: &str) -> Option<Vec<String>>;
}

impl<F> KeySecretResolver for F
where
    F: Fn(&str) -> Option<Vec<String>> + Send + Sync + 'static,
{
    fn secrets_for_key(&self, key: &str) -> Option<Vec<String>> {
        self(key)
    }
}
