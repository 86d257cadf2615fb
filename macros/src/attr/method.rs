//! HTTP methods as the route macros and `method = "..."` name them.

use proc_macro2::Span;
use syn::LitStr;

/// The HTTP methods OpenAPI can document, as the macros and `method = "..."` name them.
pub const METHODS: [(&str, &str); 8] = [
    ("get", "Get"),
    ("put", "Put"),
    ("post", "Post"),
    ("delete", "Delete"),
    ("options", "Options"),
    ("head", "Head"),
    ("patch", "Patch"),
    ("trace", "Trace"),
];

/// One method, with where it was written.
#[derive(Clone)]
pub struct MethodArg {
    /// Lower-case name: `post`.
    pub name: &'static str,
    /// The runtime's `Method` variant: `Post`.
    pub variant: &'static str,
    pub span: Span,
}

impl MethodArg {
    pub fn from_name(name: &str, span: Span) -> syn::Result<Self> {
        let lower = name.to_ascii_lowercase();
        METHODS
            .iter()
            .find(|(method, _)| *method == lower)
            .map(|(name, variant)| MethodArg {
                name,
                variant,
                span,
            })
            .ok_or_else(|| {
                syn::Error::new(
                    span,
                    format!(
                        "unknown HTTP method `{name}`: expected one of GET, PUT, POST, DELETE, \
                         OPTIONS, HEAD, PATCH, TRACE"
                    ),
                )
            })
    }
}

/// A method a route answers: one every OpenAPI version documents, or one only
/// OpenAPI 3.2 does (`QUERY`, `CONNECT`, custom methods such as `HELLO`), which
/// is routed always and left out of the 3.1 and 3.0 documents.
#[derive(Clone)]
pub enum RouteMethod {
    Documented(MethodArg),
    Other {
        /// As sent: `CONNECT`, `HELLO`.
        http: String,
    },
}

impl RouteMethod {
    /// The method macros' own method, by the macro's name (`post`, `connect`).
    pub fn of_macro(name: &str) -> syn::Result<Self> {
        if name == "connect" {
            return Ok(RouteMethod::Other {
                http: "CONNECT".to_owned(),
            });
        }
        MethodArg::from_name(name, Span::call_site()).map(RouteMethod::Documented)
    }

    /// `method = "..."` of `#[route]`: upper case, as actix-web requires; any
    /// token is a method (RFC 9110), documented if OpenAPI knows it.
    pub(super) fn from_literal(lit: &LitStr) -> syn::Result<Self> {
        let name = lit.value();
        if name != name.to_ascii_uppercase() {
            return Err(syn::Error::new(
                lit.span(),
                format!("HTTP method must be uppercase: `{name}`"),
            ));
        }
        let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(is_tchar) {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`{name}` is not an HTTP method: a method is a token of letters, digits \
                     and ! # $ % & ' * + - . ^ _ ` | ~"
                ),
            ));
        }
        match MethodArg::from_name(&name, lit.span()) {
            Ok(method) => Ok(RouteMethod::Documented(method)),
            Err(_) => Ok(RouteMethod::Other { http: name }),
        }
    }

    /// The name as sent: `GET`, `HELLO`.
    pub fn http(&self) -> String {
        match self {
            RouteMethod::Documented(method) => method.name.to_ascii_uppercase(),
            RouteMethod::Other { http } => http.clone(),
        }
    }
}
