//! Subscriptions: the endpoints API users register for the event types of the
//! catalog, each with its own secret, and events published to them.
//!
//! [`Callbacks::create_endpoint`](crate::delivery::Callbacks::create_endpoint)
//! and its siblings keep an owner's endpoints in the delivery store;
//! [`Callbacks::publish`](crate::delivery::Callbacks::publish) fans an event out
//! to those that want it. `Webhook<W>` still sends to a URL the handler gives,
//! for applications that keep endpoints themselves.

pub(crate) mod health;
mod operational;
mod publication;
mod publish;
mod registry;
mod types;

pub use operational::{endpoint_disabled, EndpointDisabledEvent};
pub use publish::PublishRequest;
pub use types::{
    Disabled, Endpoint, EndpointError, EndpointPage, EndpointUpdate, NewEndpoint, Published,
};
