//! The delivery log's handlers: the caller's deliveries, newest first, each
//! with its attempts; one read with its payload, one sent again; an
//! endpoint's dead letters recovered, its unfinished deliveries cancelled.
//! Another owner's delivery or endpoint is not found (`404`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::handlers::{not_found as endpoint_not_found, owner_of, problem};
use super::wire::{
    CancelOut, DeliveryList, DeliveryOut, DeliveryPath, DeliveryQuery, DeliveryStatus,
    EndpointPath, RecoverIn, RecoverOut,
};
use crate::delivery::callbacks::Callbacks;
use crate::delivery::owners::Owner;
use crate::delivery::record::{DeliveryId, DeliveryRecord};
use crate::delivery::store::{LogQuery, Payload, StateKind};
use crate::delivery::subscriptions::EndpointError;
use crate::extract::{JsonExtractor, PathExtractor, QueryExtractor};
use crate::input::OperationInput;
use crate::problem::Problem;

/// The page size when the caller names none, and the largest.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 250;

fn not_found(id: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, format!("no delivery `{id}`"))
}

/// A query parameter's problem: `400`, naming it.
fn bad_parameter(name: &str, detail: impl Into<String>) -> Problem {
    Problem::at_field(StatusCode::BAD_REQUEST, "query", format!("/{name}"), detail)
}

/// An RFC 3339 time parameter.
fn time_parameter(name: &str, value: Option<String>) -> Result<Option<SystemTime>, Problem> {
    value
        .map(|text| {
            humantime::parse_rfc3339_weak(&text)
                .map_err(|error| bad_parameter(name, format!("expected an RFC 3339 time: {error}")))
        })
        .transpose()
}

/// The cursor after `record`: its acceptance time in nanoseconds since the
/// Unix epoch, a dot, its id.
fn cursor(record: &DeliveryRecord) -> String {
    let nanos = record
        .created_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{nanos}.{}", record.id)
}

fn parse_cursor(text: &str) -> Result<(SystemTime, DeliveryId), Problem> {
    let invalid = || bad_parameter("before", "not a `next` of this API");
    let (nanos, id) = text.split_once('.').ok_or_else(invalid)?;
    let nanos: u64 = nanos.parse().map_err(|_| invalid())?;
    if id.is_empty() {
        return Err(invalid());
    }
    Ok((
        UNIX_EPOCH + Duration::from_nanos(nanos),
        DeliveryId::from(id),
    ))
}

fn kind(status: DeliveryStatus) -> StateKind {
    match status {
        DeliveryStatus::Pending => StateKind::Unfinished,
        DeliveryStatus::Succeeded => StateKind::Succeeded,
        DeliveryStatus::Failed => StateKind::Failed,
        DeliveryStatus::Abandoned => StateKind::Abandoned,
    }
}

fn store_problem(error: crate::delivery::store::StoreError) -> Problem {
    problem(EndpointError::Store(error))
}

pub(super) async fn list<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    query: QueryExtractor<DeliveryQuery>,
) -> Result<web::Json<DeliveryList>, Problem> {
    page(&callbacks, Some(owner_of::<A>(owner)), query.0).await
}

/// A page of the log: `owner`'s deliveries, or every owner's (`None`).
pub(super) async fn page(
    callbacks: &Callbacks,
    owner: Option<String>,
    query: DeliveryQuery,
) -> Result<web::Json<DeliveryList>, Problem> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let log = LogQuery {
        owner,
        endpoint: query.endpoint_id,
        callback: query.event_type,
        state: query.status.map(kind),
        since: time_parameter("since", query.since)?,
        until: time_parameter("until", query.until)?,
        before: query.before.as_deref().map(parse_cursor).transpose()?,
        // One more than the page: whether there is a next one.
        limit: limit + 1,
    };
    let mut records = callbacks.delivery_log(log).await.map_err(store_problem)?;
    let next = if records.len() > limit {
        records.truncate(limit);
        records.last().map(cursor)
    } else {
        None
    };
    Ok(web::Json(DeliveryList {
        data: records.into_iter().map(DeliveryOut::from).collect(),
        next,
    }))
}

/// Delivery `id` if it is `owner`'s (any owner's for `None`), or `404`.
async fn owned(
    callbacks: &Callbacks,
    owner: Option<&str>,
    id: &str,
) -> Result<DeliveryRecord, Problem> {
    let record = callbacks
        .delivery(&DeliveryId::from(id))
        .await
        .map_err(store_problem)?;
    match record {
        Some(record) if owner.is_none_or(|owner| record.owner.as_deref() == Some(owner)) => {
            Ok(record)
        }
        _ => Err(not_found(id)),
    }
}

pub(super) async fn get<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<DeliveryPath>,
) -> Result<web::Json<DeliveryOut>, Problem> {
    let owner = owner_of::<A>(owner);
    read(&callbacks, Some(&owner), &path.0.into_inner().id).await
}

/// Delivery `id` (if it is `owner`'s), with its payload.
pub(super) async fn read(
    callbacks: &Callbacks,
    owner: Option<&str>,
    id: &str,
) -> Result<web::Json<DeliveryOut>, Problem> {
    let record = owned(callbacks, owner, id).await?;
    let payload = callbacks
        .delivery_payload(&record.id)
        .await
        .map_err(store_problem)?;
    let mut delivery = DeliveryOut::from(record);
    delivery.payload = payload.map(|payload| shown(&payload));
    Ok(web::Json(delivery))
}

/// A payload as the log shows it: its JSON, or else its text.
fn shown(payload: &Payload) -> serde_json::Value {
    serde_json::from_slice(&payload.body)
        .unwrap_or_else(|_| String::from_utf8_lossy(&payload.body).into_owned().into())
}

/// The most dead letters one recovery sends again.
const RECOVER_BATCH: usize = 1000;

/// The caller's endpoint `id`, or `404`.
async fn owned_endpoint(callbacks: &Callbacks, owner: &str, id: &str) -> Result<(), Problem> {
    match callbacks.endpoint(owner, id).await.map_err(problem)? {
        Some(_) => Ok(()),
        None => Err(endpoint_not_found(id)),
    }
}

pub(super) async fn recover<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
    body: JsonExtractor<RecoverIn>,
) -> Result<HttpResponse, Problem> {
    let id = path.0.into_inner().id;
    let owner = owner_of::<A>(owner);
    let since = humantime::parse_rfc3339_weak(&body.0.since).map_err(|error| {
        Problem::at_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "/since",
            format!("expected an RFC 3339 time: {error}"),
        )
    })?;
    owned_endpoint(&callbacks, &owner, &id).await?;
    let recovered = callbacks
        .recover_endpoint(&owner, &id, since, RECOVER_BATCH)
        .await
        .map_err(store_problem)?;
    Ok(HttpResponse::Accepted().json(RecoverOut {
        recovered,
        more: recovered == RECOVER_BATCH as u64,
    }))
}

pub(super) async fn cancel<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
) -> Result<web::Json<CancelOut>, Problem> {
    let id = path.0.into_inner().id;
    let owner = owner_of::<A>(owner);
    owned_endpoint(&callbacks, &owner, &id).await?;
    let cancelled = callbacks
        .cancel_endpoint_deliveries(&owner, &id)
        .await
        .map_err(store_problem)?;
    Ok(web::Json(CancelOut { cancelled }))
}

pub(super) async fn replay<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<DeliveryPath>,
) -> Result<HttpResponse, Problem> {
    let owner = owner_of::<A>(owner);
    send_again(&callbacks, Some(&owner), &path.0.into_inner().id).await
}

/// Sends delivery `id` (if it is `owner`'s) again.
pub(super) async fn send_again(
    callbacks: &Callbacks,
    owner: Option<&str>,
    id: &str,
) -> Result<HttpResponse, Problem> {
    owned(callbacks, owner, id).await?;
    let replayed = callbacks
        .replay(&DeliveryId::from(id))
        .await
        .map_err(store_problem)?;
    if !replayed {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("delivery `{id}` is still under way: it can be sent again once it is finished"),
        ));
    }
    let record = owned(callbacks, owner, id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryOut::from(record)))
}
