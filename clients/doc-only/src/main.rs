//! A documentation-only app: its routes and callbacks are documented and its
//! routes served, with nothing of the delivery stack compiled in. Runs its own
//! checks through actix-web's test service and exits non-zero on a failure.

use actix_web::web::{Json, Path, Query};
use actix_web::{test, App};
use hookspec::{callback, get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Invoice {
    id: String,
    total: f64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct InvoiceEvent {
    paid: bool,
}

#[derive(Deserialize, JsonSchema)]
struct Params {
    /// Where the notification goes (documented; not read here).
    #[allow(dead_code)]
    callback_url: Option<String>,
}

/// Notify the API user (sent by another service: only documented here).
#[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
async fn invoice_notification(body: Json<InvoiceEvent>) {}

/// Create an invoice.
#[post("/invoices", callbacks(invoice_notification))]
async fn create_invoice(invoice: Json<Invoice>, params: Query<Params>) -> Json<Invoice> {
    let _ = params;
    invoice
}

/// Read an invoice.
#[get("/invoices/{id}")]
async fn read_invoice(id: Path<String>) -> Json<Invoice> {
    Json(Invoice {
        id: id.into_inner(),
        total: 1.0,
    })
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let api = Api::new("Doc only", "1")
            .service(create_invoice)
            .service(read_invoice);
        let app = test::init_service(App::new().configure(api.configure())).await;

        let request = test::TestRequest::get().uri("/invoices/inv-1").to_request();
        let invoice: serde_json::Value = test::call_and_read_body_json(&app, request).await;
        assert_eq!(invoice["id"], "inv-1", "{invoice}");

        let request = test::TestRequest::get().uri("/openapi.json").to_request();
        let document: serde_json::Value = test::call_and_read_body_json(&app, request).await;
        let callback = &document["paths"]["/invoices"]["post"]["callbacks"]["invoice_notification"];
        assert!(
            callback
                .get("{$request.query.callback_url}/invoices/{$request.body#/id}")
                .is_some(),
            "{document}"
        );

        let request = test::TestRequest::get().uri("/docs").to_request();
        let response = test::call_service(&app, request).await;
        assert!(response.status().is_success(), "{}", response.status());
        println!("documentation-only app: routes, document and docs served");
    });
}
