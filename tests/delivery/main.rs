//! Callback delivery against a real receiver on 127.0.0.1: what is sent, retries,
//! timeouts, Retry-After, reply shapes, the SSRF guard and backpressure.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod address_guard;
mod retries;
mod sending;
mod signing;
mod slots_and_claims;
mod subscriptions;
