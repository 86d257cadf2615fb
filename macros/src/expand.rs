//! Quoting only: checked arguments and function → generated items. Every path in
//! the output is absolute (`::hookspec::__private::...`, `::core::...`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Type};

use hookspec_expr::{Expression, Segment, Source, UrlTemplate};

use crate::ast::{Doc, Function};
use crate::attr::{CallbackArgs, MethodArg, RouteArgs, WebhookArgs};
use crate::valid::{field_ident, CheckedRoute, PathShape};

fn private() -> TokenStream {
    quote!(::hookspec::__private)
}

fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

fn method_variant(method: &MethodArg) -> TokenStream {
    let private = private();
    let variant = Ident::new(method.variant, method.span);
    quote!(#private::Method::#variant)
}

/// `<Ty as Trait>::describe(__cx);`, spanned on the user's type so that a missing
/// implementation is reported there.
fn describe_input(ty: &Type) -> TokenStream {
    let private = private();
    quote_spanned! {ty.span()=>
        <#ty as #private::OperationInput>::describe(__cx);
    }
}

fn describe_output(func: &Function) -> TokenStream {
    let private = private();
    match func.return_type() {
        Some(Type::ImplTrait(_)) | None => {
            quote!(<#private::Opaque as #private::OperationOutput>::describe(__cx);)
        }
        Some(ty) => quote_spanned! {ty.span()=>
            <#ty as #private::OperationOutput>::describe(__cx);
        },
    }
}

/// The generated unit struct that stands for the function, as actix-web's macros do.
fn unit_struct(func: &Function) -> TokenStream {
    let name = &func.sig.ident;
    let vis = &func.vis;
    let docs = func.doc_attrs();
    let label = name.to_string();
    // Written out rather than derived: the same impls, less for the compiler to
    // expand per handler.
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types, missing_docs)]
        #vis struct #name;

        impl ::core::clone::Clone for #name {
            #[inline]
            fn clone(&self) -> Self {
                *self
            }
        }

        impl ::core::marker::Copy for #name {}

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#label)
            }
        }
    }
}

pub fn route(args: &RouteArgs, func: &Function, checked: &CheckedRoute<'_>) -> TokenStream {
    let private = private();
    let name = &func.sig.ident;
    let handler_name = name.to_string();
    let path = &args.path;
    let resource_name = args
        .resource_name
        .clone()
        .unwrap_or_else(|| LitStr::new(&handler_name, name.span()));

    // The handler as written, then a wrapper that extracts each argument through
    // hookspec (for problem-details errors) and calls it.
    let other_attrs = func.other_attrs();
    let sig = &func.sig;
    let body = &func.body;
    let arguments = func.arguments();
    // Spanned on each argument's type: an error about the type (it has no
    // `OperationInput`) then points there once, not also at the attribute.
    let arg_names: Vec<Ident> = arguments
        .iter()
        .enumerate()
        .map(|(i, arg)| format_ident!("__hookspec_arg{}", i, span = arg.ty.span()))
        .collect();
    let extractor_types = arguments.iter().map(|arg| {
        let ty = arg.ty;
        quote_spanned!(ty.span()=> <#ty as #private::OperationInput>::Extractor)
    });
    let conversions = arguments.iter().zip(&arg_names).map(|(arg, var)| {
        let ty = arg.ty;
        quote_spanned!(ty.span()=> <#ty as #private::OperationInput>::from_extractor(#var))
    });

    let guard = {
        let mut methods = args.methods.iter().map(|method| {
            let http = Ident::new(&method.name.to_ascii_uppercase(), method.span);
            quote!(#private::actix_web::guard::Method(#private::actix_web::http::Method::#http))
        });
        let first = methods.next();
        quote!(#private::actix_web::guard::Any(#first) #(.or(#methods))*)
    };
    let guards = args
        .guards
        .iter()
        .map(|guard| quote!(.guard(#private::actix_web::guard::fn_guard(#guard))));
    let wraps = args.wraps.iter().map(|wrap| quote!(.wrap(#wrap)));

    let doc = func.doc();
    let summary = option_str(args.summary.as_ref().map(LitStr::value).or(doc.summary));
    let description = option_str(
        args.description
            .as_ref()
            .map(LitStr::value)
            .or(doc.description),
    );
    let operation_id = args
        .operation_id
        .as_ref()
        .map_or(handler_name.clone(), LitStr::value);
    let tags = args.tags.iter();
    let methods = args.methods.iter().map(method_variant);
    let openapi_path = &checked.template.openapi;
    let path_parameters = &checked.template.names;
    let deprecated = func.is_deprecated();

    let describe_inputs = arguments.iter().map(|arg| describe_input(arg.ty));
    let describe_output = describe_output(func);
    let extra_responses = args.responses.iter().map(|response| {
        let status = &response.status;
        let description = &response.description;
        match &response.body {
            None => quote! {
                __cx.add_response(#status, #private::Response::new(#description));
            },
            Some(ty) => {
                let content_type = response
                    .content_type
                    .as_ref()
                    .map_or_else(|| quote!("application/json"), |ct| quote!(#ct));
                quote_spanned! {ty.span()=>
                    let __schema = __cx.schemas().reference::<#ty>();
                    __cx.add_response(
                        #status,
                        #private::Response::with_body(#description, #content_type, __schema),
                    );
                }
            }
        }
    });
    let callbacks = args
        .callbacks
        .iter()
        .map(|callback| {
            quote_spanned!(callback.span()=> <#callback as #private::CallbackDeclaration>::add_to(__cx);)
        });
    // Each callback's `$request.path.x` must be a parameter of this path: checked
    // by const evaluation, so the error is a compile error at the callback's name.
    let callback_path_checks = args.callbacks.iter().map(|callback| {
        quote_spanned! {callback.span()=>
            const _: () = match #private::unknown_path_parameter(
                <#callback as #private::CallbackDeclaration>::PATH_REFERENCES,
                &[#(#path_parameters),*],
            ) {
                ::core::option::Option::Some(message) => ::core::panic!("{}", message),
                ::core::option::Option::None => (),
            };
        }
    });
    let path_fields_check = match checked.path_shape {
        PathShape::Struct(ty) => path_fields_check(ty, path_parameters, path.span()),
        PathShape::None | PathShape::Positional => TokenStream::new(),
    };
    let unit_struct = unit_struct(func);

    quote! {
        #unit_struct

        impl #private::actix_web::dev::HttpServiceFactory for #name {
            fn register(self, __config: &mut #private::actix_web::dev::AppService) {
                #(#other_attrs)*
                #sig #body

                // A closure returning the handler's own future: no second async
                // state machine per handler (cheaper to compile, nothing to poll).
                #[allow(deprecated, clippy::too_many_arguments)]
                let __hookspec_handler = |#(#arg_names: #extractor_types),*| {
                    #name(#(#conversions),*)
                };

                let __resource = #private::actix_web::Resource::new(#path)
                    .name(#resource_name)
                    .guard(#guard)
                    #(#guards)*
                    #(#wraps)*
                    .to(__hookspec_handler);
                #private::actix_web::dev::HttpServiceFactory::register(__resource, __config);
            }
        }

        impl #private::DocumentedOperation for #name {
            const META: #private::OperationMeta = #private::OperationMeta {
                handler: #handler_name,
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                methods: &[#(#methods),*],
                path: #path,
                openapi_path: #openapi_path,
                path_parameters: &[#(#path_parameters),*],
                operation_id: #operation_id,
                summary: #summary,
                description: #description,
                tags: &[#(#tags),*],
                deprecated: #deprecated,
            };

            fn describe(__cx: &mut #private::OperationContext<'_>) {
                #(#describe_inputs)*
                #describe_output
                #(#extra_responses)*
                #(#callbacks)*
            }
        }

        #path_fields_check
        #(#callback_path_checks)*
    }
}

/// A compile-time check that the struct `ty` of `Path<ty>` has exactly the template's
/// parameters as fields: a struct expression naming them all. rustc reports a
/// parameter with no field ("struct has no field named `x`") at the route path, and
/// a field with no parameter ("missing field `y` in initializer") at the type.
fn path_fields_check(ty: &Type, names: &[String], path_span: Span) -> TokenStream {
    // Names that cannot be fields were reported in `valid.rs`.
    let fields = names.iter().filter_map(|name| {
        let field = field_ident(name, path_span)?;
        Some(quote!(#field: ::core::unreachable!()))
    });
    let struct_path = quote_spanned!(ty.span()=> #ty);
    quote! {
        const _: () = {
            #[allow(dead_code, unreachable_code, clippy::diverging_sub_expression)]
            fn __hookspec_path_fields() -> #ty {
                #struct_path { #(#fields),* }
            }
        };
    }
}

pub fn callback(args: &CallbackArgs, template: &UrlTemplate<'_>, func: &Function) -> TokenStream {
    let private = private();
    let name = &func.sig.ident;
    let callback_name = name.to_string();
    let method = method_variant(&args.method);
    let url = template_tokens(template);
    let (summary, description, deprecated) = stub_docs(func);
    // `valid.rs` allows at most one argument: the body.
    let (payload, answer) = stub_types(func);
    let unit_struct = unit_struct(func);
    let path_references = path_references(&callback_name, template);

    quote! {
        #unit_struct

        impl #private::CallbackDeclaration for #name {
            const META: #private::CallbackMeta = #private::CallbackMeta {
                name: #callback_name,
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                method: #method,
                url: #url,
                summary: #summary,
                description: #description,
                deprecated: #deprecated,
            };

            const PATH_REFERENCES: &'static [#private::PathReference] = &[#(#path_references),*];

            type Payload = #payload;
            type Answer = #answer;
        }
    }
}

/// A stub's summary and description (from its doc comment) and whether it is
/// `#[deprecated]`, as tokens for its meta constant.
fn stub_docs(func: &Function) -> (TokenStream, TokenStream, bool) {
    let Doc {
        summary,
        description,
    } = func.doc();
    (
        option_str(summary),
        option_str(description),
        func.is_deprecated(),
    )
}

/// The payload and answer types of a stub (`#[callback]`, `#[webhook]`): its one
/// argument and its return type, `()` where there are none.
fn stub_types(func: &Function) -> (TokenStream, TokenStream) {
    let payload = match func.arguments().first() {
        Some(arg) => {
            let ty = arg.ty;
            quote_spanned!(ty.span()=> #ty)
        }
        None => quote!(()),
    };
    let answer = match func.return_type() {
        Some(Type::ImplTrait(_)) | None => quote!(()),
        Some(ty) => quote_spanned!(ty.span()=> #ty),
    };
    (payload, answer)
}

pub fn webhook(args: &WebhookArgs, func: &Function) -> TokenStream {
    let private = private();
    let name = &func.sig.ident;
    let handler = name.to_string();
    let webhook_name = &args.name;
    let method = method_variant(&args.method);
    let (summary, description, deprecated) = stub_docs(func);
    let (payload, answer) = stub_types(func);
    let unit_struct = unit_struct(func);

    quote! {
        #unit_struct

        impl #private::WebhookDeclaration for #name {
            const META: #private::WebhookMeta = #private::WebhookMeta {
                name: #webhook_name,
                handler: #handler,
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                method: #method,
                summary: #summary,
                description: #description,
                deprecated: #deprecated,
            };

            type Payload = #payload;
            type Answer = #answer;
        }
    }
}

/// One `PathReference` per `$request.path.x` of the URL, with its compile error.
fn path_references(callback: &str, template: &UrlTemplate<'_>) -> Vec<TokenStream> {
    let private = private();
    template
        .expressions()
        .filter_map(|expression| match expression {
            Expression::Request(Source::Path(name)) => {
                let message = format!(
                    "callback `{callback}` reads `$request.path.{name}`, but this operation's \
                     path has no `{{{name}}}` parameter"
                );
                Some(quote!(#private::PathReference { name: #name, message: #message }))
            }
            _ => None,
        })
        .collect()
}

/// The parsed URL template as a `'static` constant of the runtime's types.
fn template_tokens(template: &UrlTemplate<'_>) -> TokenStream {
    let private = private();
    let segments = template.segments().iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(#private::Segment::Literal(#text)),
        Segment::Expression(expression) => {
            let expression = expression_tokens(expression);
            quote!(#private::Segment::Expression(#expression))
        }
    });
    quote!(#private::UrlTemplate::from_static(&[#(#segments),*]))
}

fn expression_tokens(expression: &Expression<'_>) -> TokenStream {
    let private = private();
    let source = |source: &Source<'_>| match source {
        Source::Header(name) => quote!(#private::Source::Header(#name)),
        Source::Query(name) => quote!(#private::Source::Query(#name)),
        Source::Path(name) => quote!(#private::Source::Path(#name)),
        Source::Body(pointer) => {
            let escaped = pointer.as_escaped();
            quote!(#private::Source::Body(#private::JsonPointer::from_escaped(#escaped)))
        }
    };
    match expression {
        Expression::Url => quote!(#private::Expression::Url),
        Expression::Method => quote!(#private::Expression::Method),
        Expression::StatusCode => quote!(#private::Expression::StatusCode),
        Expression::Request(s) => {
            let s = source(s);
            quote!(#private::Expression::Request(#s))
        }
        Expression::Response(s) => {
            let s = source(s);
            quote!(#private::Expression::Response(#s))
        }
    }
}
