//! Checks that every runtime expression of a callback can be evaluated for each
//! operation that lists it: the query parameter, header, path parameter or body
//! member it reads must exist. Runs on the assembled document, so it sees what
//! serde's renames, `flatten` and `Option` make of the types, as clients will.
//!
//! Path parameters are also checked when the code compiles (`#[callback]` emits its
//! path references, the route macro checks them against its template in a `const`);
//! this module covers callbacks attached by hand and everything that needs schemas.

use std::borrow::Cow;
use std::collections::BTreeSet;

use hookspec_expr::{Expression, JsonPointer, Source};
use serde_json::{Map, Value};

use crate::context::{UsedCallback, UsedLink};
use crate::openapi::{Operation, Parameter, ParameterIn, RefOr};
use crate::written_schemas::Definitions;

/// Where the operation is, for messages: `create_invoice` (POST /invoices/).
pub(crate) struct OperationPlace<'a> {
    pub handler: &'a str,
    pub method: &'a str,
    pub path: &'a str,
}

/// Every problem with the callbacks of one operation.
pub(crate) fn check_callbacks(
    place: &OperationPlace<'_>,
    operation: &Operation,
    callbacks: &[UsedCallback],
    schemas: &Definitions<'_>,
    problems: &mut Vec<String>,
) {
    for callback in callbacks {
        for expression in callback.url.expressions() {
            if let Err(why) = check_expression(expression, operation, schemas) {
                problems.push(format!(
                    "operation `{}` ({} {}): callback `{}` reads `{expression}`, but {why}",
                    place.handler, place.method, place.path, callback.name
                ));
            }
        }
    }
}

/// Every problem with the links of one operation: each parameter's
/// expression must be one this operation can evaluate.
pub(crate) fn check_links(
    place: &OperationPlace<'_>,
    operation: &Operation,
    links: &[UsedLink],
    schemas: &Definitions<'_>,
    problems: &mut Vec<String>,
) {
    for link in links {
        for (parameter, text) in link.parameters {
            // The macro parsed it; a link added by hand may not be one.
            let why = match hookspec_expr::parse_expression(text) {
                Ok(expression) => check_expression(&expression, operation, schemas).err(),
                Err(error) => Some(format!(
                    "it is not a runtime expression: {}",
                    error.message()
                )),
            };
            if let Some(why) = why {
                problems.push(format!(
                    "operation `{}` ({} {}): link `{}` fills `{parameter}` with `{text}`, but {why}",
                    place.handler, place.method, place.path, link.name
                ));
            }
        }
    }
}

fn check_expression(
    expression: &Expression<'_>,
    operation: &Operation,
    schemas: &Definitions<'_>,
) -> Result<(), String> {
    match expression {
        Expression::Url | Expression::Method | Expression::StatusCode => Ok(()),
        Expression::Request(source) => check_request(source, operation, schemas),
        Expression::Response(source) => check_response(source, operation, schemas),
    }
}

fn check_request(
    source: &Source<'_>,
    operation: &Operation,
    schemas: &Definitions<'_>,
) -> Result<(), String> {
    match source {
        Source::Query(name) => parameter(operation, ParameterIn::Query, name, "query parameter"),
        Source::Path(name) => parameter(operation, ParameterIn::Path, name, "path parameter"),
        Source::Header(name) => parameter(operation, ParameterIn::Header, name, "header"),
        Source::Body(pointer) => {
            let Some(body) = operation.request_body_in_place() else {
                return Err("the operation has no request body".to_owned());
            };
            let schemas_of_body: Vec<&Value> = body
                .content
                .values()
                .filter_map(|media| media.schema.as_ref().map(schemars::Schema::as_value))
                .collect();
            check_pointer(pointer, &schemas_of_body, schemas)
                .map_err(|why| format!("the request body {why}"))
        }
    }
}

fn check_response(
    source: &Source<'_>,
    operation: &Operation,
    schemas: &Definitions<'_>,
) -> Result<(), String> {
    match source {
        Source::Header(name) => {
            let known = operation
                .responses
                .values()
                // A reference is a problem response, which has no headers.
                .filter_map(RefOr::as_item)
                .flat_map(|response| response.headers.keys());
            if known
                .clone()
                .any(|header| header.eq_ignore_ascii_case(name))
            {
                return Ok(());
            }
            let known: Vec<&str> = known.map(String::as_str).collect();
            Err(format!(
                "no documented response has a header `{name}`{}",
                suggestion(name, known)
            ))
        }
        Source::Body(pointer) => {
            // A callback follows a successful response; error bodies do not count.
            let bodies: Vec<&Value> = operation
                .responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, response)| response.as_item())
                .flat_map(|response| response.content.values())
                .filter_map(|media| media.schema.as_ref().map(schemars::Schema::as_value))
                .collect();
            if bodies.is_empty() {
                return Err("no documented success response has a body".to_owned());
            }
            check_pointer(pointer, &bodies, schemas)
                .map_err(|why| format!("the success response body {why}"))
        }
        Source::Query(_) | Source::Path(_) => {
            Err("responses have no query or path parameters: read them from `$request`".to_owned())
        }
    }
}

fn parameter(
    operation: &Operation,
    location: ParameterIn,
    name: &str,
    what: &str,
) -> Result<(), String> {
    let candidates: Vec<&Parameter> = operation
        .parameters_in_place()
        .filter(|parameter| parameter.location == location)
        .collect();
    // Header names compare case-insensitively (RFC 9110); the others exactly.
    let found = candidates.iter().any(|parameter| match location {
        ParameterIn::Header => parameter.name.eq_ignore_ascii_case(name),
        _ => parameter.name == name,
    });
    if found {
        return Ok(());
    }
    let known: Vec<&str> = candidates
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    Err(format!(
        "the operation has no {what} `{name}`{}",
        suggestion(name, known)
    ))
}

/// `; did you mean `x`?` for the closest of `known`, or a list of them.
fn suggestion<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: BTreeSet<&str> = known.into_iter().collect();
    let closest = known
        .iter()
        .map(|name| (strsim::levenshtein(wanted, name), *name))
        .min()
        .filter(|(distance, name)| {
            *distance <= (name.chars().count().max(wanted.len()) / 3).max(2)
        });
    match closest {
        Some((_, name)) => format!("; did you mean `{name}`?"),
        None if known.is_empty() => String::new(),
        None => format!(
            " (it has {})",
            known
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Why a pointer does not resolve: the first token that matched nothing, and the
/// member names that were there.
struct Miss {
    depth: usize,
    available: BTreeSet<String>,
    not_an_array: bool,
}

fn check_pointer(
    pointer: &JsonPointer<'_>,
    roots: &[&Value],
    schemas: &Definitions<'_>,
) -> Result<(), String> {
    // Borrowed from the pointer unless a token has escapes (`~0`, `~1`); on
    // the stack up to `SHORT` tokens (an allocation per pointer showed in a
    // large API's assembly profile).
    const SHORT: usize = 8;
    let mut short: [Cow<'_, str>; SHORT] = Default::default();
    let mut long: Vec<Cow<'_, str>> = Vec::new();
    let mut count = 0;
    for token in pointer.tokens() {
        if count < SHORT {
            short[count] = token;
        } else {
            if long.is_empty() {
                long.extend(short.iter().cloned());
            }
            long.push(token);
        }
        count += 1;
    }
    let tokens: &[Cow<'_, str>] = if count <= SHORT {
        &short[..count]
    } else {
        &long
    };
    let mut best: Option<Miss> = None;
    for root in roots {
        match resolve(root, tokens, 0, schemas, 0) {
            Ok(()) => return Ok(()),
            Err(miss) => best = Some(merge(best, miss)),
        }
    }
    let Some(miss) = best else {
        return Err("has no schema".to_owned());
    };
    let token = &tokens[miss.depth.min(tokens.len().saturating_sub(1))];
    let at = pointer_prefix(&tokens[..miss.depth]);
    if miss.not_an_array && miss.available.is_empty() && token.parse::<usize>().is_ok() {
        return Err(format!("has no array at `{at}` to index with `{token}`"));
    }
    Err(format!(
        "has no member `{token}` at `{at}`{}",
        suggestion(token, miss.available.iter().map(String::as_str))
    ))
}

fn pointer_prefix(tokens: &[Cow<'_, str>]) -> String {
    if tokens.is_empty() {
        return "/".to_owned();
    }
    tokens
        .iter()
        .map(|token| format!("/{}", token.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Keeps the miss that got furthest; at the same depth, pools the names seen.
fn merge(best: Option<Miss>, miss: Miss) -> Miss {
    match best {
        None => miss,
        Some(best) if miss.depth > best.depth => miss,
        Some(best) if miss.depth < best.depth => best,
        Some(mut best) => {
            best.available.extend(miss.available);
            best.not_an_array &= miss.not_an_array;
            best
        }
    }
}

/// Whether `tokens[depth..]` resolves inside `schema`.
fn resolve(
    schema: &Value,
    tokens: &[Cow<'_, str>],
    depth: usize,
    schemas: &Definitions<'_>,
    hops: usize,
) -> Result<(), Miss> {
    let miss = |available: BTreeSet<String>, not_an_array: bool| Miss {
        depth,
        available,
        not_an_array,
    };
    // Recursive types are fine; a cycle of references with no progress is not.
    if hops > 64 {
        return Err(miss(BTreeSet::new(), false));
    }
    let Some(object) = schema.as_object() else {
        // `true` accepts anything; `false` nothing.
        return if schema == &Value::Bool(false) {
            Err(miss(BTreeSet::new(), false))
        } else {
            Ok(())
        };
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| schemas.get(name));
        if let Some(target) = target {
            resolve(target, tokens, depth, schemas, hops + 1)?;
            return Ok(());
        }
    }
    let Some(token) = tokens.get(depth) else {
        return Ok(());
    };

    let properties = object.get("properties").and_then(Value::as_object);
    // Most pointers name a property, which resolves: that is tried first, and
    // the combinators are looked up only when it does not (the answer is the
    // same: any branch that resolves makes the pointer resolve).
    let property = properties.and_then(|properties| properties.get(token.as_ref()));
    let property_miss = match property.map(|p| resolve(p, tokens, depth + 1, schemas, hops)) {
        Some(Ok(())) => return Ok(()),
        Some(Err(miss)) => Some(miss),
        None => None,
    };

    let mut best: Option<Miss> = None;
    let mut constrained = false;
    for keyword in ["allOf", "anyOf", "oneOf"] {
        for branch in object
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            constrained = true;
            match resolve(branch, tokens, depth, schemas, hops + 1) {
                Ok(()) => return Ok(()),
                Err(branch_miss) => best = Some(merge(best, branch_miss)),
            }
        }
    }
    let mut available = BTreeSet::new();
    if let Some(properties) = properties {
        constrained = true;
        if let Some(miss) = property_miss {
            return Err(miss);
        }
        available.extend(properties.keys().cloned());
    }
    for keyword in ["additionalProperties", "unevaluatedProperties"] {
        match object.get(keyword) {
            Some(Value::Bool(false)) => constrained = true,
            Some(extra @ Value::Object(_)) => {
                return resolve(extra, tokens, depth + 1, schemas, hops);
            }
            _ => {}
        }
    }
    let is_array = object.contains_key("items")
        || object.contains_key("prefixItems")
        || type_includes(object, "array");
    if is_array {
        constrained = true;
        if let Ok(index) = token.parse::<usize>() {
            let element = object
                .get("prefixItems")
                .and_then(Value::as_array)
                .and_then(|items| items.get(index))
                .or_else(|| object.get("items"));
            return match element {
                Some(element) => resolve(element, tokens, depth + 1, schemas, hops),
                None => Ok(()),
            };
        }
    }
    // An object schema that names no properties accepts any member.
    let open_object = type_includes(object, "object") && !object.contains_key("properties");
    if !constrained && (open_object || !object.contains_key("type")) {
        return Ok(());
    }
    let here = miss(available, is_array || !type_includes(object, "object"));
    Err(merge(best, here))
}

fn type_includes(object: &Map<String, Value>, kind: &str) -> bool {
    match object.get("type") {
        Some(Value::String(single)) => single == kind,
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == kind),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointer_check(pointer: &str, root: Value, schemas: Value) -> Result<(), String> {
        let schemas = schemas.as_object().cloned().unwrap_or_default();
        check_pointer(
            &JsonPointer::from_escaped(pointer),
            &[&root],
            &Definitions::of(&schemas),
        )
    }

    #[test]
    fn follows_refs_all_of_and_nullable_alternatives() {
        let schemas = json!({
            "Invoice": {"type": "object", "properties": {"id": {"type": "string"},
                        "customer": {"anyOf": [{"$ref": "#/components/schemas/Customer"}, {"type": "null"}]}}},
            "Customer": {"allOf": [{"$ref": "#/components/schemas/Named"}],
                         "properties": {"email": {"type": "string"}}},
            "Named": {"type": "object", "properties": {"name": {"type": "string"}}}
        });
        let root = json!({"$ref": "#/components/schemas/Invoice"});
        assert_eq!(pointer_check("/id", root.clone(), schemas.clone()), Ok(()));
        assert_eq!(
            pointer_check("/customer/email", root.clone(), schemas.clone()),
            Ok(())
        );
        assert_eq!(
            pointer_check("/customer/name", root.clone(), schemas.clone()),
            Ok(())
        );
        assert_eq!(
            pointer_check("/customer/nmae", root.clone(), schemas.clone()),
            Err("has no member `nmae` at `/customer`; did you mean `name`?".to_owned())
        );
        assert_eq!(
            pointer_check("/idd", root, schemas),
            Err("has no member `idd` at `/`; did you mean `id`?".to_owned())
        );
    }

    #[test]
    fn arrays_take_indices_and_maps_take_any_key() {
        let root = json!({"type": "object", "properties": {
            "lines": {"type": "array", "items": {"type": "object", "properties": {"price": {"type": "number"}}}},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "object", "properties": {"x": {}}}]},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "anything": {}
        }});
        for ok in [
            "/lines/3/price",
            "/pair/1/x",
            "/labels/colour",
            "/anything/deep/down",
            "",
        ] {
            assert_eq!(pointer_check(ok, root.clone(), json!({})), Ok(()), "{ok}");
        }
        assert_eq!(
            pointer_check("/lines/first", root.clone(), json!({})),
            Err("has no member `first` at `/lines`".to_owned())
        );
        assert_eq!(
            pointer_check("/lines/0/prize", root, json!({})),
            Err("has no member `prize` at `/lines/0`; did you mean `price`?".to_owned())
        );
    }

    #[test]
    fn escaped_tokens_match_their_unescaped_names() {
        let root = json!({"type": "object", "properties": {"a/b": {"type": "object", "properties": {"c~d": {}}}}});
        assert_eq!(pointer_check("/a~1b/c~0d", root.clone(), json!({})), Ok(()));
        assert_eq!(
            pointer_check("/a~1b/c~1d", root, json!({})),
            Err("has no member `c/d` at `/a~1b`; did you mean `c~d`?".to_owned())
        );
    }

    #[test]
    fn pointers_deeper_than_the_stack_tokens_resolve_and_miss_alike() {
        // Ten levels `a` → `b` → ... → `j`, past the eight tokens kept on the
        // stack.
        let mut schema = json!({"type": "object", "properties": {"leaf": {"type": "string"}}});
        for name in ["j", "i", "h", "g", "f", "e", "d", "c", "b", "a"] {
            schema = json!({"type": "object", "properties": {name: schema}});
        }
        assert_eq!(
            pointer_check("/a/b/c/d/e/f/g/h/i/j/leaf", schema.clone(), json!({})),
            Ok(())
        );
        assert_eq!(
            pointer_check("/a/b/c/d/e/f/g/h/i/j/lef", schema.clone(), json!({})),
            Err("has no member `lef` at `/a/b/c/d/e/f/g/h/i/j`; did you mean `leaf`?".to_owned())
        );
        assert_eq!(
            pointer_check("/a/b/c/d/e/f/g/zzzz", schema, json!({})),
            Err("has no member `zzzz` at `/a/b/c/d/e/f/g` (it has `h`)".to_owned())
        );
    }

    #[test]
    fn scalars_have_no_members() {
        let root = json!({"type": "object", "properties": {"id": {"type": "string"}}});
        assert_eq!(
            pointer_check("/id/0", root, json!({})),
            Err("has no array at `/id` to index with `0`".to_owned())
        );
    }

    #[test]
    fn far_names_are_listed_instead_of_suggested() {
        assert_eq!(
            suggestion("zzz", ["id", "total"]),
            " (it has `id`, `total`)"
        );
        assert_eq!(
            suggestion("totl", ["id", "total"]),
            "; did you mean `total`?"
        );
        assert_eq!(suggestion("x", []), "");
    }
}
