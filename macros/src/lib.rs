//! Procedural macros of hookspec. Use them through the `hookspec` crate, which
//! documents them and provides the runtime their expansions name.
//!
//! Each macro parses its attribute (`attr.rs`) and function (`ast.rs`), checks them
//! (`valid.rs`), and expands (`expand.rs`); on error it emits the original item plus
//! the errors (`fallback.rs`).

mod ast;
mod attr;
mod expand;
mod fallback;
mod path;
#[cfg(test)]
mod snapshots;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use syn::parse::Parser;

use quote::ToTokens;

use crate::ast::Function;
use crate::attr::{CallbackArgs, RouteArgs, RouteMethod, WebhookArgs};

/// A route macro: `method` is the macro's own (`Some`), or `None` for `#[route]`.
/// The attribute's errors and the signature's are reported together.
fn expand_route(method: Option<&str>, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let func: Function = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return fallback::with_errors(item, error),
    };
    let fixed = match method.map(RouteMethod::of_macro).transpose() {
        Ok(fixed) => fixed,
        Err(error) => return fallback::with_errors(item, error),
    };
    let mut errors = valid::Errors::default();
    valid::check_route_signature(&func, &mut errors);
    let spec = route_spec(&func, fixed, args, &mut errors);
    match (errors.finish(), spec) {
        (Ok(()), Some(spec)) => expand::route(&func, &[spec]),
        (Err(error), _) => fallback::with_errors(item, error),
        // A route is missing only after its error was reported.
        (Ok(()), None) => {
            fallback::with_errors(item, syn::Error::new(Span::call_site(), "invalid route"))
        }
    }
}

/// One route's attribute arguments, parsed and checked against the function.
fn route_spec(
    func: &Function,
    fixed: Option<RouteMethod>,
    args: TokenStream2,
    errors: &mut valid::Errors,
) -> Option<expand::RouteSpec> {
    let args = (|input: syn::parse::ParseStream| RouteArgs::parse(input, fixed))
        .parse2(args)
        .map_err(|error| errors.push(error))
        .ok()?;
    let checked = valid::check_route(&args, func)
        .map_err(|error| errors.push(error))
        .ok()?;
    Some(expand::RouteSpec { args, checked })
}

/// `#[routes]`: the method attributes under it, each a route of the one handler.
fn expand_routes(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let mut func: Function = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return fallback::with_errors(item, error),
    };
    let mut errors = valid::Errors::default();
    if let Some(first) = args.into_iter().next() {
        errors.push(syn::Error::new(
            first.span(),
            "`#[routes]` takes no arguments: put one method attribute per route under it, as \
             in `#[routes] #[get(\"/a\")] #[post(\"/b\")]`",
        ));
    }
    valid::check_route_signature(&func, &mut errors);
    let mut specs = Vec::new();
    let mut found_any = false;
    for attr in std::mem::take(&mut func.attrs) {
        let Some(macro_name) = attr::route_attribute(&attr) else {
            func.attrs.push(attr);
            continue;
        };
        found_any = true;
        let syn::Meta::List(list) = &attr.meta else {
            errors.push(syn::Error::new_spanned(
                attr.path(),
                format!("expected attribute arguments in parentheses: #[{macro_name}(...)]"),
            ));
            continue;
        };
        let fixed = match macro_name {
            "route" => None,
            name => match RouteMethod::of_macro(name) {
                Ok(method) => Some(method),
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            },
        };
        if let Some(spec) = route_spec(&func, fixed, list.tokens.clone(), &mut errors) {
            specs.push(spec);
        }
    }
    if !found_any {
        errors.push(syn::Error::new(
            Span::call_site(),
            "The #[routes] macro requires at least one `#[<method>(..)]` attribute.",
        ));
    }
    match errors.finish() {
        Ok(()) => expand::route(&func, &specs),
        // The function without its method attributes, which would expand (and
        // fail) on their own. (Like actix-web's, `#[routes]` reads them without
        // resolving them: they need no import.)
        Err(error) => fallback::with_errors(func.to_token_stream(), error),
    }
}

/// `#[scope("/prefix")] mod m { ... }`: the route attributes of the module's
/// functions get the prefix in front of their paths, so it is in both their
/// routing and their documentation.
fn expand_scope(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let prefix = match attr::scope_prefix(args) {
        Ok(prefix) => prefix,
        Err(error) => return fallback::with_errors(item, error),
    };
    let mut module: syn::ItemMod = match syn::parse2(item.clone()) {
        Ok(module) => module,
        Err(error) => {
            let error =
                syn::Error::new(error.span(), "#[scope] macro must be attached to a module");
            return fallback::with_errors(item, error);
        }
    };
    if let Some((_, items)) = &mut module.content {
        for item in items {
            if let syn::Item::Fn(function) = item {
                for attr in &mut function.attrs {
                    if attr::route_attribute(attr).is_some() {
                        attr::prefix_route_path(attr, &prefix.value(), &module.ident);
                    }
                }
            }
        }
    }
    module.into_token_stream()
}

/// `#[callback]` and `#[webhook]`: a stub whose signature is checked the same way
/// and whose body is never emitted. The attribute's errors and the signature's
/// are reported together (a misspelt key does not hide a wrong signature).
fn expand_stub<A: syn::parse::Parse>(
    args: TokenStream2,
    item: TokenStream2,
    stage: fn(&A, &Function, &mut valid::Errors) -> Option<TokenStream2>,
) -> TokenStream2 {
    let func: Function = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return fallback::with_errors(item, error),
    };
    let mut errors = valid::Errors::default();
    let args: Option<A> = syn::parse2(args).map_err(|error| errors.push(error)).ok();
    valid::check_signature(&func, &mut errors);
    valid::check_callback_arguments(&func, &mut errors);
    let expanded = args.and_then(|args| stage(&args, &func, &mut errors));
    match errors.finish() {
        Err(error) => fallback::callback_with_errors(&func, error),
        // A stage returns nothing only after reporting why.
        Ok(()) => expanded.unwrap_or_default(),
    }
}

/// `#[callback]`: its URL parsed and checked once, then quoted.
fn callback_stage(
    args: &CallbackArgs,
    func: &Function,
    errors: &mut valid::Errors,
) -> Option<TokenStream2> {
    let template = valid::check_callback_url(args, errors)?;
    Some(expand::callback(args, &template, func))
}

/// `#[webhook]`: nothing to check beyond the attribute and the signature.
fn webhook_stage(
    args: &WebhookArgs,
    func: &Function,
    _: &mut valid::Errors,
) -> Option<TokenStream2> {
    Some(expand::webhook(args, func))
}

macro_rules! method_macro {
    ($($name:ident => $method:literal,)*) => {$(
        #[doc = concat!("Registers and documents a `", $method, "` handler; see the `hookspec` crate.")]
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            expand_route(Some(stringify!($name)), args.into(), item.into()).into()
        }
    )*};
}

method_macro! {
    get => "GET",
    post => "POST",
    put => "PUT",
    patch => "PATCH",
    delete => "DELETE",
    head => "HEAD",
    options => "OPTIONS",
    trace => "TRACE",
    connect => "CONNECT",
}

/// Registers and documents one handler at several routes: one method attribute
/// (`#[get("/a")]`, `#[post("/b")]`, `#[route(...)]`) per route under it.
#[proc_macro_attribute]
pub fn routes(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_routes(args.into(), item.into()).into()
}

/// Puts a path prefix in front of the routes of a module's handlers.
#[proc_macro_attribute]
pub fn scope(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_scope(args.into(), item.into()).into()
}

/// Registers and documents a handler for the methods given by `method = "..."`.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_route(None, args.into(), item.into()).into()
}

/// Declares a webhook: an event the API sends to URLs its users registered. See the
/// `hookspec` crate.
#[proc_macro_attribute]
pub fn webhook(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_stub::<WebhookArgs>(args.into(), item.into(), webhook_stage).into()
}

/// Declares a callback: a request the API sends to its users. See the `hookspec` crate.
#[proc_macro_attribute]
pub fn callback(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_stub::<CallbackArgs>(args.into(), item.into(), callback_stage).into()
}
