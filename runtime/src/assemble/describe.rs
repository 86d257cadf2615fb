//! Describing: one operation from its handler's signature, its security
//! settled; and the webhooks. What is checked of them is `checks.rs`.

use std::collections::{BTreeMap, BTreeSet};

// foldhash: see `checks.rs`.
use foldhash::{HashMap, HashMapExt};

use super::inputs::{describe_handler, ScopedRoute};
use crate::context::OperationContext;
use crate::context::{Described, WebhookRegistration};
use crate::finish::DocumentFinish;
use crate::meta::{OperationMeta, WebhookMeta};
use crate::openapi::{Method, Operation, Parameter, ParameterIn, PathItem, RefOr, Response};
use crate::problem;
use crate::schema::SchemaRegistry;
use crate::security::{requirement, SecurityRequirement};

/// An operation's security: its `security(...)` attribute, else what its
/// arguments require (an authentication extractor), else its scope's; `None`
/// leaves the document's. An operation declared public whose argument
/// requires authentication is a problem.
fn operation_security(
    meta: &OperationMeta,
    scope: &Option<Vec<SecurityRequirement>>,
    required: Vec<SecurityRequirement>,
    problems: &mut Vec<String>,
) -> Option<Vec<SecurityRequirement>> {
    if let Some(stated) = meta.security {
        if stated.is_empty() && !required.is_empty() {
            let schemes: Vec<&String> = required.iter().flat_map(|r| r.keys()).collect();
            problems.push(format!(
                "{} is declared public (`security()`), but an argument requires {}",
                describe_handler(meta),
                schemes
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
        return Some(
            stated
                .iter()
                .map(|stated| requirement(stated.scheme, stated.scopes))
                .collect(),
        );
    }
    if !required.is_empty() {
        return Some(required);
    }
    scope.clone()
}

/// What describing the operations needs throughout.
pub(super) struct Assembly<'a> {
    pub(super) schemas: SchemaRegistry,
    pub(super) finish: &'a DocumentFinish,
    /// The statuses of the problem responses operations refer to, for
    /// `components.responses`.
    pub(super) problem_responses: BTreeSet<u16>,
}

impl Assembly<'_> {
    /// Describes one operation from its handler's signature and finishes it.
    /// What the description found besides the operation comes back in
    /// `Described`, its problems worded with the handler.
    pub(super) fn operation(
        &mut self,
        placed: &ScopedRoute,
        method: Method,
    ) -> (Operation, Described) {
        let meta = placed.registration.meta;
        let operation_id = meta.operation_id_for(method);
        let mut operation = Operation {
            tags: meta.tags.iter().map(|tag| (*tag).to_owned()).collect(),
            summary: meta.summary.map(str::to_owned),
            description: meta.description.map(str::to_owned),
            operation_id: Some(operation_id),
            deprecated: meta.deprecated,
            ..Operation::default()
        };
        let mut cx = OperationContext::new(&mut self.schemas, &mut operation, meta.path_parameters);
        (placed.registration.describe)(&mut cx);
        let mut used = cx.into_described();
        for problem in &mut used.problems {
            *problem = format!("{}: {problem}", describe_handler(meta));
        }
        let required = std::mem::take(&mut used.required);
        operation.security =
            operation_security(meta, &placed.security, required, &mut used.problems);
        // Parameters no argument documents (read through
        // `HttpRequest::match_info()`) are still in the path: strings.
        for name in meta.path_parameters {
            let documented = operation.parameters_in_place().any(|parameter| {
                parameter.location == ParameterIn::Path && parameter.name == *name
            });
            if !documented {
                operation.parameters.push(RefOr::Item(Parameter {
                    name: (*name).to_owned(),
                    location: ParameterIn::Path,
                    description: None,
                    required: true,
                    schema: schemars::json_schema!({ "type": "string" }),
                }));
            }
        }
        self.finish.operation(&mut operation);
        for (status, response) in &operation.responses {
            if let RefOr::Ref(reference) = response {
                if let Some(status) = problem::documented::status_of(status, reference) {
                    self.problem_responses.insert(status);
                }
            }
        }
        (operation, used)
    }

    /// The problem responses the operations refer to, by name.
    pub(super) fn problem_responses(&mut self) -> BTreeMap<String, Response> {
        let statuses = std::mem::take(&mut self.problem_responses);
        statuses
            .into_iter()
            .map(|status| {
                (
                    problem::documented::name(status).into_owned(),
                    problem::documented::response(status, &mut self.schemas),
                )
            })
            .collect()
    }
}

/// The `webhooks` map; a name and method registered twice is a problem.
pub(super) fn describe_webhooks(
    registrations: &[WebhookRegistration],
    schemas: &mut SchemaRegistry,
    problems: &mut Vec<String>,
) -> BTreeMap<String, PathItem> {
    let mut webhooks: BTreeMap<String, PathItem> = BTreeMap::new();
    let mut owners: HashMap<(&str, Method), &WebhookMeta> = HashMap::new();
    for registration in registrations {
        let meta = registration.meta;
        if let Some(first) = owners.insert((meta.name, meta.method), meta) {
            problems.push(format!(
                "webhook `{}` ({}) is declared twice: by `{}` ({}) and by `{}` ({})",
                meta.name,
                meta.method.http_name(),
                first.handler,
                first.source,
                meta.handler,
                meta.source
            ));
            continue;
        }
        let mut operation = Operation {
            summary: meta.summary.map(str::to_owned),
            description: meta.description.map(str::to_owned),
            operation_id: Some(meta.handler.to_owned()),
            deprecated: meta.deprecated,
            ..Operation::default()
        };
        (registration.describe)(&mut OperationContext::outgoing(schemas, &mut operation));
        webhooks
            .entry(meta.name.to_owned())
            .or_default()
            .insert(meta.method, operation);
    }
    webhooks
}
