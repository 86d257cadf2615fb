//! The statements, and the outcome columns they take one array each of.

use std::time::SystemTime;

use crate::delivery::record::Attempt;
use crate::delivery::store::contract::{Next, StoreError};
use crate::delivery::store::sql::{outcome_columns, to_millis};

pub(super) const INSERT: &str =
    "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type,
        body, created_at, state, round_started_at, next_attempt_at, lease_token, lease_until,
        owner, endpoint)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7, $7, $8, $9, $10, $11)";

/// Claims a publication's idempotency key for its owner: no row when another
/// publication (committed, or in a transaction this one then waits for) has it.
pub(super) const CLAIM_IDEMPOTENCY_KEY: &str =
    "INSERT INTO hookspec_publications (owner, idempotency_key, message, created_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// The message id of the publication that claimed a key first.
pub(super) const FIRST_PUBLICATION: &str = "SELECT message FROM hookspec_publications
     WHERE owner = $1 AND idempotency_key = $2";

/// A publication fanned out: one delivery per enabled endpoint of its owner
/// subscribed to its event type (`[]`: to every type).
pub(super) const FAN_OUT: &str =
    "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body,
         created_at, state, round_started_at, next_attempt_at, owner, endpoint)
     SELECT $1 || '.' || id, $2, $3, url, $4, $5, $6, 'pending', $6, $6, owner, id
     FROM hookspec_endpoints
     WHERE owner = $7 AND disabled_at IS NULL
       AND (event_types = '[]' OR event_types::jsonb ? $2)";

/// Many deliveries in one statement: one row per element of the arrays.
pub(super) const INSERT_MANY: &str =
    "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type,
        body, created_at, state, round_started_at, next_attempt_at, lease_token, lease_until,
        owner, endpoint)
    SELECT id, callback, method, url, content_type, body, created_at, 'pending', created_at,
        created_at, lease_token, lease_until, owner, endpoint
    FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BYTEA[],
        $7::BIGINT[], $8::TEXT[], $9::BIGINT[], $10::TEXT[], $11::TEXT[])
        AS input(id, callback, method, url, content_type, body, created_at, lease_token,
            lease_until, owner, endpoint)";

/// One attempt's outcome, written only if the delivery is still leased under
/// the token: one round trip and one atomic commit.
pub(super) const COMPLETE: &str = "WITH updated AS (
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
pub(super) const COMPLETE_MANY: &str = "WITH input AS (
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

/// An attempt's outcome to write.
pub(super) struct Outcome {
    pub(super) id: String,
    pub(super) token: String,
    pub(super) attempt: Attempt,
    pub(super) next: Next,
    pub(super) hold_until: Option<SystemTime>,
}

/// An outcome as the columns it writes.
pub(super) struct OutcomeColumns<'a> {
    pub(super) state: &'static str,
    pub(super) reason: Option<&'a str>,
    pub(super) next_attempt_at: Option<i64>,
    pub(super) lease_token: Option<&'a str>,
    pub(super) lease_until: Option<i64>,
    pub(super) number: i32,
    pub(super) started_at: i64,
    pub(super) duration_us: i64,
    pub(super) status: Option<i32>,
}

impl Outcome {
    pub(super) fn columns(&self) -> OutcomeColumns<'_> {
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

pub(super) const RECORD_COLUMNS: &str = "id, callback, url, created_at, state, reason, \
     next_attempt_at, lease_until, attempts, owner, endpoint, octet_length(body)";

/// An error of the pool, the connection or a statement, with its causes (their
/// own messages are often just "db error" or "error performing TLS
/// handshake").
pub(super) fn unavailable(error: impl std::error::Error) -> StoreError {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    StoreError::Unavailable(format!("PostgreSQL: {text}"))
}
