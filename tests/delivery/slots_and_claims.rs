//! Send slots, the backlog and claims: a full queue, disabled endpoints, deliveries
//! taken at once or claimed, and no delivery lost between producers and the dispatcher.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
use hookspec::delivery::{Callbacks, SendError};

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

#[actix_web::test]
async fn a_full_queue_refuses_instead_of_growing() {
    // A receiver that never answers in time.
    let stalled = Answer {
        delay: Duration::from_secs(30),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![stalled; 10]);
    let callbacks = Callbacks::builder()
        .unsigned()
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

/// While an endpoint is disabled, its deliveries are held as long as it has
/// been down, not claimed again at every probe; when it recovers they are made
/// due at once and arrive.
#[actix_web::test]
async fn a_disabled_endpoints_deliveries_are_held_not_claimed_at_every_probe() {
    use hookspec::delivery::records::EndpointEvent;
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
        ids.push(enqueue(&callbacks, &receiver.url(), &format!("i-{n}")).await);
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
    let id = enqueue(&callbacks, &receiver.url(), "i-5").await;
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
    let first = enqueue(&callbacks, &receiver.url(), "s-0").await;
    let enqueued = Instant::now();
    let second = enqueue(&callbacks, &receiver.url(), "s-1").await;
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
        let id = enqueue(&callbacks, &receiver.url(), &format!("w-{n}")).await;
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
        ids.push(enqueue(&callbacks, &receiver.url(), &format!("w-{n}")).await);
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
