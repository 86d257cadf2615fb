//! The parsed form of templates and expressions, and how each prints: what the
//! macros emit as `'static` data and the runtime prints and evaluates.

use std::borrow::Cow;
use std::fmt;

/// A URL template: literal text and embedded runtime expressions, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlTemplate<'a> {
    segments: Cow<'a, [Segment<'a>]>,
}

impl<'a> UrlTemplate<'a> {
    /// A template made of these segments. No check is made: the segments are what
    /// [`parse_template`](crate::parse::parse_template) produced, typically emitted by a macro.
    pub const fn from_static(segments: &'a [Segment<'a>]) -> Self {
        UrlTemplate {
            segments: Cow::Borrowed(segments),
        }
    }

    pub(crate) fn from_vec(segments: Vec<Segment<'a>>) -> Self {
        UrlTemplate {
            segments: Cow::Owned(segments),
        }
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// The runtime expressions the template embeds, in order.
    pub fn expressions(&self) -> impl Iterator<Item = &Expression<'a>> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Expression(expression) => Some(expression),
            Segment::Literal(_) => None,
        })
    }
}

impl fmt::Display for UrlTemplate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in self.segments.iter() {
            match segment {
                Segment::Literal(text) => f.write_str(text)?,
                Segment::Expression(expression) => write!(f, "{{{expression}}}")?,
            }
        }
        Ok(())
    }
}

/// One piece of a [`UrlTemplate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Text copied as it is.
    Literal(&'a str),
    /// A `{...}` runtime expression, replaced by its value.
    Expression(Expression<'a>),
}

/// A runtime expression (`$url`, `$request.query.x`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expression<'a> {
    /// `$url`: the full URL of the triggering request.
    Url,
    /// `$method`: the HTTP method of the triggering request.
    Method,
    /// `$statusCode`: the status code of the response to the triggering request.
    StatusCode,
    /// `$request.<source>`: a part of the triggering request.
    Request(Source<'a>),
    /// `$response.<source>`: a part of the response to the triggering request.
    Response(Source<'a>),
}

impl fmt::Display for Expression<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expression::Url => f.write_str("$url"),
            Expression::Method => f.write_str("$method"),
            Expression::StatusCode => f.write_str("$statusCode"),
            Expression::Request(source) => write!(f, "$request.{source}"),
            Expression::Response(source) => write!(f, "$response.{source}"),
        }
    }
}

/// The part of a request or response that an expression reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// `header.<token>`: a header (names compare case-insensitively).
    Header(&'a str),
    /// `query.<name>`: a query parameter.
    Query(&'a str),
    /// `path.<name>`: a path parameter.
    Path(&'a str),
    /// `body` or `body#<json-pointer>`: the body, or a value inside it.
    Body(JsonPointer<'a>),
}

impl fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Header(name) => write!(f, "header.{name}"),
            Source::Query(name) => write!(f, "query.{name}"),
            Source::Path(name) => write!(f, "path.{name}"),
            Source::Body(pointer) if pointer.is_whole_document() => f.write_str("body"),
            Source::Body(pointer) => write!(f, "body#{pointer}"),
        }
    }
}

/// An RFC 6901 JSON pointer, kept in its escaped form (`/a~1b/0`).
///
/// The empty pointer designates the whole document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonPointer<'a> {
    escaped: &'a str,
}

impl<'a> JsonPointer<'a> {
    /// The pointer with this escaped text. No check is made: the text is what
    /// [`parse_template`](crate::parse::parse_template) validated, typically emitted by a macro.
    pub const fn from_escaped(escaped: &'a str) -> Self {
        JsonPointer { escaped }
    }

    /// The pointer as written, with `~0` and `~1` escapes.
    pub fn as_escaped(&self) -> &'a str {
        self.escaped
    }

    /// Whether this pointer designates the whole document (`body` with no `#`).
    pub fn is_whole_document(&self) -> bool {
        self.escaped.is_empty()
    }

    /// The reference tokens, unescaped (`~1` → `/`, `~0` → `~`).
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'a, str>> {
        let escaped = self.escaped;
        escaped
            .split('/')
            .skip(1) // the text before the first '/' is always empty
            .map(|token| {
                if token.contains('~') {
                    Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
                } else {
                    Cow::Borrowed(token)
                }
            })
    }
}

impl fmt::Display for JsonPointer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.escaped)
    }
}
