//! Helpers shared by the integration tests.

#![allow(dead_code)]

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use serde_json::Value;

mod openapi_schema;
mod receiver;
mod senders;
#[allow(unused_imports)]
pub use openapi_schema::{
    assert_valid_openapi_3_0, assert_valid_openapi_3_1, assert_valid_openapi_3_2,
};
#[allow(unused_imports)]
pub use receiver::{Answer, Gate, Received, Receiver};
#[allow(unused_imports)]
pub use senders::{callback_url_trigger, loopback_sender};

/// `api`'s 3.1 and 3.0 documents, after `check()`, each validated against its
/// official schema (its 3.2 document too, which [`document_3_2`] returns).
pub fn checked_documents(api: &hookspec::Api) -> [Value; 2] {
    api.check().unwrap_or_else(|error| panic!("{error}"));
    // The served bytes are written one operation at a time; the typed
    // documents are assembled as trees. Both must say the same, byte for byte.
    let typed = serde_json::to_vec(api.openapi().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&api.openapi_json().unwrap()),
        String::from_utf8_lossy(&typed)
    );
    let typed = serde_json::to_vec(api.openapi_3_0().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&api.openapi_3_0_json().unwrap()),
        String::from_utf8_lossy(&typed)
    );
    let v3_1 = serde_json::to_value(api.openapi().unwrap()).unwrap();
    assert_valid_openapi_3_1(&v3_1);
    assert_references_resolve(&v3_1);
    let v3_0 = serde_json::to_value(api.openapi_3_0().unwrap()).unwrap();
    assert_valid_openapi_3_0(&v3_0);
    assert_references_resolve(&v3_0);
    document_3_2(api);
    [v3_1, v3_0]
}

/// `api`'s 3.2 document, validated against its official schema; served and
/// typed the same, byte for byte.
pub fn document_3_2(api: &hookspec::Api) -> Value {
    let typed = serde_json::to_vec(api.openapi_3_2().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&api.openapi_3_2_json().unwrap()),
        String::from_utf8_lossy(&typed)
    );
    let v3_2 = serde_json::to_value(api.openapi_3_2().unwrap()).unwrap();
    assert_valid_openapi_3_2(&v3_2);
    assert_references_resolve(&v3_2);
    v3_2
}

/// Every `$ref` in `document` points at something in it, and every response
/// under `components.responses` is referred to (the official schemas check
/// neither).
pub fn assert_references_resolve(document: &Value) {
    fn collect<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    found.push(reference);
                }
                object.values().for_each(|value| collect(value, found));
            }
            Value::Array(items) => items.iter().for_each(|value| collect(value, found)),
            _ => {}
        }
    }
    let mut references = Vec::new();
    collect(document, &mut references);
    for reference in &references {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("`{reference}` is not a reference into the document"));
        assert!(
            document.pointer(pointer).is_some(),
            "`{reference}` points at nothing"
        );
    }
    if let Some(Value::Object(responses)) = document.pointer("/components/responses") {
        for name in responses.keys() {
            let reference = format!("#/components/responses/{name}");
            assert!(
                references.contains(&reference.as_str()),
                "`{reference}` is not referred to"
            );
        }
    }
}

/// The body of a test response, as JSON.
pub async fn json_body<B: MessageBody>(response: ServiceResponse<B>) -> Value {
    let bytes = actix_web::test::read_body(response).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// A listener that accepts and counts raw TCP connections and answers nothing:
/// the proof that an address was never contacted sees every connection, not only
/// requests that reach an HTTP handler. Accepts on a thread of its own until
/// dropped.
pub struct AcceptCounter {
    pub addr: std::net::SocketAddr,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<std::net::TcpListener>>,
}

impl AcceptCounter {
    /// Listens on `addr` (port 0: any free port).
    pub fn bind(addr: &str) -> std::io::Result<AcceptCounter> {
        AcceptCounter::on(std::net::TcpListener::bind(addr)?)
    }

    /// Counts the connections made to `listener`, which stays bound until
    /// [`into_listener`](Self::into_listener) or drop.
    pub fn on(listener: std::net::TcpListener) -> std::io::Result<AcceptCounter> {
        use std::sync::atomic::Ordering;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (count, stopped) = (accepted.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: a test that forgets to drop it still ends within a minute.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !stopped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    // Closed at once: the client sees a reset or an empty reply.
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        drop(stream);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
            listener
        });
        Ok(AcceptCounter {
            addr,
            accepted,
            stop,
            thread: Some(thread),
        })
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops counting and hands the listener back, still bound (for a server
    /// that takes over the port without a window for another process to bind it).
    pub fn into_listener(mut self) -> std::net::TcpListener {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let listener = self.thread.take().unwrap().join().unwrap();
        listener.set_nonblocking(false).unwrap();
        listener
    }
}

impl Drop for AcceptCounter {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Counters on 127.0.0.1 and [::1] at one port: every loopback connection to it,
/// whichever family the client picks.
pub fn loopback_accept_counters() -> (AcceptCounter, AcceptCounter) {
    for _ in 0..20 {
        let v6 = AcceptCounter::bind("[::1]:0").expect("an IPv6 loopback port");
        if let Ok(v4) = AcceptCounter::bind(&format!("127.0.0.1:{}", v6.addr.port())) {
            return (v4, v6);
        }
    }
    panic!("no port free on both 127.0.0.1 and [::1]");
}

/// A receiver that accepts connections and never answers (nor reads): every
/// request to it waits for the sender's timeout. Holds what it accepted until
/// dropped; accepts on a thread of its own, for at most a minute.
pub struct Tarpit {
    pub addr: std::net::SocketAddr,
    counter: AcceptCounterHolding,
}

struct AcceptCounterHolding {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Tarpit {
    pub fn bind() -> Tarpit {
        Tarpit::bind_on("127.0.0.1")
    }

    /// A tarpit on a loopback address of the caller's choice (Linux answers on
    /// all of 127.0.0.0/8).
    pub fn bind_on(ip: &str) -> Tarpit {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind((ip, 0)).expect("a loopback port");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (stopped, count) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !stopped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        held.push(stream);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
        });
        Tarpit {
            addr,
            counter: AcceptCounterHolding {
                stop,
                accepted,
                thread: Some(thread),
            },
        }
    }

    /// Connections it holds (or held).
    pub fn accepted(&self) -> usize {
        self.counter
            .accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for AcceptCounterHolding {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Checks a Standard Webhooks signature as the specification describes it,
/// with RustCrypto's HMAC-SHA256: neither hookspec's `Verifier` nor the crate
/// hookspec signs with. `header(name)` reads the request's headers. Checks the
/// signature only, not the timestamp's age.
#[allow(dead_code)]
pub fn reference_verify<'h>(
    secret: &str,
    header: impl Fn(&str) -> Option<&'h str>,
    body: &[u8],
) -> bool {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let engine = base64::engine::general_purpose::STANDARD;
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|key| engine.decode(key).ok())
    else {
        return false;
    };
    let (Some(id), Some(timestamp), Some(signatures)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = engine.encode(mac.finalize().into_bytes());
    signatures
        .split(' ')
        .any(|signature| signature.strip_prefix("v1,") == Some(expected.as_str()))
}

/// An app made by `configure`, served by one worker on 127.0.0.1 (inside the
/// calling test's actix runtime), and its `http://` address.
pub fn serve_on_loopback<F>(configure: F) -> (String, actix_web::dev::ServerHandle)
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Clone + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server =
        actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (address, handle)
}
