//! Each attribute macro on `proc_macro2` token streams: parse the attribute
//! (`attr/`) and the item (`ast.rs`), check them (`valid.rs`), expand
//! (`expand/`), or emit the item with the errors (`fallback.rs`). Kept apart
//! from the `proc_macro` entry points in `lib.rs`, so that the fuzz targets
//! (`fuzz/`) drive the same code with any attribute text.

use proc_macro2::{Span, TokenStream as TokenStream2};
use syn::parse::Parser;

use quote::ToTokens;

use crate::ast::Function;
use crate::attr::{self, CallbackArgs, RouteArgs, RouteMethod, WebhookArgs};
use crate::{expand, fallback, valid};

/// A route macro: `method` is the macro's own (`Some`), or `None` for `#[route]`.
/// The attribute's errors and the signature's are reported together.
pub(crate) fn expand_route(
    method: Option<&str>,
    args: TokenStream2,
    item: TokenStream2,
) -> TokenStream2 {
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
pub(crate) fn expand_routes(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
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
pub(crate) fn expand_scope(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
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

/// `#[webhook]`.
pub(crate) fn expand_webhook(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    expand_stub::<WebhookArgs>(args, item, webhook_stage)
}

/// `#[callback]`.
pub(crate) fn expand_callback(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    expand_stub::<CallbackArgs>(args, item, callback_stage)
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
