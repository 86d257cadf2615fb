//! `#[callback]` and `#[webhook]` arguments.

use super::common::non_empty;
use super::method::MethodArg;
use super::response::{parse_stub_responses, ResponseArg};
use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The arguments of `#[callback(method, "url template")]`.
pub struct CallbackArgs {
    pub method: MethodArg,
    pub url: LitStr,
    /// The literal's text, which the checked template borrows.
    pub url_text: String,
    /// Replies the return type does not show, as on routes.
    pub responses: Vec<ResponseArg>,
}

impl Parse for CallbackArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing method and URL: write `#[callback(post, \"{$request.query.callback_url}/...\")]`",
            ));
        }
        let method: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the callback's HTTP method first, as in `post`",
            )
        })?;
        let method = MethodArg::from_name(&method.to_string(), method.span())?;
        if input.is_empty() {
            return Err(syn::Error::new(
                method.span,
                "missing URL: write `#[callback(post, \"{$request.query.callback_url}/...\")]`",
            ));
        }
        input.parse::<Token![,]>()?;
        let url: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the callback URL as a string literal of runtime expressions",
            )
        })?;
        let responses = parse_stub_responses(input, "`#[callback]` takes a method and a URL")?;
        let url_text = url.value();
        Ok(CallbackArgs {
            method,
            url,
            url_text,
            responses,
        })
    }
}

/// The arguments of `#[webhook("name")]` or `#[webhook(method, "name")]`.
pub struct WebhookArgs {
    pub method: MethodArg,
    pub name: LitStr,
    /// Replies the return type does not show, as on routes.
    pub responses: Vec<ResponseArg>,
}

impl Parse for WebhookArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing name: write `#[webhook(\"new-subscription\")]` or `#[webhook(put, \"new-subscription\")]`",
            ));
        }
        let method = if input.peek(Ident) {
            let method: Ident = input.parse()?;
            let method = MethodArg::from_name(&method.to_string(), method.span())?;
            input.parse::<Token![,]>()?;
            method
        } else {
            MethodArg::from_name("post", Span::call_site())?
        };
        let name: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the webhook's name as a string literal, as in `\"new-subscription\"`",
            )
        })?;
        let name = non_empty(name, "a webhook's name")?;
        let responses =
            parse_stub_responses(input, "`#[webhook]` takes an optional method and a name")?;
        Ok(WebhookArgs {
            method,
            name,
            responses,
        })
    }
}
