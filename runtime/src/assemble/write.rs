//! Writing: the paths as a typed map or as JSON one operation at a time, and
//! the document around them.

use std::collections::BTreeMap;

use std::ops::Range;

use serde::ser::{Serialize, SerializeMap};

use super::components::Shared;
use super::describe::Assembly;
use super::inputs::{describe_handler, ApiSecurity, SpecError};
use crate::context::DeclaredReply;
use crate::finish::DocumentFinish;
use crate::json_writer::{self, Raw};
use crate::meta::OperationMeta;
use crate::openapi::{Components, Info, Method, OpenApi, Operation, PathItem};
use crate::schema::Flavor;
use crate::undocumented::Undocumented;

/// The dialect OpenAPI 3.1 schemas are written in.
const DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// A checked document, and what senders need of its declarations.
pub(crate) struct Assembled {
    pub document: Document,
    /// Every callback's and webhook's reply, once per declaration.
    pub replies: Vec<DeclaredReply>,
    /// The types handlers' signatures could not document, once each.
    pub undocumented: Vec<Undocumented>,
}

/// The form the document is assembled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocumentForm {
    /// A typed [`OpenApi`] tree (`Api::openapi`, `map_document`).
    Typed,
    /// The JSON bytes, each operation serialised as soon as it is finished
    /// and its tree freed (what the documents are served from).
    Json,
}

/// An assembled document, in the form asked for.
pub(crate) enum Document {
    Typed(Box<OpenApi>),
    Json(Vec<u8>),
}

/// One operation in [`Paths::Json`]: its place, and where its JSON is in the
/// text.
pub(super) struct WrittenOperation<'a> {
    pub(super) path: &'a str,
    pub(super) method: Method,
    pub(super) json: Range<u32>,
}

/// The `paths` object of the served document, from the operations sorted by
/// path and method, each one's JSON written as it is. Written only by
/// [`json_writer`].
struct WrittenPaths<'a> {
    pub(super) text: &'a str,
    pub(super) operations: Vec<WrittenOperation<'a>>,
}

impl Serialize for WrittenPaths<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut paths = serializer.serialize_map(None)?;
        for item in self.operations.chunk_by(|a, b| a.path == b.path) {
            paths.serialize_entry(item[0].path, &WrittenItem(self.text, item))?;
        }
        paths.end()
    }
}

/// One path item of [`WrittenPaths`]: its operations, with the text their
/// JSON is in.
struct WrittenItem<'a>(&'a str, &'a [WrittenOperation<'a>]);

impl Serialize for WrittenItem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let WrittenItem(text, operations) = *self;
        // Sorted: the methods with fields of their own first, as `PathItem`
        // writes them, then the others (OpenAPI 3.2), by name.
        let others = operations
            .iter()
            .position(|operation| matches!(operation.method, Method::Other(_)))
            .unwrap_or(operations.len());
        let (fixed, others) = operations.split_at(others);
        let mut item = serializer.serialize_map(None)?;
        for operation in fixed {
            item.serialize_entry(operation.method.as_str(), &Raw(operation.json(text)))?;
        }
        if !others.is_empty() {
            item.serialize_entry("additionalOperations", &WrittenOthers(text, others))?;
        }
        item.end()
    }
}

/// The `additionalOperations` of a [`WrittenItem`]: its operations of
/// methods without a field of their own, by name.
struct WrittenOthers<'a>(&'a str, &'a [WrittenOperation<'a>]);

impl Serialize for WrittenOthers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let WrittenOthers(text, operations) = *self;
        let mut others = serializer.serialize_map(Some(operations.len()))?;
        for operation in operations {
            others.serialize_entry(operation.method.as_str(), &Raw(operation.json(text)))?;
        }
        others.end()
    }
}

impl WrittenOperation<'_> {
    /// The operation's JSON in `text`.
    fn json<'t>(&self, text: &'t str) -> &'t str {
        let range = self.json.start as usize..self.json.end as usize;
        text.get(range).unwrap_or("{}")
    }
}

/// The operations assembled so far, in the form asked for.
pub(super) enum Paths<'a> {
    Typed(BTreeMap<String, PathItem>),
    Json {
        /// Every operation's JSON, one after the other in the order they were
        /// written: one growing buffer rather than an allocation of its own
        /// per operation (each over a kilobyte, where glibc's allocator takes
        /// its slow path).
        text: Vec<u8>,
        /// Where each operation is in `text`, in the order written (a
        /// rewritten one again, later); sorted when the document is written.
        operations: Vec<WrittenOperation<'a>>,
    },
}

impl<'a> Paths<'a> {
    /// Puts `operation` at `path` and `method` (serialised, in JSON form); one
    /// that cannot be serialised is `meta`'s problem.
    pub(super) fn put(
        &mut self,
        path: &'a str,
        method: Method,
        operation: Operation,
        meta: &OperationMeta,
        problems: &mut Vec<String>,
    ) {
        if let Err(error) = self.try_put(path, method, operation) {
            problems.push(format!(
                "{}: cannot be serialised: {error}",
                describe_handler(meta)
            ));
        }
    }

    fn try_put(
        &mut self,
        path: &'a str,
        method: Method,
        operation: Operation,
    ) -> Result<(), json_writer::Error> {
        match self {
            Paths::Typed(paths) => {
                paths
                    .entry(path.to_owned())
                    .or_default()
                    .insert(method, operation);
            }
            Paths::Json { text, operations } => {
                let start = text.len();
                let written = json_writer::write(text, &operation).and_then(|()| {
                    let end = u32::try_from(text.len()).map_err(serde::ser::Error::custom)?;
                    // `end` fits, so `start` does.
                    Ok(start as u32..end)
                });
                // Freed here, while its memory is still in the cache, for the
                // next operation to reuse.
                drop(operation);
                match written {
                    Ok(json) => operations.push(WrittenOperation { path, method, json }),
                    Err(error) => {
                        text.truncate(start);
                        return Err(error);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The document around the assembled paths and webhooks: version and dialect,
/// components, the `Api`'s finishing touches; typed, or written to its JSON.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_document(
    info: Info,
    flavor: Flavor,
    paths: Paths<'_>,
    webhooks: BTreeMap<String, PathItem>,
    omitted_webhooks: Vec<&str>,
    security: &ApiSecurity,
    finish: &DocumentFinish,
    mut assembly: Assembly<'_>,
    shared: Shared,
) -> Result<Document, SpecError> {
    let mut extensions = BTreeMap::new();
    let (version, dialect) = match flavor {
        Flavor::V3_1 => ("3.1.0", Some(DIALECT.to_owned())),
        // 3.2's default dialect is its own base dialect: nothing to say.
        Flavor::V3_2 => ("3.2.0", None),
        Flavor::V3_0 => {
            // OpenAPI 3.0 has no webhooks; say which were left out.
            if !omitted_webhooks.is_empty() {
                let mut names: Vec<&str> = omitted_webhooks;
                names.sort_unstable();
                names.dedup();
                extensions.insert("x-omitted-webhooks".to_owned(), names.into());
            }
            ("3.0.3", None)
        }
    };
    let mut document = OpenApi {
        openapi: version.to_owned(),
        // The `Api`'s finish sets it (3.2).
        self_uri: None,
        info,
        servers: Vec::new(),
        json_schema_dialect: dialect,
        paths,
        webhooks,
        components: Components {
            security_schemes: security.schemes.clone(),
            // Before the schemas are taken: they refer to `Problem`.
            responses: assembly.problem_responses(),
            // Taken below, in the form asked for.
            schemas: (),
            parameters: shared.parameters,
            examples: shared.examples,
            request_bodies: shared.request_bodies,
            headers: shared.headers,
        },
        security: security.requirements.clone(),
        tags: Vec::new(),
        extensions,
    };
    finish.document(&mut document, flavor);
    let (document, paths, ()) = document.with_parts((), ());
    let document = match paths {
        Paths::Typed(paths) => {
            let schemas = assembly.schemas.into_components();
            let (mut typed, (), ()) = document.with_parts(paths, schemas);
            finish.map(&mut typed);
            Document::Typed(Box::new(typed))
        }
        Paths::Json {
            text,
            mut operations,
        } => {
            let bytes = text.len();
            // The writer writes only what `&str`s and its own ASCII make.
            let text = match String::from_utf8(text) {
                Ok(text) => text,
                Err(error) => {
                    return Err(SpecError::new(vec![format!(
                        "the operations cannot be served: {error}"
                    )]))
                }
            };
            // Stable: of an operation written twice (renamed callbacks), the
            // later one, last among equals, is the one kept.
            operations.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
            operations.dedup_by(|later, earlier| {
                let same = (later.path, later.method) == (earlier.path, earlier.method);
                if same {
                    earlier.json = later.json.clone();
                }
                same
            });
            let paths = WrittenPaths {
                text: &text,
                operations,
            };
            let schemas = assembly.schemas.into_written_components();
            let (document, (), ()) = document.with_parts(paths, schemas);
            // The operations, and as much again for the rest (mostly schemas).
            let mut json = Vec::with_capacity(bytes + bytes / 2);
            // Of plain maps, strings and serialised operations: cannot fail.
            if json_writer::write(&mut json, &document).is_err() {
                json.clear();
            }
            // What is left (the schemas' maps, the operations' bytes) is freed
            // aside too.
            let (_, paths, schemas) = document.with_parts((), ());
            drop(paths);
            drop_large((schemas, text), json.len());
            Document::Json(json)
        }
    };
    Ok(document)
}

/// Frees what a large document was built from: tens of thousands of maps and
/// strings for hundreds of operations, as long to free as to serialise. A
/// document of `serialised_bytes` over 256 KiB has it freed on a short-lived
/// thread, so the server starts without waiting for it.
pub(crate) fn drop_large<T: Send + 'static>(parts: T, serialised_bytes: usize) {
    const LARGE: usize = 256 * 1024;
    if serialised_bytes < LARGE {
        return;
    }
    // If the thread cannot start, the closure, and the parts with it, are
    // dropped here.
    let _ = std::thread::Builder::new()
        .name("hookspec-free".into())
        .spawn(move || drop(parts));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_paths_group_each_paths_operations_around_their_own_json() {
        let text = r#"{"operationId":"a"}{"operationId":"b"}{"operationId":"c"}"#;
        let operations = vec![
            WrittenOperation {
                path: "/a",
                method: Method::Get,
                json: 0..19,
            },
            WrittenOperation {
                path: "/a",
                method: Method::Post,
                json: 19..38,
            },
            WrittenOperation {
                path: "/b",
                method: Method::Get,
                json: 38..57,
            },
        ];
        let mut out = Vec::new();
        json_writer::write(&mut out, &WrittenPaths { text, operations }).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"/a":{"get":{"operationId":"a"},"post":{"operationId":"b"}},"/b":{"get":{"operationId":"c"}}}"#
        );
    }
}
