//! Callback delivery against a real receiver on 127.0.0.1: what is sent, retries,
//! timeouts, Retry-After, reply shapes, the SSRF guard and backpressure.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::web::{self, Data, Json, Query};
use actix_web::{test, App, HttpRequest, HttpResponse, HttpServer};
use hookspec::delivery::{
    AddressPolicy, Callbacks, DeliveryFilter, DeliveryId, DeliveryRecord, DeliveryState,
    RetryPolicy, SendError, Trigger,
};
use hookspec::signing::Verifier;
use hookspec::{callback, post, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod common;
use common::{loopback_accept_counters, reference_verify, AcceptCounter};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Invoice {
    pub id: String,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InvoiceEvent {
    pub description: String,
    pub paid: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InvoiceEventReceived {
    pub ok: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    pub callback_url: Option<String>,
}

/// Tell the API user about their invoice.
#[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

/// Create an invoice and notify the API user in the background.
#[post("/invoices/", callbacks(invoice_notification))]
async fn create_invoice(
    req: HttpRequest,
    invoice: Json<Invoice>,
    params: Query<Params>,
    callbacks: Data<Callbacks>,
) -> Result<Json<serde_json::Value>, SendError> {
    let _ = (invoice, params);
    let event = InvoiceEvent {
        description: "Invoice paid".into(),
        paid: true,
    };
    let id = callbacks
        .callback::<invoice_notification>(&req)
        .enqueue(&event)
        .await?;
    Ok(Json(json!({ "delivery": id.to_string() })))
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the receiver answers one request.
#[derive(Clone)]
struct Answer {
    status: u16,
    delay: Duration,
    body: &'static str,
    retry_after: Option<&'static str>,
    location: Option<String>,
    /// Answers only once this is opened.
    gate: Option<Gate>,
}

/// Holds answers until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<std::sync::atomic::AtomicBool>);

impl Gate {
    fn open(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    async fn passed(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.0.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl Answer {
    fn ok() -> Self {
        Answer {
            status: 200,
            delay: Duration::ZERO,
            body: r#"{"ok": true}"#,
            retry_after: None,
            location: None,
            gate: None,
        }
    }

    /// `200`, once `gate` is opened.
    fn held(gate: &Gate) -> Self {
        Answer {
            gate: Some(gate.clone()),
            ..Answer::ok()
        }
    }
    fn status(status: u16) -> Self {
        Answer {
            status,
            body: "{}",
            ..Answer::ok()
        }
    }
}

/// A receiver on 127.0.0.1 that answers from a script (then `200 {"ok": true}`)
/// and records every request.
struct Receiver {
    port: u16,
    log: Arc<Mutex<Vec<Received>>>,
    handle: ServerHandle,
}

impl Receiver {
    fn start(script: Vec<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        Receiver::start_on(listener, script)
    }

    fn start_on(listener: TcpListener, script: Vec<Answer>) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
        let server_log = Arc::clone(&log);
        let server = HttpServer::new(move || {
            let log = Arc::clone(&server_log);
            let script = Arc::clone(&script);
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let log = Arc::clone(&log);
                let script = Arc::clone(&script);
                async move {
                    log.lock().unwrap().push(Received {
                        path: req.path().to_owned(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect(),
                        body: body.to_vec(),
                        at: Instant::now(),
                    });
                    let answer = script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(Answer::ok);
                    actix_web::rt::time::sleep(answer.delay).await;
                    if let Some(gate) = &answer.gate {
                        gate.passed().await;
                    }
                    let mut response = HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answer.status).unwrap(),
                    );
                    if let Some(retry_after) = answer.retry_after {
                        response.insert_header(("retry-after", retry_after));
                    }
                    if let Some(location) = answer.location {
                        response.insert_header(("location", location));
                    }
                    response.content_type("application/json").body(answer.body)
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver { port, log, handle }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }
}

/// Fast retries; a receiver's `Retry-After` honoured up to a minute.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::exponential(Duration::from_millis(50), Duration::from_millis(200), 5)
        .budget(Duration::from_secs(20))
        .max_retry_after(Duration::from_secs(60))
}

/// Loopback callbacks with fast retries and a timeout generous enough that a
/// loaded 2-core machine never turns an answer into a timeout: exact attempt
/// counts stay exact.
fn loopback_callbacks() -> Callbacks {
    loopback_callbacks_timing_out_after(Duration::from_secs(10))
}

fn loopback_callbacks_timing_out_after(timeout: Duration) -> Callbacks {
    Callbacks::builder()
        .in_memory()
        .signing_secrets(&[SECRET])
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(fast_retries())
        .attempt_timeout(timeout)
        .build()
        .expect("callbacks start")
}

/// A trigger as for `POST /invoices/?callback_url=<base>` with invoice `id`.
fn trigger(base: &str, id: &str) -> Trigger {
    Trigger {
        method: "POST".into(),
        query: vec![("callback_url".into(), base.into())],
        body: Some(json!({ "id": id, "total": 10.0 })),
        ..Trigger::default()
    }
}

fn event() -> InvoiceEvent {
    InvoiceEvent {
        description: "Invoice paid".into(),
        paid: true,
    }
}

/// Waits (at most 30 s) until the delivery is final.
async fn finished(callbacks: &Callbacks, id: &DeliveryId) -> DeliveryRecord {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let record = callbacks
            .delivery(id)
            .await
            .expect("the store answers")
            .expect("a record");
        if record.state.is_final() {
            return record;
        }
        assert!(
            Instant::now() < deadline,
            "delivery not finished: {record:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_web::test]
async fn handler_sends_the_documented_request_signed() {
    let receiver = Receiver::start(vec![]);
    let callbacks = loopback_callbacks();
    let api = Api::new("Invoices", "1").service(create_invoice);
    let app = test::init_service(
        App::new()
            .app_data(Data::new(callbacks.clone()))
            .configure(api.configure()),
    )
    .await;
    let request = test::TestRequest::post()
        .uri(&format!("/invoices/?callback_url={}", receiver.url()))
        .set_json(json!({ "id": "inv 7/b", "total": 12.5 }))
        .to_request();
    let reply: serde_json::Value = test::call_and_read_body_json(&app, request).await;
    let id = DeliveryId::from(reply["delivery"].as_str().unwrap());
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    assert_eq!(record.callback, "invoice_notification");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    // The URL the document promises: {callback_url}/invoices/{body id}, the id one
    // escaped path segment.
    assert_eq!(request.path, "/hooks/invoices/inv%207%2Fb");
    // The record shows where it went, without the path (tokens travel there).
    let origin = receiver.url().trim_end_matches("/hooks").to_owned();
    assert_eq!(record.url, format!("{origin}/REDACTED/REDACTED/REDACTED"));
    let body: InvoiceEvent = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, event());
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("webhook-id"), Some(id.as_str()));
    let verifier = Verifier::new(&[SECRET]).unwrap();
    let verified = verifier
        .verify(|name| request.header(name), &request.body)
        .unwrap();
    assert_eq!(verified.id, id.as_str());
    assert!(reference_verify(
        SECRET,
        |name| request.header(name),
        &request.body
    ));
    assert!(!reference_verify(
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        |name| request.header(name),
        &request.body
    ));
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn two_server_errors_then_success_is_one_delivery_of_three_attempts() {
    let receiver = Receiver::start(vec![Answer::status(500), Answer::status(500)]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "a1"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    let statuses: Vec<Option<u16>> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    // Receivers de-duplicate on webhook-id: the same on every attempt.
    assert!(received
        .iter()
        .all(|r| r.header("webhook-id") == Some(id.as_str())));
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_receiver_slower_than_the_timeout_is_retried() {
    // Timing is the subject here: 500 ms against a receiver that takes 5 s.
    let slow = Answer {
        delay: Duration::from_secs(5),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![slow]);
    let callbacks = loopback_callbacks_timing_out_after(Duration::from_millis(500));
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "slow"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    assert_eq!(record.attempts.len(), 2);
    assert_eq!(record.attempts[0].status, None);
    assert_eq!(
        record.attempts[0].error.as_deref(),
        Some("no complete answer within 500ms")
    );
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_receiver_that_is_down_then_up_gets_the_callback() {
    // A port that stays bound (no other process can take it) but closes every
    // connection at once: the receiver is down.
    let down = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let port = down.addr.port();
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(
            RetryPolicy::exponential(Duration::from_millis(100), Duration::from_millis(100), 20)
                .budget(Duration::from_secs(20)),
        )
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/hooks");
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&base, "down"))
        .enqueue(&event())
        .await
        .unwrap();
    // Wait for a failed attempt, then start the receiver on that port.
    let deadline = Instant::now() + Duration::from_secs(5);
    while callbacks
        .delivery(&id)
        .await
        .unwrap()
        .unwrap()
        .attempts
        .is_empty()
    {
        assert!(Instant::now() < deadline);
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let first = callbacks.delivery(&id).await.unwrap().unwrap().attempts[0].clone();
    assert_eq!(first.status, None);
    assert!(first.error.is_some(), "{first:?}");
    assert!(down.accepted() >= 1);
    // The receiver comes up on the same, never released, port.
    let receiver = Receiver::start_on(down.into_listener(), vec![]);
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    assert!(record.attempts.len() >= 2);
    assert_eq!(receiver.received().len(), 1);
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn too_many_requests_is_retried_after_retry_after() {
    let busy = Answer {
        retry_after: Some("1"),
        ..Answer::status(429)
    };
    let receiver = Receiver::start(vec![busy]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "busy"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    // The backoff alone would wait at most 50 ms; Retry-After said 1 s.
    let gap = received[1].at - received[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    receiver.handle.stop(false).await;
}

/// A receiver's `Retry-After` is untrusted: the largest value it can send once
/// overflowed the dispatcher's time arithmetic and panicked its task, so the
/// outcome was never written and the delivery was claimed and panicked again
/// after every lease. Now the retry is scheduled within the budget and the
/// dispatcher goes on delivering.
#[actix_web::test]
async fn a_huge_retry_after_is_scheduled_within_the_budget() {
    // The first reply makes the round older than a second, so that adding the
    // largest `Retry-After` to it overflows (it did, in `decide`).
    let busy = Answer {
        retry_after: Some("1"),
        ..Answer::status(503)
    };
    let hostile = Answer {
        retry_after: Some("18446744073709551615"),
        ..Answer::status(503)
    };
    let receiver = Receiver::start(vec![busy, hostile]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "hostile"))
        .enqueue(&event())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let record = loop {
        let record = callbacks.delivery(&id).await.unwrap().unwrap();
        if record.attempts.len() == 2 && record.state != DeliveryState::InFlight {
            break record;
        }
        assert!(Instant::now() < deadline, "no outcome written: {record:?}");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(record.attempts[1].status, Some(503));
    let DeliveryState::Retrying { at } = record.state else {
        panic!("{record:?}");
    };
    let end_of_budget = record.created_at + fast_retries().time_budget();
    assert!(
        at <= end_of_budget,
        "retry at {at:?} after {end_of_budget:?}"
    );
    // Later than the schedule would have waited (at most 240 ms): the receiver's
    // wait, capped and cut to what the budget leaves.
    assert!(at > record.created_at + Duration::from_secs(2));
    // The dispatcher still works: the next delivery goes out at once.
    let next = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "after"))
        .enqueue(&event())
        .await
        .unwrap();
    assert_eq!(
        finished(&callbacks, &next).await.state,
        DeliveryState::Succeeded
    );
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_reply_of_the_wrong_shape_is_recorded_and_not_retried() {
    let wrong = Answer {
        body: r#"{"ok": "yes"}"#,
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![wrong]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "shape"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(
        reason
            .starts_with("the reply is not a `InvoiceEventReceived`: invalid type: string \"yes\""),
        "{reason}"
    );
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(record.last_status(), Some(200));
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_client_error_is_not_retried() {
    let receiver = Receiver::start(vec![Answer::status(410)]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "gone"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    assert_eq!(
        record.state,
        DeliveryState::Failed {
            reason: "the receiver answered 410 Gone".into()
        }
    );
    assert_eq!(receiver.received().len(), 1);
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_dead_letter_keeps_its_attempts_and_replays() {
    // 410 first (final), then the receiver is fixed and answers 200.
    let receiver = Receiver::start(vec![Answer::status(410)]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "dead"))
        .enqueue(&event())
        .await
        .unwrap();
    finished(&callbacks, &id).await;
    let dead = callbacks.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id);
    assert_eq!(dead[0].last_status(), Some(410));

    assert!(callbacks.replay(&id).await.unwrap());
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    let statuses: Vec<Option<u16>> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(410), Some(200)], "the history stays");
    assert!(callbacks.dead_letters().await.unwrap().is_empty());
    assert!(
        !callbacks.replay(&id).await.unwrap(),
        "only dead letters replay"
    );
    // Both attempts carried the same webhook-id.
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert!(received
        .iter()
        .all(|r| r.header("webhook-id") == Some(id.as_str())));
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn retries_stop_at_the_maximum_attempts() {
    let receiver = Receiver::start(vec![Answer::status(503); 10]);
    let callbacks = loopback_callbacks();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "down"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert_eq!(
        reason,
        "5 attempts made; the last: the receiver answered 503 Service Unavailable"
    );
    assert_eq!(receiver.received().len(), 5);
    receiver.handle.stop(false).await;
}

/// The SSRF guard refuses before connecting: listeners on 127.0.0.1 and [::1]
/// count raw `accept()`s, so any connection at all (not only a request that
/// reaches an HTTP handler) would show. Private and metadata ranges are covered
/// by the guard's unit table instead: a regression must not send traffic there.
#[actix_web::test]
async fn refused_addresses_are_never_contacted() {
    let (v4, v6) = loopback_accept_counters();
    // The default policy: public addresses only.
    let callbacks = Callbacks::builder()
        .in_memory()
        .retry(fast_retries())
        .build()
        .unwrap();
    let port = v4.addr.port();
    for base in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://2130706433:{port}/hooks"),
        format!("http://0x7f.1:{port}/hooks"),
        format!("http://0177.0.0.1:{port}/hooks"),
        format!("http://[::1]:{port}/hooks"),
        format!("http://[::ffff:127.0.0.1]:{port}/hooks"),
        format!("http://[::127.0.0.1]:{port}/hooks"),
        format!("http://[64:ff9b::7f00:1]:{port}/hooks"),
        format!("ftp://127.0.0.1:{port}/hooks"),
    ] {
        let sent = callbacks
            .callback_for::<invoice_notification>(trigger(&base, "x"))
            .enqueue(&event())
            .await;
        assert!(
            matches!(sent, Err(SendError::Refused(_))),
            "{base}: {sent:?}"
        );
    }
    // A name is checked where it resolves: `localhost` is 127.0.0.1 (and ::1).
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(
            &format!("http://localhost:{port}/hooks"),
            "x",
        ))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(
        reason.contains("`localhost` is a name that resolves only to refused addresses"),
        "{reason}"
    );
    assert_eq!(record.attempts.len(), 1, "a refusal is not retried");
    assert_eq!(
        (v4.accepted(), v6.accepted()),
        (0, 0),
        "a connection was made"
    );
    // The counters do see connections: the proof is not blind.
    std::net::TcpStream::connect(v4.addr).unwrap();
    std::net::TcpStream::connect(v6.addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while (v4.accepted(), v6.accepted()) != (1, 1) {
        assert!(Instant::now() < deadline, "the counters saw nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A name that resolves to admitted and refused addresses is sent to the
/// admitted ones only; one rebound to a refused address between two attempts
/// is refused on the second (every connection looks the name up again). The
/// lookup is a stub: `hooks.test` is whatever the test says it is.
#[actix_web::test]
async fn names_are_filtered_per_address_and_rebinding_is_refused() {
    // 127.0.0.1 is refused by the policy (only 127.0.0.2 is listed); both count.
    let admitted = AcceptCounter::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    let port = admitted.addr.port();
    let refused = AcceptCounter::bind(&format!("127.0.0.1:{port}")).expect("the same port");
    // The name resolves to one admitted and one refused address (the refused
    // first) until the admitted one has been connected to; then it is rebound
    // to the refused address only.
    let admitted = Arc::new(admitted);
    let connected = Arc::clone(&admitted);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::public_only().allow_network([127, 0, 0, 2].into(), 32))
        .name_lookup(move |host: String| {
            assert_eq!(host, "hooks.test");
            let answer: Vec<std::net::IpAddr> = if connected.accepted() == 0 {
                vec![[127, 0, 0, 1].into(), [127, 0, 0, 2].into()]
            } else {
                vec![[127, 0, 0, 1].into()]
            };
            async move { Ok(answer) }
        })
        .retry(RetryPolicy::with_schedule([Duration::from_millis(10)]))
        .build()
        .unwrap();
    let base = format!("http://hooks.test:{port}/hooks");
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&base, "mixed"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    // Attempt 1 reached 127.0.0.2 (which closes the connection: a transient
    // error); attempt 2 found only 127.0.0.1 and was refused before connecting.
    assert_eq!(record.attempts.len(), 2, "{record:?}");
    // The address it resolved to is the network's business: the log's only.
    assert_eq!(
        reason,
        "callback URL refused: `hooks.test` is a name that resolves only to refused addresses"
    );
    assert_eq!(admitted.accepted(), 1);
    assert_eq!(refused.accepted(), 0, "a refused address was connected to");
}

/// Where a name resolves is the network's business: an awaited send to a name
/// that resolves to an internal address fails with a 502 problem and a record
/// that say "refused addresses", never which.
#[actix_web::test]
async fn a_refused_resolution_names_no_address() {
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::public_only())
        .name_lookup(|_host: String| async move {
            Ok(vec![[10, 1, 2, 3].into(), [169, 254, 169, 254].into()])
        })
        .build()
        .unwrap();
    let sent = callbacks
        .callback_for::<invoice_notification>(trigger("http://internal.test/hooks", "x"))
        .send(&event())
        .await
        .unwrap_err();
    let SendError::Delivery(failed) = &sent else {
        panic!("{sent:?}");
    };
    let response = actix_web::ResponseError::error_response(&sent);
    assert_eq!(response.status(), 502);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let problem = String::from_utf8_lossy(&body);
    assert!(
        problem.contains("resolves only to refused addresses"),
        "{problem}"
    );
    let record = callbacks.delivery(&failed.id).await.unwrap().unwrap();
    let stored = format!("{record:?}");
    for shown in [problem.as_ref(), stored.as_str(), &sent.to_string()] {
        for address in ["10.1.2.3", "169.254.169.254", "private", "link-local"] {
            assert!(!shown.contains(address), "{address} in {shown}");
        }
    }
}

/// A redirect is never followed: a receiver that answers `307` to an address the
/// policy refuses must not make the sender go there (reqwest does not resolve IP
/// literals through the guarded resolver, so following it would skip the guard).
#[actix_web::test]
async fn a_redirect_to_a_refused_address_is_not_followed() {
    // Refused by the policy below (only 127.0.0.1 is listed), and counted.
    let refused = AcceptCounter::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    let location = format!("http://127.0.0.2:{}/stolen", refused.addr.port());
    let receiver = Receiver::start(vec![Answer {
        location: Some(location),
        ..Answer::status(307)
    }]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_network([127, 0, 0, 1].into(), 32))
        .retry(fast_retries())
        .build()
        .unwrap();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "moved"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert_eq!(reason, "the receiver answered 307 Temporary Redirect");
    assert_eq!(record.attempts.len(), 1, "a redirect is final");
    assert_eq!(receiver.received().len(), 1);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(refused.accepted(), 0, "the redirect was followed");
    receiver.handle.stop(false).await;
}

/// The retry budget ends a round even while attempts remain.
#[actix_web::test]
async fn retries_stop_when_the_budget_is_spent() {
    let receiver = Receiver::start(vec![Answer::status(503); 100]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(
            RetryPolicy::exponential(Duration::from_millis(150), Duration::from_millis(150), 100)
                .budget(Duration::from_millis(700)),
        )
        // The budget is the subject, not the endpoint's health.
        .circuit_breaker(1000, Duration::from_secs(60))
        .build()
        .unwrap();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "budget"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(
        reason.starts_with("the 700ms retry budget is spent; the last: the receiver answered 503"),
        "{reason}"
    );
    // Waits of 100-200 ms, the last cut to the budget's end: a handful, far
    // fewer than the 100 allowed.
    let attempts = record.attempts.len();
    assert!((3..=9).contains(&attempts), "{attempts} attempts");
    let last = record.attempts.last().unwrap().started_at;
    let spent = last.duration_since(record.created_at).unwrap();
    // Due at the budget's end at the latest; the margin is the dispatcher's
    // wake-up on a loaded machine, not the policy.
    assert!(
        spent < Duration::from_millis(2700),
        "last attempt after {spent:?}"
    );
    receiver.handle.stop(false).await;
}

/// A reply over `max_reply_bytes` is not read whole: the attempt fails.
#[actix_web::test]
async fn a_reply_over_the_size_cap_fails_the_attempt() {
    let huge: &'static str =
        Box::leak(format!(r#"{{"ok": true, "pad": "{}"}}"#, "x".repeat(4096)).into_boxed_str());
    let receiver = Receiver::start(vec![Answer {
        body: huge,
        ..Answer::ok()
    }]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(fast_retries())
        .max_reply_bytes(1024)
        .build()
        .unwrap();
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "big"))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.attempts[0].status, Some(200));
    assert_eq!(
        record.attempts[0].error.as_deref(),
        Some("the reply is larger than 1024 bytes")
    );
    assert!(
        !matches!(record.state, DeliveryState::Succeeded),
        "{record:?}"
    );
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn a_full_queue_refuses_instead_of_growing() {
    // A receiver that never answers in time.
    let stalled = Answer {
        delay: Duration::from_secs(30),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![stalled; 10]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .queue_capacity(5)
        .attempt_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for n in 0..5 {
        callbacks
            .callback_for::<invoice_notification>(trigger(&receiver.url(), &n.to_string()))
            .enqueue(&event())
            .await
            .expect("within capacity");
    }
    for n in 0..1000 {
        let sent = callbacks
            .callback_for::<invoice_notification>(trigger(&receiver.url(), &format!("more{n}")))
            .enqueue(&event())
            .await;
        assert!(
            matches!(sent, Err(SendError::QueueFull { capacity: 5 })),
            "{sent:?}"
        );
    }
    assert_eq!(callbacks.unfinished().await.unwrap(), 5);
    assert_eq!(
        callbacks
            .deliveries(DeliveryFilter::all())
            .await
            .unwrap()
            .len(),
        5,
        "rejected callbacks leave no record"
    );
    // Shutting down records what could not finish.
    let abandoned = callbacks.shutdown(Duration::from_millis(100)).await;
    assert_eq!(abandoned, 5);
    assert!(callbacks
        .deliveries(DeliveryFilter::all())
        .await
        .unwrap()
        .iter()
        .all(|r| r.state == DeliveryState::Abandoned));
    let after = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "late"))
        .enqueue(&event())
        .await;
    assert!(matches!(after, Err(SendError::ShuttingDown)));
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn awaiting_returns_the_typed_reply_or_the_failure() {
    let receiver = Receiver::start(vec![Answer::status(404)]);
    let callbacks = loopback_callbacks();
    let failed = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "first"))
        .send(&event())
        .await;
    let Err(SendError::Delivery(error)) = failed else {
        panic!("{failed:?}");
    };
    assert_eq!(error.last_status, Some(404));
    let reply = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "second"))
        .send(&event())
        .await
        .unwrap();
    assert_eq!(reply, InvoiceEventReceived { ok: true });
    receiver.handle.stop(false).await;
}

#[actix_web::test]
async fn without_a_callback_url_the_callback_is_not_applicable() {
    let callbacks = loopback_callbacks();
    let no_url = Trigger {
        body: Some(json!({"id": "1"})),
        ..Trigger::default()
    };
    let sent = callbacks
        .callback_for::<invoice_notification>(no_url)
        .enqueue(&event())
        .await;
    let Err(SendError::NotApplicable(why)) = sent else {
        panic!("{sent:?}");
    };
    assert_eq!(
        why.to_string(),
        "`{$request.query.callback_url}` has no value: the request has no query parameter `callback_url`"
    );
}

/// An invoice was paid: sent to URLs the API users registered.
#[webhook("invoice-paid")]
async fn invoice_paid(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

#[actix_web::test]
async fn webhooks_are_sent_to_the_url_the_caller_gives() {
    let receiver = Receiver::start(vec![Answer::status(503)]);
    let callbacks = loopback_callbacks();
    let reply = callbacks
        .webhook::<invoice_paid>(&format!("{}/paid", receiver.url()))
        .send(&event())
        .await
        .unwrap();
    assert_eq!(reply, InvoiceEventReceived { ok: true });
    let received = receiver.received();
    assert_eq!(received.len(), 2, "retried like a callback");
    assert_eq!(received[1].path, "/hooks/paid");
    assert!(reference_verify(
        SECRET,
        |name| received[1].header(name),
        &received[1].body
    ));
    let record = &callbacks.deliveries(DeliveryFilter::all()).await.unwrap()[0];
    assert_eq!(record.callback, "invoice-paid");
    // The same guard applies.
    let refused = callbacks
        .webhook::<invoice_paid>("http://[fe80::1]/hook")
        .enqueue(&event())
        .await;
    assert!(matches!(refused, Err(SendError::Refused(_))), "{refused:?}");
    receiver.handle.stop(false).await;
}

/// Declared only through the `Api` below: this process never enqueues it.
#[callback(post, "{$request.query.callback_url}/restarted")]
async fn accepted_before_a_restart(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

/// Lists `accepted_before_a_restart`.
#[post("/restarted", callbacks(accepted_before_a_restart))]
async fn restarted_route(params: Query<Params>) -> HttpResponse {
    let _ = params;
    HttpResponse::Ok().finish()
}

#[actix_web::test]
async fn a_delivery_read_back_after_a_restart_checks_its_declared_reply() {
    use hookspec::delivery::store::{NewDelivery, SqliteStore};
    use hookspec::delivery::DeliveryStore;
    let wrong_shape = Answer {
        body: r#"{"ok": "yes"}"#,
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![wrong_shape.clone(), wrong_shape]);
    let dir = std::env::temp_dir().join(format!("hookspec-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deliveries.sqlite3");
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other_path = other_dir.join("deliveries.sqlite3");
    // Accepted by a previous process: only the row exists (in two files, one
    // for each sender below).
    let id = DeliveryId::from("msg_accepted_before_a_restart");
    for file in [&path, &other_path] {
        SqliteStore::open(file)
            .unwrap()
            .insert(&NewDelivery {
                id: id.clone(),
                callback: "accepted_before_a_restart".into(),
                method: "POST".into(),
                url: format!("{}/restarted", receiver.url()),
                content_type: Some("application/json".into()),
                body: serde_json::to_vec(&event()).unwrap(),
                created_at: std::time::SystemTime::now(),
                signing_key: None,
            })
            .await
            .unwrap();
    }
    // A sender that does not know the API accepts any successful reply: nothing
    // process-wide tells it the type (another Callbacks or Api in the process
    // does not either).
    Api::new("Restarted", "1")
        .service(restarted_route)
        .check()
        .unwrap();
    let unaware = Callbacks::builder()
        .sqlite(&other_path)
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .build()
        .unwrap();
    assert_eq!(
        finished(&unaware, &id).await.state,
        DeliveryState::Succeeded
    );
    unaware.shutdown(Duration::from_secs(1)).await;
    // The new process builds its sender with its API (which declares the
    // callback's reply type), and its dispatcher resumes the delivery.
    let api = Api::new("Restarted", "1").service(restarted_route);
    let callbacks = Callbacks::builder()
        .api(&api)
        .sqlite(&path)
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .build()
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("a reply of the wrong shape was accepted: {record:?}");
    };
    assert!(
        reason.starts_with("the reply is not a `InvoiceEventReceived`"),
        "{reason}"
    );
    callbacks.shutdown(Duration::from_secs(1)).await;
    receiver.handle.stop(false).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A stored delivery is checked against the address policy again when it is
/// sent: one written under another policy (another instance, an older
/// version, a replay after the policy tightened) never reaches a refused
/// address.
#[actix_web::test]
async fn a_stored_delivery_is_checked_against_the_policy_when_sent() {
    use hookspec::delivery::store::{NewDelivery, SqliteStore};
    use hookspec::delivery::DeliveryStore;
    let (v4, _v6) = loopback_accept_counters();
    let dir = std::env::temp_dir().join(format!("hookspec-recheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deliveries.sqlite3");
    let id = DeliveryId::from("msg_written_under_another_policy");
    SqliteStore::open(&path)
        .unwrap()
        .insert(&NewDelivery {
            id: id.clone(),
            callback: "invoice_notification".into(),
            method: "POST".into(),
            url: format!("http://127.0.0.1:{}/hooks", v4.addr.port()),
            content_type: Some("application/json".into()),
            body: serde_json::to_vec(&event()).unwrap(),
            created_at: std::time::SystemTime::now(),
            signing_key: None,
        })
        .await
        .unwrap();
    // The default policy: public addresses only.
    let callbacks = Callbacks::builder().sqlite(&path).build().unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(reason.contains("loopback"), "{reason}");
    assert_eq!(v4.accepted(), 0, "a refused address was contacted");
    callbacks.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// An awaited send waits at most its deadline; the delivery goes on after it.
#[actix_web::test]
async fn an_awaited_send_answers_by_its_deadline_and_the_delivery_goes_on() {
    let slow = Answer {
        delay: Duration::from_secs(2),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![slow]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .attempt_timeout(Duration::from_secs(10))
        .send_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let sent = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "slow"))
        .send(&event())
        .await;
    let waited = started.elapsed();
    let Err(SendError::StillPending { id }) = sent else {
        panic!("{sent:?}");
    };
    assert!(waited < Duration::from_secs(2), "waited {waited:?}");
    let record = finished(&callbacks, &id).await;
    assert_eq!(record.state, DeliveryState::Succeeded);
    assert_eq!(receiver.received().len(), 1);
    receiver.handle.stop(false).await;
}

/// Each API user's callbacks are signed with that user's own secret: a
/// verifier holding another user's secret refuses them, so no user can forge
/// callbacks that another accepts.
#[actix_web::test]
async fn each_receiver_gets_callbacks_signed_with_its_own_secret() {
    const ACME: &str = "whsec_QUNNRS1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
    const GLOBEX: &str = "whsec_R0xPQkVYLXNlY3JldC1vZi1hdC1sZWFzdC0yNC1ieXQ=";
    let acme = Receiver::start(vec![]);
    let globex = Receiver::start(vec![]);
    let (acme_port, globex_port) = (acme.port, globex.port);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .signing_secrets_for(move |url: &hookspec::delivery::Url| match url.port() {
            Some(port) if port == acme_port => Some(vec![ACME.to_owned()]),
            Some(port) if port == globex_port => Some(vec![GLOBEX.to_owned()]),
            _ => None,
        })
        .build()
        .unwrap();
    for (receiver, id) in [(&acme, "a-1"), (&globex, "g-1")] {
        let delivery = callbacks
            .callback_for::<invoice_notification>(trigger(&receiver.url(), id))
            .enqueue(&event())
            .await
            .unwrap();
        assert_eq!(
            finished(&callbacks, &delivery).await.state,
            DeliveryState::Succeeded
        );
    }
    let verify = |secret: &str, request: &Received| {
        reference_verify(secret, |name| request.header(name), &request.body)
    };
    let (to_acme, to_globex) = (&acme.received()[0], &globex.received()[0]);
    assert!(verify(ACME, to_acme) && verify(GLOBEX, to_globex));
    assert!(
        !verify(GLOBEX, to_acme),
        "globex's secret verifies acme's callback"
    );
    assert!(
        !verify(ACME, to_globex),
        "acme's secret verifies globex's callback"
    );
    acme.handle.stop(false).await;
    globex.handle.stop(false).await;
}

/// Signing by the key the handler names (the API user's id): two users'
/// callbacks to the same receiver URL are each signed with their own secret; a
/// key whose secrets are gone fails its delivery rather than send it unsigned;
/// a delivery without a key (or with one where nothing signs by key) is refused
/// when it is enqueued, a mistake in our code answered with 500.
#[actix_web::test]
async fn each_delivery_is_signed_with_the_secrets_of_the_key_its_handler_names() {
    const ACME: &str = "whsec_QUNNRS1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
    const GLOBEX: &str = "whsec_R0xPQkVYLXNlY3JldC1vZi1hdC1sZWFzdC0yNC1ieXQ=";
    let receiver = Receiver::start(vec![]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .signing_secrets_by_key(|user: &str| match user {
            "acme" => Some(vec![ACME.to_owned()]),
            "globex" => Some(vec![GLOBEX.to_owned()]),
            _ => None,
        })
        .build()
        .unwrap();
    let mut states = Vec::new();
    for (user, id) in [("acme", "a-1"), ("globex", "g-1"), ("gone", "x-1")] {
        let delivery = callbacks
            .callback_for::<invoice_notification>(trigger(&receiver.url(), id))
            .signing_key(user)
            .enqueue(&event())
            .await
            .unwrap();
        states.push(finished(&callbacks, &delivery).await.state);
    }
    assert_eq!(
        states[..2],
        [DeliveryState::Succeeded, DeliveryState::Succeeded]
    );
    let DeliveryState::Failed { reason } = &states[2] else {
        panic!("{:?}", states[2]);
    };
    assert!(
        reason.contains("no signing secrets for key `gone`"),
        "{reason}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 2, "the keyless delivery is never sent");
    let verify = |secret: &str, request: &Received| {
        reference_verify(secret, |name| request.header(name), &request.body)
    };
    let by_path = |suffix: &str| {
        received
            .iter()
            .find(|request| request.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("no request to ...{suffix}"))
    };
    let (to_acme, to_globex) = (by_path("/a-1"), by_path("/g-1"));
    assert!(verify(ACME, to_acme) && verify(GLOBEX, to_globex));
    assert!(!verify(GLOBEX, to_acme) && !verify(ACME, to_globex));

    let keyless = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "n-1"))
        .enqueue(&event())
        .await
        .unwrap_err();
    assert!(matches!(keyless, SendError::SigningKey(_)), "{keyless:?}");
    assert_eq!(actix_web::ResponseError::status_code(&keyless), 500);

    let unsigned = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .build()
        .unwrap();
    let stray = unsigned
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "s-1"))
        .signing_key("acme")
        .enqueue(&event())
        .await
        .unwrap_err();
    assert!(matches!(stray, SendError::SigningKey(_)), "{stray:?}");
    receiver.handle.stop(false).await;
}

/// The in-memory store, counting the deliveries the dispatcher claimed, those
/// written already leased (attempted at once, no claim), and the claim calls
/// (statements, on a database), whether they found any.
struct CountingStore {
    inner: hookspec::delivery::store::MemoryStore,
    claimed: Arc<std::sync::atomic::AtomicUsize>,
    leased: Arc<std::sync::atomic::AtomicUsize>,
    claims: Arc<std::sync::atomic::AtomicUsize>,
}

mod counting {
    use super::CountingStore;
    use hookspec::delivery::store::{
        ClaimedDelivery, DeliveryStore, Lease, NewDelivery, Next, StateKind, StoreFuture, Wake,
    };
    use hookspec::delivery::{Attempt, DeliveryFilter, DeliveryId, DeliveryRecord};
    use std::sync::atomic::Ordering;
    use std::time::SystemTime;

    impl DeliveryStore for CountingStore {
        fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()> {
            self.inner.insert(delivery)
        }
        fn insert_leased<'a>(
            &'a self,
            delivery: &'a NewDelivery,
            lease: &'a Lease,
        ) -> StoreFuture<'a, ()> {
            self.leased.fetch_add(1, Ordering::SeqCst);
            self.inner.insert_leased(delivery, lease)
        }
        fn claim<'a>(
            &'a self,
            now: SystemTime,
            lease: &'a Lease,
            limit: usize,
        ) -> StoreFuture<'a, Vec<ClaimedDelivery>> {
            Box::pin(async move {
                self.claims.fetch_add(1, Ordering::SeqCst);
                let claimed = self.inner.claim(now, lease, limit).await?;
                self.claimed.fetch_add(claimed.len(), Ordering::SeqCst);
                Ok(claimed)
            })
        }
        fn complete<'a>(
            &'a self,
            id: &'a DeliveryId,
            token: &'a str,
            attempt: &'a Attempt,
            next: &'a Next,
            hold_until: Option<SystemTime>,
        ) -> StoreFuture<'a, bool> {
            self.inner.complete(id, token, attempt, next, hold_until)
        }
        fn purge<'a>(
            &'a self,
            kind: StateKind,
            accepted_before: SystemTime,
            limit: usize,
        ) -> StoreFuture<'a, u64> {
            self.inner.purge(kind, accepted_before, limit)
        }
        fn defer<'a>(
            &'a self,
            id: &'a DeliveryId,
            token: &'a str,
            until: SystemTime,
        ) -> StoreFuture<'a, bool> {
            self.inner.defer(id, token, until)
        }
        fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64> {
            self.inner.release(instance)
        }
        fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>> {
            self.inner.get(id)
        }
        fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>> {
            self.inner.list(filter)
        }
        fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool> {
            self.inner.replay(id, now)
        }
        fn unfinished(&self) -> StoreFuture<'_, u64> {
            self.inner.unfinished()
        }
        fn kept(&self) -> StoreFuture<'_, hookspec::delivery::store::Kept> {
            self.inner.kept()
        }
        fn resume_endpoint<'a>(
            &'a self,
            origin: &'a str,
            now: SystemTime,
            limit: u64,
        ) -> StoreFuture<'a, u64> {
            self.inner.resume_endpoint(origin, now, limit)
        }
        fn is_durable(&self) -> bool {
            self.inner.is_durable()
        }
        fn abandon_unfinished(&self) -> StoreFuture<'_, u64> {
            self.inner.abandon_unfinished()
        }
        fn wake_ups(
            &self,
            wake: Wake,
        ) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
            self.inner.wake_ups(wake)
        }
    }
}

/// Callbacks on a [`CountingStore`] with `concurrency` send slots, and its counters.
/// An in-memory store that counts the deliveries claimed from it and those
/// written leased, with the two counters.
/// The store and its counters: deliveries claimed, deliveries written leased,
/// claim calls.
type Counted<T> = (
    T,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
);

fn counting_store() -> Counted<CountingStore> {
    let claimed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let leased = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let claims = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let store = CountingStore {
        inner: hookspec::delivery::store::MemoryStore::new(10_000, 10_000),
        claimed: Arc::clone(&claimed),
        leased: Arc::clone(&leased),
        claims: Arc::clone(&claims),
    };
    (store, claimed, leased, claims)
}

/// Callbacks on a counting store with `concurrency` send slots, ready to build.
fn counted_builder(concurrency: usize) -> Counted<hookspec::delivery::CallbacksBuilder> {
    let (store, claimed, leased, claims) = counting_store();
    let builder = Callbacks::builder()
        .store(store)
        .concurrency(concurrency)
        // One receiver: no delivery is put back for fairness (and claimed again).
        .max_in_flight_per_endpoint(concurrency)
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(fast_retries())
        .attempt_timeout(Duration::from_secs(10));
    (builder, claimed, leased, claims)
}

/// While an endpoint is disabled, its deliveries are held as long as it has
/// been down, not claimed again at every probe; when it recovers they are made
/// due at once and arrive.
#[actix_web::test]
async fn a_disabled_endpoints_deliveries_are_held_not_claimed_at_every_probe() {
    use hookspec::delivery::EndpointEvent;
    let down = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/hooks", down.addr);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let (builder, claimed, _, _) = counted_builder(16);
    let callbacks = builder
        .retry(RetryPolicy::with_schedule([Duration::from_millis(50); 200]))
        .circuit_breaker(3, Duration::from_millis(100))
        .on_endpoint_event(move |event| seen.lock().unwrap().push(event.clone()))
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(
            callbacks
                .callback_for::<invoice_notification>(trigger(&base, &format!("h-{n}")))
                .enqueue(&event())
                .await
                .unwrap(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while events.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "never disabled");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    // Twenty probes (one every 100 ms): were every held delivery claimed again
    // at each, that would be 40 claims a probe.
    let (claims_then, probes_then) = (
        claimed.load(std::sync::atomic::Ordering::SeqCst),
        down.accepted(),
    );
    while down.accepted() < probes_then + 20 {
        assert!(Instant::now() < deadline, "not probed");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let claims = claimed.load(std::sync::atomic::Ordering::SeqCst) - claims_then;
    eprintln!("{claims} claims during twenty probes");
    assert!(claims <= 20 * 20, "{claims} claims during twenty probes");
    // Back up on the same port: every held delivery goes.
    let receiver = Receiver::start_on(down.into_listener(), vec![]);
    for id in &ids {
        assert_eq!(
            finished(&callbacks, id).await.state,
            DeliveryState::Succeeded
        );
    }
    assert!(matches!(
        events.lock().unwrap()[..],
        [
            EndpointEvent::Disabled { .. },
            EndpointEvent::Recovered { .. }
        ]
    ));
    receiver.handle.stop(false).await;
}

fn counted_callbacks(concurrency: usize) -> Counted<Callbacks> {
    let (builder, claimed, leased, claims) = counted_builder(concurrency);
    let callbacks = builder.build().expect("callbacks start");
    (callbacks, claimed, leased, claims)
}

async fn enqueue_one(callbacks: &Callbacks, receiver: &Receiver, id: &str) -> DeliveryId {
    callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), id))
        .enqueue(&event())
        .await
        .expect("accepted")
}

/// With a send slot free, `enqueue` writes the delivery leased to this
/// instance and attempts it at once; with none free, it is written leased and
/// waits in the backlog (as many as there are slots) for the next free slot,
/// with no claim; past that, it is written for the dispatcher to claim. Every
/// delivery is sent once, a backlogged one before a later one.
#[actix_web::test]
async fn a_free_slot_takes_a_delivery_at_once_a_busy_one_waits_in_the_backlog_and_past_it_the_dispatcher_claims(
) {
    let gate = Gate::default();
    let receiver = Receiver::start(vec![Answer::held(&gate), Answer::held(&gate)]);
    let (callbacks, claimed, leased, _) = counted_callbacks(2);
    let mut ids = Vec::new();
    // Two slots, both taken by the first two (the receiver holds them until
    // the gate opens); the next two wait in the backlog (as many as slots),
    // written leased to this instance; the fifth is written for any instance
    // to claim.
    for n in 0..5 {
        ids.push(enqueue_one(&callbacks, &receiver, &format!("i-{n}")).await);
    }
    gate.open();
    for id in &ids {
        assert_eq!(
            finished(&callbacks, id).await.state,
            DeliveryState::Succeeded
        );
    }
    let counts = |claimed: &std::sync::atomic::AtomicUsize,
                  leased: &std::sync::atomic::AtomicUsize| {
        (
            claimed.load(std::sync::atomic::Ordering::SeqCst),
            leased.load(std::sync::atomic::Ordering::SeqCst),
        )
    };
    assert_eq!(
        counts(&claimed, &leased),
        (1, 4),
        "(claimed, written leased)"
    );
    // Idle again: the next one goes straight out.
    let id = enqueue_one(&callbacks, &receiver, "i-5").await;
    assert_eq!(
        finished(&callbacks, &id).await.state,
        DeliveryState::Succeeded
    );
    assert_eq!(
        counts(&claimed, &leased),
        (1, 5),
        "(claimed, written leased)"
    );
    // In the order they were accepted: a backlogged delivery is not overtaken.
    let paths: Vec<String> = receiver
        .received()
        .into_iter()
        .map(|request| request.path)
        .collect();
    let order: Vec<usize> = (0..6)
        .map(|n| {
            paths
                .iter()
                .position(|path| path.ends_with(&format!("/i-{n}")))
                .expect("received")
        })
        .collect();
    assert!(order[2] < order[4] && order[3] < order[4], "{paths:?}");
    assert_eq!(receiver.received().len(), 6, "each sent once");
    receiver.handle.stop(false).await;
}

/// A backlogged delivery whose lease no longer leaves time for an attempt
/// (it waited behind an attempt that ran to its timeout) is not attempted
/// from the backlog: it is claimed from the store once its lease has run out
/// (so never while another instance could hold it), and delivered once.
#[actix_web::test]
async fn a_backlogged_delivery_whose_lease_ran_short_is_claimed_from_the_store() {
    let stalled = Answer {
        delay: Duration::from_secs(1),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![stalled]);
    let (builder, claimed, leased, _) = counted_builder(1);
    // One slot; an attempt may last 500 ms, a lease 700 ms.
    let callbacks = builder
        .attempt_timeout(Duration::from_millis(500))
        .lease(Duration::from_millis(700))
        .poll_interval(Duration::from_millis(50))
        .build()
        .expect("callbacks start");
    let first = enqueue_one(&callbacks, &receiver, "s-0").await;
    let enqueued = Instant::now();
    let second = enqueue_one(&callbacks, &receiver, "s-1").await;
    // Both written leased: the first attempted at once, the second backlogged.
    assert_eq!(leased.load(std::sync::atomic::Ordering::SeqCst), 2);
    for id in [&first, &second] {
        assert_eq!(
            finished(&callbacks, id).await.state,
            DeliveryState::Succeeded
        );
    }
    let arrivals: Vec<Instant> = receiver
        .received()
        .into_iter()
        .filter(|request| request.path.ends_with("/s-1"))
        .map(|request| request.at)
        .collect();
    assert_eq!(arrivals.len(), 1, "sent once");
    assert!(
        arrivals[0] >= enqueued + Duration::from_millis(700),
        "sent {:?} after it was enqueued, before its lease ran out",
        arrivals[0] - enqueued
    );
    assert!(claimed.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    receiver.handle.stop(false).await;
}

/// A wake-up that only frees a send slot (an attempt ended) asks the store
/// nothing: with every delivery taken by a free slot, none left for any
/// instance to claim, and an hourly poll, the dispatcher claims only at start
/// (where a previous run may have left deliveries).
#[actix_web::test]
async fn wake_ups_that_only_free_a_slot_do_not_claim() {
    let gate = Gate::default();
    let mut answers = vec![Answer::ok(); 8];
    answers.extend([Answer::held(&gate), Answer::held(&gate)]);
    let receiver = Receiver::start(answers);
    let (builder, claimed, leased, claims) = counted_builder(2);
    let callbacks = builder
        .poll_interval(Duration::from_secs(3600))
        .build()
        .expect("callbacks start");
    // One at a time: each finds a slot free and is attempted at once.
    for n in 0..8 {
        let id = enqueue_one(&callbacks, &receiver, &format!("w-{n}")).await;
        assert_eq!(
            finished(&callbacks, &id).await.state,
            DeliveryState::Succeeded
        );
    }
    let count = |counter: &std::sync::atomic::AtomicUsize| {
        counter.load(std::sync::atomic::Ordering::SeqCst)
    };
    assert_eq!(
        (count(&claimed), count(&leased)),
        (0, 8),
        "(claimed, written leased)"
    );
    assert!(
        count(&claims) <= 1,
        "{} claim calls for 8 attempts",
        count(&claims)
    );
    // Past the backlog (two slots held until the gate opens, two
    // backlogged), a delivery written for any instance is claimed when a slot
    // comes free, hourly poll or not: its insert is what makes the store
    // worth asking.
    let mut ids = Vec::new();
    for n in 8..13 {
        ids.push(enqueue_one(&callbacks, &receiver, &format!("w-{n}")).await);
    }
    gate.open();
    for id in &ids {
        assert_eq!(
            finished(&callbacks, id).await.state,
            DeliveryState::Succeeded
        );
    }
    assert_eq!(
        (count(&claimed), count(&leased)),
        (1, 12),
        "(claimed, written leased)"
    );
    receiver.handle.stop(false).await;
}

/// Producers taking free slots while the dispatcher claims: no delivery is
/// claimed without a slot (it would wait, leased, for its lease to run out).
#[actix_web::test]
async fn concurrent_enqueues_and_claims_lose_no_delivery() {
    const DELIVERIES: usize = 1000;
    let receiver = Receiver::start(vec![]);
    let (callbacks, claimed, leased, _) = counted_callbacks(4);
    let url = receiver.url();
    let producers: Vec<_> = (0..16)
        .map(|producer| {
            let callbacks = callbacks.clone();
            let url = url.clone();
            actix_web::rt::spawn(async move {
                for n in (producer..DELIVERIES).step_by(16) {
                    callbacks
                        .callback_for::<invoice_notification>(trigger(&url, &format!("c-{n}")))
                        .enqueue(&event())
                        .await
                        .expect("accepted");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.unwrap();
    }
    // Well inside the default lease (a lost delivery would wait for it).
    let deadline = Instant::now() + Duration::from_secs(60);
    while callbacks.unfinished().await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "deliveries left unfinished");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let claimed = claimed.load(std::sync::atomic::Ordering::SeqCst);
    let leased = leased.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        claimed + leased,
        DELIVERIES,
        "each taken once: {claimed} claimed, {leased} leased"
    );
    assert_eq!(receiver.received().len(), DELIVERIES);
    receiver.handle.stop(false).await;
}
