//! RFC 9457 problem details: the JSON body of every error hookspec sends on bad input.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An RFC 9457 `application/problem+json` body.
///
/// ```json
/// { "type": "about:blank", "title": "Bad Request", "status": 400,
///   "detail": "body /total: invalid type: string \"x\", expected f64",
///   "errors": [ { "in": "body", "pointer": "/total",
///                 "detail": "invalid type: string \"x\", expected f64" } ] }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for people.
    pub detail: String,
    /// The fields at fault, one entry each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field at fault in a [`Problem`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FieldError {
    /// Where the field is: `body`, `query`, `path`, `header` or `cookie`.
    #[serde(rename = "in")]
    pub location: String,
    /// A JSON pointer to the field (`/items/0/price`); for parameters, `/<name>`.
    pub pointer: String,
    /// The constraint it breaks, as its schema keyword (`minLength`,
    /// `maximum`, `pattern`, `format`): set on `422` problems (feature
    /// `validation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What is wrong with it.
    pub detail: String,
}

impl Problem {
    /// A problem with this status and detail, at no particular field.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A problem about one field.
    pub fn at_field(
        status: StatusCode,
        location: &str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        let pointer = pointer.into();
        let detail = detail.into();
        let shown = if pointer.is_empty() { "/" } else { &pointer };
        let mut problem = Problem::new(status, format!("{location} {shown}: {detail}"));
        problem.errors.push(FieldError {
            location: location.to_owned(),
            pointer,
            rule: None,
            detail,
        });
        problem
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

impl std::error::Error for Problem {}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        Problem::status_code(self)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(Problem::status_code(self))
            .content_type("application/problem+json")
            .json(self)
    }
}

/// How hookspec documents the problem responses its extractors send: one
/// response per status under `components.responses`, which operations refer
/// to instead of repeating it (three or four per operation, and the same in
/// every one).
pub(crate) mod documented {
    use std::borrow::Cow;

    use actix_web::http::StatusCode;

    use super::Problem;
    use crate::openapi::{Reference, Response};
    use crate::schema::SchemaRegistry;

    const PREFIX: &str = "#/components/responses/";

    macro_rules! known {
        ($($status:literal $name:literal),* $(,)?) => {
            &[$(($status, $name, concat!("#/components/responses/", $name))),*]
        };
    }

    /// The statuses hookspec's own extractors and senders answer with: their
    /// names and references, written once (formatting them for every
    /// operation cost more than the responses they replace).
    const KNOWN: &[(u16, &str, &str)] = known!(
        400 "BadRequest",
        401 "Unauthorized",
        403 "Forbidden",
        404 "NotFound",
        413 "PayloadTooLarge",
        415 "UnsupportedMediaType",
        422 "UnprocessableEntity",
        500 "InternalServerError",
        502 "BadGateway",
        503 "ServiceUnavailable",
    );

    fn known(status: u16) -> Option<&'static (u16, &'static str, &'static str)> {
        KNOWN.iter().find(|(known, _, _)| *known == status)
    }

    /// The status's reason phrase (`Bad Request`), or `Error` for a status
    /// without one.
    fn reason(status: u16) -> &'static str {
        StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason())
            .unwrap_or("Error")
    }

    /// The response's name under `components.responses`: the reason phrase
    /// without spaces (`BadRequest`), or `Problem599` for a status without one.
    pub(crate) fn name(status: u16) -> Cow<'static, str> {
        if let Some((_, name, _)) = known(status) {
            return Cow::Borrowed(name);
        }
        computed_name(status).into()
    }

    /// [`name`] for a status outside the table.
    fn computed_name(status: u16) -> String {
        match reason(status) {
            "Error" => format!("Problem{status}"),
            reason => reason.chars().filter(char::is_ascii_alphanumeric).collect(),
        }
    }

    fn reference_text(status: u16) -> Cow<'static, str> {
        match known(status) {
            Some((_, _, reference)) => Cow::Borrowed(reference),
            None => format!("{PREFIX}{}", name(status)).into(),
        }
    }

    /// The reference an operation documents the problem response with.
    pub(crate) fn reference(status: u16) -> Reference {
        Reference {
            reference: reference_text(status).into_owned(),
        }
    }

    /// The status a reference made by [`reference`] under response key `key`
    /// is for; `None` for any other reference.
    pub(crate) fn status_of(key: &str, reference: &Reference) -> Option<u16> {
        let status = key.parse::<u16>().ok()?;
        (reference.reference == reference_text(status)).then_some(status)
    }

    /// The response itself: an `application/problem+json` body of [`Problem`].
    pub(crate) fn response(status: u16, schemas: &mut SchemaRegistry) -> Response {
        Response::with_body(
            reason(status),
            "application/problem+json",
            schemas.reference::<Problem>(),
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_known_names_are_the_reason_phrases_without_spaces() {
            for (status, name, reference) in KNOWN {
                assert_eq!(*name, computed_name(*status));
                assert_eq!(*reference, format!("{PREFIX}{name}"));
            }
        }

        #[test]
        fn other_statuses_are_named_the_same_way_and_recognised() {
            assert_eq!(name(418), "Imateapot"); // "I'm a teapot"
            assert_eq!(name(599), "Problem599");
            for status in [400, 418, 599] {
                assert_eq!(
                    status_of(&status.to_string(), &reference(status)),
                    Some(status)
                );
                assert_eq!(status_of("200", &reference(status)), None);
            }
        }
    }
}
