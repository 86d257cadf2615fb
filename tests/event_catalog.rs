//! The event catalog: every `#[webhook]` an `Api` documents, as an event type
//! with its group, text, deprecation and a self-contained payload schema.

use actix_web::web::Json;
use hookspec::{webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Money in one currency.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Amount {
    pub cents: u64,
    pub currency: String,
}

/// An invoice event's payload.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEvent {
    pub invoice: String,
    pub amount: Amount,
}

/// An invoice was paid.
///
/// Sent once the payment settles.
#[webhook("invoice.paid")]
async fn invoice_paid(body: Json<InvoiceEvent>) {}

/// An invoice was voided.
#[deprecated = "subscribe to `invoice.cancelled`"]
#[webhook("invoice.voided")]
async fn invoice_voided(body: Json<InvoiceEvent>) {}

/// The service is going down for maintenance.
#[webhook("maintenance")]
async fn maintenance(body: Json<String>) {}

#[allow(deprecated)]
fn api() -> Api {
    Api::new("Invoices", "1.0.0")
        .webhook(maintenance)
        .webhook(invoice_voided)
        .webhook(invoice_paid)
}

#[test]
fn every_webhook_is_an_event_type_with_a_self_contained_schema() {
    let api = api();
    let catalog = api.event_catalog().unwrap();
    let names: Vec<&str> = catalog
        .events()
        .iter()
        .map(|event| event.name.as_str())
        .collect();
    assert_eq!(names, ["invoice.paid", "invoice.voided", "maintenance"]);
    assert_eq!(
        catalog.groups().into_iter().collect::<Vec<_>>(),
        ["invoice"]
    );
    assert!(catalog.contains("invoice.paid") && !catalog.contains("invoice.refunded"));

    let paid = catalog.get("invoice.paid").unwrap();
    assert_eq!(paid.group.as_deref(), Some("invoice"));
    assert_eq!(paid.summary.as_deref(), Some("An invoice was paid."));
    assert_eq!(
        paid.description.as_deref(),
        Some("Sent once the payment settles.")
    );
    assert!(!paid.deprecated);
    assert_eq!(paid.content_type.as_deref(), Some("application/json"));
    let schema = paid.schema.as_ref().unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$ref"], "#/$defs/InvoiceEvent");
    // The types it uses, transitively, and nothing under `components`.
    let defs: Vec<&String> = schema["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(defs, ["Amount", "InvoiceEvent"]);
    assert_eq!(
        schema["$defs"]["InvoiceEvent"]["properties"]["amount"]["$ref"],
        "#/$defs/Amount"
    );
    assert!(!schema.to_string().contains("#/components/"));
    // It is a schema a validator takes, and it says what a payload is.
    let validator = jsonschema::validator_for(schema).unwrap();
    assert!(validator.is_valid(&json!({
        "invoice": "inv-1", "amount": { "cents": 4200, "currency": "EUR" }
    })));
    assert!(!validator.is_valid(&json!({
        "invoice": "inv-1", "amount": { "cents": "4200", "currency": "EUR" }
    })));

    let voided = catalog.get("invoice.voided").unwrap();
    assert!(voided.deprecated);
    let notice = catalog.get("maintenance").unwrap();
    assert_eq!(notice.group, None);
    assert_eq!(notice.schema.as_ref().unwrap()["type"], "string");
    assert!(notice.schema.as_ref().unwrap().get("$defs").is_none());
}

/// The catalog is what the document lists under `webhooks`, nothing more.
#[test]
fn the_catalog_and_the_document_list_the_same_events() {
    let api = api();
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    let documented: Vec<&String> = document["webhooks"].as_object().unwrap().keys().collect();
    let catalogued: Vec<&String> = api
        .event_catalog()
        .unwrap()
        .events()
        .iter()
        .map(|event| &event.name)
        .collect();
    assert_eq!(documented, catalogued);
    assert_eq!(
        document["webhooks"]["invoice.voided"]["post"]["deprecated"],
        true
    );
}
