//! Document assembly: registered operations → one checked [`OpenApi`] document.
//! Runs once, when the [`Api`](crate::Api) is first mounted or checked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::callback_check::{check_callbacks, OperationPlace, UsedCallback};
use crate::gradual::Undocumented;
use crate::openapi::{Components, Info, Method, OpenApi, Operation, PathItem};
use crate::operation::{OperationContext, OperationMeta, Used, WebhookMeta};
use crate::payload::ReplyDeclaration;
use crate::schema::{Flavor, SchemaRegistry};
use crate::security::{check_requirements, requirement, SecurityRequirement, SecurityScheme};

/// The dialect OpenAPI 3.1 schemas are written in.
const DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// One webhook as registered on the [`Api`](crate::Api).
#[derive(Clone, Copy)]
pub(crate) struct WebhookRegistration {
    pub meta: &'static WebhookMeta,
    pub describe: fn(&mut OperationContext<'_>),
    pub reply: ReplyDeclaration,
}

impl WebhookRegistration {
    /// The registration of webhook `W`.
    pub(crate) fn of<W: crate::WebhookDeclaration>() -> Self {
        WebhookRegistration {
            meta: &W::META,
            describe: W::describe,
            reply: ReplyDeclaration::of_webhook::<W>(),
        }
    }

    /// Whether both register the same declaration.
    fn same_as(&self, other: &WebhookRegistration) -> bool {
        self.meta.name == other.meta.name
            && self.meta.method == other.meta.method
            && self.meta.source == other.meta.source
    }
}

/// A checked document, and what senders need of its declarations.
pub(crate) struct Assembled {
    pub document: OpenApi,
    /// Every callback's and webhook's reply, once per declaration.
    pub replies: Vec<ReplyDeclaration>,
    /// The types handlers' signatures could not document, once each.
    pub undocumented: Vec<Undocumented>,
}

/// One handler as registered on the [`Api`](crate::Api).
#[derive(Clone, Copy)]
pub(crate) struct Registration {
    pub meta: &'static OperationMeta,
    pub describe: fn(&mut OperationContext<'_>),
}

/// The callbacks one operation lists, for checking after assembly.
struct Attached {
    handler: &'static str,
    method: Method,
    path: String,
    callbacks: Vec<UsedCallback>,
}

/// A registration under the scope prefix it was mounted with.
#[derive(Clone)]
pub(crate) struct Placed {
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

pub(crate) fn assemble(
    info: Info,
    placed: &[Placed],
    webhooks: &[WebhookRegistration],
    security: &ApiSecurity,
    flavor: Flavor,
) -> Result<Assembled, SpecError> {
    let mut problems = Vec::new();
    if let Some(requirements) = &security.requirements {
        check_requirements(requirements, &security.schemes, "the Api", &mut problems);
    }
    let mut schemas = SchemaRegistry::new(flavor);
    let mut paths: BTreeMap<String, PathItem> = BTreeMap::new();
    // (path, method) → the handler that owns it, to report both of a clash.
    let mut owners: HashMap<(String, &'static str), &'static OperationMeta> = HashMap::new();
    let mut attached: Vec<Attached> = Vec::new();
    let mut undocumented: Vec<Undocumented> = Vec::new();
    // Webhooks registered on the `Api`, then those the handlers' arguments send.
    let mut sent_webhooks: Vec<WebhookRegistration> = webhooks.to_vec();

    for Placed {
        prefix,
        registration,
        security: scope_security,
    } in placed
    {
        let meta = registration.meta;
        let path = join_path(prefix, meta.openapi_path);
        for &method in meta.methods {
            // The first handler keeps the path; the later one is the problem.
            match owners.entry((path.clone(), method.as_str())) {
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
            let mut cx = OperationContext::new(&mut schemas, &mut operation, meta.path_parameters);
            (registration.describe)(&mut cx);
            let Used {
                callbacks: used_callbacks,
                webhooks: used,
                problems: found,
                undocumented: not_documented,
                required,
            } = cx.into_used();
            operation.security = operation_security(meta, scope_security, required, &mut problems);
            if let Some(requirements) = &operation.security {
                let place = format!("{} {path} ({})", method.http_name(), describe_handler(meta));
                check_requirements(requirements, &security.schemes, &place, &mut problems);
            }
            for problem in found {
                problems.push(format!("{}: {problem}", describe_handler(meta)));
            }
            for (what, fix) in not_documented {
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
            // Parameters no argument documents (read through
            // `HttpRequest::match_info()`) are still in the path: strings.
            for name in meta.path_parameters {
                let documented = operation.parameters.iter().any(|parameter| {
                    parameter.location == crate::openapi::ParameterIn::Path
                        && parameter.name == *name
                });
                if !documented {
                    operation.parameters.push(crate::openapi::Parameter {
                        name: (*name).to_owned(),
                        location: crate::openapi::ParameterIn::Path,
                        description: None,
                        required: true,
                        schema: schemars::json_schema!({ "type": "string" }),
                    });
                }
            }
            for webhook in used {
                if !sent_webhooks.iter().any(|known| known.same_as(&webhook)) {
                    sent_webhooks.push(webhook);
                }
            }
            if !used_callbacks.is_empty() {
                attached.push(Attached {
                    handler: meta.handler,
                    method,
                    path: path.clone(),
                    callbacks: used_callbacks,
                });
            }
            *paths.entry(path.clone()).or_default().slot_mut(method) = Some(operation);
        }
    }

    // 3.0 has no webhooks: they are only named, and their types not described,
    // so their schemas do not linger unused.
    let webhooks = &sent_webhooks;
    let omitted_webhooks: Vec<&str> = webhooks.iter().map(|w| w.meta.name).collect();
    let webhook_replies: Vec<ReplyDeclaration> = webhooks.iter().map(|w| w.reply).collect();
    let webhooks = match flavor {
        Flavor::V3_1 => describe_webhooks(webhooks, &mut schemas, &mut problems),
        Flavor::V3_0 => BTreeMap::new(),
    };
    name_shared_callbacks(&mut paths);
    check_unique_operation_ids(&paths, &webhooks, &owners, &mut problems);
    let components = schemas.into_components();
    for use_site in &attached {
        let operation = paths
            .get(&use_site.path)
            .and_then(|item| item.operation(use_site.method));
        if let Some(operation) = operation {
            let place = OperationPlace {
                handler: use_site.handler,
                method: use_site.method.http_name(),
                path: &use_site.path,
            };
            check_callbacks(
                &place,
                operation,
                &use_site.callbacks,
                &components,
                &mut problems,
            );
        }
    }

    if !problems.is_empty() {
        return Err(SpecError { problems });
    }
    let mut extensions = BTreeMap::new();
    let (version, dialect, webhooks) = match flavor {
        Flavor::V3_1 => ("3.1.0", Some(DIALECT.to_owned()), webhooks),
        Flavor::V3_0 => {
            // OpenAPI 3.0 has no webhooks; say which were left out.
            if !omitted_webhooks.is_empty() {
                let mut names: Vec<&str> = omitted_webhooks;
                names.sort_unstable();
                names.dedup();
                extensions.insert("x-omitted-webhooks".to_owned(), names.into());
            }
            ("3.0.3", None, webhooks)
        }
    };
    // One per declaration (by name and source), callbacks first.
    // (A set: scanning the list for each reply was quadratic in callbacks.)
    let mut replies: Vec<ReplyDeclaration> = Vec::new();
    let mut known: HashSet<(&str, &str)> = HashSet::new();
    let declared = attached
        .iter()
        .flat_map(|use_site| use_site.callbacks.iter().map(|callback| callback.reply))
        .chain(webhook_replies);
    for reply in declared {
        if known.insert((reply.name, reply.source)) {
            replies.push(reply);
        }
    }
    let document = OpenApi {
        openapi: version.to_owned(),
        info,
        servers: Vec::new(),
        json_schema_dialect: dialect,
        paths,
        webhooks,
        components: Components {
            security_schemes: security.schemes.clone(),
            schemas: components,
        },
        security: security.requirements.clone(),
        tags: Vec::new(),
        extensions,
    };
    Ok(Assembled {
        document,
        replies,
        undocumented,
    })
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
            .slot_mut(meta.method) = Some(operation);
    }
    webhooks
}

/// Calls `visit` on every operation of `paths`, in document order.
fn for_each_operation_mut(
    paths: &mut BTreeMap<String, PathItem>,
    mut visit: impl FnMut(&mut Operation),
) {
    for item in paths.values_mut() {
        for method in Method::ALL {
            if let Some(operation) = item.slot_mut(method) {
                visit(operation);
            }
        }
    }
}

/// A callback attached to one operation keeps its own name as operation id. One
/// attached to several would repeat that id, which OpenAPI forbids, so each use
/// becomes `<operation id>_<callback name>`.
fn name_shared_callbacks(paths: &mut BTreeMap<String, PathItem>) {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for_each_operation_mut(paths, |operation| {
        for name in operation.callbacks.keys() {
            *uses.entry(name.clone()).or_default() += 1;
        }
    });
    for_each_operation_mut(paths, |operation| {
        let owner = operation.operation_id.clone().unwrap_or_default();
        for (name, by_url) in operation.callbacks.iter_mut() {
            if uses.get(name).copied().unwrap_or(0) < 2 {
                continue;
            }
            for item in by_url.values_mut() {
                for method in Method::ALL {
                    if let Some(callback) = item.slot_mut(method) {
                        callback.operation_id = Some(format!("{owner}_{name}"));
                    }
                }
            }
        }
    });
}

/// Where an operation id is used, described only when it clashes (building
/// the words for every operation would cost more than the check).
#[derive(Clone, Copy)]
enum IdUse<'a> {
    Operation(&'a str, Method),
    Callback(&'a str, &'a str, Method),
    Webhook(&'a str),
}

fn check_unique_operation_ids(
    paths: &BTreeMap<String, PathItem>,
    webhooks: &BTreeMap<String, PathItem>,
    owners: &HashMap<(String, &'static str), &'static OperationMeta>,
    problems: &mut Vec<String>,
) {
    // The handler of each (path, method), as assembly recorded it.
    let handler_of = |path: &str, method: Method| {
        owners
            .get(&(path.to_owned(), method.as_str()))
            .map(|meta| describe_handler(meta))
            .unwrap_or_else(|| format!("{} {path}", method.http_name()))
    };
    let describe = |place: IdUse<'_>| match place {
        IdUse::Operation(path, method) => handler_of(path, method),
        IdUse::Callback(name, path, method) => {
            format!("callback `{name}` of {}", handler_of(path, method))
        }
        IdUse::Webhook(name) => format!("webhook `{name}`"),
    };
    let mut uses: Vec<(&str, IdUse<'_>)> = Vec::new();
    for (path, item) in paths {
        for method in item.methods() {
            let Some(operation) = item.operation(method) else {
                continue;
            };
            if let Some(id) = &operation.operation_id {
                uses.push((id, IdUse::Operation(path, method)));
            }
            for (name, by_url) in &operation.callbacks {
                for callback_item in by_url.values() {
                    for callback_method in callback_item.methods() {
                        if let Some(id) = callback_item
                            .operation(callback_method)
                            .and_then(|op| op.operation_id.as_ref())
                        {
                            uses.push((id, IdUse::Callback(name, path, method)));
                        }
                    }
                }
            }
        }
    }
    for (name, item) in webhooks {
        for method in item.methods() {
            if let Some(id) = item
                .operation(method)
                .and_then(|op| op.operation_id.as_ref())
            {
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
                describe(*first),
                describe(place)
            ));
        } else {
            seen.insert(id, place);
        }
    }
}
