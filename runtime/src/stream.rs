//! Streamed responses, typed and documented: [`EventStream<T>`] sends
//! server-sent events whose data is a JSON `T` (`text/event-stream`), and
//! [`JsonLines<T>`] one JSON `T` per line (`application/jsonl`).
//!
//! Both poll their stream only when the connection can take more (actix-web
//! writes the body as the client reads it), and drop it when the client goes
//! away: whatever feeds the stream sees it closed (a channel's sender, a
//! task's guard) and can stop. An idle event stream sends a comment every 15
//! seconds (changed with [`EventStream::keep_alive`]) so that proxies keep the
//! connection open.
//!
//! ```
//! use std::time::Duration;
//!
//! use hookspec::stream::{Event, EventStream, JsonLines};
//! use hookspec::{get, Api, JsonSchema};
//! use serde::Serialize;
//!
//! #[derive(Serialize, JsonSchema)]
//! struct Tick {
//!     n: u64,
//! }
//!
//! /// A tick a second, as server-sent events.
//! #[get("/ticks")]
//! async fn ticks() -> EventStream<Tick> {
//!     let ticks = futures_util::stream::unfold(0, |n| async move {
//!         actix_web::rt::time::sleep(Duration::from_secs(1)).await;
//!         Some((Event::data(Tick { n }).id(n.to_string()), n + 1))
//!     });
//!     EventStream::new(ticks)
//! }
//!
//! /// The first ten ticks, one JSON object per line.
//! #[get("/ticks.jsonl")]
//! async fn tick_lines() -> JsonLines<Tick> {
//!     JsonLines::new(futures_util::stream::iter((0..10).map(|n| Tick { n })))
//! }
//!
//! let api = Api::new("Ticks", "1.0.0").service(ticks).service(tick_lines);
//! api.check().unwrap();
//! ```
//!
//! The OpenAPI 3.2 document gives each item's schema as the media type's
//! `itemSchema`. The 3.1 and 3.0 documents, which have no way to describe one
//! item of a stream, give the body's schema as an array of its items (what 3.2
//! says a sequential media type's `schema` means). An event is an object with
//! `data` (a string of JSON: `contentMediaType` and `contentSchema` in 3.2 and
//! 3.1, `x-contentSchema` in 3.0), `event`, `id` and `retry`, the shape the 3.2
//! specification gives server-sent events.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, Responder};
use futures_core::Stream;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::context::OperationContext;
use crate::openapi::{MediaType, Response};
use crate::output::OperationOutput;
use crate::schema::Flavor;

/// How often an idle event stream sends a keep-alive comment, by default.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One server-sent event: `data` (a `T`, sent as JSON), and the optional
/// `event` type, `id` (the client's `Last-Event-ID` when it reconnects) and
/// `retry` (how long the client waits before reconnecting).
#[derive(Debug, Clone)]
pub struct Event<T> {
    data: T,
    event: Option<String>,
    id: Option<String>,
    retry: Option<Duration>,
}

/// `text` without the characters that would end an event's field (line
/// breaks) or that the client ignores the field for (NUL, in an id).
fn field_text(text: impl Into<String>) -> String {
    let mut text = text.into();
    text.retain(|c| !matches!(c, '\r' | '\n' | '\0'));
    text
}

impl<T> Event<T> {
    /// An event whose data is `data`.
    pub fn data(data: T) -> Self {
        Event {
            data,
            event: None,
            id: None,
            retry: None,
        }
    }

    /// Its event type (the client's `addEventListener(type)`); line breaks
    /// are left out.
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(field_text(event));
        self
    }

    /// Its id, which the client sends back as `Last-Event-ID` when it
    /// reconnects; line breaks and NUL are left out.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(field_text(id));
        self
    }

    /// How long the client waits before reconnecting, from this event on.
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }
}

impl<T: Serialize> Event<T> {
    /// The event as the stream sends it.
    fn encode(&self) -> Result<Bytes, serde_json::Error> {
        use std::fmt::Write as _;
        let data = serde_json::to_string(&self.data)?;
        let mut text = String::with_capacity(data.len() + 16);
        if let Some(event) = &self.event {
            let _ = writeln!(text, "event: {event}");
        }
        if let Some(id) = &self.id {
            let _ = writeln!(text, "id: {id}");
        }
        if let Some(retry) = self.retry {
            let _ = writeln!(text, "retry: {}", retry.as_millis());
        }
        // Compact JSON has no line breaks (in strings they are escaped): one
        // `data` line.
        let _ = write!(text, "data: {data}\n\n");
        Ok(Bytes::from(text))
    }
}

type BoxedStream<I> = Pin<Box<dyn Stream<Item = I>>>;

/// A `text/event-stream` response: each item of the stream is a server-sent
/// [`Event`] whose data is a JSON `T`, sent as soon as it is ready. Documented
/// as `200` with `text/event-stream`. A `T` that fails to serialise ends the
/// response with an error (the client sees the connection close early).
pub struct EventStream<T> {
    events: BoxedStream<Event<T>>,
    keep_alive: Option<Duration>,
}

impl<T: Serialize + 'static> EventStream<T> {
    /// The events of `events`, with a keep-alive comment every 15 s of
    /// silence.
    pub fn new(events: impl Stream<Item = Event<T>> + 'static) -> Self {
        EventStream {
            events: Box::pin(events),
            keep_alive: Some(KEEP_ALIVE),
        }
    }

    /// Sends a comment (`: keep-alive`) after `every` without an event, or
    /// never with `None`.
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = every;
        self
    }
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EventStream")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + 'static> Responder for EventStream<T> {
    type Body = EncodedStream<Event<T>>;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<Self::Body> {
        let body = EncodedStream::new(self.events, Event::encode, self.keep_alive);
        let mut response = HttpResponse::with_body(StatusCode::OK, body);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

/// A streamed body: each item encoded as it comes (`encode`), and, if `idle`
/// says so, a keep-alive comment when none came for a while. An item that
/// does not encode ends it with the error.
pub struct EncodedStream<I> {
    items: Option<BoxedStream<I>>,
    encode: fn(&I) -> Result<Bytes, serde_json::Error>,
    idle: Option<(Duration, Pin<Box<actix_web::rt::time::Sleep>>)>,
}

impl<I> EncodedStream<I> {
    fn new(
        items: BoxedStream<I>,
        encode: fn(&I) -> Result<Bytes, serde_json::Error>,
        keep_alive: Option<Duration>,
    ) -> Self {
        EncodedStream {
            items: Some(items),
            encode,
            idle: keep_alive.map(|every| (every, Box::pin(actix_web::rt::time::sleep(every)))),
        }
    }

    /// Starts the wait for the next keep-alive over.
    fn rearm(&mut self) {
        if let Some((every, timer)) = &mut self.idle {
            timer
                .as_mut()
                .reset(actix_web::rt::time::Instant::now() + *every);
        }
    }
}

impl<I> MessageBody for EncodedStream<I> {
    type Error = serde_json::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let Some(items) = this.items.as_mut() else {
            return Poll::Ready(None);
        };
        match items.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => {
                this.rearm();
                let encoded = (this.encode)(&item);
                if encoded.is_err() {
                    this.items = None;
                }
                Poll::Ready(Some(encoded))
            }
            Poll::Ready(None) => {
                this.items = None;
                Poll::Ready(None)
            }
            Poll::Pending => {
                let Some((_, timer)) = &mut this.idle else {
                    return Poll::Pending;
                };
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.rearm();
                Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n"))))
            }
        }
    }
}

impl<T: JsonSchema> OperationOutput for EventStream<T> {
    fn describe(cx: &mut OperationContext<'_>) {
        let payload = cx.schemas().reference::<T>();
        let data = match cx.schemas().flavor() {
            Flavor::V3_0 => json!({
                "type": "string",
                "description": "The event's payload, as JSON.",
                "x-contentMediaType": "application/json",
                "x-contentSchema": payload,
            }),
            _ => json!({
                "type": "string",
                "description": "The event's payload, as JSON.",
                "contentMediaType": "application/json",
                "contentSchema": payload,
            }),
        };
        let event = json!({
            "type": "object",
            "description": "A server-sent event.",
            "required": ["data"],
            "properties": {
                "data": data,
                "event": { "type": "string", "description": "The event type." },
                "id": { "type": "string", "description": "The event id (`Last-Event-ID` on reconnection)." },
                "retry": { "type": "integer", "minimum": 0, "description": "Milliseconds before reconnecting." },
            },
        });
        let media = stream_of(cx, event);
        cx.add_response(
            "200",
            Response::with_media("A stream of server-sent events", "text/event-stream", media),
        );
    }
}

/// An `application/jsonl` response: each item of the stream is one line of
/// JSON, sent as soon as it is ready. Documented as `200` with
/// `application/jsonl`. A `T` that fails to serialise ends the response with
/// an error.
pub struct JsonLines<T> {
    items: BoxedStream<T>,
}

impl<T: Serialize + 'static> JsonLines<T> {
    /// The items of `items`, one per line.
    pub fn new(items: impl Stream<Item = T> + 'static) -> Self {
        JsonLines {
            items: Box::pin(items),
        }
    }
}

impl<T> std::fmt::Debug for JsonLines<T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("JsonLines").finish_non_exhaustive()
    }
}

impl<T: Serialize + 'static> Responder for JsonLines<T> {
    type Body = EncodedStream<T>;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<Self::Body> {
        let body = EncodedStream::new(self.items, encode_line, None);
        let mut response = HttpResponse::with_body(StatusCode::OK, body);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/jsonl"),
        );
        response
    }
}

/// `item` as one line of JSON.
fn encode_line<T: Serialize>(item: &T) -> Result<Bytes, serde_json::Error> {
    let mut line = serde_json::to_vec(item)?;
    line.push(b'\n');
    Ok(Bytes::from(line))
}

impl<T: JsonSchema> OperationOutput for JsonLines<T> {
    fn describe(cx: &mut OperationContext<'_>) {
        let item = cx.schemas().reference::<T>();
        let media = stream_of(cx, item.to_value());
        cx.add_response(
            "200",
            Response::with_media(
                "A stream of JSON values, one per line",
                "application/jsonl",
                media,
            ),
        );
    }
}

/// A stream of items of schema `item`: OpenAPI 3.2's `itemSchema`; before
/// it, the closest honest equivalent, the whole stream as an array of them.
fn stream_of(cx: &mut OperationContext<'_>, item: Value) -> MediaType {
    match cx.schemas().flavor() {
        Flavor::V3_2 => MediaType::of_items(item.try_into().unwrap_or_default()),
        Flavor::V3_1 | Flavor::V3_0 => {
            let whole = json!({ "type": "array", "items": item });
            MediaType::new(whole.try_into().unwrap_or_default())
        }
    }
}
