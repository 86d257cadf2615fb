//! Opens `/docs` of a running hookspec example in headless Chromium, with every
//! host but 127.0.0.1 unreachable, expands `POST /invoices/`, opens its Callbacks
//! tab, and checks that the callback's name and URL expression are shown; saves a
//! screenshot.
//!
//! ```text
//! chromedriver --port=9515 &
//! cargo run --example invoices &
//! cargo run --manifest-path clients/browser/Cargo.toml -- http://127.0.0.1:8000 target/ci-artifacts
//! ```

use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

const WEBDRIVER: &str = "http://127.0.0.1:9515";
const CALLBACK: &str = "invoice_notification";
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
    match tokio::time::timeout(Duration::from_secs(90), check(&base, &artifacts)).await {
        Ok(Ok(())) => println!("browser: 1 passed, 0 failed"),
        Ok(Err(error)) => {
            eprintln!("browser: {error}");
            println!("browser: 0 passed, 1 failed");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("browser: no result within 90 s");
            println!("browser: 0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

async fn check(base: &str, artifacts: &str) -> Result<(), String> {
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
    let result = drive(&client, base, artifacts).await;
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
    let loaded = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .map_err(error("list the page's resources"))?;
    let loaded: Vec<String> = serde_json::from_value(loaded).map_err(|e| e.to_string())?;
    if let Some(outside) = loaded.iter().find(|url| !url.starts_with(base)) {
        return Err(format!("the page loaded `{outside}` from outside {base}"));
    }
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
    println!("browser: Callbacks tab shows `{CALLBACK}` at `{EXPRESSION}`; {} resources, all from {base}; screenshot {path}", loaded.len());
    Ok(())
}
