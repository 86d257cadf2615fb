//! hookspec's own event: `endpoint.disabled`, published to an owner when one
//! of their endpoints is disabled for every instance (it answered `410 Gone`,
//! or failed for longer than allowed). An application that lists
//! [`endpoint_disabled`] in its `Api` has it in its event catalog and
//! document, and its users can subscribe to it like any other event.

use actix_web::web::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What `endpoint.disabled` says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EndpointDisabledEvent {
    /// The endpoint's id.
    pub endpoint_id: String,
    /// Its URL.
    pub url: String,
    /// Why it was disabled.
    pub reason: String,
    /// When, in seconds since the Unix epoch.
    pub disabled_at: u64,
}

/// One of your endpoints was disabled.
///
/// It answered `410 Gone`, or its deliveries failed for longer than allowed. It
/// receives nothing until you enable it again.
#[hookspec_macros::webhook("endpoint.disabled")]
pub async fn endpoint_disabled(body: Json<EndpointDisabledEvent>) {}
