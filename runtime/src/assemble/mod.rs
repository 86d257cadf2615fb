//! Document assembly: registered operations → one checked OpenAPI document,
//! typed ([`OpenApi`]) or as the JSON it is served as. Runs once, when the
//! [`Api`](crate::api::Api) is first mounted or checked.
//!
//! Each operation is described, checked and finished on its own. For the
//! served bytes it is then serialised at once and its tree freed, so memory
//! holds one operation's maps at a time instead of the whole API's (a large
//! API's whole tree is several times its JSON, and as slow to free as to
//! serialise).

mod checks;
mod components;
mod describe;
mod inputs;
mod pipeline;
mod write;

pub use inputs::SpecError;
pub(crate) use inputs::{join_path, ApiSecurity, Registration, ScopedRoute};
pub(crate) use pipeline::assemble;
pub(crate) use write::{drop_large, Assembled, Document, DocumentForm};
