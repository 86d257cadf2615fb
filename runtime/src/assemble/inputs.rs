//! What assembly is given (handlers under their scopes, the API's security)
//! and what it reports ([`SpecError`]).

use std::collections::BTreeMap;

use std::fmt;

use crate::context::OperationContext;
use crate::meta::OperationMeta;
use crate::security::{SecurityRequirement, SecurityScheme};

/// One handler as registered on the [`Api`](crate::api::Api).
#[derive(Clone, Copy)]
pub(crate) struct Registration {
    pub meta: &'static OperationMeta,
    pub describe: fn(&mut OperationContext<'_>),
}

/// A registration under the scope prefix it was mounted with.
#[derive(Clone)]
pub(crate) struct ScopedRoute {
    pub prefix: String,
    pub registration: Registration,
    /// The security of the `Api::scope` the handler is in, for operations
    /// that state none of their own.
    pub security: Option<Vec<SecurityRequirement>>,
}

/// An API's authentication: its schemes and its document-level requirements.
#[derive(Clone, Debug, Default)]
pub(crate) struct ApiSecurity {
    pub schemes: BTreeMap<String, SecurityScheme>,
    /// `None`: not stated; `Some(vec![])`: no authentication.
    pub requirements: Option<Vec<SecurityRequirement>>,
}

/// Everything wrong with an API's document, found at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    problems: Vec<String>,
}

impl SpecError {
    pub(crate) fn new(problems: Vec<String>) -> Self {
        SpecError { problems }
    }

    /// One message per problem, each naming the handlers involved.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the OpenAPI document cannot be built:")?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Joins a scope prefix and a path (`/v1` + `/invoices/` → `/v1/invoices/`).
pub(crate) fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.trim_end_matches('/'), path) {
        ("", path) => path.to_owned(),
        (prefix, "") => prefix.to_owned(),
        (prefix, path) if path.starts_with('/') => format!("{prefix}{path}"),
        (prefix, path) => format!("{prefix}/{path}"),
    }
}

/// Where an operation came from, for messages.
pub(super) fn describe_handler(meta: &OperationMeta) -> String {
    format!("`{}` ({})", meta.handler, meta.source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_prefixes_join_paths_with_one_slash() {
        assert_eq!(join_path("", "/invoices"), "/invoices");
        assert_eq!(join_path("/v1", "/invoices"), "/v1/invoices");
        assert_eq!(join_path("/v1/", "/invoices"), "/v1/invoices");
        assert_eq!(join_path("/v1", "invoices"), "/v1/invoices");
        assert_eq!(join_path("/v1", ""), "/v1");
    }

    #[test]
    fn a_spec_error_lists_every_problem() {
        let error = SpecError::new(vec!["first".into(), "second".into()]);
        assert_eq!(error.problems(), ["first", "second"]);
        assert_eq!(
            error.to_string(),
            "the OpenAPI document cannot be built:\n  - first\n  - second\n"
        );
    }
}
