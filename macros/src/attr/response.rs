//! `responses(...)` and `headers(...)`: documented responses of a route or a stub.

use super::common::{example_and_examples, kw, non_empty, once, parse_named_examples};
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitInt, LitStr, Token, Type};

/// One entry of `responses(...)`: `(status = 404, description = "...", body = T)`.
pub struct ResponseArg {
    /// `"404"` or `"default"`.
    pub status: String,
    pub status_span: Span,
    pub description: LitStr,
    pub body: Option<Type>,
    pub content_type: Option<LitStr>,
    /// `headers(("Location", String), ("X-Left", u32, "Requests left"))`.
    pub headers: Vec<HeaderArg>,
    /// `example = <expr>`: any `Serialize` value, shown by Swagger UI.
    pub example: Option<Expr>,
    /// `examples(paid = <expr>, ...)`: named examples, in place of `example`.
    pub examples: Vec<(LitStr, Expr)>,
}

/// One response header: its name, the type of its values, what it means.
pub struct HeaderArg {
    pub name: LitStr,
    pub ty: Type,
    pub description: Option<LitStr>,
}

fn parse_headers(input: ParseStream) -> syn::Result<Vec<HeaderArg>> {
    let content;
    syn::parenthesized!(content in input);
    let mut headers: Vec<HeaderArg> = Vec::new();
    while !content.is_empty() {
        let entry;
        syn::parenthesized!(entry in content);
        let name: LitStr = entry.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "a header is `(\"Name\", Type)` or `(\"Name\", Type, \"what it means\")`",
            )
        })?;
        let name = non_empty(name, "a header's name")?;
        if headers
            .iter()
            .any(|header| header.name.value().eq_ignore_ascii_case(&name.value()))
        {
            return Err(syn::Error::new(
                name.span(),
                format!("header `{}` is listed twice", name.value()),
            ));
        }
        entry.parse::<Token![,]>()?;
        let ty: Type = entry.parse()?;
        let description = if entry.is_empty() {
            None
        } else {
            entry.parse::<Token![,]>()?;
            if entry.is_empty() {
                None
            } else {
                Some(entry.parse::<LitStr>()?)
            }
        };
        if !entry.is_empty() {
            return Err(entry.error("unexpected argument after the header's description"));
        }
        headers.push(HeaderArg {
            name,
            ty,
            description,
        });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(headers)
}

pub(super) fn parse_responses(input: ParseStream) -> syn::Result<Vec<ResponseArg>> {
    let content;
    syn::parenthesized!(content in input);
    let mut responses: Vec<ResponseArg> = Vec::new();
    while !content.is_empty() {
        let entry;
        let paren = syn::parenthesized!(entry in content);
        let response = parse_response(&entry, paren.span.join())?;
        if responses.iter().any(|r| r.status == response.status) {
            return Err(syn::Error::new(
                response.status_span,
                format!("status {} is documented twice", response.status),
            ));
        }
        responses.push(response);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(responses)
}

fn parse_response(input: ParseStream, whole: Span) -> syn::Result<ResponseArg> {
    let mut status: Option<(String, Span)> = None;
    let mut description: Option<LitStr> = None;
    let mut body: Option<Type> = None;
    let mut content_type: Option<LitStr> = None;
    let mut headers: Option<Vec<HeaderArg>> = None;
    let mut example: Option<Expr> = None;
    let mut examples: Option<Vec<(LitStr, Expr)>> = None;
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::status) {
            let key = input.parse::<kw::status>()?;
            input.parse::<Token![=]>()?;
            let value = if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                if lit.value() != "default" {
                    return Err(syn::Error::new(
                        lit.span(),
                        "a status is a number from 100 to 599, or \"default\"",
                    ));
                }
                ("default".to_owned(), lit.span())
            } else {
                let lit: LitInt = input.parse()?;
                match lit.base10_parse::<u16>() {
                    Ok(code @ 100..=599) => (code.to_string(), lit.span()),
                    _ => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "a status is a number from 100 to 599, or \"default\"",
                        ))
                    }
                }
            };
            once(&mut status, value, "status", key.span)?;
        } else if lookahead.peek(kw::description) {
            let key = input.parse::<kw::description>()?;
            input.parse::<Token![=]>()?;
            once(&mut description, input.parse()?, "description", key.span)?;
        } else if lookahead.peek(kw::body) {
            let key = input.parse::<kw::body>()?;
            input.parse::<Token![=]>()?;
            once(&mut body, input.parse()?, "body", key.span)?;
        } else if lookahead.peek(kw::content_type) {
            let key = input.parse::<kw::content_type>()?;
            input.parse::<Token![=]>()?;
            once(&mut content_type, input.parse()?, "content_type", key.span)?;
        } else if lookahead.peek(kw::headers) {
            let key = input.parse::<kw::headers>()?;
            once(&mut headers, parse_headers(input)?, "headers", key.span)?;
        } else if lookahead.peek(kw::examples) {
            let key = input.parse::<kw::examples>()?;
            if example.is_some() {
                return Err(example_and_examples(key.span, ""));
            }
            let named = parse_named_examples(input, "examples", key.span)?;
            once(&mut examples, named, "examples", key.span)?;
        } else if lookahead.peek(kw::example) {
            let key = input.parse::<kw::example>()?;
            if examples.is_some() {
                return Err(example_and_examples(key.span, ""));
            }
            input.parse::<Token![=]>()?;
            once(&mut example, input.parse()?, "example", key.span)?;
        } else if input.peek(Ident) {
            let unknown: Ident = input.parse()?;
            return Err(syn::Error::new(
                unknown.span(),
                format!(
                    "unknown response argument `{unknown}`: expected `status`, `description`, \
                     `body`, `content_type`, `headers(...)`, `example` or `examples(...)`"
                ),
            ));
        } else {
            return Err(lookahead.error());
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    let (status, status_span) = status.ok_or_else(|| {
        syn::Error::new(
            whole,
            "a response needs a `status`, as in `(status = 404, description = \"Not found\")`",
        )
    })?;
    let description = description.ok_or_else(|| {
        syn::Error::new(
            whole,
            "a response needs a `description` (OpenAPI requires one)",
        )
    })?;
    if content_type.is_some() && body.is_none() {
        return Err(syn::Error::new(whole, "`content_type` needs a `body` type"));
    }
    if example.is_some() && body.is_none() {
        return Err(syn::Error::new(whole, "`example` needs a `body` type"));
    }
    if examples.is_some() && body.is_none() {
        return Err(syn::Error::new(
            whole,
            "`examples(...)` needs a `body` type",
        ));
    }
    Ok(ResponseArg {
        status,
        status_span,
        description,
        body,
        content_type,
        headers: headers.unwrap_or_default(),
        example,
        examples: examples.unwrap_or_default(),
    })
}

/// The optional `, responses(...)` after a stub's required arguments; `what`
/// names the macro and those arguments for the error.
pub(super) fn parse_stub_responses(
    input: ParseStream,
    what: &str,
) -> syn::Result<Vec<ResponseArg>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    input.parse::<Token![,]>()?;
    if input.is_empty() {
        return Ok(Vec::new());
    }
    if !input.peek(kw::responses) {
        return Err(input.error(format!(
            "unexpected argument: {what}, then optionally `responses(...)`"
        )));
    }
    input.parse::<kw::responses>()?;
    let responses = parse_responses(input)?;
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        if !input.is_empty() {
            return Err(input.error(format!(
                "unexpected argument: {what}, then optionally `responses(...)`"
            )));
        }
    }
    Ok(responses)
}
