//! Retries and final failures: server errors, timeouts, a receiver down, `Retry-After`,
//! replies of the wrong shape or size, dead letters and replay, the attempt and time budgets.

use std::time::{Duration, Instant};

use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::DeliveryState;
use hookspec::delivery::Callbacks;

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

#[actix_web::test]
async fn two_server_errors_then_success_is_one_delivery_of_three_attempts() {
    let receiver = Receiver::start(vec![Answer::status(500), Answer::status(500)]);
    let callbacks = loopback_callbacks();
    let id = enqueue(&callbacks, &receiver.url(), "a1").await;
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
    let id = enqueue(&callbacks, &receiver.url(), "slow").await;
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
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(
            RetryPolicy::exponential(Duration::from_millis(100), Duration::from_millis(100), 20)
                .budget(Duration::from_secs(20)),
        )
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/hooks");
    let id = enqueue(&callbacks, &base, "down").await;
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
    let id = enqueue(&callbacks, &receiver.url(), "busy").await;
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
    let id = enqueue(&callbacks, &receiver.url(), "hostile").await;
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
    // The dispatcher still works: the next delivery goes out at once (to
    // another receiver: this one asked to be sent nothing for an hour).
    let other = Receiver::start(vec![]);
    let next = enqueue(&callbacks, &other.url(), "after").await;
    assert_eq!(
        finished(&callbacks, &next).await.state,
        DeliveryState::Succeeded
    );
    other.handle.stop(false).await;
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
    let id = enqueue(&callbacks, &receiver.url(), "shape").await;
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
    let id = enqueue(&callbacks, &receiver.url(), "gone").await;
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
    let id = enqueue(&callbacks, &receiver.url(), "dead").await;
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
        !callbacks
            .replay(&hookspec::delivery::records::DeliveryId::from(
                "msg_unknown"
            ))
            .await
            .unwrap(),
        "an unknown delivery does not replay"
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
    let id = enqueue(&callbacks, &receiver.url(), "down").await;
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

/// The retry budget ends a round even while attempts remain.
#[actix_web::test]
async fn retries_stop_when_the_budget_is_spent() {
    let receiver = Receiver::start(vec![Answer::status(503); 100]);
    let callbacks = Callbacks::builder()
        .unsigned()
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
    let id = enqueue(&callbacks, &receiver.url(), "budget").await;
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
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(fast_retries())
        .max_reply_bytes(1024)
        .build()
        .unwrap();
    let id = enqueue(&callbacks, &receiver.url(), "big").await;
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
