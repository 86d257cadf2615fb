//! Subscriptions in SQLite: the `hookspec_endpoints` table, and a publication
//! fanned out by one `INSERT ... SELECT` with its idempotency key, in one
//! transaction.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::rows::unavailable;
use crate::delivery::store::contract::StoreError;
use crate::delivery::store::contract::{
    disabled_reason, EndpointOutcome, Publication, Published, StoredEndpoint,
};
use crate::delivery::store::sql::{endpoint_columns, to_millis, EndpointColumns};

const COLUMNS: &str = "id, owner, url, event_types, description, metadata, disabled_reason, \
                       disabled_at, created_at, updated_at, failing_since";

fn endpoint_row(row: &Row<'_>) -> rusqlite::Result<EndpointColumns> {
    Ok(EndpointColumns {
        id: row.get(0)?,
        owner: row.get(1)?,
        url: row.get(2)?,
        event_types: row.get(3)?,
        description: row.get(4)?,
        metadata: row.get(5)?,
        disabled_reason: row.get(6)?,
        disabled_at: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        failing_since: row.get(10)?,
    })
}

pub(super) fn insert(connection: &Connection, endpoint: &StoredEndpoint) -> Result<(), StoreError> {
    let columns = endpoint_columns(endpoint);
    connection
        .execute(
            &format!("INSERT INTO hookspec_endpoints ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
            params![
                columns.id,
                columns.owner,
                columns.url,
                columns.event_types,
                columns.description,
                columns.metadata,
                columns.disabled_reason,
                columns.disabled_at,
                columns.created_at,
                columns.updated_at,
                columns.failing_since
            ],
        )
        .map(drop)
        .map_err(unavailable)
}

pub(super) fn get(
    connection: &Connection,
    owner: &str,
    id: &str,
) -> Result<Option<StoredEndpoint>, StoreError> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM hookspec_endpoints WHERE id = ?1 AND owner = ?2"),
            params![id, owner],
            endpoint_row,
        )
        .optional()
        .map_err(unavailable)?
        .map(EndpointColumns::into_endpoint)
        .transpose()
}

pub(super) fn list(
    connection: &Connection,
    owner: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<StoredEndpoint>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM hookspec_endpoints WHERE owner = ?1 AND id > ?2
             ORDER BY id LIMIT ?3"
        ))
        .map_err(unavailable)?;
    let rows = statement
        .query_map(
            params![
                owner,
                after.unwrap_or(""),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            endpoint_row,
        )
        .map_err(unavailable)?;
    rows.map(|row| row.map_err(unavailable)?.into_endpoint())
        .collect()
}

pub(super) fn replace(
    connection: &Connection,
    endpoint: &StoredEndpoint,
) -> Result<bool, StoreError> {
    let columns = endpoint_columns(endpoint);
    let changed = connection
        .execute(
            "UPDATE hookspec_endpoints SET url = ?3, event_types = ?4, description = ?5,
                 metadata = ?6, disabled_reason = ?7, disabled_at = ?8, updated_at = ?9,
                 failing_since = ?10
             WHERE id = ?1 AND owner = ?2",
            params![
                columns.id,
                columns.owner,
                columns.url,
                columns.event_types,
                columns.description,
                columns.metadata,
                columns.disabled_reason,
                columns.disabled_at,
                columns.updated_at,
                columns.failing_since
            ],
        )
        .map_err(unavailable)?;
    Ok(changed == 1)
}

pub(super) fn delete(connection: &Connection, owner: &str, id: &str) -> Result<bool, StoreError> {
    let deleted = connection
        .execute(
            "DELETE FROM hookspec_endpoints WHERE id = ?1 AND owner = ?2",
            params![id, owner],
        )
        .map_err(unavailable)?;
    if deleted == 1 {
        connection
            .execute(
                "DELETE FROM hookspec_secrets WHERE holder = ?1",
                params![format!("endpoint:{id}")],
            )
            .map_err(unavailable)?;
    }
    Ok(deleted == 1)
}

pub(super) fn outcome(
    connection: &Connection,
    id: &str,
    outcome: &EndpointOutcome,
) -> Result<Option<StoredEndpoint>, StoreError> {
    let now = to_millis(outcome.now);
    if outcome.delivered {
        connection
            .execute(
                "UPDATE hookspec_endpoints SET failing_since = NULL
                 WHERE id = ?1 AND failing_since IS NOT NULL",
                params![id],
            )
            .map_err(unavailable)?;
        return Ok(None);
    }
    connection
        .execute(
            "UPDATE hookspec_endpoints SET failing_since = ?2
             WHERE id = ?1 AND failing_since IS NULL",
            params![id, now],
        )
        .map_err(unavailable)?;
    let disabled = connection
        .execute(
            "UPDATE hookspec_endpoints
             SET disabled_reason = ?2, disabled_at = ?3, updated_at = ?3
             WHERE id = ?1 AND disabled_at IS NULL AND (?4 OR failing_since <= ?5)",
            params![
                id,
                disabled_reason(outcome),
                now,
                outcome.gone,
                to_millis(outcome.disable_before)
            ],
        )
        .map_err(unavailable)?;
    if disabled == 0 {
        return Ok(None);
    }
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM hookspec_endpoints WHERE id = ?1"),
            params![id],
            endpoint_row,
        )
        .optional()
        .map_err(unavailable)?
        .map(EndpointColumns::into_endpoint)
        .transpose()
}

pub(super) fn publish(
    connection: &Connection,
    publication: &Publication,
) -> Result<Published, StoreError> {
    let message = &publication.message;
    let owner = message.owner.as_deref().unwrap_or_default();
    if let Some(key) = &publication.idempotency_key {
        let first: Option<String> = connection
            .query_row(
                "SELECT message FROM hookspec_publications
                 WHERE owner = ?1 AND idempotency_key = ?2",
                params![owner, key],
                |row| row.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        if let Some(first) = first {
            return Ok(Published {
                message: crate::delivery::record::DeliveryId(first),
                deliveries: 0,
                repeated: true,
            });
        }
        connection
            .execute(
                "INSERT INTO hookspec_publications (owner, idempotency_key, message, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    owner,
                    key,
                    message.id.as_str(),
                    to_millis(message.created_at)
                ],
            )
            .map_err(unavailable)?;
    }
    let created = to_millis(message.created_at);
    let deliveries = connection
        .prepare_cached(
            "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body,
                 created_at, state, round_started_at, next_attempt_at, owner, endpoint)
             SELECT ?1 || '.' || id, ?2, ?3, url, ?4, ?5, ?6, 'pending', ?6, ?6, owner, id
             FROM hookspec_endpoints
             WHERE owner = ?7 AND disabled_at IS NULL
               AND (event_types = '[]'
                    OR EXISTS (SELECT 1 FROM json_each(event_types) WHERE value = ?2))",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                message.id.as_str(),
                message.callback,
                message.method,
                message.content_type,
                message.body,
                created,
                owner
            ])
        })
        .map_err(unavailable)?;
    Ok(Published {
        message: message.id.clone(),
        deliveries: deliveries as u64,
        repeated: false,
    })
}
