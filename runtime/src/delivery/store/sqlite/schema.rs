//! The file, its settings and its migrations.

use std::path::Path;

use rusqlite::Connection;

use super::rows::unavailable;
use crate::delivery::store::contract::StoreError;

/// The migrations, in order; `PRAGMA user_version` is how many have run. Never
/// edit one that shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE hookspec_deliveries (
    id                  TEXT PRIMARY KEY,
    callback            TEXT NOT NULL,
    method              TEXT NOT NULL,
    url                 TEXT NOT NULL,
    content_type        TEXT,
    body                BLOB NOT NULL,
    created_at          INTEGER NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    round_started_at    INTEGER NOT NULL,
    round_first_attempt INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    lease_token         TEXT,
    lease_until         INTEGER
);
CREATE INDEX hookspec_deliveries_due
    ON hookspec_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hookspec_deliveries_state ON hookspec_deliveries (state, created_at);
CREATE TABLE hookspec_attempts (
    delivery_id TEXT NOT NULL REFERENCES hookspec_deliveries (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery_id, number)
);
"#,
    // 2: the key a handler named to sign the delivery with (its owner, since
    // the next migration renamed the column).
    "ALTER TABLE hookspec_deliveries ADD COLUMN signing_key TEXT;",
    // 3: owners: the column that named a signing key names the API user a
    // delivery is sent for, and the secrets hookspec manages for owners and
    // endpoints ("holders"), sealed, numbered per holder, newest highest.
    r#"
ALTER TABLE hookspec_deliveries RENAME COLUMN signing_key TO owner;
CREATE TABLE hookspec_secrets (
    holder     TEXT NOT NULL,
    generation INTEGER NOT NULL,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (holder, generation)
);
"#,
    // 4: subscriptions: the endpoints API users register (event types as a
    // JSON array, empty for every one; metadata as a JSON object), the
    // endpoint each fanned-out delivery goes to, and the idempotency keys of
    // publications.
    r#"
ALTER TABLE hookspec_deliveries ADD COLUMN endpoint TEXT;
CREATE TABLE hookspec_endpoints (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    description     TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    disabled_reason TEXT,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX hookspec_endpoints_owner ON hookspec_endpoints (owner, id);
CREATE TABLE hookspec_publications (
    owner           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (owner, idempotency_key)
);
"#,
    // 5: since when an endpoint's deliveries have failed, unbroken by a
    // success: past `disable_endpoints_failing_for`, it is disabled.
    "ALTER TABLE hookspec_endpoints ADD COLUMN failing_since INTEGER;",
    // 6: the delivery log: an owner's deliveries, newest first.
    "CREATE INDEX hookspec_deliveries_log ON hookspec_deliveries (owner, created_at, id);",
];
/// How SQLite makes each write durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Every commit reaches the disk (`synchronous = FULL`): an accepted
    /// delivery survives a crash of the process and of the machine.
    #[default]
    Full,
    /// Commits reach the operating system (`synchronous = NORMAL`): an accepted
    /// delivery survives a crash of the process, not a power cut. Faster.
    Normal,
}

/// Creates the file readable by its owner only (`0600`) if it does not exist:
/// deliveries hold URLs and bodies, possibly personal data. SQLite gives the
/// `-wal` and `-shm` files the same permissions. An existing file keeps its own.
pub(super) fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot create {}: {error}",
            path.display()
        ))),
    }
}

/// WAL, the durability asked for, foreign keys; each read back, since SQLite
/// ignores a pragma it cannot apply instead of failing.
pub(super) fn configure(connection: &Connection, sync: SqliteSync) -> Result<(), StoreError> {
    let (synchronous, level) = match sync {
        SqliteSync::Full => ("FULL", 2),
        SqliteSync::Normal => ("NORMAL", 1),
    };
    connection
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
        .map_err(unavailable)?;
    let pragma = |name: &str| -> Result<String, StoreError> {
        connection
            .query_row(&format!("PRAGMA {name}"), [], |row| {
                row.get::<_, rusqlite::types::Value>(0)
            })
            .map(|value| match value {
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Text(text) => text,
                other => format!("{other:?}"),
            })
            .map_err(unavailable)
    };
    let read = (
        pragma("journal_mode")?,
        pragma("synchronous")?,
        pragma("foreign_keys")?,
    );
    if read != ("wal".to_owned(), level.to_string(), "1".to_owned()) {
        return Err(StoreError::Unavailable(format!(
            "SQLite did not take the settings (journal_mode, synchronous, foreign_keys): {read:?}"
        )));
    }
    Ok(())
}

/// Applies the migrations not yet applied, in one immediate transaction so two
/// processes opening the same new file do not both create it.
pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let applied: i64 = transaction
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(unavailable)?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the file is at schema version {applied}, newer than this hookspec's {}",
            MIGRATIONS.len()
        )));
    }
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        transaction.execute_batch(migration).map_err(unavailable)?;
        transaction
            .execute_batch(&format!("PRAGMA user_version = {}", version + 1))
            .map_err(unavailable)?;
    }
    transaction.commit().map_err(unavailable)
}
