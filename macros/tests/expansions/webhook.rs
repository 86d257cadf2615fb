/// A plan changed price.
#[allow(non_camel_case_types, missing_docs)]
struct plan_price_changed;
impl ::core::clone::Clone for plan_price_changed {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for plan_price_changed {}
impl ::hookspec::__private::WebhookDeclaration for plan_price_changed {
    const META: ::hookspec::__private::WebhookMeta = ::hookspec::__private::WebhookMeta {
        name: "plan-price-changed",
        handler: "plan_price_changed",
        source: ::core::concat!(::core::file!(), ":", ::core::line!()),
        method: ::hookspec::__private::Method::Post,
        summary: ::core::option::Option::Some("A plan changed price."),
        description: ::core::option::Option::None,
        deprecated: false,
    };
    type Payload = Json<PriceChange>;
    type Answer = ();
}
