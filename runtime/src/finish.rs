//! What an [`Api`](crate::Api) adds to an assembled document before it is
//! served: its servers and tags (declared tags checked under strict tags), the
//! Standard Webhooks headers of signed callbacks and webhooks, the licence in
//! 3.0's form, and last the application's own `map_document`.

use std::collections::BTreeSet;
use std::sync::Arc;

use schemars::json_schema;

use crate::openapi::{OpenApi, Operation, Parameter, ParameterIn, Server, Tag};
use crate::schema::Flavor;

/// The application's last word on the document (`Api::map_document`).
pub(crate) type DocumentMap = Arc<dyn Fn(&mut OpenApi) + Send + Sync>;

/// How the `Api` finishes its documents.
#[derive(Clone, Default)]
pub(crate) struct Finish {
    pub servers: Vec<Server>,
    pub tags: Vec<Tag>,
    /// Whether an operation's tag must be declared.
    pub strict_tags: bool,
    /// Whether callbacks and webhooks are signed (Standard Webhooks headers).
    pub signed_callbacks: bool,
    pub map: Option<DocumentMap>,
}

impl Finish {
    /// Finishes `document`; the problems found (undeclared tags under strict
    /// tags) go to `problems`.
    pub(crate) fn apply(&self, document: &mut OpenApi, flavor: Flavor, problems: &mut Vec<String>) {
        document.servers = self.servers.clone();
        document.tags = self.tags.clone();
        if self.strict_tags {
            check_tags(document, &self.tags, problems);
        }
        if self.signed_callbacks {
            add_signature_headers(document);
        }
        if flavor == Flavor::V3_0 {
            // 3.0 licences have a URL, not an SPDX identifier.
            if let Some(license) = &mut document.info.license {
                if let Some(id) = license.identifier.take() {
                    license.url = Some(format!("https://spdx.org/licenses/{id}.html"));
                }
            }
        }
        if let Some(map) = &self.map {
            map(document);
        }
    }
}

/// Every tag an operation uses is declared (`Api::tag`).
fn check_tags(document: &OpenApi, declared: &[Tag], problems: &mut Vec<String>) {
    let declared: BTreeSet<&str> = declared.iter().map(|tag| tag.name.as_str()).collect();
    let mut reported = BTreeSet::new();
    for (path, item) in &document.paths {
        for method in item.methods() {
            let Some(operation) = item.operation(method) else {
                continue;
            };
            for tag in &operation.tags {
                if !declared.contains(tag.as_str()) && reported.insert(tag.clone()) {
                    problems.push(format!(
                        "tag `{tag}` (used by {} {path}) is not declared: add \
                         `Api::tag(Tag::new(\"{tag}\").description(...))` (strict tags)",
                        method.http_name()
                    ));
                }
            }
        }
    }
}

/// The headers hookspec's sender puts on every signed request.
const SIGNATURE_HEADERS: [(&str, &str); 3] = [
    (
        "webhook-id",
        "The delivery's id (`msg_...`), the same on every attempt: drop duplicates by it.",
    ),
    (
        "webhook-timestamp",
        "When this attempt was signed, in seconds since the Unix epoch.",
    ),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256>` of `<id>.<timestamp>.<body>` with the shared secret, one \
         per active secret, space-separated (Standard Webhooks).",
    ),
];

/// Documents the Standard Webhooks headers on every callback and webhook, so
/// that a receiver's generated code sees them.
fn add_signature_headers(document: &mut OpenApi) {
    let add = |operation: &mut Operation| {
        for (name, description) in SIGNATURE_HEADERS {
            if !operation
                .parameters
                .iter()
                .any(|p| p.location == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
            {
                operation.parameters.push(Parameter {
                    name: name.to_owned(),
                    location: ParameterIn::Header,
                    description: Some(description.to_owned()),
                    required: true,
                    schema: json_schema!({ "type": "string" }),
                });
            }
        }
    };
    for item in document.paths.values_mut() {
        for operation in item.operations_mut() {
            for by_url in operation.callbacks.values_mut() {
                for callback in by_url.values_mut() {
                    callback.operations_mut().for_each(add);
                }
            }
        }
    }
    for webhook in document.webhooks.values_mut() {
        webhook.operations_mut().for_each(add);
    }
}
