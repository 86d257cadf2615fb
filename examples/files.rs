//! Reports, in every shape but one JSON value: attachments uploaded with their
//! metadata as a multipart form, rows as JSON Lines, progress as server-sent
//! events, a CSV export streamed as an attachment, a file from disk, and a
//! browser session and preferences read from cookies. Rows are also searched
//! with a `QUERY` request, which the OpenAPI 3.2 document (served at
//! `/openapi-3.2.json`) describes and the 3.1 and 3.0 documents cannot.
//!
//! ```text
//! cargo run --example files          # then open http://127.0.0.1:8000/docs
//! curl -b session=demo-session -F 'files[]=@Cargo.toml' -F 'files[]=@README.md' \
//!      -F 'metadata={"title":"sources"};type=application/json' http://127.0.0.1:8000/reports/7/attachments
//! curl -N -b session=demo-session http://127.0.0.1:8000/reports/7/progress
//! curl -b 'session=demo-session; page_size=3' http://127.0.0.1:8000/reports/7/rows
//! curl -b 'session=demo-session; page_size=5000' http://127.0.0.1:8000/reports/7/rows  # 422
//! curl -X QUERY -b session=demo-session -H 'content-type: application/json' \
//!      -d '{"min_sales":90}' http://127.0.0.1:8000/reports/7/rows
//! curl -OJ -b session=demo-session http://127.0.0.1:8000/reports/7/export
//! ```
//!
//! The session cookie is checked against one demo value (`demo-session`); an
//! application looks it up among the sessions it keeps.

use std::time::Duration;

use actix_files::NamedFile;
use actix_multipart::form::json::Json as JsonPart;
use actix_multipart::form::tempfile::TempFile;
use actix_multipart::form::text::Text;
use actix_multipart::form::MultipartForm;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Json, Path};
use futures_util::stream;
use hookspec::cookies::{CookieKey, CookieScheme, Cookies};
use hookspec::files::{Download, MediaType};
use hookspec::multipart::MultipartSchema;
use hookspec::openapi::{ParameterIn, Tag};
use hookspec::stream::{Event, EventStream, JsonLines};
use hookspec::{get, post, route, Api, JsonSchema, Problem};
use serde::{Deserialize, Serialize};

/// The session this demo accepts.
pub const DEMO_SESSION: &str = "demo-session";

/// The browser session: an API key in the `session` cookie.
pub struct Session;

impl CookieScheme for Session {
    const SCHEME: &'static str = "session";
    const COOKIE: &'static str = "session";
}

/// The caller's session, or a `401` problem.
fn signed_in(session: &CookieKey<Session>) -> Result<(), Problem> {
    if session.key() == DEMO_SESSION {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "the session is not known",
        ))
    }
}

/// What the reader chose, kept in cookies.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Preferences {
    /// How many rows a report shows (31 if not set).
    #[validate(range(min = 1, max = 1000))]
    pub page_size: Option<u32>,
}

/// One day of a report.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Row {
    /// The day of the month.
    pub day: u32,
    /// What was sold that day.
    pub sales: u32,
}

/// How far the report has come.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Progress {
    /// Done so far, out of 100.
    pub percent: u8,
}

/// The sales of `day` in report `report`: made up, the same every time.
/// (In `u64`: any `u32` report id is a path the API answers.)
fn sales(report: u32, day: u32) -> u32 {
    let sales = (u64::from(report) * 31 + u64::from(day) * 17) % 100;
    // Under 100.
    sales as u32
}

/// The report's rows.
///
/// One JSON object per line, as many as the `page_size` cookie says.
#[get("/reports/{id}/rows", tag = "reports")]
async fn report_rows(
    id: Path<u32>,
    session: CookieKey<Session>,
    preferences: Cookies<Preferences>,
) -> Result<JsonLines<Row>, Problem> {
    signed_in(&session)?;
    let report = id.into_inner();
    // At most 1,000: extraction enforces the field's range.
    let rows = preferences.page_size.unwrap_or(31);
    Ok(JsonLines::new(stream::iter((1..=rows).map(move |day| {
        Row {
            day,
            sales: sales(report, day),
        }
    }))))
}

/// Which rows a search wants.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RowFilter {
    /// Only the days that sold at least this much (a day sells under 100).
    #[validate(range(max = 100))]
    pub min_sales: u32,
}

/// The report's rows that match a filter.
///
/// A `QUERY` request: safe and repeatable like `GET`, with the filter as its
/// body. Described in the OpenAPI 3.2 document only.
#[route(
    "/reports/{id}/rows",
    method = "QUERY",
    tag = "reports",
    request_examples(
        busy_days = serde_json::json!({ "min_sales": 90 }),
        every_day = serde_json::json!({ "min_sales": 0 })
    )
)]
async fn search_rows(
    id: Path<u32>,
    session: CookieKey<Session>,
    filter: Json<RowFilter>,
) -> Result<JsonLines<Row>, Problem> {
    signed_in(&session)?;
    let report = id.into_inner();
    let min_sales = filter.min_sales;
    let rows = (1..=31).map(move |day| Row {
        day,
        sales: sales(report, day),
    });
    Ok(JsonLines::new(stream::iter(
        rows.filter(move |row| row.sales >= min_sales),
    )))
}

/// The report's progress while it is made.
///
/// `progress` events every tenth of a second, until `percent` is 100.
#[get("/reports/{id}/progress", tag = "reports")]
async fn report_progress(
    id: Path<u32>,
    session: CookieKey<Session>,
) -> Result<EventStream<Progress>, Problem> {
    signed_in(&session)?;
    let report = id.into_inner();
    let steps = stream::unfold(0u8, move |percent| async move {
        if percent > 100 {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let event = Event::data(Progress { percent })
            .event("progress")
            .id(format!("{report}-{percent}"));
        Some((event, percent + 10))
    });
    Ok(EventStream::new(steps))
}

/// What the attachments are.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AttachmentMetadata {
    /// Their title.
    pub title: String,
}

/// Files for a report, with what they are.
#[derive(MultipartForm, MultipartSchema)]
pub struct Attachments {
    /// The files (at most 1 MiB together).
    #[multipart(rename = "files[]", limit = "1 MiB")]
    pub files: Vec<TempFile>,
    /// What they are.
    pub metadata: JsonPart<AttachmentMetadata>,
    /// A note for the reader.
    pub note: Option<Text<String>>,
}

/// An attachment as it was received.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Attachment {
    /// The file's name, as the client sent it.
    pub name: Option<String>,
    /// Its size in bytes.
    pub size: usize,
}

/// What an upload received.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Received {
    /// The attachments' title.
    pub title: String,
    /// The files, in the order they came.
    pub files: Vec<Attachment>,
    /// The note, if there was one.
    pub note: Option<String>,
}

/// Attach files to a report.
///
/// A multipart form: the files under `files[]`, their metadata as a JSON part.
#[post(
    "/reports/{id}/attachments",
    tag = "reports",
    links(report_rows(id = "$request.path.id"))
)]
async fn attach(
    id: Path<u32>,
    session: CookieKey<Session>,
    form: MultipartForm<Attachments>,
) -> Result<Json<Received>, Problem> {
    signed_in(&session)?;
    let _report = id.into_inner();
    let Attachments {
        files,
        metadata,
        note,
    } = form.into_inner();
    // A real application moves the temporary files where it keeps them.
    Ok(Json(Received {
        title: metadata.into_inner().title,
        files: files
            .iter()
            .map(|file| Attachment {
                name: file.file_name.clone(),
                size: file.size,
            })
            .collect(),
        note: note.map(Text::into_inner),
    }))
}

/// Comma-separated values.
pub struct Csv;

impl MediaType for Csv {
    const MEDIA_TYPE: &'static str = "text/csv";
}

/// The report as a spreadsheet.
///
/// Streamed a row at a time, saved as `report-<id>.csv`.
#[get("/reports/{id}/export", tag = "reports")]
async fn export_report(
    id: Path<u32>,
    session: CookieKey<Session>,
) -> Result<Download<Csv>, Problem> {
    signed_in(&session)?;
    let report = id.into_inner();
    let header = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"day,sales\n"))]);
    let rows = stream::iter(
        (1..=31).map(move |day| Ok(Bytes::from(format!("{day},{}\n", sales(report, day))))),
    );
    Ok(
        Download::stream(futures_util::StreamExt::chain(header, rows))
            .attachment(format!("report-{report}.csv")),
    )
}

/// Rust source code.
pub struct RustSource;

impl MediaType for RustSource {
    const MEDIA_TYPE: &'static str = "text/x-rust";
}

/// This example's own source, from disk (with ranges and `ETag`); public.
#[get("/source", security())]
async fn source() -> std::io::Result<Download<RustSource>> {
    let file = NamedFile::open(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/files.rs"))?;
    Ok(Download::file(file).attachment("files.rs"))
}

/// The API, its handlers and the session scheme.
pub fn api() -> Api {
    Api::new("Reports", "1.0.0")
        .license("MIT", "MIT")
        .server("/", None)
        .tag(
            Tag::new("reports").summary("Reports").description(
                "Monthly sales reports: their rows, progress, exports and attachments.",
            ),
        )
        .document_3_2_path("/openapi-3.2.json")
        .cookie_scheme::<Session>()
        // Every route's `{id}` is the same parameter: written once, under
        // `components.parameters.ReportId`.
        .component_parameter("ReportId", ParameterIn::Path, "id")
        .service(attach)
        .service(report_rows)
        .service(search_rows)
        .service(report_progress)
        .service(export_report)
        .service(source)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let api = api();
    if api.print_document_if_asked()? {
        return Ok(()); // `--print-openapi` (3.1), `-3.0` or `-3.2`, for tools
    }
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT")
        .map_or(Ok(8000), |port| port.parse())
        .map_err(|_| std::io::Error::other("PORT must be a port number"))?;
    println!("Reports API on http://{host}:{port} (docs at http://{host}:{port}/docs)");
    actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))
        .bind((host.as_str(), port))?
        .run()
        .await
}
