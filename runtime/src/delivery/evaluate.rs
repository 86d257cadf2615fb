//! Evaluating a callback's URL template against the request that triggered it.

use std::fmt;

use actix_web::HttpRequest;
use hookspec_expr::{Expression, Segment, Source, UrlTemplate};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::Value;

/// Characters escaped in a value placed inside a path segment: `/`, `?` and `#`
/// among them, so a value such as `../admin` cannot change the URL's shape, and
/// `@` and `:`, so a value right after a host cannot turn it into userinfo or a
/// port.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b'@')
    .add(b':')
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// Characters escaped in a value placed in the query string.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b'%')
    .add(b'`');

/// What a callback URL can read: the triggering request, and, once known, the
/// response to it. Taken from an [`HttpRequest`] with [`Trigger::from_request`];
/// it owns its data, so it can travel to the background dispatcher.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trigger {
    /// The full URL of the request (`$url`).
    pub url: String,
    /// Its method (`$method`).
    pub method: String,
    /// Its query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Its path parameters.
    pub path: Vec<(String, String)>,
    /// Its headers (names compare case-insensitively).
    pub headers: Vec<(String, String)>,
    /// Its body as received, when a hookspec body extractor read it in an app
    /// whose `Api` documents a callback (other apps do not keep bodies).
    pub body: Option<Value>,
    /// The response status (`$statusCode`), when known.
    pub status: Option<u16>,
    /// The response headers, when known.
    pub response_headers: Vec<(String, String)>,
    /// The response body, when known.
    pub response_body: Option<Value>,
}

impl Trigger {
    /// Everything a callback URL can read of `req`.
    pub fn from_request(req: &HttpRequest) -> Self {
        let info = req.connection_info();
        let url = format!("{}://{}{}", info.scheme(), info.host(), req.uri());
        Trigger {
            url,
            method: req.method().to_string(),
            query: form_urlencoded::parse(req.query_string().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            path: req
                .match_info()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            headers: req
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: crate::received::received_body(req),
            ..Trigger::default()
        }
    }
}

/// Why a callback cannot be sent for this request: an expression of its URL has
/// no value (for example, no `callback_url` was given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotApplicable {
    /// The expression, as written in the URL.
    pub expression: String,
    /// Why it has no value.
    pub reason: String,
}

impl fmt::Display for NotApplicable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{{{}}}` has no value: {}", self.expression, self.reason)
    }
}

impl std::error::Error for NotApplicable {}

/// The URL for this trigger.
pub(crate) fn evaluate(
    template: &UrlTemplate<'_>,
    trigger: &Trigger,
) -> Result<String, NotApplicable> {
    let mut url = String::new();
    for (index, segment) in template.segments().iter().enumerate() {
        match segment {
            Segment::Literal(text) => url.push_str(text),
            Segment::Expression(expression) => {
                let value = value_of(expression, trigger).map_err(|reason| NotApplicable {
                    expression: expression.to_string(),
                    reason,
                })?;
                if index == 0 {
                    // A leading expression is the base URL itself.
                    url.push_str(&value);
                } else if url.contains('?') {
                    url.extend(utf8_percent_encode(&value, QUERY_VALUE));
                } else if (value == "." || value == "..") && segment_is_whole(template, index) {
                    // URL parsing resolves a dot segment away (`/invoices/..` is
                    // `/`), escaped (`%2E%2E`) or not: no value may move the URL.
                    return Err(NotApplicable {
                        expression: expression.to_string(),
                        reason: format!(
                            "`{value}` cannot be a path segment: it would move the URL"
                        ),
                    });
                } else {
                    url.extend(utf8_percent_encode(&value, PATH_SEGMENT));
                }
            }
        }
    }
    Ok(url)
}

/// Whether the expression at `index` fills a whole path segment (`/{...}/` or
/// `/{...}` at the end), where a value of dots is a dot segment.
fn segment_is_whole(template: &UrlTemplate<'_>, index: usize) -> bool {
    let segments = template.segments();
    let before = match index.checked_sub(1).map(|i| &segments[i]) {
        Some(Segment::Literal(text)) => text.ends_with('/'),
        _ => false,
    };
    let after = match segments.get(index + 1) {
        None => true,
        Some(Segment::Literal(text)) => text.starts_with(['/', '?', '#']),
        Some(Segment::Expression(_)) => false,
    };
    before && after
}

fn lookup<'a>(
    pairs: &'a [(String, String)],
    name: &str,
    case_insensitive: bool,
) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| {
            if case_insensitive {
                key.eq_ignore_ascii_case(name)
            } else {
                key == name
            }
        })
        .map(|(_, value)| value.as_str())
}

fn value_of(expression: &Expression<'_>, trigger: &Trigger) -> Result<String, String> {
    match expression {
        Expression::Url => Ok(trigger.url.clone()),
        Expression::Method => Ok(trigger.method.clone()),
        Expression::StatusCode => trigger
            .status
            .map(|status| status.to_string())
            .ok_or_else(|| "the response status is not known yet".to_owned()),
        Expression::Request(source) => source_value(
            source,
            &trigger.query,
            &trigger.path,
            &trigger.headers,
            trigger.body.as_ref(),
            "request",
        ),
        Expression::Response(source) => source_value(
            source,
            &[],
            &[],
            &trigger.response_headers,
            trigger.response_body.as_ref(),
            "response",
        ),
    }
}

fn source_value(
    source: &Source<'_>,
    query: &[(String, String)],
    path: &[(String, String)],
    headers: &[(String, String)],
    body: Option<&Value>,
    side: &str,
) -> Result<String, String> {
    let found = match source {
        Source::Query(name) => lookup(query, name, false)
            .ok_or_else(|| format!("the {side} has no query parameter `{name}`"))?,
        Source::Path(name) => lookup(path, name, false)
            .ok_or_else(|| format!("the {side} has no path parameter `{name}`"))?,
        Source::Header(name) => lookup(headers, name, true)
            .ok_or_else(|| format!("the {side} has no header `{name}`"))?,
        Source::Body(pointer) => {
            let body = body.ok_or_else(|| match side {
                // Kept only where it can be used: say where that is.
                "request" => "the request body is not known: it is kept when a hookspec `Json` or \
                    `Form` argument reads it in a handler with an argument that can send \
                    (`Callback<C>`, `HttpRequest`, or an extractor whose \
                    `OperationInput::SENDS_CALLBACKS` is set)"
                    .to_owned(),
                side => format!("the {side} body is not known"),
            })?;
            let value = body
                .pointer(pointer.as_escaped())
                .ok_or_else(|| format!("the {side} body has nothing at `{pointer}`"))?;
            return match value {
                Value::String(text) => Ok(text.clone()),
                Value::Null => Err(format!("the {side} body has null at `{pointer}`")),
                Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
                Value::Array(_) | Value::Object(_) => Ok(value.to_string()),
            };
        }
    };
    if found.is_empty() {
        return Err(format!("the {side}'s {source} is empty"));
    }
    Ok(found.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookspec_expr::parse_template;
    use serde_json::json;

    fn trigger() -> Trigger {
        Trigger {
            url: "http://api.example/invoices/?callback_url=https://u.example/hooks".into(),
            method: "POST".into(),
            query: vec![("callback_url".into(), "https://u.example/hooks".into())],
            path: vec![("shop".into(), "acme".into())],
            headers: vec![("x-request-id".into(), "r-1".into())],
            body: Some(
                json!({"id": "inv/1 ?#", "n": 3, "flag": true, "gone": null, "a/b": {"c~d": "x"}}),
            ),
            status: Some(201),
            response_headers: vec![("location".into(), "/invoices/1".into())],
            response_body: Some(json!({"receipt": "r-9"})),
        }
    }

    fn eval(template: &str) -> Result<String, NotApplicable> {
        evaluate(&parse_template(template).unwrap(), &trigger())
    }

    #[test]
    fn tutorial_url_is_built_from_query_and_body() {
        assert_eq!(
            eval("{$request.query.callback_url}/invoices/{$request.body#/id}").unwrap(),
            // The base URL is used as given; the id is one escaped path segment.
            "https://u.example/hooks/invoices/inv%2F1%20%3F%23"
        );
    }

    #[test]
    fn every_source_has_its_value() {
        assert_eq!(
            eval("https://h.example/{$method}/{$statusCode}/{$request.path.shop}/{$request.header.X-Request-ID}/{$request.body#/n}/{$request.body#/flag}/{$request.body#/a~1b/c~0d}/{$response.header.Location}/{$response.body#/receipt}").unwrap(),
            "https://h.example/POST/201/acme/r-1/3/true/x/%2Finvoices%2F1/r-9"
        );
        assert_eq!(
            eval("{$url}").unwrap(),
            "http://api.example/invoices/?callback_url=https://u.example/hooks"
        );
    }

    /// Values after the base URL cannot add path segments, climb out of the
    /// path, or change the authority; checked on the URL as parsed, which is
    /// what the sender connects to.
    #[test]
    fn substituted_values_cannot_change_the_urls_shape() {
        let with_id = |id: &str| {
            let trigger = Trigger {
                body: Some(serde_json::json!({ "id": id })),
                ..trigger()
            };
            let template =
                parse_template("{$request.query.callback_url}/invoices/{$request.body#/id}")
                    .unwrap();
            url::Url::parse(&evaluate(&template, &trigger).unwrap()).unwrap()
        };
        for id in [
            "../../admin",
            "a/b",
            "x?y=1",
            "#frag",
            "%2e%2e",
            "...",
            "a..",
        ] {
            let url = with_id(id);
            assert_eq!(url.host_str(), Some("u.example"), "{id}: {url}");
            assert_eq!(url.path_segments().unwrap().count(), 3, "{id}: {url}");
            assert!(url.path().starts_with("/hooks/invoices/"), "{id}: {url}");
            assert_eq!((url.query(), url.fragment()), (None, None), "{id}: {url}");
        }
        // A whole segment of dots would be resolved away, escaped or not.
        for dots in [".", ".."] {
            let trigger = Trigger {
                body: Some(serde_json::json!({ "id": dots })),
                ..trigger()
            };
            let template =
                parse_template("{$request.query.callback_url}/invoices/{$request.body#/id}")
                    .unwrap();
            let error = evaluate(&template, &trigger).unwrap_err();
            assert!(error.reason.contains("cannot be a path segment"), "{error}");
        }
        // Inside a segment, dots are plain data.
        assert_eq!(
            eval("https://h.example/v{$request.body#/n}.json").unwrap(),
            "https://h.example/v3.json"
        );
        // Right after a bare host: no userinfo, no port.
        let trigger = Trigger {
            body: Some(serde_json::json!({ "id": "@evil.example:8080" })),
            ..trigger()
        };
        let template = parse_template("https://h.example{$request.body#/id}").unwrap();
        // Escaped, the value cannot become userinfo or a port: the result is
        // no URL at all, refused as such before anything is sent.
        let text = evaluate(&template, &trigger).unwrap();
        assert_eq!(text, "https://h.example%40evil.example%3A8080");
        assert!(url::Url::parse(&text).is_err(), "{text}");
    }

    #[test]
    fn query_values_are_escaped_as_query_values() {
        assert_eq!(
            eval("https://h.example/cb?id={$request.body#/id}&m={$method}").unwrap(),
            "https://h.example/cb?id=inv/1%20?%23&m=POST"
        );
    }

    #[test]
    fn missing_values_are_not_applicable() {
        let error = eval("{$request.query.notify}/x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`{$request.query.notify}` has no value: the request has no query parameter `notify`"
        );
        assert_eq!(
            eval("{$request.body#/gone}").unwrap_err().reason,
            "the request body has null at `/gone`"
        );
        assert_eq!(
            eval("{$request.body#/nope}").unwrap_err().reason,
            "the request body has nothing at `/nope`"
        );
        let no_status = Trigger {
            status: None,
            ..trigger()
        };
        let template = parse_template("https://h.example/{$statusCode}").unwrap();
        assert_eq!(
            evaluate(&template, &no_status).unwrap_err().reason,
            "the response status is not known yet"
        );
    }
}
