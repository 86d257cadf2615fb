//! What every attribute parser shares: the keywords, and one value per key.

use proc_macro2::Span;
use syn::LitStr;

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
    syn::custom_keyword!(request_example);
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
