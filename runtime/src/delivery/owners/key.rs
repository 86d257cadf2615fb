//! [`SecretsKey`]: the key managed signing secrets are sealed with at rest
//! (XChaCha20-Poly1305), so a copy of the store alone does not reveal them.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// How long a key is, in bytes (256 bits).
const KEY_BYTES: usize = 32;
/// How long a nonce is: XChaCha20's 192 bits, long enough to draw at random.
const NONCE_BYTES: usize = 24;
/// The first byte of a sealed secret: how it was sealed.
const SEALED_V1: u8 = 1;
/// The first byte of a secret stored as it is, when the application chose
/// [`CallbacksBuilder::owner_secrets_in_plaintext`](crate::delivery::CallbacksBuilder::owner_secrets_in_plaintext).
const PLAIN: u8 = 0;

/// The key that seals the signing secrets hookspec manages in the delivery
/// store: 32 random bytes, written as base64 (`HOOKSPEC_SECRETS_KEY`). Keep it
/// out of the store's database and its backups: whoever has both can read
/// every secret. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretsKey {
    bytes: [u8; KEY_BYTES],
}

impl fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretsKey(..)")
    }
}

impl Drop for SecretsKey {
    fn drop(&mut self) {
        // Not a guarantee (copies may exist), but the key does not outlive its use here.
        self.bytes.fill(0);
    }
}

/// Why a key could not be read, or a secret could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub(crate) String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

impl SecretsKey {
    /// A new random key, from the operating system's randomness.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0; KEY_BYTES];
        random(&mut bytes)?;
        Ok(SecretsKey { bytes })
    }

    /// The key written as `text`: the standard base64 of 32 bytes (what
    /// [`to_base64`](Self::to_base64) writes; `openssl rand -base64 32` makes one).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError("a secrets key is the base64 of 32 random bytes".into()))?;
        let bytes: [u8; KEY_BYTES] = decoded.try_into().map_err(|bytes: Vec<u8>| {
            KeyError(format!(
                "a secrets key is 32 random bytes; this one is {} bytes",
                bytes.len()
            ))
        })?;
        Ok(SecretsKey { bytes })
    }

    /// The key as base64, to keep in a secret manager or the environment.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes)
    }

    /// The key in the file at `path`, made (readable by its owner only) with a
    /// new random key if there is none: for examples and development, where no
    /// secret manager holds the key. Returns the key and whether it was made.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<(Self, bool), KeyError> {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => return Ok((Self::from_base64(&text)?, false)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(KeyError(format!("cannot read {}: {error}", path.display()))),
        }
        let key = Self::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(path).and_then(|mut file| {
            use std::io::Write as _;
            file.write_all(key.to_base64().as_bytes())
        });
        match written {
            Ok(()) => Ok((key, true)),
            // Another process made it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load_or_create(path)
            }
            Err(error) => Err(KeyError(format!(
                "cannot write {}: {error}",
                path.display()
            ))),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

/// How stored secrets are protected: sealed with a key, or (the application's
/// explicit choice) not at all.
#[derive(Clone, Debug)]
pub(crate) enum Sealing {
    Key(SecretsKey),
    Plaintext,
}

impl Sealing {
    /// `secret` as the store keeps it for `holder`. The holder is bound into the
    /// seal: a sealed secret copied to another holder's row does not open.
    pub(crate) fn seal(&self, holder: &str, secret: &str) -> Result<Vec<u8>, KeyError> {
        match self {
            Sealing::Plaintext => {
                let mut stored = vec![PLAIN];
                stored.extend_from_slice(secret.as_bytes());
                Ok(stored)
            }
            Sealing::Key(key) => {
                let mut nonce = [0; NONCE_BYTES];
                random(&mut nonce)?;
                let sealed = key
                    .cipher()
                    .encrypt(
                        &XNonce::from(nonce),
                        Payload {
                            msg: secret.as_bytes(),
                            aad: holder.as_bytes(),
                        },
                    )
                    .map_err(|_| KeyError("the secret could not be sealed".into()))?;
                let mut stored = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
                stored.push(SEALED_V1);
                stored.extend_from_slice(&nonce);
                stored.extend_from_slice(&sealed);
                Ok(stored)
            }
        }
    }

    /// The secret `stored` holds for `holder`. A sealed secret without the key
    /// (or with another), or a plaintext one where secrets are sealed, is an
    /// error: never a secret nobody chose.
    pub(crate) fn open(&self, holder: &str, stored: &[u8]) -> Result<String, KeyError> {
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|_| KeyError("a stored secret is not text".into()))
        };
        match (self, stored.split_first()) {
            (Sealing::Plaintext, Some((&PLAIN, secret))) => text(secret.to_vec()),
            (Sealing::Plaintext, Some((&SEALED_V1, _))) => Err(KeyError(
                "the store holds sealed secrets and no secrets key is configured".into(),
            )),
            (Sealing::Key(_), Some((&PLAIN, _))) => Err(KeyError(
                "the store holds a secret in plaintext where secrets are sealed".into(),
            )),
            (Sealing::Key(key), Some((&SEALED_V1, rest))) if rest.len() > NONCE_BYTES => {
                let (nonce, sealed) = rest.split_at(NONCE_BYTES);
                let nonce: [u8; NONCE_BYTES] = nonce.try_into().expect("split at its length");
                let opened = key
                    .cipher()
                    .decrypt(
                        &XNonce::from(nonce),
                        Payload {
                            msg: sealed,
                            aad: holder.as_bytes(),
                        },
                    )
                    .map_err(|_| {
                        KeyError(
                            "a stored secret does not open with this secrets key (another key, \
                             or a row changed outside hookspec)"
                                .into(),
                        )
                    })?;
                text(opened)
            }
            _ => Err(KeyError(
                "a stored secret is in no form this hookspec reads".into(),
            )),
        }
    }
}

/// Fills `bytes` from the operating system's randomness.
pub(crate) fn random(bytes: &mut [u8]) -> Result<(), KeyError> {
    getrandom::fill(bytes).map_err(|error| KeyError(format!("no randomness: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_sealed_secret_opens_with_its_key_for_its_holder_only() {
        let key = Sealing::Key(SecretsKey::generate().unwrap());
        let sealed = key.seal("owner:acme", SECRET).unwrap();
        assert!(!sealed
            .windows(SECRET.len())
            .any(|window| window == SECRET.as_bytes()));
        assert_eq!(key.open("owner:acme", &sealed).unwrap(), SECRET);
        assert!(key.open("owner:globex", &sealed).is_err());
        let other = Sealing::Key(SecretsKey::generate().unwrap());
        assert!(other.open("owner:acme", &sealed).is_err());
        assert!(Sealing::Plaintext.open("owner:acme", &sealed).is_err());
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let key = Sealing::Key(SecretsKey::generate().unwrap());
        assert_ne!(
            key.seal("owner:acme", SECRET).unwrap(),
            key.seal("owner:acme", SECRET).unwrap()
        );
    }

    #[test]
    fn a_plaintext_secret_is_refused_where_secrets_are_sealed() {
        let stored = Sealing::Plaintext.seal("owner:acme", SECRET).unwrap();
        assert_eq!(
            Sealing::Plaintext.open("owner:acme", &stored).unwrap(),
            SECRET
        );
        let key = Sealing::Key(SecretsKey::generate().unwrap());
        assert!(key.open("owner:acme", &stored).is_err());
    }

    #[test]
    fn a_key_reads_back_from_its_base64_and_never_shows_in_debug() {
        let key = SecretsKey::generate().unwrap();
        let text = key.to_base64();
        assert_eq!(SecretsKey::from_base64(&text).unwrap().bytes, key.bytes);
        assert!(!format!("{key:?}").contains(&text));
        assert!(SecretsKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretsKey::from_base64("not base64!").is_err());
    }
}
