//! What can be wrong with a secret or a signature.

use std::fmt;

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
