//! How the PostgreSQL store reaches its database: the connection settings of a
//! URL, and TLS as its `sslmode` asks. `require`, `verify-ca` and `verify-full`
//! connect with TLS only (rustls), checking the server's certificate chain and
//! name against `sslrootcert` (a PEM file) if given, else the platform's
//! roots: stricter than libpq's `require`, which checks nothing, and never
//! clear text. `disable`, `allow`, `prefer` or none connect in clear, as
//! without TLS support.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::delivery::store::contract::StoreError;

/// The session setting the store's connections are opened with.
const GENERIC_PLANS: &str = "-c plan_cache_mode=force_generic_plan";

/// How connections are made.
#[derive(Clone)]
pub(super) enum Transport {
    /// In clear.
    Clear,
    /// With TLS, the server's certificate checked.
    Tls(MakeRustlsConnect),
}

/// What `sslmode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wanted {
    Clear,
    Tls,
}

/// The connection settings of `url` and how to connect, with generic plans for
/// prepared statements. The store's statements are prepared once per
/// connection and their best plan does not depend on the values (index lookups
/// by id, the due index); but PostgreSQL plans a statement again at every
/// execution while the plan for its values looks cheaper than the generic one,
/// which for the grouped statements (arrays of unknown length) is always: under
/// load, planning them cost as much as running them.
pub(super) fn connection_settings(
    url: &str,
) -> Result<(tokio_postgres::Config, Transport), StoreError> {
    let (rest, sslmode, root_file) = take_tls_settings(url)?;
    let mut config: tokio_postgres::Config = rest
        .parse()
        .map_err(|error| StoreError::Unavailable(format!("bad PostgreSQL URL: {error}")))?;
    let options = match config.get_options() {
        Some(given) if !given.is_empty() => format!("{given} {GENERIC_PLANS}"),
        _ => GENERIC_PLANS.to_owned(),
    };
    config.options(&options);
    let transport = match wanted(sslmode.as_deref())? {
        Wanted::Clear => {
            config.ssl_mode(SslMode::Disable);
            Transport::Clear
        }
        Wanted::Tls => {
            config.ssl_mode(SslMode::Require);
            Transport::Tls(MakeRustlsConnect::new(client_config(root_file.as_deref())?))
        }
    };
    Ok((config, transport))
}

fn wanted(sslmode: Option<&str>) -> Result<Wanted, StoreError> {
    match sslmode {
        None | Some("disable" | "allow" | "prefer") => Ok(Wanted::Clear),
        Some("require" | "verify-ca" | "verify-full") => Ok(Wanted::Tls),
        Some(other) => Err(StoreError::Unavailable(format!(
            "bad PostgreSQL URL: sslmode `{other}` is not one of disable, allow, prefer, \
             require, verify-ca, verify-full"
        ))),
    }
}

/// `url` without `sslmode` and `sslrootcert` (read here, not by
/// tokio-postgres, which knows neither `verify-full` nor a root file), and
/// their values. Both forms: `postgres://...?sslmode=...` and
/// `host=... sslmode=...`.
fn take_tls_settings(url: &str) -> Result<(String, Option<String>, Option<String>), StoreError> {
    let (mut sslmode, mut root_file) = (None, None);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_owned(), None, None));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| StoreError::Unavailable("bad PostgreSQL URL: not UTF-8".into()))?
                .into_owned();
            match key {
                "sslmode" => sslmode = Some(value),
                "sslrootcert" => root_file = Some(value),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, sslmode, root_file));
    }
    let mut kept = Vec::new();
    for word in url.split_whitespace() {
        match word.split_once('=') {
            Some(("sslmode", value)) => sslmode = Some(value.trim_matches('\'').to_owned()),
            Some(("sslrootcert", value)) => root_file = Some(value.trim_matches('\'').to_owned()),
            _ => kept.push(word),
        }
    }
    Ok((kept.join(" "), sslmode, root_file))
}

/// rustls with the aws-lc-rs provider (as reqwest's), checking the server
/// against the roots of `root_file` or, without one, the platform's.
fn client_config(root_file: Option<&str>) -> Result<rustls::ClientConfig, StoreError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| StoreError::Unavailable(format!("PostgreSQL TLS: {error}")))?;
    let config = match root_file {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certificates = CertificateDer::pem_file_iter(path).map_err(|error| {
                StoreError::Unavailable(format!("PostgreSQL TLS: sslrootcert `{path}`: {error}"))
            })?;
            for certificate in certificates {
                let certificate = certificate.map_err(|error| {
                    StoreError::Unavailable(format!(
                        "PostgreSQL TLS: sslrootcert `{path}`: {error}"
                    ))
                })?;
                roots.add(certificate).map_err(|error| {
                    StoreError::Unavailable(format!(
                        "PostgreSQL TLS: sslrootcert `{path}`: {error}"
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(StoreError::Unavailable(format!(
                    "PostgreSQL TLS: sslrootcert `{path}` holds no certificate"
                )));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider)
                .map_err(|error| StoreError::Unavailable(format!("PostgreSQL TLS: {error}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_plan_generically_and_keep_the_options_given() {
        let (config, _) = connection_settings("postgres://app@127.0.0.1/db").expect("a URL");
        assert_eq!(config.get_options(), Some(GENERIC_PLANS));
        let (config, _) = connection_settings(
            "postgres://app@127.0.0.1/db?options=-c%20statement_timeout%3D5s&sslmode=disable",
        )
        .expect("a URL");
        assert_eq!(
            config.get_options(),
            Some("-c statement_timeout=5s -c plan_cache_mode=force_generic_plan")
        );
        assert!(matches!(
            connection_settings("postgres://app@127.0.0.1:port/db"),
            Err(StoreError::Unavailable(_))
        ));
    }

    #[test]
    fn tls_settings_are_read_from_either_form_and_taken_out() {
        assert_eq!(
            take_tls_settings("postgres://app:pw@db:5432/x?sslmode=verify-full&application_name=a&sslrootcert=%2Fetc%2Fca.pem")
                .unwrap(),
            (
                "postgres://app:pw@db:5432/x?application_name=a".to_owned(),
                Some("verify-full".to_owned()),
                Some("/etc/ca.pem".to_owned())
            )
        );
        assert_eq!(
            take_tls_settings("postgres://db/x?sslmode=require").unwrap(),
            (
                "postgres://db/x".to_owned(),
                Some("require".to_owned()),
                None
            )
        );
        assert_eq!(
            take_tls_settings("host=db user=app sslmode=require sslrootcert='/ca.pem'").unwrap(),
            (
                "host=db user=app".to_owned(),
                Some("require".to_owned()),
                Some("/ca.pem".to_owned())
            )
        );
        assert_eq!(
            take_tls_settings("postgres://db/x").unwrap(),
            ("postgres://db/x".to_owned(), None, None)
        );
    }

    #[test]
    fn each_sslmode_means_clear_or_checked_tls() {
        for mode in [None, Some("disable"), Some("allow"), Some("prefer")] {
            assert_eq!(wanted(mode).unwrap(), Wanted::Clear, "{mode:?}");
        }
        for mode in ["require", "verify-ca", "verify-full"] {
            assert_eq!(wanted(Some(mode)).unwrap(), Wanted::Tls, "{mode}");
        }
        let error = wanted(Some("required")).unwrap_err().to_string();
        assert!(error.contains("sslmode `required`"), "{error}");
    }

    #[test]
    fn a_tls_url_builds_a_tls_transport_and_a_missing_root_file_is_an_error() {
        let (config, transport) = connection_settings("postgres://db/x?sslmode=require").unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        assert!(matches!(transport, Transport::Tls(_)));
        let (config, transport) = connection_settings("postgres://db/x").unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Disable);
        assert!(matches!(transport, Transport::Clear));
        let error =
            connection_settings("postgres://db/x?sslmode=verify-full&sslrootcert=/nowhere.pem")
                .err()
                .expect("a root file that does not exist");
        assert!(
            error.to_string().contains("sslrootcert `/nowhere.pem`"),
            "{error}"
        );
    }
}
