//! The three headers a Standard Webhooks message carries.

/// The header carrying the message id; the same on every attempt of a delivery, so
/// receivers can drop duplicates.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header carrying the Unix time of the attempt.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
