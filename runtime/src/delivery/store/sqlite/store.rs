//! [`SqliteStore`]: the store over the writer thread.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension};

use super::endpoints;
use super::rows::{
    complete_in, insert_row, records, stored_row, unavailable, CLAIM, RECORD_COLUMNS,
};
use super::schema::{configure, create_private, migrate, SqliteSync};
use super::secrets;
use super::writer::{write_in_groups, Answer, Job};
use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord};
use crate::delivery::store::contract::{
    ClaimedDelivery, DeliveryFilter, DeliveryStore, Kept, Lease, LogQuery, NewDelivery, Next,
    StateKind, StoreError, StoreFuture, StoredSecret,
};
use crate::delivery::store::contract::{
    EndpointOutcome, Payload, Publication, Published, StoredEndpoint,
};
use crate::delivery::store::sql::{
    cancel_statement, from_millis, log_statement, recover_statement, to_millis, LogValue, KEPT,
};

/// Deliveries in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the file at `path`, in WAL mode, and brings its tables
    /// up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteSync::default())
    }

    /// Like [`open`](Self::open), choosing how durable each write is.
    pub fn open_with(path: impl AsRef<Path>, sync: SqliteSync) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_private(&path)?;
        let mut connection = Connection::open(&path).map_err(|error| {
            StoreError::Unavailable(format!("cannot open {}: {error}", path.display()))
        })?;
        // Another process holding the write lock makes us wait, not fail.
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(unavailable)?;
        configure(&connection, sync)?;
        migrate(&mut connection)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("hookspec-sqlite".into())
            .spawn(move || write_in_groups(connection, queue))
            .map_err(|error| StoreError::Unavailable(format!("SQLite writer thread: {error}")))?;
        Ok(SqliteStore { path, jobs })
    }

    /// Queues `work`, a single statement, for the writer thread and waits for
    /// its answer, which comes once the transaction it ran in is committed.
    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        self.queue(false, work)
    }

    /// Like [`run`](Self::run), for `work` of several statements: they are
    /// written together or not at all.
    fn run_several<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        self.queue(true, work)
    }

    fn queue<T: Send + 'static>(
        &self,
        several_statements: bool,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = Job {
            several_statements,
            work: Box::new(move |connection| {
                let result = match connection {
                    Some(connection) => work(connection),
                    None => Err(StoreError::Unavailable("SQLite: not run".into())),
                };
                let succeeded = result.is_ok();
                let reply: Answer = Box::new(move |commit_error| {
                    let _ = answer.send(match commit_error {
                        Some(error) => Err(error),
                        None => result,
                    });
                });
                (succeeded, reply)
            }),
        };
        let queued = self
            .jobs
            .send(job)
            .map_err(|_| StoreError::Unavailable("the SQLite writer thread has stopped".into()));
        Box::pin(async move {
            queued?;
            answered.await.map_err(|_| {
                StoreError::Unavailable("the SQLite writer thread has stopped".into())
            })?
        })
    }
}

impl DeliveryStore for SqliteStore {
    fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()> {
        let delivery = delivery.clone();
        self.run(move |connection| insert_row(connection, &delivery, None))
    }

    fn insert_leased<'a>(
        &'a self,
        delivery: &'a NewDelivery,
        lease: &'a Lease,
    ) -> StoreFuture<'a, ()> {
        let (delivery, lease) = (delivery.clone(), lease.clone());
        self.run(move |connection| insert_row(connection, &delivery, Some(&lease)))
    }

    fn claim<'a>(
        &'a self,
        now: SystemTime,
        lease: &'a Lease,
        limit: usize,
    ) -> StoreFuture<'a, Vec<ClaimedDelivery>> {
        let lease = lease.clone();
        self.run(move |connection| {
            let now = to_millis(now);
            let mut statement = connection.prepare_cached(CLAIM).map_err(unavailable)?;
            let rows = statement
                .query_map(
                    params![
                        lease.token,
                        to_millis(lease.until),
                        now,
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ],
                    |row| {
                        Ok(ClaimedDelivery {
                            delivery: NewDelivery {
                                id: DeliveryId(row.get(0)?),
                                callback: row.get(1)?,
                                method: row.get(2)?,
                                url: row.get(3)?,
                                content_type: row.get(4)?,
                                body: row.get(5)?,
                                created_at: from_millis(row.get(6)?),
                                owner: row.get(10)?,
                                endpoint: row.get(11)?,
                            },
                            attempts_made: row.get(7)?,
                            round_started_at: from_millis(row.get(8)?),
                            round_first_attempt: row.get(9)?,
                        })
                    },
                )
                .map_err(unavailable)?;
            rows.collect::<Result<_, _>>().map_err(unavailable)
        })
    }

    fn complete<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        attempt: &'a Attempt,
        next: &'a Next,
        hold_until: Option<SystemTime>,
    ) -> StoreFuture<'a, bool> {
        let (id, token, attempt, next) = (
            id.as_str().to_owned(),
            token.to_owned(),
            attempt.clone(),
            next.clone(),
        );
        self.run_several(move |connection| {
            complete_in(connection, &id, &token, &attempt, &next, hold_until)
        })
    }

    fn purge<'a>(
        &'a self,
        kind: StateKind,
        accepted_before: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        self.run(move |connection| {
            if kind == StateKind::Unfinished {
                return Ok(0);
            }
            // Attempts go with their delivery (ON DELETE CASCADE).
            let purged = connection
                .execute(
                    "DELETE FROM hookspec_deliveries WHERE id IN (
                         SELECT id FROM hookspec_deliveries
                         WHERE state = ?1 AND created_at < ?2 LIMIT ?3)",
                    params![
                        kind.as_str(),
                        to_millis(accepted_before),
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ],
                )
                .map_err(unavailable)?;
            Ok(purged as u64)
        })
    }

    fn defer<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        until: SystemTime,
    ) -> StoreFuture<'a, bool> {
        let (id, token) = (id.as_str().to_owned(), token.to_owned());
        self.run(move |connection| {
            let updated = connection
                .execute(
                    "UPDATE hookspec_deliveries
                     SET next_attempt_at = ?3, lease_token = NULL, lease_until = NULL
                     WHERE id = ?1 AND lease_token = ?2",
                    params![id, token, to_millis(until)],
                )
                .map_err(unavailable)?;
            Ok(updated == 1)
        })
    }

    fn resume_endpoint<'a>(
        &'a self,
        origin: &'a str,
        now: SystemTime,
        limit: u64,
    ) -> StoreFuture<'a, u64> {
        let prefix = format!("{origin}/");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |connection| {
            let resumed = connection
                .execute(
                    "UPDATE hookspec_deliveries SET next_attempt_at = ?2
                     WHERE id IN (
                       SELECT id FROM hookspec_deliveries
                       WHERE state = 'pending' AND lease_token IS NULL
                         AND next_attempt_at > ?2 AND substr(url, 1, length(?1)) = ?1
                       ORDER BY next_attempt_at LIMIT ?3)",
                    params![prefix, to_millis(now), limit],
                )
                .map_err(unavailable)?;
            Ok(resumed as u64)
        })
    }

    fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64> {
        let prefix = format!("{instance}/%");
        self.run(move |connection| {
            let released = connection
                .execute(
                    "UPDATE hookspec_deliveries SET lease_token = NULL, lease_until = NULL
                     WHERE lease_token LIKE ?1",
                    [prefix],
                )
                .map_err(unavailable)?;
            Ok(released as u64)
        })
    }

    fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>> {
        let id = id.as_str().to_owned();
        self.run(move |connection| {
            let row = connection
                .query_row(
                    &format!("SELECT {RECORD_COLUMNS} FROM hookspec_deliveries WHERE id = ?1"),
                    [&id],
                    stored_row,
                )
                .optional()
                .map_err(unavailable)?;
            let Some(row) = row else { return Ok(None) };
            Ok(records(connection, vec![row], SystemTime::now())?.pop())
        })
    }

    fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        let filter = filter.clone();
        self.run(move |connection| {
            let limit = filter
                .limit
                .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM hookspec_deliveries
                     WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, id LIMIT ?2"
                ))
                .map_err(unavailable)?;
            let rows = statement
                .query_map(
                    params![filter.state.map(|state| state.as_str()), limit],
                    stored_row,
                )
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            records(connection, rows, SystemTime::now())
        })
    }

    fn log<'a>(&'a self, query: &'a LogQuery) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        let (statement, values) = log_statement(query, RECORD_COLUMNS, |at| format!("?{at}"));
        self.run(move |connection| {
            let values = values.into_iter().map(|value| match value {
                LogValue::Text(text) => rusqlite::types::Value::Text(text),
                LogValue::Integer(integer) => rusqlite::types::Value::Integer(integer),
            });
            let mut statement = connection.prepare_cached(&statement).map_err(unavailable)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values), stored_row)
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            records(connection, rows, SystemTime::now())
        })
    }

    fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool> {
        let id = id.as_str().to_owned();
        self.run(move |connection| {
            let replayed = connection
                .execute(
                    "UPDATE hookspec_deliveries
                     SET state = 'pending', reason = NULL, next_attempt_at = ?2,
                         round_started_at = ?2, round_first_attempt = attempts,
                         lease_token = NULL, lease_until = NULL
                     WHERE id = ?1 AND state <> 'pending'",
                    params![id, to_millis(now)],
                )
                .map_err(unavailable)?;
            Ok(replayed == 1)
        })
    }

    fn recover<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        since: SystemTime,
        now: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        let (owner, endpoint) = (owner.to_owned(), endpoint.to_owned());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |connection| {
            let recovered = connection
                .execute(
                    &recover_statement(|at| format!("?{at}")),
                    params![owner, endpoint, to_millis(since), to_millis(now), limit],
                )
                .map_err(unavailable)?;
            Ok(recovered as u64)
        })
    }

    fn cancel<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        reason: &'a str,
    ) -> StoreFuture<'a, u64> {
        let (owner, endpoint, reason) = (owner.to_owned(), endpoint.to_owned(), reason.to_owned());
        self.run(move |connection| {
            let cancelled = connection
                .execute(
                    &cancel_statement(|at| format!("?{at}")),
                    params![owner, endpoint, reason],
                )
                .map_err(unavailable)?;
            Ok(cancelled as u64)
        })
    }

    fn payload<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<Payload>> {
        let id = id.as_str().to_owned();
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT content_type, body FROM hookspec_deliveries WHERE id = ?1",
                    [&id],
                    |row| {
                        Ok(Payload {
                            content_type: row.get(0)?,
                            body: row.get(1)?,
                        })
                    },
                )
                .optional()
                .map_err(unavailable)
        })
    }

    fn unfinished(&self) -> StoreFuture<'_, u64> {
        self.run(|connection| {
            let count: i64 = connection
                .query_row(
                    "SELECT count(*) FROM hookspec_deliveries WHERE state = 'pending'",
                    [],
                    |row| row.get(0),
                )
                .map_err(unavailable)?;
            Ok(count.max(0) as u64)
        })
    }

    fn kept(&self) -> StoreFuture<'_, Kept> {
        self.run(|connection| {
            let (unfinished, dead_letters): (i64, i64) = connection
                .query_row(KEPT, [], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(unavailable)?;
            Ok(Kept {
                unfinished: unfinished.max(0) as u64,
                dead_letters: dead_letters.max(0) as u64,
            })
        })
    }

    fn keeps_secrets(&self) -> bool {
        true
    }

    fn secrets<'a>(
        &'a self,
        holder: &'a str,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let holder = holder.to_owned();
        self.run(move |connection| secrets::signing(connection, &holder, now))
    }

    fn add_first_secret<'a>(
        &'a self,
        holder: &'a str,
        first: &'a StoredSecret,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let (holder, first) = (holder.to_owned(), first.clone());
        self.run_several(move |connection| secrets::add_first(connection, &holder, &first, now))
    }

    fn rotate_secret<'a>(
        &'a self,
        holder: &'a str,
        sealed: &'a [u8],
        now: SystemTime,
        old_until: SystemTime,
    ) -> StoreFuture<'a, StoredSecret> {
        let (holder, sealed) = (holder.to_owned(), sealed.to_vec());
        self.run_several(move |connection| {
            secrets::rotate(connection, &holder, &sealed, now, old_until)
        })
    }

    fn keeps_endpoints(&self) -> bool {
        true
    }

    fn insert_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, ()> {
        let endpoint = endpoint.clone();
        self.run(move |connection| endpoints::insert(connection, &endpoint))
    }

    fn endpoint<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.run(move |connection| endpoints::get(connection, &owner, &id))
    }

    fn endpoints<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, Vec<StoredEndpoint>> {
        let (owner, after) = (owner.to_owned(), after.map(str::to_owned));
        self.run(move |connection| endpoints::list(connection, &owner, after.as_deref(), limit))
    }

    fn replace_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, bool> {
        let endpoint = endpoint.clone();
        self.run(move |connection| endpoints::replace(connection, &endpoint))
    }

    fn delete_endpoint<'a>(&'a self, owner: &'a str, id: &'a str) -> StoreFuture<'a, bool> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.run_several(move |connection| endpoints::delete(connection, &owner, &id))
    }

    fn endpoint_outcome<'a>(
        &'a self,
        id: &'a str,
        outcome: EndpointOutcome,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let id = id.to_owned();
        self.run_several(move |connection| endpoints::outcome(connection, &id, &outcome))
    }

    fn publish<'a>(&'a self, publication: &'a Publication) -> StoreFuture<'a, Published> {
        let publication = publication.clone();
        self.run_several(move |connection| endpoints::publish(connection, &publication))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::store::sqlite::schema::MIGRATIONS;

    fn temp_file(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "hookspec-sqlite-unit-{name}-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("deliveries.sqlite3")
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_and_its_journal_are_readable_by_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        // The usual umask, which leaves group and others read access: the
        // permissions checked below must come from the store, not the umask.
        // SAFETY: umask only swaps the process's file-creation mask.
        unsafe { libc::umask(0o022) };
        let path = temp_file("private");
        let _store = SqliteStore::open(&path).unwrap();
        // Opening migrated the file: its write-ahead log exists.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let wal = path.with_extension("sqlite3-wal");
        while !wal.exists() {
            assert!(std::time::Instant::now() < deadline, "no WAL file");
            std::thread::sleep(Duration::from_millis(10));
        }
        for file in [&path, &wal] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }

    /// The claim statement, cached, is prepared once: not again at each claim
    /// (SQLite re-prepares a statement whose plan read a bound value).
    #[test]
    fn the_claim_statement_is_not_prepared_again_for_each_claim() {
        let mut connection = Connection::open(temp_file("claim")).unwrap();
        migrate(&mut connection).unwrap();
        let mut statement = connection.prepare(CLAIM).unwrap();
        for (now, limit) in [(1_i64, 1_i64), (2, 32), (3, 5), (4, 64)] {
            let mut rows = statement
                .query(params!["test/1", now + 60_000, now, limit])
                .unwrap();
            while rows.next().unwrap().is_some() {}
        }
        assert_eq!(
            statement.get_status(rusqlite::StatementStatus::RePrepare),
            0
        );
    }

    /// Calls queued together share a transaction; one that fails (a
    /// duplicate id) fails alone, the others are written.
    #[test]
    fn a_failing_call_in_a_group_fails_alone() {
        let store = SqliteStore::open(temp_file("group")).unwrap();
        let delivery = |id: &str| NewDelivery {
            id: DeliveryId(id.to_owned()),
            callback: "event".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:9/".into(),
            content_type: None,
            body: Vec::new(),
            created_at: SystemTime::now(),
            owner: None,
            endpoint: None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(store.insert(&delivery("taken"))).unwrap();
        // Queued at once (each call queues its job before it is awaited).
        let ids: Vec<String> = (0..20)
            .map(|n| {
                if n == 7 {
                    "taken".into()
                } else {
                    format!("d{n}")
                }
            })
            .collect();
        let deliveries: Vec<NewDelivery> = ids.iter().map(|id| delivery(id)).collect();
        let calls: Vec<_> = deliveries.iter().map(|d| store.insert(d)).collect();
        let results: Vec<_> = calls.into_iter().map(|c| runtime.block_on(c)).collect();
        for (n, result) in results.iter().enumerate() {
            assert_eq!(result.is_err(), n == 7, "call {n}: {result:?}");
        }
        assert_eq!(runtime.block_on(store.unfinished()).unwrap(), 20);
    }

    #[test]
    fn the_durability_asked_for_is_the_one_set() {
        for (sync, level) in [(SqliteSync::Full, 2), (SqliteSync::Normal, 1)] {
            let connection = Connection::open(temp_file("pragma")).unwrap();
            configure(&connection, sync).unwrap();
            let read: i64 = connection
                .query_row("PRAGMA synchronous", [], |row| row.get(0))
                .unwrap();
            assert_eq!(read, level, "{sync:?}");
            let mode: String = connection
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        // The default is FULL: an accepted callback survives a power cut.
        assert_eq!(SqliteSync::default(), SqliteSync::Full);
    }

    /// Schema version 1 exactly as it shipped (a frozen copy, not
    /// `MIGRATIONS[0]`, so an edit to a shipped migration shows here).
    const SHIPPED_V1: &str = r#"
CREATE TABLE hookspec_deliveries (
    id TEXT PRIMARY KEY, callback TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL,
    content_type TEXT, body BLOB NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL,
    reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, round_started_at INTEGER NOT NULL,
    round_first_attempt INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    lease_token TEXT, lease_until INTEGER
);
CREATE INDEX hookspec_deliveries_due
    ON hookspec_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hookspec_deliveries_state ON hookspec_deliveries (state, created_at);
CREATE TABLE hookspec_attempts (
    delivery_id TEXT NOT NULL REFERENCES hookspec_deliveries (id) ON DELETE CASCADE,
    number INTEGER NOT NULL, started_at INTEGER NOT NULL, duration_us INTEGER NOT NULL,
    status INTEGER, error TEXT, PRIMARY KEY (delivery_id, number)
);
INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body, created_at,
    state, attempts, round_started_at, next_attempt_at)
    VALUES ('msg_old', 'cb', 'POST', 'https://example.com/h', 'application/json', X'7B7D',
            1700000000000, 'pending', 1, 1700000000000, 1700000000500);
INSERT INTO hookspec_attempts VALUES ('msg_old', 1, 1700000000000, 1500, 503, 'busy');
PRAGMA user_version = 1;
"#;

    /// Every older schema version opens, its deliveries intact and still
    /// claimable (version 2 added the owner column; a version 1 row has none).
    #[actix_web::test]
    async fn a_file_of_every_shipped_version_opens_with_its_deliveries() {
        let path = temp_file("v1");
        Connection::open(&path)
            .unwrap()
            .execute_batch(SHIPPED_V1)
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        let record = store
            .get(&DeliveryId::from("msg_old"))
            .await
            .unwrap()
            .expect("the delivery survives the upgrade");
        assert_eq!(record.url, "https://example.com/REDACTED");
        assert_eq!(record.attempts.len(), 1);
        assert_eq!(record.attempts[0].status, Some(503));
        assert_eq!(store.unfinished().await.unwrap(), 1);
        let lease = Lease {
            token: "test/1".into(),
            until: SystemTime::now() + std::time::Duration::from_secs(60),
        };
        let claimed = store.claim(SystemTime::now(), &lease, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].delivery.owner, None);
        assert_eq!(claimed[0].delivery.body, b"{}");
        let version: i64 = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    /// A version 2 file: its deliveries' signing keys are their owners now,
    /// and the secrets table is there.
    #[actix_web::test]
    async fn a_version_2_files_signing_keys_become_owners() {
        let path = temp_file("v2");
        let connection = Connection::open(&path).unwrap();
        connection.execute_batch(SHIPPED_V1).unwrap();
        connection
            .execute_batch(
                "ALTER TABLE hookspec_deliveries ADD COLUMN signing_key TEXT;
                 UPDATE hookspec_deliveries SET signing_key = 'acme';
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        drop(connection);
        let store = SqliteStore::open(&path).unwrap();
        let lease = Lease {
            token: "test/1".into(),
            until: SystemTime::now() + std::time::Duration::from_secs(60),
        };
        let claimed = store.claim(SystemTime::now(), &lease, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].delivery.owner.as_deref(), Some("acme"));
        assert!(store
            .secrets("owner:acme", SystemTime::now())
            .await
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_file_from_a_newer_hookspec_is_refused() {
        let path = temp_file("newer");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let error = SqliteStore::open(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            StoreError::Corrupt(format!(
                "the file is at schema version 99, newer than this hookspec's {}",
                MIGRATIONS.len()
            ))
            .to_string()
        );
    }
}
