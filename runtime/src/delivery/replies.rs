//! The reply types one [`Callbacks`](super::Callbacks) checks replies against, by
//! callback (or webhook) name: declared by the [`Api`](crate::api::Api) it was built
//! with, and by every declaration it sends. A delivery read back from a store
//! carries only its name; this is where the name finds its type again. Kept per
//! `Callbacks`, not per process.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::context::{DeclaredReply, ReplyCheck};

/// What is known of one name.
#[derive(Clone, Copy)]
enum Known {
    One(DeclaredReply),
    /// Declared twice, at two places: which one a stored delivery meant is
    /// unknown, so its reply is not checked.
    Ambiguous,
}

/// The declared replies, by name.
#[derive(Default)]
pub(crate) struct Replies {
    by_name: RwLock<HashMap<&'static str, Known>>,
}

impl Replies {
    /// Remembers `reply`; a second declaration of its name elsewhere makes the
    /// name ambiguous (said once, in the log).
    pub(crate) fn declare(&self, reply: DeclaredReply) {
        let known = self
            .by_name
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(reply.name)
            .copied();
        match known {
            Some(Known::One(first)) if first.source == reply.source => {}
            Some(Known::Ambiguous) => {}
            Some(Known::One(first)) => {
                tracing::warn!(
                    name = reply.name,
                    first = first.source,
                    second = reply.source,
                    "two callbacks or webhooks share a name: replies of deliveries read back \
                     from the store under it are not checked (give one another name)"
                );
                self.set(reply.name, Known::Ambiguous);
            }
            None => self.set(reply.name, Known::One(reply)),
        }
    }

    fn set(&self, name: &'static str, known: Known) {
        self.by_name
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(name, known);
    }

    /// The reply check of `name`, if it is declared once.
    pub(crate) fn check_for(&self, name: &str) -> Option<ReplyCheck> {
        match self
            .by_name
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
        {
            Some(Known::One(reply)) => Some(reply.check),
            Some(Known::Ambiguous) | None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(source: &'static str, check: ReplyCheck) -> DeclaredReply {
        DeclaredReply {
            name: "invoice_notification",
            source,
            check,
        }
    }

    fn accept(_: &[u8]) -> Result<(), String> {
        Ok(())
    }

    fn refuse(_: &[u8]) -> Result<(), String> {
        Err("no".into())
    }

    #[test]
    fn one_declaration_per_name_is_checked_and_two_are_not() {
        let replies = Replies::default();
        assert!(replies.check_for("invoice_notification").is_none());
        replies.declare(reply("a.rs:1", refuse));
        replies.declare(reply("a.rs:1", refuse));
        let check = replies.check_for("invoice_notification").unwrap();
        assert!(check(b"{}").is_err());
        // Another stub of the same name, in another module.
        replies.declare(reply("b.rs:7", accept));
        assert!(replies.check_for("invoice_notification").is_none());
        replies.declare(reply("a.rs:1", refuse));
        assert!(replies.check_for("invoice_notification").is_none());
    }
}
