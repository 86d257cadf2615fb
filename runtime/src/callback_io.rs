//! What a callback sends and what it expects back: [`CallbackBody`] for the stub's
//! argument, [`CallbackReply`] for its return type. Each both documents itself and
//! does the encoding for delivery, so the document and the wire cannot disagree.

use actix_web::web;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::OperationContext;
use crate::openapi::Response;

/// The body a callback sends: the type of the `#[callback]` stub's argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a callback body",
    label = "a callback stub's argument is the body it sends",
    note = "write the body as `Json<T>` with `T: Serialize + JsonSchema`, or give the stub no argument for an empty body"
)]
pub trait CallbackBody {
    /// The value the sender passes.
    type Body: Serialize + Send + Sync + 'static;

    /// Documents the request body of the callback.
    fn describe(cx: &mut OperationContext<'_>);

    /// The `Content-Type` of the encoded body, if there is one.
    fn content_type() -> Option<&'static str>;

    /// The bytes to send.
    fn encode(body: &Self::Body) -> Result<Vec<u8>, String>;
}

impl<T: Serialize + JsonSchema + Send + Sync + 'static> CallbackBody for web::Json<T> {
    type Body = T;

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().reference::<T>();
        cx.set_body("application/json", schema);
    }

    fn content_type() -> Option<&'static str> {
        Some("application/json")
    }

    fn encode(body: &T) -> Result<Vec<u8>, String> {
        serde_json::to_vec(body).map_err(|error| error.to_string())
    }
}

/// No argument: an empty body.
impl CallbackBody for () {
    type Body = ();

    fn describe(_: &mut OperationContext<'_>) {}

    fn content_type() -> Option<&'static str> {
        None
    }

    fn encode(_: &()) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

/// What a callback expects back: the `#[callback]` stub's return type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a callback reply",
    label = "a callback stub's return type is the reply it expects",
    note = "write the reply as `Json<T>` with `T: DeserializeOwned + JsonSchema`, or return nothing to accept any successful reply"
)]
pub trait CallbackReply {
    /// The decoded reply.
    type Reply: Send + 'static;

    /// Documents the callback's responses.
    fn describe(cx: &mut OperationContext<'_>);

    /// Decodes a successful reply's body.
    fn decode(body: &[u8]) -> Result<Self::Reply, String>;
}

const SUCCESS: &str = "Successful response";

impl<T: DeserializeOwned + JsonSchema + Send + 'static> CallbackReply for web::Json<T> {
    type Reply = T;

    fn describe(cx: &mut OperationContext<'_>) {
        // Not `add_json_response`: one generic function fewer per type.
        let schema = cx.schemas().reference::<T>();
        cx.add_json_response_with(200, SUCCESS, schema);
    }

    fn decode(body: &[u8]) -> Result<T, String> {
        serde_json::from_slice(body)
            .map_err(|error| reply_error(std::any::type_name::<T>(), body, &error))
    }
}

/// Why a reply is not of the declared type, and where in it (not generic: one
/// copy for every reply type).
fn reply_error(type_name: &str, body: &[u8], error: &serde_json::Error) -> String {
    let name = type_name.rsplit("::").next().unwrap_or("reply");
    let (pointer, detail) = crate::locate::json_error(body, error);
    if pointer.is_empty() {
        format!("the reply is not a `{name}`: {detail}")
    } else {
        format!("the reply is not a `{name}`: {detail} at `{pointer}`")
    }
}

/// Nothing, or `impl Responder`: any successful reply is accepted.
impl CallbackReply for () {
    type Reply = ();

    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("200", Response::new(SUCCESS));
    }

    fn decode(_: &[u8]) -> Result<(), String> {
        Ok(())
    }
}

/// `-> HttpResponse` on a stub: any successful reply, as `()`.
impl CallbackReply for actix_web::HttpResponse {
    type Reply = ();

    fn describe(cx: &mut OperationContext<'_>) {
        <() as CallbackReply>::describe(cx);
    }

    fn decode(_: &[u8]) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
    struct Ack {
        ok: bool,
    }

    #[test]
    fn json_reply_decodes_or_says_what_is_wrong() {
        assert_eq!(
            <web::Json<Ack> as CallbackReply>::decode(br#"{"ok": true}"#),
            Ok(Ack { ok: true })
        );
        let error = <web::Json<Ack> as CallbackReply>::decode(br#"{"ok": "yes"}"#).unwrap_err();
        assert!(
            error.starts_with(
                "the reply is not a `Ack`: invalid type: string \"yes\", expected a boolean"
            ),
            "{error}"
        );
        assert!(error.ends_with("at `/ok`"), "{error}");
    }

    #[test]
    fn json_body_encodes() {
        assert_eq!(
            <web::Json<Vec<u8>> as CallbackBody>::encode(&vec![1, 2]),
            Ok(b"[1,2]".to_vec())
        );
        assert_eq!(<() as CallbackBody>::content_type(), None);
    }
}
