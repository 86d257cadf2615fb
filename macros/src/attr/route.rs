//! The route macros' arguments: path, methods, callbacks, links, tags,
//! responses, security.

use super::common::{example_and_examples, kw, non_empty, once, parse_named_examples};
use super::method::RouteMethod;
use super::response::{parse_responses, ResponseArg};
use super::security::parse_security;
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

/// The arguments of `#[get(...)]`, `#[post(...)]`, ... and `#[route(...)]`.
pub struct RouteArgs {
    pub path: LitStr,
    /// Given by the macro's name, or by `method = "..."` in `#[route]`.
    pub methods: Vec<RouteMethod>,
    pub resource_name: Option<LitStr>,
    pub guards: Vec<Path>,
    pub wraps: Vec<Expr>,
    pub callbacks: Vec<Path>,
    /// `links(target(name = "$expression", ...), ...)`.
    pub links: Vec<LinkArg>,
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
    /// `request_examples(paid = <expr>, ...)`: named example request bodies.
    pub request_examples: Option<Vec<(LitStr, Expr)>>,
}

const ROUTE_KEYS: &str = "`name`, `guard`, `wrap`, `callbacks(...)`, `links(...)`, `tag`, \
                          `tags(...)`, `operation_id`, `summary`, `description`, \
                          `responses(...)`, `security(...)`, `request_example`, \
                          `request_examples(...)`";

/// One link of `links(...)`: the handler it leads to, and the target's
/// parameters, each filled from a runtime expression of this operation.
pub struct LinkArg {
    pub target: Path,
    /// `(name, expression)`: the name as written (`id`, or `"path.id"`), the
    /// expression checked by hookspec-expr's grammar.
    pub parameters: Vec<(LitStr, LitStr)>,
}

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
            links: Vec::new(),
            tags: Vec::new(),
            operation_id: None,
            summary: None,
            description: None,
            responses: Vec::new(),
            scope_module: None,
            security: None,
            request_example: None,
            request_examples: None,
        };
        let is_route = args.methods.is_empty();
        let mut seen_callbacks = false;
        let mut seen_links = false;
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
            } else if lookahead.peek(kw::links) {
                let key = input.parse::<kw::links>()?;
                if seen_links {
                    return Err(syn::Error::new(key.span, "duplicate `links` argument"));
                }
                seen_links = true;
                args.links = parse_links(input, key.span)?;
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
            } else if lookahead.peek(kw::request_examples) {
                let key = input.parse::<kw::request_examples>()?;
                if args.request_example.is_some() {
                    return Err(example_and_examples(key.span, "request_"));
                }
                let examples = parse_named_examples(input, "request_examples", key.span)?;
                once(
                    &mut args.request_examples,
                    examples,
                    "request_examples",
                    key.span,
                )?;
            } else if lookahead.peek(kw::request_example) {
                let key = input.parse::<kw::request_example>()?;
                if args.request_examples.is_some() {
                    return Err(example_and_examples(key.span, "request_"));
                }
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

/// `links(get_invoice(id = "$response.body#/id"), ...)`: each target a
/// handler, each parameter a name (an identifier, or a string such as
/// `"path.id"`) and a runtime expression.
fn parse_links(input: ParseStream, key: Span) -> syn::Result<Vec<LinkArg>> {
    let content;
    syn::parenthesized!(content in input);
    let mut links: Vec<LinkArg> = Vec::new();
    while !content.is_empty() {
        let target: Path = content.parse()?;
        let name = quote::ToTokens::to_token_stream(&target).to_string();
        if links
            .iter()
            .any(|seen| quote::ToTokens::to_token_stream(&seen.target).to_string() == name)
        {
            return Err(syn::Error::new_spanned(
                &target,
                format!("`{name}` is linked twice"),
            ));
        }
        if !content.peek(syn::token::Paren) {
            return Err(syn::Error::new_spanned(
                &target,
                format!(
                    "write the parameters of `{name}` the link fills, as in \
                     `{name}(id = \"$response.body#/id\")` (or `{name}()` for none)"
                ),
            ));
        }
        let arguments;
        syn::parenthesized!(arguments in content);
        let mut parameters: Vec<(LitStr, LitStr)> = Vec::new();
        while !arguments.is_empty() {
            let parameter = if arguments.peek(LitStr) {
                arguments.parse::<LitStr>()?
            } else {
                let ident: Ident = arguments.parse()?;
                LitStr::new(&ident.to_string(), ident.span())
            };
            arguments.parse::<Token![=]>()?;
            let expression: LitStr = arguments.parse()?;
            check_link_expression(&expression)?;
            if parameters
                .iter()
                .any(|(seen, _)| seen.value() == parameter.value())
            {
                return Err(syn::Error::new(
                    parameter.span(),
                    format!("parameter `{}` is given twice", parameter.value()),
                ));
            }
            parameters.push((parameter, expression));
            if !arguments.is_empty() {
                arguments.parse::<Token![,]>()?;
            }
        }
        links.push(LinkArg { target, parameters });
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if links.is_empty() {
        return Err(syn::Error::new(
            key,
            "`links()` names no handler: write the target and its parameters, as in \
             `links(get_invoice(id = \"$response.body#/id\"))`",
        ));
    }
    Ok(links)
}

/// A link parameter's value: one runtime expression (`$response.body#/id`),
/// by OpenAPI's grammar.
fn check_link_expression(expression: &LitStr) -> syn::Result<()> {
    let text = expression.value();
    hookspec_expr::parse_expression(&text)
        .map(|_| ())
        .map_err(|error| {
            syn::Error::new(
                expression.span(),
                format!(
                    "{} (a link parameter is one runtime expression, such as \
                     `$response.body#/id` or `$request.path.id`)",
                    error.message()
                ),
            )
        })
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
