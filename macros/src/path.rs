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
                let mut closed = false;
                let mut in_regex = false;
                let mut depth = 0usize;
                for (_, c) in chars.by_ref() {
                    match c {
                        '}' if depth == 0 => {
                            closed = true;
                            break;
                        }
                        '}' => depth -= 1,
                        '{' if in_regex => depth += 1,
                        ':' if !in_regex => in_regex = true,
                        c if !in_regex => name.push(c),
                        _ => {}
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
                if chars.peek().is_some_and(|(_, c)| *c == '*') {
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
    Ok(PathTemplate { names, openapi })
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
    }
}
