//! Authentication in the document: security schemes (declared on the
//! [`Api`](crate::api::Api), under `components.securitySchemes`) and the
//! requirements operations state (`security(...)` on a route, an extractor's
//! [`OperationContext::require`](crate::context::OperationContext::require), a whole
//! `Api` or scope), checked against each other when the document is built.

use std::collections::BTreeMap;

use serde::Serialize;

/// One alternative of an operation's security: every scheme in it, each with
/// the scopes (OAuth 2) or roles it needs. An operation's `security` lists
/// alternatives, any of which admits the request.
pub type SecurityRequirement = BTreeMap<String, Vec<String>>;

/// The requirement of scheme `scheme` with these `scopes` alone (one
/// alternative of an operation's `security`).
pub(crate) fn requirement(scheme: &str, scopes: &[&str]) -> SecurityRequirement {
    let mut requirement = SecurityRequirement::new();
    requirement.insert(
        scheme.to_owned(),
        scopes.iter().map(|scope| (*scope).to_owned()).collect(),
    );
    requirement
}

/// One requirement as the route macros write it: a scheme and its scopes.
#[derive(Debug)]
pub struct RequirementMeta {
    /// The scheme's name, as declared with [`Api::security_scheme`](crate::api::Api::security_scheme).
    pub scheme: &'static str,
    /// The OAuth 2 scopes (or roles) it needs.
    pub scopes: &'static [&'static str],
}

/// A way to authenticate, as OpenAPI describes it (a Security Scheme Object).
/// Build one with [`bearer`](Self::bearer), [`basic`](Self::basic),
/// [`api_key`](Self::api_key), [`oauth2`](Self::oauth2) or
/// [`open_id_connect`](Self::open_id_connect).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    location: Option<ApiKeyIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<&'static str>,
    #[serde(rename = "bearerFormat", skip_serializing_if = "Option::is_none")]
    bearer_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flows: Option<OAuthFlows>,
    #[serde(rename = "openIdConnectUrl", skip_serializing_if = "Option::is_none")]
    open_id_connect_url: Option<String>,
    /// OpenAPI 3.2.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deprecated: bool,
}

/// Where an API key travels.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyIn {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

impl SecurityScheme {
    fn new(kind: &'static str) -> Self {
        SecurityScheme {
            kind,
            description: None,
            name: None,
            location: None,
            scheme: None,
            bearer_format: None,
            flows: None,
            open_id_connect_url: None,
            deprecated: false,
        }
    }

    /// HTTP `Authorization: Bearer <token>`.
    pub fn bearer() -> Self {
        SecurityScheme {
            scheme: Some("bearer"),
            ..SecurityScheme::new("http")
        }
    }

    /// HTTP `Authorization: Basic <user:password>`.
    pub fn basic() -> Self {
        SecurityScheme {
            scheme: Some("basic"),
            ..SecurityScheme::new("http")
        }
    }

    /// An API key in a header, query parameter or cookie named `name`.
    pub fn api_key(location: ApiKeyIn, name: impl Into<String>) -> Self {
        SecurityScheme {
            name: Some(name.into()),
            location: Some(location),
            ..SecurityScheme::new("apiKey")
        }
    }

    /// OAuth 2 with these flows (and their scopes).
    pub fn oauth2(flows: OAuthFlows) -> Self {
        SecurityScheme {
            flows: Some(flows),
            ..SecurityScheme::new("oauth2")
        }
    }

    /// OpenID Connect, discovered at `url` (`.../.well-known/openid-configuration`).
    pub fn open_id_connect(url: impl Into<String>) -> Self {
        SecurityScheme {
            open_id_connect_url: Some(url.into()),
            ..SecurityScheme::new("openIdConnect")
        }
    }

    /// What the bearer token is (`"JWT"`): a hint for clients and docs.
    pub fn bearer_format(mut self, format: impl Into<String>) -> Self {
        self.bearer_format = Some(format.into());
        self
    }

    /// Marks the scheme as one clients should move away from (OpenAPI 3.2
    /// writes `deprecated: true`; 3.1 and 3.0, which cannot, say so in its
    /// description).
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The scheme as OpenAPI 3.1 and 3.0 write it: deprecation said in the
    /// description, the device authorization flow left out (they have
    /// neither).
    pub(crate) fn before_3_2(&self) -> SecurityScheme {
        let mut scheme = self.clone();
        if scheme.deprecated {
            scheme.deprecated = false;
            scheme.description = Some(match scheme.description.take() {
                Some(description) => format!("Deprecated. {description}"),
                None => "Deprecated.".to_owned(),
            });
        }
        if let Some(flows) = &mut scheme.flows {
            flows.device_authorization = None;
        }
        scheme
    }

    /// What this scheme is, for readers of the docs.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The OAuth 2 scopes this scheme defines (empty for other kinds): what a
    /// requirement's scopes are checked against.
    pub(crate) fn known_scopes(&self) -> Option<std::collections::BTreeSet<&str>> {
        let flows = self.flows.as_ref()?;
        Some(
            [
                &flows.implicit,
                &flows.password,
                &flows.client_credentials,
                &flows.authorization_code,
                &flows.device_authorization,
            ]
            .into_iter()
            .flatten()
            .flat_map(|flow| flow.scopes.keys().map(String::as_str))
            .collect(),
        )
    }

    /// Whether requirements of this scheme may name scopes: OAuth 2 and
    /// OpenID Connect scopes; other kinds' "roles" only from OpenAPI 3.1.
    pub(crate) fn takes_scopes(&self) -> bool {
        matches!(self.kind, "oauth2" | "openIdConnect")
    }
}

/// The OAuth 2 flows a scheme supports. (The device authorization flow is
/// OpenAPI 3.2's; 3.1 and 3.0 cannot describe it.)
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct OAuthFlows {
    #[serde(skip_serializing_if = "Option::is_none")]
    implicit: Option<OAuthFlow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<OAuthFlow>,
    #[serde(rename = "clientCredentials", skip_serializing_if = "Option::is_none")]
    client_credentials: Option<OAuthFlow>,
    #[serde(rename = "authorizationCode", skip_serializing_if = "Option::is_none")]
    authorization_code: Option<OAuthFlow>,
    #[serde(
        rename = "deviceAuthorization",
        skip_serializing_if = "Option::is_none"
    )]
    device_authorization: Option<OAuthFlow>,
}

/// One OAuth 2 flow: its URLs and the scopes it grants, each with what it
/// allows.
#[derive(Clone, Debug, Serialize, PartialEq)]
struct OAuthFlow {
    #[serde(rename = "authorizationUrl", skip_serializing_if = "Option::is_none")]
    authorization_url: Option<String>,
    #[serde(
        rename = "deviceAuthorizationUrl",
        skip_serializing_if = "Option::is_none"
    )]
    device_authorization_url: Option<String>,
    #[serde(rename = "tokenUrl", skip_serializing_if = "Option::is_none")]
    token_url: Option<String>,
    scopes: BTreeMap<String, String>,
}

fn scopes(scopes: &[(&str, &str)]) -> BTreeMap<String, String> {
    scopes
        .iter()
        .map(|(name, meaning)| ((*name).to_owned(), (*meaning).to_owned()))
        .collect()
}

impl OAuthFlows {
    /// No flows yet.
    pub fn new() -> Self {
        OAuthFlows::default()
    }

    /// The authorization code flow (with PKCE, for browsers and apps).
    pub fn authorization_code(
        mut self,
        authorization_url: impl Into<String>,
        token_url: impl Into<String>,
        scope_list: &[(&str, &str)],
    ) -> Self {
        self.authorization_code = Some(OAuthFlow {
            authorization_url: Some(authorization_url.into()),
            device_authorization_url: None,
            token_url: Some(token_url.into()),
            scopes: scopes(scope_list),
        });
        self
    }

    /// The client credentials flow (service to service).
    pub fn client_credentials(
        mut self,
        token_url: impl Into<String>,
        scope_list: &[(&str, &str)],
    ) -> Self {
        self.client_credentials = Some(OAuthFlow {
            authorization_url: None,
            device_authorization_url: None,
            token_url: Some(token_url.into()),
            scopes: scopes(scope_list),
        });
        self
    }

    /// The implicit flow (legacy browser apps).
    pub fn implicit(
        mut self,
        authorization_url: impl Into<String>,
        scope_list: &[(&str, &str)],
    ) -> Self {
        self.implicit = Some(OAuthFlow {
            authorization_url: Some(authorization_url.into()),
            device_authorization_url: None,
            token_url: None,
            scopes: scopes(scope_list),
        });
        self
    }

    /// The device authorization flow (RFC 8628: televisions, command-line
    /// tools), written in OpenAPI 3.2 documents only (3.1 and 3.0 cannot
    /// describe it, and leave it out).
    pub fn device_authorization(
        mut self,
        device_authorization_url: impl Into<String>,
        token_url: impl Into<String>,
        scope_list: &[(&str, &str)],
    ) -> Self {
        self.device_authorization = Some(OAuthFlow {
            authorization_url: None,
            device_authorization_url: Some(device_authorization_url.into()),
            token_url: Some(token_url.into()),
            scopes: scopes(scope_list),
        });
        self
    }

    /// The resource owner password flow (legacy first-party apps).
    pub fn password(mut self, token_url: impl Into<String>, scope_list: &[(&str, &str)]) -> Self {
        self.password = Some(OAuthFlow {
            authorization_url: None,
            device_authorization_url: None,
            token_url: Some(token_url.into()),
            scopes: scopes(scope_list),
        });
        self
    }
}

/// Every requirement of `requirements` (where: for the message) checked
/// against the declared `schemes`: each scheme declared, each OAuth 2 scope
/// one of its flows defines.
pub(crate) fn check_requirements(
    requirements: &[SecurityRequirement],
    schemes: &BTreeMap<String, SecurityScheme>,
    place: &str,
    problems: &mut Vec<String>,
) {
    for requirement in requirements {
        for (name, wanted) in requirement {
            let Some(scheme) = schemes.get(name) else {
                let declared: Vec<&str> = schemes.keys().map(String::as_str).collect();
                problems.push(format!(
                    "{place} requires security scheme `{name}`, which the Api does not declare \
                     (declared: {}); add it with `Api::security_scheme(\"{name}\", ...)`",
                    if declared.is_empty() {
                        "none".to_owned()
                    } else {
                        declared.join(", ")
                    }
                ));
                continue;
            };
            if let Some(known) = scheme.known_scopes() {
                for scope in wanted {
                    if !known.contains(scope.as_str()) {
                        problems.push(format!(
                            "{place} requires scope `{scope}` of `{name}`, which none of its \
                             OAuth 2 flows defines (defined: {})",
                            known.iter().copied().collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
            } else if !scheme.takes_scopes() && !wanted.is_empty() {
                problems.push(format!(
                    "{place} requires scopes of `{name}`, which is not an OAuth 2 or OpenID \
                     Connect scheme: list it without scopes"
                ));
            }
        }
    }
}
