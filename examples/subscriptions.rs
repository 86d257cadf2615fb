//! A versioned API under a scope, with several callbacks on one operation, one
//! callback shared by two operations, and a webhook.
//!
//! ```text
//! cargo run --example subscriptions   # then open http://127.0.0.1:8000/docs
//! ```

use actix_web::web::{Json, Path};
use hookspec::{callback, post, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// A subscription request: where to send events.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct NewSubscription {
    /// The API user's endpoint for events.
    pub callback_url: url::Url,
    /// The events wanted.
    pub events: Vec<String>,
}

/// A created subscription.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Subscription {
    pub id: u64,
    pub events: Vec<String>,
}

/// An event sent to a subscriber.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub subscription_id: u64,
    pub kind: String,
}

/// Why a subscription is cancelled, and where to confirm it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Cancellation {
    pub callback_url: url::Url,
    pub reason: Option<String>,
}

/// A receiver's acknowledgement.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Ack {
    pub ok: bool,
}

/// Confirm a new subscription to its endpoint.
#[callback(post, "{$request.body#/callback_url}")]
pub async fn subscription_confirmed(body: Json<Subscription>) -> Json<Ack> {}

/// Deliver an event.
#[callback(post, "{$request.body#/callback_url}/events")]
pub async fn event_delivered(body: Json<Event>) -> Json<Ack> {}

/// Tell the subscriber its subscription ended.
#[callback(
    delete,
    "{$request.body#/callback_url}/subscriptions/{$response.body#/id}"
)]
pub async fn subscription_ended(body: Json<Subscription>) -> Json<Ack> {}

/// A plan changed price.
///
/// Sent to every URL registered in the dashboard, not in answer to a request.
#[webhook("plan-price-changed")]
pub async fn plan_price_changed(body: Json<PriceChange>) -> Json<Ack> {}

/// A plan's new price.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PriceChange {
    pub plan: String,
    /// Cents per month.
    pub price: u32,
    /// Why the price changed, when said.
    pub reason: Option<String>,
}

/// Subscribe to events.
#[post(
    "/subscriptions",
    tag = "subscriptions",
    callbacks(subscription_confirmed, event_delivered, subscription_ended)
)]
pub async fn subscribe(body: Json<NewSubscription>) -> Json<Subscription> {
    Json(Subscription {
        id: 1,
        events: body.into_inner().events,
    })
}

/// Cancel a subscription.
#[post(
    "/subscriptions/{id}/cancellation",
    tag = "subscriptions",
    callbacks(subscription_ended)
)]
pub async fn unsubscribe(id: Path<u64>, cancellation: Json<Cancellation>) -> Json<Subscription> {
    let _ = cancellation;
    Json(Subscription {
        id: id.into_inner(),
        events: Vec::new(),
    })
}

/// The API, with everything under `/v1`.
pub fn api() -> Api {
    Api::new("Subscriptions", "1.0.0")
        .description("Event subscriptions with callbacks.")
        .license("Apache 2.0", "Apache-2.0")
        .server("/", None)
        .without_authentication()
        .scope("/v1", |v1| v1.service(subscribe).service(unsubscribe))
        .webhook(plan_price_changed)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // `--print-openapi` / `--print-openapi-3.0`: print a document and exit, for tools.
    if let Some(flag) = std::env::args().nth(1) {
        let document = match flag.as_str() {
            "--print-openapi" => api().openapi_json(),
            "--print-openapi-3.0" => api().openapi_3_0_json(),
            other => return Err(std::io::Error::other(format!("unknown argument `{other}`"))),
        };
        let document = document.map_err(std::io::Error::other)?;
        println!("{}", String::from_utf8_lossy(&document));
        return Ok(());
    }
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8000);
    let api = api();
    api.check().map_err(std::io::Error::other)?;
    println!("Subscriptions API on http://{host}:{port}/docs");
    actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))
        .bind((host.as_str(), port))?
        .run()
        .await
}
