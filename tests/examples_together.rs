//! The invoices example notifying the receiver example, both on 127.0.0.1: the
//! README's two-terminal demo, as a test.

mod common;

#[allow(dead_code)]
#[path = "../examples/invoices.rs"]
mod invoices;

#[allow(dead_code)]
#[path = "../examples/receiver.rs"]
mod receiver;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::web::Data;
use actix_web::{test, App, HttpServer};
use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::DeliveryFilter;
use hookspec::signing::Verifier;
use serde_json::json;

#[actix_web::test]
async fn an_invoice_with_a_callback_url_notifies_the_receiver() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Data::new(receiver::Inbox::default());
    let verifier = Data::new(Verifier::new(&[receiver::DEMO_SECRET]).unwrap());
    let receiver_inbox = inbox.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .app_data(receiver_inbox.clone())
            .configure(receiver::api().configure())
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let policy = AddressPolicy::listed_only().allow_loopback();
    let callbacks = invoices::callbacks(
        hookspec::delivery::Callbacks::builder()
            .in_memory()
            .single_tenant_secrets(&[invoices::DEMO_SECRET])
            .address_policy(policy),
    )
    .unwrap();
    let api = invoices::api();
    let app = test::init_service(
        App::new()
            .app_data(Data::new(callbacks.clone()))
            .configure(api.configure()),
    )
    .await;
    let request = test::TestRequest::post()
        .uri(&format!("/invoices/?callback_url=http://127.0.0.1:{port}"))
        .set_json(json!({"id": "inv-42", "customer": "ACME", "total": 42.0}))
        .to_request();
    let reply: serde_json::Value = test::call_and_read_body_json(&app, request).await;
    assert_eq!(reply, json!({"msg": "Invoice received"}));

    let deadline = Instant::now() + Duration::from_secs(10);
    let notification = loop {
        if let Some(first) = inbox.0.lock().unwrap().first().cloned() {
            break first;
        }
        assert!(
            Instant::now() < deadline,
            "no notification: {:?}",
            callbacks.deliveries(DeliveryFilter::all()).await
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(notification.invoice_id, "inv-42");
    assert_eq!(notification.event.description, "Invoice inv-42 paid");
    assert!(notification.event.paid);
    let delivery = &callbacks.deliveries(DeliveryFilter::all()).await.unwrap()[0];
    assert_eq!(delivery.id.as_str(), notification.webhook_id);
    // The path went to the receiver (above); the record shows only the origin.
    assert_eq!(
        delivery.url,
        format!("http://127.0.0.1:{port}/REDACTED/REDACTED")
    );
    handle.stop(false).await;
}

#[actix_web::test]
async fn the_receiver_refuses_unsigned_callbacks_and_documents_itself() {
    let inbox = Data::new(receiver::Inbox::default());
    let verifier = Data::new(Verifier::new(&[receiver::DEMO_SECRET]).unwrap());
    let api = receiver::api();
    let app = test::init_service(
        App::new()
            .app_data(verifier)
            .app_data(inbox.clone())
            .configure(api.configure()),
    )
    .await;
    let request = test::TestRequest::post()
        .uri("/invoices/inv-1")
        .set_json(json!({"description": "forged", "paid": true}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status().as_u16(), 401);
    let problem = common::json_body(response).await;
    assert_eq!(
        problem["errors"][0]["detail"],
        "missing or unreadable `webhook-id` header"
    );
    assert!(inbox.0.lock().unwrap().is_empty());

    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    common::assert_valid_openapi_3_1(&document);
    let operation = &document["paths"]["/invoices/{invoice_id}"]["post"];
    let headers: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        headers,
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    );
    assert!(operation["responses"]["401"].is_object());
}
