//! actix-web path templates (`/invoices/{id}`, `/files/{name:.*}`, `/static/{tail}*`):
//! their parameter names and their OpenAPI form.

/// A parsed route path.
#[derive(Debug, PartialEq)]
pub struct PathTemplate {
    /// The `{...}` parameter names, in order.
    pub names: Vec<String>,
    /// The same path as OpenAPI writes it: regexes and tail markers removed.
    pub openapi: String,
}

/// Parses an actix-web path template; the error says what is wrong and where.
pub fn parse_path(path: &str) -> Result<PathTemplate, String> {
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("a route path starts with `/`: write \"/{path}\""));
    }
    let mut names: Vec<String> = Vec::new();
    let mut openapi = String::with_capacity(path.len());
    let mut chars = path.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                let mut regex: Option<String> = None;
                let mut closed = false;
                let mut in_regex = false;
                let mut depth = 0usize;
                for (_, c) in chars.by_ref() {
                    match c {
                        '}' if depth == 0 => {
                            closed = true;
                            break;
                        }
                        '}' => {
                            depth -= 1;
                            regex.get_or_insert_with(String::new).push(c);
                        }
                        '{' if in_regex => {
                            depth += 1;
                            regex.get_or_insert_with(String::new).push(c);
                        }
                        ':' if !in_regex => {
                            in_regex = true;
                            regex = Some(String::new());
                        }
                        c if !in_regex => name.push(c),
                        c => regex.get_or_insert_with(String::new).push(c),
                    }
                }
                if !closed {
                    return Err(format!("unclosed `{{` at character {}", at + 1));
                }
                if name.is_empty() {
                    return Err(format!("empty parameter name at character {}", at + 1));
                }
                if let Some(bad) = name
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                {
                    return Err(format!(
                        "path parameter `{name}` has `{bad}`: names are letters, digits and `_`"
                    ));
                }
                if names.contains(&name) {
                    return Err(format!("path parameter `{name}` appears twice"));
                }
                if let Some(regex) = &regex {
                    check_regex(&name, regex)?;
                }
                if chars.peek().is_some_and(|(_, c)| *c == '*') {
                    if regex.is_some() {
                        return Err(format!(
                            "`{{{name}:...}}*`: a tail match takes no regex (actix-router \
                             matches the rest of the path)"
                        ));
                    }
                    chars.next();
                }
                openapi.push('{');
                openapi.push_str(&name);
                openapi.push('}');
                names.push(name);
            }
            '}' => return Err(format!("unmatched `}}` at character {}", at + 1)),
            c => openapi.push(c),
        }
    }
    if names.len() > MAX_PARAMETERS {
        return Err(format!(
            "{} path parameters: actix-router takes at most {MAX_PARAMETERS}",
            names.len()
        ));
    }
    Ok(PathTemplate { names, openapi })
}

/// actix-router's limit on dynamic segments (it panics above it).
const MAX_PARAMETERS: usize = 16;

/// A `{name:regex}` segment's regex parses (as actix-router will parse it when
/// the app starts, panicking if it does not).
fn check_regex(name: &str, regex: &str) -> Result<(), String> {
    regex_syntax::ast::parse::Parser::new()
        .parse(regex)
        .map(drop)
        .map_err(|error| {
            format!(
                "the regex `{regex}` of path parameter `{name}` does not parse: {}",
                error.kind()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_openapi_form() {
        let parsed = parse_path("/users/{user_id}/files/{name:[a-z]{2,4}}/{tail}*").unwrap();
        assert_eq!(parsed.names, ["user_id", "name", "tail"]);
        assert_eq!(parsed.openapi, "/users/{user_id}/files/{name}/{tail}");
        assert_eq!(parse_path("").unwrap().openapi, "");
        assert_eq!(
            parse_path("/invoices/").unwrap().names,
            Vec::<String>::new()
        );
    }

    #[test]
    fn malformed_paths_are_explained() {
        assert!(parse_path("invoices")
            .unwrap_err()
            .contains("starts with `/`"));
        assert!(parse_path("/a/{id").unwrap_err().contains("unclosed"));
        assert!(parse_path("/a/id}").unwrap_err().contains("unmatched"));
        assert!(parse_path("/a/{}")
            .unwrap_err()
            .contains("empty parameter name"));
        assert!(parse_path("/a/{id}/{id}")
            .unwrap_err()
            .contains("appears twice"));
        assert!(parse_path("/a/{i-d}").unwrap_err().contains("has `-`"));
        assert!(parse_path("/a/{n²}").unwrap_err().contains("has `²`"));
        assert_eq!(
            parse_path("/a/{id:[0-9+}").unwrap_err(),
            "the regex `[0-9+` of path parameter `id` does not parse: unclosed character class"
        );
        assert!(parse_path("/a/{tail:\\d+}*")
            .unwrap_err()
            .contains("takes no regex"));
        let seventeen: String = (0..17).map(|i| format!("/{{p{i}}}")).collect();
        assert!(parse_path(&seventeen)
            .unwrap_err()
            .contains("17 path parameters: actix-router takes at most 16"));
        assert!(parse_path(&seventeen[..seventeen.rfind('/').unwrap()]).is_ok());
    }
}
