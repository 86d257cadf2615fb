//! Where in the input a deserialisation error is, found without deserialising
//! again through a path-tracking wrapper.
//!
//! A wrapper such as `serde_path_to_error` instantiates every body type's
//! `Deserialize` a second time, which is most of what documented handlers add
//! to a crate's build. These functions are not generic: a JSON error's position
//! is turned into a JSON pointer by scanning the text up to it, and a query's
//! parameter at fault is found by leaving parameters out one at a time and
//! deserialising with the same instantiation the request already used.

/// The pointer to where serde_json stopped in `json`, and its message without
/// the line and column (the pointer says where, for people).
pub(crate) fn json_error(json: &[u8], error: &serde_json::Error) -> (String, String) {
    let detail = without_position(error.to_string());
    let pointer = json_pointer_at(json, json_error_offset(json, error), &detail);
    (pointer, detail)
}

/// One open container while scanning JSON.
enum Frame {
    Object {
        /// The key whose value is being read, once its `:` is seen.
        key: Option<String>,
        /// Whether that value is complete.
        value_done: bool,
        /// Whether a key string is being read (between `{`/`,` and `:`).
        reading_key: bool,
    },
    Array {
        index: usize,
        value_done: bool,
    },
}

/// The RFC 6901 pointer to the value being read at byte `offset` of `json`:
/// the path of keys and indices open there. A value already complete is not
/// part of it. `detail` is serde's message: an error about a whole object or
/// array (a missing field, a wrong length) is reported at its closing bracket,
/// where the last value read has ended even if no delimiter is scanned.
fn json_pointer_at(json: &[u8], offset: usize, detail: &str) -> String {
    let end = offset.min(json.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match json[i] {
            b'{' => {
                stack.push(Frame::Object {
                    key: None,
                    value_done: false,
                    reading_key: true,
                });
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Array {
                    index: 0,
                    value_done: false,
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                mark_done(&mut stack);
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        value_done,
                        reading_key,
                    }) => {
                        *key = None;
                        *value_done = false;
                        *reading_key = true;
                    }
                    Some(Frame::Array { index, value_done }) => {
                        *index += 1;
                        *value_done = false;
                    }
                    None => {}
                }
                i += 1;
            }
            b':' => {
                if let Some(Frame::Object { reading_key, .. }) = stack.last_mut() {
                    *reading_key = false;
                }
                i += 1;
            }
            b'"' => {
                let close = string_end(json, i);
                let complete = close < end;
                if let Some(Frame::Object {
                    key, reading_key, ..
                }) = stack.last_mut()
                {
                    if *reading_key {
                        // A key: its value comes after the `:`. Unfinished, it
                        // names nothing yet.
                        if complete {
                            *key = decode_key(&json[i..=close]);
                        }
                        i = close + 1;
                        continue;
                    }
                }
                if complete {
                    mark_done(&mut stack);
                }
                i = close + 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                // A number, `true`, `false` or `null`: complete once a delimiter
                // follows within the scanned text.
                let mut j = i;
                while j < json.len() && !b",}] \t\n\r".contains(&json[j]) {
                    j += 1;
                }
                if j < end {
                    mark_done(&mut stack);
                }
                i = j;
            }
        }
    }
    if detail.starts_with("missing field") || detail.starts_with("invalid length") {
        mark_done(&mut stack);
    }
    let mut pointer = String::new();
    for frame in &stack {
        let token = match frame {
            Frame::Object {
                key: Some(key),
                value_done: false,
                reading_key: false,
            } => key.clone(),
            Frame::Array {
                index,
                value_done: false,
            } => index.to_string(),
            _ => break,
        };
        pointer.push('/');
        pointer.push_str(&escape_token(&token));
    }
    pointer
}

/// The value of the innermost open container is complete.
fn mark_done(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Object { value_done, .. }) | Some(Frame::Array { value_done, .. }) => {
            *value_done = true;
        }
        None => {}
    }
}

/// The index of the quote closing the string opened at `start`, or the text's
/// length if it is never closed.
fn string_end(json: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < json.len() {
        match json[j] {
            b'\\' => j += 2,
            b'"' => return j,
            _ => j += 1,
        }
    }
    json.len()
}

/// A key's text, its escapes resolved.
fn decode_key(quoted: &[u8]) -> Option<String> {
    serde_json::from_slice::<String>(quoted).ok()
}

/// A pointer token: `~` and `/` escaped (RFC 6901).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// serde_json ends its messages with " at line L column C"; the pointer says where,
/// and positions mean little to an API user.
fn without_position(mut message: String) -> String {
    if let Some(at) = message.rfind(" at line ") {
        let tail = &message[at + " at line ".len()..];
        let is_position = tail.split_once(" column ").is_some_and(|(line, column)| {
            !line.is_empty()
                && !column.is_empty()
                && line.bytes().all(|b| b.is_ascii_digit())
                && column.bytes().all(|b| b.is_ascii_digit())
        });
        if is_position {
            message.truncate(at);
        }
    }
    message
}

/// The byte offset of serde_json's error position (1-based line and column of
/// the last byte read), so that [`json_pointer_at`] scans what came before it.
fn json_error_offset(json: &[u8], error: &serde_json::Error) -> usize {
    let (line, column) = (error.line(), error.column());
    if line == 0 {
        return json.len();
    }
    let mut offset = 0;
    for _ in 1..line {
        match json[offset..].iter().position(|&b| b == b'\n') {
            Some(newline) => offset += newline + 1,
            None => return json.len(),
        }
    }
    (offset + column.saturating_sub(1)).min(json.len())
}

/// The parameter of `text` (`a=1&b=2`) whose value `deserialize` rejects: the
/// one whose removal leaves no error but its own absence. `deserialize` is the
/// same (already instantiated) call that failed on the whole text.
pub(crate) fn culprit_parameter<E: std::fmt::Display>(
    text: &[u8],
    deserialize: impl Fn(&[u8]) -> Result<(), E>,
) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(text).into_owned().collect();
    if pairs.len() > 64 {
        // Each try deserialises the rest again; past this, name nothing.
        return None;
    }
    for (skip, (name, _)) in pairs.iter().enumerate() {
        let rest: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                pairs
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| *index != skip)
                    .map(|(_, pair)| pair),
            )
            .finish();
        let culprit = match deserialize(rest.as_bytes()) {
            Ok(()) => true,
            Err(error) => {
                let message = error.to_string();
                message == format!("missing field `{name}`")
            }
        };
        if culprit {
            return Some(name.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pointer where serde_json reports an error deserialising `json`.
    fn pointer_of<T: serde::de::DeserializeOwned>(json: &str) -> String {
        let error = serde_json::from_str::<T>(json).err().expect("an error");
        json_error(json.as_bytes(), &error).0
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        price: f64,
        tags: Vec<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        customer: String,
        lines: Vec<Line>,
        #[serde(rename = "a/b")]
        odd: Option<u8>,
        #[serde(rename = "quo\"te")]
        quote: Option<bool>,
    }

    #[test]
    fn errors_in_nested_values_point_at_them() {
        let json =
            r#"{"customer": "c", "lines": [{"price": 1, "tags": []}, {"price": "x", "tags": []}]}"#;
        assert_eq!(pointer_of::<Order>(json), "/lines/1/price");
        let json = r#"{"customer": "c", "lines": [{"price": 1, "tags": ["a", 7]}]}"#;
        assert_eq!(pointer_of::<Order>(json), "/lines/0/tags/1");
        let json = "{\n  \"customer\": 5\n}";
        assert_eq!(pointer_of::<Order>(json), "/customer");
        let json = r#"{"customer": "c", "lines": [], "a/b": 300}"#;
        assert_eq!(pointer_of::<Order>(json), "/a~1b");
        let json = r#"{"customer": "c", "lines": [], "quo\"te": 1}"#;
        assert_eq!(pointer_of::<Order>(json), "/quo\"te");
    }

    #[test]
    fn a_missing_field_points_at_its_object() {
        assert_eq!(pointer_of::<Order>(r#"{"lines": []}"#), "");
        assert_eq!(pointer_of::<Order>(r#"{"lines":[],"a/b":3}"#), "");
        assert_eq!(pointer_of::<Order>(r#"{"customer": 5}"#), "/customer");
        let json = r#"{"customer": "c", "lines": [{"tags": []}]}"#;
        assert_eq!(pointer_of::<Order>(json), "/lines/0");
    }

    #[test]
    fn truncated_and_malformed_text_points_where_it_stopped() {
        assert_eq!(pointer_of::<Order>(r#"{"customer": "#), "/customer");
        assert_eq!(
            pointer_of::<Order>(r#"{"customer": "c", "lines": [{"#),
            "/lines/0"
        );
        assert_eq!(pointer_of::<Order>(r#"{"customer" "c"}"#), "");
    }

    #[test]
    fn the_culprit_parameter_is_the_one_whose_removal_fixes_the_rest() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Params {
            limit: u32,
            offset: Option<u32>,
            name: String,
        }
        let check = |text: &[u8]| serde_urlencoded::from_bytes::<Params>(text).map(drop);
        assert_eq!(
            culprit_parameter(b"name=a&limit=ten&offset=1", check),
            Some("limit".into())
        );
        assert_eq!(
            culprit_parameter(b"limit=1&offset=x&name=a", check),
            Some("offset".into())
        );
        // Two bad values: no single parameter is at fault.
        assert_eq!(culprit_parameter(b"limit=x&offset=y&name=a", check), None);
    }
}
