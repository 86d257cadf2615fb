//! Calls the running invoices example through a client progenitor generated from
//! its OpenAPI 3.0 document, and checks the typed replies; then the protected
//! subscriptions example, whose client sends the bearer token the document's
//! security scheme asks for.
//!
//! ```text
//! cargo run --example invoices -- --print-openapi-3.0 > target/openapi/invoices-3.0.json
//! cargo run --example subscriptions -- --print-openapi-3.0 > target/openapi/subscriptions-3.0.json
//! cargo run --example invoices &
//! PORT=8001 cargo run --example subscriptions &
//! cargo run --manifest-path clients/rust/Cargo.toml -- http://127.0.0.1:8000 http://127.0.0.1:8001 demo-token
//! ```

// The generated client: `Client`, its methods named after the operation ids, and
// `types::*` for the schemas.
progenitor::generate_api!("../../target/openapi/invoices-3.0.json");

/// The subscriptions example's generated client.
mod subscriptions {
    progenitor::generate_api!("../../target/openapi/subscriptions-3.0.json");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let protected = args.next().zip(args.next());
    let result = match check(&base).await {
        Ok(()) => match &protected {
            Some((base, token)) => check_protected(base, token).await,
            None => Ok(()),
        },
        error => error,
    };
    match result {
        Ok(()) => println!("progenitor: 1 passed, 0 failed"),
        Err(error) => {
            eprintln!("progenitor: {error}");
            println!("progenitor: 0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

async fn check(base: &str) -> Result<(), String> {
    let client = Client::new(base);
    let invoice = types::Invoice {
        id: "inv-progenitor".to_owned(),
        title: Some("From a generated client".to_owned()),
        customer: "ACME".to_owned(),
        total: 42.5,
    };
    // The typed reply of a valid request.
    let receipt = client
        .create_invoice(None, &invoice)
        .await
        .map_err(|error| format!("create_invoice: {error}"))?
        .into_inner();
    if receipt.msg != "Invoice received" {
        return Err(format!("unexpected receipt: {receipt:?}"));
    }
    // A callback URL the example may not call back (not loopback): still created.
    let receipt = client
        .create_invoice(Some("https://example.com/hooks"), &invoice)
        .await
        .map_err(|error| format!("create_invoice with a callback URL: {error}"))?
        .into_inner();
    if receipt.msg != "Invoice received" {
        return Err(format!("unexpected receipt: {receipt:?}"));
    }
    // The documented problem reply of a bad request, decoded into its type.
    let bad = client
        .create_invoice(Some("not a url"), &invoice)
        .await
        .err()
        .ok_or("a bad callback URL was accepted")?;
    // progenitor reads only `application/json` as JSON, so the problem reply
    // (`application/problem+json`) comes as bytes; they decode into the type it
    // generated for the documented `Problem` schema.
    let (status, stream) = match bad {
        progenitor_client::Error::ErrorResponse(reply) => {
            (reply.status().as_u16(), reply.into_inner())
        }
        other => return Err(format!("expected a problem reply, got {other}")),
    };
    let mut bytes = Vec::new();
    let mut stream = stream.into_inner();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        bytes.extend_from_slice(&chunk.map_err(|error| error.to_string())?);
    }
    let problem: types::Problem =
        serde_json::from_slice(&bytes).map_err(|error| error.to_string())?;
    if status != 400 {
        return Err(format!("expected 400, got {status}"));
    }
    if problem.status != 400
        || problem.errors.first().map(|e| e.pointer.as_str()) != Some("/callback_url")
    {
        return Err(format!("unexpected problem: {problem:?}"));
    }
    println!(
        "progenitor: typed receipt `{}`, typed problem at `{}`",
        receipt.msg, problem.errors[0].pointer
    );
    Ok(())
}

/// The protected example: `401` without the token, the typed list with it (the
/// token set once on the client, as the bearer scheme says).
async fn check_protected(base: &str, token: &str) -> Result<(), String> {
    let anonymous = subscriptions::Client::new(base);
    match anonymous.list_subscriptions().await {
        Err(progenitor_client::Error::ErrorResponse(reply)) if reply.status().as_u16() == 401 => {}
        Err(progenitor_client::Error::UnexpectedResponse(reply))
            if reply.status().as_u16() == 401 => {}
        other => return Err(format!("without a token: expected 401, got {other:?}")),
    }
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|error| error.to_string())?;
    headers.insert(reqwest::header::AUTHORIZATION, value);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .map_err(|error| error.to_string())?;
    let client = subscriptions::Client::new_with_client(base, http);
    let list = client
        .list_subscriptions()
        .await
        .map_err(|error| format!("list_subscriptions with the token: {error}"))?
        .into_inner();
    if list.first().map(|subscription| subscription.id) != Some(1) {
        return Err(format!("unexpected subscriptions: {list:?}"));
    }
    println!(
        "progenitor: 401 without the bearer token, {} typed subscription(s) with it",
        list.len()
    );
    manage_an_endpoint(&client).await
}

/// The management API through the generated client: register an endpoint,
/// find it in the list, delete it, and find it gone.
async fn manage_an_endpoint(client: &subscriptions::Client) -> Result<(), String> {
    let registered = client
        .create_webhook_endpoint(&subscriptions::types::EndpointIn {
            url: "https://hooks.example.com/progenitor".to_owned(),
            event_types: vec!["plan-price-changed".to_owned()],
            description: "from a generated client".to_owned(),
            metadata: Default::default(),
        })
        .await
        .map_err(|error| format!("create_webhook_endpoint: {error}"))?
        .into_inner();
    let listed = client
        .list_webhook_endpoints(None, None)
        .await
        .map_err(|error| format!("list_webhook_endpoints: {error}"))?
        .into_inner();
    if !listed
        .data
        .iter()
        .any(|endpoint| endpoint.id == registered.id)
    {
        return Err(format!("{} is not listed: {listed:?}", registered.id));
    }
    client
        .delete_webhook_endpoint(&registered.id)
        .await
        .map_err(|error| format!("delete_webhook_endpoint: {error}"))?;
    match client.get_webhook_endpoint(&registered.id).await {
        Err(progenitor_client::Error::ErrorResponse(reply)) if reply.status().as_u16() == 404 => {}
        Err(progenitor_client::Error::UnexpectedResponse(reply))
            if reply.status().as_u16() == 404 => {}
        other => return Err(format!("after delete: expected 404, got {other:?}")),
    }
    println!("progenitor: an endpoint registered, listed and deleted through the management API");
    Ok(())
}
