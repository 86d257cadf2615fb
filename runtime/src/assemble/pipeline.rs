//! The stages in order: each operation described, checked and written; then
//! the webhooks, the checks across operations and the document. Every problem
//! is collected and reported together.

use std::collections::{BTreeMap, BTreeSet};

// foldhash: see `checks.rs`.
use foldhash::{HashSet, HashSetExt};

use super::checks::{
    check_api_security, check_link_targets, check_operation, check_tag_parents,
    check_unique_operation_ids, name_shared_callbacks, PathOwners, Records,
};
use super::components::SharedComponents;
use super::describe::{describe_webhooks, Assembly};
use super::inputs::{join_path, ApiSecurity, ScopedRoute, SpecError};
use super::write::{write_document, Assembled, DocumentForm, Paths};
use crate::context::{DeclaredReply, WebhookRegistration};
use crate::finish::DocumentFinish;
use crate::meta::OperationMeta;
use crate::openapi::{Info, Method};
use crate::schema::{Flavor, SchemaRegistry};
use crate::undocumented::Undocumented;

/// The document of `placed` handlers and `webhooks`, in `form`: typed, or as
/// the JSON it is served as; or every problem found.
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
    check_api_security(security, &mut problems);
    check_tag_parents(&finish.tags, &mut problems);
    let mut assembly = Assembly {
        schemas: SchemaRegistry::new(flavor),
        finish,
        problem_responses: BTreeSet::new(),
    };
    if form == DocumentForm::Json {
        assembly.schemas.write_definitions_early();
    }
    let mut shared = SharedComponents::new(&finish.components, &mut assembly.schemas);
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
    let mut owners = PathOwners::with_capacity(placed.len());
    let mut records = Records::with_capacity(placed.len());
    let mut callback_replies: Vec<DeclaredReply> = Vec::new();
    let mut undocumented: Vec<Undocumented> = Vec::new();
    let mut reported_tags = BTreeSet::new();
    // Every link, with the handler that has it: their targets are checked once
    // every operation is described.
    let mut links = Vec::new();
    // Webhooks registered on the `Api`, then those the handlers' arguments send.
    let mut sent_webhooks: Vec<WebhookRegistration> = webhooks.to_vec();

    for (index, entry) in placed.iter().enumerate() {
        let meta = entry.registration.meta;
        let path = full_paths[index].as_str();
        for method in documented_methods(meta, flavor) {
            if !owners.claim(path, method, meta, &mut problems) {
                continue;
            }
            let (mut operation, used) = assembly.operation(entry, method);
            problems.extend(used.problems);
            check_operation(
                meta,
                (path, method),
                &operation,
                (&used.callbacks, &used.links),
                security,
                &assembly.schemas.definitions(),
                finish,
                &mut reported_tags,
                &mut problems,
            );
            // After the checks, which read parameters and bodies in place.
            shared.share(&mut operation, meta.handler, &mut problems);
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
            links.extend(used.links.iter().map(|link| (meta, *link)));
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
    let webhook_replies: Vec<DeclaredReply> = webhooks.iter().map(|w| w.reply).collect();
    let mut webhooks = match flavor {
        Flavor::V3_1 | Flavor::V3_2 => {
            describe_webhooks(webhooks, &mut assembly.schemas, &mut problems)
        }
        Flavor::V3_0 => BTreeMap::new(),
    };
    for (name, item) in &mut webhooks {
        shared.share_path_item(item, name, &mut problems);
    }
    check_link_targets(&mut assembly, placed, &links, &mut problems);
    name_shared_callbacks(
        &mut assembly,
        placed,
        &mut paths,
        &mut records,
        &mut problems,
    );
    check_unique_operation_ids(&records, &webhooks, &mut problems);
    let shared = shared.finish(flavor != Flavor::V3_0, &mut problems);
    if !problems.is_empty() {
        return Err(SpecError::new(problems));
    }
    // One per declaration (by name and source), callbacks first.
    // (A set: scanning the list for each reply was quadratic in callbacks.)
    let mut replies: Vec<DeclaredReply> = Vec::new();
    let mut known: HashSet<(&str, &str)> =
        HashSet::with_capacity(callback_replies.len() + webhook_replies.len());
    for reply in callback_replies.into_iter().chain(webhook_replies) {
        if known.insert((reply.name, reply.source)) {
            replies.push(reply);
        }
    }
    let document = write_document(
        info,
        flavor,
        paths,
        webhooks,
        omitted_webhooks,
        security,
        finish,
        assembly,
        shared,
    )?;
    Ok(Assembled {
        document,
        replies,
        undocumented,
    })
}

/// The methods of `meta` a document of `flavor` describes: in 3.2 every one
/// it answers (`QUERY` and the others too), before it those with a field in
/// every version.
fn documented_methods(
    meta: &'static OperationMeta,
    flavor: Flavor,
) -> impl Iterator<Item = Method> + 'static {
    let others = match flavor {
        Flavor::V3_2 => meta.other_methods,
        Flavor::V3_1 | Flavor::V3_0 => &[],
    };
    meta.methods
        .iter()
        .copied()
        .chain(others.iter().map(|&name| Method::of_name(name)))
}
