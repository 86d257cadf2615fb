//! Compile-time behaviour of the macros: every misuse is a compile error with an
//! exact message at the user's token (`tests/ui/fail`), and every supported form
//! compiles and runs (`tests/ui/pass`). See `tests/ui/README.md`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
