//! What is sent: the documented request, signed; awaited replies; webhooks; replies
//! checked after a restart; an awaited send's deadline.

use std::time::{Duration, Instant};

use actix_web::web::{Data, Json, Query};
use actix_web::{test, App, HttpResponse};
use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::{DeliveryFilter, DeliveryId, DeliveryState};
use hookspec::delivery::{Callbacks, SendError, Trigger};
use hookspec::signing::Verifier;
use hookspec::{callback, post, webhook, Api};
use serde_json::json;

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

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
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::{NewDelivery, SqliteStore};
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
                owner: None,
                endpoint: None,
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
        .unsigned()
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
        .unsigned()
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

/// An awaited send waits at most its deadline; the delivery goes on after it.
#[actix_web::test]
async fn an_awaited_send_answers_by_its_deadline_and_the_delivery_goes_on() {
    let slow = Answer {
        delay: Duration::from_secs(2),
        ..Answer::ok()
    };
    let receiver = Receiver::start(vec![slow]);
    let callbacks = Callbacks::builder()
        .unsigned()
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
