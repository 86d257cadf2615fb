//! [`PostgresStore`]: the store over a connection pool.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::endpoints;
use super::grouped::Grouped;
use super::groups::{
    complete_group, insert_group, insert_with, Insert, INSERT_GROUPS_IN_FLIGHT, MAX_GROUP,
    OUTCOME_GROUPS_IN_FLIGHT,
};
use super::listen::listen_for_inserts;
use super::schema::{MIGRATIONS, MIGRATION_LOCK};
use super::secrets;
use super::statements::{unavailable, Outcome, INSERT, RECORD_COLUMNS};
use super::tls::{connection_settings, Transport};
use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord};
use crate::delivery::store::contract::{
    ClaimedDelivery, DeliveryFilter, DeliveryStore, Kept, Lease, LogQuery, NewDelivery, Next,
    StateKind, StoreError, StoreFuture, StoredSecret, Wake,
};
use crate::delivery::store::contract::{
    EndpointOutcome, Payload, Publication, Published, StoredEndpoint,
};
use crate::delivery::store::sql::{
    cancel_statement, from_millis, log_statement, recover_statement, to_millis, LogValue,
    StoredRow, KEPT,
};

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
                owner: row.get(9),
                endpoint: row.get(10),
                size: i64::from(row.get::<_, i32>(11)),
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

/// Writes `delivery` inside the caller's transaction: it is sent only if the
/// transaction commits, and never if it rolls back. The dispatcher finds it at
/// its next poll after the commit.
pub(super) async fn enqueue_in(
    transaction: &tokio_postgres::Transaction<'_>,
    delivery: &NewDelivery,
) -> Result<(), StoreError> {
    insert_with(transaction, INSERT, delivery, None).await
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
                               attempts, round_started_at, round_first_attempt, owner,
                               endpoint",
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
                        owner: row.get(10),
                        endpoint: row.get(11),
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

    fn log<'a>(&'a self, query: &'a LogQuery) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        Box::pin(async move {
            let (statement, values) = log_statement(query, RECORD_COLUMNS, |at| format!("${at}"));
            let values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = values
                .into_iter()
                .map(|value| match value {
                    LogValue::Text(text) => Box::new(text) as _,
                    LogValue::Integer(integer) => Box::new(integer) as _,
                })
                .collect();
            let parameters: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = values
                .iter()
                .map(|value| &**value as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&statement)
                .await
                .map_err(unavailable)?;
            let rows = client
                .query(&statement, &parameters)
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
                     WHERE id = $1 AND state <> 'pending'",
                    &[&id.as_str(), &to_millis(now)],
                )
                .await
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
        Box::pin(async move {
            let client = self.client().await?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let statement = client
                .prepare_cached(&recover_statement(|at| format!("${at}")))
                .await
                .map_err(unavailable)?;
            client
                .execute(
                    &statement,
                    &[
                        &owner,
                        &endpoint,
                        &to_millis(since),
                        &to_millis(now),
                        &limit,
                    ],
                )
                .await
                .map_err(unavailable)
        })
    }

    fn cancel<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        reason: &'a str,
    ) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&cancel_statement(|at| format!("${at}")))
                .await
                .map_err(unavailable)?;
            client
                .execute(&statement, &[&owner, &endpoint, &reason])
                .await
                .map_err(unavailable)
        })
    }

    fn payload<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<Payload>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT content_type, body FROM hookspec_deliveries WHERE id = $1",
                    &[&id.as_str()],
                )
                .await
                .map_err(unavailable)?;
            Ok(row.map(|row| Payload {
                content_type: row.get(0),
                body: row.get(1),
            }))
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

    fn kept(&self) -> StoreFuture<'_, Kept> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client.query_one(KEPT, &[]).await.map_err(unavailable)?;
            let (unfinished, dead_letters): (i64, i64) = (row.get(0), row.get(1));
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
        Box::pin(async move { secrets::signing(&self.client().await?, holder, now).await })
    }

    fn add_first_secret<'a>(
        &'a self,
        holder: &'a str,
        first: &'a StoredSecret,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        Box::pin(
            async move { secrets::add_first(&mut self.client().await?, holder, first, now).await },
        )
    }

    fn rotate_secret<'a>(
        &'a self,
        holder: &'a str,
        sealed: &'a [u8],
        now: SystemTime,
        old_until: SystemTime,
    ) -> StoreFuture<'a, StoredSecret> {
        Box::pin(async move {
            secrets::rotate(&mut self.client().await?, holder, sealed, now, old_until).await
        })
    }

    fn keeps_endpoints(&self) -> bool {
        true
    }

    fn insert_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, ()> {
        Box::pin(async move { endpoints::insert(&self.client().await?, endpoint).await })
    }

    fn endpoint<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        Box::pin(async move { endpoints::get(&self.client().await?, owner, id).await })
    }

    fn endpoints<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, Vec<StoredEndpoint>> {
        Box::pin(async move { endpoints::list(&self.client().await?, owner, after, limit).await })
    }

    fn replace_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, bool> {
        Box::pin(async move { endpoints::replace(&self.client().await?, endpoint).await })
    }

    fn delete_endpoint<'a>(&'a self, owner: &'a str, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move { endpoints::delete(&mut self.client().await?, owner, id).await })
    }

    fn endpoint_outcome<'a>(
        &'a self,
        id: &'a str,
        outcome: EndpointOutcome,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        Box::pin(async move { endpoints::outcome(&self.client().await?, id, &outcome).await })
    }

    fn publish<'a>(&'a self, publication: &'a Publication) -> StoreFuture<'a, Published> {
        Box::pin(async move { endpoints::publish(&mut self.client().await?, publication).await })
    }

    fn wake_ups(
        &self,
        wake: Wake,
    ) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
        let (config, transport) = self.listen.clone()?;
        Some(match transport {
            Transport::Clear => Box::pin(listen_for_inserts(config, NoTls, wake)),
            Transport::Tls(tls) => Box::pin(listen_for_inserts(config, tls, wake)),
        })
    }
}
