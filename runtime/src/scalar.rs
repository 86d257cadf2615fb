//! Scalar at `/scalar` (feature `scalar`, or `Api::scalar_path`): the
//! standalone bundle of the `@scalar/api-reference` npm package (1.46.4, MIT,
//! with its notices in `assets/scalar/`), embedded in the crate. Configured to
//! need no network: no web fonts, no telemetry, no request proxy, no links to
//! Scalar's hosted client or its AI agent.

use actix_web::web::ServiceConfig;

use crate::docs_page::{self, escape_html, relative};

/// The bundle: the page's only asset.
const BUNDLE: &[u8] = include_bytes!("../assets/scalar/scalar.standalone.js");

/// Scalar's configuration, beside the document's URL. Each setting turns off
/// something that reaches Scalar's servers: its fonts (`fonts.scalar.com`),
/// its telemetry, its request proxy (`proxy.scalar.com`, Scalar's default
/// for "Try it" from a web page), the button opening `client.scalar.com`, and
/// its AI agent. The developer toolbar it shows on `localhost` is off too.
const OFFLINE: &str = r#""withDefaultFonts": false, "telemetry": false, "proxyUrl": "", "hideClientButton": true, "showDeveloperTools": "never", "agent": { "disabled": true }"#;

/// The page at `page`, reading the document at `document`; its links are
/// relative, as Swagger UI's.
fn index_html(title: &str, page: &str, document: &str) -> String {
    let title = escape_html(title);
    let assets = escape_html(page.rsplit('/').next().unwrap_or("scalar"));
    // In a JSON string inside a script: `relative` makes path segments, and
    // these characters are all that could end either.
    let document = relative(page, document)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('<', "\\u003c");
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - Scalar</title>
</head>
<body>
  <div id="app"></div>
  <script src="{assets}/scalar.standalone.js"></script>
  <script>
    Scalar.createApiReference("#app", {{ "url": "{document}", {OFFLINE} }});
  </script>
</body>
</html>
"##
    )
}

pub(crate) fn mount(config: &mut ServiceConfig, title: &str, page: &str, document: &str) {
    docs_page::mount_page(config, page, index_html(title, page, document), None);
    docs_page::mount_bundle(config, page, "scalar.standalone.js", BUNDLE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_embedded_bundle_and_the_document_offline() {
        let page = index_html("<Api>", "/reference/scalar", "/api/openapi.json");
        assert!(
            page.contains(r#"<script src="scalar/scalar.standalone.js">"#),
            "{page}"
        );
        assert!(
            page.contains(r#""url": "../api/openapi.json", "withDefaultFonts": false"#),
            "{page}"
        );
        assert!(page.contains("&lt;Api&gt; - Scalar"), "{page}");
        assert!(
            !page.contains("http"),
            "the page loads nothing remote: {page}"
        );
        assert!(String::from_utf8_lossy(BUNDLE).contains("createApiReference"));
    }
}
