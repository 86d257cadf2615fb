//! A route handler's expansion: the unit struct actix-web's macros generate, the wrapper that extracts through hookspec, and one `DocumentedRoute` per route.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Type};

use super::common::{cx_at, method_guard, method_variant, option_str, private};
use crate::ast::{Doc, Function};
use crate::attr::{ResponseArg, RouteArgs, RouteMethod};
use crate::valid::CheckedRoute;

/// The kinds of a handler's argument types (see the runtime's `undocumented.rs`),
/// as one tuple: each documented, a schema-less `Json`, an unknown extractor,
/// or an error; picked by autoref specialization on the concrete type, spanned
/// on it. Bound once as `__hookspec_kinds` and used by index, so each type's
/// kind is resolved once where it is used several times.
fn argument_kinds(types: &[&Type]) -> TokenStream {
    if types.is_empty() {
        return TokenStream::new();
    }
    let private = private();
    let kinds = types
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> (&&&&#private::Arg::<#ty>::NEW).kind()));
    quote! {
        #[allow(unused_imports)]
        let __hookspec_kinds = {
            use #private::{
                DocumentedKind as _, NotAnExtractorKind as _, SchemalessJsonKind as _,
                UnknownExtractorKind as _,
            };
            (#(#kinds,)*)
        };
    }
}

/// `__hookspec_kinds.<index>`, spanned on the argument's type.
fn kind_of(index: usize, ty: &Type) -> TokenStream {
    let index = syn::Index {
        index: index as u32,
        span: ty.span(),
    };
    quote_spanned!(ty.span()=> __hookspec_kinds.#index)
}

/// The generated unit struct that stands for the function, as actix-web's macros do.
pub(super) fn unit_struct(func: &Function) -> TokenStream {
    let name = &func.sig.ident;
    let vis = &func.vis;
    let docs = func.doc_attrs();
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

    }
}

/// The type whose `OperationOutput` documents the handler's responses: what an
/// `async fn` returns, the `Output` of a plain `fn`'s future; `impl Trait` inside
/// it (`Result<impl Responder>`) documented as a generic success. `None`: only
/// a generic success is known.
fn response_type(func: &Function) -> Option<Type> {
    let ty = func.return_type()?;
    if func.sig.asyncness.is_some() {
        return Some(opaque_impls(ty));
    }
    match ty {
        Type::ImplTrait(bounds) => future_output(bounds).map(opaque_impls),
        // A named future type (`Ready<Result<HttpResponse, Error>>`).
        ty => {
            let ty = opaque_impls(ty);
            Some(syn::parse_quote_spanned!(ty.span()=>
                <#ty as ::core::future::IntoFuture>::Output))
        }
    }
}

/// `X` of `impl Future<Output = X>`.
fn future_output(bounds: &syn::TypeImplTrait) -> Option<&Type> {
    bounds.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `ty` with every `impl Trait` in it replaced by the runtime's `Opaque`: a type
/// can be named in a path (`<T as OperationOutput>`) only without them.
fn opaque_impls(ty: &Type) -> Type {
    let mut ty = ty.clone();
    replace_impls(&mut ty);
    ty
}

fn replace_impls(ty: &mut Type) {
    match ty {
        Type::ImplTrait(bounds) => {
            let span = bounds.impl_token.span;
            *ty = syn::parse_quote_spanned!(span=> ::hookspec::__private::Opaque);
        }
        Type::Path(path) => {
            if let Some(qself) = &mut path.qself {
                replace_impls(&mut qself.ty);
            }
            for segment in &mut path.path.segments {
                if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let syn::GenericArgument::Type(inner) = arg {
                            replace_impls(inner);
                        }
                    }
                }
            }
        }
        Type::Reference(reference) => replace_impls(&mut reference.elem),
        Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(replace_impls),
        Type::Array(array) => replace_impls(&mut array.elem),
        Type::Slice(slice) => replace_impls(&mut slice.elem),
        Type::Paren(paren) => replace_impls(&mut paren.elem),
        Type::Group(group) => replace_impls(&mut group.elem),
        _ => {}
    }
}

fn describe_output(func: &Function) -> TokenStream {
    let private = private();
    match response_type(func) {
        None => quote!(<#private::Opaque as #private::OperationOutput>::describe(__cx);),
        // Documented, an unknown responder, or an error, as for arguments.
        Some(ty) => quote_spanned! {ty.span()=>
            {
                #[allow(unused_imports)]
                use #private::{
                    DocumentedOutputKind as _, NotAResponderKind as _, UnknownResponderKind as _,
                };
                (&&&#private::Ret::<#ty>::NEW).kind().describe(__cx);
            }
        },
    }
}

/// One route of a handler: its attribute, and what the checks established.
pub struct RouteSpec {
    pub args: RouteArgs,
    pub checked: CheckedRoute,
}

/// A handler with its routes: one for `#[get]` and the others, several under
/// `#[routes]` (each its own operation; operation ids `<fn>_<n>`).
pub fn route(func: &Function, routes: &[RouteSpec]) -> TokenStream {
    let private = private();
    let name = &func.sig.ident;
    let handler_name = name.to_string();

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
    // The closure's parameter types are inferred from these calls, not
    // written: written, an elided lifetime in them (`Data<Handlebars<'_>>`)
    // would be a fresh one the handler's `'static` bound refuses.
    let types: Vec<&Type> = arguments.iter().map(|arg| arg.ty).collect();
    let kinds = argument_kinds(&types);
    let conversions = types
        .iter()
        .zip(&arg_names)
        .enumerate()
        .map(|(i, (ty, var))| {
            let kind = kind_of(i, ty);
            quote_spanned!(ty.span()=> #kind.argument(#var))
        });
    // Whether an argument can send a callback for the request: only then do the
    // body extractors keep the body for `$request.body`.
    let sends = types.iter().enumerate().map(|(i, ty)| {
        let kind = kind_of(i, ty);
        quote_spanned!(ty.span()=> #kind.sends_callbacks())
    });
    let sends = quote!(false #(|| #sends)*);

    let doc = func.doc();
    let deprecated = func.is_deprecated();
    let describe_inputs: Vec<TokenStream> = types
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let kind = kind_of(i, ty);
            let cx = cx_at(ty.span());
            quote_spanned!(ty.span()=> #kind.describe(#cx);)
        })
        .collect();
    let describe_output = describe_output(func);
    let handler = Handler {
        private: &private,
        name,
        handler_name: &handler_name,
        doc: &doc,
        deprecated,
        several: routes.len() > 1,
        kinds: &kinds,
        describe_inputs: &describe_inputs,
        describe_output: &describe_output,
    };
    let registrations = routes.iter().map(|spec| handler.registration(&spec.args));
    let documented_routes = routes
        .iter()
        .enumerate()
        .map(|(index, spec)| handler.documented_route(index, spec));
    let callback_path_checks = callback_path_checks(&private, routes);
    let link_path_checks = link_path_checks(&private, routes);
    let unit_struct = unit_struct(func);
    let call = quote!(#name(#(#conversions),*));
    // A plain `fn` must return a future: checked at its `fn` token, which
    // also spares the user actix-web's error about the whole closure.
    let call = match func.sig.asyncness {
        Some(_) => call,
        None => {
            let returned = Ident::new("__hookspec_returned", func.sig.fn_token.span);
            quote! {
                let #returned = #call;
                #private::handler_future(#returned)
            }
        }
    };

    quote! {
        #unit_struct

        impl #private::actix_web::dev::HttpServiceFactory for #name {
            fn register(self, __config: &mut #private::actix_web::dev::AppService) {
                #(#other_attrs)*
                #sig #body

                // A closure returning the handler's own future: no second async
                // state machine per handler (cheaper to compile, nothing to poll).
                #kinds
                #[allow(deprecated, clippy::too_many_arguments)]
                let __hookspec_handler = move |#(#arg_names),*| {
                    #call
                };
                #[allow(deprecated)]
                let __hookspec_sends = #sends;

                #(#registrations)*
            }
        }

        impl #private::DocumentedOperation for #name {
            const ROUTES: &'static [#private::DocumentedRoute] = &[#(#documented_routes),*];
        }

        #(#callback_path_checks)*
        #(#link_path_checks)*
    }
}

/// What every route of one handler shares in its expansion.
struct Handler<'a> {
    private: &'a TokenStream,
    name: &'a Ident,
    handler_name: &'a str,
    doc: &'a Doc,
    deprecated: bool,
    /// Several routes (`#[routes]`): operation ids get a number each.
    several: bool,
    kinds: &'a TokenStream,
    describe_inputs: &'a [TokenStream],
    describe_output: &'a TokenStream,
}

impl Handler<'_> {
    /// Registers one route's resource with actix-web: path, name, method guard,
    /// the attribute's guards and wraps, the wrapper as its handler.
    fn registration(&self, args: &RouteArgs) -> TokenStream {
        let private = self.private;
        let path = &args.path;
        let resource_name = args
            .resource_name
            .clone()
            .unwrap_or_else(|| LitStr::new(self.handler_name, self.name.span()));
        let mut methods = args.methods.iter().map(method_guard);
        let first = methods.next();
        // One method is its own guard, as in actix-web's macros: an `Any` of one
        // costs a call per request.
        let method_guard = if args.methods.len() == 1 {
            quote!(#first)
        } else {
            quote!(#private::actix_web::guard::Any(#first) #(.or(#methods))*)
        };
        let guards = args
            .guards
            .iter()
            .map(|guard| quote!(.guard(#private::actix_web::guard::fn_guard(#guard))));
        let wraps = args.wraps.iter().map(|wrap| quote!(.wrap(#wrap)));
        quote! {
            let __resource = #private::actix_web::Resource::new(#path)
                .name(#resource_name)
                .guard(#method_guard)
                #(#guards)*
                #(#wraps)*
                .to(__hookspec_handler);
            let __resource = #private::keep_request_bodies(__resource, __hookspec_sends);
            #private::actix_web::dev::HttpServiceFactory::register(__resource, __config);
        }
    }

    /// One route's `DocumentedRoute`: its facts and its `describe` function.
    fn documented_route(&self, index: usize, spec: &RouteSpec) -> TokenStream {
        let private = self.private;
        let handler_name = self.handler_name;
        let deprecated = self.deprecated;
        let kinds = self.kinds;
        let describe_inputs = self.describe_inputs;
        let describe_output = self.describe_output;
        let RouteSpec { args, checked } = spec;
        let path = &args.path;
        let summary = option_str(
            args.summary
                .as_ref()
                .map(LitStr::value)
                .or_else(|| self.doc.summary.clone()),
        );
        let description = option_str(
            args.description
                .as_ref()
                .map(LitStr::value)
                .or_else(|| self.doc.description.clone()),
        );
        let base_id = match &args.scope_module {
            Some(module) => format!("{}_{}", module.value(), self.handler_name),
            None => self.handler_name.to_owned(),
        };
        let operation_id = match &args.operation_id {
            Some(id) => id.value(),
            None if self.several => format!("{base_id}_{}", index + 1),
            None => base_id,
        };
        let tags = args.tags.iter();
        let documented = args.methods.iter().filter_map(|method| match method {
            RouteMethod::Documented(method) => Some(method_variant(method)),
            RouteMethod::Other { .. } => None,
        });
        let others = args.methods.iter().filter_map(|method| match method {
            RouteMethod::Documented(_) => None,
            RouteMethod::Other { http } => Some(http),
        });
        let openapi_path = &checked.template.openapi;
        let path_parameters = &checked.template.names;
        let security = match &args.security {
            None => quote!(::core::option::Option::None),
            Some(alternatives) => {
                let alternatives = alternatives.iter().map(|(scheme, scopes)| {
                    quote!(#private::RequirementMeta { scheme: #scheme, scopes: &[#(#scopes),*] })
                });
                quote!(::core::option::Option::Some(&[#(#alternatives),*]))
            }
        };
        let extra_responses = extra_responses(&args.responses);
        let request_example = args.request_example.as_ref().map(|example| {
            let cx = cx_at(example.span());
            quote_spanned! {example.span()=>
                #cx.set_request_example(#private::serde_json::to_value(&(#example)).ok());
            }
        });
        let request_examples = args.request_examples.iter().flatten().map(|(name, example)| {
            let cx = cx_at(example.span());
            quote_spanned! {example.span()=>
                #cx.add_request_example(#name, #private::serde_json::to_value(&(#example)).ok());
            }
        });
        let callbacks = args.callbacks.iter().map(|callback| {
            let cx = cx_at(callback.span());
            quote_spanned!(callback.span()=> (const { #private::callback_use(&#callback) }.add)(#cx);)
        });
        let links = args.links.iter().map(|link| {
            let target = &link.target;
            let cx = cx_at(target.span());
            let name = link_name(target);
            let parameters = link
                .parameters
                .iter()
                .map(|(parameter, expression)| quote!((#parameter, #expression)));
            quote_spanned! {target.span()=>
                #private::add_link(
                    #cx,
                    #name,
                    <#target as #private::DocumentedOperation>::ROUTES,
                    &[#(#parameters),*],
                );
            }
        });
        quote! {
            #private::DocumentedRoute {
                meta: #private::OperationMeta {
                    handler: #handler_name,
                    source: ::core::concat!(::core::file!(), ":", ::core::line!()),
                    methods: &[#(#documented),*],
                    other_methods: &[#(#others),*],
                    path: #path,
                    openapi_path: #openapi_path,
                    path_parameters: &[#(#path_parameters),*],
                    operation_id: #operation_id,
                    summary: #summary,
                    description: #description,
                    tags: &[#(#tags),*],
                    deprecated: #deprecated,
                    security: #security,
                },
                describe: {
                    fn __hookspec_describe(__cx: &mut #private::OperationContext<'_>) {
                        #kinds
                        #(#describe_inputs)*
                        #request_example
                        #(#request_examples)*
                        #describe_output
                        #(#extra_responses)*
                        #(#callbacks)*
                        #(#links)*
                    }
                    __hookspec_describe
                },
            }
        }
    }
}

/// Each callback's `$request.path.x` must be a parameter of the route's path:
/// checked by const evaluation, so the error is a compile error at the
/// callback's name.
fn callback_path_checks<'a>(
    private: &'a TokenStream,
    routes: &'a [RouteSpec],
) -> impl Iterator<Item = TokenStream> + 'a {
    routes.iter().flat_map(move |RouteSpec { args, checked }| {
        let path_parameters = &checked.template.names;
        args.callbacks.iter().map(move |callback| {
            quote_spanned! {callback.span()=>
                const _: () = match #private::unknown_path_parameter(
                    #private::callback_use(&#callback).path_references,
                    &[#(#path_parameters),*],
                ) {
                    ::core::option::Option::Some(message) => ::core::panic!("{}", message),
                    ::core::option::Option::None => (),
                };
            }
        })
    })
}

/// A link's name in the document: its target's path as written, without
/// spaces (`get_invoice`, `v1::get_invoice`).
fn link_name(target: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(target)
        .to_string()
        .replace(' ', "")
}

/// Each link's `"path.x"` parameter must be a parameter of its target's path:
/// checked by const evaluation against the target's first route, so the error
/// is a compile error at the parameter. (Other parameters are checked against
/// the target's described operation by `Api::check`.)
fn link_path_checks<'a>(
    private: &'a TokenStream,
    routes: &'a [RouteSpec],
) -> impl Iterator<Item = TokenStream> + 'a {
    routes.iter().flat_map(move |RouteSpec { args, .. }| {
        args.links.iter().flat_map(move |link| {
            let target = &link.target;
            let target_name = link_name(target);
            link.parameters.iter().filter_map(move |(parameter, _)| {
                let value = parameter.value();
                let name = value.strip_prefix("path.")?.to_owned();
                let message = format!(
                    "the link to `{target_name}` fills path parameter `{name}`, which its \
                     path does not have"
                );
                Some(quote_spanned! {parameter.span()=>
                    const _: () = match #private::unknown_path_parameter(
                        &[#private::PathReference { name: #name, message: #message }],
                        <#target as #private::DocumentedOperation>::ROUTES[0].meta.path_parameters,
                    ) {
                        ::core::option::Option::Some(message) => ::core::panic!("{}", message),
                        ::core::option::Option::None => (),
                    };
                })
            })
        })
    })
}

/// The `responses(...)` of an attribute, added to the operation.
pub(super) fn extra_responses(responses: &[ResponseArg]) -> Vec<TokenStream> {
    let private = private();
    responses
        .iter()
        .map(|response| {
            let status = &response.status;
            let description = &response.description;
            let base = match &response.body {
                None => quote!(#private::Response::new(#description)),
                Some(ty) => {
                    let content_type = response
                        .content_type
                        .as_ref()
                        .map_or_else(|| quote!("application/json"), |ct| quote!(#ct));
                    quote_spanned! {ty.span()=>
                        #private::Response::with_body(
                            #description,
                            #content_type,
                            __cx.schemas().reference::<#ty>(),
                        )
                    }
                }
            };
            let headers = response.headers.iter().map(|header| {
                let name = &header.name;
                let ty = &header.ty;
                let description = option_str(header.description.as_ref().map(LitStr::value));
                quote_spanned! {ty.span()=>
                    .with_header(#name, #description, __cx.schemas().reference::<#ty>())
                }
            });
            let example = response.example.as_ref().map(|example| {
                quote_spanned! {example.span()=>
                    .with_example(#private::serde_json::to_value(&(#example)).ok())
                }
            });
            let examples = response.examples.iter().map(|(name, example)| {
                quote_spanned! {example.span()=>
                    .with_named_example(#name, #private::serde_json::to_value(&(#example)).ok())
                }
            });
            quote! {
                let __response = #base #(#headers)* #example #(#examples)*;
                __cx.add_response(#status, __response);
            }
        })
        .collect()
}
