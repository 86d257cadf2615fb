//! Cookies, typed and documented: [`Cookies<T>`] reads cookies into `T` (one
//! `in: cookie` parameter per field), [`CookieKey<S>`] reads the key of an
//! API-key scheme that travels in a cookie (the operation requires the scheme).
//!
//! ```
//! use hookspec::cookies::{CookieKey, CookieScheme, Cookies};
//! use hookspec::{get, Api, JsonSchema};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Preferences {
//!     /// The interface language.
//!     lang: Option<String>,
//!     /// Items per page.
//!     page_size: Option<u32>,
//! }
//!
//! /// The browser session: an API key in the `session` cookie.
//! struct Session;
//! impl CookieScheme for Session {
//!     const SCHEME: &'static str = "session";
//!     const COOKIE: &'static str = "session";
//! }
//!
//! /// My dashboard.
//! #[get("/dashboard")]
//! async fn dashboard(session: CookieKey<Session>, preferences: Cookies<Preferences>) -> String {
//!     // Check `session.key()` against the sessions you keep.
//!     format!("{}", preferences.page_size.unwrap_or(20))
//! }
//!
//! let api = Api::new("Dashboard", "1.0.0")
//!     .cookie_scheme::<Session>()
//!     .service(dashboard);
//! api.check().unwrap();
//! ```

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use actix_web::http::StatusCode;
use actix_web::{dev, FromRequest, HttpRequest};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::context::OperationContext;
use crate::extract::parse_urlencoded;
use crate::input::{document_constraints, object_properties, parameter, OperationInput};
use crate::locate::escape_token;
use crate::openapi::{ApiKeyIn, ParameterIn, SecurityScheme};
use crate::problem::Problem;

/// The request's cookies as a `T` (a struct): each field is the cookie of its
/// name (as serde reads it), documented as an `in: cookie` parameter, required
/// unless it is an `Option`. A missing required cookie or a value that does
/// not parse is a `400` problem naming the cookie, and a `Cookie` header that
/// is not UTF-8 a `400` naming the header; a pair that does not parse
/// (`=value`) is left out, as browsers do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookies<T>(pub T);

impl<T> Cookies<T> {
    /// The cookies' value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Cookies<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Cookies<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Every cookie of the request, name and value (percent-decoded).
fn request_cookies(req: &HttpRequest) -> Result<Vec<(String, String)>, Problem> {
    let cookies = req.cookies().map_err(|error| {
        Problem::at_field(
            StatusCode::BAD_REQUEST,
            "header",
            "/cookie",
            format!("the Cookie header is malformed: {error}"),
        )
    })?;
    Ok(cookies
        .iter()
        .map(|cookie| (cookie.name().to_owned(), cookie.value().to_owned()))
        .collect())
}

impl<T: DeserializeOwned + JsonSchema + 'static> FromRequest for Cookies<T> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        // As a query string, so that a value parses as the field's type and
        // a problem names the cookie at fault, as for the query.
        let parsed = request_cookies(req).and_then(|cookies| {
            let encoded = serde_urlencoded::to_string(&cookies).unwrap_or_default();
            let value = parse_urlencoded(encoded.as_bytes(), "cookie")?;
            #[cfg(feature = "validation")]
            crate::validation::check_urlencoded::<T>(encoded.as_bytes(), "cookie")?;
            Ok(value)
        });
        std::future::ready(parsed.map(Cookies))
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for Cookies<T> {
    type Extractor = Self;

    fn from_extractor(cookies: Self) -> Self {
        cookies
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().inline::<T>();
        for (name, property, required) in object_properties(&schema) {
            cx.add_parameter(parameter(name, ParameterIn::Cookie, property, required));
        }
        cx.add_problem_response(400);
        document_constraints::<T>(cx);
    }
}

/// An API-key scheme whose key travels in a cookie: its name among the
/// document's security schemes and the cookie's. Declared on the `Api` with
/// [`Api::cookie_scheme`](crate::Api::cookie_scheme), read by [`CookieKey`].
pub trait CookieScheme {
    /// The scheme's name under `components.securitySchemes`.
    const SCHEME: &'static str;
    /// The cookie that holds the key.
    const COOKIE: &'static str;

    /// The scheme as the document declares it: `apiKey` in the cookie
    /// [`COOKIE`](Self::COOKIE). Override to add a description.
    fn security_scheme() -> SecurityScheme {
        SecurityScheme::api_key(ApiKeyIn::Cookie, Self::COOKIE)
    }
}

/// The key of scheme `S` from its cookie, not yet checked: compare it with
/// the keys (or sessions) you keep. An operation taking it requires `S` in
/// the document; a request without the cookie is a `401` problem naming it.
pub struct CookieKey<S> {
    key: String,
    scheme: PhantomData<fn() -> S>,
}

impl<S> CookieKey<S> {
    /// The cookie's value.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The cookie's value, owned.
    pub fn into_key(self) -> String {
        self.key
    }
}

impl<S: CookieScheme> std::fmt::Debug for CookieKey<S> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A credential: never in logs.
        formatter
            .debug_struct("CookieKey")
            .field("scheme", &S::SCHEME)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl<S: CookieScheme> FromRequest for CookieKey<S> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        let key = request_cookies(req).and_then(|cookies| {
            match cookies.into_iter().find(|(name, _)| name == S::COOKIE) {
                Some((_, key)) if !key.is_empty() => Ok(CookieKey {
                    key,
                    scheme: PhantomData,
                }),
                _ => Err(Problem::at_field(
                    StatusCode::UNAUTHORIZED,
                    "cookie",
                    format!("/{}", escape_token(S::COOKIE)),
                    format!("the `{}` cookie is missing", S::COOKIE),
                )),
            }
        });
        std::future::ready(key)
    }
}

impl<S: CookieScheme> OperationInput for CookieKey<S> {
    type Extractor = Self;

    fn from_extractor(key: Self) -> Self {
        key
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.require(S::SCHEME, &[]);
        cx.add_problem_response(401);
    }
}
