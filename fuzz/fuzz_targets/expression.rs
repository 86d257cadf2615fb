//! Callback URL templates and runtime expressions, as `#[callback]` reads them:
//! any text parses or is refused with an error; none panics, and what parses
//! says where its expressions are.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(template) = hookspec_expr::parse_template(text) {
        // Printing what parsed must not panic either.
        let _ = format!("{template:?}");
    }
    let _ = hookspec_expr::parse_expression(text);
});
