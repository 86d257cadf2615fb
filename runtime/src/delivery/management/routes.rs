//! [`EndpointManagement<A>`]: the management routes as one service an `Api`
//! registers (and so documents) like any handler: each route's facts, and how
//! it documents itself, with the application's extractor `A` documenting the
//! security requirement and its `401`.

use std::marker::PhantomData;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::{guard, web, FromRequest};

use super::wire::{
    CancelOut, DeliveryList, DeliveryOut, DeliveryPath, DeliveryQuery, EndpointIn, EndpointList,
    EndpointOut, EndpointPatch, EndpointPath, EventTypeList, ListQuery, RecoverIn, RecoverOut,
    RotationIn, SecretList, SecretOut, TestIn, TestOut,
};
use super::{deliveries, handlers};
use crate::context::OperationContext;
use crate::declarations::{DocumentedOperation, DocumentedRoute};
use crate::delivery::callbacks::Callbacks;
use crate::delivery::owners::Owner;
use crate::input::OperationInput;
use crate::meta::OperationMeta;
use crate::openapi::{Method, Response};

/// The tag every management route has.
pub const TAG: &str = "webhook endpoints";

/// The routes API users manage their webhook endpoints with, authenticated
/// by `A` (the application's extractor, implementing [`Owner`]): register,
/// list, read, change (and disable or enable), delete an endpoint; read and
/// rotate its secret; send it a test event; list the event types; read the
/// log of their deliveries (each with its attempts) and send one again. Mount it
/// under a scope of your `Api`, so that it is routed and documented like your
/// own handlers:
///
/// ```no_run
/// # use hookspec::delivery::management::EndpointManagement;
/// # use hookspec::delivery::owners::OwnerId;
/// # use hookspec::Api;
/// // `OwnerId` here; your own authentication extractor in practice.
/// let api = Api::new("Shop", "1.0.0")
///     .scope("/webhooks", |scope| scope.service(EndpointManagement::<OwnerId>::new()));
/// ```
///
/// The routes need the app's `web::Data<Callbacks>`, built with
/// `owner_secrets` and `.api(&api)` (the event catalog). Their tag is
/// [`TAG`]; with `Api::strict_tags`, declare it.
pub struct EndpointManagement<A> {
    extractor: PhantomData<fn() -> A>,
}

impl<A> EndpointManagement<A> {
    /// The routes.
    pub fn new() -> Self {
        EndpointManagement {
            extractor: PhantomData,
        }
    }
}

impl<A> Default for EndpointManagement<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A> Clone for EndpointManagement<A> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<A> std::fmt::Debug for EndpointManagement<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EndpointManagement<{}>", std::any::type_name::<A>())
    }
}

impl<A> HttpServiceFactory for EndpointManagement<A>
where
    A: OperationInput + Owner + 'static,
    A::Extractor: FromRequest + 'static,
{
    fn register(self, config: &mut AppService) {
        let route = |path: &str, name: &str, method: actix_web::http::Method| {
            web::resource(path.to_owned())
                .name(name)
                .guard(guard::Method(method))
        };
        use actix_web::http::Method as M;
        let resources = [
            route("/endpoints", "list_webhook_endpoints", M::GET).to(handlers::list::<A>),
            route("/endpoints", "create_webhook_endpoint", M::POST).to(handlers::create::<A>),
            route("/endpoints/{id}", "get_webhook_endpoint", M::GET).to(handlers::get::<A>),
            route("/endpoints/{id}", "update_webhook_endpoint", M::PATCH).to(handlers::update::<A>),
            route("/endpoints/{id}", "delete_webhook_endpoint", M::DELETE)
                .to(handlers::delete::<A>),
            route(
                "/endpoints/{id}/secret",
                "get_webhook_endpoint_secret",
                M::GET,
            )
            .to(handlers::secrets::<A>),
            route(
                "/endpoints/{id}/secret/rotate",
                "rotate_webhook_endpoint_secret",
                M::POST,
            )
            .to(handlers::rotate::<A>),
            route(
                "/endpoints/{id}/test",
                "send_webhook_endpoint_test",
                M::POST,
            )
            .to(handlers::test::<A>),
            route("/event-types", "list_webhook_event_types", M::GET)
                .to(handlers::event_types::<A>),
            route("/deliveries", "list_webhook_deliveries", M::GET).to(deliveries::list::<A>),
            route("/deliveries/{id}", "get_webhook_delivery", M::GET).to(deliveries::get::<A>),
            route(
                "/deliveries/{id}/replay",
                "replay_webhook_delivery",
                M::POST,
            )
            .to(deliveries::replay::<A>),
            route(
                "/endpoints/{id}/recover",
                "recover_webhook_endpoint",
                M::POST,
            )
            .to(deliveries::recover::<A>),
            route(
                "/endpoints/{id}/cancel",
                "cancel_webhook_endpoint_deliveries",
                M::POST,
            )
            .to(deliveries::cancel::<A>),
        ];
        for resource in resources {
            HttpServiceFactory::register(resource, config);
        }
    }
}

/// One route's facts.
pub(super) const fn meta(
    operation_id: &'static str,
    method: &'static [Method],
    path: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
) -> OperationMeta {
    let path_parameters: &'static [&'static str] = if has_id(path) { &["id"] } else { &[] };
    OperationMeta {
        handler: operation_id,
        source: concat!(file!(), ":", line!()),
        methods: method,
        other_methods: &[],
        path,
        openapi_path: path,
        path_parameters,
        operation_id,
        summary: Some(summary),
        description,
        tags: &[TAG],
        deprecated: false,
        security: None,
    }
}

/// Whether `path` has the `{id}` segment.
const fn has_id(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut at = 0;
    while at + 3 < bytes.len() {
        if bytes[at] == b'{'
            && bytes[at + 1] == b'i'
            && bytes[at + 2] == b'd'
            && bytes[at + 3] == b'}'
        {
            return true;
        }
        at += 1;
    }
    false
}

/// What every management route documents: the caller's authentication (by
/// `A`), the app's `Callbacks` (`500`), and the store being away (`503`).
pub(super) fn common<A: OperationInput>(cx: &mut OperationContext<'_>) {
    A::describe(cx);
    <Callbacks as OperationInput>::describe(cx);
    cx.add_problem_response(503);
}

/// A route about one endpoint: its id, and `404` for one not the caller's.
fn one_endpoint<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Path<EndpointPath> as OperationInput>::describe(cx);
    cx.add_problem_response(404);
}

fn describe_list<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Query<ListQuery> as OperationInput>::describe(cx);
    cx.add_json_response::<EndpointList>(200, "A page of your endpoints, by id");
}

fn describe_create<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Json<EndpointIn> as OperationInput>::describe(cx);
    cx.add_json_response::<EndpointOut>(201, "The endpoint, registered, with its own secret");
    cx.add_problem_response(422);
}

fn describe_get<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    cx.add_json_response::<EndpointOut>(200, "The endpoint");
}

fn describe_update<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    <web::Json<EndpointPatch> as OperationInput>::describe(cx);
    cx.add_json_response::<EndpointOut>(200, "The endpoint, changed");
    cx.add_problem_response(422);
}

fn describe_delete<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    cx.add_response("204", Response::new("Deleted, with its secrets"));
}

fn describe_secrets<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    cx.add_json_response::<SecretList>(200, "The secrets that sign its deliveries");
}

fn describe_rotate<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    <web::Json<RotationIn> as OperationInput>::describe(cx);
    cx.add_json_response::<SecretOut>(200, "The new secret");
    cx.add_problem_response(422);
}

fn describe_test<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    <web::Json<TestIn> as OperationInput>::describe(cx);
    cx.add_json_response::<TestOut>(202, "The test delivery, on its way");
    cx.add_problem_response(422);
}

fn describe_event_types<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    cx.add_json_response::<EventTypeList>(200, "Every event type, with its payload's schema");
}

fn describe_deliveries<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Query<DeliveryQuery> as OperationInput>::describe(cx);
    cx.add_json_response::<DeliveryList>(200, "A page of your deliveries, newest first");
}

/// A route about one delivery: its id, and `404` for one not the caller's.
pub(super) fn one_delivery<A: OperationInput>(cx: &mut OperationContext<'_>) {
    common::<A>(cx);
    <web::Path<DeliveryPath> as OperationInput>::describe(cx);
    cx.add_problem_response(404);
}

fn describe_delivery<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_delivery::<A>(cx);
    cx.add_json_response::<DeliveryOut>(200, "The delivery, with its attempts");
}

fn describe_recover<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    <web::Json<RecoverIn> as OperationInput>::describe(cx);
    cx.add_json_response::<RecoverOut>(202, "The failed deliveries, on their way again");
    cx.add_problem_response(422);
}

fn describe_cancel<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_endpoint::<A>(cx);
    cx.add_json_response::<CancelOut>(200, "The unfinished deliveries, given up");
}

pub(super) fn describe_replay<A: OperationInput>(cx: &mut OperationContext<'_>) {
    one_delivery::<A>(cx);
    cx.add_json_response::<DeliveryOut>(202, "The delivery, on its way again");
    cx.add_problem_response(409);
}

// Not suggested when a handler is not a documented route: the fix is the
// route macro, not this.
#[diagnostic::do_not_recommend]
impl<A> DocumentedOperation for EndpointManagement<A>
where
    A: OperationInput + Owner + 'static,
    A::Extractor: FromRequest + 'static,
{
    const ROUTES: &'static [DocumentedRoute] = &[
        DocumentedRoute {
            meta: meta(
                "list_webhook_endpoints",
                &[Method::Get],
                "/endpoints",
                "List your webhook endpoints.",
                Some("By id, in pages: pass a page's `next` as `after` for the next."),
            ),
            describe: describe_list::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "create_webhook_endpoint",
                &[Method::Post],
                "/endpoints",
                "Register a webhook endpoint.",
                Some(
                    "Its URL must be reachable from the internet; its event types come from \
                     `GET /event-types`. It gets its own signing secret \
                     (`GET /endpoints/{id}/secret`).",
                ),
            ),
            describe: describe_create::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "get_webhook_endpoint",
                &[Method::Get],
                "/endpoints/{id}",
                "Read one of your webhook endpoints.",
                None,
            ),
            describe: describe_get::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "update_webhook_endpoint",
                &[Method::Patch],
                "/endpoints/{id}",
                "Change, disable or enable one of your webhook endpoints.",
                Some("Each field given replaces the endpoint's; `enabled: true` re-enables an endpoint that was disabled."),
            ),
            describe: describe_update::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "delete_webhook_endpoint",
                &[Method::Delete],
                "/endpoints/{id}",
                "Delete one of your webhook endpoints.",
                None,
            ),
            describe: describe_delete::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "get_webhook_endpoint_secret",
                &[Method::Get],
                "/endpoints/{id}/secret",
                "Reveal the secrets that sign an endpoint's deliveries.",
                Some("Newest first; two during a rotation's overlap. Verify `webhook-signature` with either."),
            ),
            describe: describe_secrets::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "rotate_webhook_endpoint_secret",
                &[Method::Post],
                "/endpoints/{id}/secret/rotate",
                "Give an endpoint a new signing secret.",
                Some("During the overlap, deliveries carry a signature for the old and the new secret."),
            ),
            describe: describe_rotate::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "send_webhook_endpoint_test",
                &[Method::Post],
                "/endpoints/{id}/test",
                "Send a test event to one of your endpoints.",
                Some("Whatever event types it wants; the event type's example is the body."),
            ),
            describe: describe_test::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "list_webhook_event_types",
                &[Method::Get],
                "/event-types",
                "List the event types endpoints can want.",
                None,
            ),
            describe: describe_event_types::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "list_webhook_deliveries",
                &[Method::Get],
                "/deliveries",
                "List your deliveries, newest first.",
                Some(
                    "Each event sent to one of your endpoints, and each callback sent for one                      of your requests, with its attempts. In pages: pass a page's `next` as                      `before` for the next (older) one.",
                ),
            ),
            describe: describe_deliveries::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "get_webhook_delivery",
                &[Method::Get],
                "/deliveries/{id}",
                "Read one of your deliveries, with its attempts.",
                None,
            ),
            describe: describe_delivery::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "replay_webhook_delivery",
                &[Method::Post],
                "/deliveries/{id}/replay",
                "Send one of your deliveries again.",
                Some(
                    "With the same `webhook-id`, and a fresh round of retries: one that failed,                      or one delivered that your endpoint lost. `409` while it is under way.",
                ),
            ),
            describe: describe_replay::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "recover_webhook_endpoint",
                &[Method::Post],
                "/endpoints/{id}/recover",
                "Send again what failed to reach an endpoint since a time.",
                Some(
                    "After your endpoint was down: each failed delivery made since `since` is \
                     sent again, oldest first, at most 1,000 per call (`more`: call again). \
                     What was delivered is never sent twice; watch them in `GET /deliveries`.",
                ),
            ),
            describe: describe_recover::<A>,
        },
        DocumentedRoute {
            meta: meta(
                "cancel_webhook_endpoint_deliveries",
                &[Method::Post],
                "/endpoints/{id}/cancel",
                "Give up every delivery to an endpoint that is not finished.",
                Some("They show as failed, cancelled by their owner; `POST /deliveries/{id}/replay` sends one again."),
            ),
            describe: describe_cancel::<A>,
        },
    ];
}
