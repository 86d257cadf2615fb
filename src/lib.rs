//! Hosts the README's Rust code blocks as doc tests, so the README cannot drift
//! from the API. The examples and cross-crate tests of hookspec live beside it in
//! `examples/` and `tests/`.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
