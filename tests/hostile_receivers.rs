//! Receivers are the API users', not ours: one that accepts connections and
//! never answers (a tarpit) holds at most its endpoint's share of send slots,
//! and callbacks to a healthy endpoint keep arriving at once beside it.

use std::time::{Duration, Instant};

use actix_web::web::{self, Data, Json};
use actix_web::{App, HttpResponse, HttpServer};
use hookspec::callback;
use hookspec::delivery::{AddressPolicy, Callbacks, DeliveryState, Trigger};

mod common;
use common::Tarpit;

/// An event to whoever asked.
#[callback(post, "{$request.query.callback_url}/events")]
async fn event_notification(body: Json<serde_json::Value>) {}

fn trigger(base: &str) -> Trigger {
    Trigger {
        query: vec![("callback_url".into(), base.into())],
        ..Trigger::default()
    }
}

#[actix_web::test]
async fn a_tarpit_endpoint_does_not_hold_up_the_others() {
    let tarpit = Tarpit::bind();
    let healthy_seen = Data::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = healthy_seen.clone();
    let server = HttpServer::new(move || {
        App::new().app_data(seen.clone()).default_service(web::to(
            |seen: Data<std::sync::atomic::AtomicUsize>| async move {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let healthy = format!("http://127.0.0.1:{}", server.addrs()[0].port());
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    // 16 send slots, 4 per endpoint; attempts wait up to 20 s for an answer.
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .concurrency(16)
        .max_in_flight_per_endpoint(4)
        .attempt_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let tarpit_url = format!("http://{}", tarpit.addr);
    for n in 0..80 {
        callbacks
            .callback_for::<event_notification>(trigger(&tarpit_url))
            .enqueue(&serde_json::json!({ "n": n }))
            .await
            .unwrap();
    }
    // The tarpit now holds its share.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tarpit.accepted() < 4 {
        assert!(Instant::now() < deadline, "the tarpit got nothing");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let mut healthy_ids = Vec::new();
    for n in 0..20 {
        healthy_ids.push(
            callbacks
                .callback_for::<event_notification>(trigger(&healthy))
                .enqueue(&serde_json::json!({ "n": n }))
                .await
                .unwrap(),
        );
    }
    let deadline = started + Duration::from_secs(10);
    loop {
        let mut delivered = 0;
        for id in &healthy_ids {
            let record = callbacks.delivery(id).await.unwrap().unwrap();
            if record.state == DeliveryState::Succeeded {
                delivered += 1;
            }
        }
        if delivered == healthy_ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of 20 healthy callbacks delivered beside the tarpit"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    eprintln!(
        "20 healthy callbacks delivered in {took:?} beside a tarpit holding {} connections",
        tarpit.accepted()
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // The tarpit never got more than its share at once.
    assert!(
        tarpit.accepted() <= 4,
        "the tarpit held {} connections",
        tarpit.accepted()
    );
    assert_eq!(healthy_seen.load(std::sync::atomic::Ordering::SeqCst), 20);
    callbacks.shutdown(Duration::ZERO).await;
    handle.stop(false).await;
}

/// A receiver that answers raw HTTP chosen by the request's path
/// (`/<case>/events`), to misbehave in ways an HTTP framework would not let it.
/// Serves on a thread of its own, for at most a minute.
struct Scripted {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Scripted {
    fn start() -> Scripted {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                std::thread::spawn(move || {
                    stream.set_nonblocking(false).ok();
                    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&request);
                    let case = text.split('/').nth(1).unwrap_or("").to_owned();
                    let head = |status: &str, extra: &str, length: usize| {
                        format!("HTTP/1.1 {status}\r\n{extra}Content-Length: {length}\r\nConnection: close\r\n\r\n")
                    };
                    let _ = match case.as_str() {
                        // 200 MiB announced and streamed until the sender hangs up.
                        "huge" => {
                            let _ = stream.write_all(head("200 OK", "", 200 << 20).as_bytes());
                            let chunk = vec![b' '; 64 * 1024];
                            for _ in 0..3200 {
                                if stream.write_all(&chunk).is_err() {
                                    break;
                                }
                            }
                            Ok(())
                        }
                        // Cut off mid-body.
                        "reset" => stream
                            .write_all(format!("{}{{\"ok\"", head("200 OK", "", 100)).as_bytes()),
                        "gone" => stream.write_all(head("410 Gone", "", 0).as_bytes()),
                        "moved" => stream.write_all(
                            head("302 Found", "Location: http://127.0.0.2:9/elsewhere\r\n", 0)
                                .as_bytes(),
                        ),
                        "bad-utf8" => stream.write_all(
                            [
                                head("200 OK", "Content-Type: application/json\r\n", 4).as_bytes(),
                                b"\xff\xfe\xfd\xfc",
                            ]
                            .concat()
                            .as_slice(),
                        ),
                        retry if retry.starts_with("retry-") => {
                            let value = match retry {
                                "retry-negative" => "-1".to_owned(),
                                "retry-garbage" => "soon, maybe".to_owned(),
                                "retry-huge" => u64::MAX.to_string(),
                                "retry-past" => "Sun, 06 Nov 1994 08:49:37 GMT".to_owned(),
                                _ => "Fri, 31 Dec 9999 23:59:59 GMT".to_owned(),
                            };
                            stream.write_all(
                                head(
                                    "503 Service Unavailable",
                                    &format!("Retry-After: {value}\r\n"),
                                    0,
                                )
                                .as_bytes(),
                            )
                        }
                        _ => stream.write_all(head("200 OK", "", 0).as_bytes()),
                    };
                });
            }
        });
        Scripted {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn base(&self, case: &str) -> String {
        format!("http://127.0.0.1:{}/{case}", self.port)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The acknowledgement the ack callback expects.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Ack {
    pub ok: bool,
}

/// An event whose reply is checked.
#[callback(post, "{$request.query.callback_url}/events")]
async fn acknowledged_event(body: Json<serde_json::Value>) -> Json<Ack> {}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// Every way of misbehaving ends in a defined state: final, or a retry
/// scheduled within the policy; no panic, no unbounded memory, and the
/// dispatcher goes on delivering.
#[actix_web::test]
async fn every_misbehaviour_ends_in_a_defined_state() {
    let receiver = Scripted::start();
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_network([127, 0, 0, 1].into(), 32))
        .attempt_timeout(Duration::from_secs(20))
        // Every case shares one endpoint; this test is about each answer, not
        // about the endpoint's health (the next test is).
        .circuit_breaker(1000, Duration::from_secs(60))
        .build()
        .unwrap();
    let before = resident_kib();
    let mut cases = Vec::new();
    for case in [
        "huge",
        "reset",
        "gone",
        "moved",
        "bad-utf8",
        "retry-negative",
        "retry-garbage",
        "retry-huge",
        "retry-past",
        "retry-future",
    ] {
        let id = callbacks
            .callback_for::<acknowledged_event>(trigger(&receiver.base(case)))
            .enqueue(&serde_json::json!({ "case": case }))
            .await
            .unwrap();
        cases.push((case, id));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut states = std::collections::HashMap::new();
    while states.len() < cases.len() {
        assert!(
            Instant::now() < deadline,
            "undecided: {:?}",
            cases
                .iter()
                .filter(|(c, _)| !states.contains_key(c))
                .collect::<Vec<_>>()
        );
        for (case, id) in &cases {
            let record = callbacks.delivery(id).await.unwrap().unwrap();
            let decided = !record.attempts.is_empty()
                && !matches!(
                    record.state,
                    DeliveryState::InFlight | DeliveryState::Pending
                );
            if decided {
                states.insert(*case, record);
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let reason = |case: &str| match &states[case].state {
        DeliveryState::Failed { reason } => reason.clone(),
        other => panic!("{case}: {other:?}"),
    };
    assert_eq!(reason("huge"), "the reply is larger than 65536 bytes");
    assert_eq!(reason("gone"), "the receiver answered 410 Gone");
    assert_eq!(reason("moved"), "the receiver answered 302 Found");
    assert!(
        reason("bad-utf8").starts_with("the reply is not a `Ack`"),
        "{}",
        reason("bad-utf8")
    );
    // A cut-off success is worth another attempt; so are 503s, after a wait
    // the policy bounds whatever Retry-After said.
    let now = std::time::SystemTime::now();
    for case in [
        "reset",
        "retry-negative",
        "retry-garbage",
        "retry-huge",
        "retry-past",
        "retry-future",
    ] {
        let record = &states[case];
        let DeliveryState::Retrying { at } = record.state else {
            panic!("{case}: {record:?}");
        };
        let wait = at.duration_since(now).unwrap_or_default();
        assert!(
            wait <= Duration::from_secs(10 * 3600 + 60),
            "{case}: retry in {wait:?}"
        );
    }
    // Reading at most the cap: memory stays bounded after a 200 MiB answer.
    let grown = resident_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "resident memory grew by {grown} KiB");
    // And the dispatcher is still delivering.
    let ok = callbacks
        .callback_for::<event_notification>(trigger(&receiver.base("fine")))
        .enqueue(&serde_json::json!({ "case": "fine" }))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while callbacks.delivery(&ok).await.unwrap().unwrap().state != DeliveryState::Succeeded {
        assert!(
            Instant::now() < deadline,
            "the dispatcher stopped delivering"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    callbacks.shutdown(Duration::ZERO).await;
}

/// An endpoint that fails attempt after attempt is disabled: its deliveries
/// wait in the store (no attempt, no dead letter) while one probe at a time
/// tries it; when it answers again it is enabled and they all arrive.
#[actix_web::test]
async fn a_failing_endpoint_is_disabled_probed_and_recovers() {
    use common::AcceptCounter;
    use hookspec::delivery::{EndpointEvent, RetryPolicy};
    // Down: the port is bound, and every connection is closed at once.
    let down = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", down.addr);
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_events = std::sync::Arc::clone(&events);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(RetryPolicy::with_schedule([Duration::from_millis(50); 30]))
        .circuit_breaker(3, Duration::from_millis(300))
        .on_endpoint_event(move |event| seen_events.lock().unwrap().push(event.clone()))
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            callbacks
                .callback_for::<event_notification>(trigger(&base))
                .enqueue(&serde_json::json!({ "n": n }))
                .await
                .unwrap(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while events.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "never disabled");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let disabled_at = Instant::now();
    let health = callbacks.endpoints();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].endpoint, base);
    assert!(health[0].disabled_since.is_some(), "{health:?}");
    assert!(health[0].consecutive_failures >= 3, "{health:?}");
    // Disabled for a second: one probe every 300 ms, not a retry storm of ten
    // deliveries every 50 ms (~200 attempts); nothing dead-lettered. Counted
    // from 200 ms after the event, once the attempts that were already
    // connecting when the endpoint was disabled have landed (on a loaded
    // machine they land after the event is seen).
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let attempts_then = down.accepted();
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let probes = down.accepted() - attempts_then;
    assert!(
        probes <= 5,
        "{probes} attempts in the second after the endpoint was disabled"
    );
    assert!(callbacks.dead_letters().await.unwrap().is_empty());
    // Back up, on the same port.
    let listener = down.into_listener();
    let server = HttpServer::new(|| App::new().default_service(web::to(HttpResponse::Ok)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut delivered = 0;
        for id in &ids {
            if callbacks.delivery(id).await.unwrap().unwrap().state == DeliveryState::Succeeded {
                delivered += 1;
            }
        }
        if delivered == ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of 10 delivered after recovery"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let events = events.lock().unwrap().clone();
    assert!(
        matches!(
            &events[..],
            [
                EndpointEvent::Disabled { failures: 3, .. },
                EndpointEvent::Recovered { .. }
            ]
        ),
        "{events:?}"
    );
    assert!(callbacks.endpoints()[0].disabled_since.is_none());
    eprintln!("disabled for {:?}", disabled_at.elapsed());
    callbacks.shutdown(Duration::ZERO).await;
    handle.stop(false).await;
}
