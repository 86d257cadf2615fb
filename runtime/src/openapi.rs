//! The OpenAPI document model: the objects hookspec writes, as serde structs,
//! one model for 3.1 (the default), 3.2 and 3.0; fields one version lacks are
//! left empty in its documents.
//!
//! Only the parts hookspec produces are modelled; schemas stay as schemars'
//! [`Schema`] (a JSON value), since no Rust model covers JSON Schema 2020-12
//! losslessly. Maps are `BTreeMap`s so the serialised document is deterministic.

use std::collections::BTreeMap;

use schemars::Schema;
use serde::Serialize;
use serde_json::Value;

pub use crate::security::{ApiKeyIn, OAuthFlows, SecurityRequirement, SecurityScheme};

/// The root of an OpenAPI document.
///
/// `Paths` is the typed [`PathItem`] map and `Schemas` the schemas as JSON
/// values; hookspec writes the documents it serves with each operation, and
/// most schemas, already serialised instead (an API's tree of maps is several
/// times the size of its JSON).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(bound(serialize = "Paths: Serialize, Schemas: SchemaSet"))]
pub struct OpenApi<Paths = BTreeMap<String, PathItem>, Schemas = serde_json::Map<String, Value>> {
    /// `3.1.0`, `3.2.0` or `3.0.3`.
    pub openapi: String,
    /// The document's own URI, its base URI (`$self`, OpenAPI 3.2).
    #[serde(rename = "$self", skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Title, version and description of the API.
    pub info: Info,
    /// Where the API is served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// The JSON Schema dialect of the schemas (3.1: the OpenAPI base dialect).
    #[serde(rename = "jsonSchemaDialect", skip_serializing_if = "Option::is_none")]
    pub json_schema_dialect: Option<String>,
    /// Operations by path template.
    pub paths: Paths,
    /// Requests the API sends to its users' registered URLs, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub webhooks: BTreeMap<String, PathItem>,
    /// Shared schemas, referenced from everywhere else.
    #[serde(skip_serializing_if = "Components::is_empty")]
    pub components: Components<Schemas>,
    /// Security requirements for every operation; `Some(vec![])` declares that
    /// the API requires no authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<BTreeMap<String, Vec<String>>>>,
    /// The tags operations use, with what each groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// `x-...` extensions.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
}

impl<Paths, Schemas> OpenApi<Paths, Schemas> {
    /// The same document with `paths` and `schemas` in place of its paths and
    /// its `components.schemas`, and those.
    pub(crate) fn with_parts<P, S>(self, paths: P, schemas: S) -> (OpenApi<P, S>, Paths, Schemas) {
        let document = OpenApi {
            openapi: self.openapi,
            self_uri: self.self_uri,
            info: self.info,
            servers: self.servers,
            json_schema_dialect: self.json_schema_dialect,
            paths,
            webhooks: self.webhooks,
            components: Components {
                schemas,
                responses: self.components.responses,
                parameters: self.components.parameters,
                examples: self.components.examples,
                request_bodies: self.components.request_bodies,
                headers: self.components.headers,
                security_schemes: self.components.security_schemes,
            },
            security: self.security,
            tags: self.tags,
            extensions: self.extensions,
        };
        (document, self.paths, self.components.schemas)
    }
}

/// What `components.schemas` can hold: the schemas as JSON values (the typed
/// document) or, in the documents hookspec serves, mostly as their JSON.
pub trait SchemaSet: Serialize {
    /// Whether there are none (`schemas` is then left out).
    fn is_empty(&self) -> bool;
}

impl SchemaSet for serde_json::Map<String, Value> {
    fn is_empty(&self) -> bool {
        serde_json::Map::is_empty(self)
    }
}

/// Writes a schema as its JSON value, keys in order as in
/// `components.schemas`. (schemars' own `Serialize` puts keywords such as
/// `title` first by looking each of them up in every object: a fifth of the
/// time an operation took to serialise.)
fn plain_schema<S: serde::Serializer>(schema: &Schema, serializer: S) -> Result<S::Ok, S::Error> {
    schema.as_value().serialize(serializer)
}

/// [`plain_schema`] of a schema that is there (`None`s are skipped).
fn plain_optional_schema<S: serde::Serializer>(
    schema: &Option<Schema>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match schema {
        Some(schema) => plain_schema(schema, serializer),
        None => serializer.serialize_none(),
    }
}

/// The `info` object.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Info {
    /// The API's name.
    pub title: String,
    /// The API's version (not the OpenAPI version).
    pub version: String,
    /// What the API does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The licence the API is offered under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
}

/// The `license` object.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct License {
    /// The licence's name.
    pub name: String,
    /// Its SPDX identifier (OpenAPI 3.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// A URL to the licence text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A tag: a group of operations, with what it groups (Swagger UI shows the
/// description under the group's heading).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Tag {
    /// The name operations use (`tag = "invoices"`).
    pub name: String,
    /// A short title for the group (OpenAPI 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What the group is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where to read more.
    #[serde(rename = "externalDocs", skip_serializing_if = "Option::is_none")]
    pub external_docs: Option<ExternalDocs>,
    /// The name of the tag this one is nested under (OpenAPI 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What kind of tag it is: `nav` for navigation, `badge`, `audience`, or
    /// any other the readers know (OpenAPI 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Tag {
    /// A tag named `name`, without a description.
    pub fn new(name: impl Into<String>) -> Self {
        Tag {
            name: name.into(),
            summary: None,
            description: None,
            external_docs: None,
            parent: None,
            kind: None,
        }
    }

    /// A short title for the group, written in OpenAPI 3.2 documents only
    /// (3.1 and 3.0 have no place for it).
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Nests this tag under the tag named `parent`, which must be declared
    /// too ([`Api::check`](crate::Api::check) says when it is not, or when
    /// tags nest in a circle). Written in OpenAPI 3.2 documents only.
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// What kind of tag this is (the OpenAPI registry names `nav`, `badge`
    /// and `audience`). Written in OpenAPI 3.2 documents only.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// The tag as OpenAPI 3.1 and 3.0 write it: without what only 3.2 has.
    pub(crate) fn before_3_2(&self) -> Tag {
        Tag {
            summary: None,
            parent: None,
            kind: None,
            ..self.clone()
        }
    }

    /// What the group is.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where to read more about it.
    pub fn external_docs(mut self, url: impl Into<String>, description: Option<&str>) -> Self {
        self.external_docs = Some(ExternalDocs {
            url: url.into(),
            description: description.map(str::to_owned),
        });
        self
    }
}

/// A link to documentation elsewhere.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ExternalDocs {
    /// Where.
    pub url: String,
    /// What is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A `servers` entry.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Server {
    /// The base URL; relative URLs are relative to the document's location.
    pub url: String,
    /// What this server is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The `components` object.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(bound(serialize = "Schemas: SchemaSet"))]
pub struct Components<Schemas = serde_json::Map<String, Value>> {
    /// One schema per named type.
    #[serde(skip_serializing_if = "SchemaSet::is_empty")]
    pub schemas: Schemas,
    /// Responses operations refer to instead of repeating them: the RFC 9457
    /// problem responses hookspec's extractors document (`BadRequest`,
    /// `UnsupportedMediaType`, ...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, Response>,
    /// Parameters operations share, by the names `Api::component_parameter`
    /// gives them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Parameter>,
    /// Examples media types share, by their names (`Api::component_example`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub examples: BTreeMap<String, Example>,
    /// Request bodies operations share (`Api::component_request_body`).
    #[serde(rename = "requestBodies", skip_serializing_if = "BTreeMap::is_empty")]
    pub request_bodies: BTreeMap<String, RequestBody>,
    /// Response headers responses share (`Api::component_header`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Header>,
    /// The ways to authenticate, by the names requirements use.
    #[serde(rename = "securitySchemes", skip_serializing_if = "BTreeMap::is_empty")]
    pub security_schemes: BTreeMap<String, SecurityScheme>,
}

impl<Schemas: SchemaSet> Components<Schemas> {
    fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.responses.is_empty()
            && self.parameters.is_empty()
            && self.examples.is_empty()
            && self.request_bodies.is_empty()
            && self.headers.is_empty()
            && self.security_schemes.is_empty()
    }
}

/// A Reference Object: where the object is, as a JSON pointer into the
/// document (`#/components/responses/BadRequest`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Reference {
    /// The pointer.
    #[serde(rename = "$ref")]
    pub reference: String,
}

/// An object in place, or a reference to one under `components`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum RefOr<T> {
    /// A reference to the object.
    Ref(Reference),
    /// The object itself.
    Item(T),
}

impl<T> RefOr<T> {
    /// The object, if it is here rather than referenced.
    pub fn as_item(&self) -> Option<&T> {
        match self {
            RefOr::Item(item) => Some(item),
            RefOr::Ref(_) => None,
        }
    }

    /// The object, if it is here rather than referenced, for changing it.
    pub fn as_item_mut(&mut self) -> Option<&mut T> {
        match self {
            RefOr::Item(item) => Some(item),
            RefOr::Ref(_) => None,
        }
    }
}

impl<T> From<T> for RefOr<T> {
    fn from(item: T) -> Self {
        RefOr::Item(item)
    }
}

/// The operations on one path, at most one per method.
///
/// Each operation is boxed: a path item holds nine slots, and unboxed every
/// map node that holds one would carry all nine, mostly empty (a callback's
/// map is such a node per operation).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PathItem {
    /// `GET`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub get: Option<Box<Operation>>,
    /// `PUT`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub put: Option<Box<Operation>>,
    /// `POST`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<Box<Operation>>,
    /// `DELETE`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete: Option<Box<Operation>>,
    /// `OPTIONS`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Box<Operation>>,
    /// `HEAD`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<Box<Operation>>,
    /// `PATCH`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<Box<Operation>>,
    /// `TRACE`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Box<Operation>>,
    /// `QUERY` (OpenAPI 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Box<Operation>>,
    /// Every other method (`CONNECT`, custom methods), by its name as sent
    /// (OpenAPI 3.2).
    #[serde(
        rename = "additionalOperations",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub additional_operations: BTreeMap<String, Box<Operation>>,
}

impl PathItem {
    /// The operation for `method`, if there is one.
    pub fn operation(&self, method: Method) -> Option<&Operation> {
        match method {
            Method::Get => self.get.as_deref(),
            Method::Put => self.put.as_deref(),
            Method::Post => self.post.as_deref(),
            Method::Delete => self.delete.as_deref(),
            Method::Options => self.options.as_deref(),
            Method::Head => self.head.as_deref(),
            Method::Patch => self.patch.as_deref(),
            Method::Trace => self.trace.as_deref(),
            Method::Query => self.query.as_deref(),
            Method::Other(name) => self.additional_operations.get(name).map(|op| &**op),
        }
    }

    /// The operation for `method`, to change it.
    pub fn operation_mut(&mut self, method: Method) -> Option<&mut Operation> {
        if let Method::Other(name) = method {
            return self.additional_operations.get_mut(name).map(|op| &mut **op);
        }
        self.fixed_slot(method)?.as_deref_mut()
    }

    /// Puts `operation` in `method`'s place, replacing any there.
    pub fn insert(&mut self, method: Method, operation: Operation) {
        match self.fixed_slot(method) {
            Some(slot) => *slot = Some(Box::new(operation)),
            None => {
                self.additional_operations
                    .insert(method.as_str().to_owned(), Box::new(operation));
            }
        }
    }

    /// The field of `method`, when it has one of its own.
    fn fixed_slot(&mut self, method: Method) -> Option<&mut Option<Box<Operation>>> {
        Some(match method {
            Method::Get => &mut self.get,
            Method::Put => &mut self.put,
            Method::Post => &mut self.post,
            Method::Delete => &mut self.delete,
            Method::Options => &mut self.options,
            Method::Head => &mut self.head,
            Method::Patch => &mut self.patch,
            Method::Trace => &mut self.trace,
            Method::Query => &mut self.query,
            Method::Other(_) => return None,
        })
    }

    /// Every operation of this path item, for changing them all.
    pub fn operations_mut(&mut self) -> impl Iterator<Item = &mut Operation> + '_ {
        [
            &mut self.get,
            &mut self.put,
            &mut self.post,
            &mut self.delete,
            &mut self.options,
            &mut self.head,
            &mut self.patch,
            &mut self.trace,
            &mut self.query,
        ]
        .into_iter()
        .flatten()
        .chain(self.additional_operations.values_mut())
        .map(|operation| &mut **operation)
    }

    /// Every operation of this path item, in document order.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> + '_ {
        [
            &self.get,
            &self.put,
            &self.post,
            &self.delete,
            &self.options,
            &self.head,
            &self.patch,
            &self.trace,
            &self.query,
        ]
        .into_iter()
        .flatten()
        .chain(self.additional_operations.values())
        .map(|operation| &**operation)
    }
}

/// The HTTP methods a path item can describe.
///
/// Ordered as documents list them: the fixed fields, then the others by
/// name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
    /// `QUERY`: a safe, idempotent request with a body (OpenAPI 3.2 only).
    Query,
    /// Any other method, by its name as sent (`CONNECT`, `PURGE`): under
    /// `additionalOperations` (OpenAPI 3.2 only).
    Other(&'static str),
}

impl Method {
    /// The methods every OpenAPI version has a path item field for, in the
    /// order path items list them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// Every method with a path item field of its own in OpenAPI 3.2.
    pub(crate) const FIXED: [Method; 9] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
        Method::Query,
    ];

    /// The method named `name` as sent (`QUERY`, `HELLO`).
    pub fn of_name(name: &'static str) -> Method {
        Method::FIXED
            .into_iter()
            .find(|method| method.http_name() == name)
            .unwrap_or(Method::Other(name))
    }

    /// The name used as a path item key: the field (`post`, `query`), or
    /// for the others their name as sent (their key in
    /// `additionalOperations`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
            Method::Query => "query",
            Method::Other(name) => name,
        }
    }

    /// The HTTP method's name (`POST`).
    pub fn http_name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
            Method::Other(name) => name,
        }
    }

    /// Whether OpenAPI 3.1 and 3.0 can describe it (only 3.2 has `QUERY`
    /// and `additionalOperations`).
    pub fn before_3_2(self) -> bool {
        !matches!(self, Method::Query | Method::Other(_))
    }
}

/// One operation: a method on a path, or a callback request.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Groups in the docs UI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// One line: the first paragraph of the doc comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The rest of the doc comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Unique among all operations of the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Path, query, header and cookie parameters: in place, or references
    /// to `components.parameters` (`Api::component_parameter`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<RefOr<Parameter>>,
    /// The request body: in place, or a reference to
    /// `components.requestBodies` (`Api::component_request_body`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RefOr<RequestBody>>,
    /// Responses by status code (`"200"`, `"4XX"`, `"default"`): in place, or
    /// (hookspec's problem responses) references to `components.responses`.
    pub responses: BTreeMap<String, RefOr<Response>>,
    /// Callbacks by name, then by URL expression.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub callbacks: BTreeMap<String, BTreeMap<String, PathItem>>,
    /// Set by `#[deprecated]`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Who may call it: alternatives, any of which admits a request; `Some(vec![])`
    /// for a public operation in a protected API; `None` for the API's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<SecurityRequirement>>,
}

impl Operation {
    /// Its parameters that are in place (not references to components).
    pub fn parameters_in_place(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters.iter().filter_map(RefOr::as_item)
    }

    /// Its request body, if it is in place (not a reference to a component).
    pub fn request_body_in_place(&self) -> Option<&RequestBody> {
        self.request_body.as_ref().and_then(RefOr::as_item)
    }

    /// [`request_body_in_place`](Self::request_body_in_place), for changing it.
    pub fn request_body_in_place_mut(&mut self) -> Option<&mut RequestBody> {
        self.request_body.as_mut().and_then(RefOr::as_item_mut)
    }
}

/// Where a parameter is read from.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ParameterIn {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParameterIn {
    /// Its name in a document: `path`, `query`, `header`, `cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterIn::Path => "path",
            ParameterIn::Query => "query",
            ParameterIn::Header => "header",
            ParameterIn::Cookie => "cookie",
        }
    }
}

/// A parameter of an operation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Parameter {
    /// The parameter's name.
    pub name: String,
    /// Where it is read from.
    #[serde(rename = "in")]
    pub location: ParameterIn,
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Path parameters are always required.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Its values.
    #[serde(serialize_with = "plain_schema")]
    pub schema: Schema,
}

/// A request body.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RequestBody {
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a request must have one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Its shape by media type.
    pub content: BTreeMap<String, MediaType>,
}

/// A response.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Response {
    /// Required by OpenAPI. (A `Box<str>`, not a `String`: a `String`'s
    /// capacity would be one word more per response, in a map node per
    /// operation.)
    pub description: Box<str>,
    /// Its headers: in place, or references to `components.headers`
    /// (`Api::component_header`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, RefOr<Header>>,
    /// Its shape by media type.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, MediaType>,
    /// The operations a client can call next with values from this
    /// response, by name (`links(...)` on a route).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, Link>,
}

/// A link from a response to an operation: which one, and how to fill its
/// parameters from this request and response.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Link {
    /// The target operation's id.
    #[serde(rename = "operationId")]
    pub operation_id: String,
    /// The target's parameters by name (`id`, or `path.id` where names
    /// clash), each a runtime expression (`$response.body#/id`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// What following the link does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Response {
    /// A response with no body.
    pub fn new(description: impl Into<String>) -> Self {
        Response {
            description: description.into().into_boxed_str(),
            headers: BTreeMap::new(),
            content: BTreeMap::new(),
            links: BTreeMap::new(),
        }
    }

    /// A response with a body of `media_type` shaped by `schema`.
    pub fn with_body(
        description: impl Into<String>,
        media_type: impl Into<String>,
        schema: Schema,
    ) -> Self {
        let mut response = Response::new(description);
        response
            .content
            .insert(media_type.into(), MediaType::new(schema));
        response
    }

    /// A response of `description` whose body of `media_type` is a stream of
    /// items of `media` (from [`MediaType::of_items`] in OpenAPI 3.2, or a
    /// whole-body schema before it).
    pub fn with_media(
        description: impl Into<String>,
        media_type: impl Into<String>,
        media: MediaType,
    ) -> Self {
        let mut response = Response::new(description);
        response.content.insert(media_type.into(), media);
        response
    }

    /// The same response with header `name` (values of `schema`, meaning
    /// `description`).
    pub fn with_header(mut self, name: &str, description: Option<&str>, schema: Schema) -> Self {
        self.headers.insert(
            name.to_owned(),
            RefOr::Item(Header {
                description: description.map(str::to_owned),
                schema,
            }),
        );
        self
    }

    /// The same response with `example` as its example named `name`, in
    /// each of its media types (nothing if `None`).
    pub fn with_named_example(mut self, name: &str, example: Option<Value>) -> Self {
        if let Some(example) = example {
            for media_type in self.content.values_mut() {
                let example = RefOr::Item(Example::new(example.clone()));
                media_type.examples.insert(name.to_owned(), example);
            }
        }
        self
    }

    /// The same response with `example` as the example of each of its media
    /// types (nothing if `None`).
    pub fn with_example(mut self, example: Option<Value>) -> Self {
        if let Some(example) = example {
            for media_type in self.content.values_mut() {
                media_type.example = Some(example.clone());
            }
        }
        self
    }
}

/// A response header.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Header {
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its values.
    #[serde(serialize_with = "plain_schema")]
    pub schema: Schema,
}

/// The shape of a body of one media type.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MediaType {
    /// The body's schema.
    #[serde(
        serialize_with = "plain_optional_schema",
        skip_serializing_if = "Option::is_none"
    )]
    pub schema: Option<Schema>,
    /// The schema of each item of a stream (`text/event-stream`,
    /// `application/jsonl`; OpenAPI 3.2), in place of `schema`.
    #[serde(
        rename = "itemSchema",
        serialize_with = "plain_optional_schema",
        skip_serializing_if = "Option::is_none"
    )]
    pub item_schema: Option<Schema>,
    /// An example body, shown by Swagger UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// Several example bodies by name, in place of `example`: in place, or
    /// references to `components.examples` (`Api::component_example`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub examples: BTreeMap<String, RefOr<Example>>,
    /// How each part of a `multipart/form-data` body is encoded, by part name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub encoding: BTreeMap<String, Encoding>,
}

impl MediaType {
    /// A stream whose every item has this schema (OpenAPI 3.2), without an
    /// example.
    pub fn of_items(item_schema: Schema) -> Self {
        MediaType {
            schema: None,
            item_schema: Some(item_schema),
            example: None,
            examples: BTreeMap::new(),
            encoding: BTreeMap::new(),
        }
    }

    /// A body of this schema, without an example.
    pub fn new(schema: Schema) -> Self {
        MediaType {
            schema: Some(schema),
            item_schema: None,
            example: None,
            examples: BTreeMap::new(),
            encoding: BTreeMap::new(),
        }
    }
}

/// A named example of a body.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Example {
    /// One line on what it shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The example body.
    pub value: Value,
}

impl Example {
    /// An example of this value, without a summary.
    pub fn new(value: Value) -> Self {
        Example {
            summary: None,
            value,
        }
    }
}

/// How one part of a multipart body is encoded.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Encoding {
    /// The part's media type (`application/json`, `application/octet-stream`).
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}
