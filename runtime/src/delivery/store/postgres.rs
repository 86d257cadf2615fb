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

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::grouped::Grouped;
use super::postgres_tls::{connection_settings, Transport};
use super::{
    from_millis, outcome_columns, to_millis, ClaimedDelivery, DeliveryFilter, DeliveryStore, Lease,
    NewDelivery, Next, StateKind, StoreError, StoreFuture, StoredRow, KEPT,
};
use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord};

/// The migrations, in order; `hookspec_migrations` records which ran. Never edit
/// one that shipped: add the next.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE hookspec_deliveries (
    id                  TEXT PRIMARY KEY,
    callback            TEXT NOT NULL,
    method              TEXT NOT NULL,
    url                 TEXT NOT NULL,
    content_type        TEXT,
    body                BYTEA NOT NULL,
    created_at          BIGINT NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    round_started_at    BIGINT NOT NULL,
    round_first_attempt INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     BIGINT NOT NULL,
    lease_token         TEXT,
    lease_until         BIGINT
);
CREATE INDEX hookspec_deliveries_due
    ON hookspec_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hookspec_deliveries_state ON hookspec_deliveries (state, created_at);
CREATE TABLE hookspec_attempts (
    delivery_id TEXT NOT NULL REFERENCES hookspec_deliveries (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    started_at  BIGINT NOT NULL,
    duration_us BIGINT NOT NULL,
    status      INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery_id, number)
);
"#,
    // 2: the key a handler named to sign the delivery with
    // (`DeliveryRequest::signing_key`).
    "ALTER TABLE hookspec_deliveries ADD COLUMN signing_key TEXT;",
    // 3: every insert (an `enqueue`, a transactional `enqueue_in` at commit,
    // any writer) wakes the instances listening, without a round trip more.
    r#"
CREATE FUNCTION hookspec_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hookspec_deliveries', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER hookspec_deliveries_inserted
    AFTER INSERT ON hookspec_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION hookspec_notify_inserted();
"#,
    // 4: only an insert another instance could claim is announced. A delivery
    // written leased is its writer's to attempt (at once, or from its backlog):
    // announcing it woke every instance, the writer included, to claim nothing.
    r#"
CREATE OR REPLACE FUNCTION hookspec_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE lease_token IS NULL) THEN
        PERFORM pg_notify('hookspec_deliveries', '');
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER hookspec_deliveries_inserted ON hookspec_deliveries;
CREATE TRIGGER hookspec_deliveries_inserted
    AFTER INSERT ON hookspec_deliveries
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION hookspec_notify_inserted();
"#,
];

/// The channel inserts are announced on.
const CHANNEL: &str = "hookspec_deliveries";

/// Serialises migrations across instances starting at once (an arbitrary key,
/// "hookspec" in ASCII).
const MIGRATION_LOCK: i64 = 0x686f_6f6b_7370_6563;

const INSERT: &str = "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type,
        body, created_at, state, round_started_at, next_attempt_at, lease_token, lease_until,
        signing_key)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7, $7, $8, $9, $10)";

/// Many deliveries in one statement: one row per element of the arrays.
const INSERT_MANY: &str =
    "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type,
        body, created_at, state, round_started_at, next_attempt_at, lease_token, lease_until,
        signing_key)
    SELECT id, callback, method, url, content_type, body, created_at, 'pending', created_at,
        created_at, lease_token, lease_until, signing_key
    FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BYTEA[],
        $7::BIGINT[], $8::TEXT[], $9::BIGINT[], $10::TEXT[])
        AS input(id, callback, method, url, content_type, body, created_at, lease_token,
            lease_until, signing_key)";

/// One attempt's outcome, written only if the delivery is still leased under
/// the token: one round trip and one atomic commit.
const COMPLETE: &str = "WITH updated AS (
        UPDATE hookspec_deliveries
        SET attempts = attempts + 1, state = $3, reason = $4,
            next_attempt_at = COALESCE($5, next_attempt_at),
            lease_token = $6, lease_until = $7
        WHERE id = $1 AND lease_token = $2
        RETURNING id),
    recorded AS (
        INSERT INTO hookspec_attempts
            (delivery_id, number, started_at, duration_us, status, error)
        SELECT id, $8, $9, $10, $11, $12 FROM updated
        ON CONFLICT DO NOTHING)
    SELECT count(*) FROM updated";

/// Many outcomes in one statement; returns the ids whose lease was held.
const COMPLETE_MANY: &str = "WITH input AS (
        SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[],
            $6::TEXT[], $7::BIGINT[], $8::INTEGER[], $9::BIGINT[], $10::BIGINT[],
            $11::INTEGER[], $12::TEXT[])
            AS input(id, token, state, reason, next_attempt_at, lease_token, lease_until,
                number, started_at, duration_us, status, error)),
    updated AS (
        UPDATE hookspec_deliveries AS delivery
        SET attempts = delivery.attempts + 1, state = input.state, reason = input.reason,
            next_attempt_at = COALESCE(input.next_attempt_at, delivery.next_attempt_at),
            lease_token = input.lease_token, lease_until = input.lease_until
        FROM input
        WHERE delivery.id = input.id AND delivery.lease_token = input.token
        RETURNING delivery.id),
    recorded AS (
        INSERT INTO hookspec_attempts
            (delivery_id, number, started_at, duration_us, status, error)
        SELECT input.id, input.number, input.started_at, input.duration_us, input.status,
            input.error
        FROM input JOIN updated ON updated.id = input.id
        ON CONFLICT DO NOTHING)
    SELECT id FROM updated";

/// The most calls written in one statement.
const MAX_GROUP: usize = 256;
/// The most insert statements under way at once: two, so that producers
/// (each waiting for its insert's commit) do not wait for a whole statement
/// before theirs starts.
const INSERT_GROUPS_IN_FLIGHT: usize = 2;
/// The most outcome statements under way at once: one. No caller waits for
/// an outcome (only its delivery's lease does), so a statement at a time
/// delays no one, and its groups are larger; measured faster
/// (`bench/delivery.rs --only PostgreSQL`, alternating: 9,700–11,500
/// deliveries/s with two, 10,600–11,700 with one; one for inserts too made no
/// further difference).
const OUTCOME_GROUPS_IN_FLIGHT: usize = 1;

/// A delivery to insert, leased to its caller or not.
type Insert = (NewDelivery, Option<Lease>);

/// An attempt's outcome to write.
struct Outcome {
    id: String,
    token: String,
    attempt: Attempt,
    next: Next,
    hold_until: Option<SystemTime>,
}

/// An outcome as the columns it writes.
struct OutcomeColumns<'a> {
    state: &'static str,
    reason: Option<&'a str>,
    next_attempt_at: Option<i64>,
    lease_token: Option<&'a str>,
    lease_until: Option<i64>,
    number: i32,
    started_at: i64,
    duration_us: i64,
    status: Option<i32>,
}

impl Outcome {
    fn columns(&self) -> OutcomeColumns<'_> {
        let (state, reason) = outcome_columns(&self.next);
        let (lease_token, lease_until) = match self.hold_until {
            Some(until) => (Some(self.token.as_str()), Some(to_millis(until))),
            None => (None, None),
        };
        OutcomeColumns {
            state,
            reason,
            next_attempt_at: match self.next {
                Next::RetryAt(at) => Some(to_millis(at)),
                _ => None,
            },
            lease_token,
            lease_until,
            number: i32::try_from(self.attempt.number).unwrap_or(i32::MAX),
            started_at: to_millis(self.attempt.started_at),
            duration_us: i64::try_from(self.attempt.duration.as_micros()).unwrap_or(i64::MAX),
            status: self.attempt.status.map(i32::from),
        }
    }
}

const RECORD_COLUMNS: &str =
    "id, callback, url, created_at, state, reason, next_attempt_at, lease_until, attempts";

/// Deliveries in a PostgreSQL database, through a connection pool that
/// reconnects on its own.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// Where to open the listening connection; `None` for a pool the
    /// application built ([`from_pool`](Self::from_pool)): polling only.
    listen: Option<(tokio_postgres::Config, Transport)>,
    /// Inserts and outcomes made while others are under way are written
    /// together (group commit).
    inserts: Arc<Grouped<Insert, ()>>,
    outcomes: Arc<Grouped<Outcome, bool>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("status", &self.pool.status())
            .finish()
    }
}

/// An error of the pool, the connection or a statement, with its causes (their
/// own messages are often just "db error" or "error performing TLS
/// handshake").
fn unavailable(error: impl std::error::Error) -> StoreError {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    StoreError::Unavailable(format!("PostgreSQL: {text}"))
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db` or
    /// `host=... user=...`) and brings its tables up to date. With
    /// `sslmode=require` (or `verify-ca`, `verify-full`) it connects with TLS
    /// only, checking the server's certificate and name against
    /// `sslrootcert=<PEM file>` if given, else the platform's roots; without
    /// (or with `disable`, `allow`, `prefer`) in clear.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (config, transport) = connection_settings(url)?;
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match &transport {
            Transport::Clear => Manager::from_config(config.clone(), NoTls, manager_config),
            Transport::Tls(tls) => {
                Manager::from_config(config.clone(), tls.clone(), manager_config)
            }
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(Runtime::Tokio1)
            // A database that is down fails calls quickly instead of hanging them.
            .create_timeout(Some(Duration::from_secs(5)))
            .wait_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(unavailable)?;
        let mut store = Self::from_pool(pool).await?;
        store.listen = Some((config, transport));
        Ok(store)
    }

    /// Uses a pool the application built (its own TLS, sizes, timeouts) and
    /// brings the tables up to date.
    ///
    /// Such a store does not `LISTEN` for other instances' deliveries (it has
    /// no connection settings of its own): they are claimed at the next poll.
    /// Give its connections `options=-c plan_cache_mode=force_generic_plan`
    /// as [`connect`](Self::connect) does: otherwise PostgreSQL plans the
    /// grouped statements again at every execution.
    pub async fn from_pool(pool: Pool) -> Result<Self, StoreError> {
        let inserts = {
            let pool = pool.clone();
            Grouped::new(
                Arc::new(move |group| Box::pin(insert_group(pool.clone(), group))),
                MAX_GROUP,
                INSERT_GROUPS_IN_FLIGHT,
            )
        };
        let outcomes = {
            let pool = pool.clone();
            Grouped::new(
                Arc::new(move |group| Box::pin(complete_group(pool.clone(), group))),
                MAX_GROUP,
                OUTCOME_GROUPS_IN_FLIGHT,
            )
        };
        let store = PostgresStore {
            pool,
            listen: None,
            inserts: Arc::new(inserts),
            outcomes: Arc::new(outcomes),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations not yet applied, under an advisory lock so that
    /// instances starting together do not race.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(unavailable)?;
        let transaction = client.transaction().await.map_err(unavailable)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(unavailable)?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS hookspec_migrations (
                     version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .await
            .map_err(unavailable)?;
        let applied: i32 = transaction
            .query_one(
                "SELECT COALESCE(max(version), 0) FROM hookspec_migrations",
                &[],
            )
            .await
            .map_err(unavailable)?
            .get(0);
        let applied = usize::try_from(applied).unwrap_or(0);
        if applied > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {applied}, newer than this hookspec's {}",
                MIGRATIONS.len()
            )));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            transaction
                .batch_execute(migration)
                .await
                .map_err(unavailable)?;
            let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
            transaction
                .execute(
                    "INSERT INTO hookspec_migrations (version, applied_at) VALUES ($1, $2)",
                    &[&version, &to_millis(SystemTime::now())],
                )
                .await
                .map_err(unavailable)?;
        }
        transaction.commit().await.map_err(unavailable)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(unavailable)
    }

    async fn records(
        client: &deadpool_postgres::Client,
        rows: Vec<tokio_postgres::Row>,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let now = SystemTime::now();
        let attempts_query = client
            .prepare_cached(
                "SELECT number, started_at, duration_us, status, error FROM hookspec_attempts
                 WHERE delivery_id = $1 ORDER BY number",
            )
            .await
            .map_err(unavailable)?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let stored = StoredRow {
                id: row.get(0),
                callback: row.get(1),
                url: row.get(2),
                created_at: row.get(3),
                state: row.get(4),
                reason: row.get(5),
                next_attempt_at: row.get(6),
                leased_until: row.get(7),
                attempts_made: i64::from(row.get::<_, i32>(8)),
            };
            let attempts = client
                .query(&attempts_query, &[&stored.id])
                .await
                .map_err(unavailable)?
                .iter()
                .map(|attempt| Attempt {
                    number: attempt.get::<_, i32>(0).max(0) as u32,
                    started_at: from_millis(attempt.get(1)),
                    duration: Duration::from_micros(attempt.get::<_, i64>(2).max(0) as u64),
                    status: attempt
                        .get::<_, Option<i32>>(3)
                        .and_then(|status| u16::try_from(status).ok()),
                    error: attempt.get(4),
                })
                .collect();
            records.push(stored.into_record(attempts, now)?);
        }
        Ok(records)
    }
}

/// Writes `delivery` with `client`: a pooled client, or the caller's own
/// transaction.
async fn insert_with<C, S>(
    client: &C,
    statement: &S,
    delivery: &NewDelivery,
    lease: Option<&Lease>,
) -> Result<(), StoreError>
where
    C: tokio_postgres::GenericClient,
    S: ?Sized + tokio_postgres::ToStatement + Sync + Send,
{
    let created = to_millis(delivery.created_at);
    client
        .execute(
            statement,
            &[
                &delivery.id.as_str(),
                &delivery.callback,
                &delivery.method,
                &delivery.url,
                &delivery.content_type,
                &delivery.body,
                &created,
                &lease.map(|lease| lease.token.as_str()),
                &lease.map(|lease| to_millis(lease.until)),
                &delivery.signing_key,
            ],
        )
        .await
        .map(drop)
        .map_err(unavailable)
}

/// Writes `delivery` inside the caller's transaction: it is sent only if the
/// transaction commits, and never if it rolls back. The dispatcher finds it at
/// its next poll after the commit.
pub(crate) async fn enqueue_in(
    transaction: &tokio_postgres::Transaction<'_>,
    delivery: &NewDelivery,
) -> Result<(), StoreError> {
    insert_with(transaction, INSERT, delivery, None).await
}

/// Writes a group of deliveries: one statement, or (alone, or if the group's
/// statement failed) one each, so that one bad delivery fails only its own
/// call.
async fn insert_group(pool: Pool, group: Vec<Insert>) -> Vec<Result<(), StoreError>> {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    if group.len() > 1 {
        // One array per column, borrowing from the group.
        let column = |pick: fn(&Insert) -> Option<&str>| -> Vec<Option<&str>> {
            group.iter().map(pick).collect()
        };
        let ids = column(|(delivery, _)| Some(delivery.id.as_str()));
        let callbacks = column(|(delivery, _)| Some(&delivery.callback));
        let methods = column(|(delivery, _)| Some(&delivery.method));
        let urls = column(|(delivery, _)| Some(&delivery.url));
        let content_types = column(|(delivery, _)| delivery.content_type.as_deref());
        let bodies: Vec<&[u8]> = group
            .iter()
            .map(|(delivery, _)| &delivery.body[..])
            .collect();
        let created: Vec<i64> = group
            .iter()
            .map(|(delivery, _)| to_millis(delivery.created_at))
            .collect();
        let tokens = column(|(_, lease)| lease.as_ref().map(|lease| lease.token.as_str()));
        let until: Vec<Option<i64>> = group
            .iter()
            .map(|(_, lease)| lease.as_ref().map(|lease| to_millis(lease.until)))
            .collect();
        let keys = column(|(delivery, _)| delivery.signing_key.as_deref());
        let written = match client.prepare_cached(INSERT_MANY).await {
            Ok(statement) => client
                .execute(
                    &statement,
                    &[
                        &ids,
                        &callbacks,
                        &methods,
                        &urls,
                        &content_types,
                        &bodies,
                        &created,
                        &tokens,
                        &until,
                        &keys,
                    ],
                )
                .await
                .map_err(unavailable),
            Err(error) => Err(unavailable(error)),
        };
        match written {
            Ok(_) => return vec![Ok(()); group.len()],
            Err(error) => {
                tracing::debug!(%error, "a group insert failed; inserting one by one")
            }
        }
    }
    let statement = match client.prepare_cached(INSERT).await {
        Ok(statement) => statement,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let mut results = Vec::with_capacity(group.len());
    for (delivery, lease) in &group {
        results.push(insert_with(&**client, &statement, delivery, lease.as_ref()).await);
    }
    results
}

/// Writes a group of outcomes: one statement, or one each (alone, or if the
/// group's statement failed). Each result says whether its lease was held.
async fn complete_group(pool: Pool, group: Vec<Outcome>) -> Vec<Result<bool, StoreError>> {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let columns: Vec<OutcomeColumns<'_>> = group.iter().map(Outcome::columns).collect();
    if group.len() > 1 {
        let ids: Vec<&str> = group.iter().map(|outcome| outcome.id.as_str()).collect();
        let tokens: Vec<&str> = group.iter().map(|outcome| outcome.token.as_str()).collect();
        let states: Vec<&str> = columns.iter().map(|c| c.state).collect();
        let reasons: Vec<Option<&str>> = columns.iter().map(|c| c.reason).collect();
        let next: Vec<Option<i64>> = columns.iter().map(|c| c.next_attempt_at).collect();
        let lease_tokens: Vec<Option<&str>> = columns.iter().map(|c| c.lease_token).collect();
        let lease_until: Vec<Option<i64>> = columns.iter().map(|c| c.lease_until).collect();
        let numbers: Vec<i32> = columns.iter().map(|c| c.number).collect();
        let started: Vec<i64> = columns.iter().map(|c| c.started_at).collect();
        let durations: Vec<i64> = columns.iter().map(|c| c.duration_us).collect();
        let statuses: Vec<Option<i32>> = columns.iter().map(|c| c.status).collect();
        let errors: Vec<Option<&str>> = group
            .iter()
            .map(|outcome| outcome.attempt.error.as_deref())
            .collect();
        let written = match client.prepare_cached(COMPLETE_MANY).await {
            Ok(statement) => client
                .query(
                    &statement,
                    &[
                        &ids,
                        &tokens,
                        &states,
                        &reasons,
                        &next,
                        &lease_tokens,
                        &lease_until,
                        &numbers,
                        &started,
                        &durations,
                        &statuses,
                        &errors,
                    ],
                )
                .await
                .map_err(unavailable),
            Err(error) => Err(unavailable(error)),
        };
        match written {
            Ok(rows) => {
                let held: std::collections::HashSet<&str> =
                    rows.iter().map(|row| row.get::<_, &str>(0)).collect();
                return ids.iter().map(|id| Ok(held.contains(id))).collect();
            }
            Err(error) => {
                tracing::debug!(%error, "a group of outcomes failed; writing one by one")
            }
        }
    }
    let statement = match client.prepare_cached(COMPLETE).await {
        Ok(statement) => statement,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let mut results = Vec::with_capacity(group.len());
    for (outcome, columns) in group.iter().zip(&columns) {
        let updated = client
            .query_one(
                &statement,
                &[
                    &outcome.id,
                    &outcome.token,
                    &columns.state,
                    &columns.reason,
                    &columns.next_attempt_at,
                    &columns.lease_token,
                    &columns.lease_until,
                    &columns.number,
                    &columns.started_at,
                    &columns.duration_us,
                    &columns.status,
                    &outcome.attempt.error,
                ],
            )
            .await
            .map(|row| row.get::<_, i64>(0) == 1)
            .map_err(unavailable);
        results.push(updated);
    }
    results
}

/// Listens for inserts on a connection of its own, calling `wake` at each,
/// for as long as the dispatcher runs; reconnects after a failure (1 s, then
/// doubling to 30 s), waking once after each (what was inserted meanwhile).
async fn listen_for_inserts<T>(config: tokio_postgres::Config, tls: T, wake: super::Wake)
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone,
    T::Stream: Send,
{
    use futures_util::StreamExt;
    let mut pause = Duration::from_secs(1);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {CHANNEL}");
                let listen = client.batch_execute(&statement);
                let mut listen = std::pin::pin!(listen);
                // Drive the connection while `LISTEN` is under way.
                let listening = loop {
                    tokio::select! {
                        done = &mut listen => break done.is_ok(),
                        message = messages.next() => if message.is_none() { break false },
                    }
                };
                if listening {
                    pause = Duration::from_secs(1);
                    wake();
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake(),
                            Ok(_) => {}
                            Err(error) => {
                                tracing::debug!(%error, "the LISTEN connection failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(error) => tracing::debug!(%error, "cannot open the LISTEN connection"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

impl DeliveryStore for PostgresStore {
    fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()> {
        Box::pin(self.inserts.call((delivery.clone(), None)))
    }

    fn insert_leased<'a>(
        &'a self,
        delivery: &'a NewDelivery,
        lease: &'a Lease,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.inserts.call((delivery.clone(), Some(lease.clone()))))
    }

    fn claim<'a>(
        &'a self,
        now: SystemTime,
        lease: &'a Lease,
        limit: usize,
    ) -> StoreFuture<'a, Vec<ClaimedDelivery>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "UPDATE hookspec_deliveries SET lease_token = $1, lease_until = $2
                     WHERE id IN (
                         SELECT id FROM hookspec_deliveries
                         WHERE state = 'pending' AND next_attempt_at <= $3
                           AND (lease_until IS NULL OR lease_until <= $3)
                         ORDER BY next_attempt_at LIMIT $4
                         FOR UPDATE SKIP LOCKED)
                     RETURNING id, callback, method, url, content_type, body, created_at,
                               attempts, round_started_at, round_first_attempt, signing_key",
                )
                .await
                .map_err(unavailable)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = client
                .query(
                    &statement,
                    &[
                        &lease.token,
                        &to_millis(lease.until),
                        &to_millis(now),
                        &limit,
                    ],
                )
                .await
                .map_err(unavailable)?;
            Ok(rows
                .iter()
                .map(|row| ClaimedDelivery {
                    delivery: NewDelivery {
                        id: DeliveryId(row.get(0)),
                        callback: row.get(1),
                        method: row.get(2),
                        url: row.get(3),
                        content_type: row.get(4),
                        body: row.get(5),
                        created_at: from_millis(row.get(6)),
                        signing_key: row.get(10),
                    },
                    attempts_made: row.get::<_, i32>(7).max(0) as u32,
                    round_started_at: from_millis(row.get(8)),
                    round_first_attempt: row.get::<_, i32>(9).max(0) as u32,
                })
                .collect())
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
        Box::pin(self.outcomes.call(Outcome {
            id: id.as_str().to_owned(),
            token: token.to_owned(),
            attempt: attempt.clone(),
            next: next.clone(),
            hold_until,
        }))
    }

    fn purge<'a>(
        &'a self,
        kind: StateKind,
        accepted_before: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            if kind == StateKind::Unfinished {
                return Ok(0);
            }
            let client = self.client().await?;
            // Attempts go with their delivery (ON DELETE CASCADE).
            client
                .execute(
                    "DELETE FROM hookspec_deliveries WHERE id IN (
                         SELECT id FROM hookspec_deliveries
                         WHERE state = $1 AND created_at < $2 LIMIT $3)",
                    &[
                        &kind.as_str(),
                        &to_millis(accepted_before),
                        &i64::try_from(limit).unwrap_or(i64::MAX),
                    ],
                )
                .await
                .map_err(unavailable)
        })
    }

    fn defer<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        until: SystemTime,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            let updated = client
                .execute(
                    "UPDATE hookspec_deliveries
                     SET next_attempt_at = $3, lease_token = NULL, lease_until = NULL
                     WHERE id = $1 AND lease_token = $2",
                    &[&id.as_str(), &token, &to_millis(until)],
                )
                .await
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
        Box::pin(async move {
            let client = self.client().await?;
            let prefix = format!("{origin}/");
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            client
                .execute(
                    "UPDATE hookspec_deliveries SET next_attempt_at = $2
                     WHERE id IN (
                       SELECT id FROM hookspec_deliveries
                       WHERE state = 'pending' AND lease_token IS NULL
                         AND next_attempt_at > $2
                         AND substr(url, 1, length($1::text)) = $1::text
                       ORDER BY next_attempt_at LIMIT $3)",
                    &[&prefix, &to_millis(now), &limit],
                )
                .await
                .map_err(unavailable)
        })
    }

    fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            let prefix = format!("{instance}/%");
            client
                .execute(
                    "UPDATE hookspec_deliveries SET lease_token = NULL, lease_until = NULL
                     WHERE lease_token LIKE $1",
                    &[&prefix],
                )
                .await
                .map_err(unavailable)
        })
    }

    fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!("SELECT {RECORD_COLUMNS} FROM hookspec_deliveries WHERE id = $1"),
                    &[&id.as_str()],
                )
                .await
                .map_err(unavailable)?;
            Ok(Self::records(&client, rows).await?.pop())
        })
    }

    fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        Box::pin(async move {
            let client = self.client().await?;
            let state = filter.state.map(|state| state.as_str());
            let limit = filter
                .limit
                .map(|limit| i64::try_from(limit).unwrap_or(i64::MAX));
            let rows = client
                .query(
                    &format!(
                        "SELECT {RECORD_COLUMNS} FROM hookspec_deliveries
                         WHERE $1::TEXT IS NULL OR state = $1
                         ORDER BY created_at, id LIMIT $2"
                    ),
                    &[&state, &limit],
                )
                .await
                .map_err(unavailable)?;
            Self::records(&client, rows).await
        })
    }

    fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            let replayed = client
                .execute(
                    "UPDATE hookspec_deliveries
                     SET state = 'pending', reason = NULL, next_attempt_at = $2,
                         round_started_at = $2, round_first_attempt = attempts,
                         lease_token = NULL, lease_until = NULL
                     WHERE id = $1 AND state IN ('failed', 'abandoned')",
                    &[&id.as_str(), &to_millis(now)],
                )
                .await
                .map_err(unavailable)?;
            Ok(replayed == 1)
        })
    }

    fn unfinished(&self) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            let count: i64 = client
                .query_one(
                    "SELECT count(*) FROM hookspec_deliveries WHERE state = 'pending'",
                    &[],
                )
                .await
                .map_err(unavailable)?
                .get(0);
            Ok(count.max(0) as u64)
        })
    }

    fn kept(&self) -> StoreFuture<'_, super::Kept> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client.query_one(KEPT, &[]).await.map_err(unavailable)?;
            let (unfinished, dead_letters): (i64, i64) = (row.get(0), row.get(1));
            Ok(super::Kept {
                unfinished: unfinished.max(0) as u64,
                dead_letters: dead_letters.max(0) as u64,
            })
        })
    }

    fn wake_ups(
        &self,
        wake: super::Wake,
    ) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
        let (config, transport) = self.listen.clone()?;
        Some(match transport {
            Transport::Clear => Box::pin(listen_for_inserts(config, NoTls, wake)),
            Transport::Tls(tls) => Box::pin(listen_for_inserts(config, tls, wake)),
        })
    }
}
