//! Route path templates (`/invoices/{id}`, `{name:regex}`, `{tail}*`), as the
//! route macros read them: parsed or refused with a message, never a panic;
//! what parses names each parameter once and writes an OpenAPI path that
//! starts like the template.
#![no_main]

#[allow(dead_code)]
#[path = "../../macros/src/path.rs"]
mod path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(template) = path::parse_path(text) {
        let mut names = template.names.clone();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), template.names.len(), "a name twice: {text:?}");
        assert!(
            text.is_empty() || template.openapi.starts_with('/'),
            "{text:?} -> {:?}",
            template.openapi
        );
    }
});
