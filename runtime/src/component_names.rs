//! The components an `Api` names (`Api::component_parameter`, ...): what
//! each name stands for. Assembly (`assemble/components.rs`) finds them.

use schemars::Schema;

use crate::openapi::ParameterIn;
use crate::schema::SchemaRegistry;

/// How a type's schema is referred to (`#/components/schemas/Invoice`).
pub(crate) type SchemaReference = fn(&mut SchemaRegistry) -> Schema;

/// The components an `Api` names, and what each stands for.
#[derive(Clone, Default)]
pub(crate) struct ComponentNames {
    /// `(component, location, parameter name)`.
    pub parameters: Vec<(String, ParameterIn, String)>,
    /// `(component, response header name)`.
    pub headers: Vec<(String, String)>,
    /// Example names: every example of that name is the component of the name.
    pub examples: Vec<String>,
    /// `(component, the body type's schema reference)`.
    pub request_bodies: Vec<(String, SchemaReference)>,
}

impl ComponentNames {
    /// Whether no component is named: then assembly skips the pass.
    pub(crate) fn is_empty(&self) -> bool {
        self.parameters.is_empty()
            && self.headers.is_empty()
            && self.examples.is_empty()
            && self.request_bodies.is_empty()
    }

    /// Every name, with its kind and how the application named it.
    pub(crate) fn all(&self) -> impl Iterator<Item = (Kind, &str, String)> {
        let parameters = self.parameters.iter().map(|(component, location, name)| {
            let how = format!(
                "`Api::component_parameter(\"{component}\", {}, \"{name}\")`",
                location.as_str()
            );
            (Kind::Parameter, component.as_str(), how)
        });
        let headers = self.headers.iter().map(|(component, name)| {
            let how = format!("`Api::component_header(\"{component}\", \"{name}\")`");
            (Kind::Header, component.as_str(), how)
        });
        let examples = self.examples.iter().map(|name| {
            let how = format!("`Api::component_example(\"{name}\")`");
            (Kind::Example, name.as_str(), how)
        });
        let bodies = self.request_bodies.iter().map(|(component, _)| {
            let how = format!("`Api::component_request_body(\"{component}\")`");
            (Kind::RequestBody, component.as_str(), how)
        });
        parameters.chain(headers).chain(examples).chain(bodies)
    }
}

/// What a component is.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Parameter,
    Header,
    Example,
    RequestBody,
}
