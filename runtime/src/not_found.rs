//! Requests no route of an [`Api`](crate::Api) matches: a problem+json `404`
//! naming the method and path, instead of actix-web's empty one; or, when the
//! path with its trailing slash added or removed is a route's (`POST /invoices`
//! for `POST /invoices/`), a `308 Permanent Redirect` there (method and body
//! kept, as FastAPI's `redirect_slashes` does), or a `404` that names it.

use std::sync::Arc;

use actix_web::dev::ResourceDef;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError, Route};

use crate::problem::Problem;

/// The most characters of a request's path a problem repeats.
const SHOWN_PATH: usize = 200;

/// Every path an `Api` serves, relative to where it is mounted.
pub(crate) struct KnownPaths {
    patterns: Vec<ResourceDef>,
    redirect_slashes: bool,
}

impl KnownPaths {
    /// `paths`: actix-web patterns (`/invoices/{id}`), each with its scope's
    /// prefix; already accepted by actix-web, which registered them first.
    pub(crate) fn new<'a>(
        paths: impl IntoIterator<Item = &'a str>,
        redirect_slashes: bool,
    ) -> Self {
        KnownPaths {
            patterns: paths.into_iter().map(ResourceDef::new).collect(),
            redirect_slashes,
        }
    }

    fn serves(&self, path: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.is_match(path))
    }
}

/// The default service of the `Api`'s own scope with prefix `prefix` (`""`:
/// where the `Api` is mounted): actix-web gives it the requests that reached
/// the scope and matched none of its resources.
pub(crate) fn default_service(known: Arc<KnownPaths>, prefix: &str) -> Route {
    let prefix = prefix.to_owned();
    web::to(move |req: HttpRequest| {
        let response = answer(&known, &prefix, &req);
        async move { response }
    })
}

fn answer(known: &KnownPaths, prefix: &str, req: &HttpRequest) -> HttpResponse {
    let shown = |path: &str| -> String { path.chars().take(SHOWN_PATH).collect() };
    let requested = format!("{} {}", req.method(), shown(req.path()));
    let Some(meant) = meant_path(known, prefix, req) else {
        return Problem::new(
            StatusCode::NOT_FOUND,
            format!("no route matches `{requested}`"),
        )
        .error_response();
    };
    if !known.redirect_slashes {
        return Problem::new(
            StatusCode::NOT_FOUND,
            format!(
                "no route matches `{requested}`; the route is `{}`",
                shown(&meant)
            ),
        )
        .error_response();
    }
    let mut location = meant.clone();
    if let Some(query) = req.uri().query() {
        location.push('?');
        location.push_str(query);
    }
    let mut response = Problem::new(
        StatusCode::PERMANENT_REDIRECT,
        format!("`{requested}` is served at `{}`", shown(&meant)),
    )
    .error_response();
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => Problem::new(
            StatusCode::NOT_FOUND,
            format!("no route matches `{requested}`"),
        )
        .error_response(),
    }
}

/// The request's path with its trailing slash added or removed, if the `Api`
/// serves that one.
fn meant_path(known: &KnownPaths, prefix: &str, req: &HttpRequest) -> Option<String> {
    let info = req.match_info();
    let path = info.as_str();
    let unprocessed = info.unprocessed();
    // Where the `Api` is mounted: what the enclosing scopes consumed, without
    // this scope's own prefix.
    let consumed = path.strip_suffix(unprocessed)?;
    let mount = consumed.strip_suffix(prefix)?;
    let relative = format!("{prefix}{unprocessed}");
    let toggled = match relative.strip_suffix('/') {
        Some(without) if !without.is_empty() => without.to_owned(),
        Some(_) => return None,
        None => format!("{relative}/"),
    };
    if !known.serves(&toggled) {
        return None;
    }
    let meant = format!("{mount}{toggled}");
    // `//host/...` in a `Location` is another host: never redirect there.
    (meant.starts_with('/') && !meant.starts_with("//")).then_some(meant)
}
