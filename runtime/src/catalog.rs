//! The event catalog: every `#[webhook]` an [`Api`](crate::Api) documents, as
//! an event type its users can subscribe to — name, group, description,
//! deprecation and a self-contained JSON Schema of its payload — read from the
//! document itself, so the catalog and the document never disagree.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// The JSON Schema dialect of OpenAPI 3.1 schemas, which every event's schema is.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
/// Where the document keeps named schemas, and where an event's schema keeps
/// the ones it uses.
const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// One event type: a webhook the API sends.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct EventType {
    /// Its name, the webhook's key in the document (`invoice.paid`).
    pub name: String,
    /// What comes before the name's first `.` (`invoice`), grouping related
    /// events; absent for a name without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// One line, from the webhook's doc comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The rest of its doc comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the webhook is `#[deprecated]`.
    pub deprecated: bool,
    /// The payload's media type (`application/json`); absent without a body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The payload's JSON Schema (2020-12), self-contained: the named schemas
    /// it uses are under its `$defs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// An example payload, when the webhook declares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
}

/// Every event type an API documents, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventCatalog {
    events: Vec<EventType>,
}

impl EventCatalog {
    /// The event types, by name.
    pub fn events(&self) -> &[EventType] {
        &self.events
    }

    /// The event type named `name`.
    pub fn get(&self, name: &str) -> Option<&EventType> {
        self.events
            .binary_search_by(|event| event.name.as_str().cmp(name))
            .ok()
            .map(|at| &self.events[at])
    }

    /// Whether there is an event type named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The groups events belong to, in order.
    pub fn groups(&self) -> BTreeSet<&str> {
        self.events
            .iter()
            .filter_map(|event| event.group.as_deref())
            .collect()
    }

    /// The catalog of a serialised OpenAPI 3.1 document: its `webhooks`.
    pub(crate) fn from_document(document: &Value) -> Self {
        let schemas = document
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let mut events: Vec<EventType> = document
            .get("webhooks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, item)| {
                // A webhook is one operation: the method's entry of its item.
                let operation = item.as_object()?.values().find(|value| value.is_object())?;
                Some(event_type(name, operation, schemas))
            })
            .collect();
        events.sort_by(|a, b| a.name.cmp(&b.name));
        EventCatalog { events }
    }
}

fn event_type(name: &str, operation: &Value, schemas: Option<&Map<String, Value>>) -> EventType {
    let text = |key: &str| {
        operation
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let body = operation
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .and_then(|content| content.iter().next());
    EventType {
        name: name.to_owned(),
        group: name
            .split_once('.')
            .map(|(group, _)| group.to_owned())
            .filter(|group| !group.is_empty()),
        summary: text("summary"),
        description: text("description"),
        deprecated: operation
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content_type: body.map(|(content_type, _)| content_type.clone()),
        schema: body
            .and_then(|(_, media)| media.get("schema"))
            .map(|schema| self_contained(schema, schemas)),
        example: body.and_then(|(_, media)| media.get("example")).cloned(),
    }
}

/// `schema` with the named schemas it uses, transitively, under `$defs`, and
/// its references pointing there.
fn self_contained(schema: &Value, schemas: Option<&Map<String, Value>>) -> Value {
    let mut used = BTreeMap::new();
    let mut pending = Vec::new();
    referenced(schema, &mut pending);
    while let Some(name) = pending.pop() {
        if used.contains_key(&name) {
            continue;
        }
        let Some(definition) = schemas.and_then(|schemas| schemas.get(&name)) else {
            continue;
        };
        referenced(definition, &mut pending);
        used.insert(name, rewritten(definition));
    }
    let mut root = match rewritten(schema) {
        Value::Object(map) => map,
        // A boolean schema: wrapped so it can carry `$schema`.
        other => Map::from_iter([("allOf".to_owned(), Value::Array(vec![other]))]),
    };
    root.insert("$schema".into(), Value::from(DIALECT));
    if !used.is_empty() {
        root.insert("$defs".into(), Value::Object(used.into_iter().collect()));
    }
    Value::Object(root)
}

/// The names of the components `schema` refers to.
fn referenced(schema: &Value, names: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value.as_str()) {
                    ("$ref", Some(reference)) => {
                        if let Some(name) = reference.strip_prefix(COMPONENTS) {
                            names.push(name.to_owned());
                        }
                    }
                    _ => referenced(value, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| referenced(item, names)),
        _ => {}
    }
}

/// `schema` with its references to components pointing at `$defs`.
fn rewritten(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| match (key.as_str(), value.as_str()) {
                    ("$ref", Some(reference)) if reference.starts_with(COMPONENTS) => (
                        key.clone(),
                        Value::from(format!("{DEFS}{}", &reference[COMPONENTS.len()..])),
                    ),
                    _ => (key.clone(), rewritten(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(rewritten).collect()),
        other => other.clone(),
    }
}
