//! Every check of the document, in one place: the API's security; of each
//! operation, its security requirements, its callbacks' expressions and its
//! tags; across operations, two handlers for one method and path and operation
//! ids used twice; and the names of callbacks several operations share. Each
//! adds to one list of problems, reported together.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

// foldhash, not std's SipHash: the maps below hold every operation's path
// and ids, and SipHash showed in assembly's profile. Nothing here is keyed by
// what a client sends, so a fixed-seed hash is safe.
use foldhash::{HashMap, HashMapExt, HashSet};
use std::ops::Range;

use super::describe::Assembly;
use super::inputs::{describe_handler, ApiSecurity, ScopedRoute};
use super::write::Paths;
use crate::callback_check::{check_callbacks, check_links, OperationPlace};
use crate::context::{UsedCallback, UsedLink};
use crate::finish::DocumentFinish;
use crate::meta::OperationMeta;
use crate::openapi::{Method, Operation, PathItem, Tag};
use crate::security::check_requirements;
use crate::written_schemas::Definitions;

/// What the operation-id check and the naming of shared callbacks need of the
/// operations, kept after the operations themselves are written. One list of
/// callbacks and one of ids for all of them, and each name or id borrowed
/// from its declaration when it is the declared one: kept to the end, a
/// string and a list per operation and per callback were five allocations an
/// operation.
pub(super) struct Records<'a> {
    pub(super) operations: Vec<Written<'a>>,
    pub(super) callbacks: Vec<WrittenCallback>,
    /// The operation ids of the callbacks' requests.
    pub(super) callback_ids: Vec<Option<Cow<'static, str>>>,
}

/// One written operation in [`Records`].
pub(super) struct Written<'a> {
    /// Its registration (an index into the placed handlers), to describe it
    /// again if one of its callbacks turns out to be shared.
    pub(super) placed: usize,
    pub(super) method: Method,
    pub(super) path: &'a str,
    pub(super) meta: &'static OperationMeta,
    pub(super) operation_id: Option<Cow<'static, str>>,
    /// Its callbacks, in `Records::callbacks`.
    pub(super) callbacks: Range<usize>,
}

/// One callback of a written operation: its name, and where the operation ids
/// of its requests are in `Records::callback_ids` (in document order).
pub(super) struct WrittenCallback {
    pub(super) name: Cow<'static, str>,
    pub(super) ids: Range<usize>,
}

impl<'a> Records<'a> {
    pub(super) fn with_capacity(operations: usize) -> Self {
        Records {
            operations: Vec::with_capacity(operations),
            callbacks: Vec::with_capacity(operations),
            callback_ids: Vec::with_capacity(operations),
        }
    }

    /// Records `operation`, described from `placed` at `path` and `method`;
    /// `declared` are the names of the callbacks its handler declares.
    pub(super) fn push(
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
                for operation in item.operations() {
                    let id = operation.operation_id.as_deref();
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

/// Which handler has each method of each path: the first keeps it, a later
/// one is a problem naming both.
pub(super) struct PathOwners<'a>(HashMap<(&'a str, Method), &'static OperationMeta>);

impl<'a> PathOwners<'a> {
    pub(super) fn with_capacity(operations: usize) -> Self {
        PathOwners(HashMap::with_capacity(operations))
    }

    /// Whether `meta` gets `method` at `path`; if another handler has it, the
    /// clash is added to `problems`.
    pub(super) fn claim(
        &mut self,
        path: &'a str,
        method: Method,
        meta: &'static OperationMeta,
        problems: &mut Vec<String>,
    ) -> bool {
        match self.0.entry((path, method)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                problems.push(format!(
                    "{} {path} is handled twice: by {} and by {}",
                    method.http_name(),
                    describe_handler(first.get()),
                    describe_handler(meta),
                ));
                false
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(meta);
                true
            }
        }
    }
}

/// A callback attached to one operation keeps its own name as operation id. One
/// attached to several would repeat that id, which OpenAPI forbids, so each use
/// becomes `<operation id>_<callback name>`. That is known only once every
/// operation is assembled: a written operation with a shared callback is
/// described again (the same inputs make the same operation; its problems were
/// reported the first time) and replaced.
pub(super) fn name_shared_callbacks<'a>(
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
                    .and_then(|item| item.operation_mut(record.method));
                if let Some(operation) = slot {
                    rename(operation);
                }
            }
            Paths::Json { .. } => {
                let entry = &placed[record.placed];
                let (mut operation, _) = assembly.operation(entry, record.method);
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
    pub(super) fn describe(self) -> String {
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
pub(super) fn check_unique_operation_ids(
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
        for operation in item.operations() {
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

/// The API's own security requirements name declared schemes.
pub(super) fn check_api_security(security: &ApiSecurity, problems: &mut Vec<String>) {
    if let Some(requirements) = &security.requirements {
        check_requirements(requirements, &security.schemes, "the Api", problems);
    }
}

/// Each link's target is a handler of this `Api`, and each parameter it
/// fills is one the target's operation takes (`id`, or `path.id` naming its
/// location too). `links` are (the linking handler, its link).
pub(super) fn check_link_targets(
    assembly: &mut Assembly<'_>,
    placed: &[ScopedRoute],
    links: &[(&OperationMeta, UsedLink)],
    problems: &mut Vec<String>,
) {
    for (from, link) in links {
        let target = link.target;
        let entry = placed.iter().find(|entry| {
            let meta = entry.registration.meta;
            meta.handler == target.handler && meta.source == target.source
        });
        let Some(entry) = entry else {
            problems.push(format!(
                "{}: link `{}` leads to handler `{}` ({}), which this Api does not serve; \
                 add it with `.service({})`",
                describe_handler(from),
                link.name,
                target.handler,
                target.source,
                link.name
            ));
            continue;
        };
        let (operation, _) = assembly.operation(entry, target.first_method());
        for (parameter, _) in link.parameters {
            let (location, name) = match parameter.split_once('.') {
                Some((location, name))
                    if ["path", "query", "header", "cookie"].contains(&location) =>
                {
                    (Some(location), name)
                }
                _ => (None, *parameter),
            };
            let takes = operation.parameters_in_place().any(|taken| {
                taken.name == name
                    && location.is_none_or(|location| taken.location.as_str() == location)
            });
            if !takes {
                let known: Vec<String> = operation
                    .parameters_in_place()
                    .map(|taken| format!("{}.{}", taken.location.as_str(), taken.name))
                    .collect();
                problems.push(format!(
                    "{}: link `{}` fills `{parameter}`, which `{}` does not take (it takes: {})",
                    describe_handler(from),
                    link.name,
                    target.handler,
                    if known.is_empty() {
                        "no parameters".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
    }
}

/// Each declared tag's `parent` is a declared tag, and no tag is its own
/// ancestor.
pub(super) fn check_tag_parents(tags: &[Tag], problems: &mut Vec<String>) {
    let parent_of = |name: &str| {
        tags.iter()
            .find(|tag| tag.name == name)
            .map(|tag| tag.parent.as_deref())
    };
    for tag in tags {
        let Some(parent) = tag.parent.as_deref() else {
            continue;
        };
        if parent_of(parent).is_none() {
            problems.push(format!(
                "tag `{}` has parent `{parent}`, which is not declared; declare it with \
                 `Api::tag(Tag::new(\"{parent}\"))`",
                tag.name
            ));
            continue;
        }
        // At most one step per tag before a chain ends or comes round.
        let mut ancestor = Some(parent);
        for _ in 0..tags.len() {
            match ancestor {
                Some(name) if name == tag.name => {
                    problems.push(format!(
                        "tag `{}` is its own ancestor: its parents come round to it",
                        tag.name
                    ));
                    break;
                }
                Some(name) => ancestor = parent_of(name).flatten(),
                None => break,
            }
        }
    }
}

/// The checks of one described operation, in the order their problems are
/// reported: its security requirements against the declared schemes, every
/// expression of its callbacks and links against it, and (strict tags) its
/// tags.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_operation(
    meta: &OperationMeta,
    (path, method): (&str, Method),
    operation: &Operation,
    (callbacks, links): (&[UsedCallback], &[UsedLink]),
    security: &ApiSecurity,
    definitions: &Definitions<'_>,
    finish: &DocumentFinish,
    reported_tags: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    if let Some(requirements) = &operation.security {
        let place = format!("{} {path} ({})", method.http_name(), describe_handler(meta));
        check_requirements(requirements, &security.schemes, &place, problems);
    }
    if !callbacks.is_empty() || !links.is_empty() {
        let place = OperationPlace {
            handler: meta.handler,
            method: method.http_name(),
            path,
        };
        check_callbacks(&place, operation, callbacks, definitions, problems);
        check_links(&place, operation, links, definitions, problems);
    }
    check_tags(finish, operation, (method, path), reported_tags, problems);
}

/// Under strict tags, reports each tag `operation` uses that is not declared
/// (`Api::tag`); `reported` keeps a tag from being reported by every
/// operation that uses it.
fn check_tags(
    finish: &DocumentFinish,
    operation: &Operation,
    (method, path): (Method, &str),
    reported: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    if !finish.strict_tags {
        return;
    }
    for tag in &operation.tags {
        let declared = finish.tags.iter().any(|known| known.name == *tag);
        if !declared && reported.insert(tag.clone()) {
            problems.push(format!(
                "tag `{tag}` (used by {} {path}) is not declared: add \
                 `Api::tag(Tag::new(\"{tag}\").description(...))` (strict tags)",
                method.http_name()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(handler: &'static str, source: &'static str) -> OperationMeta {
        OperationMeta {
            handler,
            source,
            methods: &[Method::Get],
            other_methods: &[],
            path: "/invoices",
            openapi_path: "/invoices",
            path_parameters: &[],
            operation_id: handler,
            summary: None,
            description: None,
            tags: &[],
            deprecated: false,
            security: None,
        }
    }

    #[test]
    fn a_second_handler_of_a_method_and_path_is_reported_with_the_first() {
        static FIRST: std::sync::OnceLock<OperationMeta> = std::sync::OnceLock::new();
        static SECOND: std::sync::OnceLock<OperationMeta> = std::sync::OnceLock::new();
        let first = FIRST.get_or_init(|| meta("list_invoices", "src/a.rs:10"));
        let second = SECOND.get_or_init(|| meta("all_invoices", "src/b.rs:20"));
        let mut owners = PathOwners::with_capacity(2);
        let mut problems = Vec::new();
        assert!(owners.claim("/invoices", Method::Get, first, &mut problems));
        assert!(owners.claim("/invoices", Method::Post, second, &mut problems));
        assert!(owners.claim("/invoices/{id}", Method::Get, second, &mut problems));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!owners.claim("/invoices", Method::Get, second, &mut problems));
        assert_eq!(
            problems,
            ["GET /invoices is handled twice: by `list_invoices` (src/a.rs:10) and by `all_invoices` (src/b.rs:20)"]
        );
    }
}
