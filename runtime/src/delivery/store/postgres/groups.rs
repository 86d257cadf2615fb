//! Writing in groups: inserts and outcomes made while others are under way share one statement.

use deadpool_postgres::Pool;

use super::statements::{
    unavailable, Outcome, OutcomeColumns, COMPLETE, COMPLETE_MANY, INSERT, INSERT_MANY,
};
use crate::delivery::store::contract::{Lease, NewDelivery, StoreError};
use crate::delivery::store::sql::to_millis;

/// The most calls written in one statement.
pub(super) const MAX_GROUP: usize = 256;
/// The most insert statements under way at once: two, so that producers
/// (each waiting for its insert's commit) do not wait for a whole statement
/// before theirs starts.
pub(super) const INSERT_GROUPS_IN_FLIGHT: usize = 2;
/// The most outcome statements under way at once: one. No caller waits for
/// an outcome (only its delivery's lease does), so a statement at a time
/// delays no one, and its groups are larger (BENCHMARKS.md, "Tried and not
/// kept", has the comparison).
pub(super) const OUTCOME_GROUPS_IN_FLIGHT: usize = 1;

/// A delivery to insert, leased to its caller or not.
pub(super) type Insert = (NewDelivery, Option<Lease>);

/// Writes `delivery` with `client`: a pooled client, or the caller's own
/// transaction.
pub(super) async fn insert_with<C, S>(
    client: &C,
    statement: &S,
    delivery: &NewDelivery,
    lease: Option<&Lease>,
) -> Result<(), StoreError>
where
    C: tokio_postgres::GenericClient,
    S: ?Sized + tokio_postgres::ToStatement + Sync + Send,
{
    let created = to_millis(delivery.created_at);
    client
        .execute(
            statement,
            &[
                &delivery.id.as_str(),
                &delivery.callback,
                &delivery.method,
                &delivery.url,
                &delivery.content_type,
                &delivery.body,
                &created,
                &lease.map(|lease| lease.token.as_str()),
                &lease.map(|lease| to_millis(lease.until)),
                &delivery.owner,
                &delivery.endpoint,
            ],
        )
        .await
        .map(drop)
        .map_err(unavailable)
}

/// Writes a group of deliveries: one statement, or (alone, or if the group's
/// statement failed) one each, so that one bad delivery fails only its own
/// call.
pub(super) async fn insert_group(pool: Pool, group: Vec<Insert>) -> Vec<Result<(), StoreError>> {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    if group.len() > 1 {
        // One array per column, borrowing from the group.
        let column = |pick: fn(&Insert) -> Option<&str>| -> Vec<Option<&str>> {
            group.iter().map(pick).collect()
        };
        let ids = column(|(delivery, _)| Some(delivery.id.as_str()));
        let callbacks = column(|(delivery, _)| Some(&delivery.callback));
        let methods = column(|(delivery, _)| Some(&delivery.method));
        let urls = column(|(delivery, _)| Some(&delivery.url));
        let content_types = column(|(delivery, _)| delivery.content_type.as_deref());
        let bodies: Vec<&[u8]> = group
            .iter()
            .map(|(delivery, _)| &delivery.body[..])
            .collect();
        let created: Vec<i64> = group
            .iter()
            .map(|(delivery, _)| to_millis(delivery.created_at))
            .collect();
        let tokens = column(|(_, lease)| lease.as_ref().map(|lease| lease.token.as_str()));
        let until: Vec<Option<i64>> = group
            .iter()
            .map(|(_, lease)| lease.as_ref().map(|lease| to_millis(lease.until)))
            .collect();
        let owners = column(|(delivery, _)| delivery.owner.as_deref());
        let endpoints = column(|(delivery, _)| delivery.endpoint.as_deref());
        let written = match client.prepare_cached(INSERT_MANY).await {
            Ok(statement) => client
                .execute(
                    &statement,
                    &[
                        &ids,
                        &callbacks,
                        &methods,
                        &urls,
                        &content_types,
                        &bodies,
                        &created,
                        &tokens,
                        &until,
                        &owners,
                        &endpoints,
                    ],
                )
                .await
                .map_err(unavailable),
            Err(error) => Err(unavailable(error)),
        };
        match written {
            Ok(_) => return vec![Ok(()); group.len()],
            Err(error) => {
                tracing::debug!(%error, "a group insert failed; inserting one by one")
            }
        }
    }
    let statement = match client.prepare_cached(INSERT).await {
        Ok(statement) => statement,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let mut results = Vec::with_capacity(group.len());
    for (delivery, lease) in &group {
        results.push(insert_with(&**client, &statement, delivery, lease.as_ref()).await);
    }
    results
}

/// Writes a group of outcomes: one statement, or one each (alone, or if the
/// group's statement failed). Each result says whether its lease was held.
pub(super) async fn complete_group(
    pool: Pool,
    group: Vec<Outcome>,
) -> Vec<Result<bool, StoreError>> {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let columns: Vec<OutcomeColumns<'_>> = group.iter().map(Outcome::columns).collect();
    if group.len() > 1 {
        let ids: Vec<&str> = group.iter().map(|outcome| outcome.id.as_str()).collect();
        let tokens: Vec<&str> = group.iter().map(|outcome| outcome.token.as_str()).collect();
        let states: Vec<&str> = columns.iter().map(|c| c.state).collect();
        let reasons: Vec<Option<&str>> = columns.iter().map(|c| c.reason).collect();
        let next: Vec<Option<i64>> = columns.iter().map(|c| c.next_attempt_at).collect();
        let lease_tokens: Vec<Option<&str>> = columns.iter().map(|c| c.lease_token).collect();
        let lease_until: Vec<Option<i64>> = columns.iter().map(|c| c.lease_until).collect();
        let numbers: Vec<i32> = columns.iter().map(|c| c.number).collect();
        let started: Vec<i64> = columns.iter().map(|c| c.started_at).collect();
        let durations: Vec<i64> = columns.iter().map(|c| c.duration_us).collect();
        let statuses: Vec<Option<i32>> = columns.iter().map(|c| c.status).collect();
        let errors: Vec<Option<&str>> = group
            .iter()
            .map(|outcome| outcome.attempt.error.as_deref())
            .collect();
        let written = match client.prepare_cached(COMPLETE_MANY).await {
            Ok(statement) => client
                .query(
                    &statement,
                    &[
                        &ids,
                        &tokens,
                        &states,
                        &reasons,
                        &next,
                        &lease_tokens,
                        &lease_until,
                        &numbers,
                        &started,
                        &durations,
                        &statuses,
                        &errors,
                    ],
                )
                .await
                .map_err(unavailable),
            Err(error) => Err(unavailable(error)),
        };
        match written {
            Ok(rows) => {
                let held: std::collections::HashSet<&str> =
                    rows.iter().map(|row| row.get::<_, &str>(0)).collect();
                return ids.iter().map(|id| Ok(held.contains(id))).collect();
            }
            Err(error) => {
                tracing::debug!(%error, "a group of outcomes failed; writing one by one")
            }
        }
    }
    let statement = match client.prepare_cached(COMPLETE).await {
        Ok(statement) => statement,
        Err(error) => return vec![Err(unavailable(error)); group.len()],
    };
    let mut results = Vec::with_capacity(group.len());
    for (outcome, columns) in group.iter().zip(&columns) {
        let updated = client
            .query_one(
                &statement,
                &[
                    &outcome.id,
                    &outcome.token,
                    &columns.state,
                    &columns.reason,
                    &columns.next_attempt_at,
                    &columns.lease_token,
                    &columns.lease_until,
                    &columns.number,
                    &columns.started_at,
                    &columns.duration_us,
                    &columns.status,
                    &outcome.attempt.error,
                ],
            )
            .await
            .map(|row| row.get::<_, i64>(0) == 1)
            .map_err(unavailable);
        results.push(updated);
    }
    results
}
