//! What the SQL stores (SQLite and PostgreSQL) share: times as milliseconds, the
//! state columns an outcome writes, and a stored row turned into its record.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::contract::StoredEndpoint;
use super::contract::{delivery_state, LogQuery, Next, StateKind, StoreError};
use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord};

impl StateKind {
    /// The state a stored column names, if it names one.
    pub(crate) fn from_column(column: &str) -> Option<Self> {
        [
            StateKind::Unfinished,
            StateKind::Succeeded,
            StateKind::Failed,
            StateKind::Abandoned,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == column)
    }
}

/// A value of a delivery-log statement: the stores bind each as their driver
/// does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LogValue {
    Text(String),
    Integer(i64),
}

/// The statement a delivery-log page runs, with the values of its
/// placeholders (`placeholder(1)` is `?1` or `$1`): only the conditions the
/// query has, so that the owner's index (`owner, created_at, id`) serves it.
pub(crate) fn log_statement(
    query: &LogQuery,
    columns: &str,
    placeholder: fn(usize) -> String,
) -> (String, Vec<LogValue>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<LogValue> = Vec::new();
    let bind = |value: LogValue, values: &mut Vec<LogValue>| {
        values.push(value);
        placeholder(values.len())
    };
    let equal = [
        ("owner", query.owner.clone()),
        ("endpoint", query.endpoint.clone()),
        ("callback", query.callback.clone()),
        ("state", query.state.map(|state| state.as_str().to_owned())),
    ];
    for (column, value) in equal {
        if let Some(value) = value {
            let at = bind(LogValue::Text(value), &mut values);
            conditions.push(format!("{column} = {at}"));
        }
    }
    if let Some(since) = query.since {
        let at = bind(LogValue::Integer(to_millis(since)), &mut values);
        conditions.push(format!("created_at >= {at}"));
    }
    if let Some(until) = query.until {
        let at = bind(LogValue::Integer(to_millis(until)), &mut values);
        conditions.push(format!("created_at < {at}"));
    }
    if let Some((created_at, id)) = &query.before {
        let millis = to_millis(*created_at);
        let older = bind(LogValue::Integer(millis), &mut values);
        let same = bind(LogValue::Integer(millis), &mut values);
        let id = bind(LogValue::Text(id.as_str().to_owned()), &mut values);
        conditions.push(format!(
            "(created_at < {older} OR (created_at = {same} AND id < {id}))"
        ));
    }
    let limit = bind(
        LogValue::Integer(i64::try_from(query.limit).unwrap_or(i64::MAX)),
        &mut values,
    );
    let conditions = if conditions.is_empty() {
        "TRUE".to_owned()
    } else {
        conditions.join(" AND ")
    };
    let statement = format!(
        "SELECT {columns} FROM hookspec_deliveries WHERE {conditions} \
         ORDER BY created_at DESC, id DESC LIMIT {limit}"
    );
    (statement, values)
}

/// Recovery: an endpoint's dead letters since a time, oldest first, at most a
/// limit, due again in a fresh round (as a replay). Placeholders: owner,
/// endpoint, since, now, limit.
pub(crate) fn recover_statement(placeholder: fn(usize) -> String) -> String {
    let [owner, endpoint, since, now, limit] = [1, 2, 3, 4, 5].map(placeholder);
    format!(
        "UPDATE hookspec_deliveries
         SET state = 'pending', reason = NULL, next_attempt_at = {now},
             round_started_at = {now}, round_first_attempt = attempts,
             lease_token = NULL, lease_until = NULL
         WHERE id IN (SELECT id FROM hookspec_deliveries
                      WHERE owner = {owner} AND endpoint = {endpoint} AND state = 'failed'
                        AND created_at >= {since}
                      ORDER BY created_at, id LIMIT {limit})"
    )
}

/// Cancelling: an endpoint's unfinished deliveries given up (a lease held
/// on one is voided, so its attempt's outcome is not written). Placeholders:
/// owner, endpoint, reason.
pub(crate) fn cancel_statement(placeholder: fn(usize) -> String) -> String {
    let [owner, endpoint, reason] = [1, 2, 3].map(placeholder);
    format!(
        "UPDATE hookspec_deliveries
         SET state = 'failed', reason = {reason}, lease_token = NULL, lease_until = NULL
         WHERE owner = {owner} AND endpoint = {endpoint} AND state = 'pending'"
    )
}

/// Unfinished deliveries and dead letters, in one statement (for the bound).
pub(crate) const KEPT: &str = "SELECT count(CASE WHEN state = 'pending' THEN 1 END), \
     count(CASE WHEN state = 'failed' THEN 1 END) \
     FROM hookspec_deliveries WHERE state IN ('pending', 'failed')";

/// Milliseconds since the Unix epoch, as stores write times.
pub(crate) fn to_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// A time read back from milliseconds since the Unix epoch.
pub(crate) fn from_millis(millis: i64) -> SystemTime {
    if millis >= 0 {
        UNIX_EPOCH + Duration::from_millis(millis.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(millis.unsigned_abs())
    }
}

/// The columns SQL stores keep for one delivery, turned into its record.
pub(crate) struct StoredRow {
    pub id: String,
    pub callback: String,
    pub url: String,
    pub created_at: i64,
    pub state: String,
    pub reason: Option<String>,
    pub next_attempt_at: i64,
    pub leased_until: Option<i64>,
    pub attempts_made: i64,
    pub owner: Option<String>,
    pub endpoint: Option<String>,
    pub size: i64,
}

impl StoredRow {
    /// The record, with `attempts` read separately; `now` tells whether a lease
    /// is current (in flight) or expired.
    pub(crate) fn into_record(
        self,
        attempts: Vec<Attempt>,
        now: SystemTime,
    ) -> Result<DeliveryRecord, StoreError> {
        let Some(kind) = StateKind::from_column(&self.state) else {
            return Err(StoreError::Corrupt(format!(
                "delivery {} has unknown state `{}`",
                self.id, self.state
            )));
        };
        let state = delivery_state(
            kind,
            self.reason,
            self.leased_until.map(from_millis),
            self.attempts_made > 0,
            from_millis(self.next_attempt_at),
            now,
        );
        Ok(DeliveryRecord {
            id: DeliveryId(self.id),
            callback: self.callback,
            url: crate::delivery::record::redact_url(&self.url),
            created_at: from_millis(self.created_at),
            state,
            attempts,
            owner: self.owner,
            endpoint: self.endpoint,
            size: self.size.max(0) as u64,
        })
    }
}

/// The state column and reason an outcome writes.
pub(crate) fn outcome_columns(next: &Next) -> (&'static str, Option<&str>) {
    match next {
        Next::Succeeded => ("succeeded", None),
        Next::RetryAt(_) => ("pending", None),
        Next::Failed(reason) => ("failed", Some(reason.as_str())),
    }
}

/// An endpoint's columns as SQL stores keep them: times as milliseconds, its
/// event types and metadata as JSON text.
pub(crate) struct EndpointColumns {
    pub id: String,
    pub owner: String,
    pub url: String,
    pub event_types: String,
    pub description: String,
    pub metadata: String,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub failing_since: Option<i64>,
}

/// `endpoint` as columns.
pub(crate) fn endpoint_columns(endpoint: &StoredEndpoint) -> EndpointColumns {
    EndpointColumns {
        id: endpoint.id.clone(),
        owner: endpoint.owner.clone(),
        url: endpoint.url.clone(),
        // Lists and maps of strings always serialise.
        event_types: serde_json::to_string(&endpoint.event_types).unwrap_or_default(),
        description: endpoint.description.clone(),
        metadata: serde_json::to_string(&endpoint.metadata).unwrap_or_default(),
        disabled_reason: endpoint.disabled.as_ref().map(|(reason, _)| reason.clone()),
        disabled_at: endpoint.disabled.as_ref().map(|(_, at)| to_millis(*at)),
        created_at: to_millis(endpoint.created_at),
        updated_at: to_millis(endpoint.updated_at),
        failing_since: endpoint.failing_since.map(to_millis),
    }
}

impl EndpointColumns {
    /// The endpoint these columns hold.
    pub(crate) fn into_endpoint(self) -> Result<StoredEndpoint, StoreError> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!(
                "endpoint {}: its {what} is not JSON of its type",
                self.id
            ))
        };
        let event_types =
            serde_json::from_str(&self.event_types).map_err(|_| corrupt("event types"))?;
        let metadata = serde_json::from_str(&self.metadata).map_err(|_| corrupt("metadata"))?;
        Ok(StoredEndpoint {
            disabled: match (self.disabled_reason, self.disabled_at) {
                (Some(reason), Some(at)) => Some((reason, from_millis(at))),
                _ => None,
            },
            id: self.id,
            owner: self.owner,
            url: self.url,
            event_types,
            description: self.description,
            metadata,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
            failing_since: self.failing_since.map(from_millis),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_milliseconds() {
        let at = UNIX_EPOCH + Duration::from_millis(1_790_000_000_123);
        assert_eq!(to_millis(at), 1_790_000_000_123);
        assert_eq!(from_millis(to_millis(at)), at);
        let before = UNIX_EPOCH - Duration::from_millis(5);
        assert_eq!(to_millis(before), -5);
        assert_eq!(from_millis(-5), before);
    }
}
