//! Downloads: bytes, byte streams and files, documented as binary bodies of
//! the media type the code names.
//!
//! [`Download<M>`] answers with media type [`M::MEDIA_TYPE`](MediaType) (and,
//! for an attachment, `Content-Disposition`), from bytes, a byte stream or
//! (feature `files`) an `actix_files::NamedFile`, whose media type is
//! otherwise guessed from its name when the request comes: the document can
//! only say "some file" (`*/*`) for a `NamedFile` returned as it is.
//!
//! ```
//! use hookspec::files::{Download, MediaType};
//! use hookspec::{get, Api};
//!
//! /// Comma-separated values.
//! pub struct Csv;
//! impl MediaType for Csv {
//!     const MEDIA_TYPE: &'static str = "text/csv";
//! }
//!
//! /// The invoices as a spreadsheet.
//! #[get("/invoices.csv")]
//! async fn export() -> Download<Csv> {
//!     Download::bytes("id,total\ninv-1,10\n").attachment("invoices.csv")
//! }
//!
//! let api = Api::new("Invoices", "1.0.0").service(export);
//! api.check().unwrap();
//! ```

use std::marker::PhantomData;

use actix_web::body::BoxBody;
use actix_web::http::header::{self, ContentDisposition, HeaderValue, TryIntoHeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, Responder};
use futures_core::Stream;
use serde_json::json;

use crate::context::OperationContext;
use crate::openapi::Response;
use crate::output::OperationOutput;
use crate::schema::Flavor;
use schemars::Schema;

/// A media type known when the code compiles, for [`Download`]: a unit
/// struct per type.
pub trait MediaType {
    /// Its name, such as `"application/pdf"`.
    const MEDIA_TYPE: &'static str;
}

/// Unit structs naming common media types.
macro_rules! media_types {
    ($($(#[$doc:meta])* $name:ident => $media_type:literal,)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl MediaType for $name {
            const MEDIA_TYPE: &'static str = $media_type;
        }
    )*};
}

media_types! {
    /// `application/octet-stream`: bytes of no particular type.
    OctetStream => "application/octet-stream",
    /// `application/pdf`.
    Pdf => "application/pdf",
    /// `application/zip`.
    Zip => "application/zip",
    /// `image/png`.
    Png => "image/png",
}

/// A streamed response, made when the response is: it holds the stream.
type StreamedResponse = Box<dyn FnOnce() -> HttpResponse<BoxBody>>;

enum Body {
    Bytes(Bytes),
    Stream(StreamedResponse),
    #[cfg(feature = "files")]
    File(Box<actix_files::NamedFile>),
}

/// A `200` response whose body is of media type `M`: bytes, a byte stream,
/// or a file. Documented as a binary body of `M`, with a `Content-Disposition`
/// header.
pub struct Download<M> {
    body: Body,
    attachment: Option<String>,
    media_type: PhantomData<fn() -> M>,
}

impl<M: MediaType> Download<M> {
    /// These bytes.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Download::of(Body::Bytes(bytes.into()))
    }

    /// The bytes of `chunks`, sent as they come (with back-pressure); an
    /// error ends the response early.
    pub fn stream<S, E>(chunks: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + 'static,
        E: Into<Box<dyn std::error::Error>> + 'static,
    {
        Download::of(Body::Stream(Box::new(move || {
            HttpResponse::Ok().streaming(chunks)
        })))
    }

    /// The file (with its ranges, `ETag` and `Last-Modified`, as actix-files
    /// serves it), of media type `M` whatever its name suggests.
    #[cfg(feature = "files")]
    #[cfg_attr(docsrs, doc(cfg(feature = "files")))]
    pub fn file(file: actix_files::NamedFile) -> Self {
        Download::of(Body::File(Box::new(file)))
    }

    /// Sends it as an attachment named `filename` (`Content-Disposition:
    /// attachment`): browsers save it rather than show it.
    pub fn attachment(mut self, filename: impl Into<String>) -> Self {
        self.attachment = Some(filename.into());
        self
    }

    fn of(body: Body) -> Self {
        Download {
            body,
            attachment: None,
            media_type: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Download<M> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Download")
            .field("attachment", &self.attachment)
            .finish_non_exhaustive()
    }
}

impl<M: MediaType> Responder for Download<M> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<BoxBody> {
        let disposition = self.attachment.map(ContentDisposition::attachment);
        let mut response = match self.body {
            Body::Bytes(bytes) => HttpResponse::Ok().body(bytes),
            Body::Stream(respond) => respond(),
            #[cfg(feature = "files")]
            Body::File(file) => {
                let mut file = *file;
                if let Ok(media_type) = M::MEDIA_TYPE.parse() {
                    file = file.set_content_type(media_type);
                }
                if let Some(disposition) = disposition.clone() {
                    file = file.set_content_disposition(disposition);
                }
                // Ranges and conditional requests answer on their own.
                return file.into_response(req);
            }
        };
        let _ = req;
        let headers = response.headers_mut();
        if let Ok(media_type) = HeaderValue::from_str(M::MEDIA_TYPE) {
            headers.insert(header::CONTENT_TYPE, media_type);
        }
        if let Some(value) = disposition.and_then(|d| d.try_into_value().ok()) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// A binary body's schema: a string of bytes (`contentMediaType` in 3.1 when
/// the media type is known, `format: binary` in 3.0).
fn binary(cx: &mut OperationContext<'_>, media_type: Option<&str>) -> Schema {
    let value = match (cx.schemas().flavor(), media_type) {
        (Flavor::V3_0, _) => json!({ "type": "string", "format": "binary" }),
        (_, Some(media_type)) => json!({ "type": "string", "contentMediaType": media_type }),
        (_, None) => json!({ "type": "string", "description": "The file's bytes." }),
    };
    Schema::try_from(value).unwrap_or_default()
}

fn content_disposition() -> Schema {
    Schema::try_from(json!({ "type": "string", "example": "attachment; filename=\"report.pdf\"" }))
        .unwrap_or_default()
}

impl<M: MediaType> OperationOutput for Download<M> {
    fn describe(cx: &mut OperationContext<'_>) {
        let body = binary(cx, Some(M::MEDIA_TYPE));
        let disposition = content_disposition();
        cx.add_response(
            "200",
            Response::with_body("The file", M::MEDIA_TYPE, body).with_header(
                "Content-Disposition",
                Some("`attachment; filename=...` when the file is to be saved"),
                disposition,
            ),
        );
    }
}

#[cfg(feature = "files")]
#[cfg_attr(docsrs, doc(cfg(feature = "files")))]
impl OperationOutput for actix_files::NamedFile {
    fn describe(cx: &mut OperationContext<'_>) {
        let body = binary(cx, None);
        let disposition = content_disposition();
        let range = Schema::try_from(json!({ "type": "string", "example": "bytes 0-1023/4096" }))
            .unwrap_or_default();
        cx.add_response(
            "200",
            Response::with_body(
                "The file, of the media type its name suggests",
                "*/*",
                body.clone(),
            )
            .with_header(
                "Content-Disposition",
                Some("`inline` or `attachment`, with the file's name"),
                disposition,
            ),
        );
        cx.add_response(
            "206",
            Response::with_body("The range of the file the request asked for", "*/*", body)
                .with_header("Content-Range", Some("Which bytes these are"), range),
        );
        cx.add_response(
            "304",
            Response::new("The file has not changed since the copy the client holds"),
        );
    }
}
