//! What an [`Api`](crate::api::Api) adds to an assembled document before it is
//! served: its servers and tags (declared tags checked under strict tags), the
//! Standard Webhooks headers of signed callbacks and webhooks, the licence in
//! 3.0's form, and last the application's own `map_document`. Operations are
//! finished one at a time, as assembly writes them.

use std::sync::Arc;

use schemars::json_schema;

use crate::component_names::ComponentNames;
use crate::openapi::{OpenApi, Operation, Parameter, ParameterIn, RefOr, Server, Tag};
use crate::schema::Flavor;

/// The application's last word on the document (`Api::map_document`).
pub(crate) type DocumentMap = Arc<dyn Fn(&mut OpenApi) + Send + Sync>;

/// How the `Api` finishes its documents.
#[derive(Clone, Default)]
pub(crate) struct DocumentFinish {
    /// The 3.2 document's `$self`.
    pub self_uri: Option<String>,
    pub servers: Vec<Server>,
    pub tags: Vec<Tag>,
    /// Whether an operation's tag must be declared.
    pub strict_tags: bool,
    /// Whether callbacks and webhooks are signed (Standard Webhooks headers).
    pub signed_callbacks: bool,
    pub map: Option<DocumentMap>,
    /// What the application shares under `components` (`Api::component_*`).
    pub components: ComponentNames,
}

impl DocumentFinish {
    /// Whether the document must exist as a whole typed tree before it is
    /// serialised: the application's `map_document` sees all of it.
    pub(crate) fn needs_tree(&self) -> bool {
        self.map.is_some()
    }

    /// Finishes one operation: the signature headers on its callbacks'
    /// requests (signed callbacks).
    pub(crate) fn operation(&self, operation: &mut Operation) {
        if self.signed_callbacks {
            for by_url in operation.callbacks.values_mut() {
                for callback in by_url.values_mut() {
                    callback.operations_mut().for_each(add_signature_headers);
                }
            }
        }
    }

    /// Finishes the document around its operations: servers, tags, the
    /// webhooks' signature headers; before 3.2, tags and security schemes
    /// without what only 3.2 has, and in 3.0 the licence in its form.
    pub(crate) fn document<Paths, Schemas>(
        &self,
        document: &mut OpenApi<Paths, Schemas>,
        flavor: Flavor,
    ) {
        document.servers = self.servers.clone();
        if flavor == Flavor::V3_2 {
            document.self_uri = self.self_uri.clone();
            document.tags = self.tags.clone();
        } else {
            document.tags = self.tags.iter().map(Tag::before_3_2).collect();
            for scheme in document.components.security_schemes.values_mut() {
                *scheme = scheme.before_3_2();
            }
        }
        if self.signed_callbacks {
            for webhook in document.webhooks.values_mut() {
                webhook.operations_mut().for_each(add_signature_headers);
            }
        }
        if flavor == Flavor::V3_0 {
            // 3.0 licences have a URL, not an SPDX identifier.
            if let Some(license) = &mut document.info.license {
                if let Some(id) = license.identifier.take() {
                    license.url = Some(format!("https://spdx.org/licenses/{id}.html"));
                }
            }
        }
    }

    /// The application's last word (`Api::map_document`), on the whole
    /// finished document.
    pub(crate) fn map(&self, document: &mut OpenApi) {
        if let Some(map) = &self.map {
            map(document);
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

/// Documents the Standard Webhooks headers on a callback's or webhook's
/// request, so that a receiver's generated code sees them.
fn add_signature_headers(operation: &mut Operation) {
    for (name, description) in SIGNATURE_HEADERS {
        if !operation
            .parameters_in_place()
            .any(|p| p.location == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
        {
            operation.parameters.push(RefOr::Item(Parameter {
                name: name.to_owned(),
                location: ParameterIn::Header,
                description: Some(description.to_owned()),
                required: true,
                schema: json_schema!({ "type": "string" }),
            }));
        }
    }
}
