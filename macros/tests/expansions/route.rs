/// Create an invoice.
///
/// And notify the API user.
#[allow(non_camel_case_types, missing_docs)]
struct create_invoice;
impl ::core::clone::Clone for create_invoice {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for create_invoice {}
impl ::hookspec::__private::actix_web::dev::HttpServiceFactory for create_invoice {
    fn register(self, __config: &mut ::hookspec::__private::actix_web::dev::AppService) {
        async fn create_invoice(
            shop: Path<String>,
            invoice: Json<Invoice>,
            params: Query<Params>,
        ) -> Json<Invoice> {
            invoice
        }
        #[allow(unused_imports)]
        let __hookspec_kinds = {
            use ::hookspec::__private::{
                DocumentedKind as _, NotAnExtractorKind as _, SchemalessJsonKind as _,
                UnknownExtractorKind as _,
            };
            (
                (&&&&::hookspec::__private::Arg::<Path<String>>::NEW).kind(),
                (&&&&::hookspec::__private::Arg::<Json<Invoice>>::NEW).kind(),
                (&&&&::hookspec::__private::Arg::<Query<Params>>::NEW).kind(),
            )
        };
        #[allow(deprecated, clippy::too_many_arguments)]
        let __hookspec_handler = move |
            __hookspec_arg0,
            __hookspec_arg1,
            __hookspec_arg2|
        {
            create_invoice(
                __hookspec_kinds.0.argument(__hookspec_arg0),
                __hookspec_kinds.1.argument(__hookspec_arg1),
                __hookspec_kinds.2.argument(__hookspec_arg2),
            )
        };
        #[allow(deprecated)]
        let __hookspec_sends = false || __hookspec_kinds.0.sends_callbacks()
            || __hookspec_kinds.1.sends_callbacks()
            || __hookspec_kinds.2.sends_callbacks();
        let __resource = ::hookspec::__private::actix_web::Resource::new(
                "/shops/{shop}/invoices/",
            )
            .name("create_invoice")
            .guard(
                ::hookspec::__private::actix_web::guard::Method(
                    ::hookspec::__private::actix_web::http::Method::POST,
                ),
            )
            .to(__hookspec_handler);
        let __resource = ::hookspec::__private::keep_request_bodies(
            __resource,
            __hookspec_sends,
        );
        ::hookspec::__private::actix_web::dev::HttpServiceFactory::register(
            __resource,
            __config,
        );
    }
}
impl ::hookspec::__private::DocumentedOperation for create_invoice {
    const ROUTES: &'static [::hookspec::__private::DocumentedRoute] = &[
        ::hookspec::__private::DocumentedRoute {
            meta: ::hookspec::__private::OperationMeta {
                handler: "create_invoice",
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                methods: &[::hookspec::__private::Method::Post],
                other_methods: &[],
                path: "/shops/{shop}/invoices/",
                openapi_path: "/shops/{shop}/invoices/",
                path_parameters: &["shop"],
                operation_id: "create_invoice",
                summary: ::core::option::Option::Some("Create an invoice."),
                description: ::core::option::Option::Some("And notify the API user."),
                tags: &["invoices"],
                deprecated: false,
                security: ::core::option::Option::None,
            },
            describe: {
                fn __hookspec_describe(
                    __cx: &mut ::hookspec::__private::OperationContext<'_>,
                ) {
                    #[allow(unused_imports)]
                    let __hookspec_kinds = {
                        use ::hookspec::__private::{
                            DocumentedKind as _, NotAnExtractorKind as _,
                            SchemalessJsonKind as _, UnknownExtractorKind as _,
                        };
                        (
                            (&&&&::hookspec::__private::Arg::<Path<String>>::NEW).kind(),
                            (&&&&::hookspec::__private::Arg::<Json<Invoice>>::NEW)
                                .kind(),
                            (&&&&::hookspec::__private::Arg::<Query<Params>>::NEW).kind(),
                        )
                    };
                    __hookspec_kinds.0.describe(__cx);
                    __hookspec_kinds.1.describe(__cx);
                    __hookspec_kinds.2.describe(__cx);
                    {
                        #[allow(unused_imports)]
                        use ::hookspec::__private::{
                            DocumentedOutputKind as _, NotAResponderKind as _,
                            UnknownResponderKind as _,
                        };
                        (&&&::hookspec::__private::Ret::<Json<Invoice>>::NEW)
                            .kind()
                            .describe(__cx);
                    }
                    (const { ::hookspec::__private::callback_use(&invoice_notification) }
                        .add)(__cx);
                }
                __hookspec_describe
            },
        },
    ];
}
const _: () = match ::hookspec::__private::unknown_path_parameter(
    ::hookspec::__private::callback_use(&invoice_notification).path_references,
    &["shop"],
) {
    ::core::option::Option::Some(message) => ::core::panic!("{}", message),
    ::core::option::Option::None => {}
};
