//! A secret's form (`whsec_` and the base64 of 24 to 64 bytes), checked before use.

use standardwebhooks::Webhook;

use super::error::SignatureError;

/// The shortest and longest secret Standard Webhooks allows, in bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// Checks one secret's form: `whsec_` and the base64 of 24 to 64 bytes. A
/// shorter secret could be guessed; one without the prefix is likely a
/// password or an API key pasted in the wrong place.
pub(crate) fn check_secret(secret: &str) -> Result<(), SignatureError> {
    use base64::Engine as _;
    let invalid = |why: String| SignatureError::InvalidSecret(why);
    let Some(encoded) = secret.strip_prefix("whsec_") else {
        return Err(invalid(
            "a secret is `whsec_` followed by the base64 of 24 to 64 random bytes".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|error| invalid(format!("what follows `whsec_` is not base64: {error}")))?;
    if !SECRET_BYTES.contains(&bytes.len()) {
        return Err(invalid(format!(
            "a secret of {} bytes; Standard Webhooks secrets are 24 to 64 random bytes",
            bytes.len()
        )));
    }
    Ok(())
}

pub(super) fn parse_secrets(secrets: &[&str]) -> Result<Vec<Webhook>, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    secrets
        .iter()
        .map(|secret| {
            check_secret(secret)?;
            Webhook::new(secret).map_err(|error| SignatureError::InvalidSecret(error.to_string()))
        })
        .collect()
}
