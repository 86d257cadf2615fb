//! [Standard Webhooks](https://www.standardwebhooks.com/) signatures: the sender
//! adds `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`); the receiver checks them.
//!
//! The signature itself is computed by the `standardwebhooks` crate (the spec
//! authors' implementation). Verification recomputes it the same way, so the
//! tolerance on the timestamp can be chosen and several secrets (key rotation) can
//! be tried; that crate's own `verify` fixes the tolerance at five minutes.
//!
//! Receivers need only this module (feature `signing`), not the delivery
//! stack: [`Verified<T>`] checks an incoming callback in an actix-web handler.

mod timestamp;
mod verified;

pub use verified::Verified;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use standardwebhooks::Webhook;

/// The header carrying the message id; the same on every attempt of a delivery, so
/// receivers can drop duplicates.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header carrying the Unix time of the attempt.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// A problem with a secret or a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// A secret is not `whsec_` followed by base64.
    InvalidSecret(String),
    /// No secret was given.
    NoSecret,
    /// A `webhook-*` header is missing or not text.
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a Unix time.
    InvalidTimestamp,
    /// The timestamp is further from now than the tolerance.
    OutsideTolerance {
        /// Seconds between the timestamp and now (negative: in the future).
        age_seconds: i64,
    },
    /// No signature matches any secret.
    NoMatchingSignature,
    /// The body is not UTF-8 text (Standard Webhooks signs text).
    BodyNotText,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::InvalidSecret(why) => write!(f, "invalid webhook secret: {why}"),
            SignatureError::NoSecret => f.write_str("no webhook secret was given"),
            SignatureError::MissingHeader(name) => {
                write!(f, "missing or unreadable `{name}` header")
            }
            SignatureError::InvalidTimestamp => {
                f.write_str("`webhook-timestamp` is not a Unix time")
            }
            SignatureError::OutsideTolerance { age_seconds } => write!(
                f,
                "`webhook-timestamp` is {} seconds {}",
                age_seconds.unsigned_abs(),
                if *age_seconds >= 0 {
                    "old"
                } else {
                    "in the future"
                }
            ),
            SignatureError::NoMatchingSignature => f.write_str("no signature matches"),
            SignatureError::BodyNotText => f.write_str("the body is not UTF-8 text"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// The shortest and longest secret Standard Webhooks allows, in bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// Checks one secret's form: `whsec_` and the base64 of 24 to 64 bytes. A
/// shorter secret could be guessed; one without the prefix is likely a
/// password or an API key pasted in the wrong place.
fn check_secret(secret: &str) -> Result<(), SignatureError> {
    use base64::Engine as _;
    let invalid = |why: String| SignatureError::InvalidSecret(why);
    let Some(encoded) = secret.strip_prefix("whsec_") else {
        return Err(invalid(
            "a secret is `whsec_` followed by the base64 of 24 to 64 random bytes".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|error| invalid(format!("what follows `whsec_` is not base64: {error}")))?;
    if !SECRET_BYTES.contains(&bytes.len()) {
        return Err(invalid(format!(
            "a secret of {} bytes; Standard Webhooks secrets are 24 to 64 random bytes",
            bytes.len()
        )));
    }
    Ok(())
}

fn parse_secrets(secrets: &[&str]) -> Result<Vec<Webhook>, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    secrets
        .iter()
        .map(|secret| {
            check_secret(secret)?;
            Webhook::new(secret).map_err(|error| SignatureError::InvalidSecret(error.to_string()))
        })
        .collect()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

fn signature(
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

/// What a verified message's headers said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedMessage {
    /// `webhook-id`: the same on every retry of one delivery.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: i64,
}

/// Checks incoming callbacks, for API users' servers (see [`Verified`]
/// for an actix-web extractor).
pub struct Verifier {
    keys: Vec<Webhook>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Verifier({} secrets, tolerance {:?})",
            self.keys.len(),
            self.tolerance
        )
    }
}

impl Verifier {
    /// A verifier that accepts signatures by any of these secrets, with a timestamp
    /// at most five minutes from now (the Standard Webhooks default).
    pub fn new(secrets: &[&str]) -> Result<Self, SignatureError> {
        Ok(Verifier {
            keys: parse_secrets(secrets)?,
            tolerance: Duration::from_secs(5 * 60),
        })
    }

    /// Accepts timestamps at most `tolerance` from now, in either direction.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks a message whose headers `header(name)` returns.
    pub fn verify<'h>(
        &self,
        header: impl Fn(&str) -> Option<&'h str>,
        body: &[u8],
    ) -> Result<VerifiedMessage, SignatureError> {
        self.verify_at(header, body, unix_now())
    }

    fn verify_at<'h>(
        &self,
        header: impl Fn(&str) -> Option<&'h str>,
        body: &[u8],
        now: i64,
    ) -> Result<VerifiedMessage, SignatureError> {
        let id = header(WEBHOOK_ID).ok_or(SignatureError::MissingHeader(WEBHOOK_ID))?;
        let (timestamp, age_seconds) = timestamp::parse_with_age(
            header(WEBHOOK_TIMESTAMP).ok_or(SignatureError::MissingHeader(WEBHOOK_TIMESTAMP))?,
            now,
        )
        .ok_or(SignatureError::InvalidTimestamp)?;
        let signatures =
            header(WEBHOOK_SIGNATURE).ok_or(SignatureError::MissingHeader(WEBHOOK_SIGNATURE))?;
        if age_seconds.unsigned_abs() > self.tolerance.as_secs() {
            return Err(SignatureError::OutsideTolerance { age_seconds });
        }
        for key in &self.keys {
            let expected = signature(key, id, timestamp, body)?;
            let matches = signatures
                .split(' ')
                .any(|candidate| constant_time_eq(candidate.as_bytes(), expected.as_bytes()));
            if matches {
                return Ok(VerifiedMessage {
                    id: id.to_owned(),
                    timestamp,
                });
            }
        }
        Err(SignatureError::NoMatchingSignature)
    }
}

/// Compares without an early exit, so timing does not reveal how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    // The example from the Standard Webhooks specification's test vectors.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OTHER: &str = "whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldA==";

    fn lookup<'a>(
        headers: &'a HashMap<&'static str, String>,
    ) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |name| headers.get(name).map(String::as_str)
    }

    #[test]
    fn matches_the_specification_vector() {
        let signer = Signer::new(&[SECRET]).unwrap();
        let [_, _, (_, signature)] = signer
            .headers(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#,
            )
            .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn signed_messages_verify_within_tolerance() {
        let signer = Signer::new(&[SECRET]).unwrap();
        let headers: HashMap<_, _> = signer
            .headers("msg_1", 1_000_000, b"{}")
            .unwrap()
            .into_iter()
            .collect();
        let verifier = Verifier::new(&[SECRET]).unwrap();
        assert_eq!(
            verifier.verify_at(lookup(&headers), b"{}", 1_000_100),
            Ok(VerifiedMessage {
                id: "msg_1".into(),
                timestamp: 1_000_000
            })
        );
        assert_eq!(
            verifier.verify_at(lookup(&headers), b"{ }", 1_000_100),
            Err(SignatureError::NoMatchingSignature)
        );
        assert_eq!(
            verifier.verify_at(lookup(&headers), b"{}", 1_000_301),
            Err(SignatureError::OutsideTolerance { age_seconds: 301 })
        );
        let strict = Verifier::new(&[SECRET])
            .unwrap()
            .with_tolerance(Duration::from_secs(10));
        assert_eq!(
            strict.verify_at(lookup(&headers), b"{}", 999_980),
            Err(SignatureError::OutsideTolerance { age_seconds: -20 })
        );
    }

    #[test]
    fn extreme_timestamps_are_outside_the_tolerance() {
        let signer = Signer::new(&[SECRET]).unwrap();
        let verifier = Verifier::new(&[SECRET]).unwrap();
        for (timestamp, now, age_seconds) in [
            (i64::MIN, 1_700_000_000, i64::MAX),
            (i64::MAX, 1_700_000_000, i64::MIN + 1_700_000_001),
            (i64::MIN, i64::MAX, i64::MAX),
            (i64::MAX, i64::MIN, i64::MIN),
        ] {
            let headers: HashMap<_, _> = signer
                .headers("msg_x", timestamp, b"{}")
                .unwrap()
                .into_iter()
                .collect();
            assert_eq!(
                verifier.verify_at(lookup(&headers), b"{}", now),
                Err(SignatureError::OutsideTolerance { age_seconds }),
                "timestamp {timestamp} at {now}"
            );
        }
    }

    #[test]
    fn rotation_signs_with_every_secret_and_verifies_with_any() {
        let signer = Signer::new(&[OTHER, SECRET]).unwrap();
        let headers: HashMap<_, _> = signer
            .headers("msg_2", 50, b"x")
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(headers[WEBHOOK_SIGNATURE].split(' ').count(), 2);
        for secret in [SECRET, OTHER] {
            let verifier = Verifier::new(&[secret]).unwrap();
            assert!(
                verifier.verify_at(lookup(&headers), b"x", 60).is_ok(),
                "{secret}"
            );
        }
        let stranger = Verifier::new(&["whsec_bm90LXRoZS1zZWNyZXQtbm90LXRoZS1zZWNyZXQ="]).unwrap();
        assert_eq!(
            stranger.verify_at(lookup(&headers), b"x", 60),
            Err(SignatureError::NoMatchingSignature)
        );
    }

    #[test]
    fn missing_headers_and_bad_secrets_are_named() {
        let verifier = Verifier::new(&[SECRET]).unwrap();
        let none: HashMap<&'static str, String> = HashMap::new();
        assert_eq!(
            verifier.verify_at(lookup(&none), b"", 0),
            Err(SignatureError::MissingHeader(WEBHOOK_ID))
        );
        assert!(matches!(
            Signer::new(&["whsec_not base64!"]),
            Err(SignatureError::InvalidSecret(_))
        ));
        assert_eq!(Signer::new(&[]).unwrap_err(), SignatureError::NoSecret);
        // Too short (14 bytes), no prefix, too long (66 bytes): refused at build time.
        for (secret, why) in [
            ("whsec_bm90LXRoZS1zZWNyZXQ=", "a secret of 14 bytes"),
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a secret is `whsec_`"),
            (
                "whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
                "a secret of 66 bytes",
            ),
        ] {
            let error = Signer::new(&[secret]).unwrap_err();
            assert!(error.to_string().contains(why), "{secret}: {error}");
        }
        assert!(Verifier::new(&["whsec_bm90LXRoZS1zZWNyZXQ="]).is_err());
    }
}
