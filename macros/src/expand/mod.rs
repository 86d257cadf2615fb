//! Quoting only: checked arguments and function → generated items. Every path in
//! the output is absolute (`::hookspec::__private::...`, `::core::...`).

mod common;
mod route;
mod stub;

pub use route::{route, RouteSpec};
pub use stub::{callback, webhook};
