//! Opens `/docs` of a running hookspec example in headless Chromium, with every
//! host but 127.0.0.1 unreachable, expands `POST /invoices/`, opens its Callbacks
//! tab, and checks that the callback's name and URL expression are shown; then
//! opens `/redoc` and `/scalar` and checks that ReDoc and Scalar show the
//! operation's callbacks too, each page loading nothing from elsewhere; saves a
//! screenshot of each.
//!
//! Given the subscriptions example's address and a user's token too, it then
//! opens that example's `/docs`, runs `GET /v1/subscriptions` ("Try it out")
//! and expects `401`, authorises with the token in Swagger UI's Authorize
//! dialog, runs it again and expects `200`.
//!
//! Given the files example's address last, it finds that example's upload in
//! each page: a file input in Swagger UI, a file picker in Scalar, binary parts
//! in ReDoc. An empty argument skips its check.
//!
//! ```text
//! chromedriver --port=9515 &
//! cargo run --example invoices &
//! PORT=8001 cargo run --example subscriptions &
//! PORT=8002 cargo run --example files &
//! cargo run --manifest-path clients/browser/Cargo.toml -- http://127.0.0.1:8000 target/ci-artifacts http://127.0.0.1:8001 demo-token http://127.0.0.1:8002
//! ```

use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

const WEBDRIVER: &str = "http://127.0.0.1:9515";
const CALLBACK: &str = "invoice_notification";
/// The callback's summary: how ReDoc names it.
const CALLBACK_SUMMARY: &str = "Notify the API user about an invoice event.";
const EXPRESSION: &str = "{$request.query.callback_url}/invoices/{$request.body#/id}";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let artifacts = args
        .next()
        .unwrap_or_else(|| "target/ci-artifacts".to_owned());
    // An empty argument skips its check.
    let mut next = || args.next().filter(|arg| !arg.is_empty());
    let protected = next().zip(next());
    let files = next();
    let run = check(&base, &artifacts, protected.as_ref(), files.as_deref());
    match tokio::time::timeout(Duration::from_secs(180), run).await {
        Ok(Ok(())) => println!("browser: 1 passed, 0 failed"),
        Ok(Err(error)) => {
            eprintln!("browser: {error}");
            println!("browser: 0 passed, 1 failed");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("browser: no result within 180 s");
            println!("browser: 0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

async fn check(
    base: &str,
    artifacts: &str,
    protected: Option<&(String, String)>,
    files: Option<&str>,
) -> Result<(), String> {
    let profile = std::env::temp_dir().join(format!("hookspec-chromium-{}", std::process::id()));
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--window-size=1280,1600",
                format!("--user-data-dir={}", profile.display()),
                // Every host but loopback is unreachable: names do not resolve, and
                // anything else goes to a proxy that is not there.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--proxy-server=http://127.0.0.1:9",
            ]
        }
    });
    let capabilities = match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(WEBDRIVER)
        .await
        .map_err(|e| format!("cannot reach chromedriver at {WEBDRIVER}: {e}"))?;
    let mut result = drive(&client, base, artifacts).await;
    // ReDoc names a callback by its operation's summary, Scalar by its name.
    if result.is_ok() {
        let redoc = ("redoc", "ReDoc");
        result = page_shows_callback(&client, (base, artifacts), redoc, CALLBACK_SUMMARY).await;
    }
    if result.is_ok() {
        let scalar = ("scalar", "Scalar");
        result = page_shows_callback(&client, (base, artifacts), scalar, CALLBACK).await;
    }
    if let (Ok(()), Some((subscriptions, token))) = (&result, protected) {
        result = authorize(&client, subscriptions, token, artifacts).await;
    }
    if let (Ok(()), Some(files)) = (&result, files) {
        result = uploads(&client, files, artifacts).await;
    }
    if result.is_err() {
        // What the page showed when the check failed, for the log's reader.
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::create_dir_all(artifacts);
            let _ = std::fs::write(format!("{artifacts}/failure.png"), png);
        }
    }
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    result
}

async fn drive(client: &fantoccini::Client, base: &str, artifacts: &str) -> Result<(), String> {
    let error = |what: &str| {
        let what = what.to_owned();
        move |e: fantoccini::error::CmdError| format!("{what}: {e}")
    };
    client
        .goto(&format!("{base}/docs"))
        .await
        .map_err(error("open /docs"))?;
    let operation = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(".opblock-post .opblock-summary-control"))
        .await
        .map_err(error("Swagger UI did not render POST /invoices/"))?;
    operation
        .click()
        .await
        .map_err(error("expand POST /invoices/"))?;
    let tab = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//*[contains(@class,'tab-header')]//*[normalize-space(text())='Callbacks']",
        ))
        .await
        .map_err(error("no Callbacks tab"))?;
    tab.click().await.map_err(error("open the Callbacks tab"))?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!(
            "//*[normalize-space(text())='{CALLBACK}']"
        )))
        .await
        .map_err(error("the callback's name is not shown"))?;
    let shown = client
        .find(Locator::Css(".callbacks-container"))
        .await
        .map_err(error("no callbacks container"))?
        .text()
        .await
        .map_err(error("read the callbacks"))?;
    if !shown.contains(EXPRESSION) {
        return Err(format!(
            "the callback URL `{EXPRESSION}` is not shown; the tab says:\n{shown}"
        ));
    }

    // Everything the page loaded came from the server under test.
    let loaded = resources_all_from(client, base).await?;
    if !loaded
        .iter()
        .any(|url| url.ends_with("/docs/swagger-ui-bundle.js"))
    {
        return Err(format!("the bundle was not loaded from {base}: {loaded:?}"));
    }
    // And the outside really was unreachable while it rendered.
    let outside = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('https://example.com/', {mode: 'no-cors'}).then(() => done('reached'), () => done('unreachable'));",
            vec![],
        )
        .await
        .map_err(error("try the outside"))?;
    if outside != json!("unreachable") {
        return Err(
            "the browser could reach https://example.com/: the check proves nothing".to_owned(),
        );
    }

    std::fs::create_dir_all(artifacts).map_err(|e| e.to_string())?;
    let png = client.screenshot().await.map_err(error("screenshot"))?;
    let path = format!("{artifacts}/docs-callbacks.png");
    std::fs::write(&path, png).map_err(|e| e.to_string())?;
    println!("browser: Callbacks tab shows `{CALLBACK}` at `{EXPRESSION}`; {} resources, none fetched from elsewhere; screenshot {path}", loaded.len());
    Ok(())
}

/// The `GET /v1/subscriptions` operation block of the subscriptions example.
const LIST: &str = "#operations-subscriptions-list_subscriptions";

/// Runs `GET /v1/subscriptions` from Swagger UI without, then with, the bearer
/// token entered in the Authorize dialog: `401`, then `200`.
async fn authorize(
    client: &fantoccini::Client,
    base: &str,
    token: &str,
    artifacts: &str,
) -> Result<(), String> {
    let error = |what: &str| {
        let what = what.to_owned();
        move |e: fantoccini::error::CmdError| format!("{what}: {e}")
    };
    client
        .goto(&format!("{base}/docs"))
        .await
        .map_err(error("open the subscriptions example's /docs"))?;
    wait(
        client,
        Locator::Css("#operations-subscriptions-list_subscriptions .opblock-summary-control"),
        "Swagger UI did not render GET /v1/subscriptions",
    )
    .await?
    .click()
    .await
    .map_err(error("expand GET /v1/subscriptions"))?;
    wait(
        client,
        Locator::Css("#operations-subscriptions-list_subscriptions .try-out__btn"),
        "no Try it out button",
    )
    .await?
    .click()
    .await
    .map_err(error("Try it out"))?;
    let unauthorised = execute(client, "before authorising").await?;
    if unauthorised != "401" {
        return Err(format!("without a token: {unauthorised}, expected 401"));
    }

    wait(
        client,
        Locator::Css(".scheme-container .btn.authorize"),
        "no Authorize button",
    )
    .await?
    .click()
    .await
    .map_err(error("open the Authorize dialog"))?;
    let container =
        "//div[contains(@class,'auth-container')][.//h4[contains(normalize-space(.), 'bearer')]]";
    wait(
        client,
        Locator::XPath(&format!("{container}//input")),
        "no input for the bearer token",
    )
    .await?
    .send_keys(token)
    .await
    .map_err(error("type the token"))?;
    wait(
        client,
        Locator::XPath(&format!(
            "{container}//button[contains(@class,'authorize')]"
        )),
        "no Authorize button in the dialog",
    )
    .await?
    .click()
    .await
    .map_err(error("authorise"))?;
    wait(
        client,
        Locator::Css(".modal-ux .btn-done"),
        "no Close button",
    )
    .await?
    .click()
    .await
    .map_err(error("close the dialog"))?;
    let authorised = execute(client, "after authorising").await?;
    if authorised != "200" {
        return Err(format!("with the token: {authorised}, expected 200"));
    }
    let png = client.screenshot().await.map_err(error("screenshot"))?;
    let path = format!("{artifacts}/docs-authorized.png");
    std::fs::write(&path, png).map_err(|e| e.to_string())?;
    println!("browser: GET /v1/subscriptions from Swagger UI: 401 without a token, 200 after Authorize; screenshot {path}");
    Ok(())
}

/// A docs page at `page` (`redoc`, `scalar`) that renders the API offline
/// and shows the callback of `POST /invoices/` as `callback` under a
/// Callbacks heading.
async fn page_shows_callback(
    client: &fantoccini::Client,
    (base, artifacts): (&str, &str),
    (page, name): (&str, &str),
    callback: &str,
) -> Result<(), String> {
    client
        .goto(&format!("{base}/{page}"))
        .await
        .map_err(|e| format!("open /{page}: {e}"))?;
    wait(
        client,
        Locator::XPath("//*[normalize-space(text())='Callbacks']"),
        &format!("{name} shows no Callbacks heading"),
    )
    .await?;
    let source = client.source().await.map_err(|e| e.to_string())?;
    let callbacks = source.find("Callbacks").unwrap_or(source.len());
    if !source[callbacks..].contains(callback) {
        return Err(format!(
            "{name} does not show the callback `{callback}` under Callbacks"
        ));
    }
    let loaded = resources_all_from(client, base).await?;
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    let path = format!("{artifacts}/{page}-callbacks.png");
    std::fs::write(&path, png).map_err(|e| e.to_string())?;
    println!(
        "browser: {name} at /{page} shows the callback `{callback}` under Callbacks; {} resources, none fetched from elsewhere; screenshot {path}",
        loaded.len()
    );
    Ok(())
}

/// The files example's upload, `POST /reports/{id}/attachments`, in each docs
/// page: a file input in Swagger UI's "Try it out", a file picker in
/// Scalar's request client; ReDoc, which sends no requests, shows its parts
/// as binary.
async fn uploads(client: &fantoccini::Client, base: &str, artifacts: &str) -> Result<(), String> {
    const ATTACH: &str = "#operations-reports-attach";
    client
        .goto(&format!("{base}/docs"))
        .await
        .map_err(|e| format!("open the files example's /docs: {e}"))?;
    let summary = format!("{ATTACH} .opblock-summary-control");
    wait(client, Locator::Css(&summary), "Swagger UI shows no upload")
        .await?
        .click()
        .await
        .map_err(|e| format!("expand the upload: {e}"))?;
    let try_out = format!("{ATTACH} .try-out__btn");
    wait(client, Locator::Css(&try_out), "no Try it out")
        .await?
        .click()
        .await
        .map_err(|e| format!("Try it out: {e}"))?;
    let input = format!("{ATTACH} input[type=file]");
    wait(
        client,
        Locator::Css(&input),
        "Swagger UI shows no file input for the upload",
    )
    .await?;
    resources_all_from(client, base).await?;
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(format!("{artifacts}/docs-upload.png"), png).map_err(|e| e.to_string())?;

    client
        .goto(&format!("{base}/redoc"))
        .await
        .map_err(|e| format!("open the files example's /redoc: {e}"))?;
    wait(
        client,
        Locator::XPath("//*[contains(normalize-space(text()),'multipart/form-data')]"),
        "ReDoc shows no multipart/form-data body",
    )
    .await?;
    let source = client.source().await.map_err(|e| e.to_string())?;
    if !source.contains("&lt;binary&gt;") && !source.contains("<binary>") {
        return Err("ReDoc shows no binary part for the upload".to_owned());
    }
    resources_all_from(client, base).await?;
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(format!("{artifacts}/redoc-upload.png"), png).map_err(|e| e.to_string())?;

    client
        .goto(&format!("{base}/scalar"))
        .await
        .map_err(|e| format!("open the files example's /scalar: {e}"))?;
    // The upload's section, rendered as the page scrolls there.
    wait(
        client,
        Locator::Css("[id$='POST/reports/{id}/attachments'] button"),
        "Scalar shows no upload",
    )
    .await?;
    let opened = client
        .execute(
            "const operation = [...document.querySelectorAll('section, div')]
                 .find(e => e.id && e.id.endsWith('POST/reports/{id}/attachments'));
             const scope = operation || document;
             const button = [...scope.querySelectorAll('button')]
                 .find(b => b.textContent.includes('Test Request'));
             if (!button) return 'no button';
             button.click();
             return operation ? operation.id : 'document';",
            vec![],
        )
        .await
        .map_err(|e| format!("open Scalar's request client: {e}"))?;
    if opened != json!("api-1/tag/reports/POST/reports/{id}/attachments") {
        return Err(format!(
            "Scalar's request client opened at {opened}, not the upload"
        ));
    }
    // A multipart form's rows each have a "Select File" button, which opens
    // the browser's file picker.
    wait(
        client,
        Locator::XPath("//*[normalize-space(text())='Multipart Form']"),
        "Scalar's request client shows no multipart form",
    )
    .await?;
    wait(
        client,
        Locator::XPath("//*[@value='files[]' or normalize-space(text())='files[]']/ancestor::*[.//*[normalize-space(text())='Select File']][1]"),
        "Scalar's request client has no file picker for `files[]`",
    )
    .await?;
    resources_all_from(client, base).await?;
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(format!("{artifacts}/scalar-upload.png"), png).map_err(|e| e.to_string())?;
    println!("browser: the upload has a file input in Swagger UI's Try it out and a file picker in Scalar's request client; ReDoc shows its binary parts; screenshots {artifacts}/*-upload.png");
    Ok(())
}

/// The resources the page loaded, all from `base`; an error names one that
/// came from elsewhere. Chromium lists the requests its Content Security
/// Policy refused too: an image from elsewhere passes only if the page's
/// policy is seen refusing one.
async fn resources_all_from(
    client: &fantoccini::Client,
    base: &str,
) -> Result<Vec<String>, String> {
    let loaded = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => [e.name, e.initiatorType]);",
            vec![],
        )
        .await
        .map_err(|e| format!("list the page's resources: {e}"))?;
    let loaded: Vec<(String, String)> =
        serde_json::from_value(loaded).map_err(|e| e.to_string())?;
    let mut images_refused = None;
    for (url, initiator) in &loaded {
        if url.starts_with(base) {
            continue;
        }
        if initiator == "img" {
            if images_refused.is_none() {
                images_refused = Some(refuses_images_from_elsewhere(client).await?);
            }
            if images_refused == Some(true) {
                continue;
            }
        }
        return Err(format!("the page loaded `{url}` from outside {base}"));
    }
    Ok(loaded.into_iter().map(|(url, _)| url).collect())
}

/// Whether the page's Content Security Policy refuses an image from
/// elsewhere: one is asked for, and the browser reports the violation.
async fn refuses_images_from_elsewhere(client: &fantoccini::Client) -> Result<bool, String> {
    let violated = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             document.addEventListener('securitypolicyviolation',
                 e => done(e.effectiveDirective), { once: true });
             new Image().src = 'https://example.com/probe.png';
             setTimeout(() => done('none'), 5000);",
            vec![],
        )
        .await
        .map_err(|e| format!("probe the page's policy: {e}"))?;
    Ok(violated == json!("img-src"))
}

/// The element `locator` finds within 20 s.
async fn wait(
    client: &fantoccini::Client,
    locator: Locator<'_>,
    what: &str,
) -> Result<fantoccini::elements::Element, String> {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(locator)
        .await
        .map_err(|e| format!("{what}: {e}"))
}

/// Clicks Execute in the list operation and returns the status Swagger UI shows.
async fn execute(client: &fantoccini::Client, when: &str) -> Result<String, String> {
    let error = |e: fantoccini::error::CmdError| format!("execute {when}: {e}");
    // Clear the previous response (Swagger UI's own button), so the one read
    // is this request's.
    if let Ok(clear) = client
        .find(Locator::Css(&format!("{LIST} .btn-clear")))
        .await
    {
        clear.click().await.map_err(error)?;
    }
    client
        .find(Locator::Css(
            "#operations-subscriptions-list_subscriptions .execute",
        ))
        .await
        .map_err(error)?
        .click()
        .await
        .map_err(error)?;
    let status = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(
            "#operations-subscriptions-list_subscriptions .live-responses-table tr.response .response-col_status",
        ))
        .await
        .map_err(error)?
        .text()
        .await
        .map_err(error)?;
    Ok(status
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
}
