//! Responses beyond one JSON value: server-sent events and JSON Lines, as the
//! documents describe them and as a client over HTTP receives them (in order,
//! kept alive when idle, and dropped when the client goes away); downloads of
//! bytes, byte streams and files, with their media types.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_files::NamedFile;
use actix_multipart::form::json::Json as MultipartJson;
use actix_multipart::form::tempfile::TempFile;
use actix_multipart::form::text::Text;
use actix_multipart::form::MultipartForm;
use actix_web::web::{Bytes, Data};
use futures_util::stream;
use hookspec::files::{Download, MediaType, OctetStream, Pdf};
use hookspec::multipart::MultipartSchema;
use hookspec::stream::{Event, EventStream, JsonLines};
use hookspec::{get, post, Api, JsonSchema};
use serde::Serialize;
use serde_json::{json, Value};

use common::{checked_documents, document_3_2, serve_on_loopback};

#[derive(Serialize, JsonSchema)]
pub struct Tick {
    /// Its place in the stream.
    pub n: u32,
}

/// How many items the ordered streams send.
const ITEMS: u32 = 10_000;

/// Ticks as server-sent events.
#[get("/ticks")]
async fn ticks() -> EventStream<Tick> {
    EventStream::new(stream::iter(
        (0..ITEMS).map(|n| Event::data(Tick { n }).id(n.to_string()).event("tick")),
    ))
}

/// Ticks as JSON Lines.
#[get("/ticks.jsonl")]
async fn tick_lines() -> JsonLines<Tick> {
    JsonLines::new(stream::iter((0..ITEMS).map(|n| Tick { n })))
}

/// Set when the stream it is moved into is dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What the endless stream's handler shares with the test.
#[derive(Default)]
struct Endless {
    dropped: Arc<AtomicBool>,
    sent: AtomicUsize,
}

/// A tick every millisecond until the client leaves (at most 100,000).
#[get("/endless")]
async fn endless(shared: Data<Endless>) -> EventStream<Tick> {
    let flag = DropFlag(Arc::clone(&shared.dropped));
    let shared = shared.into_inner();
    EventStream::new(stream::unfold((0, flag), move |(n, flag)| {
        let shared = Arc::clone(&shared);
        async move {
            if n >= 100_000 {
                return None;
            }
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
            shared.sent.fetch_add(1, Ordering::SeqCst);
            Some((Event::data(Tick { n }), (n + 1, flag)))
        }
    }))
}

/// Nothing, ever: only keep-alive comments.
#[get("/silent")]
async fn silent() -> EventStream<Tick> {
    EventStream::new(stream::pending()).keep_alive(Some(Duration::from_millis(50)))
}

/// Comma-separated values.
pub struct Csv;

impl MediaType for Csv {
    const MEDIA_TYPE: &'static str = "text/csv";
}

/// The report as a spreadsheet.
#[get("/report.csv")]
async fn report() -> Download<Csv> {
    Download::bytes("n\n1\n2\n").attachment("report.csv")
}

/// The report, a chunk at a time.
#[get("/report.bin")]
async fn report_chunks() -> Download<OctetStream> {
    let chunks = (0..3u8).map(|n| Ok::<_, std::io::Error>(Bytes::from(vec![n; 4])));
    Download::stream(stream::iter(chunks))
}

/// Where the file downloads read from.
struct Files {
    pdf: std::path::PathBuf,
    text: std::path::PathBuf,
}

/// A file served as a PDF, whatever its name.
#[get("/manual")]
async fn manual(files: Data<Files>) -> std::io::Result<Download<Pdf>> {
    Ok(Download::file(NamedFile::open(&files.pdf)?).attachment("manual.pdf"))
}

/// A file, as actix-files serves it.
#[get("/notes")]
async fn notes(files: Data<Files>) -> std::io::Result<NamedFile> {
    NamedFile::open(&files.text)
}

fn api() -> Api {
    Api::new("Streams", "1.0.0")
        .service(ticks)
        .service(tick_lines)
        .service(endless)
        .service(silent)
        .service(report)
        .service(report_chunks)
        .service(manual)
        .service(notes)
}

#[test]
fn streams_are_documented_as_arrays_of_their_items() {
    let [v3_1, v3_0] = checked_documents(&api());
    let events = &v3_1["paths"]["/ticks"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events["text/event-stream"]["schema"]["items"]["properties"]["data"],
        json!({
            "type": "string",
            "description": "The event's payload, as JSON.",
            "contentMediaType": "application/json",
            "contentSchema": { "$ref": "#/components/schemas/Tick" }
        })
    );
    assert_eq!(
        events["text/event-stream"]["schema"]["items"]["required"],
        json!(["data"])
    );
    let events_3_0 = &v3_0["paths"]["/ticks"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events_3_0["text/event-stream"]["schema"]["items"]["properties"]["data"]["x-contentSchema"],
        json!({ "$ref": "#/components/schemas/Tick" })
    );
    for document in [&v3_1, &v3_0] {
        assert_eq!(
            document["paths"]["/ticks.jsonl"]["get"]["responses"]["200"]["content"],
            json!({ "application/jsonl": { "schema": {
                "type": "array", "items": { "$ref": "#/components/schemas/Tick" } } } })
        );
    }
}

/// The files the downloads read, written for this test process.
fn files() -> Data<Files> {
    let directory = std::env::temp_dir().join(format!("hookspec-shapes-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let pdf = directory.join("manual.bin");
    let text = directory.join("notes.txt");
    std::fs::write(&pdf, (0..=255u8).collect::<Vec<u8>>()).unwrap();
    std::fs::write(&text, "remember the milk\n").unwrap();
    Data::new(Files { pdf, text })
}

/// The app on 127.0.0.1, and its address.
fn serve(shared: Arc<Endless>) -> (String, actix_web::dev::ServerHandle) {
    let shared = Data::from(shared);
    let files = files();
    serve_on_loopback(move |config| {
        config.app_data(shared.clone()).app_data(files.clone());
        api().configure()(config);
    })
}

/// Reads `response` until `enough` says so or it ends, for at most 30 s.
async fn read_until(response: &mut reqwest::Response, enough: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    while !enough(&text) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = actix_web::rt::time::timeout(left, response.chunk())
            .await
            .expect("the stream stalled")
            .unwrap();
        match chunk {
            Some(chunk) => text.push_str(std::str::from_utf8(&chunk).unwrap()),
            None => break,
        }
    }
    text
}

#[actix_web::test]
async fn ten_thousand_events_and_lines_arrive_in_order() {
    let (address, handle) = serve(Arc::default());
    let client = reqwest::Client::new();

    let mut response = client.get(format!("{address}/ticks")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = read_until(&mut response, |_| false).await;
    let events: Vec<&str> = text.split_terminator("\n\n").collect();
    assert_eq!(events.len(), ITEMS as usize);
    for (n, event) in events.iter().enumerate() {
        assert_eq!(*event, format!("event: tick\nid: {n}\ndata: {{\"n\":{n}}}"));
    }

    let mut response = client
        .get(format!("{address}/ticks.jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/jsonl");
    let text = read_until(&mut response, |_| false).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let expected: Vec<Value> = (0..ITEMS).map(|n| json!({ "n": n })).collect();
    assert_eq!(lines, expected);
    assert!(text.ends_with('\n'));
    handle.stop(false).await;
}

#[actix_web::test]
async fn a_client_that_leaves_mid_stream_frees_the_stream() {
    let shared = Arc::new(Endless::default());
    let (address, handle) = serve(Arc::clone(&shared));
    let mut response = reqwest::get(format!("{address}/endless")).await.unwrap();
    let text = read_until(&mut response, |text| text.matches("\n\n").count() >= 3).await;
    assert!(text.starts_with("data: {\"n\":0}\n\n"), "{text}");
    assert!(!shared.dropped.load(Ordering::SeqCst));
    drop(response);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !shared.dropped.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the stream still runs after the client left"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    // Dropped, so nothing more is produced.
    let sent = shared.sent.load(Ordering::SeqCst);
    assert!(sent < 100_000, "{sent}");
    handle.stop(false).await;
}

#[actix_web::test]
async fn an_idle_event_stream_sends_keep_alive_comments() {
    let (address, handle) = serve(Arc::default());
    let mut response = reqwest::get(format!("{address}/silent")).await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let text = read_until(&mut response, |text| text.matches("\n\n").count() >= 2).await;
    assert_eq!(text, ": keep-alive\n\n: keep-alive\n\n");
    handle.stop(false).await;
}

#[test]
fn downloads_are_documented_as_binary_bodies_of_their_media_type() {
    let [v3_1, v3_0] = checked_documents(&api());
    let csv = &v3_1["paths"]["/report.csv"]["get"]["responses"]["200"];
    assert_eq!(
        csv["content"],
        json!({ "text/csv": { "schema": { "type": "string", "contentMediaType": "text/csv" } } })
    );
    assert!(csv["headers"]["Content-Disposition"].is_object());
    assert_eq!(
        v3_0["paths"]["/report.csv"]["get"]["responses"]["200"]["content"],
        json!({ "text/csv": { "schema": { "type": "string", "format": "binary" } } })
    );
    let pdf = &v3_1["paths"]["/manual"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        pdf,
        &json!({ "application/pdf": { "schema": {
            "type": "string", "contentMediaType": "application/pdf" } } })
    );
    let file = &v3_1["paths"]["/notes"]["get"]["responses"];
    let statuses: Vec<&String> = file.as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200", "206", "304", "404", "default"]);
    assert!(file["200"]["content"]["*/*"].is_object());
    assert!(file["206"]["headers"]["Content-Range"].is_object());
}

#[actix_web::test]
async fn downloads_arrive_with_their_media_type_and_name() {
    let (address, handle) = serve(Arc::default());
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{address}{path}"));

    let response = get("/report.csv").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"report.csv\""
    );
    assert_eq!(response.text().await.unwrap(), "n\n1\n2\n");

    let response = get("/report.bin").send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(response.headers().get("content-disposition").is_none());
    assert_eq!(
        response.bytes().await.unwrap().to_vec(),
        [[0u8; 4], [1; 4], [2; 4]].concat()
    );

    // The file is `manual.bin`; it is sent as the PDF the code says it is.
    let response = get("/manual").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"manual.pdf\""
    );
    assert_eq!(response.bytes().await.unwrap().len(), 256);
    let response = get("/manual")
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()["content-range"], "bytes 10-19/256");
    assert_eq!(
        response.bytes().await.unwrap().to_vec(),
        (10..20u8).collect::<Vec<u8>>()
    );

    let response = get("/notes").send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "remember the milk\n");
    handle.stop(false).await;
}

#[allow(dead_code)]
#[path = "../examples/files.rs"]
mod files_example;

#[actix_web::test]
async fn the_files_example_streams_rows_progress_and_files_to_a_signed_in_reader() {
    let [v3_1, _] = checked_documents(&files_example::api());
    let rows = &v3_1["paths"]["/reports/{id}/rows"]["get"];
    assert_eq!(rows["security"], json!([{ "session": [] }]));
    assert_eq!(rows["parameters"][1]["in"], "cookie");
    assert!(v3_1["paths"]["/reports/{id}/rows"].get("query").is_none());
    let attached = &v3_1["paths"]["/reports/{id}/attachments"]["post"]["responses"]["200"];
    assert_eq!(
        attached["links"]["report_rows"],
        json!({
            "operationId": "report_rows",
            "parameters": { "id": "$request.path.id" },
            "description": "The report's rows.",
        })
    );
    // Every route's `{id}`, written once.
    for path in [
        "/reports/{id}/rows",
        "/reports/{id}/progress",
        "/reports/{id}/export",
    ] {
        assert_eq!(
            v3_1["paths"][path]["get"]["parameters"][0],
            json!({ "$ref": "#/components/parameters/ReportId" }),
            "{path}"
        );
    }
    let report_id = &v3_1["components"]["parameters"]["ReportId"];
    assert_eq!(
        (&report_id["name"], &report_id["in"]),
        (&json!("id"), &json!("path"))
    );
    let v3_2 = document_3_2(&files_example::api());
    let search = &v3_2["paths"]["/reports/{id}/rows"]["query"];
    assert_eq!(search["operationId"], "search_rows");
    let examples = &search["requestBody"]["content"]["application/json"]["examples"];
    assert_eq!(examples["busy_days"]["value"], json!({ "min_sales": 90 }));
    assert_eq!(examples["every_day"]["value"], json!({ "min_sales": 0 }));
    assert_eq!(
        search["responses"]["200"]["content"]["application/jsonl"]["itemSchema"]["$ref"],
        "#/components/schemas/Row"
    );

    let (address, handle) = serve_on_loopback(|config| files_example::api().configure()(config));
    let client = reqwest::Client::new();
    let get = |path: &str, cookie: &str| {
        client
            .get(format!("{address}{path}"))
            .header("cookie", cookie.to_owned())
    };
    let session = "session=demo-session";

    let response = get("/reports/7/rows", "session=someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);

    let text = get("/reports/7/rows", &format!("{session}; page_size=3"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let days: Vec<u64> = text
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["day"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(days, [1, 2, 3]);
    // A page size outside the field's range is refused, naming the cookie.
    let response = get("/reports/7/rows", &format!("{session}; page_size=5000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        problem["errors"],
        json!([{ "in": "cookie", "pointer": "/page_size", "rule": "maximum",
                 "detail": "5000 is greater than the maximum of 1000" }])
    );
    // The largest report id is a report too: its made-up sales do not
    // overflow (a panic would close the connection unanswered).
    let text = get(
        &format!("/reports/{}/rows", u32::MAX),
        &format!("{session}; page_size=1"),
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let sales = (u64::from(u32::MAX) * 31 + 17) % 100;
    assert_eq!(text, format!("{{\"day\":1,\"sales\":{sales}}}\n"));

    let search = client
        .request(
            reqwest::Method::from_bytes(b"QUERY").unwrap(),
            format!("{address}/reports/7/rows"),
        )
        .header("cookie", session)
        .json(&json!({ "min_sales": 90 }))
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), reqwest::StatusCode::OK);
    let found: Vec<(u32, u32)> = search
        .text()
        .await
        .unwrap()
        .lines()
        .map(|line| {
            let row: files_example::Row = serde_json::from_str(line).unwrap();
            (row.day, row.sales)
        })
        .collect();
    let expected: Vec<(u32, u32)> = (1..=31)
        .map(|day| (day, (7 * 31 + day * 17) % 100))
        .filter(|&(_, sales)| sales >= 90)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);

    let mut response = get("/reports/7/progress", session).send().await.unwrap();
    let text = read_until(&mut response, |_| false).await;
    let percents: Vec<&str> = text
        .split_terminator("\n\n")
        .map(|event| {
            event
                .rsplit("\"percent\":")
                .next()
                .unwrap()
                .trim_end_matches('}')
        })
        .collect();
    assert_eq!(
        percents,
        ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]
    );
    assert!(text.starts_with("event: progress\nid: 7-0\ndata: {\"percent\":0}\n\n"));

    let response = get("/reports/7/export", session).send().await.unwrap();
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"report-7.csv\""
    );
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 32);
    assert!(csv.starts_with("day,sales\n1,"));

    let form = reqwest::multipart::Form::new()
        .part(
            "files[]",
            reqwest::multipart::Part::bytes(vec![1u8; 10]).file_name("a.bin"),
        )
        .part(
            "files[]",
            reqwest::multipart::Part::bytes(vec![2u8; 20]).file_name("b.bin"),
        )
        .part(
            "metadata",
            reqwest::multipart::Part::text(r#"{"title":"scans"}"#)
                .mime_str("application/json")
                .unwrap(),
        );
    let received: Value = client
        .post(format!("{address}/reports/7/attachments"))
        .header("cookie", session)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        received,
        json!({ "title": "scans", "note": null, "files": [
            { "name": "a.bin", "size": 10 }, { "name": "b.bin", "size": 20 } ] })
    );

    let response = get("/source", "").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/x-rust");
    assert!(response.text().await.unwrap().contains("fn report_rows"));
    handle.stop(false).await;
}

#[derive(serde::Deserialize, JsonSchema)]
pub struct Metadata {
    /// What the files are.
    pub title: String,
}

/// Files of 16 bytes at most together, their metadata, a count and a note.
#[derive(MultipartForm, MultipartSchema)]
pub struct Upload {
    /// The files.
    #[multipart(rename = "files[]", limit = "16 B")]
    pub files: Vec<TempFile>,
    pub metadata: MultipartJson<Metadata>,
    pub count: Text<u32>,
    pub note: Option<Text<String>>,
}

/// Upload files.
#[post("/uploads")]
async fn upload(form: MultipartForm<Upload>) -> actix_web::web::Json<Value> {
    let Upload {
        files,
        metadata,
        count,
        note,
    } = form.into_inner();
    let sizes: Vec<usize> = files.iter().map(|file| file.size).collect();
    actix_web::web::Json(json!({
        "sizes": sizes,
        "title": metadata.into_inner().title,
        "count": count.into_inner(),
        "note": note.map(Text::into_inner),
    }))
}

/// Anything multipart, read as it comes.
#[post("/raw")]
async fn raw(_parts: actix_multipart::Multipart) -> &'static str {
    "read"
}

fn upload_api() -> Api {
    Api::new("Uploads", "1.0.0").service(upload).service(raw)
}

#[test]
fn a_multipart_form_is_documented_part_by_part() {
    let [v3_1, v3_0] = checked_documents(&upload_api());
    let body = &v3_1["paths"]["/uploads"]["post"]["requestBody"]["content"]["multipart/form-data"];
    assert_eq!(
        body["schema"],
        json!({
            "type": "object",
            "properties": {
                "files[]": { "type": "array",
                    "items": { "type": "string", "format": "binary",
                        "contentMediaType": "application/octet-stream" },
                    "description": "At most 16 bytes, all parts of this name together." },
                "metadata": { "$ref": "#/components/schemas/Metadata" },
                "count": { "type": "integer", "format": "uint32", "minimum": 0 },
                "note": { "type": "string" }
            },
            "required": ["metadata", "count"]
        })
    );
    assert_eq!(
        body["encoding"],
        json!({
            "files[]": { "contentType": "application/octet-stream" },
            "metadata": { "contentType": "application/json" }
        })
    );
    assert_eq!(
        v3_0["paths"]["/uploads"]["post"]["requestBody"]["content"]["multipart/form-data"]
            ["schema"]["properties"]["files[]"]["items"],
        json!({ "type": "string", "format": "binary" })
    );
    let responses = &v3_1["paths"]["/uploads"]["post"]["responses"];
    for status in ["400", "413", "415"] {
        assert!(responses[status].is_object(), "{status}");
    }
    assert_eq!(
        v3_1["paths"]["/raw"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
            ["type"],
        "object"
    );
}

#[actix_web::test]
async fn uploads_arrive_and_bad_forms_are_problems_naming_the_part() {
    let (address, handle) = serve_on_loopback(|config| upload_api().configure()(config));
    let client = reqwest::Client::new();
    let file = |size: usize| reqwest::multipart::Part::bytes(vec![7u8; size]).file_name("f.bin");
    let metadata = || {
        reqwest::multipart::Part::text(r#"{"title":"scans"}"#)
            .mime_str("application/json")
            .unwrap()
    };
    let send = |form: reqwest::multipart::Form| {
        client
            .post(format!("{address}/uploads"))
            .multipart(form)
            .send()
    };

    let form = reqwest::multipart::Form::new()
        .part("files[]", file(3))
        .part("files[]", file(13))
        .part("metadata", metadata())
        .text("count", "2");
    let response = send(form).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "sizes": [3, 13], "title": "scans", "count": 2, "note": null })
    );

    // actix-multipart does not say which part is too large: no pointer.
    for (form, status, pointer) in [
        (
            reqwest::multipart::Form::new().text("count", "2"),
            400,
            json!("/metadata"),
        ),
        (
            reqwest::multipart::Form::new()
                .part("metadata", metadata())
                .text("count", "two"),
            400,
            json!("/count"),
        ),
        (
            reqwest::multipart::Form::new()
                .part("files[]", file(17))
                .part("metadata", metadata())
                .text("count", "1"),
            413,
            Value::Null,
        ),
        // A part without a name (actix-multipart asserts there is one).
        (
            reqwest::multipart::Form::new()
                .part("metadata", metadata())
                .text("count", "1")
                .text("", "nameless"),
            400,
            json!(""),
        ),
    ] {
        let response = send(form).await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
    }
    let response = client
        .post(format!("{address}/uploads"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    handle.stop(false).await;
}
