//! `#[callback]` and `#[webhook]` stubs: a unit struct implementing the declaration, its URL template as static data.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Type;

use hookspec_expr::{Expression, Segment, Source, UrlTemplate};

use super::common::{method_variant, option_str, private};
use super::route::{extra_responses, unit_struct};
use crate::ast::{Doc, Function};
use crate::attr::{CallbackArgs, ResponseArg, WebhookArgs};

pub fn callback(args: &CallbackArgs, template: &UrlTemplate<'_>, func: &Function) -> TokenStream {
    let private = private();
    let name = &func.sig.ident;
    let callback_name = name.to_string();
    let method = method_variant(&args.method);
    let url = template_tokens(template);
    // Written once here, not formatted from the segments by every document.
    let url_text = template.to_string();
    let (summary, description, deprecated) = stub_docs(func);
    // `valid.rs` allows at most one argument: the body.
    let (payload, answer) = stub_types(func);
    let unit_struct = unit_struct(func);
    let path_references = path_references(&callback_name, template);
    let stub_describe = stub_describe(&args.responses);

    quote! {
        #unit_struct

        impl #private::CallbackDeclaration for #name {
            const META: #private::CallbackMeta = #private::CallbackMeta {
                name: #callback_name,
                source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                method: #method,
                url: #url,
                url_text: #url_text,
                summary: #summary,
                description: #description,
                deprecated: #deprecated,
            };

            const PATH_REFERENCES: &'static [#private::PathReference] = &[#(#path_references),*];

            type Payload = #payload;
            type Answer = #answer;

            #stub_describe
        }
    }
}

/// A stub's `describe`, when it has `responses(...)` to add to what its types
/// document (otherwise the trait's default).
fn stub_describe(responses: &[ResponseArg]) -> TokenStream {
    if responses.is_empty() {
        return TokenStream::new();
    }
    let private = private();
    let extra_responses = extra_responses(responses);
    quote! {
        fn describe(__cx: &mut #private::OperationContext<'_>) {
            <Self::Payload as #private::CallbackBody>::describe(__cx);
            <Self::Answer as #private::CallbackReply>::describe(__cx);
            #(#extra_responses)*
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
    let stub_describe = stub_describe(&args.responses);

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

            #stub_describe
        }
    }
}

/// One `PathReference` per `$request.path.x` of the URL, with its compile error.
pub(super) fn path_references(callback: &str, template: &UrlTemplate<'_>) -> Vec<TokenStream> {
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
