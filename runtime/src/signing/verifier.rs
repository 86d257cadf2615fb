//! The receiving side's check: signatures recomputed with each secret, the
//! timestamp within a tolerance.

use std::fmt;
use std::time::Duration;

use standardwebhooks::Webhook;

use super::error::SignatureError;
use super::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use super::secrets::parse_secrets;
use super::signer::{signature, unix_now};
use super::timestamp;

/// What a verified message's headers said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedMessage {
    /// `webhook-id`: the same on every retry of one delivery.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: i64,
}

/// Checks incoming callbacks, for API users' servers (see [`Verified`](super::verified::Verified)
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
    use crate::signing::signer::Signer;
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
