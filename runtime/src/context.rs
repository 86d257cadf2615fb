//! The operation being described, through which the types of a handler's
//! signature document themselves ([`OperationContext`]), and what describing
//! records beside the operation: the callbacks it lists, the webhooks it sends
//! and the replies they expect, read by assembly's checks and by delivery.

use std::collections::btree_map::Entry;

use schemars::JsonSchema;

use hookspec_expr::UrlTemplate;

use crate::meta::{CallbackMeta, OperationMeta, WebhookMeta};
use crate::openapi::{Link, Operation, Parameter, PathItem, RefOr, RequestBody, Response};
use crate::problem;
use crate::schema::SchemaRegistry;
use crate::security::{self, SecurityRequirement};

/// The operation being described, handed to each type of a handler's signature.
///
/// Implementations of [`OperationInput`](crate::input::OperationInput) and
/// [`OperationOutput`](crate::output::OperationOutput) add their parameters, request body
/// and responses through it.
pub struct OperationContext<'a> {
    schemas: &'a mut SchemaRegistry,
    operation: &'a mut Operation,
    path_parameters: &'a [&'static str],
    /// Describing a callback: the request our API sends, so the extractors' error
    /// responses (which our server sends) do not apply.
    is_callback: bool,
    /// The callbacks added, for checking their expressions against the operation.
    used_callbacks: Vec<UsedCallback>,
    /// The webhooks the operation's arguments send, for the top-level `webhooks`.
    used_webhooks: Vec<WebhookRegistration>,
    /// The links added (`links(...)`), for checking them against this
    /// operation and their targets.
    used_links: Vec<UsedLink>,
    /// What the signature's types found wrong (a `Path<T>` whose fields are not
    /// the template's parameters), reported by `Api::check` with the handler.
    problems: Vec<String>,
    /// What the signature's types could not document: (what, how to fix it).
    undocumented: Vec<(String, &'static str)>,
    /// The security requirements the signature's types stated (alternatives).
    required: Vec<SecurityRequirement>,
}

impl<'a> OperationContext<'a> {
    pub(crate) fn new(
        schemas: &'a mut SchemaRegistry,
        operation: &'a mut Operation,
        path_parameters: &'a [&'static str],
    ) -> Self {
        OperationContext {
            schemas,
            operation,
            path_parameters,
            is_callback: false,
            used_callbacks: Vec::new(),
            used_webhooks: Vec::new(),
            used_links: Vec::new(),
            problems: Vec::new(),
            undocumented: Vec::new(),
            required: Vec::new(),
        }
    }

    /// A context for a request our API sends (a callback or a webhook): the
    /// extractors' error responses, which our server sends, do not apply.
    pub(crate) fn outgoing(schemas: &'a mut SchemaRegistry, operation: &'a mut Operation) -> Self {
        let mut cx = OperationContext::new(schemas, operation, &[]);
        cx.is_callback = true;
        cx
    }

    /// The callbacks and webhooks the operation's signature added, and the
    /// problems its types reported.
    pub(crate) fn into_described(self) -> Described {
        Described {
            callbacks: self.used_callbacks,
            webhooks: self.used_webhooks,
            links: self.used_links,
            problems: self.problems,
            undocumented: self.undocumented,
            required: self.required,
        }
    }

    /// States that the operation needs security scheme `scheme` (declared with
    /// [`Api::security_scheme`](crate::api::Api::security_scheme)) with these OAuth 2
    /// `scopes`: what an authentication extractor calls from its
    /// [`OperationInput::describe`](crate::input::OperationInput::describe), with
    /// `add_problem_response(401)`, so that no handler taking it can leave its
    /// authentication undocumented. Several calls are alternatives.
    pub fn require(&mut self, scheme: &str, scopes: &[&str]) {
        let requirement = security::requirement(scheme, scopes);
        if !self.required.contains(&requirement) {
            self.required.push(requirement);
        }
    }

    /// Records a type of the signature that documents nothing or too little
    /// (`what`), and how to document it (`fix`): listed by
    /// `Api::undocumented`, an error under `Api::strict`.
    pub(crate) fn report_undocumented(&mut self, what: String, fix: &'static str) {
        self.undocumented.push((what, fix));
    }

    /// Reports what is wrong with the operation's signature: the document is
    /// not built, and `Api::check` lists `problem` with the handler's name.
    pub fn report_problem(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
    }

    /// Records a webhook the operation's arguments send.
    pub(crate) fn add_webhook_registration(&mut self, webhook: WebhookRegistration) {
        self.used_webhooks.push(webhook);
    }

    /// Whether the operation described is a callback request.
    pub fn is_callback(&self) -> bool {
        self.is_callback
    }

    /// The document's schemas.
    pub fn schemas(&mut self) -> &mut SchemaRegistry {
        self.schemas
    }

    /// The names of the path template's `{...}` segments, in order.
    pub fn path_parameters(&self) -> &[&'static str] {
        self.path_parameters
    }

    /// The operation itself, for what the other methods do not cover.
    pub fn operation_mut(&mut self) -> &mut Operation {
        self.operation
    }

    /// Adds a parameter; a second one with the same name and location replaces it.
    pub fn add_parameter(&mut self, parameter: Parameter) {
        let parameters = &mut self.operation.parameters;
        parameters.retain(|p| {
            p.as_item()
                .is_none_or(|p| !(p.name == parameter.name && p.location == parameter.location))
        });
        parameters.push(RefOr::Item(parameter));
    }

    /// Sets the request body.
    pub fn set_request_body(&mut self, body: RequestBody) {
        self.operation.request_body = Some(RefOr::Item(body));
    }

    /// Sets `example` as the example request body (of each media type), or
    /// reports a problem if the operation takes no body.
    pub fn set_request_example(&mut self, example: Option<serde_json::Value>) {
        let Some(example) = example else {
            return;
        };
        match self.operation.request_body_in_place_mut() {
            Some(body) => {
                for media_type in body.content.values_mut() {
                    media_type.example = Some(example.clone());
                }
            }
            None => self.report_problem(
                "`request_example` is given, but no argument is a request body".to_owned(),
            ),
        }
    }

    /// Adds `example` as the request body's example named `name` (in each
    /// media type), or reports a problem if the operation takes no body.
    pub fn add_request_example(&mut self, name: &str, example: Option<serde_json::Value>) {
        let Some(example) = example else {
            return;
        };
        match self.operation.request_body_in_place_mut() {
            Some(body) => {
                for media_type in body.content.values_mut() {
                    let example = RefOr::Item(crate::openapi::Example::new(example.clone()));
                    media_type.examples.insert(name.to_owned(), example);
                }
            }
            None => self.report_problem(
                "`request_examples` is given, but no argument is a request body".to_owned(),
            ),
        }
    }

    /// Sets a required request body of one media type.
    pub fn set_body(&mut self, media_type: &str, schema: schemars::Schema) {
        let mut content = std::collections::BTreeMap::new();
        content.insert(
            media_type.to_owned(),
            crate::openapi::MediaType::new(schema),
        );
        self.set_request_body(RequestBody {
            description: None,
            required: true,
            content,
        });
    }

    /// Adds a response for `status` (`"200"`, `"4XX"`, `"default"`). A status that is
    /// already documented keeps its description and gains the new media types
    /// (a problem response an extractor documented gives way: the new
    /// response's description, with the problem body beside its own).
    pub fn add_response(&mut self, status: impl Into<String>, response: Response) {
        match self.operation.responses.entry(status.into()) {
            Entry::Vacant(slot) => {
                slot.insert(RefOr::Item(response));
            }
            Entry::Occupied(mut slot) => {
                // A problem response documented by reference gives way: the
                // new response, in its own words, with the problem body beside.
                let problem = match slot.get() {
                    RefOr::Ref(reference) => problem::documented::status_of(slot.key(), reference),
                    RefOr::Item(_) => None,
                };
                if let Some(status) = problem {
                    let mut response = response;
                    merge(
                        &mut response,
                        problem::documented::response(status, self.schemas),
                    );
                    slot.insert(RefOr::Item(response));
                } else if let RefOr::Item(existing) = slot.get_mut() {
                    merge(existing, response);
                }
                // (No other reference is made while describing.)
            }
        }
    }

    /// Adds a response whose body is `T` as JSON.
    pub fn add_json_response<T: JsonSchema + ?Sized>(&mut self, status: u16, description: &str) {
        let schema = self.schemas.reference::<T>();
        self.add_json_response_with(status, description, schema);
    }

    pub(crate) fn add_json_response_with(
        &mut self,
        status: u16,
        description: &str,
        schema: schemars::Schema,
    ) {
        self.add_response(
            status.to_string(),
            Response::with_body(description, "application/json", schema),
        );
    }

    /// Adds an RFC 9457 problem response, as hookspec's extractors send on bad
    /// input: a reference to the one `components.responses` holds for the
    /// status (`#/components/responses/BadRequest`), or, where the operation
    /// documents the status itself, its `application/problem+json` body
    /// beside the operation's own. Does nothing when describing a callback.
    pub fn add_problem_response(&mut self, status: u16) {
        if self.is_callback {
            return;
        }
        match self.operation.responses.entry(status.to_string()) {
            Entry::Vacant(slot) => {
                slot.insert(RefOr::Ref(problem::documented::reference(status)));
            }
            Entry::Occupied(mut slot) => {
                if let RefOr::Item(existing) = slot.get_mut() {
                    merge(
                        existing,
                        problem::documented::response(status, self.schemas),
                    );
                }
            }
        }
    }

    /// Documents a callback under this operation's `callbacks`: what
    /// [`add_callback`](Self::add_callback) does, compiled once for every callback.
    pub(crate) fn add_callback_of(
        &mut self,
        meta: &CallbackMeta,
        describe: fn(&mut OperationContext<'_>),
        reply: DeclaredReply,
    ) {
        // Listed in `callbacks(...)` and sent through a `Callback<C>` argument:
        // documented once.
        if self.operation.callbacks.contains_key(meta.name) {
            return;
        }
        let mut operation = Operation {
            summary: meta.summary.map(str::to_owned),
            description: meta.description.map(str::to_owned),
            operation_id: Some(meta.name.to_owned()),
            deprecated: meta.deprecated,
            ..Operation::default()
        };
        describe(&mut OperationContext::outgoing(
            self.schemas,
            &mut operation,
        ));
        let mut item = PathItem::default();
        item.insert(meta.method, operation);
        let mut by_url = std::collections::BTreeMap::new();
        by_url.insert(meta.url_text.to_owned(), item);
        self.operation
            .callbacks
            .insert(meta.name.to_owned(), by_url);
        self.used_callbacks.push(UsedCallback {
            name: meta.name,
            url: meta.url.clone(),
            reply,
        });
    }
}

impl OperationContext<'_> {
    /// Links every success response documented so far to the operation of
    /// `meta` (a handler's first route), named `name`, its parameters filled
    /// by `parameters` (name, runtime expression).
    pub(crate) fn add_link(
        &mut self,
        name: &'static str,
        meta: &'static OperationMeta,
        parameters: &'static [(&'static str, &'static str)],
    ) {
        let link = Link {
            operation_id: meta.first_operation_id(),
            parameters: parameters
                .iter()
                .map(|(name, expression)| ((*name).to_owned(), (*expression).to_owned()))
                .collect(),
            description: meta.summary.map(str::to_owned),
        };
        for (status, response) in &mut self.operation.responses {
            if let (true, Some(response)) = (status.starts_with('2'), response.as_item_mut()) {
                response.links.insert(name.to_owned(), link.clone());
            }
        }
        self.used_links.push(UsedLink {
            name,
            target: meta,
            parameters,
        });
    }
}

/// `response`'s media types and headers added to `existing`'s (its own are kept).
fn merge(existing: &mut Response, response: Response) {
    for (media_type, content) in response.content {
        existing.content.entry(media_type).or_insert(content);
    }
    for (name, header) in response.headers {
        existing.headers.entry(name).or_insert(header);
    }
}

/// What describing an operation found besides the operation itself.
pub(crate) struct Described {
    pub callbacks: Vec<UsedCallback>,
    pub webhooks: Vec<WebhookRegistration>,
    pub links: Vec<UsedLink>,
    pub problems: Vec<String>,
    pub undocumented: Vec<(String, &'static str)>,
    pub required: Vec<SecurityRequirement>,
}

/// A link as attached to one operation, for checking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UsedLink {
    pub name: &'static str,
    /// The target handler's first route.
    pub target: &'static OperationMeta,
    pub parameters: &'static [(&'static str, &'static str)],
}

/// A callback as attached to one operation, for checking.
#[derive(Clone, Debug)]
pub(crate) struct UsedCallback {
    pub name: &'static str,
    pub url: UrlTemplate<'static>,
    /// Its reply type's check, for senders (not needed for checking).
    pub reply: DeclaredReply,
}

/// One webhook as registered on the [`Api`](crate::api::Api).
#[derive(Clone, Copy)]
pub(crate) struct WebhookRegistration {
    pub meta: &'static WebhookMeta,
    pub describe: fn(&mut OperationContext<'_>),
    pub reply: DeclaredReply,
}

impl WebhookRegistration {
    /// Whether both register the same declaration.
    pub(crate) fn same_as(&self, other: &WebhookRegistration) -> bool {
        self.meta.name == other.meta.name
            && self.meta.method == other.meta.method
            && self.meta.source == other.meta.source
    }
}

/// Checks a successful reply's body against a declared reply type.
pub type ReplyCheck = fn(&[u8]) -> Result<(), String>;

/// The reply a callback or webhook declares, by name: what a sender checks the
/// replies of its deliveries against, also of deliveries read back from a
/// store after a restart (which carry only the name).
#[derive(Clone, Copy, Debug)]
pub struct DeclaredReply {
    /// The callback's name (its stub's), or the webhook's.
    pub name: &'static str,
    /// Where it is declared (`file:line`): two declarations of one name are
    /// told apart by it.
    pub source: &'static str,
    /// The check of its reply type.
    pub check: ReplyCheck,
}
