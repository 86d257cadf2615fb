//! Extractors that stand in for actix-web's `Json`, `Form`, `Query`, `Path` and
//! `Header` behind a route macro, so that bad input is answered with a
//! [`Problem`] naming the field at fault instead of actix-web's plain-text errors.
//! The handler still receives actix-web's own types.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use actix_web::error::PayloadError;
use actix_web::http::header::{self, Header as TypedHeader};
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{dev, FromRequest, HttpMessage, HttpRequest};
use futures_core::Stream;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::locate::{culprit_parameter, escape_token, json_error};
use crate::problem::Problem;
use crate::received::{KeepRequestBodies, ReceivedBody};

/// The problem for a value at `pointer` that did not deserialise. serde reports
/// a missing field at the enclosing object, so the field's name is moved into the
/// pointer.
fn field_problem(location: &str, mut pointer: String, detail: String) -> Problem {
    if let Some(rest) = detail.strip_prefix("missing field `") {
        if let Some(field) = rest.split('`').next() {
            pointer.push('/');
            pointer.push_str(&escape_token(field));
        }
    }
    Problem::at_field(StatusCode::BAD_REQUEST, location, pointer, detail)
}

fn payload_problem(error: actix_web::Error) -> Problem {
    match error.as_error::<PayloadError>() {
        Some(error) => payload_error_problem(error),
        None => unreadable(&error),
    }
}

fn payload_error_problem(error: &PayloadError) -> Problem {
    match error {
        PayloadError::Overflow => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than the limit set by `web::PayloadConfig`",
        ),
        _ => unreadable(error),
    }
}

fn unreadable(error: &dyn std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("the request body could not be read: {error}"),
    )
}

/// Whether a `Content-Type` value is `expected`, ignoring case and parameters
/// (`application/json; charset=utf-8`).
fn is_media_type(value: &[u8], expected: &str) -> bool {
    let expected = expected.as_bytes();
    value.len() >= expected.len()
        && value[..expected.len()].eq_ignore_ascii_case(expected)
        && matches!(value.get(expected.len()), None | Some(b';' | b' ' | b'\t'))
}

fn content_type_is(req: &HttpRequest, expected: &str) -> Result<(), Problem> {
    // The common case, exactly the expected type (parameters aside), without
    // parsing a `Mime`.
    let header = req.headers().get(actix_web::http::header::CONTENT_TYPE);
    if header.is_some_and(|value| is_media_type(value.as_bytes(), expected)) {
        return Ok(());
    }
    let found = req.mime_type().ok().flatten();
    let matches = found.as_ref().is_some_and(|mime| {
        mime.essence_str() == expected
            || (expected == "application/json"
                && mime.type_() == "application"
                && mime.suffix().is_some_and(|suffix| suffix == "json"))
    });
    if matches {
        return Ok(());
    }
    let found = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map_or("no content type".to_owned(), |value| format!("`{value}`"));
    Err(Problem::at_field(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "header",
        "/content-type",
        format!("expected `{expected}`, found {found}"),
    ))
}

/// Reads a body of `media_type` and parses it; a hand-written future rather than a
/// boxed one, so the request path allocates no more than actix-web's own `Json`.
/// Only the parsing is generic: reading is [`ReadBody`], compiled once.
pub struct BodyFuture<T, F> {
    read: ReadBody,
    parse: Option<F>,
    output: std::marker::PhantomData<fn() -> T>,
}

/// The part of a body extraction that does not depend on the body's type.
struct ReadBody {
    body: Body,
    media_type: &'static str,
    /// The request, when the handler can send callbacks and so keeps the body.
    keep_for: Option<HttpRequest>,
}

/// How a body is read.
enum Body {
    /// By actix-web's `Bytes` extractor: when the app set a `PayloadConfig`
    /// (its limit and media type are private to actix-web), or the body is
    /// encoded (actix-web decompresses it, with its compression features).
    Actix(<Bytes as FromRequest>::Future),
    /// Here, with `PayloadConfig`'s default limit. A body that arrives in one
    /// chunk, as most do, is used as it came: no buffer, no copy (actix-web's
    /// `Bytes` extractor copies it into an 8 KiB buffer, and allocates again to
    /// hand that out).
    Direct {
        payload: dev::Payload,
        /// The first chunk, while it is the only one.
        first: Option<Bytes>,
        /// Every chunk, once there is more than one.
        gathered: BytesMut,
    },
    /// Not read: the request was refused before reading (wrong content type,
    /// declared length over the limit or not a number); the problem is
    /// reported once the future is polled.
    Refused(Option<Problem>),
}

/// actix-web's default `PayloadConfig` limit, for bodies read here.
const DEFAULT_LIMIT: usize = 262_144;

impl Body {
    fn new(req: &HttpRequest, payload: &mut dev::Payload) -> Result<Self, PayloadError> {
        let headers = req.headers();
        if req.app_data::<web::PayloadConfig>().is_some()
            || req.app_data::<web::Data<web::PayloadConfig>>().is_some()
            || headers.contains_key(header::CONTENT_ENCODING)
        {
            return Ok(Body::Actix(Bytes::from_request(req, payload)));
        }
        // As actix-web's reader: refused before reading if the declared length
        // is over the limit or not a number.
        if let Some(length) = headers.get(header::CONTENT_LENGTH) {
            match length
                .to_str()
                .ok()
                .and_then(|text| text.parse::<usize>().ok())
            {
                Some(length) if length > DEFAULT_LIMIT => return Err(PayloadError::Overflow),
                Some(_) => {}
                None => return Err(PayloadError::UnknownLength),
            }
        }
        Ok(Body::Direct {
            payload: payload.take(),
            first: None,
            gathered: BytesMut::new(),
        })
    }

    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<Result<Bytes, Problem>> {
        let (payload, first, gathered) = match self {
            Body::Actix(body) => {
                return Pin::new(body).poll(cx).map_err(payload_problem);
            }
            Body::Refused(problem) => {
                return Poll::Ready(Err(problem.take().unwrap_or_else(polled_after_completion)));
            }
            Body::Direct {
                payload,
                first,
                gathered,
            } => (payload, first, gathered),
        };
        loop {
            let chunk = match ready!(Pin::new(&mut *payload).poll_next(cx)) {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => return Poll::Ready(Err(payload_error_problem(&error))),
                None => {
                    let body = first
                        .take()
                        .unwrap_or_else(|| std::mem::take(gathered).freeze());
                    return Poll::Ready(Ok(body));
                }
            };
            let read = first.as_ref().map_or(gathered.len(), Bytes::len);
            if read + chunk.len() > DEFAULT_LIMIT {
                return Poll::Ready(Err(payload_error_problem(&PayloadError::Overflow)));
            }
            match first.take() {
                None if gathered.is_empty() => *first = Some(chunk),
                earlier => {
                    if let Some(earlier) = earlier {
                        gathered.reserve(8192.max(read + chunk.len()));
                        gathered.extend_from_slice(&earlier);
                    }
                    gathered.extend_from_slice(&chunk);
                }
            }
        }
    }
}

impl ReadBody {
    fn new(req: &HttpRequest, payload: &mut dev::Payload, media_type: &'static str) -> Self {
        let body = match content_type_is(req, media_type) {
            Err(problem) => Body::Refused(Some(problem)),
            Ok(()) => Body::new(req, payload)
                .unwrap_or_else(|error| Body::Refused(Some(payload_error_problem(&error)))),
        };
        ReadBody {
            body,
            media_type,
            // Only handlers that can send a callback keep bodies.
            keep_for: req.app_data::<KeepRequestBodies>().map(|_| req.clone()),
        }
    }

    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<Result<Bytes, Problem>> {
        self.body.poll_bytes(cx)
    }

    /// Keeps a body that parsed, for callbacks that read `$request.body`: a
    /// reference count, no copy.
    fn keep(&mut self, bytes: Bytes) {
        if let Some(req) = self.keep_for.take() {
            let received = if self.media_type == "application/json" {
                ReceivedBody::Json(bytes)
            } else {
                ReceivedBody::Form(bytes)
            };
            req.extensions_mut().insert(received);
        }
    }
}

fn polled_after_completion() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "body future polled after completion",
    )
}

impl<T, F> Future for BodyFuture<T, F>
where
    F: FnOnce(&[u8]) -> Result<T, Problem> + Unpin,
{
    type Output = Result<T, Problem>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = &mut *self;
        let bytes = match this.read.poll_bytes(cx) {
            std::task::Poll::Pending => return std::task::Poll::Pending,
            std::task::Poll::Ready(Err(problem)) => return std::task::Poll::Ready(Err(problem)),
            std::task::Poll::Ready(Ok(bytes)) => bytes,
        };
        let Some(parse) = this.parse.take() else {
            return std::task::Poll::Ready(Err(polled_after_completion()));
        };
        let parsed = parse(&bytes);
        if parsed.is_ok() {
            this.read.keep(bytes);
        }
        std::task::Poll::Ready(parsed)
    }
}

fn read_body<T, F>(
    req: &HttpRequest,
    payload: &mut dev::Payload,
    media_type: &'static str,
    parse: F,
) -> BodyFuture<T, F>
where
    F: FnOnce(&[u8]) -> Result<T, Problem> + Unpin,
{
    BodyFuture {
        read: ReadBody::new(req, payload, media_type),
        parse: Some(parse),
        output: std::marker::PhantomData,
    }
}

// Bad input is rare: deserialise as actix-web does, and only when that fails, find
// where (`locate`), without instantiating each type's `Deserialize` a second time.

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|error| json_problem(bytes, &error))
}

/// The problem for a JSON body that failed to deserialise, at the pointer to
/// where serde_json stopped.
fn json_problem(bytes: &[u8], error: &serde_json::Error) -> Problem {
    let (pointer, detail) = json_error(bytes, error);
    field_problem("body", pointer, detail)
}

pub(crate) fn parse_urlencoded<T: DeserializeOwned>(
    text: &[u8],
    location: &str,
) -> Result<T, Problem> {
    serde_urlencoded::from_bytes(text).map_err(|error| {
        let detail = error.to_string();
        // A missing field names itself; a bad value is found by leaving
        // parameters out, with this same (already instantiated) deserialisation.
        let pointer = if detail.starts_with("missing field `") {
            String::new()
        } else {
            culprit_parameter(text, |rest| {
                serde_urlencoded::from_bytes::<T>(rest).map(drop)
            })
            .map(|name| format!("/{}", escape_token(&name)))
            .unwrap_or_default()
        };
        field_problem(location, pointer, detail)
    })
}

/// Stands in for [`web::Json`].
pub struct JsonExtractor<T>(pub(crate) T);

impl<T: DeserializeOwned + JsonSchema + 'static> FromRequest for JsonExtractor<T> {
    type Error = Problem;
    type Future = BodyFuture<Self, fn(&[u8]) -> Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let parse = |bytes: &[u8]| -> Result<Self, Problem> {
            let value = parse_json::<T>(bytes)?;
            #[cfg(feature = "validation")]
            crate::validation::check_json::<T>(bytes)?;
            Ok(JsonExtractor(value))
        };
        read_body(
            req,
            payload,
            "application/json",
            parse as fn(&[u8]) -> Result<Self, Problem>,
        )
    }
}

/// A JSON body of a type without a JSON Schema (a schema-less `Json<T>`):
/// deserialised as `T`, with no constraints to check.
pub struct Unconstrained<T>(pub(crate) T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Unconstrained<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Unconstrained)
    }
}

impl<T> JsonSchema for Unconstrained<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnyValue".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::Schema::default()
    }
}

/// Stands in for [`web::Form`].
pub struct FormExtractor<T>(pub(crate) T);

impl<T: DeserializeOwned + JsonSchema + 'static> FromRequest for FormExtractor<T> {
    type Error = Problem;
    type Future = BodyFuture<Self, fn(&[u8]) -> Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        read_body(req, payload, "application/x-www-form-urlencoded", |bytes| {
            let value = parse_urlencoded::<T>(bytes, "body")?;
            #[cfg(feature = "validation")]
            crate::validation::check_urlencoded::<T>(bytes, "body")?;
            Ok(FormExtractor(value))
        })
    }
}

/// Stands in for [`web::Query`].
pub struct QueryExtractor<T>(pub(crate) T);

impl<T: DeserializeOwned + JsonSchema + 'static> FromRequest for QueryExtractor<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        let query = req.query_string().as_bytes();
        let result = parse_urlencoded(query, "query");
        #[cfg(feature = "validation")]
        let result = result.and_then(|value| {
            crate::validation::check_urlencoded::<T>(query, "query").map(|()| value)
        });
        std::future::ready(result.map(QueryExtractor))
    }
}

/// Stands in for [`web::Path`]. actix-web's `Path` cannot be built outside
/// actix-web, so this lets actix-web's extractor build it, and on failure runs
/// `serde_path_to_error` over the parameters to name the one at fault.
pub struct PathExtractor<T>(pub(crate) web::Path<T>);

impl<T: DeserializeOwned + JsonSchema + 'static> FromRequest for PathExtractor<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let checked = serde_path_to_error::deserialize::<_, T>(
            actix_router::PathDeserializer::new(req.match_info()),
        );
        #[cfg(feature = "validation")]
        let checked = checked.map(|value| {
            let constraints = crate::validation::check_path::<T>(req.match_info());
            (value, constraints)
        });
        let result = match checked {
            Err(error) => Err(path_problem(req, &error)),
            #[cfg(feature = "validation")]
            Ok((_, Err(problem))) => Err(problem),
            Ok(_) => match web::Path::<T>::extract(req).into_inner() {
                Ok(path) => Ok(PathExtractor(path)),
                Err(error) => Err(Problem::new(StatusCode::NOT_FOUND, error.to_string())),
            },
        };
        let _ = payload;
        std::future::ready(result)
    }
}

/// Names the path parameter at fault: a struct field by name, a tuple element by
/// position in the template, a single value by the template's only parameter.
fn path_problem(
    req: &HttpRequest,
    error: &serde_path_to_error::Error<serde::de::value::Error>,
) -> Problem {
    use serde_path_to_error::Segment;
    let names: Vec<&str> = req.match_info().iter().map(|(name, _)| name).collect();
    let name = match error.path().iter().next() {
        Some(Segment::Map { key }) => Some(key.as_str()),
        Some(Segment::Seq { index }) => names.get(*index).copied(),
        _ if names.len() == 1 => Some(names[0]),
        _ => None,
    };
    let detail = error.inner().to_string();
    match name {
        Some(name) => Problem::at_field(StatusCode::NOT_FOUND, "path", format!("/{name}"), detail),
        None => Problem::new(StatusCode::NOT_FOUND, detail),
    }
}

/// Stands in for [`web::Header`].
pub struct HeaderExtractor<T>(pub(crate) T);

impl<T: TypedHeader> FromRequest for HeaderExtractor<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        let name = T::name();
        let result = match T::parse(req) {
            Ok(header) => Ok(HeaderExtractor(header)),
            Err(_) if !req.headers().contains_key(&name) => Err(Problem::at_field(
                StatusCode::BAD_REQUEST,
                "header",
                format!("/{name}"),
                "missing required header",
            )),
            Err(error) => Err(Problem::at_field(
                StatusCode::BAD_REQUEST,
                "header",
                format!("/{name}"),
                error.to_string(),
            )),
        };
        std::future::ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        price: f64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        customer: String,
        lines: Vec<Line>,
        #[serde(rename = "a/b")]
        odd: Option<u8>,
    }

    fn body_error(json: &str) -> (String, String) {
        let problem = parse_json::<Order>(json.as_bytes()).unwrap_err();
        assert_eq!(problem.status, 400);
        let field = &problem.errors[0];
        assert_eq!(field.location, "body");
        (field.pointer.clone(), field.detail.clone())
    }

    #[test]
    fn media_types_match_without_parameters_or_case() {
        assert!(is_media_type(b"application/json", "application/json"));
        assert!(is_media_type(
            b"Application/JSON; charset=utf-8",
            "application/json"
        ));
        assert!(!is_media_type(b"application/jsonx", "application/json"));
        assert!(!is_media_type(b"application/js", "application/json"));
        assert!(!is_media_type(b"text/plain", "application/json"));
    }

    #[test]
    fn wrong_type_is_located_by_pointer() {
        let (pointer, detail) =
            body_error(r#"{"customer": "c", "lines": [{"price": 1}, {"price": "x"}]}"#);
        assert_eq!(pointer, "/lines/1/price");
        assert_eq!(detail, "invalid type: string \"x\", expected f64");
    }

    #[test]
    fn missing_field_is_named_in_pointer() {
        let (pointer, detail) = body_error(r#"{"lines": []}"#);
        assert_eq!(pointer, "/customer");
        assert!(detail.starts_with("missing field `customer`"), "{detail}");
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let (pointer, _) = body_error(r#"{"customer": "c", "lines": [], "a/b": 300}"#);
        assert_eq!(pointer, "/a~1b");
    }

    #[test]
    fn malformed_json_and_trailing_data_are_body_errors() {
        // A truncated document is reported where it stopped.
        let (pointer, detail) = body_error(r#"{"customer": "#);
        assert_eq!(pointer, "/customer");
        assert!(detail.contains("EOF"), "{detail}");
        let (pointer, detail) = body_error(r#"{"customer": "c", "lines": []} x"#);
        assert_eq!(pointer, "");
        assert!(detail.contains("trailing characters"), "{detail}");
    }

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Params {
            limit: u32,
        }
        let problem = parse_urlencoded::<Params>(b"limit=ten", "query").unwrap_err();
        assert_eq!(problem.errors[0].pointer, "/limit");
        assert_eq!(problem.errors[0].location, "query");
        let problem = parse_urlencoded::<Params>(b"", "query").unwrap_err();
        assert_eq!(problem.errors[0].pointer, "/limit");
        assert!(problem.detail.contains("missing field `limit`"));
    }

    /// A payload that yields its chunks one by one.
    struct Chunks(std::collections::VecDeque<Bytes>);

    impl Stream for Chunks {
        type Item = Result<Bytes, PayloadError>;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    /// A JSON body in `chunks`, read as the body extractors read it.
    async fn read(
        request: actix_web::test::TestRequest,
        chunks: &[Bytes],
    ) -> Result<Bytes, Problem> {
        let req = request
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .to_http_request();
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(Chunks(chunks.iter().cloned().collect()));
        let mut payload = dev::Payload::Stream { payload: stream };
        let mut body = ReadBody::new(&req, &mut payload, "application/json");
        std::future::poll_fn(|cx| body.poll_bytes(cx)).await
    }

    fn request() -> actix_web::test::TestRequest {
        actix_web::test::TestRequest::post()
    }

    #[actix_web::test]
    async fn a_body_in_one_chunk_is_used_as_it_came() {
        let chunk = Bytes::from_static(br#"{"id": "1"}"#);
        let body = read(request(), std::slice::from_ref(&chunk)).await.unwrap();
        assert_eq!(body, chunk);
        assert_eq!(body.as_ptr(), chunk.as_ptr(), "not copied");
    }

    #[actix_web::test]
    async fn a_body_in_several_chunks_is_gathered() {
        let chunks = [r#"{"id""#, r#": "1", "#, "", r#""total": 3}"#].map(Bytes::from);
        let body = read(request(), &chunks).await.unwrap();
        assert_eq!(body, r#"{"id": "1", "total": 3}"#);
    }

    #[actix_web::test]
    async fn a_body_over_the_default_limit_is_refused_while_read() {
        // No declared length (chunked transfer): counted as it arrives.
        let chunk = Bytes::from(vec![b' '; 100 * 1024]);
        let problem = read(request(), &[chunk.clone(), chunk.clone()]).await;
        assert!(problem.is_ok(), "200 KiB is under actix-web's 256 KiB");
        let problem = read(request(), &[chunk.clone(), chunk.clone(), chunk]).await;
        assert_eq!(problem.unwrap_err().status, 413);
    }

    #[actix_web::test]
    async fn a_declared_length_over_the_limit_or_not_a_number_is_refused_before_reading() {
        // The payload is never read: its one chunk would be a body.
        let chunk = [Bytes::from_static(b"{}")];
        let too_long = request().insert_header((header::CONTENT_LENGTH, "262145"));
        assert_eq!(read(too_long, &chunk).await.unwrap_err().status, 413);
        let at_limit = request().insert_header((header::CONTENT_LENGTH, "262144"));
        assert!(read(at_limit, &chunk).await.is_ok());
        let not_a_number = request().insert_header((header::CONTENT_LENGTH, "ten"));
        let problem = read(not_a_number, &chunk).await.unwrap_err();
        assert_eq!(problem.status, 400);
        assert_eq!(
            problem.detail,
            format!(
                "the request body could not be read: {}",
                PayloadError::UnknownLength
            )
        );
    }

    #[actix_web::test]
    async fn an_apps_payload_config_is_actix_webs_to_apply() {
        let small = request().app_data(web::PayloadConfig::new(16));
        let twenty = [Bytes::from_static(br#"{"id": "12345678"}"#)];
        assert_eq!(read(small, &twenty).await.unwrap_err().status, 413);
        // Over the default limit, under the app's.
        let large = request().app_data(web::Data::new(web::PayloadConfig::new(1 << 20)));
        let chunk = Bytes::from(vec![b' '; 300 * 1024]);
        let body = read(large, std::slice::from_ref(&chunk)).await.unwrap();
        assert_eq!(body.len(), chunk.len());
    }

    #[actix_web::test]
    async fn an_encoded_body_is_actix_webs_to_decode() {
        // actix-web decompresses it when built with its compression features;
        // its reader copies, which is how this test tells who read it.
        let chunk = Bytes::from_static(b"{}");
        let encoded = request().insert_header((header::CONTENT_ENCODING, "identity"));
        let body = read(encoded, std::slice::from_ref(&chunk)).await.unwrap();
        assert_eq!(body, chunk);
        assert_ne!(body.as_ptr(), chunk.as_ptr());
    }
}
