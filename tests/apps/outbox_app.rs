//! The application the crash, scale-out and outage tests start, kill and restart
//! (`tests/durable*.rs`): one documented route that enqueues a callback, one that
//! enqueues it inside a PostgreSQL transaction, and the dead letters.
//!
//! Environment: `OUTBOX_STORE` (`sqlite:<file>` or `postgres://...`),
//! `OUTBOX_LEASE_MS`, `OUTBOX_POLL_MS`, `OUTBOX_CONCURRENCY`. It listens on a port of 127.0.0.1 the
//! system chooses and prints `listening on <port>` once it accepts requests.

use std::time::Duration;

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{App, HttpRequest, HttpServer};
use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::{DeliveryId, DeliveryRecord};
use hookspec::delivery::store::StoreError;
use hookspec::delivery::{Callbacks, SendError};
use hookspec::Problem;
use hookspec::{callback, get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// Something that happened.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Its number, unique per test run.
    pub n: u64,
}

/// The receiver's acknowledgement.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Ack {
    pub ok: bool,
}

/// Where to send the callback, and whether to roll the transaction back.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Target {
    pub callback_url: String,
    #[serde(default)]
    pub rollback: bool,
    /// Leave the dispatcher to find the committed delivery itself (no
    /// `poll_now`): by its `LISTEN`, or at its next poll.
    #[serde(default)]
    pub quiet: bool,
}

/// The accepted delivery.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Accepted {
    pub delivery: String,
}

/// Tell the API user about the event.
#[callback(post, "{$request.query.callback_url}/events/{$request.body#/n}")]
async fn event_notification(body: Json<Event>) -> Json<Ack> {}

/// Record an event and notify the API user.
#[post("/events", callbacks(event_notification))]
async fn create_event(
    req: HttpRequest,
    event: Json<Event>,
    target: Query<Target>,
    callbacks: Data<Callbacks>,
) -> Result<Json<Accepted>, SendError> {
    let _ = target;
    let id = callbacks
        .callback::<event_notification>(&req)
        .enqueue(&event)
        .await?;
    Ok(Json(Accepted {
        delivery: id.to_string(),
    }))
}

/// The database the PostgreSQL store uses, for the transactional route.
struct Database {
    url: Option<String>,
}

/// Record an event and enqueue its notification in one PostgreSQL transaction;
/// `rollback=true` rolls both back.
#[post("/events/in-transaction", callbacks(event_notification))]
async fn create_event_in_transaction(
    req: HttpRequest,
    event: Json<Event>,
    target: Query<Target>,
    callbacks: Data<Callbacks>,
    database: Data<Database>,
) -> Result<Json<Accepted>, Problem> {
    let unavailable = |error: &dyn std::fmt::Display| {
        Problem::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            error.to_string(),
        )
    };
    let Some(url) = &database.url else {
        return Err(Problem::new(
            actix_web::http::StatusCode::NOT_IMPLEMENTED,
            "transactions need the PostgreSQL store",
        ));
    };
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|error| unavailable(&error))?;
    actix_web::rt::spawn(connection);
    let transaction = client
        .transaction()
        .await
        .map_err(|error| unavailable(&error))?;
    let n = i64::try_from(event.n).unwrap_or(i64::MAX);
    transaction
        .execute("INSERT INTO app_events (n) VALUES ($1)", &[&n])
        .await
        .map_err(|error| unavailable(&error))?;
    let id = callbacks
        .callback::<event_notification>(&req)
        .enqueue_in(&transaction, &event)
        .await
        .map_err(|error| unavailable(&error))?;
    if target.rollback {
        transaction
            .rollback()
            .await
            .map_err(|error| unavailable(&error))?;
    } else {
        transaction
            .commit()
            .await
            .map_err(|error| unavailable(&error))?;
        if !target.quiet {
            callbacks.poll_now();
        }
    }
    Ok(Json(Accepted {
        delivery: id.to_string(),
    }))
}

/// The dead letters, oldest first.
#[get("/deliveries/dead")]
async fn dead_letters(callbacks: Data<Callbacks>) -> Result<Json<Vec<String>>, Problem> {
    let dead: Vec<DeliveryRecord> = callbacks.dead_letters().await.map_err(store_problem)?;
    Ok(Json(
        dead.into_iter()
            .map(|record| record.id.to_string())
            .collect(),
    ))
}

/// How many deliveries are unfinished, in the whole store.
#[get("/deliveries/unfinished")]
async fn unfinished(callbacks: Data<Callbacks>) -> Result<Json<u64>, Problem> {
    Ok(Json(callbacks.unfinished().await.map_err(store_problem)?))
}

/// Send a dead letter again.
#[post("/deliveries/{id}/replay")]
async fn replay(path: Path<String>, callbacks: Data<Callbacks>) -> Result<Json<bool>, Problem> {
    let id = DeliveryId::from(path.as_str());
    let replayed = callbacks.replay(&id).await.map_err(store_problem)?;
    Ok(Json(replayed))
}

fn store_problem(error: StoreError) -> Problem {
    Problem::new(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        error.to_string(),
    )
}

fn millis(name: &str, default: u64) -> Duration {
    let value = std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default);
    Duration::from_millis(value)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let store = std::env::var("OUTBOX_STORE").map_err(|_| {
        std::io::Error::other("set OUTBOX_STORE to sqlite:<file> or postgres://...")
    })?;
    let lease = millis("OUTBOX_LEASE_MS", 30_000);
    let concurrency = std::env::var("OUTBOX_CONCURRENCY")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(64);
    let builder = Callbacks::builder()
        .unsigned()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .attempt_timeout(lease / 2)
        .lease(lease)
        .poll_interval(millis("OUTBOX_POLL_MS", 100))
        .concurrency(concurrency)
        // Its tests send to one receiver and are about durability: the
        // per-endpoint fairness cap would only slow them.
        .max_in_flight_per_endpoint(concurrency)
        .retry(
            RetryPolicy::exponential(Duration::from_millis(100), Duration::from_secs(1), 1000)
                .budget(Duration::from_secs(600)),
        );
    let builder = builder.store_url(&store).map_err(std::io::Error::other)?;
    let database = Database {
        url: (!store.starts_with("sqlite:")).then(|| store.clone()),
    };
    let callbacks = builder.build().map_err(std::io::Error::other)?;
    if let Some(url) = &database.url {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(std::io::Error::other)?;
        actix_web::rt::spawn(connection);
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS app_events (n BIGINT NOT NULL)")
            .await
            .map_err(std::io::Error::other)?;
    }
    let api = Api::new("Outbox test app", "1.0.0")
        .service(create_event)
        .service(create_event_in_transaction)
        .service(dead_letters)
        .service(unfinished)
        .service(replay);
    api.check().map_err(std::io::Error::other)?;
    let callbacks = Data::new(callbacks);
    let database = Data::new(database);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(callbacks.clone())
            .app_data(database.clone())
            .configure(api.configure())
    })
    .workers(2)
    .bind(("127.0.0.1", 0))?;
    let port = server.addrs()[0].port();
    let running = server.run();
    println!("listening on {port}");
    running.await
}
