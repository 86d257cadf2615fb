//! Senders in the handler's signature: `Callback<C>` documents `C` on its
//! operation and sends it for the request being handled; `Webhook<W>` documents
//! `W` under the top-level `webhooks` and sends it; both answer a `500` problem
//! when the app registered no `web::Data<Callbacks>`.

use std::time::{Duration, Instant};

use actix_web::web::{Data, Json, Query};
use actix_web::{test as atest, App, HttpRequest, HttpResponse};
use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
use hookspec::delivery::{Callback, Callbacks, SendError, Webhook};
use hookspec::{callback, post, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod common;
use common::{assert_valid_openapi_3_1, json_body, loopback_sender, Receiver};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Order {
    pub id: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Shipped {
    pub order: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct Params {
    pub callback_url: Option<String>,
    pub subscriber: Option<String>,
}

/// The order shipped.
#[callback(post, "{$request.query.callback_url}/orders/{$request.body#/id}")]
async fn order_shipped(body: Json<Shipped>) {}

/// An order was placed (to every subscriber).
#[webhook("order-placed")]
async fn order_placed(body: Json<Order>) {}

/// Place an order; listed in no `callbacks(...)`: the arguments document.
#[post("/orders")]
async fn place_order(
    order: Json<Order>,
    params: Query<Params>,
    shipped: Callback<order_shipped>,
    placed: Webhook<order_placed>,
) -> Result<Json<Order>, SendError> {
    shipped
        .enqueue(&Shipped {
            order: order.id.clone(),
        })
        .await?;
    if let Some(subscriber) = &params.subscriber {
        placed
            .enqueue(
                subscriber,
                &Order {
                    id: order.id.clone(),
                },
            )
            .await?;
    }
    Ok(order)
}

fn api() -> Api {
    Api::new("Orders", "1").service(place_order)
}

#[test]
fn the_arguments_document_what_the_handler_sends() {
    let document = serde_json::to_value(api().openapi().unwrap()).unwrap();
    assert_valid_openapi_3_1(&document);
    let operation = &document["paths"]["/orders"]["post"];
    let callback = &operation["callbacks"]["order_shipped"]
        ["{$request.query.callback_url}/orders/{$request.body#/id}"]["post"];
    assert_eq!(
        callback["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Shipped"
    );
    assert_eq!(
        document["webhooks"]["order-placed"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Order"
    );
    // What a sender without its store answers.
    assert!(operation["responses"]["500"].is_object(), "{operation}");
    // Both replies are known to a sender built with the API.
    let names: Vec<&str> = api()
        .reply_declarations()
        .unwrap()
        .iter()
        .map(|reply| reply.name)
        .collect();
    assert_eq!(names, ["order_shipped", "order-placed"]);
}

/// In-memory callbacks for `api`'s declarations, sending to loopback only.
fn loopback_callbacks(api: &Api) -> Callbacks {
    loopback_sender().api(api).build().unwrap()
}

#[actix_web::test]
async fn the_arguments_send_for_this_request() {
    let receiver = Receiver::start(vec![]);
    let url = format!("http://{}", receiver.addr);
    let api = api();
    let callbacks = loopback_callbacks(&api);
    let app = atest::init_service(
        App::new()
            .app_data(Data::new(callbacks.clone()))
            .configure(api.configure()),
    )
    .await;
    let request = atest::TestRequest::post()
        .uri(&format!(
            "/orders?callback_url={url}/hooks&subscriber={url}/subscribers/1"
        ))
        .set_json(json!({ "id": "o-7" }))
        .to_request();
    let response = atest::call_service(&app, request).await;
    assert_eq!(response.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = callbacks
            .deliveries(DeliveryFilter::all())
            .await
            .unwrap()
            .iter()
            .filter(|record| record.state == DeliveryState::Succeeded)
            .count();
        if done == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "not delivered");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let mut paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    paths.sort();
    // The callback's URL read the query and the body of this request.
    assert_eq!(paths, ["/hooks/orders/o-7", "/subscribers/1"]);
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn without_a_sender_in_the_app_data_the_answer_is_a_500_problem() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/orders?callback_url=http://127.0.0.1:9")
        .set_json(json!({ "id": "o-1" }))
        .to_request();
    let response = atest::call_service(&app, request).await;
    assert_eq!(response.status(), 500);
    let problem = json_body(response).await;
    assert_eq!(
        problem["detail"],
        "this operation cannot send its callbacks: the server is not configured to"
    );
}

/// The request, held by an extractor of the user's own that says whether it
/// sends callbacks (`SENDS` is its `OperationInput::SENDS_CALLBACKS`).
struct HeldRequest<const SENDS: bool>(HttpRequest);

impl<const SENDS: bool> actix_web::FromRequest for HeldRequest<SENDS> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(HeldRequest(req.clone())))
    }
}

impl<const SENDS: bool> hookspec::describe::OperationInput for HeldRequest<SENDS> {
    type Extractor = Self;

    fn from_extractor(held: Self) -> Self {
        held
    }

    fn describe(_: &mut hookspec::describe::OperationContext<'_>) {}

    const SENDS_CALLBACKS: bool = SENDS;
}

/// `order_shipped` for `req`: `201` and the delivery's URL, or `422` and why not.
async fn ship(callbacks: &Callbacks, req: &HttpRequest, order: &Order) -> HttpResponse {
    let shipped = Shipped {
        order: order.id.clone(),
    };
    match callbacks
        .callback::<order_shipped>(req)
        .enqueue(&shipped)
        .await
    {
        Ok(id) => {
            let record = callbacks.delivery(&id).await.unwrap().unwrap();
            HttpResponse::Created().body(record.url)
        }
        Err(error) => HttpResponse::UnprocessableEntity().body(error.to_string()),
    }
}

/// Sends with the `HttpRequest` it is given.
#[post("/given-the-request")]
async fn given_the_request(
    order: Json<Order>,
    req: HttpRequest,
    callbacks: Callbacks,
) -> HttpResponse {
    ship(&callbacks, &req, &order).await
}

/// Sends with the request its own extractor holds, which says so.
#[post("/held-saying-so")]
async fn held_saying_so(
    order: Json<Order>,
    held: HeldRequest<true>,
    callbacks: Callbacks,
) -> HttpResponse {
    ship(&callbacks, &held.0, &order).await
}

/// Sends with the request its own extractor holds, which does not say so.
#[post("/held-silently")]
async fn held_silently(
    order: Json<Order>,
    held: HeldRequest<false>,
    callbacks: Callbacks,
) -> HttpResponse {
    ship(&callbacks, &held.0, &order).await
}

/// The body is kept for `$request.body` in handlers whose arguments can send a
/// callback for the request (here an `HttpRequest`, or an extractor whose
/// `SENDS_CALLBACKS` is set), whether mounted by the `Api` or straight on the
/// `App`; a handler whose arguments cannot send keeps nothing.
#[actix_web::test]
async fn bodies_are_kept_where_an_argument_can_send() {
    let api = Api::new("Orders", "1")
        .service(place_order)
        .service(given_the_request)
        .service(held_saying_so);
    let callbacks = loopback_callbacks(&api);
    let app = atest::init_service(
        App::new()
            .app_data(Data::new(callbacks.clone()))
            .configure(api.configure())
            // Not through the `Api`: the macro's registration decides alone.
            .service(held_silently),
    )
    .await;
    for (path, status, answer) in [
        (
            "/given-the-request",
            201,
            // `{callback_url}/orders/{$request.body#/id}`, path redacted in records.
            "http://127.0.0.1:9/REDACTED/REDACTED/REDACTED",
        ),
        (
            "/held-saying-so",
            201,
            // `{callback_url}/orders/{$request.body#/id}`, path redacted in records.
            "http://127.0.0.1:9/REDACTED/REDACTED/REDACTED",
        ),
        (
            "/held-silently",
            422,
            "callback not applicable: `{$request.body#/id}` has no value: the request body is \
             not known: it is kept when a hookspec `Json` or `Form` argument reads it in a \
             handler with an argument that can send (`Callback<C>`, `HttpRequest`, or an \
             extractor whose `OperationInput::SENDS_CALLBACKS` is set)",
        ),
    ] {
        let request = atest::TestRequest::post()
            .uri(&format!("{path}?callback_url=http://127.0.0.1:9/hooks"))
            .set_json(json!({ "id": "o-8" }))
            .to_request();
        let response = atest::call_service(&app, request).await;
        assert_eq!(response.status(), status, "{path}");
        let body = atest::read_body(response).await;
        assert_eq!(std::str::from_utf8(&body).unwrap(), answer, "{path}");
    }
}
