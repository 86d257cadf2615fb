//! What the docs pages (Swagger UI, ReDoc, Scalar) share: their HTML escaped and
//! linked relatively, served with their embedded assets.

use actix_web::http::header;
use actix_web::web::{self, Bytes, ServiceConfig};
use actix_web::HttpResponse;

pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `to` as a link relative to a page at `from` (both absolute paths of the
/// same application): `/api/docs` → `/api/openapi.json` is `openapi.json`,
/// `/reference/docs` → `/api/openapi.json` is `../api/openapi.json`. Relative,
/// so the page keeps working when the application is mounted under a prefix.
pub(crate) fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let from_dir = &from[..from.len().saturating_sub(1)];
    let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from_dir.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// The page `html` at `path`, and `path/` sent back to it (the page's
/// relative links would break under `path/`). `policy`, a
/// `Content-Security-Policy`, keeps the browser from loading what the page's
/// bundle would fetch from elsewhere.
pub(crate) fn mount_page(
    config: &mut ServiceConfig,
    path: &str,
    html: String,
    policy: Option<&'static str>,
) {
    let page = Bytes::from(html);
    config.service(web::resource(path).route(web::get().to(move || {
        let page = page.clone();
        async move {
            let mut response = HttpResponse::Ok();
            response.content_type("text/html; charset=utf-8");
            if let Some(policy) = policy {
                response.insert_header((header::CONTENT_SECURITY_POLICY, policy));
            }
            response.body(page)
        }
    })));
    let back = format!("../{}", path.rsplit('/').next().unwrap_or_default());
    config.service(
        web::resource(format!("{path}/")).route(web::get().to(move || {
            let back = back.clone();
            async move {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, back))
                    .finish()
            }
        })),
    );
}

/// A page's embedded JavaScript bundle `bundle`, served as `file` beside the
/// page at `page` (`/redoc/redoc.standalone.js`).
#[cfg(any(feature = "redoc", feature = "scalar"))]
pub(crate) fn mount_bundle(
    config: &mut ServiceConfig,
    page: &str,
    file: &str,
    bundle: &'static [u8],
) {
    mount_asset(
        config,
        &format!("{page}/{file}"),
        "text/javascript; charset=utf-8",
        move || Some(Bytes::from_static(bundle)),
    );
}

/// An embedded asset at `path`, cached by browsers for a day; `bytes` gives
/// it, or `None` if the embedded copy is unreadable.
pub(crate) fn mount_asset(
    config: &mut ServiceConfig,
    path: &str,
    content_type: &'static str,
    bytes: impl Fn() -> Option<Bytes> + Clone + 'static,
) {
    config.service(web::resource(path).route(web::get().to(move || {
        let bytes = bytes();
        async move {
            match bytes {
                Some(bytes) => HttpResponse::Ok()
                    .content_type(content_type)
                    .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
                    .body(bytes),
                None => HttpResponse::InternalServerError()
                    .body("hookspec: an embedded docs asset is unreadable"),
            }
        }
    })));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_page() {
        assert_eq!(relative("/docs", "/openapi.json"), "openapi.json");
        assert_eq!(relative("/api/docs", "/api/openapi.json"), "openapi.json");
        assert_eq!(
            relative("/reference/docs", "/api/openapi.json"),
            "../api/openapi.json"
        );
        assert_eq!(relative("/a/b/docs", "/spec.json"), "../../spec.json");
        assert_eq!(relative("/docs", "/v1/openapi.json"), "v1/openapi.json");
    }
}
