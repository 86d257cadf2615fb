//! Large APIs: the served 3.1 document writes the schemas to their JSON as
//! soon as the operations that use them are checked (32 at a time), instead of
//! holding every schema as a tree of maps until the end. What it serves must
//! still be, byte for byte, what the typed document says; and the callbacks of
//! later operations must still be checked against the types written before
//! them.

mod common;

use actix_web::web::Json;
use hookspec::{callback, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// Who pays: used by the first operation, and again by the last, whose
/// callback reads it after it has been written.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Customer {
    email: String,
    name: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Account {
    customer: Customer,
    callback_url: String,
}

/// The account is open.
#[callback(post, "{$request.body#/callback_url}/opened")]
async fn account_opened(body: Json<Account>) {}

/// Open an account: the first operation, the first use of `Customer`.
#[post("/accounts", callbacks(account_opened))]
async fn open_account(account: Json<Account>) -> Json<Account> {
    account
}

/// One body type, handler and callback per line, each type of its own.
macro_rules! items {
    ($($item:ident $handler:ident $callback:ident $path:tt;)*) => {
        $(
            #[derive(Serialize, Deserialize, JsonSchema)]
            struct $item {
                id: String,
                amount: f64,
                note: Option<String>,
                callback_url: String,
            }

            /// The item is ready.
            #[callback(post, "{$request.body#/callback_url}/items/{$request.body#/id}")]
            async fn $callback(item: Json<$item>) {}

            /// Create an item.
            #[post($path, callbacks($callback))]
            async fn $handler(item: Json<$item>) -> Json<$item> {
                item
            }
        )*

        /// `api` with every item's operation.
        fn with_items(api: Api) -> Api {
            api$(.service($handler))*
        }
    };
}

items! {
    Item0 handler0 callback0 "/items/0";
    Item1 handler1 callback1 "/items/1";
    Item2 handler2 callback2 "/items/2";
    Item3 handler3 callback3 "/items/3";
    Item4 handler4 callback4 "/items/4";
    Item5 handler5 callback5 "/items/5";
    Item6 handler6 callback6 "/items/6";
    Item7 handler7 callback7 "/items/7";
    Item8 handler8 callback8 "/items/8";
    Item9 handler9 callback9 "/items/9";
    Item10 handler10 callback10 "/items/10";
    Item11 handler11 callback11 "/items/11";
    Item12 handler12 callback12 "/items/12";
    Item13 handler13 callback13 "/items/13";
    Item14 handler14 callback14 "/items/14";
    Item15 handler15 callback15 "/items/15";
    Item16 handler16 callback16 "/items/16";
    Item17 handler17 callback17 "/items/17";
    Item18 handler18 callback18 "/items/18";
    Item19 handler19 callback19 "/items/19";
    Item20 handler20 callback20 "/items/20";
    Item21 handler21 callback21 "/items/21";
    Item22 handler22 callback22 "/items/22";
    Item23 handler23 callback23 "/items/23";
    Item24 handler24 callback24 "/items/24";
    Item25 handler25 callback25 "/items/25";
    Item26 handler26 callback26 "/items/26";
    Item27 handler27 callback27 "/items/27";
    Item28 handler28 callback28 "/items/28";
    Item29 handler29 callback29 "/items/29";
    Item30 handler30 callback30 "/items/30";
    Item31 handler31 callback31 "/items/31";
    Item32 handler32 callback32 "/items/32";
    Item33 handler33 callback33 "/items/33";
    Item34 handler34 callback34 "/items/34";
    Item35 handler35 callback35 "/items/35";
    Item36 handler36 callback36 "/items/36";
    Item37 handler37 callback37 "/items/37";
    Item38 handler38 callback38 "/items/38";
    Item39 handler39 callback39 "/items/39";
}

/// The customer is notified, at the address in the customer's record.
#[callback(post, "{$request.body#/email}/notified")]
async fn customer_notified(customer: Json<Customer>) {}

/// Notify a customer: registered last, its callback reads `Customer`.
#[post("/notifications", callbacks(customer_notified))]
async fn notify(customer: Json<Customer>) -> Json<Customer> {
    customer
}

/// The same callback, misspelling the member it reads.
#[callback(post, "{$request.body#/emial}/notified")]
async fn customer_misnotified(customer: Json<Customer>) {}

/// Notify a customer, through the misspelt callback.
#[post("/notifications", callbacks(customer_misnotified))]
async fn misnotify(customer: Json<Customer>) -> Json<Customer> {
    customer
}

#[test]
fn a_large_document_is_served_as_the_typed_one_says() {
    let api = with_items(Api::new("Items", "1").service(open_account)).service(notify);
    // Byte for byte against the typed documents, both validated.
    let [v3_1, v3_0] = common::checked_documents(&api);
    for document in [&v3_1, &v3_0] {
        let schemas = document["components"]["schemas"].as_object().unwrap();
        // Enough schemas for some to be written before the end.
        assert!(schemas.len() > 40, "{} schemas", schemas.len());
        assert_eq!(
            document["components"]["schemas"]["Customer"]["properties"]["email"]["type"],
            "string"
        );
        assert_eq!(
            document["components"]["schemas"]["Item39"]["required"],
            serde_json::json!(["id", "amount", "callback_url"])
        );
    }
}

#[test]
fn a_callback_is_checked_against_a_type_written_before_its_operation() {
    let api = with_items(Api::new("Items", "1").service(open_account)).service(misnotify);
    let error = api.check().unwrap_err().to_string();
    // The member names come from `Customer`'s schema, written 40 operations
    // earlier and read again for this check.
    assert!(
        error.contains(
            "callback `customer_misnotified` reads `$request.body#/emial`, but the request \
             body has no member `emial` at `/`; did you mean `email`?"
        ),
        "{error}"
    );
}
