//! Document assembly: registered operations → one checked OpenAPI document,
//! typed ([`OpenApi`]) or as the JSON it is served as. Runs once, when the
//! [`Api`](crate::api::Api) is first mounted or checked.
//!
//! Each operation is described, checked and finished on its own. For the
//! served bytes it is then serialised at once and its tree freed, so memory
//! holds one operation's maps at a time instead of the whole API's (a large
//! API's whole tree is several times its JSON, and as slow to free as to
//! serialise).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

// foldhash, not std's SipHash: the maps below hold every operation's path
// and ids, and SipHash showed in assembly's profile. Nothing here is keyed by
// what a client sends, so a fixed-seed hash is safe.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::fmt;
use std::ops::Range;

use serde::ser::{Serialize, SerializeMap};

use crate::callback_check::{check_callbacks, OperationPlace};
use crate::context::OperationContext;
use crate::context::{Described, ReplyDeclaration, WebhookRegistration};
use crate::finish::DocumentFinish;
use crate::json_writer::{self, Raw};
use crate::meta::{OperationMeta, WebhookMeta};
use crate::openapi::{
    Components, Info, Method, OpenApi, Operation, Parameter, ParameterIn, PathItem, RefOr, Response,
};
use crate::problem;
use crate::schema::{Flavor, SchemaRegistry};
use crate::security::{check_requirements, requirement, SecurityRequirement, SecurityScheme};
use crate::undocumented::Undocumented;

/// The dialect OpenAPI 3.1 schemas are written in.
const DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// A checked document, and what senders need of its declarations.
pub(crate) struct Assembled {
    pub document: Document,
    /// Every callback's and webhook's reply, once per declaration.
    pub replies: Vec<ReplyDeclaration>,
    /// The types handlers' signatures could not document, once each.
    pub undocumented: Vec<Undocumented>,
}

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
fn describe_handler(meta: &OperationMeta) -> String {
    format!("`{}` ({})", meta.handler, meta.source)
}

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
struct WrittenOperation<'a> {
    path: &'a str,
    method: Method,
    json: Range<u32>,
}

/// The `paths` object of the served document, from the operations sorted by
/// path and method, each one's JSON written as it is. Written only by
/// [`json_writer`].
struct WrittenPaths<'a> {
    text: &'a str,
    operations: Vec<WrittenOperation<'a>>,
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
        let mut item = serializer.serialize_map(Some(operations.len()))?;
        for operation in operations {
            let range = operation.json.start as usize..operation.json.end as usize;
            let json = text.get(range).unwrap_or("{}");
            item.serialize_entry(operation.method.as_str(), &Raw(json))?;
        }
        item.end()
    }
}

/// The operations assembled so far, in the form asked for.
enum Paths<'a> {
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
    fn put(
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
                *paths.entry(path.to_owned()).or_default().slot_mut(method) =
                    Some(Box::new(operation));
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

/// What the operation-id check and the naming of shared callbacks need of the
/// operations, kept after the operations themselves are written. One list of
/// callbacks and one of ids for all of them, and each name or id borrowed
/// from its declaration when it is the declared one: kept to the end, a
/// string and a list per operation and per callback were five allocations an
/// operation.
struct Records<'a> {
    operations: Vec<Written<'a>>,
    callbacks: Vec<WrittenCallback>,
    /// The operation ids of the callbacks' requests.
    callback_ids: Vec<Option<Cow<'static, str>>>,
}

/// One written operation in [`Records`].
struct Written<'a> {
    /// Its registration (an index into the placed handlers), to describe it
    /// again if one of its callbacks turns out to be shared.
    placed: usize,
    method: Method,
    path: &'a str,
    meta: &'static OperationMeta,
    operation_id: Option<Cow<'static, str>>,
    /// Its callbacks, in `Records::callbacks`.
    callbacks: Range<usize>,
}

/// One callback of a written operation: its name, and where the operation ids
/// of its requests are in `Records::callback_ids` (in document order).
struct WrittenCallback {
    name: Cow<'static, str>,
    ids: Range<usize>,
}

impl<'a> Records<'a> {
    fn with_capacity(operations: usize) -> Self {
        Records {
            operations: Vec::with_capacity(operations),
            callbacks: Vec::with_capacity(operations),
            callback_ids: Vec::with_capacity(operations),
        }
    }

    /// Records `operation`, described from `placed` at `path` and `method`;
    /// `declared` are the names of the callbacks its handler declares.
    fn push(
        &mut self,
        (placed, path, method): (usize, &'a str, Method),
        meta: &'static OperationMeta,
        operation: &Operation,
        declared: impl Iterator<Item = &'static str> + Clone,
    ) {
        let start = self.callbacks.len();
        for (name, by_url) in &operation.callbacks {
            let declared = declared.clone().find(|known| known == name);
            let ids = self.callback_ids.len();
            for item in by_url.values() {
                for method in item.methods() {
                    let id = item
                        .operation(method)
                        .and_then(|o| o.operation_id.as_deref());
                    self.callback_ids
                        .push(id.map(|id| as_declared(id, declared)));
                }
            }
            self.callbacks.push(WrittenCallback {
                name: as_declared(name, declared),
                ids: ids..self.callback_ids.len(),
            });
        }
        self.operations.push(Written {
            placed,
            method,
            path,
            meta,
            operation_id: operation
                .operation_id
                .as_deref()
                .map(|id| as_declared(id, Some(meta.operation_id))),
            callbacks: start..self.callbacks.len(),
        });
    }
}

/// `text`, borrowed from its declaration when it is `declared`.
fn as_declared(text: &str, declared: Option<&'static str>) -> Cow<'static, str> {
    match declared {
        Some(declared) if declared == text => Cow::Borrowed(declared),
        _ => Cow::Owned(text.to_owned()),
    }
}

/// What describing the operations needs throughout.
struct Assembly<'a> {
    schemas: SchemaRegistry,
    security: &'a ApiSecurity,
    finish: &'a DocumentFinish,
    /// The statuses of the problem responses operations refer to, for
    /// `components.responses`.
    problem_responses: BTreeSet<u16>,
}

impl Assembly<'_> {
    /// Describes one operation from its handler's signature and finishes it.
    /// What the description found besides the operation comes back in
    /// `Described`, its problems worded with the handler.
    fn operation(
        &mut self,
        placed: &ScopedRoute,
        path: &str,
        method: Method,
    ) -> (Operation, Described) {
        let meta = placed.registration.meta;
        let operation_id = if meta.methods.len() > 1 {
            format!("{}_{}", meta.operation_id, method.as_str())
        } else {
            meta.operation_id.to_owned()
        };
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
        if let Some(requirements) = &operation.security {
            let place = format!("{} {path} ({})", method.http_name(), describe_handler(meta));
            check_requirements(
                requirements,
                &self.security.schemes,
                &place,
                &mut used.problems,
            );
        }
        // Parameters no argument documents (read through
        // `HttpRequest::match_info()`) are still in the path: strings.
        for name in meta.path_parameters {
            let documented = operation.parameters.iter().any(|parameter| {
                parameter.location == ParameterIn::Path && parameter.name == *name
            });
            if !documented {
                operation.parameters.push(Parameter {
                    name: (*name).to_owned(),
                    location: ParameterIn::Path,
                    description: None,
                    required: true,
                    schema: schemars::json_schema!({ "type": "string" }),
                });
            }
        }
        if !used.callbacks.is_empty() {
            let place = OperationPlace {
                handler: meta.handler,
                method: method.http_name(),
                path,
            };
            let definitions = self.schemas.definitions();
            check_callbacks(
                &place,
                &operation,
                &used.callbacks,
                &definitions,
                &mut used.problems,
            );
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
    fn problem_responses(&mut self) -> BTreeMap<String, Response> {
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

pub(crate) fn assemble(
    info: Info,
    placed: &[ScopedRoute],
    webhooks: &[WebhookRegistration],
    security: &ApiSecurity,
    finish: &DocumentFinish,
    flavor: Flavor,
    form: DocumentForm,
) -> Result<Assembled, SpecError> {
    let mut problems = Vec::new();
    if let Some(requirements) = &security.requirements {
        check_requirements(requirements, &security.schemes, "the Api", &mut problems);
    }
    let mut assembly = Assembly {
        schemas: SchemaRegistry::new(flavor),
        security,
        finish,
        problem_responses: BTreeSet::new(),
    };
    if form == DocumentForm::Json {
        assembly.schemas.write_definitions_early();
    }
    // About one named type per handler (its body), the rest shared.
    assembly.schemas.reserve(placed.len());
    // Each handler's path under its scope, made once: the clash check, the
    // written paths and the records of what was written borrow it.
    let full_paths: Vec<String> = placed
        .iter()
        .map(|entry| join_path(&entry.prefix, entry.registration.meta.openapi_path))
        .collect();
    let mut paths = match form {
        DocumentForm::Typed => Paths::Typed(BTreeMap::new()),
        DocumentForm::Json => Paths::Json {
            // A kilobyte an operation, about what one takes: the pages past
            // what is written are never touched.
            text: Vec::with_capacity(placed.len() * 1024),
            operations: Vec::with_capacity(placed.len()),
        },
    };
    // (path, method) → the handler that owns it, to report both of a clash.
    let mut owners: HashMap<(&str, Method), &'static OperationMeta> =
        HashMap::with_capacity(placed.len());
    let mut records = Records::with_capacity(placed.len());
    let mut callback_replies: Vec<ReplyDeclaration> = Vec::new();
    let mut undocumented: Vec<Undocumented> = Vec::new();
    let mut reported_tags = BTreeSet::new();
    // Webhooks registered on the `Api`, then those the handlers' arguments send.
    let mut sent_webhooks: Vec<WebhookRegistration> = webhooks.to_vec();

    for (index, entry) in placed.iter().enumerate() {
        let meta = entry.registration.meta;
        let path = full_paths[index].as_str();
        for &method in meta.methods {
            // The first handler keeps the path; the later one is the problem.
            match owners.entry((path, method)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    problems.push(format!(
                        "{} {path} is handled twice: by {} and by {}",
                        method.http_name(),
                        describe_handler(first.get()),
                        describe_handler(meta),
                    ));
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(meta);
                }
            }
            let (operation, used) = assembly.operation(entry, path, method);
            problems.extend(used.problems);
            finish.check_tags(
                &operation,
                (method, path),
                &mut reported_tags,
                &mut problems,
            );
            for (what, fix) in used.undocumented {
                let item = Undocumented {
                    handler: meta.handler,
                    source: meta.source,
                    what,
                    fix,
                };
                // Once per handler, not per method or route.
                if !undocumented.contains(&item) {
                    undocumented.push(item);
                }
            }
            for webhook in used.webhooks {
                if !sent_webhooks.iter().any(|known| known.same_as(&webhook)) {
                    sent_webhooks.push(webhook);
                }
            }
            callback_replies.extend(used.callbacks.iter().map(|callback| callback.reply));
            let declared = used.callbacks.iter().map(|callback| callback.name);
            records.push((index, path, method), meta, &operation, declared);
            paths.put(path, method, operation, meta, &mut problems);
            // Its schemas are checked: written, once there are enough.
            assembly.schemas.write_checked();
        }
    }

    // 3.0 has no webhooks: they are only named, and their types not described,
    // so their schemas do not linger unused.
    let webhooks = &sent_webhooks;
    let omitted_webhooks: Vec<&str> = webhooks.iter().map(|w| w.meta.name).collect();
    let webhook_replies: Vec<ReplyDeclaration> = webhooks.iter().map(|w| w.reply).collect();
    let webhooks = match flavor {
        Flavor::V3_1 => describe_webhooks(webhooks, &mut assembly.schemas, &mut problems),
        Flavor::V3_0 => BTreeMap::new(),
    };
    name_shared_callbacks(
        &mut assembly,
        placed,
        &mut paths,
        &mut records,
        &mut problems,
    );
    check_unique_operation_ids(&records, &webhooks, &mut problems);
    if !problems.is_empty() {
        return Err(SpecError { problems });
    }
    let mut extensions = BTreeMap::new();
    let (version, dialect) = match flavor {
        Flavor::V3_1 => ("3.1.0", Some(DIALECT.to_owned())),
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
    // One per declaration (by name and source), callbacks first.
    // (A set: scanning the list for each reply was quadratic in callbacks.)
    let mut replies: Vec<ReplyDeclaration> = Vec::new();
    let mut known: HashSet<(&str, &str)> =
        HashSet::with_capacity(callback_replies.len() + webhook_replies.len());
    for reply in callback_replies.into_iter().chain(webhook_replies) {
        if known.insert((reply.name, reply.source)) {
            replies.push(reply);
        }
    }
    let mut document = OpenApi {
        openapi: version.to_owned(),
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
    Ok(Assembled {
        document,
        replies,
        undocumented,
    })
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

/// The `webhooks` map; a name and method registered twice is a problem.
fn describe_webhooks(
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
        *webhooks
            .entry(meta.name.to_owned())
            .or_default()
            .slot_mut(meta.method) = Some(Box::new(operation));
    }
    webhooks
}

/// A callback attached to one operation keeps its own name as operation id. One
/// attached to several would repeat that id, which OpenAPI forbids, so each use
/// becomes `<operation id>_<callback name>`. That is known only once every
/// operation is assembled: a written operation with a shared callback is
/// described again (the same inputs make the same operation; its problems were
/// reported the first time) and replaced.
fn name_shared_callbacks<'a>(
    assembly: &mut Assembly<'_>,
    placed: &[ScopedRoute],
    paths: &mut Paths<'a>,
    records: &mut Records<'a>,
    problems: &mut Vec<String>,
) {
    let Records {
        operations,
        callbacks,
        callback_ids,
    } = records;
    let mut uses: HashMap<&str, usize> = HashMap::with_capacity(callbacks.len());
    for callback in callbacks.iter() {
        *uses.entry(&callback.name).or_default() += 1;
    }
    let shared: HashSet<String> = uses
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(name, _)| name.to_owned())
        .collect();
    if shared.is_empty() {
        return;
    }
    for record in operations.iter() {
        let owner = record.operation_id.as_deref().unwrap_or_default();
        let mut renamed = false;
        for callback in &callbacks[record.callbacks.clone()] {
            if shared.contains(&*callback.name) {
                let id = format!("{owner}_{}", callback.name);
                callback_ids[callback.ids.clone()]
                    .iter_mut()
                    .for_each(|slot| *slot = Some(Cow::Owned(id.clone())));
                renamed = true;
            }
        }
        if !renamed {
            continue;
        }
        let rename = |operation: &mut Operation| {
            for (name, by_url) in operation.callbacks.iter_mut() {
                if shared.contains(name) {
                    for callback in by_url.values_mut().flat_map(PathItem::operations_mut) {
                        callback.operation_id = Some(format!("{owner}_{name}"));
                    }
                }
            }
        };
        match paths {
            Paths::Typed(tree) => {
                let slot = tree
                    .get_mut(record.path)
                    .and_then(|item| item.slot_mut(record.method).as_mut());
                if let Some(operation) = slot {
                    rename(operation);
                }
            }
            Paths::Json { .. } => {
                let entry = &placed[record.placed];
                let (mut operation, _) = assembly.operation(entry, record.path, record.method);
                rename(&mut operation);
                paths.put(record.path, record.method, operation, record.meta, problems);
            }
        }
    }
}

/// Where an operation id is used, described only when it clashes (building
/// the words for every operation would cost more than the check).
#[derive(Clone, Copy)]
enum IdUse<'a> {
    Operation(&'a Written<'a>),
    Callback(&'a str, &'a Written<'a>),
    Webhook(&'a str),
}

impl IdUse<'_> {
    fn describe(self) -> String {
        match self {
            IdUse::Operation(written) => describe_handler(written.meta),
            IdUse::Callback(name, written) => {
                format!("callback `{name}` of {}", describe_handler(written.meta))
            }
            IdUse::Webhook(name) => format!("webhook `{name}`"),
        }
    }
}

/// Every operation id (operations, their callbacks' requests, webhooks) is
/// used once.
fn check_unique_operation_ids(
    records: &Records<'_>,
    webhooks: &BTreeMap<String, PathItem>,
    problems: &mut Vec<String>,
) {
    let mut uses: Vec<(&str, IdUse<'_>)> =
        Vec::with_capacity(records.operations.len() + records.callback_ids.len());
    for record in &records.operations {
        if let Some(id) = &record.operation_id {
            uses.push((id, IdUse::Operation(record)));
        }
        for callback in &records.callbacks[record.callbacks.clone()] {
            for id in records.callback_ids[callback.ids.clone()].iter().flatten() {
                uses.push((id, IdUse::Callback(&callback.name, record)));
            }
        }
    }
    for (name, item) in webhooks {
        for operation in item.methods().filter_map(|method| item.operation(method)) {
            if let Some(id) = &operation.operation_id {
                uses.push((id, IdUse::Webhook(name)));
            }
        }
    }
    let mut seen: HashMap<&str, IdUse<'_>> = HashMap::with_capacity(uses.len());
    for (id, place) in uses {
        if let Some(first) = seen.get(id) {
            problems.push(format!(
                "operation id `{id}` is used twice: by {} and by {}; \
                 set `operation_id = \"...\"` on one of them",
                first.describe(),
                place.describe()
            ));
        } else {
            seen.insert(id, place);
        }
    }
}
