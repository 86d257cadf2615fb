//! A receiver for delivery tests: on a loopback address, answering from a
//! script, recording every request it gets.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::web;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    /// The value of header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the receiver answers one request.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
    pub body: &'static str,
    pub retry_after: Option<&'static str>,
    pub location: Option<String>,
    /// Answers only once this is opened.
    pub gate: Option<Gate>,
}

/// Holds answers until the test opens it.
#[derive(Clone, Default)]
pub struct Gate(pub Arc<std::sync::atomic::AtomicBool>);

impl Gate {
    /// Lets every answer it holds go.
    pub fn open(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits (at most 30 s) until it is open.
    pub async fn passed(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.0.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl Answer {
    /// `200 {"ok": true}`.
    pub fn ok() -> Self {
        Answer {
            status: 200,
            delay: Duration::ZERO,
            body: r#"{"ok": true}"#,
            retry_after: None,
            location: None,
            gate: None,
        }
    }

    /// `200`, once `gate` is opened.
    pub fn held(gate: &Gate) -> Self {
        Answer {
            gate: Some(gate.clone()),
            ..Answer::ok()
        }
    }
    /// `status` with `{}`.
    pub fn status(status: u16) -> Self {
        Answer {
            status,
            body: "{}",
            ..Answer::ok()
        }
    }
}

/// A receiver on a loopback address that answers from a script (then `200 {"ok": true}`)
/// and records every request.
pub struct Receiver {
    pub addr: std::net::SocketAddr,
    pub log: Arc<Mutex<Vec<Received>>>,
    pub handle: ServerHandle,
}

impl Receiver {
    /// On 127.0.0.1, answering `script` and then `200 {"ok": true}`.
    pub fn start(script: Vec<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        Receiver::start_on(listener, script)
    }

    /// On `listener`, answering `script` and then `200 {"ok": true}`.
    pub fn start_on(listener: TcpListener, script: Vec<Answer>) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
        let server_log = Arc::clone(&log);
        let server = HttpServer::new(move || {
            let log = Arc::clone(&server_log);
            let script = Arc::clone(&script);
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let log = Arc::clone(&log);
                let script = Arc::clone(&script);
                async move {
                    log.lock().unwrap().push(Received {
                        path: req.path().to_owned(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect(),
                        body: body.to_vec(),
                        at: Instant::now(),
                    });
                    let answer = script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(Answer::ok);
                    actix_web::rt::time::sleep(answer.delay).await;
                    if let Some(gate) = &answer.gate {
                        gate.passed().await;
                    }
                    let mut response = HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answer.status).unwrap(),
                    );
                    if let Some(retry_after) = answer.retry_after {
                        response.insert_header(("retry-after", retry_after));
                    }
                    if let Some(location) = answer.location {
                        response.insert_header(("location", location));
                    }
                    response.content_type("application/json").body(answer.body)
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver { addr, log, handle }
    }

    /// Its URL, under `/hooks`.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests so far carried `webhook-id: <id>`.
    pub fn arrivals(&self, id: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|request| request.header("webhook-id") == Some(id))
            .count()
    }
}
