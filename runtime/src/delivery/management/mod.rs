//! The management API: routes API users manage their webhook endpoints with
//! and read their delivery log with, mounted under the application's scope
//! and authentication, documented in its own OpenAPI document
//! ([`EndpointManagement`]).

mod deliveries;
mod handlers;
mod operator;
mod routes;
pub mod wire;

pub use operator::{DeliveryOperations, OPERATOR_TAG};
pub use routes::{EndpointManagement, TAG};
