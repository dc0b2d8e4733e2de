//! The key-encryption key: AES-256-GCM (aws-lc-rs) with a random 96-bit nonce per sealed key.
//! It comes from `crypto.kek`, from `crypto.kekfile`, or from `<datadir>/kek.key`, created with
//! mode 0600 at first start.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::config::{CryptoConfig, KEK_LEN, decode_kek};

/// The default file name of the key-encryption key in the data directory.
pub const DEFAULT_KEK_FILE: &str = "kek.key";

/// Why the key-encryption key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    /// The value is not 32 bytes of base64url.
    #[error("{0}: must hold 32 bytes in base64url")]
    Invalid(String),
    /// The file could not be read or created.
    #[error("{path}: {reason}")]
    File {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Sealing or opening failed (wrong key or tampered data).
    #[error("sealed data does not open with this key")]
    Crypto,
}

/// The key-encryption key.
pub struct Kek {
    key: RandomizedNonceKey,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(*****)")
    }
}

impl Kek {
    /// From its base64url text.
    pub fn from_base64url(text: &str) -> Result<Self, KekError> {
        let bytes = decode_kek(text).ok_or_else(|| KekError::Invalid("crypto.kek".into()))?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, KekError> {
        if bytes.len() != KEK_LEN {
            return Err(KekError::Invalid("key-encryption key".into()));
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| KekError::Crypto)?;
        Ok(Self { key })
    }

    /// As configured: `crypto.kek`, else `crypto.kekfile`, else `<datadir>/kek.key` (created if
    /// missing). Also returns a warning when an existing file is readable by others.
    pub fn load(config: &CryptoConfig, datadir: &Path) -> Result<(Self, Option<String>), KekError> {
        if !config.kek.is_empty() {
            return Ok((Self::from_base64url(config.kek.expose())?, None));
        }
        let (path, create) = match &config.kekfile {
            Some(path) => (path.clone(), false),
            None => (datadir.join(DEFAULT_KEK_FILE), true),
        };
        let file_error = |reason: String| KekError::File {
            path: path.clone(),
            reason,
        };
        if create && !path.exists() {
            crate::infra::storage::private::create_dir(datadir)
                .map_err(|e| file_error(e.to_string()))?;
            let mut bytes = [0u8; KEK_LEN];
            SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|_| file_error("no randomness".into()))?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| file_error(format!("cannot create: {e}")))?;
            file.write_all(jose::base64url::encode(bytes).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| file_error(format!("cannot write: {e}")))?;
            bytes.iter_mut().for_each(|b| *b = 0);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(e.to_string()))?;
        let warning = std::fs::metadata(&path)
            .ok()
            .filter(|meta| meta.permissions().mode() & 0o077 != 0)
            .map(|_| {
                format!(
                    "{} is readable by other users; restrict it with chmod 600",
                    path.display()
                )
            });
        let bytes =
            decode_kek(&text).ok_or_else(|| KekError::Invalid(path.display().to_string()))?;
        Ok((Self::from_bytes(&bytes)?, warning))
    }

    /// Encrypts `plaintext`; the result is nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KekError> {
        let mut in_out = plaintext.to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(aad), &mut in_out)
            .map_err(|_| KekError::Crypto)?;
        let mut sealed = nonce.as_ref().to_vec();
        sealed.append(&mut in_out);
        Ok(sealed)
    }

    /// Decrypts what [`Kek::seal`] made with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KekError> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or(KekError::Crypto)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KekError::Crypto)?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut in_out)
            .map_err(|_| KekError::Crypto)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_associated_data() {
        let kek = Kek::from_bytes(&[7; 32]).unwrap();
        let sealed = kek.seal(b"key-1", b"secret").unwrap();
        assert_eq!(kek.open(b"key-1", &sealed).unwrap(), b"secret");
        assert!(
            kek.open(b"key-2", &sealed).is_err(),
            "rows cannot be swapped"
        );
        let other = Kek::from_bytes(&[8; 32]).unwrap();
        assert!(other.open(b"key-1", &sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(kek.open(b"key-1", &tampered).is_err());
        assert_ne!(
            kek.seal(b"key-1", b"secret").unwrap(),
            sealed,
            "fresh nonce each time"
        );
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, warning) = Kek::load(&CryptoConfig::default(), dir.path()).unwrap();
        assert!(warning.is_none());
        let path = dir.path().join(DEFAULT_KEK_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let sealed = first.seal(b"a", b"b").unwrap();
        let (second, _) = Kek::load(&CryptoConfig::default(), dir.path()).unwrap();
        assert_eq!(second.open(b"a", &sealed).unwrap(), b"b");
    }

    #[test]
    fn configured_value_and_bad_values() {
        let config = CryptoConfig {
            kek: crate::config::Secret::new(jose::base64url::encode([1u8; 32])),
            kekfile: None,
        };
        assert!(Kek::load(&config, Path::new("/nonexistent")).is_ok());
        assert!(Kek::from_base64url("c2hvcnQ").is_err());
        let dir = tempfile::tempdir().unwrap();
        let loose = dir.path().join("loose.key");
        std::fs::write(&loose, jose::base64url::encode([2u8; 32])).unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        let config = CryptoConfig {
            kek: crate::config::Secret::default(),
            kekfile: Some(loose),
        };
        let (_, warning) = Kek::load(&config, dir.path()).unwrap();
        assert!(warning.unwrap().contains("chmod 600"));
    }
}
