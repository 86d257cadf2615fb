//! The constraints of an input's schema, enforced on what is extracted
//! (feature `validation`).
//!
//! A constraint is written once, on the field, in any syntax schemars reads:
//! validator's `#[validate(length(min = 1))]`, garde's `#[garde(range(max = 9))]`
//! or schemars' own `#[schemars(email)]`. schemars puts it in the type's schema,
//! the document shows it, and `Json`, `Form`, `Query` and `Path` extraction check
//! the input against the same schema with `jsonschema`. A violation is a `422`
//! problem with one entry per violated constraint: where (a JSON pointer) and
//! which rule (the schema keyword: `minLength`, `maximum`, `pattern`, `format`).
//!
//! Only types whose schema constrains more than serde already does are
//! checked: for the others extraction costs one map lookup more.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use actix_web::http::StatusCode;
use jsonschema::Validator;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Number, Value};

use crate::problem::{FieldError, Problem};

/// A type's constraints: its schema, and the validator built from it.
pub(crate) struct Constraints {
    schema: Value,
    validator: Validator,
}

/// The constraints of a type whose schema has some, or `None`.
type Checker = Option<Arc<Constraints>>;

type Cache = RwLock<HashMap<TypeId, Checker, foldhash::fast::FixedState>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The checker of `T`'s constraints, built on first use.
pub(crate) fn checker<T: JsonSchema + 'static>() -> Checker {
    let id = TypeId::of::<T>();
    if let Some(checker) = cache()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
    {
        return checker.clone();
    }
    let built = build::<T>().ok().flatten();
    cache()
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(id)
        .or_insert(built)
        .clone()
}

/// Whether `T` has constraints to enforce (built and kept for extraction), or
/// why they cannot be enforced: a `pattern` that is not a regular expression.
pub(crate) fn is_constrained<T: JsonSchema + 'static>() -> Result<bool, String> {
    let built = build::<T>()?;
    let constrained = built.is_some();
    cache()
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(TypeId::of::<T>())
        .or_insert(built);
    Ok(constrained)
}

fn build<T: JsonSchema>() -> Result<Checker, String> {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    if !constrains(schema.as_value()) {
        return Ok(None);
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema.as_value())
        .map(|validator| {
            Some(Arc::new(Constraints {
                schema: schema.to_value(),
                validator,
            }))
        })
        .map_err(|error| {
            format!(
                "the constraints of `{}` cannot be enforced: {error}",
                T::schema_name()
            )
        })
}

/// Keywords that constrain values beyond what serde checks when it reads them.
const CONSTRAINTS: &[&str] = &[
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minProperties",
    "maxProperties",
];

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords whose value is a schema or an array of schemas.
const SUBSCHEMAS: &[&str] = &[
    "items",
    "prefixItems",
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
];

/// Whether `schema` (or a schema in it) has a constraint serde does not check.
/// Values (`example`, `default`, `enum`) are not schemas and not looked into.
fn constrains(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return match schema {
            Value::Array(items) => items.iter().any(constrains),
            _ => false,
        };
    };
    let serde_checks = |key: &str, value: &Value| match key {
        // Integers' bounds (`u8`: 0 to 255) are checked by serde already.
        "minimum" | "maximum" => integer_bounds(object).is_some_and(|(min, max)| {
            let bound = if key == "minimum" { min } else { max };
            value.as_f64() == Some(bound)
        }),
        // A tuple's length (`prefixItems` of two, `minItems` and
        // `maxItems` 2) is checked by serde already.
        "minItems" | "maxItems" => object
            .get("prefixItems")
            .and_then(Value::as_array)
            .is_some_and(|elements| value.as_u64() == Some(elements.len() as u64)),
        // Number formats (`int32`, `double`) are not assertions.
        "format" => !value.as_str().is_some_and(is_asserted_format),
        _ => false,
    };
    object.iter().any(|(key, value)| {
        if CONSTRAINTS.contains(&key.as_str()) {
            !serde_checks(key, value)
        } else if SCHEMA_MAPS.contains(&key.as_str()) {
            value
                .as_object()
                .is_some_and(|schemas| schemas.values().any(constrains))
        } else if SUBSCHEMAS.contains(&key.as_str()) {
            constrains(value)
        } else {
            false
        }
    })
}

/// The bounds of an integer schema's `format` (`uint8`: 0 to 255), as schemars
/// writes them.
fn integer_bounds(schema: &Map<String, Value>) -> Option<(f64, f64)> {
    let bounds = match schema.get("format")?.as_str()? {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "uint8" => (0.0, u8::MAX.into()),
        "uint16" => (0.0, u16::MAX.into()),
        "uint32" => (0.0, u32::MAX.into()),
        "uint" | "uint64" | "uint128" => (0.0, f64::NAN),
        _ => return None,
    };
    Some(bounds)
}

/// The formats `jsonschema` asserts (others, like `int32`, annotate).
fn is_asserted_format(format: &str) -> bool {
    matches!(
        format,
        "email"
            | "idn-email"
            | "uri"
            | "uri-reference"
            | "iri"
            | "iri-reference"
            | "hostname"
            | "idn-hostname"
            | "ipv4"
            | "ipv6"
            | "uuid"
            | "date"
            | "date-time"
            | "time"
            | "duration"
            | "regex"
            | "json-pointer"
            | "relative-json-pointer"
            | "uri-template"
    )
}

/// `Ok`, or the `422` problem naming every constraint `instance` violates.
fn check(constraints: &Constraints, instance: &Value, location: &str) -> Result<(), Problem> {
    let errors: Vec<FieldError> = constraints
        .validator
        .iter_errors(instance)
        .map(|error| FieldError {
            location: location.to_owned(),
            pointer: error.instance_path().as_str().to_owned(),
            rule: Some(error.kind().keyword().to_owned()),
            detail: error.to_string(),
        })
        .collect();
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let shown = if first.pointer.is_empty() {
        "/"
    } else {
        &first.pointer
    };
    let mut detail = format!("{location} {shown}: {}", first.detail);
    if errors.len() > 1 {
        detail.push_str(&format!(" (and {} more)", errors.len() - 1));
    }
    let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
    problem.errors = errors;
    Err(problem)
}

/// Checks a JSON body that deserialised as `T` against `T`'s constraints.
pub(crate) fn check_json<T: JsonSchema + 'static>(bytes: &[u8]) -> Result<(), Problem> {
    let Some(checker) = checker::<T>() else {
        return Ok(());
    };
    // It deserialised as `T`, so it is JSON.
    let instance: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    check(&checker, &instance, "body")
}

/// Checks a query string or form that deserialised as `T` against `T`'s
/// constraints.
pub(crate) fn check_urlencoded<T: JsonSchema + 'static>(
    text: &[u8],
    location: &str,
) -> Result<(), Problem> {
    let Some(constraints) = checker::<T>() else {
        return Ok(());
    };
    let pairs: Vec<_> = form_urlencoded::parse(text).collect();
    let pairs = pairs
        .iter()
        .map(|(name, value)| (name.as_ref(), value.as_ref()));
    check(
        &constraints,
        &pairs_instance(&constraints.schema, pairs),
        location,
    )
}

/// Checks path parameters that deserialised as `T` against `T`'s constraints.
pub(crate) fn check_path<T: JsonSchema + 'static>(
    parameters: &actix_web::dev::Path<actix_web::dev::Url>,
) -> Result<(), Problem> {
    let Some(constraints) = checker::<T>() else {
        return Ok(());
    };
    let instance = pairs_instance(&constraints.schema, parameters.iter());
    check(&constraints, &instance, "path")
}

/// The JSON the pairs stand for under `schema`: an object of its properties,
/// an array of its `prefixItems` (a tuple), or the one value. Each value is
/// read as the type its schema gives it (a number, a boolean), or else as a
/// string, as serde read it.
fn pairs_instance<'a>(schema: &Value, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    let pairs: Vec<(&str, &str)> = pairs.collect();
    if let Some(elements) = schema.get("prefixItems").and_then(Value::as_array) {
        let values = pairs
            .iter()
            .enumerate()
            .map(|(index, (_, value))| typed(resolve(schema, elements.get(index)), value))
            .collect();
        return Value::Array(values);
    }
    if schema.get("properties").is_none() {
        if let [(_, value)] = pairs.as_slice() {
            return typed(Some(schema), value);
        }
    }
    let properties = schema.get("properties");
    let object = pairs
        .iter()
        .map(|(name, value)| {
            let property = resolve(schema, properties.and_then(|p| p.get(*name)));
            ((*name).to_owned(), typed(property, value))
        })
        .collect();
    Value::Object(object)
}

/// The schema a property refers to (`#/$defs/Kind`), or the property itself.
fn resolve<'s>(root: &'s Value, schema: Option<&'s Value>) -> Option<&'s Value> {
    let schema = schema?;
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => root.pointer(reference.strip_prefix('#')?),
        None => Some(schema),
    }
}

/// `text` as the JSON value its schema's type says it is.
fn typed(schema: Option<&Value>, text: &str) -> Value {
    let types: Vec<&str> = match schema.and_then(|schema| schema.get("type")) {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let numeric = types
        .iter()
        .any(|kind| matches!(*kind, "integer" | "number"));
    if numeric {
        if let Ok(number) = text.parse::<Number>() {
            return Value::Number(number);
        }
    }
    if types.contains(&"boolean") {
        if let Ok(flag) = text.parse::<bool>() {
            return Value::Bool(flag);
        }
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_s_own_checks_are_not_constraints() {
        assert!(!constrains(&json!({
            "type": "object",
            "properties": {
                "count": { "type": "integer", "format": "uint8", "minimum": 0, "maximum": 255 },
                "total": { "type": "number", "format": "double" },
                "pattern": { "type": "string", "example": "a", "enum": ["a"] },
                "pair": { "prefixItems": [{}, {}], "minItems": 2, "maxItems": 2 }
            }
        })));
    }

    #[test]
    fn lengths_ranges_patterns_and_formats_are() {
        for constrained in [
            json!({ "properties": { "name": { "type": "string", "minLength": 1 } } }),
            json!({ "$defs": { "Kind": { "pattern": "^a" } } }),
            json!({ "items": { "type": "integer", "format": "uint8", "maximum": 9 } }),
            json!({ "anyOf": [ { "type": "null" }, { "format": "email" } ] }),
        ] {
            assert!(constrains(&constrained), "{constrained}");
        }
    }

    #[test]
    fn pairs_are_read_as_their_properties_types() {
        let schema = json!({
            "properties": {
                "limit": { "type": ["integer", "null"] },
                "open": { "type": "boolean" },
                "kind": { "$ref": "#/$defs/Kind" },
                "name": { "type": "string" }
            },
            "$defs": { "Kind": { "type": "integer" } }
        });
        let pairs = [
            ("limit", "10"),
            ("open", "true"),
            ("kind", "3"),
            ("name", "10"),
        ];
        assert_eq!(
            pairs_instance(&schema, pairs.into_iter()),
            json!({ "limit": 10, "open": true, "kind": 3, "name": "10" })
        );
        let tuple = json!({ "prefixItems": [ { "type": "string" }, { "type": "integer" } ] });
        assert_eq!(
            pairs_instance(&tuple, [("a", "x"), ("b", "2")].into_iter()),
            json!(["x", 2])
        );
        let single = json!({ "type": "integer", "minimum": 1 });
        assert_eq!(pairs_instance(&single, [("id", "7")].into_iter()), json!(7));
    }
}
