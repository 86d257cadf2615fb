//! Checks that relate an attribute to its function: handler shape, and path template
//! against the `Path<...>` argument. Independent problems are all reported at once.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, Type};

use crate::ast::Function;
use crate::attr::{CallbackArgs, RouteArgs};
use crate::path::{parse_path, PathTemplate};
use hookspec_expr::{parse_template, Expression, Segment, Source, UrlTemplate};

/// Errors collected across checks, reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// Everything collected so far, plus `last`: for a check that cannot go on.
    pub fn fail_with(self, last: syn::Error) -> syn::Error {
        match self.0 {
            Some(mut all) => {
                all.combine(last);
                all
            }
            None => last,
        }
    }
}

/// What the route checks established, for the expansion.
pub struct CheckedRoute {
    pub template: PathTemplate,
}

/// Shapes shared by route handlers and callback stubs.
pub fn check_signature(func: &Function, errors: &mut Errors) {
    let sig = &func.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new(
            sig.generics.span(),
            "hookspec handlers cannot be generic: each one is a single documented operation",
        ));
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "hookspec handlers are free functions: remove `self`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "hookspec handlers cannot be variadic",
        ));
    }
}

/// A callback stub's one argument is the body it sends.
pub fn check_callback_arguments(func: &Function, errors: &mut Errors) {
    if let Some(extra) = func.sig.inputs.iter().nth(1) {
        errors.push(syn::Error::new_spanned(
            extra,
            "a callback stub takes at most one argument: the body it sends, as `body: Json<T>`",
        ));
    }
}

/// What a route handler's signature must be, whatever its attribute says. An
/// `async fn`, or a plain `fn` returning a future, as actix-web takes.
pub fn check_route_signature(func: &Function, errors: &mut Errors) {
    check_signature(func, errors);
    if func.return_type().is_none() {
        let sig = &func.sig;
        let (what, example) = match sig.asyncness {
            Some(_) => ("a response", "-> impl Responder"),
            None => (
                "a future of a response",
                "-> impl Future<Output = HttpResponse>` or make it `async fn",
            ),
        };
        errors.push(syn::Error::new(
            sig.ident
                .span()
                .join(sig.paren_token.span.close())
                .unwrap_or(sig.ident.span()),
            format!(
                "`{}` has no return type: a route handler returns {what}, as in `{example}`",
                sig.ident
            ),
        ));
    }
}

/// One route's attribute against the function (the signature is checked once,
/// by `check_route_signature`, for all of a handler's routes).
pub fn check_route(args: &RouteArgs, func: &Function) -> syn::Result<CheckedRoute> {
    let mut errors = Errors::default();
    let template = match parse_path(&args.path.value()) {
        Ok(template) => template,
        Err(message) => {
            let error = syn::Error::new(args.path.span(), format!("invalid route path: {message}"));
            return Err(errors.fail_with(error));
        }
    };
    check_path_argument(args, func, &template, &mut errors);
    errors.finish()?;
    Ok(CheckedRoute { template })
}

/// The `T` of an argument typed `Path<T>` (`web::Path<T>`, `actix_web::web::Path<T>`).
fn path_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Path" {
        return None;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    match generics.args.first()? {
        GenericArgument::Type(inner) if generics.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Types that deserialize from one path segment.
const SCALARS: [&str; 17] = [
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "bool", "char", "String",
];

/// The `Path` argument against the template: one at most, and a tuple or scalar
/// extracting as many parameters as the template has. A struct's fields are
/// matched by what serde deserialises (renames included), so by its schema,
/// when the document is built.
fn check_path_argument(
    args: &RouteArgs,
    func: &Function,
    template: &PathTemplate,
    errors: &mut Errors,
) {
    let path_args: Vec<(&Type, &Type)> = func
        .arguments()
        .into_iter()
        .filter_map(|arg| path_inner(arg.ty).map(|inner| (arg.ty, inner)))
        .collect();
    if let Some((second, _)) = path_args.get(1) {
        errors.push(syn::Error::new_spanned(
            second,
            "only one `Path` argument per handler: extract all path parameters with one `Path<...>`",
        ));
    }
    let names = &template.names;
    // Parameters read through `HttpRequest::match_info()` are valid actix-web:
    // without a `Path` argument they are documented as strings.
    let Some(&(outer, inner)) = path_args.first() else {
        return;
    };
    if names.is_empty() {
        errors.push(syn::Error::new_spanned(
            outer,
            format!(
                "`Path` argument, but the path \"{}\" has no `{{...}}` parameters",
                args.path.value()
            ),
        ));
        return;
    }
    let count = match inner {
        Type::Tuple(tuple) => Some(tuple.elems.len()),
        Type::Path(path)
            if path.qself.is_none()
                && path.path.segments.len() == 1
                && SCALARS.iter().any(|s| path.path.segments[0].ident == s) =>
        {
            Some(1)
        }
        Type::Path(_) => None,
        _ => Some(names.len()),
    };
    if let Some(count) = count.filter(|count| *count != names.len()) {
        errors.push(syn::Error::new_spanned(
            inner,
            format!(
                "`{}` extracts {count} path parameter{}, but the path \"{}\" has {}: {}",
                inner.to_token_stream(),
                if count == 1 { "" } else { "s" },
                args.path.value(),
                names.len(),
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ));
    }
}

/// Parses and checks a callback's URL template (once per expansion: the
/// expansion quotes this parse).
pub fn check_callback_url<'a>(
    args: &'a CallbackArgs,
    errors: &mut Errors,
) -> Option<UrlTemplate<'a>> {
    let url = &args.url;
    let text = args.url_text.as_str();
    let template = match parse_template(text) {
        Ok(template) => template,
        Err(error) => {
            errors.push(syn::Error::new(
                url.span(),
                format!(
                    "invalid callback URL (at character {}): {}",
                    error.column_in(text),
                    error.message()
                ),
            ));
            return None;
        }
    };
    // A value substituted into the scheme or host would choose where the
    // callback goes: only a whole base URL at the start may (checked against
    // the address policy when sent); elsewhere, expressions come after the
    // host's first `/`.
    if let Some(Segment::Literal(prefix)) = template.segments().first() {
        let has_expression = template.segments().len() > 1;
        let path_starts = prefix
            .find("://")
            .and_then(|scheme_end| prefix[scheme_end + 3..].find('/'));
        if has_expression && path_starts.is_none() {
            errors.push(syn::Error::new(
                url.span(),
                "invalid callback URL: an expression in the scheme or host would let a \
                 request choose where the callback goes; start the URL with the whole base \
                 URL as one expression (`{$request.query.callback_url}/...`), or put \
                 expressions after the host (`https://hooks.example.com/{...}`)",
            ));
            return None;
        }
    }
    // Grammatical, but never resolvable: a response has no query or path.
    for expression in template.expressions() {
        if let Expression::Response(source @ (Source::Query(_) | Source::Path(_))) = expression {
            errors.push(syn::Error::new(
                url.span(),
                format!(
                    "invalid callback URL: `{expression}` cannot be evaluated, since \
                     responses have no query or path parameters; write `$request.{source}`"
                ),
            ));
            return None;
        }
    }
    Some(template)
}
