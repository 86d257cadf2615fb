//! Swagger UI at `/docs` (or `Api::docs_path`), served from the archive that
//! `utoipa-swagger-ui-vendored` embeds, so the page needs no network: no CDN,
//! nothing downloaded at build time.

use std::io::Read;
use std::sync::OnceLock;

use actix_web::web::{Bytes, ServiceConfig};

use crate::docs_page::{self, escape_html, relative};

/// The files of the archive's `dist/` folder that the page uses.
const ASSETS: [(&str, &str); 2] = [
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
];

/// The assets, unpacked once per process.
fn assets() -> &'static [Option<Bytes>; 2] {
    static ASSETS_CELL: OnceLock<[Option<Bytes>; 2]> = OnceLock::new();
    ASSETS_CELL.get_or_init(|| ASSETS.map(|(name, _)| unpack(name)))
}

fn unpack(name: &str) -> Option<Bytes> {
    let reader = std::io::Cursor::new(utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED);
    let mut archive = zip::ZipArchive::new(reader).ok()?;
    let suffix = format!("/dist/{name}");
    let path = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|path| path.ends_with(&suffix))?
        .into_owned();
    let mut file = archive.by_name(&path).ok()?;
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.read_to_end(&mut bytes).ok()?;
    Some(Bytes::from(bytes))
}

/// The page at `docs`, reading the document at `document`. Its links are
/// relative, so the docs keep working when the whole application is mounted
/// under a prefix.
fn index_html(title: &str, docs: &str, document: &str) -> String {
    let title = escape_html(title);
    // The assets live under the page's own path: `docs/swagger-ui.css` from `/docs`.
    let assets = escape_html(docs.rsplit('/').next().unwrap_or("docs"));
    let document = escape_html(&relative(docs, document));
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - Swagger UI</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{document}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }});
  </script>
</body>
</html>
"##
    )
}

pub(crate) fn mount(config: &mut ServiceConfig, title: &str, docs: &str, document: &str) {
    docs_page::mount_page(config, docs, index_html(title, docs, document), None);
    for (index, (name, content_type)) in ASSETS.into_iter().enumerate() {
        docs_page::mount_asset(config, &format!("{docs}/{name}"), content_type, move || {
            assets()[index].clone()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_assets_unpack() {
        for (asset, (name, _)) in assets().iter().zip(ASSETS) {
            let bytes = asset.as_ref().unwrap_or_else(|| panic!("{name} missing"));
            assert!(bytes.len() > 10_000, "{name} is only {} bytes", bytes.len());
        }
        let bundle = assets()[0].as_ref().map(|b| b.to_vec()).unwrap_or_default();
        assert!(String::from_utf8_lossy(&bundle).contains("SwaggerUIBundle"));
    }

    #[test]
    fn the_page_links_its_assets_and_document_relatively() {
        let page = index_html("Api", "/reference/ui", "/api/openapi.json");
        assert!(page.contains(r#"href="ui/swagger-ui.css""#), "{page}");
        assert!(page.contains(r#"url: "../api/openapi.json""#), "{page}");
    }

    #[test]
    fn title_is_escaped() {
        let page = index_html("<Invoices & \"Co\">", "/docs", "/openapi.json");
        assert!(page.contains("&lt;Invoices &amp; &quot;Co&quot;&gt; - Swagger UI"));
    }
}
