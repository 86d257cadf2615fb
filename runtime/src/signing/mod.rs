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

mod error;
mod headers;
mod secrets;
mod signer;
mod timestamp;
mod verified;
mod verifier;

pub use error::SignatureError;
pub use headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
pub use signer::Signer;
pub use verified::Verified;
pub use verifier::{VerifiedMessage, Verifier};
