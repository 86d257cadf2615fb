//! Hosts the README's and the guide's Rust code blocks as doc tests, so neither
//! can drift from the API. The examples and cross-crate tests of hookspec live
//! beside it in `examples/` and `tests/`.

/// The README.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The guide's chapters (`docs/`).
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../docs/documenting.md")]
    pub struct Documenting;
    #[doc = include_str!("../docs/authentication.md")]
    pub struct Authentication;
    #[doc = include_str!("../docs/delivery.md")]
    pub struct Delivery;
    #[doc = include_str!("../docs/compile-time-checks.md")]
    pub struct CompileTimeChecks;
    #[doc = include_str!("../docs/coming-from-actix-web.md")]
    pub struct ComingFromActixWeb;
    #[doc = include_str!("../docs/contributing.md")]
    pub struct Contributing;
}
