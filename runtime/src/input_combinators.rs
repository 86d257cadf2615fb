//! `Option<A>`, `Result<A, E>` and `Either<A, B>` of documented arguments, as
//! actix-web extracts them: the first two never fail (what `A` would reject
//! becomes `None` or `Err`), the last takes whichever side extracts.

use std::collections::BTreeSet;

use actix_web::{Either, FromRequest};

use crate::context::OperationContext;
use crate::input::OperationInput;
use crate::openapi::{ParameterIn, RefOr};

/// Documents `A` as an argument that never fails: what it adds is not
/// required (path parameters, which OpenAPI always requires, excepted), and it
/// answers none of `A`'s error responses.
fn describe_infallible<A: OperationInput>(cx: &mut OperationContext<'_>) {
    let operation = cx.operation_mut();
    let had_body = operation.request_body.is_some();
    let parameters_before: BTreeSet<(String, ParameterIn)> = operation
        .parameters_in_place()
        .map(|parameter| (parameter.name.clone(), parameter.location))
        .collect();
    let responses_before: BTreeSet<String> = operation.responses.keys().cloned().collect();
    A::describe(cx);
    let operation = cx.operation_mut();
    for parameter in operation
        .parameters
        .iter_mut()
        .filter_map(RefOr::as_item_mut)
    {
        let added = !parameters_before.contains(&(parameter.name.clone(), parameter.location));
        if added && parameter.location != ParameterIn::Path {
            parameter.required = false;
        }
    }
    if !had_body {
        if let Some(body) = operation.request_body_in_place_mut() {
            body.required = false;
        }
    }
    operation
        .responses
        .retain(|status, _| responses_before.contains(status));
}

/// `None` when `A` cannot be extracted: `Option<Json<T>>` is a body that is
/// not required, `Option<Query<T>>` parameters that are not.
impl<A: OperationInput> OperationInput for Option<A> {
    type Extractor = Option<A::Extractor>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        extractor.map(A::from_extractor)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        describe_infallible::<A>(cx);
    }

    const SENDS_CALLBACKS: bool = A::SENDS_CALLBACKS;
}

/// `Err` when `A` cannot be extracted, for the handler to answer itself.
impl<A, E> OperationInput for Result<A, E>
where
    A: OperationInput,
    <A::Extractor as FromRequest>::Error: Into<E>,
    E: 'static,
{
    type Extractor = Result<A::Extractor, E>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        extractor.map(A::from_extractor)
    }

    fn describe(cx: &mut OperationContext<'_>) {
        describe_infallible::<A>(cx);
    }

    const SENDS_CALLBACKS: bool = A::SENDS_CALLBACKS;
}

/// Either side: `Either<Json<A>, Form<B>>` is one body of two media types.
impl<L, R> OperationInput for Either<L, R>
where
    L: OperationInput,
    R: OperationInput,
    L::Extractor: 'static,
    R::Extractor: 'static,
{
    type Extractor = Either<L::Extractor, R::Extractor>;

    fn from_extractor(extractor: Self::Extractor) -> Self {
        match extractor {
            Either::Left(left) => Either::Left(L::from_extractor(left)),
            Either::Right(right) => Either::Right(R::from_extractor(right)),
        }
    }

    fn describe(cx: &mut OperationContext<'_>) {
        L::describe(cx);
        let left = cx.operation_mut().request_body.take();
        R::describe(cx);
        let operation = cx.operation_mut();
        match (left, operation.request_body.as_mut()) {
            (Some(RefOr::Item(left)), Some(RefOr::Item(right))) => {
                for (media_type, content) in left.content {
                    right.content.entry(media_type).or_insert(content);
                }
                right.required = left.required && right.required;
            }
            (Some(left), None) => operation.request_body = Some(left),
            // Bodies are in place while they are described.
            (Some(_), Some(_)) | (None, _) => {}
        }
    }

    const SENDS_CALLBACKS: bool = L::SENDS_CALLBACKS || R::SENDS_CALLBACKS;
}
