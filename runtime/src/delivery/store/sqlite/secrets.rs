//! The signing secrets hookspec manages, in the `hookspec_secrets` table.

use std::time::SystemTime;

use rusqlite::{params, Connection};

use super::rows::unavailable;
use crate::delivery::store::contract::{StoreError, StoredSecret};
use crate::delivery::store::sql::{from_millis, to_millis};

/// The secrets of `holder` that sign at `now`, newest first.
pub(super) fn signing(
    connection: &Connection,
    holder: &str,
    now: SystemTime,
) -> Result<Vec<StoredSecret>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT generation, sealed, created_at, expires_at FROM hookspec_secrets
             WHERE holder = ?1 AND (expires_at IS NULL OR expires_at > ?2)
             ORDER BY generation DESC",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map(params![holder, to_millis(now)], |row| {
            Ok(StoredSecret {
                generation: row.get::<_, i64>(0)?.clamp(0, i64::from(u32::MAX)) as u32,
                sealed: row.get(1)?,
                created_at: from_millis(row.get(2)?),
                expires_at: row.get::<_, Option<i64>>(3)?.map(from_millis),
            })
        })
        .map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

/// Gives `holder` `first` unless it has a secret; then its signing secrets.
pub(super) fn add_first(
    connection: &Connection,
    holder: &str,
    first: &StoredSecret,
    now: SystemTime,
) -> Result<Vec<StoredSecret>, StoreError> {
    connection
        .execute(
            "INSERT INTO hookspec_secrets (holder, generation, sealed, created_at, expires_at)
             SELECT ?1, 1, ?2, ?3, NULL
             WHERE NOT EXISTS (SELECT 1 FROM hookspec_secrets WHERE holder = ?1)",
            params![holder, first.sealed, to_millis(first.created_at)],
        )
        .map_err(unavailable)?;
    signing(connection, holder, now)
}

/// Makes `sealed` the newest secret of `holder`; the others sign until
/// `old_until` at the latest; expired ones go.
pub(super) fn rotate(
    connection: &Connection,
    holder: &str,
    sealed: &[u8],
    now: SystemTime,
    old_until: SystemTime,
) -> Result<StoredSecret, StoreError> {
    let generation: i64 = connection
        .query_row(
            "SELECT coalesce(max(generation), 0) + 1 FROM hookspec_secrets WHERE holder = ?1",
            params![holder],
            |row| row.get(0),
        )
        .map_err(unavailable)?;
    connection
        .execute(
            "DELETE FROM hookspec_secrets
             WHERE holder = ?1 AND expires_at IS NOT NULL AND expires_at <= ?2",
            params![holder, to_millis(now)],
        )
        .map_err(unavailable)?;
    connection
        .execute(
            "UPDATE hookspec_secrets SET expires_at = min(coalesce(expires_at, ?2), ?2)
             WHERE holder = ?1",
            params![holder, to_millis(old_until)],
        )
        .map_err(unavailable)?;
    connection
        .execute(
            "INSERT INTO hookspec_secrets (holder, generation, sealed, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, NULL)",
            params![holder, generation, sealed, to_millis(now)],
        )
        .map_err(unavailable)?;
    Ok(StoredSecret {
        generation: generation.clamp(0, i64::from(u32::MAX)) as u32,
        sealed: sealed.to_vec(),
        created_at: from_millis(to_millis(now)),
        expires_at: None,
    })
}
