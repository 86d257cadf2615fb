//! The signing secrets hookspec manages, in the `hookspec_secrets` table. A
//! holder's writes take a transaction-scoped advisory lock on its name, so two
//! instances making its first secret, or rotating it, at once do not collide.

use std::time::SystemTime;

use super::statements::unavailable;
use crate::delivery::store::contract::{StoreError, StoredSecret};
use crate::delivery::store::sql::{from_millis, to_millis};

const LOCK_HOLDER: &str = "SELECT pg_advisory_xact_lock(hashtext('hookspec_secrets:' || $1))";

/// The secrets of `holder` that sign at `now`, newest first.
pub(super) async fn signing(
    client: &impl deadpool_postgres::GenericClient,
    holder: &str,
    now: SystemTime,
) -> Result<Vec<StoredSecret>, StoreError> {
    let rows = client
        .query(
            "SELECT generation, sealed, created_at, expires_at FROM hookspec_secrets
             WHERE holder = $1 AND (expires_at IS NULL OR expires_at > $2)
             ORDER BY generation DESC",
            &[&holder, &to_millis(now)],
        )
        .await
        .map_err(unavailable)?;
    Ok(rows
        .iter()
        .map(|row| StoredSecret {
            generation: row.get::<_, i32>(0).max(0) as u32,
            sealed: row.get(1),
            created_at: from_millis(row.get(2)),
            expires_at: row.get::<_, Option<i64>>(3).map(from_millis),
        })
        .collect())
}

/// Gives `holder` `first` unless it has a secret; then its signing secrets.
pub(super) async fn add_first(
    client: &mut deadpool_postgres::Object,
    holder: &str,
    first: &StoredSecret,
    now: SystemTime,
) -> Result<Vec<StoredSecret>, StoreError> {
    let transaction = client.transaction().await.map_err(unavailable)?;
    transaction
        .execute(LOCK_HOLDER, &[&holder])
        .await
        .map_err(unavailable)?;
    transaction
        .execute(
            "INSERT INTO hookspec_secrets (holder, generation, sealed, created_at, expires_at)
             SELECT $1, 1, $2, $3, NULL
             WHERE NOT EXISTS (SELECT 1 FROM hookspec_secrets WHERE holder = $1)",
            &[&holder, &first.sealed, &to_millis(first.created_at)],
        )
        .await
        .map_err(unavailable)?;
    let secrets = signing(&transaction, holder, now).await?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(secrets)
}

/// Makes `sealed` the newest secret of `holder`; the others sign until
/// `old_until` at the latest; expired ones go.
pub(super) async fn rotate(
    client: &mut deadpool_postgres::Object,
    holder: &str,
    sealed: &[u8],
    now: SystemTime,
    old_until: SystemTime,
) -> Result<StoredSecret, StoreError> {
    let transaction = client.transaction().await.map_err(unavailable)?;
    transaction
        .execute(LOCK_HOLDER, &[&holder])
        .await
        .map_err(unavailable)?;
    let generation: i32 = transaction
        .query_one(
            "SELECT coalesce(max(generation), 0) + 1 FROM hookspec_secrets WHERE holder = $1",
            &[&holder],
        )
        .await
        .map_err(unavailable)?
        .get(0);
    transaction
        .execute(
            "DELETE FROM hookspec_secrets
             WHERE holder = $1 AND expires_at IS NOT NULL AND expires_at <= $2",
            &[&holder, &to_millis(now)],
        )
        .await
        .map_err(unavailable)?;
    transaction
        .execute(
            "UPDATE hookspec_secrets SET expires_at = least(coalesce(expires_at, $2), $2)
             WHERE holder = $1",
            &[&holder, &to_millis(old_until)],
        )
        .await
        .map_err(unavailable)?;
    transaction
        .execute(
            "INSERT INTO hookspec_secrets (holder, generation, sealed, created_at, expires_at)
             VALUES ($1, $2, $3, $4, NULL)",
            &[&holder, &generation, &sealed, &to_millis(now)],
        )
        .await
        .map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(StoredSecret {
        generation: generation.max(0) as u32,
        sealed: sealed.to_vec(),
        created_at: from_millis(to_millis(now)),
        expires_at: None,
    })
}
