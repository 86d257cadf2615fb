//! The embedded default: one SQLite file in WAL mode, no server to start.
//!
//! One writer thread owns the connection and commits in groups: every call
//! queued while a commit is under way runs in the next transaction (a call of
//! several statements in a savepoint of its own, so one failing call does not
//! undo the others), and is answered only after that transaction is on disk. Concurrent handlers then
//! share one `fsync` instead of queueing for one each.
//!
//! Several processes may share the file (SQLite's locks make each claim atomic);
//! for instances on several machines, use `PostgresStore` (feature `postgres`).

mod endpoints;
mod rows;
mod schema;
mod secrets;
mod store;
mod writer;

pub use schema::SqliteSync;
pub use store::SqliteStore;
