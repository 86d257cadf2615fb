//! A typed view of the annotated function: its signature parsed, its body kept as
//! raw tokens (the route macros copy it, `#[callback]` drops it), its doc comment
//! split into summary and description.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, FnArg, Lit, Meta, ReturnType, Signature, Type, Visibility};

/// The annotated function.
pub struct Function {
    /// Every outer attribute, as written.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    /// The body, braces included, unparsed.
    pub body: TokenStream,
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "hookspec's macros go on functions, as in `async fn create_invoice(...)`",
            )
        })?;
        let body: TokenStream = input.parse()?;
        Ok(Function {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// The function as written (after a macro removed attributes of its own).
impl quote::ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        tokens.extend(self.body.clone());
    }
}

/// One typed argument of the function.
pub struct Argument<'a> {
    pub ty: &'a Type,
}

impl Function {
    /// The typed arguments, in order (a `self` receiver is rejected in `valid.rs`).
    pub fn arguments(&self) -> Vec<Argument<'_>> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(typed) => Some(Argument { ty: &typed.ty }),
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The return type, or `None` for `-> ()` written or implied.
    pub fn return_type(&self) -> Option<&Type> {
        match &self.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => match &**ty {
                Type::Tuple(tuple) if tuple.elems.is_empty() => None,
                ty => Some(ty),
            },
        }
    }

    /// `#[doc]` attributes.
    pub fn doc_attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter().filter(|attr| attr.path().is_ident("doc"))
    }

    /// Attributes other than `#[doc]`, which stay on the handler function.
    pub fn other_attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs
            .iter()
            .filter(|attr| !attr.path().is_ident("doc"))
    }

    /// Whether the function is `#[deprecated]`.
    pub fn is_deprecated(&self) -> bool {
        self.attrs
            .iter()
            .any(|attr| attr.path().is_ident("deprecated"))
    }

    /// The doc comment: first paragraph as summary, the rest as description.
    pub fn doc(&self) -> Doc {
        let lines: Vec<String> = self
            .doc_attrs()
            .filter_map(|attr| match &attr.meta {
                Meta::NameValue(pair) => match &pair.value {
                    Expr::Lit(lit) => match &lit.lit {
                        Lit::Str(text) => Some(text.value()),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            })
            // `split`, not `lines`: an empty `///` line is a paragraph break to keep.
            .flat_map(|text| text.split('\n').map(str::to_owned).collect::<Vec<_>>())
            .collect();
        Doc::from_lines(&lines)
    }
}

/// A doc comment split the way OpenAPI wants it.
#[derive(Debug, Default, PartialEq)]
pub struct Doc {
    pub summary: Option<String>,
    pub description: Option<String>,
}

impl Doc {
    /// `/// text` gives `" text"`: one leading space is markup, not content.
    pub fn from_lines(lines: &[String]) -> Doc {
        let lines: Vec<&str> = lines
            .iter()
            .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
            .collect();
        let start = lines.iter().position(|line| !line.trim().is_empty());
        let Some(start) = start else {
            return Doc::default();
        };
        let lines = &lines[start..];
        let end = lines
            .iter()
            .position(|line| line.trim().is_empty())
            .unwrap_or(lines.len());
        let summary = lines[..end]
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let description = lines[end..].join("\n").trim().to_owned();
        Doc {
            summary: Some(summary),
            description: (!description.is_empty()).then_some(description),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[&str]) -> Doc {
        Doc::from_lines(&lines.iter().map(|l| l.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn first_paragraph_is_summary() {
        let doc = doc(&[
            " Create an invoice.",
            "",
            " Sends the invoice to the client,",
            " then notifies the API user.",
            "",
            " Second paragraph.",
        ]);
        assert_eq!(doc.summary.as_deref(), Some("Create an invoice."));
        assert_eq!(
            doc.description.as_deref(),
            Some("Sends the invoice to the client,\nthen notifies the API user.\n\nSecond paragraph.")
        );
    }

    #[test]
    fn multi_line_summary_is_joined() {
        let doc = doc(&["", " Create", " an invoice."]);
        assert_eq!(doc.summary.as_deref(), Some("Create an invoice."));
        assert_eq!(doc.description, None);
    }

    #[test]
    fn no_doc_gives_nothing() {
        assert_eq!(doc(&[]), Doc::default());
        assert_eq!(doc(&["", "  "]), Doc::default());
    }
}
