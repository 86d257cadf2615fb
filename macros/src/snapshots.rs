//! Expansion snapshots: what each macro generates for a typical input, pretty
//! printed into `macros/tests/expansions/`. A change to an expansion shows as a
//! diff there, reviewed with the change (`EXPECTORATE=overwrite cargo test -p
//! hookspec-macros` rewrites them).

use proc_macro2::TokenStream;
use quote::quote;

/// Pretty-prints `tokens` (a file's items) and compares them with `name`.
fn assert_expansion(name: &str, tokens: TokenStream) {
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
    let text = prettyplease::unparse(&file);
    expectorate::assert_contents(format!("tests/expansions/{name}.rs"), &text);
}

#[test]
fn route_with_arguments_and_a_callback() {
    let expanded = crate::items::expand_route(
        Some("post"),
        quote!(
            "/shops/{shop}/invoices/",
            callbacks(invoice_notification),
            tag = "invoices"
        ),
        quote! {
            /// Create an invoice.
            ///
            /// And notify the API user.
            async fn create_invoice(
                shop: Path<String>,
                invoice: Json<Invoice>,
                params: Query<Params>,
            ) -> Json<Invoice> {
                invoice
            }
        },
    );
    assert_expansion("route", expanded);
}

#[test]
fn callback_stub() {
    let expanded = crate::items::expand_callback(
        quote!(
            post,
            "{$request.query.callback_url}/invoices/{$request.body#/id}"
        ),
        quote! {
            /// Notify the API user about an invoice event.
            async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}
        },
    );
    assert_expansion("callback", expanded);
}

#[test]
fn webhook_stub() {
    let expanded = crate::items::expand_webhook(
        quote!("plan-price-changed"),
        quote! {
            /// A plan changed price.
            async fn plan_price_changed(body: Json<PriceChange>) {}
        },
    );
    assert_expansion("webhook", expanded);
}

#[test]
fn route_with_errors_keeps_the_item() {
    let expanded = crate::items::expand_route(
        Some("get"),
        quote!("/items", operationid = "list"),
        quote! {
            fn list_items() -> &'static str {
                "items"
            }
        },
    );
    assert_expansion("route_with_errors", expanded);
}

#[test]
fn routes_one_handler_at_two_routes() {
    let expanded = crate::items::expand_routes(
        quote!(),
        quote! {
            /// Say hello.
            #[get("/hello")]
            #[route("/hi", method = "GET", method = "HELLO")]
            fn hello() -> impl Future<Output = actix_web::Result<impl Responder>> {
                ready(Ok("hello"))
            }
        },
    );
    assert_expansion("routes", expanded);
}

#[test]
fn scope_prefixes_the_routes_of_its_module() {
    let expanded = crate::items::expand_scope(
        quote!("/v1"),
        quote! {
            mod v1 {
                use super::*;

                #[get("/items", tag = "items",)]
                pub async fn list() -> &'static str {
                    "items"
                }

                #[routes]
                #[hookspec::head("/items")]
                #[connect("/tunnel")]
                pub async fn probe() -> HttpResponse {
                    HttpResponse::Ok().finish()
                }

                pub fn not_a_handler() {}
            }
        },
    );
    assert_expansion("scope", expanded);
}
