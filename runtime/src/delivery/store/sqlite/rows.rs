//! Statements and the mapping between rows and deliveries.

use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection};

use crate::delivery::record::{Attempt, DeliveryRecord};
use crate::delivery::store::contract::{Lease, NewDelivery, Next, StoreError};
use crate::delivery::store::sql::{from_millis, outcome_columns, to_millis, StoredRow};

/// Leases up to `?4` due deliveries. The limit is cast: SQLite plans with the
/// value of a bare `LIMIT ?` and so prepares the statement again whenever it is
/// bound to another value (every claim); an expression it does not read.
pub(super) const CLAIM: &str = "UPDATE hookspec_deliveries SET lease_token = ?1, lease_until = ?2
    WHERE id IN (
        SELECT id FROM hookspec_deliveries
        WHERE state = 'pending' AND next_attempt_at <= ?3
          AND (lease_until IS NULL OR lease_until <= ?3)
        ORDER BY next_attempt_at LIMIT CAST(?4 AS INTEGER))
    RETURNING id, callback, method, url, content_type, body, created_at,
              attempts, round_started_at, round_first_attempt, owner, endpoint";

pub(super) fn insert_row(
    connection: &Connection,
    delivery: &NewDelivery,
    lease: Option<&Lease>,
) -> Result<(), StoreError> {
    let created = to_millis(delivery.created_at);
    // Cached: the writer thread runs this statement for every `enqueue`.
    connection
        .prepare_cached(
            "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body,
                 created_at, state, round_started_at, next_attempt_at, lease_token, lease_until,
                 owner, endpoint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?7, ?7, ?8, ?9, ?10, ?11)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                delivery.id.as_str(),
                delivery.callback,
                delivery.method,
                delivery.url,
                delivery.content_type,
                delivery.body,
                created,
                lease.map(|lease| lease.token.as_str()),
                lease.map(|lease| to_millis(lease.until)),
                delivery.owner,
                delivery.endpoint,
            ])
        })
        .map_err(unavailable)?;
    Ok(())
}

fn attempts_of(connection: &Connection, id: &str) -> Result<Vec<Attempt>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT number, started_at, duration_us, status, error FROM hookspec_attempts
             WHERE delivery_id = ?1 ORDER BY number",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map([id], |row| {
            Ok(Attempt {
                number: row.get(0)?,
                started_at: from_millis(row.get(1)?),
                duration: Duration::from_micros(row.get::<_, i64>(2)?.max(0) as u64),
                status: row.get(3)?,
                error: row.get(4)?,
            })
        })
        .map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

pub(super) const RECORD_COLUMNS: &str = "id, callback, url, created_at, state, reason, \
     next_attempt_at, lease_until, attempts, owner, endpoint, length(body)";

pub(super) fn stored_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    Ok(StoredRow {
        id: row.get(0)?,
        callback: row.get(1)?,
        url: row.get(2)?,
        created_at: row.get(3)?,
        state: row.get(4)?,
        reason: row.get(5)?,
        next_attempt_at: row.get(6)?,
        leased_until: row.get(7)?,
        attempts_made: row.get(8)?,
        owner: row.get(9)?,
        endpoint: row.get(10)?,
        size: row.get(11)?,
    })
}

pub(super) fn records(
    connection: &Connection,
    rows: Vec<StoredRow>,
    now: SystemTime,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let attempts = attempts_of(connection, &row.id)?;
            row.into_record(attempts, now)
        })
        .collect()
}

pub(super) fn complete_in(
    connection: &Connection,
    id: &str,
    token: &str,
    attempt: &Attempt,
    next: &Next,
    hold_until: Option<SystemTime>,
) -> Result<bool, StoreError> {
    let (state, reason) = outcome_columns(next);
    let next_attempt_at = match next {
        Next::RetryAt(at) => Some(to_millis(*at)),
        _ => None,
    };
    let (lease_token, lease_until) = match hold_until {
        Some(until) => (Some(token), Some(to_millis(until))),
        None => (None, None),
    };
    // Both statements cached: every attempt's outcome runs them.
    let updated = connection
        .prepare_cached(
            "UPDATE hookspec_deliveries
             SET attempts = attempts + 1, state = ?3, reason = ?4,
                 next_attempt_at = COALESCE(?5, next_attempt_at),
                 lease_token = ?6, lease_until = ?7
             WHERE id = ?1 AND lease_token = ?2",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                id,
                token,
                state,
                reason,
                next_attempt_at,
                lease_token,
                lease_until
            ])
        })
        .map_err(unavailable)?;
    if updated == 0 {
        return Ok(false);
    }
    connection
        .prepare_cached(
            "INSERT INTO hookspec_attempts (delivery_id, number, started_at, duration_us, status, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                id,
                attempt.number,
                to_millis(attempt.started_at),
                i64::try_from(attempt.duration.as_micros()).unwrap_or(i64::MAX),
                attempt.status,
                attempt.error,
            ])
        })
        .map_err(unavailable)?;
    Ok(true)
}

pub(super) fn unavailable(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("SQLite: {error}"))
}
