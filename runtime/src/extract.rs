//! Extractors that stand in for actix-web's `Json`, `Form`, `Query`, `Path` and
//! `Header` behind a route macro, so that bad input is answered with a
//! [`Problem`] naming the field at fault instead of actix-web's plain-text errors.
//! The handler still receives actix-web's own types.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header::Header as TypedHeader;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{dev, FromRequest, HttpMessage, HttpRequest};
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
        Some(PayloadError::Overflow) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than the limit set by `web::PayloadConfig`",
        ),
        _ => Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the request body could not be read: {error}"),
        ),
    }
}

/// Whether the request's content type is `expected`; JSON also accepts `+json` types.
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
    /// The content-type check's failure, reported once the future is polled.
    refused: Option<Problem>,
    body: <Bytes as FromRequest>::Future,
    media_type: &'static str,
    /// The request, when the app sends callbacks and so keeps the body.
    keep_for: Option<HttpRequest>,
}

impl ReadBody {
    fn new(req: &HttpRequest, payload: &mut dev::Payload, media_type: &'static str) -> Self {
        ReadBody {
            refused: content_type_is(req, media_type).err(),
            body: Bytes::from_request(req, payload),
            media_type,
            // Apps that document no callback do not keep bodies.
            keep_for: req.app_data::<KeepRequestBodies>().map(|_| req.clone()),
        }
    }

    fn poll_bytes(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<Bytes, Problem>> {
        use std::task::Poll;
        if let Some(problem) = self.refused.take() {
            return Poll::Ready(Err(problem));
        }
        match Pin::new(&mut self.body).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Err(payload_problem(error))),
            Poll::Ready(Ok(bytes)) => Poll::Ready(Ok(bytes)),
        }
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

fn parse_urlencoded<T: DeserializeOwned>(text: &[u8], location: &str) -> Result<T, Problem> {
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

impl<T: DeserializeOwned + 'static> FromRequest for JsonExtractor<T> {
    type Error = Problem;
    type Future = BodyFuture<Self, fn(&[u8]) -> Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let parse = |bytes: &[u8]| parse_json(bytes).map(JsonExtractor);
        read_body(
            req,
            payload,
            "application/json",
            parse as fn(&[u8]) -> Result<Self, Problem>,
        )
    }
}

/// Stands in for [`web::Form`].
pub struct FormExtractor<T>(pub(crate) T);

impl<T: DeserializeOwned + 'static> FromRequest for FormExtractor<T> {
    type Error = Problem;
    type Future = BodyFuture<Self, fn(&[u8]) -> Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        read_body(req, payload, "application/x-www-form-urlencoded", |bytes| {
            parse_urlencoded(bytes, "body").map(FormExtractor)
        })
    }
}

/// Stands in for [`web::Query`].
pub struct QueryExtractor<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest for QueryExtractor<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        std::future::ready(
            parse_urlencoded(req.query_string().as_bytes(), "query").map(QueryExtractor),
        )
    }
}

/// Stands in for [`web::Path`]. actix-web's `Path` cannot be built outside
/// actix-web, so this lets actix-web's extractor build it, and on failure runs
/// `serde_path_to_error` over the parameters to name the one at fault.
pub struct PathExtractor<T>(pub(crate) web::Path<T>);

impl<T: DeserializeOwned> FromRequest for PathExtractor<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let checked = serde_path_to_error::deserialize::<_, T>(
            actix_router::PathDeserializer::new(req.match_info()),
        );
        let result = match checked {
            Err(error) => Err(path_problem(req, &error)),
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
}
