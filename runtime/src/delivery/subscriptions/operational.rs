//! hookspec's own event: `endpoint.disabled`, published to an owner when one
//! of their endpoints is disabled for every instance (it answered `410 Gone`,
//! or failed for longer than allowed). An application that lists
//! [`endpoint_disabled`] in its `Api` has it in its event catalog and
//! document, and its users can subscribe to it like any other event.

use actix_web::web::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::declarations::WebhookDeclaration;
use crate::meta::WebhookMeta;
use crate::openapi::Method;

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
///
/// List it in your `Api` (`.webhook(endpoint_disabled)`) to put
/// `endpoint.disabled` in your event catalog and document.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub struct endpoint_disabled;

// Written out rather than by `#[webhook]`: so that compile errors about a
// value that is not a webhook do not suggest this one.
#[diagnostic::do_not_recommend]
impl WebhookDeclaration for endpoint_disabled {
    const META: WebhookMeta = WebhookMeta {
        name: "endpoint.disabled",
        handler: "endpoint_disabled",
        source: concat!(file!(), ":", line!()),
        method: Method::Post,
        summary: Some("One of your endpoints was disabled."),
        description: Some(
            "It answered `410 Gone`, or its deliveries failed for longer than allowed. It \
             receives nothing until you enable it again.",
        ),
        deprecated: false,
    };
    type Payload = Json<EndpointDisabledEvent>;
    type Answer = ();
}
