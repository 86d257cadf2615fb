//! The sending side: the three headers of a signed message.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use standardwebhooks::Webhook;

use super::error::SignatureError;
use super::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use super::secrets::parse_secrets;

pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

pub(super) fn signature(
    key: &Webhook,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SignatureError> {
    key.sign(id, timestamp, body)
        .map_err(|_| SignatureError::BodyNotText)
}

/// Signs outgoing callbacks with one or more secrets. During a key rotation, give
/// the new and the old secret: every request carries a signature for each, so
/// receivers on either secret accept it.
pub struct Signer {
    keys: Vec<Webhook>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({} secrets)", self.keys.len())
    }
}

impl Signer {
    /// A signer for these `whsec_...` secrets.
    pub fn new(secrets: &[&str]) -> Result<Self, SignatureError> {
        Ok(Signer {
            keys: parse_secrets(secrets)?,
        })
    }

    /// The three headers for a message `id` sent at `timestamp` with `body`.
    pub fn headers(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<[(&'static str, String); 3], SignatureError> {
        let signatures = self
            .keys
            .iter()
            .map(|key| signature(key, id, timestamp, body))
            .collect::<Result<Vec<_>, _>>()?
            .join(" ");
        Ok([
            (WEBHOOK_ID, id.to_owned()),
            (WEBHOOK_TIMESTAMP, timestamp.to_string()),
            (WEBHOOK_SIGNATURE, signatures),
        ])
    }

    /// The headers for a message sent now.
    pub fn headers_now(
        &self,
        id: &str,
        body: &[u8],
    ) -> Result<[(&'static str, String); 3], SignatureError> {
        self.headers(id, unix_now(), body)
    }
}
