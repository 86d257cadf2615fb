//! What the SQL stores (SQLite and PostgreSQL) share: times as milliseconds, the
//! state columns an outcome writes, and a stored row turned into its record.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::contract::StoredEndpoint;
use super::contract::{delivery_state, Next, StateKind, StoreError};
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
