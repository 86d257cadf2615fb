//! Argument and return types hookspec does not know how to document, accepted
//! so an actix-web app converts gradually: a user's own `FromRequest` type, an
//! extractor of another crate (`actix_session::Session`, `Multipart`), a
//! `Json<T>` whose `T` has no JSON Schema, a custom `Responder`. They route as
//! in actix-web, document what can be known (nothing, an untyped JSON body, a
//! generic success), and are listed by [`Api::undocumented`](crate::api::Api::undocumented)
//! (errors under [`Api::strict`](crate::api::Api::strict)).
//!
//! The route macros pick, for each argument type, the first that applies of
//! four "kinds" by autoref specialization on the concrete type: documented
//! ([`OperationInput`]), a schema-less `Json<T>`, any `FromRequest`, and last
//! one whose use is the compile error saying what is missing. Return types the
//! same way with [`OperationOutput`] and `Responder`.

use std::fmt;
use std::marker::PhantomData;

use actix_web::web::Json;
use actix_web::{FromRequest, Responder};
use serde::de::DeserializeOwned;

use crate::context::OperationContext;
use crate::extract::{JsonExtractor, Unconstrained};
use crate::input::OperationInput;
use crate::output::OperationOutput;

/// A type of a handler's signature hookspec could not document (fully).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undocumented {
    /// The handler's function name.
    pub handler: &'static str,
    /// Where the handler is declared (`file:line`).
    pub source: &'static str,
    /// What is not documented, naming the type.
    pub what: String,
    /// What to add to document it.
    pub fix: &'static str,
}

impl fmt::Display for Undocumented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` ({}): {}; {}",
            self.handler, self.source, self.what, self.fix
        )
    }
}

/// A handler argument of type `T`, whose kind the macros ask for with
/// `(&&&&Arg::<T>::NEW).kind()`.
pub struct Arg<T>(PhantomData<fn() -> T>);

impl<T> Arg<T> {
    /// The value the macros take the kind of.
    pub const NEW: Self = Arg(PhantomData);
}

/// A handler's response type `T`, whose kind the macros ask for with
/// `(&&&Ret::<T>::NEW).kind()`.
pub struct Ret<T>(PhantomData<fn() -> T>);

impl<T> Ret<T> {
    /// The value the macros take the kind of.
    pub const NEW: Self = Ret(PhantomData);
}

macro_rules! kind {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T>(PhantomData<fn() -> T>);

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T> Copy for $name<T> {}
    };
}

kind!(
    /// An argument hookspec documents.
    Documented
);
kind!(
    /// `Json<T>` whose `T` has no JSON Schema: an untyped JSON body.
    SchemalessJson
);
kind!(
    /// An extractor hookspec does not know: documents nothing.
    UnknownExtractor
);
kind!(
    /// Not an extractor at all: using it is the compile error.
    NotAnExtractor
);
kind!(
    /// A response type hookspec documents.
    DocumentedOutput
);
kind!(
    /// A responder hookspec does not know: a generic success.
    UnknownResponder
);
kind!(
    /// Not a responder at all: using it is the compile error.
    NotAResponder
);

/// The first kind: documented arguments.
pub trait DocumentedKind<T> {
    /// This argument's kind.
    fn kind(&self) -> Documented<T>;
}
impl<T: OperationInput> DocumentedKind<T> for &&&Arg<T> {
    fn kind(&self) -> Documented<T> {
        Documented(PhantomData)
    }
}

/// The second kind: schema-less JSON bodies.
pub trait SchemalessJsonKind<T> {
    /// This argument's kind.
    fn kind(&self) -> SchemalessJson<T>;
}
impl<T: DeserializeOwned + 'static> SchemalessJsonKind<T> for &&Arg<Json<T>> {
    fn kind(&self) -> SchemalessJson<T> {
        SchemalessJson(PhantomData)
    }
}

/// The third kind: any other extractor.
pub trait UnknownExtractorKind<T> {
    /// This argument's kind.
    fn kind(&self) -> UnknownExtractor<T>;
}
impl<T: FromRequest> UnknownExtractorKind<T> for &Arg<T> {
    fn kind(&self) -> UnknownExtractor<T> {
        UnknownExtractor(PhantomData)
    }
}

/// The last kind: whatever else, an error when used.
pub trait NotAnExtractorKind<T> {
    /// This argument's kind.
    fn kind(&self) -> NotAnExtractor<T>;
}
impl<T> NotAnExtractorKind<T> for Arg<T> {
    fn kind(&self) -> NotAnExtractor<T> {
        NotAnExtractor(PhantomData)
    }
}

impl<T: OperationInput> Documented<T> {
    /// The argument from what was extracted.
    pub fn argument(self, extractor: T::Extractor) -> T {
        T::from_extractor(extractor)
    }

    /// Documents the argument.
    pub fn describe(self, cx: &mut OperationContext<'_>) {
        T::describe(cx);
    }

    /// Whether the handler can send a callback with it.
    pub const fn sends_callbacks(self) -> bool {
        T::SENDS_CALLBACKS
    }
}

impl<T: DeserializeOwned + 'static> SchemalessJson<T> {
    /// The body, extracted with problem-details errors as for documented ones.
    pub fn argument(self, extractor: JsonExtractor<Unconstrained<T>>) -> Json<T> {
        Json(extractor.0 .0)
    }

    /// An untyped JSON body, and a finding.
    pub fn describe(self, cx: &mut OperationContext<'_>) {
        cx.set_body("application/json", schemars::Schema::default());
        for status in [400, 413, 415] {
            cx.add_problem_response(status);
        }
        cx.report_undocumented(
            format!(
                "the body `{}` has no JSON Schema",
                std::any::type_name::<T>()
            ),
            "derive `schemars::JsonSchema` for it (`#[derive(hookspec::JsonSchema)]`)",
        );
    }

    /// A body sends nothing.
    pub const fn sends_callbacks(self) -> bool {
        false
    }
}

impl<T: FromRequest> UnknownExtractor<T> {
    /// The argument, extracted by its own `FromRequest`.
    pub fn argument(self, extractor: T) -> T {
        extractor
    }

    /// Nothing, and a finding.
    pub fn describe(self, cx: &mut OperationContext<'_>) {
        cx.report_undocumented(
            format!(
                "the argument `{}` documents nothing",
                std::any::type_name::<T>()
            ),
            "implement `hookspec::describe::OperationInput` for it",
        );
    }

    /// Perhaps: an unknown extractor may keep the request for what sends.
    pub const fn sends_callbacks(self) -> bool {
        true
    }
}

impl<T> NotAnExtractor<T> {
    /// The compile error: `T` is neither documented nor an extractor.
    pub fn argument(self, extractor: T::Extractor) -> T
    where
        T: OperationInput,
    {
        T::from_extractor(extractor)
    }

    /// Never reached (the argument is an error).
    pub fn describe(self, _: &mut OperationContext<'_>) {}

    /// Never reached (the argument is an error).
    pub const fn sends_callbacks(self) -> bool {
        false
    }
}

/// The first kind of response type: documented ones.
pub trait DocumentedOutputKind<T> {
    /// This response type's kind.
    fn kind(&self) -> DocumentedOutput<T>;
}
impl<T: OperationOutput> DocumentedOutputKind<T> for &&Ret<T> {
    fn kind(&self) -> DocumentedOutput<T> {
        DocumentedOutput(PhantomData)
    }
}

/// The second kind of response type: any other responder.
pub trait UnknownResponderKind<T> {
    /// This response type's kind.
    fn kind(&self) -> UnknownResponder<T>;
}
impl<T: Responder> UnknownResponderKind<T> for &Ret<T> {
    fn kind(&self) -> UnknownResponder<T> {
        UnknownResponder(PhantomData)
    }
}

/// The last kind of response type: whatever else, an error when used.
pub trait NotAResponderKind<T> {
    /// This response type's kind.
    fn kind(&self) -> NotAResponder<T>;
}
impl<T> NotAResponderKind<T> for Ret<T> {
    fn kind(&self) -> NotAResponder<T> {
        NotAResponder(PhantomData)
    }
}

impl<T: OperationOutput> DocumentedOutput<T> {
    /// Documents the responses.
    pub fn describe(self, cx: &mut OperationContext<'_>) {
        T::describe(cx);
    }
}

impl<T: Responder> UnknownResponder<T> {
    /// A generic success, and a finding.
    pub fn describe(self, cx: &mut OperationContext<'_>) {
        <crate::output::Opaque as OperationOutput>::describe(cx);
        cx.report_undocumented(
            format!(
                "the response type `{}` is documented as a generic success",
                std::any::type_name::<T>()
            ),
            "implement `hookspec::describe::OperationOutput` for it",
        );
    }
}

impl<T> NotAResponder<T> {
    /// The compile error: `T` is neither documented nor a responder.
    pub fn describe(self, cx: &mut OperationContext<'_>)
    where
        T: OperationOutput,
    {
        T::describe(cx);
    }
}
