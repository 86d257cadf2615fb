//! What the macros' expansions call besides the declarations: the check of a
//! callback's path references against a route's template (in a `const`), and the
//! guard of a custom method.

use actix_web::guard::{self, Guard};

use crate::context::OperationContext;
use crate::declarations::{CallbackDeclaration, DocumentedRoute};
use crate::meta::PathReference;

/// A callback as a route's `callbacks(...)` names it: by value, so that a plain
/// `fn` named there is reported as not being a callback (named as a type,
/// rustc would say only "expected type, found function"), and through this one
/// function for both of its uses, so that rustc says it once.
pub struct CallbackUse {
    /// Its `$request.path.x` references, checked in a `const` against the path.
    pub path_references: &'static [PathReference],
    /// Documents it under the operation.
    pub add: fn(&mut OperationContext<'_>),
}

/// The [`CallbackUse`] of callback `C`.
pub const fn callback_use<C: CallbackDeclaration>(_callback: &C) -> CallbackUse {
    CallbackUse {
        path_references: C::PATH_REFERENCES,
        add: add_callback::<C>,
    }
}

/// Documents callback `C` under the operation, as a plain `fn` for [`CallbackUse`].
fn add_callback<C: CallbackDeclaration>(cx: &mut OperationContext<'_>) {
    cx.add_callback::<C>();
}

/// Links the operation's success responses to the handler of `routes` (its
/// first route), as a route's `links(...)` names it.
pub fn add_link(
    cx: &mut OperationContext<'_>,
    name: &'static str,
    routes: &'static [DocumentedRoute],
    parameters: &'static [(&'static str, &'static str)],
) {
    if let Some(route) = routes.first() {
        cx.add_link(name, &route.meta, parameters);
    }
}

/// The message of the first reference that is not among `names`, if any. Called in
/// a `const` by the route macros, so that a mismatch is a compile error.
pub const fn unknown_path_parameter(
    references: &[PathReference],
    names: &[&str],
) -> Option<&'static str> {
    let mut i = 0;
    while i < references.len() {
        let mut found = false;
        let mut j = 0;
        while j < names.len() {
            if const_str_eq(references[i].name, names[j]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            return Some(references[i].message);
        }
        i += 1;
    }
    None
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Admits requests whose method is exactly `name` (upper case, a valid token:
/// the route macros checked it): the guard of a route whose method actix-web
/// has no constant for, such as `HELLO` in `#[route("/x", method = "HELLO")]`.
pub fn method_guard(name: &'static str) -> impl Guard {
    guard::fn_guard(move |ctx| ctx.head().method.as_str() == name)
}

/// What a plain `fn` handler returns: a future, which actix-web awaits. Said
/// at the `fn` token, with what to do, before actix-web's "`Handler<_>` is not
/// satisfied" at the attribute.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a future: a handler is an `async fn`, or a `fn` that returns a future",
    label = "make it `async fn` (or return a future)"
)]
pub trait HandlerReturn: std::future::Future {}

// Not recommended: rustc then names `HandlerReturn` (and says what to do)
// rather than the `Future` bound behind it.
#[diagnostic::do_not_recommend]
impl<T: std::future::Future> HandlerReturn for T {}

/// A plain `fn` handler's result, checked to be a future (and returned as it
/// is: actix-web awaits it).
#[inline]
pub fn handler_future<T: HandlerReturn>(returned: T) -> T {
    returned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_path_parameter_names_the_first_missing() {
        const REFERENCES: &[PathReference] = &[
            PathReference {
                name: "shop",
                message: "no shop",
            },
            PathReference {
                name: "id",
                message: "no id",
            },
        ];
        const MISSING: Option<&str> = unknown_path_parameter(REFERENCES, &["shop"]);
        assert_eq!(MISSING, Some("no id"));
        assert_eq!(unknown_path_parameter(REFERENCES, &["id", "shop"]), None);
        assert_eq!(unknown_path_parameter(REFERENCES, &[]), Some("no shop"));
        assert_eq!(unknown_path_parameter(&[], &[]), None);
        assert!(!const_str_eq("id", "idd"));
    }
}
