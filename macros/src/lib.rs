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

use crate::ast::Function;
use crate::attr::{CallbackArgs, MethodArg, RouteArgs, WebhookArgs};

/// A route macro: `method` is the macro's own (`Some`), or `None` for `#[route]`.
fn expand_route(method: Option<&str>, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let func: Function = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return fallback::with_errors(item, error),
    };
    let fixed = method.map(|name| MethodArg::from_name(name, Span::call_site()));
    let fixed = match fixed.transpose() {
        Ok(fixed) => fixed,
        Err(error) => return fallback::with_errors(item, error),
    };
    let args = match (|input: syn::parse::ParseStream| RouteArgs::parse(input, fixed)).parse2(args)
    {
        Ok(args) => args,
        Err(error) => {
            // Reported with what is wrong with the signature, if anything.
            let mut errors = valid::Errors::default();
            valid::check_route_signature(&func, &mut errors);
            return fallback::with_errors(item, errors.fail_with(error));
        }
    };
    match valid::check_route(&args, &func) {
        Ok(checked) => expand::route(&args, &func, &checked),
        Err(error) => fallback::with_errors(item, error),
    }
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
