//! Named schemas written to their JSON as soon as the operations that use
//! them are checked, for the documents hookspec serves.
//!
//! schemars keeps every definition as a `serde_json::Value` tree until the
//! document is written, and every JSON object in it is a B-tree leaf of 640
//! bytes however few its keys: for 1,000 operations, 3.2 MB of the assembly's
//! 8.4 MB peak, touched page by page (writing them early took a third of the
//! page faults and a fifth to a third of the time off; BENCHMARKS.md). Written
//! out, the same definitions take a fifteenth of the memory. The registry leaves `false` in
//! schemars' map in place of each written definition, so that schemars still
//! knows the name is taken and does not generate the type again.
//!
//! The callback check of a later operation may need a written definition
//! (a type two operations share): [`Definitions::get`] parses it again, once.

use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap};
use serde_json::{Map, Value};

use crate::json_writer::{self, Raw};
use crate::openapi::SchemaSet;

/// One definition, written.
pub(crate) struct WrittenDefinition {
    json: Box<str>,
    /// The definition parsed again, for a callback check that reads it.
    parsed: OnceLock<Value>,
}

impl WrittenDefinition {
    /// `definition` as its JSON, written in `scratch` (cleared first; one
    /// buffer for every definition, so each one's text is allocated once, at
    /// its size, instead of grown).
    pub(crate) fn new(definition: &Value, scratch: &mut Vec<u8>) -> Self {
        scratch.clear();
        // A `Value` always serialises, and the writer writes UTF-8.
        let _ = json_writer::write(scratch, definition);
        WrittenDefinition {
            json: std::str::from_utf8(scratch).unwrap_or_default().into(),
            parsed: OnceLock::new(),
        }
    }

    /// The definition as a value, parsed on first use.
    pub(crate) fn value(&self) -> &Value {
        self.parsed.get_or_init(|| parse(&self.json))
    }

    /// The definition as a value, for a typed document.
    pub(crate) fn into_value(self) -> Value {
        match self.parsed.into_inner() {
            Some(value) => value,
            None => parse(&self.json),
        }
    }
}

/// A written definition read again. What the writer wrote parses; were it
/// not to, `true` (any value) keeps a check from reporting a problem it
/// cannot see.
fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Bool(true))
}

/// The written definitions, by name.
pub(crate) type Written = foldhash::HashMap<String, WrittenDefinition>;

/// The named schemas as the callback check reads them: schemars' map, where a
/// written definition has left `false`, and the written ones.
#[derive(Clone, Copy)]
pub(crate) struct Definitions<'a> {
    live: &'a Map<String, Value>,
    written: Option<&'a Written>,
}

impl<'a> Definitions<'a> {
    pub(crate) fn new(live: &'a Map<String, Value>, written: &'a Written) -> Self {
        Definitions {
            live,
            written: Some(written),
        }
    }

    /// Definitions that are all still values.
    #[cfg(test)]
    pub(crate) fn of(live: &'a Map<String, Value>) -> Self {
        Definitions {
            live,
            written: None,
        }
    }

    /// The definition named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        match self.written.and_then(|written| written.get(name)) {
            Some(written) => Some(written.value()),
            None => self.live.get(name),
        }
    }
}

/// `components.schemas` of a served document: in schemars' order, each
/// definition as its written JSON or, if it was not written, as its value.
/// Only [`json_writer`] writes it (it writes [`Raw`] as it is).
pub(crate) struct WrittenSchemas {
    pub(crate) live: Map<String, Value>,
    pub(crate) written: Written,
}

impl Serialize for WrittenSchemas {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.live.len()))?;
        for (name, value) in &self.live {
            match self.written.get(name) {
                Some(written) => map.serialize_entry(name, &Raw(&written.json))?,
                None => map.serialize_entry(name, value)?,
            }
        }
        map.end()
    }
}

impl SchemaSet for WrittenSchemas {
    fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}
