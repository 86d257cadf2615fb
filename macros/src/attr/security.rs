//! `security(...)`: the alternatives that admit a request.

use super::common::non_empty;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// `security("bearer", ("oauth", "read:invoices"), ...)`: alternatives, each a
/// scheme name, or a scheme with the OAuth 2 scopes it needs.
pub(super) fn parse_security(input: ParseStream) -> syn::Result<Vec<(LitStr, Vec<LitStr>)>> {
    let content;
    syn::parenthesized!(content in input);
    let mut alternatives = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            alternatives.push((
                non_empty(content.parse()?, "a security scheme's name")?,
                Vec::new(),
            ));
        } else if content.peek(syn::token::Paren) {
            let inner;
            syn::parenthesized!(inner in content);
            let mut names = Punctuated::<LitStr, Token![,]>::parse_terminated(&inner)?.into_iter();
            let Some(scheme) = names.next() else {
                return Err(inner.error(
                    "expected a scheme and its scopes, as in `(\"oauth\", \"read:invoices\")`",
                ));
            };
            alternatives.push((
                non_empty(scheme, "a security scheme's name")?,
                names.collect(),
            ));
        } else {
            return Err(content.error(
                "expected a security scheme's name, as in `\"bearer\"`, or a scheme with \
                 scopes, as in `(\"oauth\", \"read:invoices\")`",
            ));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(alternatives)
}
