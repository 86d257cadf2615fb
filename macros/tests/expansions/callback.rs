/// Notify the API user about an invoice event.
#[allow(non_camel_case_types, missing_docs)]
struct invoice_notification;
impl ::core::clone::Clone for invoice_notification {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for invoice_notification {}
impl ::hookspec::__private::CallbackDeclaration for invoice_notification {
    const META: ::hookspec::__private::CallbackMeta = ::hookspec::__private::CallbackMeta {
        name: "invoice_notification",
        source: ::core::concat!(::core::file!(), ":", ::core::line!()),
        method: ::hookspec::__private::Method::Post,
        url: ::hookspec::__private::UrlTemplate::from_static(
            &[
                ::hookspec::__private::Segment::Expression(
                    ::hookspec::__private::Expression::Request(
                        ::hookspec::__private::Source::Query("callback_url"),
                    ),
                ),
                ::hookspec::__private::Segment::Literal("/invoices/"),
                ::hookspec::__private::Segment::Expression(
                    ::hookspec::__private::Expression::Request(
                        ::hookspec::__private::Source::Body(
                            ::hookspec::__private::JsonPointer::from_escaped("/id"),
                        ),
                    ),
                ),
            ],
        ),
        url_text: "{$request.query.callback_url}/invoices/{$request.body#/id}",
        summary: ::core::option::Option::Some(
            "Notify the API user about an invoice event.",
        ),
        description: ::core::option::Option::None,
        deprecated: false,
    };
    const PATH_REFERENCES: &'static [::hookspec::__private::PathReference] = &[];
    type Payload = Json<InvoiceEvent>;
    type Answer = Json<InvoiceEventReceived>;
}
