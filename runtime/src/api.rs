//! [`Api`]: one list of handlers that drives both actix-web's routing and the
//! OpenAPI document: the builder, and the documents it gives. Serving them is
//! `serve.rs`.

use std::sync::{Arc, OnceLock};

use actix_web::web::{Bytes, ServiceConfig};
use schemars::JsonSchema;

use crate::assemble::{join_path, ApiSecurity, DocumentForm, Registration, ScopedRoute, SpecError};
use crate::component_names::SchemaReference;
use crate::context::{DeclaredReply, WebhookRegistration};
use crate::declarations::{DocumentedOperation, DocumentedRoute, WebhookDeclaration};
use crate::documents::{BuiltDocuments, DocumentInputs, ServedDocument};
use crate::finish::DocumentFinish;
use crate::openapi::{Info, License, OpenApi, ParameterIn, Server, Tag};
use crate::schema::{Flavor, SchemaRegistry};
use crate::security::{SecurityRequirement, SecurityScheme};
use crate::undocumented::Undocumented;

pub(crate) type Mount = Arc<dyn Fn(&mut ServiceConfig) + Send + Sync>;

#[derive(Clone)]
pub(crate) struct Entry {
    /// The scope prefix the handler is mounted under (`""` for none).
    pub(crate) prefix: String,
    /// The requirement of the scope it is in, if that states one.
    pub(crate) security: Option<Vec<SecurityRequirement>>,
    /// Its routes: one, or several under `#[routes]`.
    pub(crate) routes: Vec<Registration>,
    pub(crate) mount: Mount,
}

/// An API: its handlers, and the OpenAPI 3.1 document they make.
///
/// ```no_run
/// # use hookspec::{get, Api};
/// /// Say hello.
/// #[get("/hello")]
/// async fn hello() -> &'static str {
///     "hello"
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let api = Api::new("Greetings", "1.0.0").service(hello);
///     actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))
///         .bind(("127.0.0.1", 8000))?
///         .run()
///         .await
/// }
/// ```
///
/// The document is assembled once, the first time the `Api` is mounted or checked,
/// and shared by every clone (so by every worker).
#[derive(Clone)]
pub struct Api {
    pub(crate) info: Info,
    pub(crate) finish: DocumentFinish,
    pub(crate) paths: ServedPaths,
    pub(crate) security: ApiSecurity,
    pub(crate) entries: Vec<Entry>,
    pub(crate) webhooks: Vec<WebhookRegistration>,
    pub(crate) strict: bool,
    /// Whether a path that misses a route by its trailing slash is redirected.
    pub(crate) redirect_slashes: bool,
    pub(crate) built: Arc<OnceLock<Result<Arc<BuiltDocuments>, SpecError>>>,
}

impl Api {
    /// An API with this title and version, and no handlers yet.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Api {
            info: Info {
                title: title.into(),
                version: version.into(),
                description: None,
                license: None,
            },
            finish: DocumentFinish::default(),
            paths: ServedPaths::default(),
            security: ApiSecurity::default(),
            entries: Vec::new(),
            webhooks: Vec::new(),
            strict: false,
            redirect_slashes: true,
            built: Arc::default(),
        }
    }

    /// Sets the API's description (`info.description`, Markdown).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.info.description = Some(description.into());
        self.changed()
    }

    /// Adds a server the API is reachable at (`servers`); `"/"` means wherever
    /// the document itself is served.
    pub fn server(mut self, url: impl Into<String>, description: Option<&str>) -> Self {
        self.finish.servers.push(Server {
            url: url.into(),
            description: description.map(str::to_owned),
        });
        self.changed()
    }

    /// Declares a tag (what the operations tagged with its name are, and where
    /// to read more): the document's `tags`, shown by Swagger UI under each
    /// group's heading. Operations may use tags that are not declared, unless
    /// [`strict_tags`](Self::strict_tags).
    pub fn tag(mut self, tag: Tag) -> Self {
        self.finish.tags.push(tag);
        self.changed()
    }

    /// Writes every operation's parameter `name` in `location` once, as
    /// `components.parameters.<component>`, and refers to it there (a
    /// `cursor` query parameter of every list operation, say). They must be
    /// the same parameter: [`check`](Self::check) names an operation whose
    /// parameter of that name differs, and a component no operation has.
    ///
    /// ```
    /// use hookspec::openapi::ParameterIn;
    ///
    /// let api = hookspec::Api::new("Shop", "1.0.0")
    ///     .component_parameter("Cursor", ParameterIn::Query, "cursor")
    ///     .component_header("RateLimitRemaining", "X-RateLimit-Remaining")
    ///     .component_example("paid");
    /// ```
    pub fn component_parameter(
        mut self,
        component: impl Into<String>,
        location: ParameterIn,
        name: impl Into<String>,
    ) -> Self {
        let named = (component.into(), location, name.into());
        self.finish.components.parameters.push(named);
        self.changed()
    }

    /// Writes every response's header `name` once, as
    /// `components.headers.<component>`, and refers to it there; checked as
    /// [`component_parameter`](Self::component_parameter) is.
    pub fn component_header(
        mut self,
        component: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        let named = (component.into(), name.into());
        self.finish.components.headers.push(named);
        self.changed()
    }

    /// Writes every example named `name` (`request_examples(paid = ...)`,
    /// a response's `examples(paid = ...)`) once, as
    /// `components.examples.<name>`, and refers to it there; checked as
    /// [`component_parameter`](Self::component_parameter) is.
    pub fn component_example(mut self, name: impl Into<String>) -> Self {
        self.finish.components.examples.push(name.into());
        self.changed()
    }

    /// Writes every request body of type `T` (each of its media types of
    /// `T`'s schema: a `Json<T>`, a `Form<T>`) once, as
    /// `components.requestBodies.<component>`, and refers to it there; checked
    /// as [`component_parameter`](Self::component_parameter) is.
    pub fn component_request_body<T: JsonSchema + ?Sized>(
        mut self,
        component: impl Into<String>,
    ) -> Self {
        let reference = reference_of::<T> as SchemaReference;
        let named = (component.into(), reference);
        self.finish.components.request_bodies.push(named);
        self.changed()
    }

    /// Makes [`check`](Self::check) list every tag an operation uses that is
    /// not declared with [`tag`](Self::tag) (OpenAPI allows them; a document
    /// whose groups should all be described does not).
    pub fn strict_tags(mut self) -> Self {
        self.finish.strict_tags = true;
        self.changed()
    }

    /// Documents that callbacks and webhooks are signed (as
    /// `CallbacksBuilder::signing_secrets` and the other signing options do):
    /// each lists the Standard Webhooks headers `webhook-id`,
    /// `webhook-timestamp` and `webhook-signature` as required header
    /// parameters, so the receivers' generated code sees them.
    pub fn signed_callbacks(mut self) -> Self {
        self.finish.signed_callbacks = true;
        self.changed()
    }

    /// Changes anything in the documents (3.1, 3.2 and 3.0; the `openapi` field says
    /// which) after hookspec built them and before they are served: the escape
    /// hatch for what hookspec does not produce, like utoipa's `Modify`.
    pub fn map_document(mut self, map: impl Fn(&mut OpenApi) + Send + Sync + 'static) -> Self {
        self.finish.map = Some(Arc::new(map));
        self.changed()
    }

    /// Whether a request whose path is a route's but for its trailing slash
    /// (`POST /invoices` where the route is `POST /invoices/`) is answered
    /// with a `308 Permanent Redirect` to that route (default, as FastAPI's
    /// `redirect_slashes`; method and body are kept), or with `false` a `404`
    /// problem that names it. Any other path no route matches is a `404`
    /// problem naming the method and path (actix-web's is empty); an
    /// `App::default_service` set after `configure` replaces both.
    pub fn redirect_slashes(mut self, redirect: bool) -> Self {
        self.redirect_slashes = redirect;
        self
    }

    /// Where the OpenAPI 3.1 document is served (default `/openapi.json`),
    /// relative to where the `Api` is mounted.
    pub fn document_path(mut self, path: impl Into<String>) -> Self {
        self.paths.document_3_1 = path.into();
        self.changed()
    }

    /// Where the OpenAPI 3.0 document is served (default `/openapi-3.0.json`).
    pub fn document_3_0_path(mut self, path: impl Into<String>) -> Self {
        self.paths.document_3_0 = path.into();
        self.changed()
    }

    /// Serves the OpenAPI 3.2 document at `path` (`/openapi-3.2.json`): not
    /// served unless asked for, as few tools read 3.2 yet. It describes
    /// what 3.1 cannot: `QUERY` routes, `CONNECT` and custom methods (under
    /// `additionalOperations`), streams item by item (`itemSchema`), tags'
    /// `summary`, `parent` and `kind`, the OAuth 2 device flow and deprecated
    /// security schemes. [`openapi_3_2`](Self::openapi_3_2) and
    /// `--print-openapi-3.2` give it without serving it.
    pub fn document_3_2_path(mut self, path: impl Into<String>) -> Self {
        self.paths.document_3_2 = Some(path.into());
        self.changed()
    }

    /// The URI the OpenAPI 3.2 document gives as its own (`$self`): where
    /// it is published, the base its relative references resolve against.
    /// (3.1 and 3.0 have no place for it.)
    pub fn self_uri(mut self, uri: impl Into<String>) -> Self {
        self.finish.self_uri = Some(uri.into());
        self.changed()
    }

    /// Where Swagger UI is served (default `/docs`); it reads the 3.1 document
    /// wherever that is.
    pub fn docs_path(mut self, path: impl Into<String>) -> Self {
        self.paths.docs = Some(path.into());
        self.changed()
    }

    /// Serves no docs page (the documents still are).
    pub fn without_docs(mut self) -> Self {
        self.paths.docs = None;
        self.changed()
    }

    /// Where ReDoc is served with the feature `redoc` (default `/redoc`),
    /// relative to where the `Api` is mounted.
    pub fn redoc_path(mut self, path: impl Into<String>) -> Self {
        self.paths.redoc = Some(path.into());
        self.changed()
    }

    /// Serves no ReDoc page, even with the feature `redoc`.
    pub fn without_redoc(mut self) -> Self {
        self.paths.redoc = None;
        self.changed()
    }

    /// Where Scalar is served with the feature `scalar` (default `/scalar`),
    /// relative to where the `Api` is mounted.
    pub fn scalar_path(mut self, path: impl Into<String>) -> Self {
        self.paths.scalar = Some(path.into());
        self.changed()
    }

    /// Serves no Scalar page, even with the feature `scalar`.
    pub fn without_scalar(mut self) -> Self {
        self.paths.scalar = None;
        self.changed()
    }

    /// Sets the licence by name and SPDX identifier (`MIT`, `Apache-2.0`); the
    /// OpenAPI 3.0 document, which has no identifier, links to its SPDX page.
    pub fn license(mut self, name: impl Into<String>, spdx_identifier: impl Into<String>) -> Self {
        self.info.license = Some(License {
            name: name.into(),
            identifier: Some(spdx_identifier.into()),
            url: None,
        });
        self.changed()
    }

    /// Declares that the API requires no authentication: a top-level empty
    /// `security` list, which says so explicitly instead of by omission.
    pub fn without_authentication(mut self) -> Self {
        self.security.requirements = Some(Vec::new());
        self.changed()
    }

    /// Declares the API-key scheme `S` whose key travels in a cookie (under
    /// its [`SCHEME`](crate::cookies::CookieScheme::SCHEME) name, in its
    /// [`COOKIE`](crate::cookies::CookieScheme::COOKIE)), which every
    /// operation taking a [`CookieKey<S>`](crate::cookies::CookieKey) requires.
    pub fn cookie_scheme<S: crate::cookies::CookieScheme>(self) -> Self {
        self.security_scheme(S::SCHEME, S::security_scheme())
    }

    /// Declares a way to authenticate under `name`, which requirements name:
    /// `Api::security_scheme("bearer", SecurityScheme::bearer().bearer_format("JWT"))`.
    /// Emitted under `components.securitySchemes` (so Swagger UI offers it in
    /// its Authorize dialog).
    pub fn security_scheme(mut self, name: impl Into<String>, scheme: SecurityScheme) -> Self {
        self.security.schemes.insert(name.into(), scheme);
        self.changed()
    }

    /// Requires scheme `name` (with these OAuth 2 `scopes`) of every operation
    /// that states nothing else; several calls are alternatives. On the `Api`
    /// given to [`scope`](Self::scope), it is that scope's requirement. An
    /// operation's `security(...)` attribute, or an argument that requires
    /// authentication, takes precedence; `security()` makes one public.
    pub fn security_requirement(mut self, name: &str, scopes: &[&str]) -> Self {
        let requirement = crate::security::requirement(name, scopes);
        self.security
            .requirements
            .get_or_insert_with(Vec::new)
            .push(requirement);
        self.changed()
    }

    /// Registers a handler declared with a hookspec route macro (`#[get]`, `#[post]`, ...):
    /// it is routed and documented.
    pub fn service<S>(self, service: S) -> Self
    where
        // The route macros' types are all of these (supertraits), so a type that
        // is not one gets only the `DocumentedOperation` error.
        S: DocumentedOperation,
    {
        // Only mounting depends on the handler's type; the rest is compiled
        // once, not once per handler.
        self.add_service(
            S::ROUTES,
            Arc::new(move |config: &mut ServiceConfig| {
                config.service(service.clone());
            }),
        )
    }

    fn add_service(mut self, routes: &'static [DocumentedRoute], mount: Mount) -> Self {
        self.entries.push(Entry {
            prefix: String::new(),
            security: None,
            routes: routes
                .iter()
                .map(|route| Registration {
                    meta: &route.meta,
                    describe: route.describe,
                })
                .collect(),
            mount,
        });
        self.changed()
    }

    /// Registers the handlers `build` adds under a path prefix, like actix-web's
    /// `web::scope`; the document shows them under the prefix.
    ///
    /// # Panics
    /// If `prefix` has `{...}` parameters: scopes here are plain prefixes.
    pub fn scope(mut self, prefix: &str, build: impl FnOnce(Api) -> Api) -> Self {
        assert!(
            !prefix.contains('{'),
            "hookspec: scope prefix `{prefix}` has a parameter; use a plain prefix and put \
             parameters in the handlers' paths"
        );
        let inner = build(Api::new("", ""));
        let scope_security = inner.security.requirements;
        for mut entry in inner.entries {
            entry.prefix = join_path(prefix, &entry.prefix);
            // The innermost scope's requirement wins.
            if entry.security.is_none() {
                entry.security = scope_security.clone();
            }
            self.entries.push(entry);
        }
        self.changed()
    }

    fn changed(mut self) -> Self {
        self.built = Arc::default();
        self
    }

    pub(crate) fn built(&self) -> Result<&Arc<BuiltDocuments>, &SpecError> {
        self.built
            .get_or_init(|| {
                let inputs = DocumentInputs {
                    info: self.info.clone(),
                    placed: self
                        .entries
                        .iter()
                        .flat_map(|entry| {
                            entry.routes.iter().map(|&registration| ScopedRoute {
                                prefix: entry.prefix.clone(),
                                registration,
                                security: entry.security.clone(),
                            })
                        })
                        .collect(),
                    webhooks: self.webhooks.clone(),
                    finish: self.finish.clone(),
                    security: self.security.clone(),
                    strict: self.strict,
                };
                self.paths.check()?;
                let assembled = inputs.document(Flavor::V3_1, DocumentForm::Json)?;
                Ok(Arc::new(BuiltDocuments {
                    undocumented: assembled.undocumented,
                    v3_1: ServedDocument::new(assembled.document),
                    replies: assembled.replies,
                    v3_0: OnceLock::new(),
                    v3_2: OnceLock::new(),
                    catalog: OnceLock::new(),
                    inputs,
                }))
            })
            .as_ref()
    }

    /// Builds the document (once) and reports every problem found: duplicate
    /// operation ids, two handlers for one method and path.
    pub fn check(&self) -> Result<(), SpecError> {
        self.built().map(|_| ()).map_err(Clone::clone)
    }

    /// The types of handlers' signatures hookspec could not document (fully),
    /// each with its handler, where it is declared and what to add: extractors
    /// and responders it does not know, and `Json<T>` bodies whose `T` has no
    /// JSON Schema. They still route as in actix-web, so an app converts one
    /// type at a time; [`strict`](Self::strict) makes each one an error.
    pub fn undocumented(&self) -> Result<&[Undocumented], SpecError> {
        self.built()
            .map(|built| built.undocumented.as_slice())
            .map_err(Clone::clone)
    }

    /// Makes every [`undocumented`](Self::undocumented) type an error of
    /// [`check`](Self::check) (and so of `configure()`, which then refuses to
    /// start): for an app whose document must be complete.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self.changed()
    }

    /// For tools that read the documents from the program: when its first
    /// argument is `--print-openapi` (3.1), `--print-openapi-3.0` or
    /// `--print-openapi-3.2`, prints that
    /// document to standard output and returns `true` (the program then exits);
    /// otherwise returns `false` and prints nothing.
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// let api = hookspec::Api::new("Invoices", "1.0.0");
    /// if api.print_document_if_asked()? {
    ///     return Ok(());
    /// }
    /// // ... start the server
    /// # Ok(())
    /// # }
    /// ```
    pub fn print_document_if_asked(&self) -> std::io::Result<bool> {
        self.print_document_for(std::env::args().nth(1).as_deref(), &mut std::io::stdout())
    }

    fn print_document_for(
        &self,
        argument: Option<&str>,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<bool> {
        let document = match argument {
            Some("--print-openapi") => self.openapi_json(),
            Some("--print-openapi-3.0") => self.openapi_3_0_json(),
            Some("--print-openapi-3.2") => self.openapi_3_2_json(),
            Some(other) if other.starts_with("--print-openapi") => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "`{other}`: use `--print-openapi`, `--print-openapi-3.0` or \
                         `--print-openapi-3.2`"
                    ),
                ))
            }
            _ => return Ok(false),
        };
        let document = document.map_err(std::io::Error::other)?;
        out.write_all(&document)?;
        out.write_all(b"\n")?;
        Ok(true)
    }

    /// The replies every documented callback and webhook declares: what a
    /// sender checks replies against (`CallbacksBuilder::api` reads them), also
    /// for deliveries it reads back from a store after a restart. Hidden: its
    /// type is the macros' plumbing; tests read the names.
    #[doc(hidden)]
    pub fn reply_declarations(&self) -> Result<&[DeclaredReply], SpecError> {
        self.built()
            .map(|built| built.replies.as_slice())
            .map_err(Clone::clone)
    }

    /// The event catalog: every webhook the document lists (`#[webhook]` stubs
    /// registered with [`webhook`](Self::webhook) or sent through a
    /// `Webhook<W>` argument) as an event type, with its group, description,
    /// deprecation and a self-contained JSON Schema of its payload. Read from
    /// the document on first use, then kept.
    pub fn event_catalog(&self) -> Result<&crate::catalog::EventCatalog, SpecError> {
        Ok(self.built().map_err(Clone::clone)?.catalog())
    }

    /// The OpenAPI 3.1 document, typed. Serving keeps only its bytes
    /// ([`openapi_json`](Self::openapi_json)); the typed document is assembled
    /// again on the first call (the same inputs, the same result) and kept.
    pub fn openapi(&self) -> Result<&OpenApi, SpecError> {
        self.typed(Flavor::V3_1)
    }

    /// The OpenAPI 3.1 document as served at `/openapi.json`.
    pub fn openapi_json(&self) -> Result<Bytes, SpecError> {
        self.served_json(Flavor::V3_1)
    }

    /// The same API as an OpenAPI 3.0.3 document, for generators that do not read
    /// 3.1 yet: schemas written with 3.0's keywords (`nullable`, one `example`, no
    /// `const`), and no webhooks (named in `x-omitted-webhooks`). Typed, as
    /// [`openapi`](Self::openapi): assembled again on the first call.
    pub fn openapi_3_0(&self) -> Result<&OpenApi, SpecError> {
        self.typed(Flavor::V3_0)
    }

    /// The OpenAPI 3.0.3 document as served at `/openapi-3.0.json`.
    pub fn openapi_3_0_json(&self) -> Result<Bytes, SpecError> {
        self.served_json(Flavor::V3_0)
    }

    /// The same API as an OpenAPI 3.2.0 document (see
    /// [`document_3_2_path`](Self::document_3_2_path) for what it adds).
    /// Typed, as [`openapi`](Self::openapi): assembled again on the first
    /// call.
    pub fn openapi_3_2(&self) -> Result<&OpenApi, SpecError> {
        self.typed(Flavor::V3_2)
    }

    /// The OpenAPI 3.2.0 document, as served at
    /// [`document_3_2_path`](Self::document_3_2_path).
    pub fn openapi_3_2_json(&self) -> Result<Bytes, SpecError> {
        self.served_json(Flavor::V3_2)
    }

    /// The typed document of `flavor`, assembled on first use.
    fn typed(&self, flavor: Flavor) -> Result<&OpenApi, SpecError> {
        let built = self.built().map_err(Clone::clone)?;
        let served = built.served(flavor).map_err(Clone::clone)?;
        served.typed(&built.inputs, flavor)
    }

    /// The served bytes of the document of `flavor`.
    fn served_json(&self, flavor: Flavor) -> Result<Bytes, SpecError> {
        let built = self.built().map_err(Clone::clone)?;
        let served = built.served(flavor).map_err(Clone::clone)?;
        Ok(served.json.clone())
    }

    /// Registers a webhook declared with `#[webhook]`: documented under the
    /// document's top-level `webhooks`.
    pub fn webhook<W: WebhookDeclaration>(mut self, _webhook: W) -> Self {
        self.webhooks.push(WebhookRegistration::of::<W>());
        self.changed()
    }
}

/// Where the documents and the docs page are served, relative to where the
/// `Api` is mounted.
#[derive(Clone)]
pub(crate) struct ServedPaths {
    pub(crate) document_3_1: String,
    pub(crate) document_3_0: String,
    /// `None`: not served.
    pub(crate) document_3_2: Option<String>,
    /// `None`: no docs page.
    pub(crate) docs: Option<String>,
    /// Where ReDoc is (feature `redoc`); `None`: not served.
    pub(crate) redoc: Option<String>,
    /// Where Scalar is (feature `scalar`); `None`: not served.
    pub(crate) scalar: Option<String>,
}

impl Default for ServedPaths {
    fn default() -> Self {
        ServedPaths {
            document_3_1: "/openapi.json".to_owned(),
            document_3_0: "/openapi-3.0.json".to_owned(),
            document_3_2: None,
            docs: Some("/docs".to_owned()),
            redoc: Some("/redoc".to_owned()),
            scalar: Some("/scalar".to_owned()),
        }
    }
}

impl ServedPaths {
    /// Each path starts with `/`, is plain (no `{...}`, no trailing `/`), and
    /// differs from the others.
    fn check(&self) -> Result<(), SpecError> {
        let mut problems = Vec::new();
        let all = [
            ("document_path", Some(&self.document_3_1)),
            ("document_3_0_path", Some(&self.document_3_0)),
            ("document_3_2_path", self.document_3_2.as_ref()),
            ("docs_path", self.docs.as_ref()),
            ("redoc_path", self.redoc.as_ref()),
            ("scalar_path", self.scalar.as_ref()),
        ];
        for (what, path) in &all {
            let Some(path) = path else { continue };
            if !path.starts_with('/') || path.len() < 2 || path.ends_with('/') || path.contains('{')
            {
                problems.push(format!(
                    "{what} `{path}`: a plain path that starts with `/` and does not end with one"
                ));
            }
        }
        let served: Vec<&String> = all.iter().filter_map(|(_, path)| *path).collect();
        let distinct: std::collections::BTreeSet<&String> = served.iter().copied().collect();
        if distinct.len() < served.len() {
            problems.push("the documents and the docs pages need paths of their own".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SpecError::new(problems))
        }
    }
}

/// `T`'s schema as `components.schemas` refers to it.
fn reference_of<T: JsonSchema + ?Sized>(schemas: &mut SchemaRegistry) -> schemars::Schema {
    schemas.reference::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_printed_when_asked_and_only_then() {
        let api = Api::new("Printed", "1");
        let mut out = Vec::new();
        assert!(!api.print_document_for(None, &mut out).unwrap());
        assert!(!api.print_document_for(Some("--port"), &mut out).unwrap());
        assert!(out.is_empty());
        assert!(api
            .print_document_for(Some("--print-openapi"), &mut out)
            .unwrap());
        let printed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(printed["openapi"], "3.1.0");
        out.clear();
        assert!(api
            .print_document_for(Some("--print-openapi-3.0"), &mut out)
            .unwrap());
        let printed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(printed["openapi"], "3.0.3");
        out.clear();
        assert!(api
            .print_document_for(Some("--print-openapi-3.2"), &mut out)
            .unwrap());
        let printed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(printed["openapi"], "3.2.0");
        let error = api
            .print_document_for(Some("--print-openapi-3.3"), &mut out)
            .unwrap_err();
        assert!(error.to_string().contains("--print-openapi-3.2"), "{error}");
    }
}
