//! The transactional outbox on an application's sqlx connection: the same
//! statements as on tokio-postgres, bound through sqlx.

use sqlx::PgConnection;

use super::statements::{unavailable, CLAIM_IDEMPOTENCY_KEY, FAN_OUT, FIRST_PUBLICATION, INSERT};
use crate::delivery::record::DeliveryId;
use crate::delivery::store::contract::{NewDelivery, Publication, Published, StoreError};
use crate::delivery::store::sql::to_millis;

/// Writes `delivery` on `connection`, inside the application's transaction.
pub(super) async fn enqueue_in(
    connection: &mut PgConnection,
    delivery: &NewDelivery,
) -> Result<(), StoreError> {
    sqlx::query(INSERT)
        .bind(delivery.id.as_str())
        .bind(&delivery.callback)
        .bind(&delivery.method)
        .bind(&delivery.url)
        .bind(delivery.content_type.as_deref())
        .bind(&delivery.body)
        .bind(to_millis(delivery.created_at))
        // Not leased: the dispatcher claims it after the commit.
        .bind(None::<&str>)
        .bind(None::<i64>)
        .bind(delivery.owner.as_deref())
        .bind(delivery.endpoint.as_deref())
        .execute(connection)
        .await
        .map(drop)
        .map_err(unavailable)
}

/// Fans `publication` out on `connection`, inside the application's
/// transaction.
pub(super) async fn publish_in(
    connection: &mut PgConnection,
    publication: &Publication,
) -> Result<Published, StoreError> {
    let message = &publication.message;
    let owner = message.owner.as_deref().unwrap_or_default();
    if let Some(key) = &publication.idempotency_key {
        let claimed = sqlx::query(CLAIM_IDEMPOTENCY_KEY)
            .bind(owner)
            .bind(key)
            .bind(message.id.as_str())
            .bind(to_millis(message.created_at))
            .execute(&mut *connection)
            .await
            .map_err(unavailable)?;
        if claimed.rows_affected() == 0 {
            let first: String = sqlx::query_scalar(FIRST_PUBLICATION)
                .bind(owner)
                .bind(key)
                .fetch_one(&mut *connection)
                .await
                .map_err(unavailable)?;
            return Ok(Published {
                message: DeliveryId(first),
                deliveries: 0,
                repeated: true,
            });
        }
    }
    let deliveries = sqlx::query(FAN_OUT)
        .bind(message.id.as_str())
        .bind(&message.callback)
        .bind(&message.method)
        .bind(message.content_type.as_deref())
        .bind(&message.body)
        .bind(to_millis(message.created_at))
        .bind(owner)
        .execute(connection)
        .await
        .map_err(unavailable)?
        .rows_affected();
    Ok(Published {
        message: message.id.clone(),
        deliveries,
        repeated: false,
    })
}
