//! The sender ignores proxy variables: a proxy would resolve callback names where
//! the SSRF guard cannot see the addresses. Its own test binary, because it sets
//! process-wide environment variables before the sender is built.

use std::time::{Duration, Instant};

use hookspec::callback;
use hookspec::delivery::policy::RetryPolicy;
use hookspec::delivery::Trigger;

mod common;
use common::{loopback_sender, AcceptCounter};

#[callback(post, "{$request.query.callback_url}/events")]
async fn event_notification(body: actix_web::web::Json<serde_json::Value>) {}

#[actix_web::test]
async fn proxy_variables_are_ignored() {
    let proxy = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let receiver = AcceptCounter::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.addr);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        // The only test in this binary, and no other thread reads the
        // environment yet.
        std::env::set_var(name, &proxy_url);
    }
    for name in ["NO_PROXY", "no_proxy"] {
        std::env::remove_var(name);
    }
    let callbacks = loopback_sender()
        .retry(RetryPolicy::with_schedule([]))
        .build()
        .unwrap();
    let trigger = Trigger {
        query: vec![("callback_url".into(), format!("http://{}", receiver.addr))],
        ..Trigger::default()
    };
    callbacks
        .callback_for::<event_notification>(trigger)
        .enqueue(&serde_json::json!({ "n": 1 }))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while receiver.accepted() == 0 {
        assert!(
            Instant::now() < deadline,
            "the callback never reached the receiver (proxy saw {})",
            proxy.accepted()
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(proxy.accepted(), 0, "the sender went through the proxy");
}
