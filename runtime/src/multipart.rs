//! Uploads (feature `multipart`): actix-multipart's
//! [`MultipartForm<T>`](actix_multipart::form::MultipartForm) documented as a
//! `multipart/form-data` body with one property per part, and its errors
//! answered as problems naming the part; the raw
//! [`Multipart`] stream as an open multipart body.
//!
//! The form derives [`MultipartSchema`] beside actix-multipart's
//! `MultipartForm`; both read the same fields and `#[multipart(...)]`
//! options:
//!
//! ```
//! use actix_multipart::form::{json::Json, tempfile::TempFile, text::Text, MultipartForm};
//! use hookspec::multipart::MultipartSchema;
//! use hookspec::{post, Api, JsonSchema};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Metadata {
//!     title: String,
//! }
//!
//! #[derive(MultipartForm, MultipartSchema)]
//! struct Upload {
//!     /// At most 10 MiB each.
//!     #[multipart(limit = "10 MiB", rename = "files[]")]
//!     files: Vec<TempFile>,
//!     metadata: Json<Metadata>,
//!     note: Option<Text<String>>,
//! }
//!
//! /// Upload documents.
//! #[post("/documents")]
//! async fn upload(form: MultipartForm<Upload>) -> String {
//!     format!("{} files for {}", form.files.len(), form.metadata.title)
//! }
//!
//! let api = Api::new("Documents", "1.0.0").service(upload);
//! api.check().unwrap();
//! ```
//!
//! A part is documented by its type: [`TempFile`] and
//! [`Bytes`](actix_multipart::form::bytes::Bytes) as binary (`contentMediaType`
//! in 3.1, `format: binary` in 3.0, `contentType: application/octet-stream`
//! in the `encoding`), `Text<T>` as `T`, `Json<T>` as `T` with `contentType:
//! application/json`, `Option<P>` as an optional `P`, `Vec<P>` as an array of
//! `P`; a field's `limit` (which actix-multipart applies to all parts of its
//! name together) is said in its description.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_multipart::form::bytes::Bytes as BytesPart;
use actix_multipart::form::json::Json as JsonPart;
use actix_multipart::form::tempfile::TempFile;
use actix_multipart::form::text::Text as TextPart;
use actix_multipart::form::{MultipartCollect, MultipartForm};
use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::{dev, FromRequest, HttpRequest};
use futures_core::future::LocalBoxFuture;
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

pub use hookspec_macros::MultipartSchema;

use crate::context::OperationContext;
use crate::input::OperationInput;
use crate::locate::escape_token;
use crate::openapi::{Encoding, MediaType, RequestBody};
use crate::problem::Problem;
use crate::schema::Flavor;

/// A `multipart/form-data` form whose parts the document lists: derive it
/// with `#[derive(MultipartSchema)]` next to actix-multipart's
/// `#[derive(MultipartForm)]`.
pub trait MultipartSchema {
    /// Adds each part with [`Parts::part`].
    fn describe_parts(parts: &mut Parts<'_, '_>);
}

/// One part of a multipart form, as the document describes it.
#[diagnostic::on_unimplemented(
    message = "hookspec cannot document the multipart part type `{Self}`",
    label = "not a documented part type",
    note = "hookspec documents `TempFile`, `Bytes`, `Text<T>` and `Json<T>` of actix-multipart (also in `Option` and `Vec`)"
)]
pub trait FormPart {
    /// The part's schema, and its media type when the `encoding` says one.
    fn describe(cx: &mut OperationContext<'_>) -> PartSchema;

    /// Whether a form without it is accepted.
    const OPTIONAL: bool = false;
}

/// What [`FormPart::describe`] says of a part.
#[derive(Debug)]
pub struct PartSchema {
    /// Its schema.
    pub schema: Value,
    /// Its `contentType` in the form's `encoding`, if not the default.
    pub content_type: Option<&'static str>,
}

/// The parts of a form as they are described: the body's properties, which
/// are required, and how they are encoded.
pub struct Parts<'c, 'a> {
    cx: &'c mut OperationContext<'a>,
    limit: fn(&str) -> Option<usize>,
    properties: Map<String, Value>,
    required: Vec<String>,
    encoding: BTreeMap<String, Encoding>,
}

impl Parts<'_, '_> {
    /// Adds the part `name` of type `P`.
    pub fn part<P: FormPart>(&mut self, name: &str) {
        let PartSchema {
            mut schema,
            content_type,
        } = P::describe(self.cx);
        if let (Some(limit), Some(object)) = ((self.limit)(name), schema.as_object_mut()) {
            let said = format!("At most {limit} bytes, all parts of this name together.");
            let description = match object.get("description").and_then(Value::as_str) {
                Some(description) => format!("{description} {said}"),
                None => said,
            };
            object.insert("description".into(), description.into());
        }
        self.properties.insert(name.to_owned(), schema);
        if !P::OPTIONAL {
            self.required.push(name.to_owned());
        }
        if let Some(content_type) = content_type {
            self.encoding.insert(
                name.to_owned(),
                Encoding {
                    content_type: Some(content_type.to_owned()),
                },
            );
        }
    }
}

/// A string of bytes: `format: binary` in 3.0; from 3.1 `contentMediaType`,
/// with `format: binary` beside it (an annotation JSON Schema allows), which
/// is what Swagger UI 5 looks for before it offers a file input for each item
/// of an array of files.
fn binary(cx: &mut OperationContext<'_>) -> PartSchema {
    let schema = match cx.schemas().flavor() {
        Flavor::V3_0 => json!({ "type": "string", "format": "binary" }),
        Flavor::V3_1 | Flavor::V3_2 => json!({
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
        }),
    };
    PartSchema {
        schema,
        content_type: Some("application/octet-stream"),
    }
}

impl FormPart for TempFile {
    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        binary(cx)
    }
}

impl FormPart for BytesPart {
    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        binary(cx)
    }
}

impl<T: DeserializeOwned + JsonSchema> FormPart for TextPart<T> {
    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        PartSchema {
            schema: cx.schemas().reference::<T>().to_value(),
            content_type: None,
        }
    }
}

impl<T: DeserializeOwned + JsonSchema> FormPart for JsonPart<T> {
    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        PartSchema {
            schema: cx.schemas().reference::<T>().to_value(),
            content_type: Some("application/json"),
        }
    }
}

impl<P: FormPart> FormPart for Option<P> {
    const OPTIONAL: bool = true;

    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        P::describe(cx)
    }
}

impl<P: FormPart> FormPart for Vec<P> {
    // actix-multipart collects no part into an empty `Vec`.
    const OPTIONAL: bool = true;

    fn describe(cx: &mut OperationContext<'_>) -> PartSchema {
        let PartSchema {
            schema,
            content_type,
        } = P::describe(cx);
        PartSchema {
            schema: json!({ "type": "array", "items": schema }),
            content_type,
        }
    }
}

/// Sets a `multipart/form-data` request body of `schema` and `encoding`, and
/// the problems reading it can answer with.
fn set_multipart_body(
    cx: &mut OperationContext<'_>,
    schema: Value,
    encoding: BTreeMap<String, Encoding>,
) {
    let mut media_type = MediaType::new(Schema::try_from(schema).unwrap_or_default());
    media_type.encoding = encoding;
    cx.set_request_body(RequestBody {
        description: None,
        required: true,
        content: BTreeMap::from([("multipart/form-data".to_owned(), media_type)]),
    });
    for status in [400, 413, 415] {
        cx.add_problem_response(status);
    }
}

impl<T> OperationInput for MultipartForm<T>
where
    T: MultipartCollect + MultipartSchema + 'static,
{
    type Extractor = MultipartFormExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        extractor.0
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let mut parts = Parts {
            cx,
            limit: T::limit,
            properties: Map::new(),
            required: Vec::new(),
            encoding: BTreeMap::new(),
        };
        T::describe_parts(&mut parts);
        let Parts {
            cx,
            properties,
            required,
            encoding,
            ..
        } = parts;
        let mut schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            schema["required"] = required.into();
        }
        set_multipart_body(cx, schema, encoding);
    }
}

impl OperationInput for Multipart {
    type Extractor = Self;

    fn from_extractor(multipart: Self) -> Self {
        multipart
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = json!({
            "type": "object",
            "description": "Any parts: the handler reads them as they come.",
        });
        set_multipart_body(cx, schema, BTreeMap::new());
    }
}

/// Stands in for [`MultipartForm`]: actix-multipart's errors as problems that
/// name the part at fault.
pub struct MultipartFormExtractor<T: MultipartCollect>(MultipartForm<T>);

impl<T: MultipartCollect + 'static> FromRequest for MultipartFormExtractor<T> {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let form = NamelessPartRefused(MultipartForm::<T>::from_request(req, payload));
        Box::pin(async move {
            form.await.map(MultipartFormExtractor).map_err(|error| {
                match error.as_error::<MultipartError>() {
                    Some(error) => multipart_problem(error),
                    None => {
                        Problem::new(error.as_response_error().status_code(), error.to_string())
                    }
                }
            })
        })
    }
}

/// actix-multipart's form future, with its debug assertion on a part that
/// has no name (`name=""`) answered as the error it is: in a debug build the
/// assertion panics while the form is read, which would take the request's
/// connection down. (Release builds have no assertion; there the part is one
/// the form does not know.) Any other panic goes on unwinding.
struct NamelessPartRefused<F>(F);

/// What actix-multipart 0.7's assertion says.
const NAMELESS_PART: &str = "multipart form fields should have names";

impl<F, T> Future for NamelessPartRefused<F>
where
    F: Future<Output = Result<T, actix_web::Error>> + Unpin,
{
    type Output = Result<T, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let form = &mut self.get_mut().0;
        // The form is dropped after a panic, never polled again.
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *form).poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
                if message != Some(NAMELESS_PART) {
                    std::panic::resume_unwind(panic);
                }
                Poll::Ready(Err(MultipartError::UnknownField(String::new()).into()))
            }
        }
    }
}

/// The problem for what actix-multipart could not read.
fn multipart_problem(error: &MultipartError) -> Problem {
    let part = |status: StatusCode, name: &str, detail: String| {
        Problem::at_field(status, "body", format!("/{}", escape_token(name)), detail)
    };
    match error {
        MultipartError::MissingField(name) => part(
            StatusCode::BAD_REQUEST,
            name,
            "missing required part".into(),
        ),
        MultipartError::DuplicateField(name) => part(
            StatusCode::BAD_REQUEST,
            name,
            "the part is sent more than once".into(),
        ),
        MultipartError::UnknownField(name) if name.is_empty() => Problem::at_field(
            StatusCode::BAD_REQUEST,
            "body",
            "",
            "a part has no name: every part of a form needs one",
        ),
        MultipartError::UnknownField(name) => {
            part(StatusCode::BAD_REQUEST, name, "no such part".into())
        }
        MultipartError::Field { name, source } => {
            let status = source.as_response_error().status_code();
            part(status, name, source.to_string())
        }
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => Problem::at_field(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "header",
            "/content-type",
            "expected `multipart/form-data` with a boundary",
        ),
        // actix-multipart does not say which part overflowed.
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "a part is larger than its `limit`, or the form larger than its total limit",
        ),
        other => Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the multipart body could not be read: {other}"),
        ),
    }
}
