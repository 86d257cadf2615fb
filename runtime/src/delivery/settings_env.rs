//! Settings from text, for a server's `main`: the store a URL names, the address
//! policy a name names, and [`CallbacksBuilder::from_env`] reading all of them
//! (and the signing secrets) from the environment with errors that name the
//! variable.

use std::time::Duration;

use super::builder::{BuildError, CallbacksBuilder};
use super::owners::SecretsKey;
use super::retry::RetryPolicy;
use super::ssrf::AddressPolicy;

/// Where deliveries are kept: `sqlite:<file>`, `postgres://...` or `memory`.
pub const STORE_VARIABLE: &str = "HOOKSPEC_DELIVERY_STORE";
/// Which addresses callbacks may reach: `public`, `public+loopback` or
/// `loopback-only`.
pub const POLICY_VARIABLE: &str = "HOOKSPEC_CALLBACK_POLICY";
/// The key that seals the signing secrets hookspec manages for each owner
/// (base64 of 32 random bytes): deliveries are signed with their owner's
/// secrets ([`CallbacksBuilder::owner_secrets`]).
pub const SECRETS_KEY_VARIABLE: &str = "HOOKSPEC_SECRETS_KEY";
/// The `whsec_...` secrets that sign every delivery, whoever it is for
/// ([`CallbacksBuilder::single_tenant_secrets`]), separated by spaces or
/// commas (several during a key rotation).
pub const SINGLE_TENANT_SECRETS_VARIABLE: &str = "HOOKSPEC_SINGLE_TENANT_SECRETS";
/// What [`SINGLE_TENANT_SECRETS_VARIABLE`] was called before: still read, with
/// a warning.
const RENAMED_SECRETS_VARIABLE: &str = "HOOKSPEC_SIGNING_SECRETS";
/// The waits between a delivery's attempts, comma-separated (`5s, 5m, 30m`).
pub const RETRY_SCHEDULE_VARIABLE: &str = "HOOKSPEC_RETRY_SCHEDULE";
/// How long one attempt may take (`10s`).
pub const ATTEMPT_TIMEOUT_VARIABLE: &str = "HOOKSPEC_ATTEMPT_TIMEOUT";
/// How long a claim holds a delivery (`40s`): after a crash, how long until
/// another worker resumes it.
pub const LEASE_VARIABLE: &str = "HOOKSPEC_LEASE";

/// A duration as people write it (`250ms`, `5s`, `1m 30s`), or why not.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|error| {
        format!(
            "`{}` is not a duration (`250ms`, `5s`, `2m`): {error}",
            text.trim()
        )
    })
}

impl AddressPolicy {
    /// The policy a name names: `public` ([`public_only`](Self::public_only)),
    /// `public+loopback` (also 127.0.0.1 and ::1, for demos) or `loopback-only`
    /// ([`listed_only`](Self::listed_only) with loopback: tests and CI, no DNS).
    pub fn from_name(name: &str) -> Result<Self, String> {
        match name {
            "public" => Ok(AddressPolicy::public_only()),
            "public+loopback" => Ok(AddressPolicy::public_only().allow_loopback()),
            "loopback-only" => Ok(AddressPolicy::listed_only().allow_loopback()),
            other => Err(format!(
                "`{other}` is not a policy: use `public`, `public+loopback` or `loopback-only`"
            )),
        }
    }
}

impl CallbacksBuilder {
    /// Keeps deliveries where `url` says: `sqlite:<file>`, `postgres://...` (feature
    /// `postgres`) or `memory`.
    pub fn store_url(self, url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            #[cfg(feature = "sqlite")]
            return Ok(self.sqlite(path));
            #[cfg(not(feature = "sqlite"))]
            return Err(format!("`sqlite:{path}` needs hookspec's `sqlite` feature"));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(self.postgres(url));
            #[cfg(not(feature = "postgres"))]
            return Err("a PostgreSQL URL needs hookspec's `postgres` feature".to_owned());
        }
        if url == "memory" {
            return Ok(self.in_memory());
        }
        // Only the scheme is named: the rest of a URL may hold a password.
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let named = if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            "the value".to_owned()
        } else {
            format!("a `{scheme}:` URL")
        };
        Err(format!(
            "{named} is not a store: use `sqlite:<file>`, `postgres://...` or `memory`"
        ))
    }

    /// A builder set from the environment, for a server's `main`:
    ///
    /// | variable | value | unset |
    /// |---|---|---|
    /// | `HOOKSPEC_DELIVERY_STORE` | `sqlite:<file>`, `postgres://...`, `memory` | the default SQLite file |
    /// | `HOOKSPEC_CALLBACK_POLICY` | `public`, `public+loopback`, `loopback-only` | `public` |
    /// | `HOOKSPEC_SECRETS_KEY` | the key sealing each owner's managed secrets (base64, 32 bytes): [`owner_secrets`](Self::owner_secrets) | the code chooses how to sign |
    /// | `HOOKSPEC_SINGLE_TENANT_SECRETS` | `whsec_...` secrets for every delivery, space- or comma-separated: [`single_tenant_secrets`](Self::single_tenant_secrets) (was `HOOKSPEC_SIGNING_SECRETS`, still read with a warning) | the code chooses how to sign |
    /// | `HOOKSPEC_RETRY_SCHEDULE` | waits between attempts, comma-separated: `5s, 5m, 30m` | 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h |
    /// | `HOOKSPEC_ATTEMPT_TIMEOUT` | one attempt's limit: `10s` | 10 s |
    /// | `HOOKSPEC_LEASE` | how long a claim holds a delivery: `40s` | attempt timeout + 30 s |
    ///
    /// A value it cannot use is a [`BuildError::Env`] naming the variable.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables looked up by `lookup`.
    pub(crate) fn from_lookup(
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, BuildError> {
        let mut builder = CallbacksBuilder::default();
        if let Some(url) = lookup(STORE_VARIABLE) {
            builder = builder.store_url(&url).map_err(|reason| BuildError::Env {
                variable: STORE_VARIABLE,
                reason,
            })?;
        }
        if let Some(name) = lookup(POLICY_VARIABLE) {
            let policy = AddressPolicy::from_name(&name).map_err(|reason| BuildError::Env {
                variable: POLICY_VARIABLE,
                reason,
            })?;
            builder = builder.address_policy(policy);
        }
        if let Some(text) = lookup(RETRY_SCHEDULE_VARIABLE) {
            let waits = text
                .split(',')
                .map(duration)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|reason| BuildError::Env {
                    variable: RETRY_SCHEDULE_VARIABLE,
                    reason,
                })?;
            builder = builder.retry(RetryPolicy::with_schedule(waits));
        }
        for (variable, set) in [
            (
                ATTEMPT_TIMEOUT_VARIABLE,
                CallbacksBuilder::attempt_timeout
                    as fn(CallbacksBuilder, Duration) -> CallbacksBuilder,
            ),
            (LEASE_VARIABLE, CallbacksBuilder::lease),
        ] {
            if let Some(text) = lookup(variable) {
                let value =
                    duration(&text).map_err(|reason| BuildError::Env { variable, reason })?;
                builder = set(builder, value);
            }
        }
        let single_tenant = match (
            lookup(SINGLE_TENANT_SECRETS_VARIABLE),
            lookup(RENAMED_SECRETS_VARIABLE),
        ) {
            (Some(secrets), _) => Some((SINGLE_TENANT_SECRETS_VARIABLE, secrets)),
            (None, Some(secrets)) => {
                tracing::warn!(
                    "{RENAMED_SECRETS_VARIABLE} is now {SINGLE_TENANT_SECRETS_VARIABLE}: \
                     rename it (the secrets sign every API user's deliveries)"
                );
                Some((RENAMED_SECRETS_VARIABLE, secrets))
            }
            (None, None) => None,
        };
        let key = lookup(SECRETS_KEY_VARIABLE);
        match (key, single_tenant) {
            (Some(_), Some((variable, _))) => {
                return Err(BuildError::Env {
                    variable,
                    reason: format!(
                        "both {SECRETS_KEY_VARIABLE} (each owner's own secrets) and single-tenant \
                         secrets are set; set one"
                    ),
                })
            }
            (Some(key), None) => {
                let key = SecretsKey::from_base64(&key).map_err(|error| BuildError::Env {
                    variable: SECRETS_KEY_VARIABLE,
                    reason: error.to_string(),
                })?;
                builder = builder.owner_secrets(key);
            }
            (None, Some((variable, text))) => {
                let secrets: Vec<&str> = text
                    .split([' ', ',', '\n', '\t'])
                    .filter(|secret| !secret.is_empty())
                    .collect();
                // Checked here, so the error names the variable.
                crate::signing::Signer::new(&secrets).map_err(|error| BuildError::Env {
                    variable,
                    reason: error.to_string(),
                })?;
                builder = builder.single_tenant_secrets(&secrets);
            }
            (None, None) => {}
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::builder::SigningChoice;

    fn from(vars: &[(&'static str, &str)]) -> Result<CallbacksBuilder, BuildError> {
        let vars: Vec<(&'static str, String)> =
            vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        CallbacksBuilder::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
    }

    fn env_error(result: Result<CallbacksBuilder, BuildError>) -> (&'static str, String) {
        match result {
            Err(BuildError::Env { variable, reason }) => (variable, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        assert_eq!(
            env_error(from(&[(STORE_VARIABLE, "mysql://app:pa55word@db/x")])),
            (
                STORE_VARIABLE,
                "a `mysql:` URL is not a store: use `sqlite:<file>`, `postgres://...` or `memory`"
                    .to_owned()
            )
        );
        // Nothing of a value that is not even a URL is echoed either.
        let (_, reason) = env_error(from(&[(STORE_VARIABLE, "app:pa55word@db")]));
        assert!(!reason.contains("pa55word"), "{reason}");
        let (_, reason) = env_error(from(&[(STORE_VARIABLE, "pa55word")]));
        assert!(!reason.contains("pa55word"), "{reason}");
        assert_eq!(
            env_error(from(&[(POLICY_VARIABLE, "everything")])).0,
            POLICY_VARIABLE
        );
        let (variable, reason) = env_error(from(&[(SINGLE_TENANT_SECRETS_VARIABLE, "hunter2")]));
        assert_eq!(variable, SINGLE_TENANT_SECRETS_VARIABLE);
        assert!(reason.contains("whsec_"), "{reason}");
        let (variable, reason) = env_error(from(&[(RENAMED_SECRETS_VARIABLE, "hunter2")]));
        assert_eq!(variable, RENAMED_SECRETS_VARIABLE);
        assert!(reason.contains("whsec_"), "{reason}");
        let (variable, reason) = env_error(from(&[(SECRETS_KEY_VARIABLE, "hunter2")]));
        assert_eq!(variable, SECRETS_KEY_VARIABLE);
        assert!(!reason.contains("hunter2"), "{reason}");
        let key = SecretsKey::generate().unwrap().to_base64();
        let (variable, reason) = env_error(from(&[
            (SECRETS_KEY_VARIABLE, key.as_str()),
            (
                RENAMED_SECRETS_VARIABLE,
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
        ]));
        assert_eq!(variable, RENAMED_SECRETS_VARIABLE);
        assert!(reason.contains("set one"), "{reason}");
        for variable in [
            RETRY_SCHEDULE_VARIABLE,
            ATTEMPT_TIMEOUT_VARIABLE,
            LEASE_VARIABLE,
        ] {
            let (named, reason) = env_error(from(&[(variable, "5 parsecs")]));
            assert_eq!(named, variable);
            assert!(reason.contains("`5 parsecs` is not a duration"), "{reason}");
        }
    }

    #[test]
    fn good_values_are_taken() {
        let builder = from(&[
            (STORE_VARIABLE, "memory"),
            (POLICY_VARIABLE, "loopback-only"),
            (
                SINGLE_TENANT_SECRETS_VARIABLE,
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            ),
        ])
        .unwrap();
        let text = format!("{builder:?}");
        assert!(text.contains("store: Memory"), "{text}");
        assert!(text.contains("listed_only: true"), "{text}");
        let timed = from(&[
            (RETRY_SCHEDULE_VARIABLE, "250ms, 1s,2m"),
            (ATTEMPT_TIMEOUT_VARIABLE, "2s"),
            (LEASE_VARIABLE, "3s 500ms"),
        ])
        .unwrap();
        assert_eq!(
            timed.retry.waits(),
            [
                Duration::from_millis(250),
                Duration::from_secs(1),
                Duration::from_secs(120)
            ]
        );
        assert_eq!(timed.attempt_timeout, Duration::from_secs(2));
        assert_eq!(timed.lease, Some(Duration::from_millis(3500)));
        assert!(
            matches!(&builder.signing, SigningChoice::SingleTenant(list) if list.0.len() == 2),
            "{:?}",
            builder.signing
        );
        // The old name still works.
        let renamed = from(&[(
            RENAMED_SECRETS_VARIABLE,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )])
        .unwrap();
        assert!(matches!(renamed.signing, SigningChoice::SingleTenant(_)));
        let key = SecretsKey::generate().unwrap().to_base64();
        let managed = from(&[(SECRETS_KEY_VARIABLE, key.as_str())]).unwrap();
        assert!(matches!(managed.signing, SigningChoice::Managed(_)));
        assert!(!format!("{managed:?}").contains(&key));
        // Nothing set: the builder's defaults, signing not chosen.
        let defaults = from(&[]).unwrap();
        assert!(matches!(defaults.signing, SigningChoice::Unchosen));
        assert!(matches!(
            defaults.in_memory().build(),
            Err(BuildError::SigningNotChosen)
        ));
    }

    #[test]
    fn debug_output_counts_secrets_and_never_shows_them() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let builder = from(&[(SINGLE_TENANT_SECRETS_VARIABLE, secret)]).unwrap();
        let text = format!("{builder:?} {builder:#?}");
        assert!(text.contains("1 secrets"), "{text}");
        assert!(!text.contains(&secret[6..]), "{text}");
        let callbacks = builder.in_memory().build().unwrap();
        let text = format!("{callbacks:?} {callbacks:#?}");
        assert!(!text.contains(&secret[6..]), "{text}");
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn debug_output_never_shows_the_store_password() {
        let builder = from(&[(STORE_VARIABLE, "postgres://app:pa55word@127.0.0.1/db")]).unwrap();
        let text = format!("{builder:?} {builder:#?}");
        assert!(!text.contains("pa55word"), "{text}");
    }
}
