//! Where deliveries live between `enqueue` and their last attempt: the outbox.
//!
//! The dispatcher never keeps a delivery only in memory: `enqueue` writes it to
//! the store before it returns, workers *claim* due deliveries with a lease (one
//! worker attempts a delivery at a time; a crashed worker's lease expires and
//! another resumes it) and write every attempt back. Three stores ship:
//! [`MemoryStore`] (tests; lost with the process), `SqliteStore` (feature
//! `sqlite`, the embedded default: one file, WAL) and `PostgresStore` (feature
//! `postgres`: several instances share one queue). The guarantee is at-least-once: a receiver may see a delivery twice
//! (a worker died after sending, before writing the outcome), always with the
//! same `webhook-id`.

mod contract;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use contract::{
    ClaimedDelivery, DeliveryFilter, DeliveryStore, EndpointOutcome, Kept, Lease, LogEntry,
    LogQuery, NewDelivery, Next, Payload, Publication, Published, StateKind, StoreError,
    StoreFuture, StoredEndpoint, StoredSecret, Wake,
};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PgTransaction, PostgresStore};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{SqliteStore, SqliteSync};
