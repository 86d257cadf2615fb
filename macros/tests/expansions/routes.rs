/// Say hello.
#[allow(non_camel_case_types, missing_docs)]
struct hello;
impl ::core::clone::Clone for hello {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for hello {}
impl ::hookspec::__private::actix_web::dev::HttpServiceFactory for hello {
    fn register(self, __config: &mut ::hookspec::__private::actix_web::dev::AppService) {
        fn hello() -> impl Future<Output = actix_web::Result<impl Responder>> {
            ready(Ok("hello"))
        }
        #[allow(deprecated, clippy::too_many_arguments)]
        let __hookspec_handler = move || {
            let __hookspec_returned = hello();
            ::hookspec::__private::handler_future(__hookspec_returned)
        };
        #[allow(deprecated)]
        let __hookspec_sends = false;
        let __resource = ::hookspec::__private::actix_web::Resource::new("/hello")
            .name("hello")
            .guard(
                ::hookspec::__private::actix_web::guard::Method(
                    ::hookspec::__private::actix_web::http::Method::GET,
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
        let __resource = ::hookspec::__private::actix_web::Resource::new("/hi")
            .name("hello")
            .guard(
                ::hookspec::__private::actix_web::guard::Any(
                        ::hookspec::__private::actix_web::guard::Method(
                            ::hookspec::__private::actix_web::http::Method::GET,
                        ),
                    )
                    .or(::hookspec::__private::method_guard("HELLO")),
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
impl ::hookspec::__private::DocumentedOperation for hello {
    const ROUTES: &'static [::hookspec::__private::DocumentedRoute] = &[
        ::hookspec::__private::DocumentedRoute {
            meta: ::hookspec::__private::OperationMeta {
                handler: "hello",
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                methods: &[::hookspec::__private::Method::Get],
                other_methods: &[],
                path: "/hello",
                openapi_path: "/hello",
                path_parameters: &[],
                operation_id: "hello_1",
                summary: ::core::option::Option::Some("Say hello."),
                description: ::core::option::Option::None,
                tags: &[],
                deprecated: false,
                security: ::core::option::Option::None,
            },
            describe: {
                fn __hookspec_describe(
                    __cx: &mut ::hookspec::__private::OperationContext<'_>,
                ) {
                    {
                        #[allow(unused_imports)]
                        use ::hookspec::__private::{
                            DocumentedOutputKind as _, NotAResponderKind as _,
                            UnknownResponderKind as _,
                        };
                        (&&&::hookspec::__private::Ret::<
                            actix_web::Result<::hookspec::__private::Opaque>,
                        >::NEW)
                            .kind()
                            .describe(__cx);
                    }
                }
                __hookspec_describe
            },
        },
        ::hookspec::__private::DocumentedRoute {
            meta: ::hookspec::__private::OperationMeta {
                handler: "hello",
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                methods: &[::hookspec::__private::Method::Get],
                other_methods: &["HELLO"],
                path: "/hi",
                openapi_path: "/hi",
                path_parameters: &[],
                operation_id: "hello_2",
                summary: ::core::option::Option::Some("Say hello."),
                description: ::core::option::Option::None,
                tags: &[],
                deprecated: false,
                security: ::core::option::Option::None,
            },
            describe: {
                fn __hookspec_describe(
                    __cx: &mut ::hookspec::__private::OperationContext<'_>,
                ) {
                    {
                        #[allow(unused_imports)]
                        use ::hookspec::__private::{
                            DocumentedOutputKind as _, NotAResponderKind as _,
                            UnknownResponderKind as _,
                        };
                        (&&&::hookspec::__private::Ret::<
                            actix_web::Result<::hookspec::__private::Opaque>,
                        >::NEW)
                            .kind()
                            .describe(__cx);
                    }
                }
                __hookspec_describe
            },
        },
    ];
}
