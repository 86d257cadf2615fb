//! Schemas from `schemars`: named types go to `components.schemas`, and every other
//! place refers to them with a `$ref`.

use std::borrow::Cow;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::Value;

use crate::written_schemas::{Definitions, Written, WrittenDefinition, WrittenSchemas};

/// Which OpenAPI version the schemas are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// OpenAPI 3.1: JSON Schema 2020-12.
    V3_1,
    /// OpenAPI 3.2: JSON Schema 2020-12, as 3.1; what differs is around the
    /// schemas (`itemSchema` for streams, `query` operations, ...).
    V3_2,
    /// OpenAPI 3.0: its JSON Schema subset (`nullable`, no `const`, no type arrays,
    /// one `example`), through schemars' OpenAPI 3 settings.
    V3_0,
}

/// Collects the schemas of one document. One generator serves the whole document,
/// so a type used by several operations gets one `components.schemas` entry, and
/// two different types with the same name get distinct, deterministic names
/// (`Invoice`, `Invoice2`) in registration order.
pub struct SchemaRegistry {
    generator: SchemaGenerator,
    flavor: Flavor,
    /// The reference already made for each named type, by schema id: a type
    /// appears in many places (a body type in its operation, its response and
    /// its callback; the problem type in every operation), and schemars finds
    /// a known type's name through two ordered maps of long type paths.
    references: foldhash::HashMap<Cow<'static, str>, Known>,
    /// Whether definitions are written to JSON once their operations are
    /// checked (`write_checked`), and those written so far.
    write_early: bool,
    written: Written,
}

/// A named type's schema where it is used, as [`SchemaRegistry`] keeps it.
enum Known {
    /// A plain `{"$ref": ...}`, kept as its target: a schema object is a
    /// 600-byte map node, and the registry keeps one per named type.
    Ref(Box<str>),
    /// A schema the flavor's transforms made more than a reference.
    Schema(Schema),
}

impl Known {
    fn new(schema: &Schema) -> Known {
        let reference = schema
            .as_object()
            .filter(|object| object.len() == 1)
            .and_then(|object| object.get("$ref"))
            .and_then(Value::as_str);
        match reference {
            Some(reference) => Known::Ref(reference.into()),
            None => Known::Schema(schema.clone()),
        }
    }

    fn schema(&self) -> Schema {
        match self {
            Known::Ref(reference) => Schema::new_ref(reference.to_string()),
            Known::Schema(schema) => schema.clone(),
        }
    }
}

/// How many definitions are left as values before they are written, at
/// most: each writing walks schemars' whole map.
const WRITE_BATCH: usize = 32;

impl Default for SchemaRegistry {
    fn default() -> Self {
        SchemaRegistry::new(Flavor::V3_1)
    }
}

impl SchemaRegistry {
    /// A registry writing schemas for `flavor`.
    pub fn new(flavor: Flavor) -> Self {
        let settings = match flavor {
            Flavor::V3_1 | Flavor::V3_2 => SchemaSettings::draft2020_12(),
            Flavor::V3_0 => SchemaSettings::openapi3(),
        };
        let settings = settings.with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            // The document names its dialect (3.1) or implies it (3.0).
            settings.meta_schema = None;
        });
        SchemaRegistry {
            generator: settings.into_generator(),
            flavor,
            references: foldhash::HashMap::default(),
            write_early: false,
            written: Written::default(),
        }
    }

    /// From now on, [`write_checked`](Self::write_checked) writes the
    /// definitions to their JSON: for the served 3.1 and 3.2 documents. (3.0's
    /// transforms rewrite definitions when they are taken, and the callback
    /// check reads them as generated: written early, it would read them
    /// transformed.)
    pub(crate) fn write_definitions_early(&mut self) {
        self.write_early = self.flavor != Flavor::V3_0;
    }

    /// Writes the definitions not yet written, once there are enough of them,
    /// and leaves `false` in their place in schemars' map, where the name
    /// stays taken. Called between operations: never while schemars is
    /// generating a type (it puts its own `false` there meanwhile).
    pub(crate) fn write_checked(&mut self) {
        let definitions = self.generator.definitions_mut();
        if !self.write_early || definitions.len().saturating_sub(self.written.len()) < WRITE_BATCH {
            return;
        }
        let mut scratch = Vec::new();
        for (name, definition) in definitions.iter_mut() {
            // `false` is a written definition's place, or (rarely) a
            // definition that is `false`: written too, the same.
            if *definition == Value::Bool(false) && self.written.contains_key(name) {
                continue;
            }
            let written = WrittenDefinition::new(definition, &mut scratch);
            *definition = Value::Bool(false);
            self.written.insert(name.clone(), written);
        }
    }

    /// Makes room for about `types` more named types, so that the maps kept
    /// by type do not grow (and rehash) one doubling at a time.
    pub(crate) fn reserve(&mut self, types: usize) {
        self.references.reserve(types);
        if self.write_early {
            self.written.reserve(types);
        }
    }

    /// The OpenAPI version the schemas are written for.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The schema to use where a `T` appears: a `$ref` for named types, the schema
    /// itself for the others (`String`, `Vec<u8>`, ...).
    pub fn reference<T: JsonSchema + ?Sized>(&mut self) -> Schema {
        // Nothing here is generic but taking `T`'s functions: the registry's
        // work, and schemars' (`subschema_for`), are compiled once, not once
        // per type (see `ErasedType`).
        self.reference_with(ErasedType::of::<T>())
    }

    fn reference_with(&mut self, ty: ErasedType) -> Schema {
        if (ty.inline_schema)() {
            let schema = ty.subschema(&mut self.generator);
            return self.transformed(schema);
        }
        let id = (ty.schema_id)();
        if let Some(known) = self.references.get(&id) {
            return known.schema();
        }
        let schema = ty.subschema(&mut self.generator);
        let schema = self.transformed(schema);
        self.references.insert(id, Known::new(&schema));
        schema
    }

    /// `T`'s own schema, never a `$ref` at the top level (the types it contains are
    /// still referenced). Used where a type is taken apart, such as one query
    /// parameter per field.
    pub fn inline<T: JsonSchema + ?Sized>(&mut self) -> Schema {
        let schema = T::json_schema(&mut self.generator);
        let schema = self.resolve(schema);
        self.transformed(schema)
    }

    /// A string of raw bytes: `contentMediaType` in 3.1 and 3.2, `format:
    /// binary` in 3.0.
    pub fn binary(&self) -> Schema {
        let value = match self.flavor {
            Flavor::V3_1 | Flavor::V3_2 => {
                serde_json::json!({ "type": "string", "contentMediaType": "application/octet-stream" })
            }
            Flavor::V3_0 => serde_json::json!({ "type": "string", "format": "binary" }),
        };
        Schema::try_from(value).unwrap_or_default()
    }

    /// Applies the flavor's transforms, which schemars runs on the definitions
    /// only, to a schema used in place.
    fn transformed(&mut self, mut schema: Schema) -> Schema {
        for transform in self.generator.transforms_mut() {
            transform.transform(&mut schema);
        }
        schema
    }

    /// Follows a top-level `$ref` into `components.schemas`.
    pub fn resolve(&self, schema: Schema) -> Schema {
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .and_then(|name| self.definitions().get(name));
        match target {
            Some(definition) => Schema::try_from(definition.clone()).unwrap_or(schema),
            None => schema,
        }
    }

    /// The named schemas collected so far, as generated (before the flavor's
    /// transforms): what callback expressions are checked against.
    pub(crate) fn definitions(&self) -> Definitions<'_> {
        Definitions::new(self.generator.definitions(), &self.written)
    }

    /// The collected named schemas, for `components.schemas`.
    pub fn into_components(mut self) -> serde_json::Map<String, Value> {
        let mut components = self.generator.take_definitions(true);
        for (name, written) in self.written {
            components.insert(name, written.into_value());
        }
        components
    }

    /// The collected named schemas for a served document, those already
    /// written as their JSON.
    pub(crate) fn into_written_components(mut self) -> WrittenSchemas {
        WrittenSchemas {
            live: self.generator.take_definitions(true),
            written: self.written,
        }
    }
}

/// `schema` without its `null` alternative: a parameter that may be absent is
/// documented as not required, and a query string cannot carry a JSON `null`.
pub(crate) fn without_null(mut schema: Schema) -> Schema {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|kind| kind != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".into(), only);
        }
    }
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(alternatives)) = schema.get_mut(keyword) else {
            continue;
        };
        alternatives.retain(|alternative| !is_null_only(alternative));
        if alternatives.len() == 1 {
            let only = alternatives.remove(0);
            schema.remove(keyword);
            if let (Value::Object(only), Some(target)) = (only, schema.as_object_mut()) {
                for (key, value) in only {
                    target.entry(key).or_insert(value);
                }
            }
        }
    }
    schema
}

/// Whether `schema` admits `null` only: `{"type": "null"}`, or OpenAPI
/// 3.0's `{"nullable": true}` (with `"enum": [null]`, as schemars writes it).
fn is_null_only(schema: &Value) -> bool {
    if schema.get("type") == Some(&"null".into()) {
        return true;
    }
    let Some(object) = schema.as_object() else {
        return false;
    };
    object.get("nullable") == Some(&Value::Bool(true))
        && object.iter().all(|(key, value)| match key.as_str() {
            "nullable" => true,
            "enum" => *value == Value::Array(vec![Value::Null]),
            _ => false,
        })
}

/// A type's `JsonSchema` functions, as pointers. Through them one instance of
/// schemars' generic `subschema_for` (for [`Erased`]) serves every type: its
/// own instances for each body type (`subschema_for`, `schema_uid`,
/// `json_schema_internal`, `insert_new_subschema_for`) were most of what a
/// handler's documentation cost to compile.
#[derive(Clone, Copy)]
struct ErasedType {
    schema_id: fn() -> Cow<'static, str>,
    schema_name: fn() -> Cow<'static, str>,
    inline_schema: fn() -> bool,
    json_schema: fn(&mut SchemaGenerator) -> Schema,
}

impl ErasedType {
    fn of<T: JsonSchema + ?Sized>() -> Self {
        ErasedType {
            schema_id: T::schema_id,
            schema_name: T::schema_name,
            inline_schema: T::inline_schema,
            json_schema: T::json_schema,
        }
    }

    /// `generator.subschema_for::<T>()`: the same uid, name, recursion guard
    /// and definitions, since schemars sees `T`'s functions through
    /// [`Erased`].
    fn subschema(self, generator: &mut SchemaGenerator) -> Schema {
        /// Puts back the type a call below replaced, panics included.
        struct Restore(Option<ErasedType>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|current| current.set(self.0));
            }
        }
        let _restore = Restore(CURRENT.with(|current| current.replace(Some(self))));
        generator.subschema_for::<Erased>()
    }
}

thread_local! {
    /// The type [`Erased`] stands for during an `ErasedType::subschema` call.
    static CURRENT: std::cell::Cell<Option<ErasedType>> = const { std::cell::Cell::new(None) };
}

/// Stands for the type of the `ErasedType::subschema` call under way. Its
/// functions are called only inside that call: schemars calls them from
/// `subschema_for::<Erased>`, and the type's own `json_schema` refers to the
/// types it contains by their own types, never through `Erased`.
struct Erased;

fn current() -> ErasedType {
    CURRENT
        .with(std::cell::Cell::get)
        .expect("`Erased` is used only inside `ErasedType::subschema`")
}

impl JsonSchema for Erased {
    fn schema_id() -> Cow<'static, str> {
        (current().schema_id)()
    }

    fn schema_name() -> Cow<'static, str> {
        (current().schema_name)()
    }

    fn inline_schema() -> bool {
        (current().inline_schema)()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        (current().json_schema)(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> Schema {
        Schema::try_from(value).unwrap()
    }

    #[test]
    fn null_is_dropped_from_type_arrays() {
        let stripped = without_null(schema(json!({"type": ["string", "null"], "format": "uri"})));
        assert_eq!(
            stripped.as_value(),
            &json!({"type": "string", "format": "uri"})
        );
        let stripped = without_null(schema(json!({"type": ["integer", "string", "null"]})));
        assert_eq!(stripped.as_value(), &json!({"type": ["integer", "string"]}));
    }

    #[test]
    fn null_alternative_is_dropped_and_single_alternative_hoisted() {
        let stripped = without_null(schema(json!({
            "anyOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "null"}],
            "description": "kind"
        })));
        assert_eq!(
            stripped.as_value(),
            &json!({"$ref": "#/components/schemas/Kind", "description": "kind"})
        );
        // OpenAPI 3.0's null: `nullable` without a type, which 3.0 refuses.
        for null_only in [
            json!({"nullable": true}),
            json!({"enum": [null], "nullable": true}),
        ] {
            let stripped = without_null(schema(json!({
                "anyOf": [{"$ref": "#/components/schemas/Kind"}, null_only]
            })));
            assert_eq!(
                stripped.as_value(),
                &json!({"$ref": "#/components/schemas/Kind"})
            );
        }
        // A nullable string is not null only.
        let kept = json!({"anyOf": [{"type": "integer"}, {"type": "string", "nullable": true}]});
        assert_eq!(without_null(schema(kept.clone())).as_value(), &kept);
    }

    #[test]
    fn same_type_is_registered_once_and_referenced() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Thing {
            id: u32,
        }
        let mut registry = SchemaRegistry::default();
        let first = registry.reference::<Thing>();
        let second = registry.reference::<Thing>();
        assert_eq!(first, second);
        assert_eq!(
            first.as_value(),
            &json!({"$ref": "#/components/schemas/Thing"})
        );
        let inline = registry.inline::<Thing>();
        assert_eq!(inline.get("type"), Some(&json!("object")));
        let components = registry.into_components();
        assert_eq!(components.keys().collect::<Vec<_>>(), ["Thing"]);
    }

    /// Types whose references exercise schemars' naming and recursion guard.
    mod shapes {
        #![allow(dead_code, unreachable_pub)]
        use schemars::JsonSchema;

        pub mod billing {
            #[derive(schemars::JsonSchema)]
            pub struct Invoice {
                pub id: u32,
            }
        }

        pub mod shipping {
            #[derive(schemars::JsonSchema)]
            pub struct Invoice {
                pub parcel: String,
            }
        }

        #[derive(JsonSchema)]
        pub struct Node {
            pub children: Vec<Node>,
            pub parent: Option<Box<Node>>,
            pub invoice: billing::Invoice,
        }

        #[derive(JsonSchema)]
        pub struct Page<T> {
            pub items: Vec<T>,
        }
    }

    /// What schemars' own generic `subschema_for::<T>` gives, as `reference`
    /// did before it went through `ErasedType`.
    fn generic_reference<T: JsonSchema + ?Sized>(registry: &mut SchemaRegistry) -> Schema {
        let schema = registry.generator.subschema_for::<T>();
        registry.transformed(schema)
    }

    #[test]
    fn erased_references_are_schemars_generic_ones() {
        use shapes::*;
        for flavor in [Flavor::V3_1, Flavor::V3_0] {
            let mut erased = SchemaRegistry::new(flavor);
            let mut generic = SchemaRegistry::new(flavor);
            let pairs = [
                (
                    erased.reference::<Node>(),
                    generic_reference::<Node>(&mut generic),
                ),
                (
                    erased.reference::<shipping::Invoice>(),
                    generic_reference::<shipping::Invoice>(&mut generic),
                ),
                (
                    erased.reference::<Page<Node>>(),
                    generic_reference::<Page<Node>>(&mut generic),
                ),
                (
                    erased.reference::<Option<billing::Invoice>>(),
                    generic_reference::<Option<billing::Invoice>>(&mut generic),
                ),
                (
                    erased.reference::<Vec<Node>>(),
                    generic_reference::<Vec<Node>>(&mut generic),
                ),
                (
                    erased.reference::<String>(),
                    generic_reference::<String>(&mut generic),
                ),
            ];
            for (from_erased, from_generic) in &pairs {
                assert_eq!(from_erased, from_generic, "{flavor:?}");
            }
            assert_eq!(
                pairs[1].0.as_value(),
                &json!({"$ref": "#/components/schemas/Invoice2"}),
                "the second type named Invoice gets the next name"
            );
            let components = erased.into_components();
            assert_eq!(components, generic.into_components(), "{flavor:?}");
            assert_eq!(
                components["Node"]["properties"]["children"]["items"],
                json!({"$ref": "#/components/schemas/Node"}),
                "a recursive type refers to itself"
            );
        }
    }
}
