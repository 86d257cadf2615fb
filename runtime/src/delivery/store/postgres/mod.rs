//! PostgreSQL: one queue shared by several instances of the application.
//!
//! Workers claim due deliveries with `FOR UPDATE SKIP LOCKED` and a lease, so two
//! instances never take the same delivery at once; a crashed instance's leases
//! expire and the others resume its deliveries. A [`PgTransaction`] (the
//! application's own, from tokio-postgres or sqlx) takes a delivery or a
//! publication that is sent if and only if it commits (the transactional
//! outbox).
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
#[cfg(feature = "sqlx")]
mod sqlx;
mod statements;
mod store;
mod tls;
mod transaction;

pub use store::PostgresStore;
pub use transaction::PgTransaction;
