//! Receivers are the API users', not ours: one that accepts connections and
//! never answers (a tarpit) holds at most its endpoint's share of send slots,
//! and callbacks to a healthy endpoint keep arriving at once beside it.

use std::time::{Duration, Instant};

use actix_web::web::Json;
use hookspec::callback;
use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::{DeliveryId, DeliveryState};
use hookspec::delivery::{Callbacks, SendError};

mod common;
use common::{callback_url_trigger, loopback_sender, Receiver, Tarpit};

/// An event to whoever asked.
#[callback(post, "{$request.query.callback_url}/events")]
async fn event_notification(body: Json<serde_json::Value>) {}

/// Waits, on the records, until every one of `ids` has succeeded; fails naming
/// how many did if that takes past `limit` (far more than a healthy receiver
/// needs: the tarpits below hold their connections for 20 s).
async fn all_succeed(callbacks: &Callbacks, ids: &[DeliveryId], limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let mut delivered = 0;
        for id in ids {
            let record = callbacks.delivery(id).await.unwrap().unwrap();
            if record.state == DeliveryState::Succeeded {
                delivered += 1;
            }
        }
        if delivered == ids.len() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of {} healthy callbacks delivered beside the tarpits",
            ids.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The fairness tests' sender: in memory, loopback only, 16 send slots, 20 s
/// for an attempt (the tarpits hold their connections that long).
fn sixteen_slots() -> hookspec::delivery::CallbacksBuilder {
    loopback_sender()
        .concurrency(16)
        .attempt_timeout(Duration::from_secs(20))
}

/// Enqueues `count` events to `base`; their ids.
async fn enqueue_to(callbacks: &Callbacks, base: &str, count: usize) -> Vec<DeliveryId> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(
            callbacks
                .callback_for::<event_notification>(callback_url_trigger(base))
                .enqueue(&serde_json::json!({ "n": n }))
                .await
                .unwrap(),
        );
    }
    ids
}

/// Waits until the tarpits together hold `held` connections.
async fn tarpits_hold(tarpits: &[&Tarpit], held: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while tarpits.iter().map(|t| t.accepted()).sum::<usize>() < held {
        assert!(Instant::now() < deadline, "the tarpits got too little");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_web::test]
async fn a_tarpit_endpoint_does_not_hold_up_the_others() {
    let tarpit = Tarpit::bind();
    let healthy = Receiver::start_on(std::net::TcpListener::bind("127.0.0.2:0").unwrap(), vec![]);
    // 16 send slots, 4 per endpoint; attempts wait up to 20 s for an answer.
    let callbacks = sixteen_slots()
        .max_in_flight_per_endpoint(4)
        .build()
        .unwrap();
    enqueue_to(&callbacks, &format!("http://{}", tarpit.addr), 80).await;
    tarpits_hold(&[&tarpit], 4).await;
    let ids = enqueue_to(&callbacks, &healthy.url(), 20).await;
    // Delivered while the tarpit still holds its connections (20 s).
    all_succeed(&callbacks, &ids, Duration::from_secs(15)).await;
    assert!(
        tarpit.accepted() <= 4,
        "the tarpit held {} connections",
        tarpit.accepted()
    );
    assert_eq!(healthy.received().len(), 20);
    callbacks.shutdown(Duration::ZERO).await;
    healthy.handle.stop(false).await;
}

/// Four host names on two ports that all lead to one tarpit share one address's
/// share of the send slots, not four endpoints' worth.
#[actix_web::test]
async fn names_and_ports_leading_to_one_tarpit_share_its_address_share() {
    let tarpit = Tarpit::bind();
    let second_port = Tarpit::bind();
    let healthy = Receiver::start_on(std::net::TcpListener::bind("127.0.0.2:0").unwrap(), vec![]);
    let callbacks = sixteen_slots()
        .address_policy(AddressPolicy::public_only().allow_loopback())
        // Every `*.tarpit.test` is the tarpits' address; nothing else resolves.
        .name_lookup(|host: String| async move {
            if host.ends_with(".tarpit.test") {
                Ok(vec![[127, 0, 0, 1].into()])
            } else {
                Err(std::io::Error::other("no such name"))
            }
        })
        .max_in_flight_per_endpoint(4)
        .build()
        .unwrap();
    for name in ["a", "b"] {
        for port in [tarpit.addr.port(), second_port.addr.port()] {
            let base = format!("http://{name}.tarpit.test:{port}");
            enqueue_to(&callbacks, &base, 20).await;
        }
    }
    tarpits_hold(&[&tarpit, &second_port], 4).await;
    let ids = enqueue_to(&callbacks, &healthy.url(), 20).await;
    all_succeed(&callbacks, &ids, Duration::from_secs(15)).await;
    let held = tarpit.accepted() + second_port.accepted();
    assert!(held <= 4, "one address held {held} connections");
    callbacks.shutdown(Duration::ZERO).await;
    healthy.handle.stop(false).await;
}

/// With the default share (a quarter of the send slots), three tarpits on
/// three addresses cannot take every slot from a fourth, healthy receiver.
#[actix_web::test]
async fn three_tarpits_cannot_starve_a_healthy_endpoint_by_default() {
    let tarpits = [
        Tarpit::bind_on("127.0.0.3"),
        Tarpit::bind_on("127.0.0.4"),
        Tarpit::bind_on("127.0.0.5"),
    ];
    let healthy = Receiver::start_on(std::net::TcpListener::bind("127.0.0.2:0").unwrap(), vec![]);
    let callbacks = sixteen_slots().build().unwrap();
    for tarpit in &tarpits {
        enqueue_to(&callbacks, &format!("http://{}", tarpit.addr), 40).await;
    }
    let all: Vec<&Tarpit> = tarpits.iter().collect();
    tarpits_hold(&all, 12).await;
    let ids = enqueue_to(&callbacks, &healthy.url(), 20).await;
    all_succeed(&callbacks, &ids, Duration::from_secs(15)).await;
    for tarpit in &tarpits {
        assert!(
            tarpit.accepted() <= 4,
            "{} held {}",
            tarpit.addr,
            tarpit.accepted()
        );
    }
    callbacks.shutdown(Duration::ZERO).await;
    healthy.handle.stop(false).await;
}

/// Awaited sends go through the same admission as background ones: concurrent
/// `.send()`s to a tarpit take at most its share, and background deliveries
/// to everyone else go on.
#[actix_web::test]
async fn awaited_sends_to_a_tarpit_hold_only_its_share() {
    let tarpit = Tarpit::bind();
    let healthy = Receiver::start_on(std::net::TcpListener::bind("127.0.0.2:0").unwrap(), vec![]);
    let callbacks = sixteen_slots()
        .max_in_flight_per_endpoint(4)
        .send_deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let tarpit_url = format!("http://{}", tarpit.addr);
    let sends: Vec<_> = (0..16)
        .map(|n| {
            let (callbacks, tarpit_url) = (callbacks.clone(), tarpit_url.clone());
            actix_web::rt::spawn(async move {
                callbacks
                    .callback_for::<event_notification>(callback_url_trigger(&tarpit_url))
                    .send(&serde_json::json!({ "n": n }))
                    .await
            })
        })
        .collect();
    tarpits_hold(&[&tarpit], 4).await;
    let ids = enqueue_to(&callbacks, &healthy.url(), 20).await;
    all_succeed(&callbacks, &ids, Duration::from_secs(15)).await;
    assert!(
        tarpit.accepted() <= 4,
        "awaited sends held {} connections to the tarpit",
        tarpit.accepted()
    );
    for send in sends {
        let sent = send.await.unwrap();
        assert!(
            matches!(sent, Err(SendError::StillPending { .. })),
            "{sent:?}"
        );
    }
    callbacks.shutdown(Duration::ZERO).await;
    healthy.handle.stop(false).await;
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

/// This process's resident memory in KiB; fails the test if it cannot tell.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .expect("a VmRSS line in /proc/self/status")
}

/// Set in the child process the memory test runs in.
const MEMORY_CHILD: &str = "HOOKSPEC_TEST_MEMORY_CHILD";

/// Reading at most the reply cap: resident memory stays bounded after a
/// receiver streams a 200 MiB answer. Measured in a process of its own (this
/// test binary again, running this test alone), so no other test's memory
/// counts.
#[test]
fn a_huge_reply_leaves_memory_bounded() {
    if std::env::var_os(MEMORY_CHILD).is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_huge_reply_leaves_memory_bounded",
                "--nocapture",
            ])
            .env(MEMORY_CHILD, "1")
            .status()
            .unwrap();
        assert!(status.success(), "the measuring process failed: {status}");
        return;
    }
    actix_web::rt::System::new().block_on(async {
        let receiver = Scripted::start();
        let callbacks = Callbacks::builder()
            .unsigned()
            .in_memory()
            .address_policy(AddressPolicy::listed_only().allow_network([127, 0, 0, 1].into(), 32))
            .attempt_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let before = resident_kib();
        let id = callbacks
            .callback_for::<acknowledged_event>(callback_url_trigger(&receiver.base("huge")))
            .enqueue(&serde_json::json!({ "case": "huge" }))
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let record = callbacks.delivery(&id).await.unwrap().unwrap();
            if let DeliveryState::Failed { reason } = &record.state {
                assert_eq!(reason, "the reply is larger than 65536 bytes");
                break;
            }
            assert!(Instant::now() < deadline, "undecided: {record:?}");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        let grown = resident_kib().saturating_sub(before);
        eprintln!("resident memory grew by {grown} KiB");
        assert!(grown < 64 * 1024, "resident memory grew by {grown} KiB");
        callbacks.shutdown(Duration::ZERO).await;
    });
}

/// Every way of misbehaving ends in a defined state: final, or a retry
/// scheduled within the policy; no panic, no unbounded memory, and the
/// dispatcher goes on delivering.
#[actix_web::test]
async fn every_misbehaviour_ends_in_a_defined_state() {
    let receiver = Scripted::start();
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_network([127, 0, 0, 1].into(), 32))
        .attempt_timeout(Duration::from_secs(20))
        // Every case shares one endpoint; this test is about each answer, not
        // about the endpoint's health (the next test is).
        .circuit_breaker(1000, Duration::from_secs(60))
        .build()
        .unwrap();
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
            .callback_for::<acknowledged_event>(callback_url_trigger(&receiver.base(case)))
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
    // the policy bounds whatever Retry-After said: a `Retry-After` that is
    // garbage, negative or past leaves the scheduled wait (5 s, jittered by
    // 20%); one further than the policy's longest (10 h) is cut to it.
    const SLACK: Duration = Duration::from_secs(1);
    for (case, shortest, longest) in [
        ("reset", Duration::from_secs(4), Duration::from_secs(6)),
        (
            "retry-negative",
            Duration::from_secs(4),
            Duration::from_secs(6),
        ),
        (
            "retry-garbage",
            Duration::from_secs(4),
            Duration::from_secs(6),
        ),
        ("retry-past", Duration::from_secs(4), Duration::from_secs(6)),
        (
            "retry-huge",
            Duration::from_secs(10 * 3600),
            Duration::from_secs(10 * 3600),
        ),
        (
            "retry-future",
            Duration::from_secs(10 * 3600),
            Duration::from_secs(10 * 3600),
        ),
    ] {
        let record = &states[case];
        let DeliveryState::Retrying { at } = record.state else {
            panic!("{case}: {record:?}");
        };
        // Measured from the end of the attempt, where the wait was decided.
        let attempt = record.attempts.last().expect("an attempt");
        let decided = attempt.started_at + attempt.duration;
        let wait = at.duration_since(decided).unwrap_or_default();
        assert!(
            wait + SLACK >= shortest && wait <= longest + SLACK,
            "{case}: retry in {wait:?}, expected {shortest:?} to {longest:?}"
        );
    }
    // And the dispatcher is still delivering (to another receiver: the
    // scripted one asked, with its 503s, to be sent nothing for hours).
    let fine = Receiver::start(vec![]);
    let ok = callbacks
        .callback_for::<event_notification>(callback_url_trigger(&format!("http://{}", fine.addr)))
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
    use hookspec::delivery::policy::RetryPolicy;
    use hookspec::delivery::records::EndpointEvent;
    // Down: the port is bound, and every connection is closed at once.
    let down = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", down.addr);
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_events = std::sync::Arc::clone(&events);
    let callbacks = loopback_sender()
        .retry(RetryPolicy::with_schedule([Duration::from_millis(50); 30]))
        .circuit_breaker(3, Duration::from_millis(300))
        .on_endpoint_event(move |event| seen_events.lock().unwrap().push(event.clone()))
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            callbacks
                .callback_for::<event_notification>(callback_url_trigger(&base))
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
    let up = Receiver::start_on(listener, vec![]);
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
    up.handle.stop(false).await;
}

/// A receiver that answers `429` with `Retry-After: 2` is sent nothing for
/// 2 s: neither the retry nor the next delivery to it, though the retry
/// schedule says 50 ms; an unrelated receiver is not held up. Its health
/// says until when it is throttled.
#[actix_web::test]
async fn a_receiver_that_asks_to_be_sent_less_is_sent_nothing_until_its_retry_after() {
    use common::Answer;
    use hookspec::delivery::policy::RetryPolicy;
    let throttling = Receiver::start(vec![Answer {
        retry_after: Some("2"),
        ..Answer::status(429)
    }]);
    let other = Receiver::start(vec![]);
    let callbacks = loopback_sender()
        .retry(RetryPolicy::with_schedule([Duration::from_millis(50); 10]))
        .build()
        .unwrap();
    let base = format!("http://{}", throttling.addr);
    let first = enqueue_to(&callbacks, &base, 1).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while callbacks
        .endpoints()
        .iter()
        .all(|health| health.throttled_until.is_none())
    {
        assert!(Instant::now() < deadline, "never throttled");
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let refused_at = throttling.received()[0].at;
    let second = enqueue_to(&callbacks, &base, 1).await;
    let elsewhere = enqueue_to(&callbacks, &format!("http://{}", other.addr), 1).await;
    all_succeed(&callbacks, &elsewhere, Duration::from_secs(1)).await;
    assert_eq!(throttling.received().len(), 1, "nothing while throttled");
    all_succeed(
        &callbacks,
        &[first, second].concat(),
        Duration::from_secs(10),
    )
    .await;
    let received = throttling.received();
    assert_eq!(received.len(), 3, "the 429, the retry, the second delivery");
    for later in &received[1..] {
        let waited = later.at.duration_since(refused_at);
        assert!(waited >= Duration::from_secs(2), "sent after {waited:?}");
    }
    assert!(
        callbacks
            .endpoints()
            .iter()
            .all(|h| h.throttled_until.is_none()),
        "answered: no longer throttled"
    );
    throttling.handle.stop(false).await;
    other.handle.stop(false).await;
}
