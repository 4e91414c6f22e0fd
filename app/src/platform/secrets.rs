//! Encryption at rest for what a database dump alone must not reveal:
//! two-factor secrets, tax IDs, bank account numbers and IBANs.
//!
//! XChaCha20-Poly1305 (its 24-byte nonce is safe to pick at random for
//! every value) under one 32-byte key the server holds outside the
//! database: `PAYDESK_SECRET_KEY`, or a key file made on first start with
//! owner-only permissions. Each sealed value names its purpose as
//! associated data (`totp:42`), so a value copied into another row or
//! column does not open there, and carries the key's id, so a value sealed
//! under another key says so instead of failing as "corrupt".

use std::path::Path;

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use sha2::{Digest, Sha256};

/// Marks a sealed value and its layout: `enc1:{key id}:{nonce ‖ ciphertext}`.
const PREFIX: &str = "enc1";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the secret key must be 32 bytes, written as base64 (44 characters) or hex (64 characters)"
    )]
    Malformed,
    #[error("cannot read or create the key file {path}: {cause}")]
    File { path: String, cause: std::io::Error },
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the value is not sealed by Paydesk")]
    NotSealed,
    #[error("the value was sealed under key {found}, not the key this server has ({expected}): start the server with the key it was written with")]
    OtherKey { found: String, expected: String },
    #[error("the sealed value is damaged or belongs to another record")]
    Damaged,
}

/// The server's data key. `Debug` shows only its id.
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
    id: String,
    text: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("id", &self.id).finish()
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"paydesk key id\0")
            .chain_update(bytes)
            .finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            cipher: XChaCha20Poly1305::new(&bytes.into()),
            id,
            text: STANDARD.encode(bytes),
        }
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// A key written as base64 (standard or URL-safe, padded or not) or hex.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let decoded = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| KeyError::Malformed)?
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| KeyError::Malformed)?
        };
        let bytes: [u8; 32] = decoded.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key file at `path`, or a new key written there (owner read and
    /// write only) when there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |cause| KeyError::File {
            path: path.display().to_string(),
            cause,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::parse(&text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(file_error(err)),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(file_error)?;
        }
        let key = Self::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                use std::io::Write;
                writeln!(file, "{}", key.text)
                    .and_then(|()| file.sync_all())
                    .map_err(file_error)?;
                Ok(key)
            }
            // Another process made it first: use theirs.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::parse(&std::fs::read_to_string(path).map_err(file_error)?)
            }
            Err(err) => Err(file_error(err)),
        }
    }

    /// Eight hex characters naming the key (not secret: a digest of it).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as base64, for writing it down (a new key made by `rotate-key`).
    pub fn to_base64(&self) -> &str {
        &self.text
    }

    /// Seals `plaintext` for `purpose` (the record it belongs to).
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            // Only a message longer than 256 GiB fails to encrypt.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}:{}:{}", self.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Seals text.
    pub fn seal_text(&self, purpose: &str, plaintext: &str) -> String {
        self.seal(purpose, plaintext.as_bytes())
    }

    /// Opens a value sealed for `purpose` under this key.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(PREFIX), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::NotSealed);
        };
        if id != self.id {
            return Err(SealError::OtherKey {
                found: id.to_owned(),
                expected: self.id.clone(),
            });
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Damaged)?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)
    }

    /// Opens sealed text.
    pub fn open_text(&self, purpose: &str, sealed: &str) -> Result<String, SealError> {
        String::from_utf8(self.open(purpose, sealed)?).map_err(|_| SealError::Damaged)
    }
}

/// How every sealed value starts (for finding plain ones in SQL too).
pub const SEALED_PREFIX: &str = "enc1:";

/// Whether a stored value is sealed (rather than plain text from before
/// encryption at rest).
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_purpose() {
        let key = SecretKey::generate();
        let sealed = key.seal_text("totp:7", "JBSWY3DPEHPK3PXP");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            key.open_text("totp:7", &sealed).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(matches!(
            key.open_text("totp:8", &sealed),
            Err(SealError::Damaged)
        ));
        let other = SecretKey::generate();
        assert!(matches!(
            other.open_text("totp:7", &sealed),
            Err(SealError::OtherKey { .. })
        ));
        assert_ne!(
            key.seal_text("totp:7", "JBSWY3DPEHPK3PXP"),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn a_tampered_value_is_refused() {
        let key = SecretKey::generate();
        let sealed = key.seal_text("tax_id:1", "123-45-6789");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(matches!(
            key.open_text("tax_id:1", &tampered),
            Err(SealError::Damaged)
        ));
        assert!(matches!(
            key.open_text("tax_id:1", "plain text"),
            Err(SealError::NotSealed)
        ));
    }

    #[test]
    fn keys_parse_from_base64_and_hex_and_nothing_else() {
        let key = SecretKey::generate();
        let again = SecretKey::parse(key.to_base64()).unwrap();
        assert_eq!(again.id(), key.id());
        let hex = "00".repeat(32);
        assert!(SecretKey::parse(&hex).is_ok());
        assert!(SecretKey::parse("too short").is_err());
        assert!(SecretKey::parse(&STANDARD.encode([1u8; 31])).is_err());
    }

    #[test]
    fn a_key_file_is_made_once_owner_only_and_read_back() {
        let dir = std::env::temp_dir().join(format!("paydesk-key-{}", rand::random::<u64>()));
        let path = dir.join("paydesk.key");
        let made = SecretKey::load_or_create(&path).unwrap();
        let read = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(made.id(), read.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
