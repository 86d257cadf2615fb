//! Subscriptions in PostgreSQL: the `hookspec_endpoints` table, and a
//! publication fanned out by one `INSERT ... SELECT` with its idempotency key,
//! in one transaction (a concurrent publication with the same key waits for
//! this one and then writes nothing).

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::statements::{unavailable, CLAIM_IDEMPOTENCY_KEY, FAN_OUT, FIRST_PUBLICATION};
use crate::delivery::record::DeliveryId;
use crate::delivery::store::contract::StoreError;
use crate::delivery::store::contract::{
    disabled_reason, EndpointOutcome, Publication, Published, StoredEndpoint,
};
use crate::delivery::store::sql::{endpoint_columns, to_millis, EndpointColumns};

const COLUMNS: &str = "id, owner, url, event_types, description, metadata, disabled_reason, \
                       disabled_at, created_at, updated_at, failing_since";

fn endpoint_row(row: &Row) -> EndpointColumns {
    EndpointColumns {
        id: row.get(0),
        owner: row.get(1),
        url: row.get(2),
        event_types: row.get(3),
        description: row.get(4),
        metadata: row.get(5),
        disabled_reason: row.get(6),
        disabled_at: row.get(7),
        created_at: row.get(8),
        updated_at: row.get(9),
        failing_since: row.get(10),
    }
}

pub(super) async fn insert(
    client: &impl GenericClient,
    endpoint: &StoredEndpoint,
) -> Result<(), StoreError> {
    let c = endpoint_columns(endpoint);
    client
        .execute(
            &format!(
                "INSERT INTO hookspec_endpoints ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &c.id,
                &c.owner,
                &c.url,
                &c.event_types,
                &c.description,
                &c.metadata,
                &c.disabled_reason,
                &c.disabled_at,
                &c.created_at,
                &c.updated_at,
                &c.failing_since,
            ],
        )
        .await
        .map(drop)
        .map_err(unavailable)
}

pub(super) async fn get(
    client: &impl GenericClient,
    owner: &str,
    id: &str,
) -> Result<Option<StoredEndpoint>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM hookspec_endpoints WHERE id = $1 AND owner = $2"),
            &[&id, &owner],
        )
        .await
        .map_err(unavailable)?
        .map(|row| endpoint_row(&row).into_endpoint())
        .transpose()
}

pub(super) async fn list(
    client: &impl GenericClient,
    owner: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<StoredEndpoint>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM hookspec_endpoints WHERE owner = $1 AND id > $2
                 ORDER BY id LIMIT $3"
            ),
            &[&owner, &after.unwrap_or(""), &limit],
        )
        .await
        .map_err(unavailable)?
        .iter()
        .map(|row| endpoint_row(row).into_endpoint())
        .collect()
}

pub(super) async fn replace(
    client: &impl GenericClient,
    endpoint: &StoredEndpoint,
) -> Result<bool, StoreError> {
    let c = endpoint_columns(endpoint);
    let changed = client
        .execute(
            "UPDATE hookspec_endpoints SET url = $3, event_types = $4, description = $5,
                 metadata = $6, disabled_reason = $7, disabled_at = $8, updated_at = $9,
                 failing_since = $10
             WHERE id = $1 AND owner = $2",
            &[
                &c.id,
                &c.owner,
                &c.url,
                &c.event_types,
                &c.description,
                &c.metadata,
                &c.disabled_reason,
                &c.disabled_at,
                &c.updated_at,
                &c.failing_since,
            ],
        )
        .await
        .map_err(unavailable)?;
    Ok(changed == 1)
}

pub(super) async fn delete(
    client: &mut deadpool_postgres::Object,
    owner: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let transaction = client.transaction().await.map_err(unavailable)?;
    let deleted = transaction
        .execute(
            "DELETE FROM hookspec_endpoints WHERE id = $1 AND owner = $2",
            &[&id, &owner],
        )
        .await
        .map_err(unavailable)?;
    if deleted == 1 {
        transaction
            .execute(
                "DELETE FROM hookspec_secrets WHERE holder = $1",
                &[&format!("endpoint:{id}")],
            )
            .await
            .map_err(unavailable)?;
    }
    transaction.commit().await.map_err(unavailable)?;
    Ok(deleted == 1)
}

pub(super) async fn outcome(
    client: &impl GenericClient,
    id: &str,
    outcome: &EndpointOutcome,
) -> Result<Option<StoredEndpoint>, StoreError> {
    let now = to_millis(outcome.now);
    if outcome.delivered {
        client
            .execute(
                "UPDATE hookspec_endpoints SET failing_since = NULL
                 WHERE id = $1 AND failing_since IS NOT NULL",
                &[&id],
            )
            .await
            .map_err(unavailable)?;
        return Ok(None);
    }
    // A data-modifying CTE cannot update a row the same statement updates
    // again: two statements. The streak starts if none is under way; the
    // endpoint is disabled if this attempt ends the patience allowed.
    client
        .execute(
            "UPDATE hookspec_endpoints SET failing_since = $2
             WHERE id = $1 AND failing_since IS NULL",
            &[&id, &now],
        )
        .await
        .map_err(unavailable)?;
    let row = client
        .query_opt(
            &format!(
                "UPDATE hookspec_endpoints
                 SET disabled_reason = $3, disabled_at = $2, updated_at = $2
                 WHERE id = $1 AND disabled_at IS NULL AND ($4 OR failing_since <= $5)
                 RETURNING {COLUMNS}"
            ),
            &[
                &id,
                &now,
                &disabled_reason(outcome),
                &outcome.gone,
                &to_millis(outcome.disable_before),
            ],
        )
        .await
        .map_err(unavailable)?;
    row.map(|row| endpoint_row(&row).into_endpoint())
        .transpose()
}

/// Fans `publication` out in one transaction of the store's own.
pub(super) async fn publish(
    client: &mut deadpool_postgres::Object,
    publication: &Publication,
) -> Result<Published, StoreError> {
    let transaction = client.transaction().await.map_err(unavailable)?;
    let published = publish_in(&transaction, publication).await?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(published)
}

/// Fans `publication` out inside `transaction` (the store's, or the
/// application's own: then it is sent if and only if that one commits).
pub(super) async fn publish_in(
    transaction: &tokio_postgres::Transaction<'_>,
    publication: &Publication,
) -> Result<Published, StoreError> {
    let message = &publication.message;
    let owner = message.owner.as_deref().unwrap_or_default();
    if let Some(key) = &publication.idempotency_key {
        let claimed = transaction
            .execute(
                CLAIM_IDEMPOTENCY_KEY,
                &[
                    &owner,
                    key,
                    &message.id.as_str(),
                    &to_millis(message.created_at),
                ],
            )
            .await
            .map_err(unavailable)?;
        if claimed == 0 {
            let first: String = transaction
                .query_one(FIRST_PUBLICATION, &[&owner, key])
                .await
                .map_err(unavailable)?
                .get(0);
            return Ok(Published {
                message: DeliveryId(first),
                deliveries: 0,
                repeated: true,
            });
        }
    }
    let deliveries = transaction
        .execute(
            FAN_OUT,
            &[
                &message.id.as_str(),
                &message.callback,
                &message.method,
                &message.content_type,
                &message.body,
                &to_millis(message.created_at),
                &owner,
            ],
        )
        .await
        .map_err(unavailable)?;
    Ok(Published {
        message: message.id.clone(),
        deliveries,
        repeated: false,
    })
}
