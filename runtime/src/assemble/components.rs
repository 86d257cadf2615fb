//! Components the application names (`Api::component_parameter`,
//! `component_header`, `component_example`, `component_request_body`): each
//! occurrence in the operations, their callbacks and the webhooks is replaced
//! by a reference, and the first is written once under `components`.
//! Occurrences that differ are a problem: one name, one thing.

use std::collections::BTreeMap;

use schemars::Schema;
use serde::Serialize;

use crate::component_names::{ComponentNames, Kind};
use crate::openapi::{
    Example, Header, MediaType, Operation, Parameter, ParameterIn, PathItem, RefOr, Reference,
    RequestBody,
};
use crate::schema::SchemaRegistry;

/// Each component as first found, with the operation it was found in.
type Found<T> = BTreeMap<String, (T, String)>;

/// The components found while the operations are assembled.
pub(crate) struct SharedComponents<'n> {
    names: &'n ComponentNames,
    /// The schema reference of each named request body's type.
    body_schemas: Vec<(&'n str, Schema)>,
    parameters: Found<Parameter>,
    headers: Found<Header>,
    examples: Found<Example>,
    request_bodies: Found<RequestBody>,
}

/// What the document's `components` gets.
#[derive(Default)]
pub(crate) struct Shared {
    pub parameters: BTreeMap<String, Parameter>,
    pub headers: BTreeMap<String, Header>,
    pub examples: BTreeMap<String, Example>,
    pub request_bodies: BTreeMap<String, RequestBody>,
}

impl<'n> SharedComponents<'n> {
    pub(crate) fn new(names: &'n ComponentNames, schemas: &mut SchemaRegistry) -> Self {
        let body_schemas = names
            .request_bodies
            .iter()
            .map(|(component, reference)| (component.as_str(), reference(schemas)))
            .collect();
        SharedComponents {
            names,
            body_schemas,
            parameters: BTreeMap::new(),
            headers: BTreeMap::new(),
            examples: BTreeMap::new(),
            request_bodies: BTreeMap::new(),
        }
    }

    /// Replaces what `operation` (of `owner`, a handler or webhook) has of the
    /// named components by references, and its callbacks' too.
    pub(crate) fn share(
        &mut self,
        operation: &mut Operation,
        owner: &str,
        problems: &mut Vec<String>,
    ) {
        if self.names.is_empty() {
            return;
        }
        for by_url in operation.callbacks.values_mut() {
            for item in by_url.values_mut() {
                self.share_path_item(item, owner, problems);
            }
        }
        for slot in &mut operation.parameters {
            let RefOr::Item(parameter) = slot else {
                continue;
            };
            let named = self.names.parameters.iter().find(|(_, location, name)| {
                *location == parameter.location
                    && match location {
                        ParameterIn::Header => name.eq_ignore_ascii_case(&parameter.name),
                        _ => *name == parameter.name,
                    }
            });
            if let Some((component, _, _)) = named {
                let what = format!("parameter `{}`", parameter.name);
                let found = parameter.clone();
                keep(
                    &mut self.parameters,
                    component,
                    found,
                    owner,
                    &what,
                    problems,
                );
                *slot = reference("parameters", component);
            }
        }
        if let Some(RefOr::Item(body)) = &mut operation.request_body {
            for media in body.content.values_mut() {
                self.share_examples(media, owner, problems);
            }
        }
        if let Some(slot) = &mut operation.request_body {
            if let RefOr::Item(body) = slot {
                let named = self.body_schemas.iter().find(|(_, schema)| {
                    !body.content.is_empty()
                        && body
                            .content
                            .values()
                            .all(|media| media.schema.as_ref() == Some(schema))
                });
                if let Some((component, _)) = named {
                    let found = body.clone();
                    let what = "request body";
                    keep(
                        &mut self.request_bodies,
                        component,
                        found,
                        owner,
                        what,
                        problems,
                    );
                    *slot = reference("requestBodies", component);
                }
            }
        }
        for response in operation.responses.values_mut() {
            let RefOr::Item(response) = response else {
                continue;
            };
            for (header_name, slot) in &mut response.headers {
                let RefOr::Item(header) = slot else {
                    continue;
                };
                let named = self
                    .names
                    .headers
                    .iter()
                    .find(|(_, name)| name.eq_ignore_ascii_case(header_name));
                if let Some((component, _)) = named {
                    let what = format!("response header `{header_name}`");
                    let found = header.clone();
                    keep(&mut self.headers, component, found, owner, &what, problems);
                    *slot = reference("headers", component);
                }
            }
            for media in response.content.values_mut() {
                self.share_examples(media, owner, problems);
            }
        }
    }

    /// [`share`](Self::share) for each operation of a webhook or callback.
    pub(crate) fn share_path_item(
        &mut self,
        item: &mut PathItem,
        owner: &str,
        problems: &mut Vec<String>,
    ) {
        for operation in item.operations_mut() {
            self.share(operation, owner, problems);
        }
    }

    fn share_examples(&mut self, media: &mut MediaType, owner: &str, problems: &mut Vec<String>) {
        for (name, slot) in &mut media.examples {
            let RefOr::Item(example) = slot else {
                continue;
            };
            if self.names.examples.contains(name) {
                let what = format!("example `{name}`");
                let found = example.clone();
                keep(&mut self.examples, name, found, owner, &what, problems);
                *slot = reference("examples", name);
            }
        }
    }

    /// The components found; each named one that was not is a problem, in a
    /// `complete` document (3.0's leaves the webhooks out: one may be theirs).
    pub(crate) fn finish(self, complete: bool, problems: &mut Vec<String>) -> Shared {
        for (kind, component, how) in self.names.all() {
            if !valid_name(component) {
                problems.push(format!(
                    "{how}: a component's name is letters, digits, `.`, `-` and `_`"
                ));
            }
            let found = match kind {
                Kind::Parameter => self.parameters.contains_key(component),
                Kind::Header => self.headers.contains_key(component),
                Kind::Example => self.examples.contains_key(component),
                Kind::RequestBody => self.request_bodies.contains_key(component),
            };
            if !found && complete {
                problems.push(format!("{how}: no operation has it"));
            }
        }
        Shared {
            parameters: first_found(self.parameters),
            headers: first_found(self.headers),
            examples: first_found(self.examples),
            request_bodies: first_found(self.request_bodies),
        }
    }
}

/// The components, without where each was found.
fn first_found<T>(found: Found<T>) -> BTreeMap<String, T> {
    found
        .into_iter()
        .map(|(component, (value, _))| (component, value))
        .collect()
}

/// A reference to component `name` of `kind` (`parameters`, `headers`, ...).
fn reference<T>(kind: &str, name: &str) -> RefOr<T> {
    RefOr::Ref(Reference {
        reference: format!("#/components/{kind}/{name}"),
    })
}

/// Keeps the first `found` of `component`; a later one that differs is a
/// problem naming both operations.
fn keep<T: PartialEq + Serialize>(
    kind: &mut Found<T>,
    component: &str,
    found: T,
    owner: &str,
    what: &str,
    problems: &mut Vec<String>,
) {
    match kind.get(component) {
        None => {
            kind.insert(component.to_owned(), (found, owner.to_owned()));
        }
        Some((first, first_owner)) if *first != found => {
            let json = |value: &T| serde_json::to_string(value).unwrap_or_default();
            problems.push(format!(
                "component `{component}`: the {what} of `{owner}` ({}) differs from the one of \
                 `{first_owner}` ({}); only the same one can be shared",
                json(&found),
                json(first)
            ));
        }
        Some(_) => {}
    }
}

/// OpenAPI's rule for component names: `^[a-zA-Z0-9.\-_]+$`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'))
}
