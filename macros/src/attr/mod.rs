//! Attribute tokens → typed arguments. Checks that need only one argument (a
//! repeated key, an unknown method, a malformed URL template) happen here; checks
//! that relate the attribute to the function live in `valid.rs`.

mod common;
mod method;
mod response;
mod rewrite;
mod route;
mod security;
mod stub;

pub use method::{MethodArg, RouteMethod};
pub use response::ResponseArg;
pub use rewrite::{prefix_route_path, route_attribute, scope_prefix};
pub use route::RouteArgs;
pub use stub::{CallbackArgs, WebhookArgs};
