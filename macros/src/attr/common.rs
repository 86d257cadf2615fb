//! What every attribute parser shares: the keywords, and one value per key.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitStr, Token};

pub(super) mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(guard);
    syn::custom_keyword!(wrap);
    syn::custom_keyword!(method);
    syn::custom_keyword!(callbacks);
    syn::custom_keyword!(links);
    syn::custom_keyword!(tag);
    syn::custom_keyword!(tags);
    syn::custom_keyword!(operation_id);
    syn::custom_keyword!(summary);
    syn::custom_keyword!(description);
    syn::custom_keyword!(responses);
    syn::custom_keyword!(status);
    syn::custom_keyword!(body);
    syn::custom_keyword!(content_type);
    syn::custom_keyword!(__scope);
    syn::custom_keyword!(security);
    syn::custom_keyword!(headers);
    syn::custom_keyword!(example);
    syn::custom_keyword!(examples);
    syn::custom_keyword!(request_example);
    syn::custom_keyword!(request_examples);
}

/// Parses `(name = <expr>, "other-name" = <expr>, ...)`: named examples, at
/// least one, each name once. `key` is the argument (`examples`), for errors.
pub(super) fn parse_named_examples(
    input: ParseStream,
    key: &str,
    key_span: Span,
) -> syn::Result<Vec<(LitStr, Expr)>> {
    let content;
    syn::parenthesized!(content in input);
    let mut examples: Vec<(LitStr, Expr)> = Vec::new();
    while !content.is_empty() {
        let name = if content.peek(LitStr) {
            non_empty(content.parse::<LitStr>()?, "an example's name")?
        } else {
            let ident: Ident = content.parse()?;
            LitStr::new(&ident.to_string(), ident.span())
        };
        content.parse::<Token![=]>()?;
        let value: Expr = content.parse()?;
        if examples
            .iter()
            .any(|(seen, _)| seen.value() == name.value())
        {
            return Err(syn::Error::new(
                name.span(),
                format!("example `{}` is given twice", name.value()),
            ));
        }
        examples.push((name, value));
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if examples.is_empty() {
        return Err(syn::Error::new(
            key_span,
            format!("`{key}(...)` names at least one example, as in `{key}(paid = ...)`"),
        ));
    }
    Ok(examples)
}

/// `example` beside `examples(...)` (or their `request_` forms), at the second.
pub(super) fn example_and_examples(span: Span, prefix: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`{prefix}example` and `{prefix}examples(...)` exclude each other: name the \
             one example in `{prefix}examples(...)`"
        ),
    )
}

/// Records a key seen once; a second occurrence is an error on that occurrence.
pub(super) fn once<T>(slot: &mut Option<T>, value: T, key: &str, span: Span) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(span, format!("duplicate `{key}` argument")));
    }
    *slot = Some(value);
    Ok(())
}

pub(super) fn non_empty(lit: LitStr, what: &str) -> syn::Result<LitStr> {
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("{what} must not be empty"),
        ));
    }
    Ok(lit)
}
