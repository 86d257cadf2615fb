//! The management API: routes API users manage their webhook endpoints with
//! and read their delivery log with, mounted under the application's scope
//! and authentication, documented in its own OpenAPI document
//! ([`EndpointManagement`]).

mod deliveries;
mod handlers;
mod routes;
pub mod wire;

pub use routes::{EndpointManagement, TAG};
