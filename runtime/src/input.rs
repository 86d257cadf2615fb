//! [`OperationInput`]: what each handler argument documents (parameters, request
//! body, error responses) and how it is extracted.

use actix_web::http::header::Header as TypedHeader;
use actix_web::web::{self, Bytes};
use actix_web::{dev, FromRequest, HttpRequest};
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::context::OperationContext;
use crate::extract::{
    FormExtractor, HeaderExtractor, JsonExtractor, PathExtractor, QueryExtractor,
};
use crate::openapi::{Parameter, ParameterIn};
use crate::schema::without_null;

/// A handler argument that hookspec can document.
///
/// Implemented for actix-web's extractors. A route macro extracts each argument
/// through [`Extractor`](Self::Extractor) and hands the handler
/// [`from_extractor`](Self::from_extractor)'s result, so hookspec can replace
/// actix-web's plain-text errors with problem details that name the field.
///
/// Your own extractor documents itself like this:
///
/// ```
/// use actix_web::{dev::Payload, FromRequest, HttpRequest};
/// use hookspec::describe::{OperationContext, OperationInput};
///
/// /// The caller's tenant, from the `X-Tenant` header.
/// struct Tenant(String);
///
/// impl FromRequest for Tenant {
///     type Error = actix_web::Error;
///     type Future = std::future::Ready<Result<Self, Self::Error>>;
///     fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
///         let tenant = req.headers().get("x-tenant").and_then(|v| v.to_str().ok());
///         std::future::ready(match tenant {
///             Some(tenant) => Ok(Tenant(tenant.to_owned())),
///             None => Err(actix_web::error::ErrorBadRequest("missing X-Tenant")),
///         })
///     }
/// }
///
/// impl OperationInput for Tenant {
///     type Extractor = Self;
///     fn from_extractor(tenant: Self) -> Self {
///         tenant
///     }
///     fn describe(cx: &mut OperationContext<'_>) {
///         let schema = hookspec::describe::schema_for::<String>(cx);
///         cx.add_parameter(hookspec::openapi::Parameter {
///             name: "X-Tenant".into(),
///             location: hookspec::openapi::ParameterIn::Header,
///             description: Some("The caller's tenant.".into()),
///             required: true,
///             schema,
///         });
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "hookspec cannot document the handler argument type `{Self}`",
    label = "no `hookspec::describe::OperationInput` implementation for this type",
    note = "hookspec documents actix-web's `Json`, `Form`, `Query`, `Path`, `Header`, `HttpRequest`, `Data`, `Payload`, `Bytes` and `String`, actix-multipart's `MultipartForm` and `Multipart` (feature `multipart`), and its own `Cookies` and `CookieKey` (also in `Option`, `Result` and `Either`); for your own extractor, implement `hookspec::describe::OperationInput`"
)]
pub trait OperationInput: Sized {
    /// What is extracted from the request; often `Self`.
    type Extractor: FromRequest;

    /// The argument the handler receives.
    fn from_extractor(extractor: Self::Extractor) -> Self;

    /// Adds the parameters, body and error responses this argument documents.
    fn describe(cx: &mut OperationContext<'_>);

    /// Whether a handler with this argument can send a callback for the request
    /// it handles. The route macros keep the request body (a reference count,
    /// no copy) for a callback URL's `$request.body#/...` only in such
    /// handlers. `true` for `delivery::Callback<C>` and [`HttpRequest`] (a
    /// handler can pass it to `Callbacks::callback`), and for extractors hookspec
    /// cannot document (they may hold the request); set it on your own
    /// extractor if it sends callbacks for the request or keeps the request
    /// for what does.
    const SENDS_CALLBACKS: bool = false;
}

/// The schema of `T` as a `$ref` (named types) or inline.
pub fn schema_for<T: JsonSchema + ?Sized>(cx: &mut OperationContext<'_>) -> Schema {
    cx.schemas().reference::<T>()
}

/// Problems every body extractor can answer with.
fn add_body_problems(cx: &mut OperationContext<'_>) {
    for status in [400, 413, 415] {
        cx.add_problem_response(status);
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for web::Json<T> {
    type Extractor = JsonExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        web::Json(extractor.0)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        // Not `schema_for`: one generic function fewer per body type.
        let schema = cx.schemas().reference::<T>();
        cx.set_body("application/json", schema);
        add_body_problems(cx);
        document_constraints::<T>(cx);
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for web::Form<T> {
    type Extractor = FormExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        web::Form(extractor.0)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        // Not `schema_for`: one generic function fewer per body type.
        let schema = cx.schemas().reference::<T>();
        cx.set_body("application/x-www-form-urlencoded", schema);
        add_body_problems(cx);
        document_constraints::<T>(cx);
    }
}

/// The `422` problem of an input whose type has constraints (feature
/// `validation`), or the reason they cannot be enforced, for `Api::check`.
#[cfg_attr(
    not(feature = "validation"),
    allow(clippy::extra_unused_type_parameters)
)]
pub(crate) fn document_constraints<T: JsonSchema + 'static>(cx: &mut OperationContext<'_>) {
    #[cfg(feature = "validation")]
    match crate::validation::is_constrained::<T>() {
        Ok(true) => cx.add_problem_response(422),
        Ok(false) => {}
        Err(problem) => cx.report_problem(problem),
    }
    #[cfg(not(feature = "validation"))]
    let _ = cx;
}

/// The properties of an object schema, with whether each is required.
pub(crate) fn object_properties(schema: &Schema) -> Vec<(String, Value, bool)> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| {
                    (
                        name.clone(),
                        schema.clone(),
                        required.contains(&name.as_str()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every template parameter is a field of the `Path<T>` struct, and every
/// required field a template parameter; what differs is a problem of the
/// operation (actix-web would answer every request with 404).
fn check_path_fields<T: JsonSchema>(
    cx: &mut OperationContext<'_>,
    names: &[&str],
    properties: &[(String, Value, bool)],
) {
    let type_name = T::schema_name();
    let fields = properties
        .iter()
        .map(|(name, _, _)| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for name in names {
        if !properties.iter().any(|(property, _, _)| property == name) {
            cx.report_problem(format!(
                "path parameter `{name}` is not a field of `{type_name}` as serde reads it \
                 (its fields: {fields}); rename the field or the parameter"
            ));
        }
    }
    for (property, _, required) in properties {
        if *required && !names.contains(&property.as_str()) {
            cx.report_problem(format!(
                "field `{property}` of `{type_name}` is not a parameter of the path: \
                 add `{{{property}}}` to the path, or make the field optional"
            ));
        }
    }
}

pub(crate) fn parameter(
    name: String,
    location: ParameterIn,
    schema: Value,
    required: bool,
) -> Parameter {
    let mut schema = Schema::try_from(schema).unwrap_or_else(|_| Schema::default());
    // A property's description documents the parameter, not its values.
    let description = schema
        .remove("description")
        .and_then(|value| value.as_str().map(str::to_owned));
    if !required {
        schema = without_null(schema);
    }
    Parameter {
        name,
        location,
        description,
        required,
        schema,
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for web::Query<T> {
    type Extractor = QueryExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        web::Query(extractor.0)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().inline::<T>();
        for (name, property, required) in object_properties(&schema) {
            cx.add_parameter(parameter(name, ParameterIn::Query, property, required));
        }
        cx.add_problem_response(400);
        document_constraints::<T>(cx);
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for web::Path<T> {
    type Extractor = PathExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        extractor.0
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().inline::<T>();
        let names = cx.path_parameters().to_vec();
        let properties = object_properties(&schema);
        // A struct's fields are matched by what serde reads (renames
        // included), so here, by its schema, not by the compiler.
        if !properties.is_empty() {
            check_path_fields::<T>(cx, &names, &properties);
        }
        let elements = schema.get("prefixItems").and_then(Value::as_array).cloned();
        for (index, name) in names.iter().enumerate() {
            let value = if let Some((_, property, _)) =
                properties.iter().find(|(property, _, _)| property == name)
            {
                property.clone()
            } else if let Some(element) = elements.as_ref().and_then(|e| e.get(index)) {
                element.clone()
            } else if names.len() == 1 && properties.is_empty() {
                schema.as_value().clone()
            } else {
                json!({ "type": "string" })
            };
            cx.add_parameter(parameter(name.to_string(), ParameterIn::Path, value, true));
        }
        cx.add_problem_response(404);
        document_constraints::<T>(cx);
    }
}

impl<T: TypedHeader> OperationInput for web::Header<T> {
    type Extractor = HeaderExtractor<T>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        web::Header(extractor.0)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let name = T::name().to_string();
        cx.add_parameter(parameter(
            name,
            ParameterIn::Header,
            json!({ "type": "string" }),
            true,
        ));
        cx.add_problem_response(400);
    }
}

impl OperationInput for Bytes {
    type Extractor = Self;

    fn from_extractor(extractor: Self) -> Self {
        extractor
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().binary();
        cx.set_body("application/octet-stream", schema);
        cx.add_problem_response(413);
    }
}

impl OperationInput for String {
    type Extractor = Self;

    fn from_extractor(extractor: Self) -> Self {
        extractor
    }

    fn describe(cx: &mut OperationContext<'_>) {
        let schema = schema_for::<String>(cx);
        cx.set_body("text/plain", schema);
        cx.add_problem_response(413);
    }
}

/// Extractors that add nothing to the document.
macro_rules! documents_nothing {
    ($($(#[$doc:meta])* [$($generics:tt)*] $ty:ty;)*) => {$(
        $(#[$doc])*
        impl<$($generics)*> OperationInput for $ty {
            type Extractor = Self;

            fn from_extractor(extractor: Self) -> Self {
                extractor
            }

            fn describe(_: &mut OperationContext<'_>) {}
        }
    )*};
}

/// Documents nothing; a handler given the request can send a callback for it.
impl OperationInput for HttpRequest {
    type Extractor = Self;

    fn from_extractor(req: Self) -> Self {
        req
    }

    fn describe(_: &mut OperationContext<'_>) {}

    const SENDS_CALLBACKS: bool = true;
}

documents_nothing! {
    [] web::Payload;
    [] dev::ConnectionInfo;
    [] dev::PeerAddr;
    [] actix_web::http::Method;
    [] actix_web::http::Uri;
    [T: ?Sized + 'static] web::Data<T>;
    [T: Clone + 'static] web::ReqData<T>;
}
