//! Responses beyond one JSON value: server-sent events and JSON Lines, as the
//! documents describe them and as a client over HTTP receives them (in order,
//! kept alive when idle, and dropped when the client goes away).

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Data;
use actix_web::App;
use futures_util::stream;
use hookspec::stream::{Event, EventStream, JsonLines};
use hookspec::{get, Api, JsonSchema};
use serde::Serialize;
use serde_json::{json, Value};

use common::checked_documents;

#[derive(Serialize, JsonSchema)]
pub struct Tick {
    /// Its place in the stream.
    pub n: u32,
}

/// How many items the ordered streams send.
const ITEMS: u32 = 10_000;

/// Ticks as server-sent events.
#[get("/ticks")]
async fn ticks() -> EventStream<Tick> {
    EventStream::new(stream::iter(
        (0..ITEMS).map(|n| Event::data(Tick { n }).id(n.to_string()).event("tick")),
    ))
}

/// Ticks as JSON Lines.
#[get("/ticks.jsonl")]
async fn tick_lines() -> JsonLines<Tick> {
    JsonLines::new(stream::iter((0..ITEMS).map(|n| Tick { n })))
}

/// Set when the stream it is moved into is dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What the endless stream's handler shares with the test.
#[derive(Default)]
struct Endless {
    dropped: Arc<AtomicBool>,
    sent: AtomicUsize,
}

/// A tick every millisecond until the client leaves (at most 100,000).
#[get("/endless")]
async fn endless(shared: Data<Endless>) -> EventStream<Tick> {
    let flag = DropFlag(Arc::clone(&shared.dropped));
    let shared = shared.into_inner();
    EventStream::new(stream::unfold((0, flag), move |(n, flag)| {
        let shared = Arc::clone(&shared);
        async move {
            if n >= 100_000 {
                return None;
            }
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
            shared.sent.fetch_add(1, Ordering::SeqCst);
            Some((Event::data(Tick { n }), (n + 1, flag)))
        }
    }))
}

/// Nothing, ever: only keep-alive comments.
#[get("/silent")]
async fn silent() -> EventStream<Tick> {
    EventStream::new(stream::pending()).keep_alive(Some(Duration::from_millis(50)))
}

fn api() -> Api {
    Api::new("Streams", "1.0.0")
        .service(ticks)
        .service(tick_lines)
        .service(endless)
        .service(silent)
}

#[test]
fn streams_are_documented_as_arrays_of_their_items() {
    let [v3_1, v3_0] = checked_documents(&api());
    let events = &v3_1["paths"]["/ticks"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events["text/event-stream"]["schema"]["items"]["properties"]["data"],
        json!({
            "type": "string",
            "description": "The event's payload, as JSON.",
            "contentMediaType": "application/json",
            "contentSchema": { "$ref": "#/components/schemas/Tick" }
        })
    );
    assert_eq!(
        events["text/event-stream"]["schema"]["items"]["required"],
        json!(["data"])
    );
    let events_3_0 = &v3_0["paths"]["/ticks"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events_3_0["text/event-stream"]["schema"]["items"]["properties"]["data"]["x-contentSchema"],
        json!({ "$ref": "#/components/schemas/Tick" })
    );
    for document in [&v3_1, &v3_0] {
        assert_eq!(
            document["paths"]["/ticks.jsonl"]["get"]["responses"]["200"]["content"],
            json!({ "application/jsonl": { "schema": {
                "type": "array", "items": { "$ref": "#/components/schemas/Tick" } } } })
        );
    }
}

/// The app on 127.0.0.1, and its address.
fn serve(shared: Arc<Endless>) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let shared = Data::from(shared);
    let server = actix_web::HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .configure(api().configure())
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (address, handle)
}

/// Reads `response` until `enough` says so or it ends, for at most 30 s.
async fn read_until(response: &mut reqwest::Response, enough: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    while !enough(&text) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = actix_web::rt::time::timeout(left, response.chunk())
            .await
            .expect("the stream stalled")
            .unwrap();
        match chunk {
            Some(chunk) => text.push_str(std::str::from_utf8(&chunk).unwrap()),
            None => break,
        }
    }
    text
}

#[actix_web::test]
async fn ten_thousand_events_and_lines_arrive_in_order() {
    let (address, handle) = serve(Arc::default());
    let client = reqwest::Client::new();

    let mut response = client.get(format!("{address}/ticks")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = read_until(&mut response, |_| false).await;
    let events: Vec<&str> = text.split_terminator("\n\n").collect();
    assert_eq!(events.len(), ITEMS as usize);
    for (n, event) in events.iter().enumerate() {
        assert_eq!(*event, format!("event: tick\nid: {n}\ndata: {{\"n\":{n}}}"));
    }

    let mut response = client
        .get(format!("{address}/ticks.jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/jsonl");
    let text = read_until(&mut response, |_| false).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let expected: Vec<Value> = (0..ITEMS).map(|n| json!({ "n": n })).collect();
    assert_eq!(lines, expected);
    assert!(text.ends_with('\n'));
    handle.stop(false).await;
}

#[actix_web::test]
async fn a_client_that_leaves_mid_stream_frees_the_stream() {
    let shared = Arc::new(Endless::default());
    let (address, handle) = serve(Arc::clone(&shared));
    let mut response = reqwest::get(format!("{address}/endless")).await.unwrap();
    let text = read_until(&mut response, |text| text.matches("\n\n").count() >= 3).await;
    assert!(text.starts_with("data: {\"n\":0}\n\n"), "{text}");
    assert!(!shared.dropped.load(Ordering::SeqCst));
    drop(response);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !shared.dropped.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the stream still runs after the client left"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    // Dropped, so nothing more is produced.
    let sent = shared.sent.load(Ordering::SeqCst);
    assert!(sent < 100_000, "{sent}");
    handle.stop(false).await;
}

#[actix_web::test]
async fn an_idle_event_stream_sends_keep_alive_comments() {
    let (address, handle) = serve(Arc::default());
    let mut response = reqwest::get(format!("{address}/silent")).await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let text = read_until(&mut response, |text| text.matches("\n\n").count() >= 2).await;
    assert_eq!(text, ": keep-alive\n\n: keep-alive\n\n");
    handle.stop(false).await;
}
