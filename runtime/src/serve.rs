//! Serving an [`Api`]: its handlers mounted with a `405` for every other method of
//! their paths, the documents at their paths (with `ETag` and `304`), the docs
//! page, and a problem for every path none of them serves.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::api::{Api, Entry};
use crate::documents::{BuiltDocuments, ServedDocument};
use crate::not_found::{self, KnownPaths};
use crate::problem::Problem;
#[cfg(feature = "redoc")]
use crate::redoc;
#[cfg(feature = "scalar")]
use crate::scalar;
use crate::schema::Flavor;
#[cfg(feature = "swagger-ui")]
use crate::swagger_ui;

impl Api {
    /// Mounts every handler, `GET /openapi.json` and `GET /docs`; for
    /// [`App::configure`](actix_web::App::configure).
    ///
    /// # Panics
    /// If the document cannot be built (see [`check`](Self::check)): a server whose
    /// documentation is wrong does not start.
    pub fn configure(&self) -> impl FnOnce(&mut ServiceConfig) + '_ {
        let built = match self.built() {
            Ok(built) => Arc::clone(built),
            Err(error) => panic!("hookspec: {error}"),
        };
        move |config: &mut ServiceConfig| {
            // actix-web tries resources in order. The 3.1 document first, so it
            // is found at once however many routes the API has (one pattern test
            // for every other request); then the handlers with their 405s; the
            // 3.0 and 3.2 documents, for generators run now and then, after them.
            let paths = &self.paths;
            let known = Arc::new(self.known_paths());
            mount_document(
                config,
                Arc::clone(&built),
                &paths.document_3_1,
                Flavor::V3_1,
            );
            self.mount_handlers(config, &known);
            if let Some(path) = &paths.document_3_2 {
                mount_document(config, Arc::clone(&built), path, Flavor::V3_2);
            }
            mount_document(config, built, &paths.document_3_0, Flavor::V3_0);
            #[cfg(feature = "swagger-ui")]
            if let Some(docs) = &paths.docs {
                swagger_ui::mount(config, &self.info.title, docs, &paths.document_3_1);
            }
            #[cfg(feature = "redoc")]
            if let Some(page) = &paths.redoc {
                redoc::mount(config, &self.info.title, page, &paths.document_3_1);
            }
            #[cfg(feature = "scalar")]
            if let Some(page) = &paths.scalar {
                scalar::mount(config, &self.info.title, page, &paths.document_3_1);
            }
            config.default_service(not_found::default_service(known, ""));
        }
    }

    /// Every path this `Api` serves, for the answer to requests none matches.
    fn known_paths(&self) -> KnownPaths {
        let routes = self.entries.iter().flat_map(|entry| {
            entry
                .routes
                .iter()
                .map(move |route| format!("{}{}", entry.prefix, route.meta.path))
        });
        let paths = &self.paths;
        let served = [&paths.document_3_1, &paths.document_3_0]
            .into_iter()
            .chain(&paths.document_3_2)
            .chain(&paths.docs)
            .chain(&paths.redoc)
            .chain(&paths.scalar)
            .cloned();
        let all: Vec<String> = routes.chain(served).collect();
        KnownPaths::new(all.iter().map(String::as_str), self.redirect_slashes)
    }

    fn mount_handlers(&self, config: &mut ServiceConfig, known: &Arc<KnownPaths>) {
        // Longer prefixes first: actix-web gives a request to the first scope whose
        // prefix matches, so `/v1` must not shadow `/v1/admin`.
        let mut prefixes: Vec<&str> = self
            .entries
            .iter()
            .map(|entry| entry.prefix.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        prefixes.sort_by_key(|prefix| std::cmp::Reverse(prefix.len()));
        for prefix in prefixes {
            let entries: Vec<Entry> = self
                .entries
                .iter()
                .filter(|entry| entry.prefix == prefix)
                .cloned()
                .collect();
            let mount = move |config: &mut ServiceConfig| {
                for entry in &entries {
                    (entry.mount)(config);
                }
                mount_method_not_allowed(config, &entries);
            };
            if prefix.is_empty() {
                mount(config);
            } else {
                config.service(
                    web::scope(prefix)
                        .configure(mount)
                        .default_service(not_found::default_service(Arc::clone(known), prefix)),
                );
            }
        }
    }
}

/// After a path's handlers, a resource that answers every other method with
/// `405 Method Not Allowed` and an `Allow` header, instead of actix-web's 404.
fn mount_method_not_allowed(config: &mut ServiceConfig, entries: &[Entry]) {
    let mut allowed: std::collections::BTreeMap<&str, BTreeSet<&str>> = Default::default();
    for registration in entries.iter().flat_map(|entry| &entry.routes) {
        let meta = registration.meta;
        let methods = allowed.entry(meta.path).or_default();
        methods.extend(meta.methods.iter().map(|method| method.http_name()));
        methods.extend(meta.other_methods.iter().copied());
    }
    for (path, methods) in allowed {
        let handled: Arc<BTreeSet<&'static str>> = Arc::new(methods.iter().copied().collect());
        let allow = methods.into_iter().collect::<Vec<_>>().join(", ");
        config.service(web::resource(path).to(move |req: HttpRequest| {
            let allow = allow.clone();
            let handled = Arc::clone(&handled);
            async move {
                // A handled method reached this resource because a handler's
                // guard refused the request: not found, as actix-web says.
                if handled.contains(req.method().as_str()) {
                    return Problem::new(
                        StatusCode::NOT_FOUND,
                        format!(
                            "no handler of {} {} accepts this request",
                            req.method(),
                            req.path()
                        ),
                    )
                    .error_response();
                }
                let problem = Problem::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("{} is not allowed here; allowed: {allow}", req.method()),
                );
                let mut response = problem.error_response();
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                response
            }
        }));
    }
}

/// The document of `flavor` at `path`.
fn mount_document(
    config: &mut ServiceConfig,
    built: Arc<BuiltDocuments>,
    path: &str,
    flavor: Flavor,
) {
    config.service(
        web::resource(path).route(web::get().to(move |req: HttpRequest| {
            let built = Arc::clone(&built);
            async move {
                match built.served(flavor) {
                    Ok(served) => serve_document(&req, served),
                    Err(error) => {
                        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
                            .error_response()
                    }
                }
            }
        })),
    );
}

fn serve_document(req: &HttpRequest, built: &ServedDocument) -> HttpResponse {
    let fresh = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == built.etag.as_bytes());
    let mut response = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        let mut ok =
            HttpResponse::with_body(StatusCode::OK, built.json.clone()).map_into_boxed_body();
        // A static value: nothing to validate per request.
        ok.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        ok
    };
    response
        .headers_mut()
        .insert(header::ETAG, built.etag.clone());
    response
}
