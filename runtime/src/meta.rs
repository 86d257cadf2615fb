//! What the macros emit about each declaration: the facts known when it
//! compiles. Read by assembly and delivery; written only by the expansions.

use hookspec_expr::UrlTemplate;

use crate::openapi::Method;
use crate::security::RequirementMeta;

/// The facts about a route handler known when it compiles.
#[derive(Debug)]
pub struct OperationMeta {
    /// The handler function's name.
    pub handler: &'static str,
    /// Where the handler is declared (`file:line`), for error messages.
    pub source: &'static str,
    /// The methods it answers that every OpenAPI version can describe; one
    /// operation each.
    pub methods: &'static [Method],
    /// The methods it answers that only OpenAPI 3.2 describes, as sent
    /// (`QUERY`, `CONNECT`, custom methods such as `HELLO`): routed always,
    /// documented in 3.2 (`query`, `additionalOperations`), left out of 3.1
    /// and 3.0.
    pub other_methods: &'static [&'static str],
    /// The path template as actix-web reads it (`/invoices/{id:\d+}`).
    pub path: &'static str,
    /// The same template as OpenAPI writes it (`/invoices/{id}`).
    pub openapi_path: &'static str,
    /// The names of the template's `{...}` segments, in order.
    pub path_parameters: &'static [&'static str],
    /// The operation id (default: the handler's name).
    pub operation_id: &'static str,
    /// First paragraph of the doc comment, or the `summary` attribute.
    pub summary: Option<&'static str>,
    /// Rest of the doc comment, or the `description` attribute.
    pub description: Option<&'static str>,
    /// The `tag`/`tags` attributes.
    pub tags: &'static [&'static str],
    /// Whether the handler is `#[deprecated]`.
    pub deprecated: bool,
    /// `security(...)`: the alternatives that admit a request (`Some(&[])`:
    /// public); `None` when the attribute does not say.
    pub security: Option<&'static [RequirementMeta]>,
}

impl OperationMeta {
    /// The id of its operation for `method`: the route's id, suffixed with
    /// the method (`route_get`) when the route answers several. Counted over
    /// every version's methods, so that an operation's id is the same in
    /// each document.
    pub(crate) fn operation_id_for(&self, method: Method) -> String {
        if self.methods.len() + self.other_methods.len() > 1 {
            let method = method.http_name().to_ascii_lowercase();
            format!("{}_{method}", self.operation_id)
        } else {
            self.operation_id.to_owned()
        }
    }

    /// Its first method: what a link to the handler leads to.
    pub(crate) fn first_method(&self) -> Method {
        self.methods
            .first()
            .copied()
            .or_else(|| self.other_methods.first().map(|name| Method::of_name(name)))
            .unwrap_or(Method::Get)
    }

    /// The id of its first method's operation.
    pub(crate) fn first_operation_id(&self) -> String {
        self.operation_id_for(self.first_method())
    }
}

/// The facts about a `#[callback]` declaration known when it compiles.
#[derive(Debug)]
pub struct CallbackMeta {
    /// The stub function's name: the callback's key in the document.
    pub name: &'static str,
    /// Where the stub is declared (`file:line`), for error messages.
    pub source: &'static str,
    /// The method of the request our API sends.
    pub method: Method,
    /// The URL, as a parsed runtime-expression template.
    pub url: UrlTemplate<'static>,
    /// The same URL as the document writes it (the callback's key under the
    /// operation): `url`'s `Display`, written when the callback compiled.
    pub url_text: &'static str,
    /// First paragraph of the doc comment.
    pub summary: Option<&'static str>,
    /// Rest of the doc comment.
    pub description: Option<&'static str>,
    /// Whether the stub is `#[deprecated]`.
    pub deprecated: bool,
}

/// The facts about a `#[webhook]` declaration known when it compiles.
#[derive(Debug)]
pub struct WebhookMeta {
    /// The webhook's key in the document's `webhooks` (`new-subscription`).
    pub name: &'static str,
    /// The stub function's name, its operation id.
    pub handler: &'static str,
    /// Where the stub is declared (`file:line`), for error messages.
    pub source: &'static str,
    /// The method of the request our API sends.
    pub method: Method,
    /// First paragraph of the doc comment.
    pub summary: Option<&'static str>,
    /// Rest of the doc comment.
    pub description: Option<&'static str>,
    /// Whether the stub is `#[deprecated]`.
    pub deprecated: bool,
}

/// A `$request.path.<name>` a callback reads, with the compile error to give when
/// an operation that lists the callback has no such path parameter.
#[derive(Debug)]
pub struct PathReference {
    /// The parameter name.
    pub name: &'static str,
    /// The message, written when the callback compiled.
    pub message: &'static str,
}
