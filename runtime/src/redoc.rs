//! ReDoc at `/redoc` (feature `redoc`, or `Api::redoc_path`): the standalone
//! bundle of the `redoc` npm package (2.5.4, MIT, with its notices in
//! `assets/redoc/`), embedded in the crate, so the page needs no network.

use actix_web::web::ServiceConfig;

use crate::docs_page::{self, escape_html, relative};

/// The bundle: the page's only asset.
const BUNDLE: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

/// ReDoc's sidebar shows Redocly's logo from `cdn.redoc.ly` (whatever its
/// options): images come from this server only (and `data:` URLs), so the
/// browser does not ask Redocly's CDN on every visit. (Refused, the logo
/// hides itself; its link stays.)
const IMAGES: &str = "img-src 'self' data:";

/// The page at `page`, reading the document at `document`; its links are
/// relative, as Swagger UI's.
fn index_html(title: &str, page: &str, document: &str) -> String {
    let title = escape_html(title);
    let assets = escape_html(page.rsplit('/').next().unwrap_or("redoc"));
    let document = escape_html(&relative(page, document));
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - ReDoc</title>
</head>
<body>
  <redoc spec-url="{document}"></redoc>
  <script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"##
    )
}

pub(crate) fn mount(config: &mut ServiceConfig, title: &str, page: &str, document: &str) {
    docs_page::mount_page(
        config,
        page,
        index_html(title, page, document),
        Some(IMAGES),
    );
    docs_page::mount_bundle(config, page, "redoc.standalone.js", BUNDLE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_embedded_bundle_and_the_document() {
        let page = index_html("<Api>", "/reference/redoc", "/api/openapi.json");
        assert!(
            page.contains(r#"<script src="redoc/redoc.standalone.js">"#),
            "{page}"
        );
        assert!(page.contains(r#"spec-url="../api/openapi.json""#), "{page}");
        assert!(page.contains("&lt;Api&gt; - ReDoc"), "{page}");
        assert!(
            !page.contains("http"),
            "the page loads nothing remote: {page}"
        );
        assert!(String::from_utf8_lossy(BUNDLE).contains("Redoc"));
    }
}
