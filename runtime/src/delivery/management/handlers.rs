//! The management routes' handlers, generic over the application's
//! authentication extractor `A`: whoever `A` says the caller is owns the
//! endpoints the call reaches. Another owner's endpoint is not found (`404`),
//! never forbidden: its existence is not revealed.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::wire::{
    EndpointIn, EndpointList, EndpointOut, EndpointPatch, EndpointPath, EventTypeList, ListQuery,
    RotationIn, SecretList, SecretOut, TestIn, TestOut,
};
use crate::delivery::callbacks::Callbacks;
use crate::delivery::owners::{Owner, SecretsError};
use crate::delivery::store::StoreError;
use crate::delivery::subscriptions::{EndpointError, EndpointUpdate, NewEndpoint};
use crate::extract::{JsonExtractor, PathExtractor, QueryExtractor};
use crate::input::OperationInput;
use crate::problem::Problem;

/// The page size when the caller names none.
const DEFAULT_LIMIT: u32 = 50;
/// A rotation's overlap when the caller names none, and the longest allowed.
const DEFAULT_OVERLAP: Duration = Duration::from_secs(24 * 3600);
const MAX_OVERLAP_SECONDS: u32 = 7 * 24 * 3600;

/// The caller's owner id, from the application's extractor.
pub(super) fn owner_of<A: OperationInput + Owner>(extracted: A::Extractor) -> String {
    A::from_extractor(extracted).owner_id().to_owned()
}

pub(super) fn not_found(id: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, format!("no endpoint `{id}`"))
}

/// The problem an [`EndpointError`] answers with: the caller's field and why
/// (`422`), the store for now (`503`), or our configuration (`500`, logged).
pub(super) fn problem(error: EndpointError) -> Problem {
    let unavailable = |detail: &str| Problem::new(StatusCode::SERVICE_UNAVAILABLE, detail);
    match error {
        EndpointError::Invalid { field, reason } => Problem::at_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            format!("/{field}"),
            reason,
        ),
        EndpointError::Refused(refused) => Problem::at_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "/url",
            refused.to_string(),
        ),
        EndpointError::Store(error) | EndpointError::Secrets(SecretsError::Store(error))
            if error.is_unavailable() =>
        {
            tracing::warn!(%error, "webhook endpoints: the store is unavailable");
            unavailable("the endpoint store is unavailable; try again later")
        }
        other => {
            tracing::error!(error = %other, "webhook endpoints: cannot serve the request");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "webhook endpoints cannot be managed now",
            )
        }
    }
}

pub(super) async fn list<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    query: QueryExtractor<ListQuery>,
) -> Result<web::Json<EndpointList>, Problem> {
    let query = query.0;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 250) as usize;
    let page = callbacks
        .list_endpoints(&owner_of::<A>(owner), query.after.as_deref(), limit)
        .await
        .map_err(problem)?;
    Ok(web::Json(EndpointList {
        data: page.endpoints.into_iter().map(EndpointOut::from).collect(),
        next: page.next,
    }))
}

pub(super) async fn create<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    body: JsonExtractor<EndpointIn>,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let endpoint = NewEndpoint {
        url: body.url,
        event_types: body.event_types,
        description: body.description,
        metadata: body.metadata,
    };
    let created = callbacks
        .create_endpoint(&owner_of::<A>(owner), endpoint)
        .await
        .map_err(problem)?;
    Ok(HttpResponse::Created().json(EndpointOut::from(created)))
}

pub(super) async fn get<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
) -> Result<web::Json<EndpointOut>, Problem> {
    let id = path.0.into_inner().id;
    match callbacks
        .endpoint(&owner_of::<A>(owner), &id)
        .await
        .map_err(problem)?
    {
        Some(endpoint) => Ok(web::Json(endpoint.into())),
        None => Err(not_found(&id)),
    }
}

pub(super) async fn update<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
    body: JsonExtractor<EndpointPatch>,
) -> Result<web::Json<EndpointOut>, Problem> {
    let id = path.0.into_inner().id;
    let patch = body.0;
    let update = EndpointUpdate {
        url: patch.url,
        event_types: patch.event_types,
        description: patch.description,
        metadata: patch.metadata,
        enabled: patch.enabled,
    };
    match callbacks
        .update_endpoint(&owner_of::<A>(owner), &id, update)
        .await
        .map_err(problem)?
    {
        Some(endpoint) => Ok(web::Json(endpoint.into())),
        None => Err(not_found(&id)),
    }
}

pub(super) async fn delete<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
) -> Result<HttpResponse, Problem> {
    let id = path.0.into_inner().id;
    match callbacks
        .delete_endpoint(&owner_of::<A>(owner), &id)
        .await
        .map_err(problem)?
    {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(not_found(&id)),
    }
}

pub(super) async fn secrets<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
) -> Result<web::Json<SecretList>, Problem> {
    let id = path.0.into_inner().id;
    match callbacks
        .endpoint_secrets(&owner_of::<A>(owner), &id)
        .await
        .map_err(problem)?
    {
        Some(secrets) => Ok(web::Json(SecretList {
            data: secrets.into_iter().map(SecretOut::from).collect(),
        })),
        None => Err(not_found(&id)),
    }
}

pub(super) async fn rotate<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
    body: JsonExtractor<RotationIn>,
) -> Result<web::Json<SecretOut>, Problem> {
    let id = path.0.into_inner().id;
    let overlap = match body.0.overlap_seconds {
        Some(seconds) if seconds > MAX_OVERLAP_SECONDS => {
            return Err(Problem::at_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "body",
                "/overlap_seconds",
                format!("at most {MAX_OVERLAP_SECONDS} (a week)"),
            ))
        }
        Some(seconds) => Duration::from_secs(u64::from(seconds)),
        None => DEFAULT_OVERLAP,
    };
    match callbacks
        .rotate_endpoint_secret(&owner_of::<A>(owner), &id, overlap)
        .await
        .map_err(problem)?
    {
        Some(secret) => Ok(web::Json(secret.into())),
        None => Err(not_found(&id)),
    }
}

pub(super) async fn test<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<EndpointPath>,
    body: JsonExtractor<TestIn>,
) -> Result<HttpResponse, Problem> {
    let id = path.0.into_inner().id;
    match callbacks
        .send_test_event(&owner_of::<A>(owner), &id, &body.0.event_type)
        .await
        .map_err(problem)?
    {
        Some(delivery) => Ok(HttpResponse::Accepted().json(TestOut {
            delivery_id: delivery.to_string(),
        })),
        None => Err(not_found(&id)),
    }
}

pub(super) async fn event_types<A: OperationInput + Owner>(
    owner: A::Extractor,
    callbacks: Callbacks,
) -> Result<web::Json<EventTypeList>, Problem> {
    // Authenticated like every other route, though the catalog is the same
    // for every owner.
    let _ = owner_of::<A>(owner);
    let catalog = callbacks.event_catalog().ok_or_else(|| {
        problem(EndpointError::Store(StoreError::Corrupt(
            "the Callbacks was built without `.api(&api)`: no event catalog".into(),
        )))
    })?;
    Ok(web::Json(EventTypeList {
        data: catalog.events().to_vec(),
    }))
}
