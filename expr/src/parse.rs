//! The parser: template text → [`UrlTemplate`], with errors that say what is wrong,
//! where, and (for the common mistakes) what to write instead.

use std::fmt;

use crate::model::{Expression, JsonPointer, Segment, Source, UrlTemplate};

/// Why a template or expression was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    offset: usize,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            offset,
        }
    }

    /// What is wrong, and what to write instead where that is known.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Byte offset in the parsed text where the problem starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based character column of [`offset`](Self::offset) in `text`.
    pub fn column_in(&self, text: &str) -> usize {
        text[..self.offset.min(text.len())].chars().count() + 1
    }

    fn shifted(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a URL template: literal text with runtime expressions in `{}`.
///
/// ```
/// let template = hookspec_expr::parse_template(
///     "{$request.query.callback_url}/invoices/{$request.body#/id}",
/// ).unwrap();
/// assert_eq!(template.expressions().count(), 2);
/// assert_eq!(
///     template.to_string(),
///     "{$request.query.callback_url}/invoices/{$request.body#/id}",
/// );
/// ```
pub fn parse_template(text: &str) -> Result<UrlTemplate<'_>, ParseError> {
    let mut segments = Vec::new();
    let mut rest_start = 0;
    while rest_start < text.len() {
        let rest = &text[rest_start..];
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (_, Some(close)) if open.is_none_or(|open| close < open) => {
                return Err(ParseError::new(
                    rest_start + close,
                    "unmatched `}`: runtime expressions are written `{$...}`",
                ));
            }
            (None, _) => {
                segments.push(Segment::Literal(rest));
                break;
            }
            (Some(open), close) => {
                if open > 0 {
                    segments.push(Segment::Literal(&rest[..open]));
                }
                let inner_start = rest_start + open + 1;
                let Some(close) = close else {
                    return Err(ParseError::new(
                        rest_start + open,
                        "unclosed `{`: add `}` after the runtime expression",
                    ));
                };
                let inner = &rest[open + 1..close];
                if let Some(nested) = inner.find('{') {
                    return Err(ParseError::new(
                        inner_start + nested,
                        "`{` inside a runtime expression: expressions cannot be nested",
                    ));
                }
                let expression =
                    parse_expression(inner).map_err(|error| error.shifted(inner_start))?;
                segments.push(Segment::Expression(expression));
                rest_start += close + 1;
            }
        }
    }
    Ok(UrlTemplate::from_vec(segments))
}

/// Parses one runtime expression, such as `$request.body#/id`.
pub fn parse_expression(text: &str) -> Result<Expression<'_>, ParseError> {
    if text.is_empty() {
        return Err(ParseError::new(
            0,
            "empty runtime expression: write one such as `{$request.query.callback_url}`",
        ));
    }
    let Some(body) = text.strip_prefix('$') else {
        return Err(ParseError::new(
            0,
            format!(
                "`{text}` is not a runtime expression: expressions start with `$`, \
                 for example `$request.query.{}`",
                suggested_name(text)
            ),
        ));
    };
    match body {
        "url" => return Ok(Expression::Url),
        "method" => return Ok(Expression::Method),
        "statusCode" => return Ok(Expression::StatusCode),
        _ => {}
    }
    if let Some(source) = body.strip_prefix("request.") {
        return parse_source(source, "$request.")
            .map(Expression::Request)
            .map_err(|error| error.shifted("$request.".len()));
    }
    if let Some(source) = body.strip_prefix("response.") {
        return parse_source(source, "$response.")
            .map(Expression::Response)
            .map_err(|error| error.shifted("$response.".len()));
    }
    Err(ParseError::new(0, unknown_root_message(text, body)))
}

fn unknown_root_message(text: &str, body: &str) -> String {
    let expected = "expected `$url`, `$method`, `$statusCode`, `$request.<source>` \
                    or `$response.<source>`";
    let lower = body.to_ascii_lowercase();
    if ["url", "method", "statuscode"].contains(&lower.as_str()) {
        let fixed = match lower.as_str() {
            "url" => "$url",
            "method" => "$method",
            _ => "$statusCode",
        };
        return format!(
            "unknown runtime expression `{text}`: write `{fixed}` (names are case-sensitive)"
        );
    }
    if body == "request" || body == "response" {
        return format!(
            "`{text}` needs a source: `{text}.query.<name>`, `{text}.path.<name>`, \
             `{text}.header.<name>` or `{text}.body#/<pointer>`"
        );
    }
    if is_plain_name(body) {
        // FastAPI's tutorial writes `{$callback_url}`, which no OpenAPI tool can evaluate.
        return format!(
            "unknown runtime expression `{text}`: {expected}; to use the `{body}` query \
             parameter of the request, write `{{$request.query.{body}}}`"
        );
    }
    format!("unknown runtime expression `{text}`: {expected}")
}

fn parse_source<'a>(text: &'a str, root: &str) -> Result<Source<'a>, ParseError> {
    if let Some(name) = text.strip_prefix("header.") {
        check_header_token(name, root).map_err(|error| error.shifted("header.".len()))?;
        return Ok(Source::Header(name));
    }
    if let Some(name) = text.strip_prefix("query.") {
        check_name(name, root, "query").map_err(|error| error.shifted("query.".len()))?;
        return Ok(Source::Query(name));
    }
    if let Some(name) = text.strip_prefix("path.") {
        check_name(name, root, "path").map_err(|error| error.shifted("path.".len()))?;
        return Ok(Source::Path(name));
    }
    if text == "body" {
        return Ok(Source::Body(JsonPointer::from_escaped("")));
    }
    if let Some(pointer) = text.strip_prefix("body#") {
        check_json_pointer(pointer, root).map_err(|error| error.shifted("body#".len()))?;
        return Ok(Source::Body(JsonPointer::from_escaped(pointer)));
    }
    if let Some(members) = text.strip_prefix("body.") {
        // `$request.body.id` is a common guess (FastAPI's docs use it); the grammar
        // addresses body members with a JSON pointer.
        let pointer: String = members.split('.').map(|m| format!("/{m}")).collect();
        return Err(ParseError::new(
            "body".len(),
            format!(
                "body members are addressed with a JSON pointer: write `{root}body#{pointer}` \
                 instead of `{root}body.{members}`"
            ),
        ));
    }
    let found = text.split('.').next().unwrap_or(text);
    // `$request.method`, `$request.url`: those are roots of their own.
    if root == "$request." && ["method", "url"].contains(&found) && found == text {
        return Err(ParseError::new(
            0,
            format!(
                "`$request.{found}` is not an expression: the request's {found} is \
                 `${found}`, write `{{${found}}}`"
            ),
        ));
    }
    Err(ParseError::new(
        0,
        format!(
            "unknown source `{found}` after `{root}`: expected `header.<name>`, \
             `query.<name>`, `path.<name>`, `body` or `body#/<json pointer>`"
        ),
    ))
}

fn check_name(name: &str, root: &str, kind: &str) -> Result<(), ParseError> {
    if name.is_empty() {
        return Err(ParseError::new(
            0,
            format!("`{root}{kind}.` needs a parameter name after the `.`"),
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn check_header_token(name: &str, root: &str) -> Result<(), ParseError> {
    if name.is_empty() {
        return Err(ParseError::new(
            0,
            format!("`{root}header.` needs a header name after the `.`"),
        ));
    }
    if let Some((at, c)) = name.char_indices().find(|&(_, c)| !is_tchar(c)) {
        return Err(ParseError::new(
            at,
            format!("`{name}` is not a valid header name: `{c}` is not allowed in a header name"),
        ));
    }
    Ok(())
}

fn check_json_pointer(pointer: &str, root: &str) -> Result<(), ParseError> {
    if pointer.is_empty() {
        return Ok(());
    }
    if !pointer.starts_with('/') {
        return Err(ParseError::new(
            0,
            format!(
                "a JSON pointer starts with `/`: write `{root}body#/{pointer}` \
                 instead of `{root}body#{pointer}`"
            ),
        ));
    }
    let mut chars = pointer.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some((_, '0' | '1')) => {}
                other => {
                    let found = other.map_or("`~` at the end".to_string(), |(_, c)| {
                        format!("invalid escape `~{c}`")
                    });
                    return Err(ParseError::new(
                        at,
                        format!(
                            "{found} in JSON pointer `{pointer}`: `~` must be \
                             followed by `0` (for `~`) or `1` (for `/`)"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn is_plain_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn suggested_name(text: &str) -> &str {
    if is_plain_name(text) {
        text
    } else {
        "callback_url"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> Expression<'_> {
        parse_expression(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn error(text: &str) -> (usize, String) {
        let error = parse_template(text).expect_err(text);
        (error.column_in(text), error.message().to_string())
    }

    #[test]
    fn every_expression_form_parses() {
        assert_eq!(expr("$url"), Expression::Url);
        assert_eq!(expr("$method"), Expression::Method);
        assert_eq!(expr("$statusCode"), Expression::StatusCode);
        assert_eq!(
            expr("$request.header.X-Request-Id"),
            Expression::Request(Source::Header("X-Request-Id"))
        );
        assert_eq!(
            expr("$request.query.callback_url"),
            Expression::Request(Source::Query("callback_url"))
        );
        assert_eq!(
            expr("$request.path.id"),
            Expression::Request(Source::Path("id"))
        );
        assert_eq!(
            expr("$response.body"),
            Expression::Response(Source::Body(JsonPointer::from_escaped("")))
        );
        assert_eq!(
            expr("$response.body#/a~1b/0/c~0d"),
            Expression::Response(Source::Body(JsonPointer::from_escaped("/a~1b/0/c~0d")))
        );
    }

    #[test]
    fn pointer_tokens_are_unescaped() {
        let pointer = JsonPointer::from_escaped("/a~1b/0/c~0d/~01");
        let tokens: Vec<_> = pointer.tokens().collect();
        assert_eq!(tokens, ["a/b", "0", "c~d", "~1"]);
        assert_eq!(JsonPointer::from_escaped("").tokens().count(), 0);
        assert_eq!(
            JsonPointer::from_escaped("/").tokens().collect::<Vec<_>>(),
            [""]
        );
    }

    #[test]
    fn template_round_trips_through_display() {
        for text in [
            "{$request.query.callback_url}/invoices/{$request.body#/id}",
            "https://example.com/hook?tx={$request.body#/id}&m={$method}",
            "{$request.body#/callbacks/0/url}",
            "https://fixed.example.com/hook",
            "{$response.header.Location}",
        ] {
            assert_eq!(parse_template(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn template_segments_are_in_order() {
        let template = parse_template("a{$url}b{$method}").unwrap();
        assert_eq!(
            template.segments(),
            [
                Segment::Literal("a"),
                Segment::Expression(Expression::Url),
                Segment::Literal("b"),
                Segment::Expression(Expression::Method),
            ]
        );
    }

    #[test]
    fn fastapi_callback_url_suggests_query_parameter() {
        let (column, message) = error("{$callback_url}/invoices/{$request.body.id}");
        assert_eq!(column, 2);
        assert!(
            message.contains("write `{$request.query.callback_url}`"),
            "{message}"
        );
    }

    #[test]
    fn body_member_access_suggests_pointer() {
        let (column, message) = error("{$request.query.u}/{$request.body.id}");
        assert_eq!(column, 34);
        assert!(message.contains("write `$request.body#/id`"), "{message}");
        let (_, message) = error("{$response.body.a.b}");
        assert!(message.contains("write `$response.body#/a/b`"), "{message}");
    }

    #[test]
    fn request_method_and_url_suggest_their_roots() {
        let (_, message) = error("{$url}/{$request.method}");
        assert_eq!(
            message,
            "`$request.method` is not an expression: the request's method is `$method`, \
             write `{$method}`"
        );
        assert!(error("{$request.url}").1.contains("write `{$url}`"));
    }

    #[test]
    fn malformed_templates_are_located() {
        assert_eq!(error("x/{$url").0, 3);
        assert!(error("x/{$url").1.starts_with("unclosed `{`"));
        assert_eq!(error("x}").0, 2);
        assert_eq!(error("{}").0, 2);
        assert!(error("{ {$url}}").1.contains("cannot be nested"));
        assert!(error("{url}").1.contains("start with `$`"));
        assert!(error("{$statuscode}").1.contains("write `$statusCode`"));
        assert!(error("{$request}").1.contains("needs a source"));
        assert!(error("{$request.cookie.a}")
            .1
            .contains("unknown source `cookie`"));
        assert!(error("{$request.query.}")
            .1
            .contains("needs a parameter name"));
        assert!(error("{$request.path.}")
            .1
            .contains("needs a parameter name"));
        assert!(error("{$request.header.}")
            .1
            .contains("needs a header name"));
        assert!(error("{$request.body#id}").1.contains("starts with `/`"));
        assert!(error("{$request.body#/a~2}")
            .1
            .contains("invalid escape `~2`"));
        assert_eq!(
            error("{$request.body#/a~}").1,
            "`~` at the end in JSON pointer `/a~`: `~` must be followed by `0` (for `~`) or \
             `1` (for `/`)"
        );
    }

    #[test]
    fn header_names_must_be_tokens() {
        let (column, message) = error("{$request.header.X Id}");
        assert_eq!(column, 19);
        assert!(message.contains("` ` is not allowed"), "{message}");
    }
}
