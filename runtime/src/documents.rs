//! The documents an [`Api`](crate::api::Api) builds: assembled once from its
//! registrations, serialised once, kept as bytes with their `ETag`; the typed
//! tree and the 3.0 and 3.2 documents made only when asked for.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;

use crate::assemble::{
    assemble, drop_large, ApiSecurity, Assembled, Document, DocumentForm, ScopedRoute, SpecError,
};
use crate::catalog::EventCatalog;
use crate::context::{DeclaredReply, WebhookRegistration};
use crate::finish::DocumentFinish;
use crate::openapi::{Info, OpenApi};
use crate::schema::Flavor;
use crate::undocumented::Undocumented;

/// One built document, serialised once.
pub(crate) struct ServedDocument {
    pub(crate) json: Bytes,
    pub(crate) etag: HeaderValue,
    /// The typed document, assembled again on first use: serving needs only
    /// the bytes, and a large API's tree of maps and schemas is several times
    /// their size (kept, it would double the memory the documents hold).
    pub(crate) typed: OnceLock<OpenApi>,
}

impl ServedDocument {
    pub(crate) fn new(document: Document) -> Self {
        let json = match document {
            Document::Json(json) => Bytes::from(json),
            Document::Typed(document) => {
                // Serialising a document of plain maps and strings cannot fail.
                let json = Bytes::from(serde_json::to_vec(&document).unwrap_or_default());
                drop_large(document, json.len());
                json
            }
        };
        // foldhash, not std's SipHash: the ETag of a large document is part of
        // serving's cost (BENCHMARKS.md, "Serving the document").
        let hash = foldhash::fast::FixedState::with_seed(0x686f_6f6b).hash_one(&json[..]);
        let etag = HeaderValue::from_str(&format!("\"{hash:016x}\""))
            .unwrap_or(HeaderValue::from_static("\"0\""));
        ServedDocument {
            json,
            etag,
            typed: OnceLock::new(),
        }
    }

    /// The typed document: assembled again from the same inputs, which passed
    /// every check when the bytes were made (assembly is deterministic).
    pub(crate) fn typed(
        &self,
        inputs: &DocumentInputs,
        flavor: Flavor,
    ) -> Result<&OpenApi, SpecError> {
        if let Some(document) = self.typed.get() {
            return Ok(document);
        }
        let Document::Typed(document) = inputs.document(flavor, DocumentForm::Typed)?.document
        else {
            unreachable!("assembled in typed form");
        };
        Ok(self.typed.get_or_init(|| *document))
    }
}

/// The built documents, shared by every worker: OpenAPI 3.1, 3.0.3 for the
/// generators that do not read 3.1 yet, and 3.2 for those that read it.
pub(crate) struct BuiltDocuments {
    pub(crate) v3_1: ServedDocument,
    /// The replies of every callback and webhook documented, for senders.
    pub(crate) replies: Vec<DeclaredReply>,
    /// Built on first use: most servers never serve it, and it goes through the
    /// same registrations and checks as the 3.1 document, which passed them.
    pub(crate) v3_0: OnceLock<Result<ServedDocument, SpecError>>,
    /// Built on first use, as `v3_0`.
    pub(crate) v3_2: OnceLock<Result<ServedDocument, SpecError>>,
    pub(crate) inputs: DocumentInputs,
    /// The types handlers' signatures could not document.
    pub(crate) undocumented: Vec<Undocumented>,
    /// The event types: the webhooks of the 3.1 document, read on first use.
    pub(crate) catalog: OnceLock<EventCatalog>,
}

/// What the documents are built from.
pub(crate) struct DocumentInputs {
    pub(crate) info: Info,
    pub(crate) placed: Vec<ScopedRoute>,
    pub(crate) webhooks: Vec<WebhookRegistration>,
    pub(crate) security: ApiSecurity,
    pub(crate) finish: DocumentFinish,
    /// Whether undocumented types are errors.
    pub(crate) strict: bool,
}

impl DocumentInputs {
    /// The document for `flavor`, in `form`; the served bytes are written
    /// straight to JSON unless the application's `map_document` needs the tree.
    pub(crate) fn document(
        &self,
        flavor: Flavor,
        form: DocumentForm,
    ) -> Result<Assembled, SpecError> {
        let form = if self.finish.needs_tree() {
            DocumentForm::Typed
        } else {
            form
        };
        let assembled = assemble(
            self.info.clone(),
            &self.placed,
            &self.webhooks,
            &self.security,
            &self.finish,
            flavor,
            form,
        )?;
        if self.strict && !assembled.undocumented.is_empty() {
            return Err(SpecError::new(
                assembled
                    .undocumented
                    .iter()
                    .map(|item| format!("not documented (strict): {item}"))
                    .collect(),
            ));
        }
        Ok(assembled)
    }
}

impl BuiltDocuments {
    pub(crate) fn catalog(&self) -> &EventCatalog {
        self.catalog.get_or_init(|| {
            // Bytes this crate wrote: they parse.
            let document = serde_json::from_slice(&self.v3_1.json).unwrap_or_default();
            EventCatalog::from_document(&document)
        })
    }

    /// The served document of `flavor`, built on first use but for 3.1's.
    pub(crate) fn served(&self, flavor: Flavor) -> Result<&ServedDocument, &SpecError> {
        let later = match flavor {
            Flavor::V3_1 => return Ok(&self.v3_1),
            Flavor::V3_0 => &self.v3_0,
            Flavor::V3_2 => &self.v3_2,
        };
        later
            .get_or_init(|| {
                self.inputs
                    .document(flavor, DocumentForm::Json)
                    .map(|assembled| ServedDocument::new(assembled.document))
            })
            .as_ref()
    }
}
