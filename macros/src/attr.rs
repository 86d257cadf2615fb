//! Attribute tokens → typed arguments. Checks that need only one argument (a
//! repeated key, an unknown method, a malformed URL template) happen here; checks
//! that relate the attribute to the function live in `valid.rs`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitInt, LitStr, Path, Token, Type};

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(guard);
    syn::custom_keyword!(wrap);
    syn::custom_keyword!(method);
    syn::custom_keyword!(callbacks);
    syn::custom_keyword!(tag);
    syn::custom_keyword!(tags);
    syn::custom_keyword!(operation_id);
    syn::custom_keyword!(summary);
    syn::custom_keyword!(description);
    syn::custom_keyword!(responses);
    syn::custom_keyword!(status);
    syn::custom_keyword!(body);
    syn::custom_keyword!(content_type);
    syn::custom_keyword!(__scope);
    syn::custom_keyword!(security);
    syn::custom_keyword!(headers);
    syn::custom_keyword!(example);
    syn::custom_keyword!(request_example);
}

/// The HTTP methods OpenAPI can document, as the macros and `method = "..."` name them.
pub const METHODS: [(&str, &str); 8] = [
    ("get", "Get"),
    ("put", "Put"),
    ("post", "Post"),
    ("delete", "Delete"),
    ("options", "Options"),
    ("head", "Head"),
    ("patch", "Patch"),
    ("trace", "Trace"),
];

/// One method, with where it was written.
#[derive(Clone)]
pub struct MethodArg {
    /// Lower-case name: `post`.
    pub name: &'static str,
    /// The runtime's `Method` variant: `Post`.
    pub variant: &'static str,
    pub span: Span,
}

impl MethodArg {
    pub fn from_name(name: &str, span: Span) -> syn::Result<Self> {
        let lower = name.to_ascii_lowercase();
        METHODS
            .iter()
            .find(|(method, _)| *method == lower)
            .map(|(name, variant)| MethodArg {
                name,
                variant,
                span,
            })
            .ok_or_else(|| {
                syn::Error::new(
                    span,
                    format!(
                        "unknown HTTP method `{name}`: expected one of GET, PUT, POST, DELETE, \
                         OPTIONS, HEAD, PATCH, TRACE"
                    ),
                )
            })
    }
}

/// A method a route answers: one OpenAPI documents, or one it cannot (`CONNECT`,
/// custom methods such as `HELLO`), which is routed and left out of the document.
#[derive(Clone)]
pub enum RouteMethod {
    Documented(MethodArg),
    Undocumented {
        /// As sent: `CONNECT`, `HELLO`.
        http: String,
    },
}

impl RouteMethod {
    /// The method macros' own method, by the macro's name (`post`, `connect`).
    pub fn of_macro(name: &str) -> syn::Result<Self> {
        if name == "connect" {
            return Ok(RouteMethod::Undocumented {
                http: "CONNECT".to_owned(),
            });
        }
        MethodArg::from_name(name, Span::call_site()).map(RouteMethod::Documented)
    }

    /// `method = "..."` of `#[route]`: upper case, as actix-web requires; any
    /// token is a method (RFC 9110), documented if OpenAPI knows it.
    fn from_literal(lit: &LitStr) -> syn::Result<Self> {
        let name = lit.value();
        if name != name.to_ascii_uppercase() {
            return Err(syn::Error::new(
                lit.span(),
                format!("HTTP method must be uppercase: `{name}`"),
            ));
        }
        let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(is_tchar) {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`{name}` is not an HTTP method: a method is a token of letters, digits \
                     and ! # $ % & ' * + - . ^ _ ` | ~"
                ),
            ));
        }
        match MethodArg::from_name(&name, lit.span()) {
            Ok(method) => Ok(RouteMethod::Documented(method)),
            Err(_) => Ok(RouteMethod::Undocumented { http: name }),
        }
    }

    /// The name as sent: `GET`, `HELLO`.
    pub fn http(&self) -> String {
        match self {
            RouteMethod::Documented(method) => method.name.to_ascii_uppercase(),
            RouteMethod::Undocumented { http } => http.clone(),
        }
    }
}

/// One entry of `responses(...)`: `(status = 404, description = "...", body = T)`.
pub struct ResponseArg {
    /// `"404"` or `"default"`.
    pub status: String,
    pub status_span: Span,
    pub description: LitStr,
    pub body: Option<Type>,
    pub content_type: Option<LitStr>,
    /// `headers(("Location", String), ("X-Left", u32, "Requests left"))`.
    pub headers: Vec<HeaderArg>,
    /// `example = <expr>`: any `Serialize` value, shown by Swagger UI.
    pub example: Option<Expr>,
}

/// One response header: its name, the type of its values, what it means.
pub struct HeaderArg {
    pub name: LitStr,
    pub ty: Type,
    pub description: Option<LitStr>,
}

fn parse_headers(input: ParseStream) -> syn::Result<Vec<HeaderArg>> {
    let content;
    syn::parenthesized!(content in input);
    let mut headers: Vec<HeaderArg> = Vec::new();
    while !content.is_empty() {
        let entry;
        syn::parenthesized!(entry in content);
        let name: LitStr = entry.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "a header is `(\"Name\", Type)` or `(\"Name\", Type, \"what it means\")`",
            )
        })?;
        let name = non_empty(name, "a header's name")?;
        if headers
            .iter()
            .any(|header| header.name.value().eq_ignore_ascii_case(&name.value()))
        {
            return Err(syn::Error::new(
                name.span(),
                format!("header `{}` is listed twice", name.value()),
            ));
        }
        entry.parse::<Token![,]>()?;
        let ty: Type = entry.parse()?;
        let description = if entry.is_empty() {
            None
        } else {
            entry.parse::<Token![,]>()?;
            if entry.is_empty() {
                None
            } else {
                Some(entry.parse::<LitStr>()?)
            }
        };
        if !entry.is_empty() {
            return Err(entry.error("unexpected argument after the header's description"));
        }
        headers.push(HeaderArg {
            name,
            ty,
            description,
        });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(headers)
}

/// The arguments of `#[get(...)]`, `#[post(...)]`, ... and `#[route(...)]`.
pub struct RouteArgs {
    pub path: LitStr,
    /// Given by the macro's name, or by `method = "..."` in `#[route]`.
    pub methods: Vec<RouteMethod>,
    pub resource_name: Option<LitStr>,
    pub guards: Vec<Path>,
    pub wraps: Vec<Expr>,
    pub callbacks: Vec<Path>,
    pub tags: Vec<LitStr>,
    pub operation_id: Option<LitStr>,
    pub summary: Option<LitStr>,
    pub description: Option<LitStr>,
    pub responses: Vec<ResponseArg>,
    /// The module of a `#[scope]` the handler is in (written by `#[scope]`,
    /// not by users): default operation ids are `<module>_<fn>`, so `v1::list`
    /// and `v2::list` do not clash.
    pub scope_module: Option<LitStr>,
    /// `security(...)`: the alternatives that admit a request, each a scheme
    /// and its scopes; `Some(vec![])` for `security()` (public).
    pub security: Option<Vec<(LitStr, Vec<LitStr>)>>,
    /// `request_example = <expr>`: an example request body (any `Serialize`).
    pub request_example: Option<Expr>,
}

/// `security("bearer", ("oauth", "read:invoices"), ...)`: alternatives, each a
/// scheme name, or a scheme with the OAuth 2 scopes it needs.
fn parse_security(input: ParseStream) -> syn::Result<Vec<(LitStr, Vec<LitStr>)>> {
    let content;
    syn::parenthesized!(content in input);
    let mut alternatives = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            alternatives.push((
                non_empty(content.parse()?, "a security scheme's name")?,
                Vec::new(),
            ));
        } else if content.peek(syn::token::Paren) {
            let inner;
            syn::parenthesized!(inner in content);
            let mut names = Punctuated::<LitStr, Token![,]>::parse_terminated(&inner)?.into_iter();
            let Some(scheme) = names.next() else {
                return Err(inner.error(
                    "expected a scheme and its scopes, as in `(\"oauth\", \"read:invoices\")`",
                ));
            };
            alternatives.push((
                non_empty(scheme, "a security scheme's name")?,
                names.collect(),
            ));
        } else {
            return Err(content.error(
                "expected a security scheme's name, as in `\"bearer\"`, or a scheme with \
                 scopes, as in `(\"oauth\", \"read:invoices\")`",
            ));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(alternatives)
}

/// Records a key seen once; a second occurrence is an error on that occurrence.
fn once<T>(slot: &mut Option<T>, value: T, key: &str, span: Span) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(span, format!("duplicate `{key}` argument")));
    }
    *slot = Some(value);
    Ok(())
}

fn non_empty(lit: LitStr, what: &str) -> syn::Result<LitStr> {
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("{what} must not be empty"),
        ));
    }
    Ok(lit)
}

const ROUTE_KEYS: &str = "`name`, `guard`, `wrap`, `callbacks(...)`, `tag`, `tags(...)`, \
                          `operation_id`, `summary`, `description`, `responses(...)`, \
                          `security(...)`, `request_example`";

impl RouteArgs {
    /// Parses `"/path", key = value, ...`. `fixed_method` is the macro's own method;
    /// `None` for `#[route]`, which takes `method = "..."` arguments instead.
    pub fn parse(input: ParseStream, fixed_method: Option<RouteMethod>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing path: write the route's path first, as in `#[post(\"/invoices/\")]`",
            ));
        }
        let path: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the route's path as a string literal, as in `\"/invoices/{id}\"`",
            )
        })?;
        let mut args = RouteArgs {
            path,
            methods: fixed_method.into_iter().collect(),
            resource_name: None,
            guards: Vec::new(),
            wraps: Vec::new(),
            callbacks: Vec::new(),
            tags: Vec::new(),
            operation_id: None,
            summary: None,
            description: None,
            responses: Vec::new(),
            scope_module: None,
            security: None,
            request_example: None,
        };
        let is_route = args.methods.is_empty();
        let mut seen_callbacks = false;
        let mut seen_tags = false;
        let mut seen_responses = false;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(LitStr) {
                let second: LitStr = input.parse()?;
                return Err(syn::Error::new(
                    second.span(),
                    "one path per attribute: to route this handler at several paths, put \
                     `#[routes]` above one method attribute per path, as in \
                     `#[routes] #[get(\"/a\")] #[get(\"/b\")]`",
                ));
            }
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                let key = input.parse::<kw::name>()?;
                input.parse::<Token![=]>()?;
                once(&mut args.resource_name, input.parse()?, "name", key.span)?;
            } else if lookahead.peek(kw::guard) {
                input.parse::<kw::guard>()?;
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                args.guards.push(lit.parse().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`guard` takes the name of a guard function, as in `guard = \"is_admin\"`",
                    )
                })?);
            } else if lookahead.peek(kw::wrap) {
                input.parse::<kw::wrap>()?;
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                args.wraps.push(lit.parse().map_err(|_| {
                    syn::Error::new(lit.span(), "`wrap` takes a middleware expression, as in `wrap = \"Logger::default()\"`")
                })?);
            } else if lookahead.peek(kw::method) {
                let key = input.parse::<kw::method>()?;
                if !is_route {
                    return Err(syn::Error::new(
                        key.span,
                        "`method` is only for `#[route]`: this macro's name is its method",
                    ));
                }
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                let method = RouteMethod::from_literal(&lit)?;
                if args.methods.iter().any(|m| m.http() == method.http()) {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("duplicate method `{}`", lit.value()),
                    ));
                }
                args.methods.push(method);
            } else if lookahead.peek(kw::callbacks) {
                let key = input.parse::<kw::callbacks>()?;
                if seen_callbacks {
                    return Err(syn::Error::new(key.span, "duplicate `callbacks` argument"));
                }
                seen_callbacks = true;
                args.callbacks = parse_callback_list(input, key.span)?;
            } else if lookahead.peek(kw::tag) {
                input.parse::<kw::tag>()?;
                input.parse::<Token![=]>()?;
                args.tags.push(non_empty(input.parse()?, "a tag")?);
            } else if lookahead.peek(kw::tags) {
                let key = input.parse::<kw::tags>()?;
                if seen_tags {
                    return Err(syn::Error::new(key.span, "duplicate `tags` argument"));
                }
                seen_tags = true;
                let content;
                syn::parenthesized!(content in input);
                for tag in Punctuated::<LitStr, Token![,]>::parse_terminated(&content)? {
                    args.tags.push(non_empty(tag, "a tag")?);
                }
            } else if lookahead.peek(kw::operation_id) {
                let key = input.parse::<kw::operation_id>()?;
                input.parse::<Token![=]>()?;
                let id = non_empty(input.parse()?, "`operation_id`")?;
                once(&mut args.operation_id, id, "operation_id", key.span)?;
            } else if lookahead.peek(kw::summary) {
                let key = input.parse::<kw::summary>()?;
                input.parse::<Token![=]>()?;
                once(&mut args.summary, input.parse()?, "summary", key.span)?;
            } else if lookahead.peek(kw::description) {
                let key = input.parse::<kw::description>()?;
                input.parse::<Token![=]>()?;
                once(
                    &mut args.description,
                    input.parse()?,
                    "description",
                    key.span,
                )?;
            } else if lookahead.peek(kw::responses) {
                let key = input.parse::<kw::responses>()?;
                if seen_responses {
                    return Err(syn::Error::new(key.span, "duplicate `responses` argument"));
                }
                seen_responses = true;
                args.responses = parse_responses(input)?;
            } else if lookahead.peek(kw::security) {
                let key = input.parse::<kw::security>()?;
                let security = parse_security(input)?;
                once(&mut args.security, security, "security", key.span)?;
            } else if lookahead.peek(kw::request_example) {
                let key = input.parse::<kw::request_example>()?;
                input.parse::<Token![=]>()?;
                once(
                    &mut args.request_example,
                    input.parse()?,
                    "request_example",
                    key.span,
                )?;
            } else if lookahead.peek(kw::__scope) {
                let key = input.parse::<kw::__scope>()?;
                input.parse::<Token![=]>()?;
                once(&mut args.scope_module, input.parse()?, "__scope", key.span)?;
            } else if input.peek(Ident) {
                let unknown: Ident = input.parse()?;
                return Err(syn::Error::new(
                    unknown.span(),
                    format!("unknown argument `{unknown}`: expected one of {ROUTE_KEYS}"),
                ));
            } else {
                return Err(lookahead.error());
            }
        }
        if args.methods.is_empty() {
            return Err(syn::Error::new(
                args.path.span(),
                "`#[route]` needs at least one `method = \"...\"` argument",
            ));
        }
        Ok(args)
    }
}

fn parse_callback_list(input: ParseStream, key: Span) -> syn::Result<Vec<Path>> {
    let content;
    syn::parenthesized!(content in input);
    let list = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
    if list.is_empty() {
        return Err(syn::Error::new(
            key,
            "`callbacks()` lists no callback: name the `#[callback]` functions, as in `callbacks(invoice_notification)`",
        ));
    }
    let mut callbacks: Vec<Path> = Vec::new();
    for callback in list {
        let name = quote::ToTokens::to_token_stream(&callback).to_string();
        if callbacks
            .iter()
            .any(|seen| quote::ToTokens::to_token_stream(seen).to_string() == name)
        {
            return Err(syn::Error::new_spanned(
                &callback,
                format!("callback `{name}` is listed twice"),
            ));
        }
        callbacks.push(callback);
    }
    Ok(callbacks)
}

fn parse_responses(input: ParseStream) -> syn::Result<Vec<ResponseArg>> {
    let content;
    syn::parenthesized!(content in input);
    let mut responses: Vec<ResponseArg> = Vec::new();
    while !content.is_empty() {
        let entry;
        let paren = syn::parenthesized!(entry in content);
        let response = parse_response(&entry, paren.span.join())?;
        if responses.iter().any(|r| r.status == response.status) {
            return Err(syn::Error::new(
                response.status_span,
                format!("status {} is documented twice", response.status),
            ));
        }
        responses.push(response);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(responses)
}

fn parse_response(input: ParseStream, whole: Span) -> syn::Result<ResponseArg> {
    let mut status: Option<(String, Span)> = None;
    let mut description: Option<LitStr> = None;
    let mut body: Option<Type> = None;
    let mut content_type: Option<LitStr> = None;
    let mut headers: Option<Vec<HeaderArg>> = None;
    let mut example: Option<Expr> = None;
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::status) {
            let key = input.parse::<kw::status>()?;
            input.parse::<Token![=]>()?;
            let value = if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                if lit.value() != "default" {
                    return Err(syn::Error::new(
                        lit.span(),
                        "a status is a number from 100 to 599, or \"default\"",
                    ));
                }
                ("default".to_owned(), lit.span())
            } else {
                let lit: LitInt = input.parse()?;
                match lit.base10_parse::<u16>() {
                    Ok(code @ 100..=599) => (code.to_string(), lit.span()),
                    _ => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "a status is a number from 100 to 599, or \"default\"",
                        ))
                    }
                }
            };
            once(&mut status, value, "status", key.span)?;
        } else if lookahead.peek(kw::description) {
            let key = input.parse::<kw::description>()?;
            input.parse::<Token![=]>()?;
            once(&mut description, input.parse()?, "description", key.span)?;
        } else if lookahead.peek(kw::body) {
            let key = input.parse::<kw::body>()?;
            input.parse::<Token![=]>()?;
            once(&mut body, input.parse()?, "body", key.span)?;
        } else if lookahead.peek(kw::content_type) {
            let key = input.parse::<kw::content_type>()?;
            input.parse::<Token![=]>()?;
            once(&mut content_type, input.parse()?, "content_type", key.span)?;
        } else if lookahead.peek(kw::headers) {
            let key = input.parse::<kw::headers>()?;
            once(&mut headers, parse_headers(input)?, "headers", key.span)?;
        } else if lookahead.peek(kw::example) {
            let key = input.parse::<kw::example>()?;
            input.parse::<Token![=]>()?;
            once(&mut example, input.parse()?, "example", key.span)?;
        } else if input.peek(Ident) {
            let unknown: Ident = input.parse()?;
            return Err(syn::Error::new(
                unknown.span(),
                format!(
                    "unknown response argument `{unknown}`: expected `status`, `description`, \
                     `body`, `content_type`, `headers(...)` or `example`"
                ),
            ));
        } else {
            return Err(lookahead.error());
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    let (status, status_span) = status.ok_or_else(|| {
        syn::Error::new(
            whole,
            "a response needs a `status`, as in `(status = 404, description = \"Not found\")`",
        )
    })?;
    let description = description.ok_or_else(|| {
        syn::Error::new(
            whole,
            "a response needs a `description` (OpenAPI requires one)",
        )
    })?;
    if content_type.is_some() && body.is_none() {
        return Err(syn::Error::new(whole, "`content_type` needs a `body` type"));
    }
    if example.is_some() && body.is_none() {
        return Err(syn::Error::new(whole, "`example` needs a `body` type"));
    }
    Ok(ResponseArg {
        status,
        status_span,
        description,
        body,
        content_type,
        headers: headers.unwrap_or_default(),
        example,
    })
}

/// The arguments of `#[callback(method, "url template")]`.
pub struct CallbackArgs {
    pub method: MethodArg,
    pub url: LitStr,
    /// The literal's text, which the checked template borrows.
    pub url_text: String,
    /// Replies the return type does not show, as on routes.
    pub responses: Vec<ResponseArg>,
}

/// The optional `, responses(...)` after a stub's required arguments; `what`
/// names the macro and those arguments for the error.
fn parse_stub_responses(input: ParseStream, what: &str) -> syn::Result<Vec<ResponseArg>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    input.parse::<Token![,]>()?;
    if input.is_empty() {
        return Ok(Vec::new());
    }
    if !input.peek(kw::responses) {
        return Err(input.error(format!(
            "unexpected argument: {what}, then optionally `responses(...)`"
        )));
    }
    input.parse::<kw::responses>()?;
    let responses = parse_responses(input)?;
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        if !input.is_empty() {
            return Err(input.error(format!(
                "unexpected argument: {what}, then optionally `responses(...)`"
            )));
        }
    }
    Ok(responses)
}

impl Parse for CallbackArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing method and URL: write `#[callback(post, \"{$request.query.callback_url}/...\")]`",
            ));
        }
        let method: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the callback's HTTP method first, as in `post`",
            )
        })?;
        let method = MethodArg::from_name(&method.to_string(), method.span())?;
        if input.is_empty() {
            return Err(syn::Error::new(
                method.span,
                "missing URL: write `#[callback(post, \"{$request.query.callback_url}/...\")]`",
            ));
        }
        input.parse::<Token![,]>()?;
        let url: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the callback URL as a string literal of runtime expressions",
            )
        })?;
        let responses = parse_stub_responses(input, "`#[callback]` takes a method and a URL")?;
        let url_text = url.value();
        Ok(CallbackArgs {
            method,
            url,
            url_text,
            responses,
        })
    }
}

/// The arguments of `#[webhook("name")]` or `#[webhook(method, "name")]`.
pub struct WebhookArgs {
    pub method: MethodArg,
    pub name: LitStr,
    /// Replies the return type does not show, as on routes.
    pub responses: Vec<ResponseArg>,
}

impl Parse for WebhookArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing name: write `#[webhook(\"new-subscription\")]` or `#[webhook(put, \"new-subscription\")]`",
            ));
        }
        let method = if input.peek(Ident) {
            let method: Ident = input.parse()?;
            let method = MethodArg::from_name(&method.to_string(), method.span())?;
            input.parse::<Token![,]>()?;
            method
        } else {
            MethodArg::from_name("post", Span::call_site())?
        };
        let name: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the webhook's name as a string literal, as in `\"new-subscription\"`",
            )
        })?;
        let name = non_empty(name, "a webhook's name")?;
        let responses =
            parse_stub_responses(input, "`#[webhook]` takes an optional method and a name")?;
        Ok(WebhookArgs {
            method,
            name,
            responses,
        })
    }
}

/// The route macro an attribute names, if any: `get`, ..., `connect`, `route`,
/// written bare (`#[get(...)]`) or through hookspec (`#[hookspec::get(...)]`).
/// `#[routes]` and `#[scope]` act on these.
pub fn route_attribute(attr: &syn::Attribute) -> Option<&'static str> {
    const ROUTE_MACROS: [&str; 10] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace", "connect", "route",
    ];
    let path = attr.path();
    let through_hookspec = path.segments.len() == 2 && path.segments[0].ident == "hookspec";
    if path.segments.len() != 1 && !through_hookspec {
        return None;
    }
    let last = &path.segments.last()?.ident;
    ROUTE_MACROS.into_iter().find(|name| last == name)
}

/// The prefix of `#[scope("/prefix")]`, as actix-web checks it.
pub fn scope_prefix(args: proc_macro2::TokenStream) -> syn::Result<LitStr> {
    if args.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "missing arguments for scope macro, expected: #[scope(\"/prefix\")]",
        ));
    }
    let prefix: LitStr = syn::parse2(args).map_err(|error| {
        syn::Error::new(
            error.span(),
            "argument to scope macro is not a string literal, expected: #[scope(\"/prefix\")]",
        )
    })?;
    if prefix.value().ends_with('/') {
        return Err(syn::Error::new(
            prefix.span(),
            "scopes should not have trailing slashes; see \
             https://docs.rs/actix-web/4/actix_web/struct.Scope.html#avoid-trailing-slashes",
        ));
    }
    Ok(prefix)
}

/// `#[get("/path", ...)]` → `#[get("<prefix>/path", ..., __scope = "<module>")]`,
/// the new literal spanned on the old (errors about the path still point at
/// it). Attributes without a leading string literal are left for their macro
/// to report.
pub fn prefix_route_path(attr: &mut syn::Attribute, prefix: &str, module: &Ident) {
    use proc_macro2::TokenTree;
    let syn::Meta::List(list) = &mut attr.meta else {
        return;
    };
    let mut tokens = list.tokens.clone().into_iter();
    let Some(TokenTree::Literal(first)) = tokens.next() else {
        return;
    };
    let Ok(path) = syn::parse2::<LitStr>(TokenTree::Literal(first).into()) else {
        return;
    };
    let prefixed = LitStr::new(&format!("{prefix}{}", path.value()), path.span());
    let mut rewritten: proc_macro2::TokenStream = TokenTree::Literal(prefixed.token()).into();
    let rest: proc_macro2::TokenStream = tokens.collect();
    let trailing_comma = matches!(
        rest.clone().into_iter().last(),
        Some(TokenTree::Punct(punct)) if punct.as_char() == ','
    );
    rewritten.extend(rest);
    if !trailing_comma {
        rewritten.extend(quote::quote!(,));
    }
    let module = LitStr::new(&module.to_string(), Span::call_site());
    rewritten.extend(quote::quote!(__scope = #module));
    list.tokens = rewritten;
}
