//! Nothing here: the crate holds actix-web-codegen's tests (`tests/`), copied
//! with their licence, run against hookspec's macros.
