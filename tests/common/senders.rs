//! Senders for delivery tests: loopback only, in memory; and the trigger of a
//! request that named its `callback_url`.

use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::{Callbacks, CallbacksBuilder, Trigger};

/// An in-memory sender that may reach loopback addresses and nothing else,
/// without a DNS query; tests add what they need.
pub fn loopback_sender() -> CallbacksBuilder {
    Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
}

/// A trigger as for a request with `?callback_url=<base>`.
pub fn callback_url_trigger(base: &str) -> Trigger {
    Trigger {
        query: vec![("callback_url".into(), base.into())],
        ..Trigger::default()
    }
}
