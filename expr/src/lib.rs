//! OpenAPI runtime expressions, the one grammar implementation of hookspec.
//!
//! A callback's URL is a template such as
//! `{$request.query.callback_url}/invoices/{$request.body#/id}`: literal text with
//! [runtime expressions](https://spec.openapis.org/oas/v3.1.0#runtime-expressions)
//! embedded in braces. `hookspec`'s macros parse templates with [`parse_template`]
//! when the user's code compiles, so a malformed one is a compile error, and emit the
//! parsed form as `'static` data ([`UrlTemplate::from_static`]). The runtime prints
//! that form into the OpenAPI document (and later evaluates it against a request)
//! without parsing again.
//!
//! The grammar follows the ABNF of OpenAPI 3.1, section 4.8.20.4:
//!
//! ```text
//! expression = "$url" / "$method" / "$statusCode"
//!            / "$request." source / "$response." source
//! source     = header-reference / query-reference / path-reference / body-reference
//! header-reference = "header." token
//! query-reference  = "query." name
//! path-reference   = "path." name
//! body-reference   = "body" ["#" json-pointer ]
//! ```

#![deny(missing_docs)]

mod model;
mod parse;

pub use model::{Expression, JsonPointer, Segment, Source, UrlTemplate};
pub use parse::{parse_expression, parse_template, ParseError};
