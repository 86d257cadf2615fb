//! Senders in the handler's signature: `Callback<C>` documents `C` on its
//! operation and sends it for the request being handled; `Webhook<W>` documents
//! `W` under the top-level `webhooks` and sends it; both answer a `500` problem
//! when the app registered no `web::Data<Callbacks>`.

use std::time::{Duration, Instant};

use actix_web::web::{self, Data, Json, Query};
use actix_web::{test as atest, App, HttpRequest, HttpResponse, HttpServer};
use hookspec::delivery::{
    AddressPolicy, Callback, Callbacks, DeliveryFilter, DeliveryState, SendError, Webhook,
};
use hookspec::{callback, post, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod common;
use common::{assert_valid_openapi_3_1, json_body};

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

/// A receiver on 127.0.0.1 recording request paths.
async fn receiver() -> (
    String,
    Data<std::sync::Mutex<Vec<String>>>,
    actix_web::dev::ServerHandle,
) {
    let seen = Data::new(std::sync::Mutex::new(Vec::new()));
    let data = seen.clone();
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |req: HttpRequest, seen: Data<std::sync::Mutex<Vec<String>>>| async move {
                seen.lock().unwrap().push(req.path().to_owned());
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://127.0.0.1:{}", server.addrs()[0].port());
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, seen, handle)
}

#[actix_web::test]
async fn the_arguments_send_for_this_request() {
    let (url, seen, handle) = receiver().await;
    let api = api();
    let callbacks = Callbacks::builder()
        .api(&api)
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .build()
        .unwrap();
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
    let mut paths = seen.lock().unwrap().clone();
    paths.sort();
    // The callback's URL read the query and the body of this request.
    assert_eq!(paths, ["/hooks/orders/o-7", "/subscribers/1"]);
    handle.stop(false).await;
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
