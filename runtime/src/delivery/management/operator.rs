//! [`DeliveryOperations<A>`]: the delivery log for the application's
//! operators, across API users: every owner's deliveries (or one owner's),
//! any delivery read or sent again by its `webhook-id`, and how each
//! receiving origin fares. Authenticated by the application's operator
//! extractor `A`, documented like the owners' routes.

use std::marker::PhantomData;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::{guard, web, FromRequest, HttpResponse};

use super::deliveries::{page, read, send_again};
use super::routes::{common, describe_replay, meta, one_delivery};
use super::wire::{
    DeliveryList, DeliveryOut, DeliveryPath, DeliveryQuery, EndpointHealthList, EndpointHealthOut,
    OwnerFilter,
};
use crate::context::OperationContext;
use crate::declarations::{DocumentedOperation, DocumentedRoute};
use crate::delivery::callbacks::Callbacks;
use crate::extract::{PathExtractor, QueryExtractor};
use crate::input::OperationInput;
use crate::meta::OperationMeta;
use crate::openapi::Method;
use crate::problem::Problem;

/// The tag every operator route has.
pub const OPERATOR_TAG: &str = "webhook operations";

/// The routes the application's operators read the delivery log with,
/// across API users, authenticated by `A` (the application's operator
/// extractor): `GET /deliveries` (every owner's, or `?owner=`), `GET
/// /deliveries/{id}` and `POST /deliveries/{id}/replay` for any delivery by
/// its `webhook-id`, and `GET /endpoint-health`. Mount it under an operators'
/// scope of your `Api`:
///
/// ```no_run
/// # use hookspec::delivery::management::DeliveryOperations;
/// # use hookspec::delivery::owners::OwnerId;
/// # use hookspec::Api;
/// // `OwnerId` here; your operators' own extractor in practice.
/// let api = Api::new("Shop", "1.0.0")
///     .scope("/admin/webhooks", |scope| scope.service(DeliveryOperations::<OwnerId>::new()));
/// ```
///
/// Their tag is [`OPERATOR_TAG`]; with `Api::strict_tags`, declare it.
pub struct DeliveryOperations<A> {
    extractor: PhantomData<fn() -> A>,
}

impl<A> DeliveryOperations<A> {
    /// The routes.
    pub fn new() -> Self {
        DeliveryOperations {
            extractor: PhantomData,
        }
    }
}

impl<A> Default for DeliveryOperations<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A> Clone for DeliveryOperations<A> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<A> std::fmt::Debug for DeliveryOperations<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeliveryOperations<{}>", std::any::type_name::<A>())
    }
}

async fn list<A: OperationInput>(
    operator: A::Extractor,
    callbacks: Callbacks,
    query: QueryExtractor<DeliveryQuery>,
    owner: QueryExtractor<OwnerFilter>,
) -> Result<web::Json<DeliveryList>, Problem> {
    // Extracted: the caller is an operator.
    let _ = operator;
    page(&callbacks, owner.0.owner, query.0).await
}

async fn get<A: OperationInput>(
    operator: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<DeliveryPath>,
) -> Result<web::Json<DeliveryOut>, Problem> {
    let _ = operator;
    read(&callbacks, None, &path.0.into_inner().id).await
}

async fn replay<A: OperationInput>(
    operator: A::Extractor,
    callbacks: Callbacks,
    path: PathExtractor<DeliveryPath>,
) -> Result<HttpResponse, Problem> {
    let _ = operator;
    send_again(&callbacks, None, &path.0.into_inner().id).await
}

async fn health<A: OperationInput>(
    operator: A::Extractor,
    callbacks: Callbacks,
) -> web::Json<EndpointHealthList> {
    let _ = operator;
    let data = callbacks
        .endpoints()
        .into_iter()
        .map(EndpointHealthOut::from)
        .collect();
    web::Json(EndpointHealthList { data })
}

impl<A> HttpServiceFactory for DeliveryOperations<A>
where
    A: OperationInput + 'static,
    A::Extractor: FromRequest + 'static,
{
    fn register(self, config: &mut AppService) {
        use actix_web::http::Method as M;
        let route = |path: &str, name: &str, method: M| {
            web::resource(path.to_owned())
                .name(name)
                .guard(guard::Method(method))
        };
        let resources = [
            route("/deliveries", "list_all_webhook_deliveries", M::GET).to(list::<A>),
            route("/deliveries/{id}", "get_any_webhook_delivery", M::GET).to(get::<A>),
            route(
                "/deliveries/{id}/replay",
                "replay_any_webhook_delivery",
                M::POST,
            )
            .to(replay::<A>),
            route("/endpoint-health", "get_webhook_endpoint_health", M::GET).to(health::<A>),
        ];
        for resource in resources {
            HttpServiceFactory::register(resource, config);
        }
    }
}

/// An operator route's facts: as an owner route's, under [`OPERATOR_TAG`].
const fn operator_meta(
    operation_id: &'static str,
    path: &'static str,
    method: &'static [Method],
    summary: &'static str,
    description: Option<&'static str>,
) -> OperationMeta {
    OperationMeta {
        tags: &[OPERATOR_TAG],
        ..meta(operation_id, method, path, summary, description)
    }
}

fn describe_list<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Query<OwnerFilter> as OperationInput>::describe(cx);
    <web::Query<DeliveryQuery> as OperationInput>::describe(cx);
    cx.add_json_response::<DeliveryList>(200, "A page of deliveries, newest first");
}

fn describe_get<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_delivery::<A>(cx);
    cx.add_json_response::<DeliveryOut>(200, "The delivery, with its attempts and payload");
}

fn describe_health<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    cx.add_json_response::<EndpointHealthList>(200, "Each receiving origin, by origin");
}

// Not suggested when a handler is not a documented route.
#[diagnostic::do_not_recommend]
impl<A> DocumentedOperation for DeliveryOperations<A>
where
    A: OperationInput + 'static,
    A::Extractor: FromRequest + 'static,
{
    const ROUTES: &'static [DocumentedRoute] = &[
        DocumentedRoute {
            meta: operator_meta(
                "list_all_webhook_deliveries",
                "/deliveries",
                &[Method::Get],
                "List every API user's deliveries, newest first.",
                Some("Or one user's (`owner`); in pages, as an owner's log."),
            ),
            describe: describe_list::<A>,
        },
        DocumentedRoute {
            meta: operator_meta(
                "get_any_webhook_delivery",
                "/deliveries/{id}",
                &[Method::Get],
                "Read any delivery by its `webhook-id`.",
                None,
            ),
            describe: describe_get::<A>,
        },
        DocumentedRoute {
            meta: operator_meta(
                "replay_any_webhook_delivery",
                "/deliveries/{id}/replay",
                &[Method::Post],
                "Send any finished delivery again.",
                Some("With the same `webhook-id`; `409` while it is under way."),
            ),
            // As an owner's replay, of any owner's delivery.
            describe: describe_replay::<A>,
        },
        DocumentedRoute {
            meta: operator_meta(
                "get_webhook_endpoint_health",
                "/endpoint-health",
                &[Method::Get],
                "How each receiving origin fares, as this instance sees it.",
                Some("Failed attempts in a row, whether its deliveries are paused, the last error, deliveries in flight."),
            ),
            describe: describe_health::<A>,
        },
    ];
}
