//! Subscriptions: endpoints registered per owner, events published to them,
//! each delivery signed with its endpoint's own secret.

use std::time::{Duration, Instant};

use actix_web::web::Json;
use hookspec::delivery::owners::SecretsKey;
use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
use hookspec::delivery::subscriptions::{
    endpoint_disabled, EndpointError, EndpointUpdate, NewEndpoint,
};
use hookspec::delivery::Callbacks;
use hookspec::{webhook, Api};

use crate::support::*;

/// An invoice was paid.
#[webhook("invoice.paid")]
async fn invoice_paid(body: Json<InvoiceEvent>) {}

/// An invoice was voided.
#[webhook("invoice.voided")]
async fn invoice_voided(body: Json<InvoiceEvent>) {}

fn callbacks() -> Callbacks {
    let api = Api::new("Invoices", "1.0.0")
        .webhook(invoice_paid)
        .webhook(invoice_voided)
        .webhook(endpoint_disabled);
    Callbacks::builder()
        .in_memory()
        .queue_capacity(5_000)
        .owner_secrets(SecretsKey::generate().unwrap())
        .api(&api)
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(fast_retries())
        .build()
        .unwrap()
}

/// Waits (at most 60 s) until every delivery so far is final; how many.
async fn all_final(callbacks: &Callbacks) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let records = callbacks.deliveries(DeliveryFilter::all()).await.unwrap();
        if records.iter().all(|record| {
            matches!(
                record.state,
                DeliveryState::Succeeded | DeliveryState::Failed { .. }
            )
        }) {
            return records.len();
        }
        assert!(Instant::now() < deadline, "not final: {records:?}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (at most 60 s) until every delivery so far has succeeded; how many.
async fn all_delivered(callbacks: &Callbacks) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let records = callbacks.deliveries(DeliveryFilter::all()).await.unwrap();
        if records
            .iter()
            .all(|record| record.state == DeliveryState::Succeeded)
        {
            return records.len();
        }
        assert!(Instant::now() < deadline, "not delivered: {records:?}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Ada's event reaches each of her endpoints that wants it, once, signed with
/// that endpoint's own secret (which does not verify the other's); bob's
/// endpoint gets nothing; a repeated idempotency key sends nothing new; a
/// disabled endpoint gets nothing until enabled again.
#[actix_web::test]
async fn a_published_event_reaches_each_subscribed_endpoint_signed_with_its_own_secret() {
    let receiver = Receiver::start(vec![]);
    let callbacks = callbacks();
    let register = |owner: &'static str, path: &str, types: &[&str]| {
        let endpoint = NewEndpoint::new(format!("{}/{path}", receiver.url()))
            .event_types(types.iter().copied());
        let callbacks = &callbacks;
        async move { callbacks.create_endpoint(owner, endpoint).await.unwrap() }
    };
    let paid_only = register("ada", "ada-paid", &["invoice.paid"]).await;
    let everything = register("ada", "ada-all", &[]).await;
    let voided_only = register("ada", "ada-voided", &["invoice.voided"]).await;
    register("bob", "bob-all", &[]).await;

    let published = callbacks
        .publish::<invoice_paid>("ada")
        .idempotency_key("payment-1")
        .send(&event())
        .await
        .unwrap();
    assert_eq!((published.deliveries, published.repeated), (2, false));
    assert_eq!(all_delivered(&callbacks).await, 2);
    let received = receiver.received();
    let mut paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/hooks/ada-all", "/hooks/ada-paid"]);
    let secret = |id: &str| {
        let callbacks = &callbacks;
        let id = id.to_owned();
        async move {
            callbacks
                .endpoint_secrets("ada", &id)
                .await
                .unwrap()
                .unwrap()[0]
                .secret()
                .to_owned()
        }
    };
    let (paid_secret, all_secret) = (secret(&paid_only.id).await, secret(&everything.id).await);
    assert_ne!(paid_secret, all_secret);
    let at = |path: &str| received.iter().find(|r| r.path == path).unwrap().clone();
    let verify = |secret: &str, request: &Received| {
        reference_verify(secret, |name| request.header(name), &request.body)
    };
    assert!(verify(&paid_secret, &at("/hooks/ada-paid")));
    assert!(verify(&all_secret, &at("/hooks/ada-all")));
    assert!(!verify(&paid_secret, &at("/hooks/ada-all")));
    assert!(!verify(&all_secret, &at("/hooks/ada-paid")));
    // One message: the deliveries' ids share its id.
    for request in &received {
        let id = request.header("webhook-id").unwrap();
        assert!(id.starts_with(&format!("{}.", published.message)), "{id}");
    }

    let again = callbacks
        .publish::<invoice_paid>("ada")
        .idempotency_key("payment-1")
        .send(&event())
        .await
        .unwrap();
    assert_eq!(
        (again.message.clone(), again.deliveries, again.repeated),
        (published.message.clone(), 0, true)
    );

    let disabled = callbacks
        .update_endpoint(
            "ada",
            &everything.id,
            EndpointUpdate {
                enabled: Some(false),
                ..EndpointUpdate::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(disabled.disabled.unwrap().reason, "disabled by its owner");
    let voided = callbacks
        .publish::<invoice_voided>("ada")
        .send(&event())
        .await
        .unwrap();
    assert_eq!(voided.deliveries, 1, "only the voided-only endpoint");
    assert_eq!(all_delivered(&callbacks).await, 3);
    assert!(receiver
        .received()
        .iter()
        .any(|r| r.path == "/hooks/ada-voided"));
    let _ = voided_only;
    receiver.handle.stop(false).await;
}

/// Another owner's endpoint is not found by any call; bad fields are refused
/// with the field named.
#[actix_web::test]
async fn an_owner_reaches_only_its_own_endpoints_and_bad_fields_are_named() {
    let callbacks = callbacks();
    let adas = callbacks
        .create_endpoint("ada", NewEndpoint::new("http://127.0.0.1:9/hooks"))
        .await
        .unwrap();
    assert_eq!(callbacks.endpoint("bob", &adas.id).await.unwrap(), None);
    let update = EndpointUpdate {
        description: Some("mine now".into()),
        ..EndpointUpdate::default()
    };
    assert_eq!(
        callbacks
            .update_endpoint("bob", &adas.id, update)
            .await
            .unwrap(),
        None
    );
    assert!(callbacks
        .endpoint_secrets("bob", &adas.id)
        .await
        .unwrap()
        .is_none());
    assert!(callbacks
        .rotate_endpoint_secret("bob", &adas.id, Duration::ZERO)
        .await
        .unwrap()
        .is_none());
    assert!(!callbacks.delete_endpoint("bob", &adas.id).await.unwrap());
    assert!(callbacks
        .list_endpoints("bob", None, 10)
        .await
        .unwrap()
        .endpoints
        .is_empty());
    assert_eq!(
        callbacks.endpoint("ada", &adas.id).await.unwrap(),
        Some(adas.clone())
    );

    let refused = |error: EndpointError| error.to_string();
    let unknown = callbacks
        .create_endpoint(
            "ada",
            NewEndpoint::new("http://127.0.0.1:9/hooks").event_types(["invoice.refunded"]),
        )
        .await
        .unwrap_err();
    assert!(refused(unknown).starts_with("event_types: `invoice.refunded` is not an event type"),);
    let metadata = callbacks
        .create_endpoint("ada", NewEndpoint::new("http://169.254.169.254/latest"))
        .await
        .unwrap_err();
    assert!(matches!(metadata, EndpointError::Refused(_)), "{metadata}");
    let not_a_url = callbacks
        .create_endpoint("ada", NewEndpoint::new("hooks please"))
        .await
        .unwrap_err();
    assert!(refused(not_a_url).starts_with("url: "));

    assert!(callbacks.delete_endpoint("ada", &adas.id).await.unwrap());
    assert_eq!(callbacks.endpoint("ada", &adas.id).await.unwrap(), None);
}

/// One event to 1,000 endpoints: each receives exactly one delivery.
#[actix_web::test]
async fn an_event_fans_out_to_a_thousand_endpoints_once_each() {
    const ENDPOINTS: usize = 1_000;
    let receiver = Receiver::start(vec![]);
    let callbacks = callbacks();
    for n in 0..ENDPOINTS {
        callbacks
            .create_endpoint("ada", NewEndpoint::new(format!("{}/e{n}", receiver.url())))
            .await
            .unwrap();
    }
    let mut listed = 0;
    let mut after = None;
    loop {
        let page = callbacks
            .list_endpoints("ada", after.as_deref(), 250)
            .await
            .unwrap();
        listed += page.endpoints.len();
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(listed, ENDPOINTS);
    let published = callbacks
        .publish::<invoice_paid>("ada")
        .send(&event())
        .await
        .unwrap();
    assert_eq!(published.deliveries, ENDPOINTS as u64);
    assert_eq!(all_delivered(&callbacks).await, ENDPOINTS);
    let mut paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), ENDPOINTS, "one delivery per endpoint");
    assert_eq!(receiver.received().len(), ENDPOINTS);
    receiver.handle.stop(false).await;
}

/// An endpoint that answers `410 Gone` is disabled in the store (so for every
/// instance): the owner's endpoint subscribed to `endpoint.disabled` is told,
/// signed with its own secret; the next event skips the disabled endpoint;
/// enabled again by its owner, it gets events again.
#[actix_web::test]
async fn an_endpoint_that_answers_410_is_disabled_and_its_owner_is_told() {
    let receiver = Receiver::start(vec![Answer::status(410)]);
    let callbacks = callbacks();
    let gone = callbacks
        .create_endpoint(
            "ada",
            NewEndpoint::new(format!("{}/gone", receiver.url())).event_types(["invoice.paid"]),
        )
        .await
        .unwrap();
    let ops = callbacks
        .create_endpoint(
            "ada",
            NewEndpoint::new(format!("{}/ops", receiver.url())).event_types(["endpoint.disabled"]),
        )
        .await
        .unwrap();
    let paid = event();
    let publish = || callbacks.publish::<invoice_paid>("ada").send(&paid);
    assert_eq!(publish().await.unwrap().deliveries, 1);
    // The 410'd delivery, then the operational event.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !receiver.received().iter().any(|r| r.path == "/hooks/ops") {
        assert!(Instant::now() < deadline, "no endpoint.disabled event");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(all_final(&callbacks).await, 2);
    let disabled = callbacks.endpoint("ada", &gone.id).await.unwrap().unwrap();
    assert_eq!(disabled.disabled.unwrap().reason, "it answered 410 Gone");

    let received = receiver.received();
    let told = received.iter().find(|r| r.path == "/hooks/ops").unwrap();
    let body: serde_json::Value = serde_json::from_slice(&told.body).unwrap();
    assert_eq!(body["endpoint_id"], gone.id.as_str());
    assert_eq!(body["reason"], "it answered 410 Gone");
    let ops_secret = callbacks
        .endpoint_secrets("ada", &ops.id)
        .await
        .unwrap()
        .unwrap()[0]
        .secret()
        .to_owned();
    assert!(reference_verify(
        &ops_secret,
        |name| told.header(name),
        &told.body
    ));

    assert_eq!(publish().await.unwrap().deliveries, 0, "disabled: skipped");
    let enabled = callbacks
        .update_endpoint(
            "ada",
            &gone.id,
            EndpointUpdate {
                enabled: Some(true),
                ..EndpointUpdate::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((enabled.disabled, enabled.failing_since), (None, None));
    assert_eq!(publish().await.unwrap().deliveries, 1);
    assert_eq!(all_final(&callbacks).await, 3);
    assert_eq!(
        receiver
            .received()
            .iter()
            .filter(|r| r.path == "/hooks/gone")
            .count(),
        2
    );
    receiver.handle.stop(false).await;
}

/// A deleted endpoint's pending delivery is not sent again: its secrets went
/// with it, and it is never signed with a secret nobody was given.
#[actix_web::test]
async fn a_deleted_endpoints_pending_delivery_fails_unsent() {
    let mut busy = Answer::status(503);
    busy.retry_after = Some("2");
    let receiver = Receiver::start(vec![busy]);
    let callbacks = callbacks();
    let endpoint = callbacks
        .create_endpoint("ada", NewEndpoint::new(format!("{}/gone", receiver.url())))
        .await
        .unwrap();
    callbacks
        .publish::<invoice_paid>("ada")
        .send(&event())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.received().is_empty() {
        assert!(Instant::now() < deadline, "the first attempt never came");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(callbacks
        .delete_endpoint("ada", &endpoint.id)
        .await
        .unwrap());
    assert_eq!(all_final(&callbacks).await, 1);
    let records = callbacks.deliveries(DeliveryFilter::all()).await.unwrap();
    let DeliveryState::Failed { reason } = &records[0].state else {
        panic!("{:?}", records[0].state);
    };
    assert!(reason.contains("it was deleted"), "{reason}");
    assert_eq!(receiver.received().len(), 1, "not sent again");
    receiver.handle.stop(false).await;
}
