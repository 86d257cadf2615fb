//! The writer thread: every call queued while a commit is under way runs in the next transaction.

use std::sync::mpsc;

use rusqlite::Connection;

use super::rows::unavailable;
use crate::delivery::store::contract::StoreError;

/// One call queued for the writer thread: it runs its statements, says whether
/// they succeeded, and returns what answers its caller once the transaction's
/// fate is known. Given no connection, it runs nothing and only prepares its
/// answer (the transaction could not begin).
pub(super) struct Job {
    /// Whether the call runs several statements, which a savepoint undoes
    /// together if one fails. A single statement needs none: SQLite undoes a
    /// failed statement on its own, and the transaction goes on.
    pub(super) several_statements: bool,
    pub(super) work: Work,
}

/// What a queued call does with the connection (none: it could not run).
type Work = Box<dyn FnOnce(Option<&Connection>) -> (bool, Answer) + Send>;

/// Answers a caller: with the commit's error if the transaction failed.
pub(super) type Answer = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// The most calls committed together.
const MAX_GROUP: usize = 512;

/// The writer thread: takes every queued call, runs them in one transaction,
/// commits, then answers them all. Ends when the store is dropped.
pub(super) fn write_in_groups(mut connection: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let transaction =
            match connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
                Ok(transaction) => transaction,
                Err(error) => {
                    let error = unavailable(error);
                    for job in group {
                        let (_, reply) = (job.work)(None);
                        reply(Some(error.clone()));
                    }
                    continue;
                }
            };
        let mut replies = Vec::with_capacity(group.len());
        for job in group {
            if !job.several_statements {
                let (_, reply) = (job.work)(Some(&transaction));
                replies.push((reply, None));
                continue;
            }
            let replied = match run_cached(&transaction, "SAVEPOINT hookspec_call") {
                Ok(()) => {
                    let (succeeded, reply) = (job.work)(Some(&transaction));
                    if !succeeded {
                        let _ = run_cached(&transaction, "ROLLBACK TO hookspec_call");
                    }
                    let _ = run_cached(&transaction, "RELEASE hookspec_call");
                    (reply, None)
                }
                Err(error) => {
                    let (_, reply) = (job.work)(None);
                    (reply, Some(unavailable(error)))
                }
            };
            replies.push(replied);
        }
        let committed = transaction.commit().err().map(unavailable);
        for (reply, own_error) in replies {
            reply(own_error.or_else(|| committed.clone()));
        }
    }
}

/// Runs a statement without parameters through the statement cache: each
/// call's savepoint takes two or three, which are then not parsed anew for
/// every call.
fn run_cached(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(drop)
}
