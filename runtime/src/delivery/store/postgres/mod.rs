//! PostgreSQL: one queue shared by several instances of the application.
//!
//! Workers claim due deliveries with `FOR UPDATE SKIP LOCKED` and a lease, so two
//! instances never take the same delivery at once; a crashed instance's leases
//! expire and the others resume its deliveries. [`enqueue_in`] writes a delivery
//! inside the caller's own transaction (the transactional outbox).
//!
//! Inserts and attempts' outcomes made while others are under way are written
//! together, one statement (and one commit) per group, through `unnest` of one
//! array per column (see `grouped.rs`); a group whose statement fails is
//! written again one call at a time, so one bad delivery fails only its own
//! call.

mod endpoints;
mod grouped;
mod groups;
mod listen;
mod schema;
mod secrets;
mod statements;
mod store;
mod tls;

pub(crate) use endpoints::publish_in;
pub(crate) use store::enqueue_in;
pub use store::PostgresStore;
