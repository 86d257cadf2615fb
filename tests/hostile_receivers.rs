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
