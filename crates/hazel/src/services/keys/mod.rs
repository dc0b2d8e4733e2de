//! The key store: private keys are generated here, kept encrypted at rest, and used only through
//! the [`jose::Signer`] trait. No private key leaves this module; none is logged or returned.

mod kek;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jose::{Jwk, KeyKind, Signer, SigningKey};
use sqlx::Row;

pub use kek::{DEFAULT_KEK_FILE, Kek, KekError};

use crate::infra::storage::StorageError;
use crate::infra::storage::sql::Database;

/// Why the key store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No key with this id.
    #[error("key not found")]
    NotFound,
    /// The stored key could not be decrypted: wrong key-encryption key, or tampered data.
    #[error("stored key cannot be decrypted (wrong key-encryption key?)")]
    Unsealing,
    /// Key generation or encoding failed.
    #[error("key material error: {0}")]
    Crypto(#[from] jose::Error),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for KeyError {
    fn from(error: sqlx::Error) -> Self {
        KeyError::Storage(error.into())
    }
}

/// A key that was generated: its store id and public key.
#[derive(Debug, Clone)]
pub struct KeyHandle {
    /// The id in the key store (opaque, not the DID URL).
    pub id: String,
    /// The public key.
    pub public: Jwk,
}

/// Where private keys live. The default keeps them in the SQL database, sealed with the
/// key-encryption key; a Vault or KMS implementation can take its place.
#[async_trait]
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    /// Generates and stores a new key.
    async fn generate(&self, kind: KeyKind) -> Result<KeyHandle, KeyError>;
    /// A signer for a stored key.
    async fn signer(&self, id: &str) -> Result<Arc<dyn Signer>, KeyError>;
    /// Deletes a key for good.
    async fn delete(&self, id: &str) -> Result<(), KeyError>;
}

/// Private keys in the SQL database, AES-256-GCM sealed with the key-encryption key, the key's id
/// and kind bound in as associated data so that rows cannot be swapped.
#[derive(Debug)]
pub struct SqlKeyStore {
    database: Database,
    kek: Kek,
    /// Decrypted keys, so that signing does not decrypt and parse on every request.
    cache: Mutex<HashMap<String, Arc<SigningKey>>>,
}

impl SqlKeyStore {
    /// A key store in `database` sealed with `kek`.
    pub fn new(database: Database, kek: Kek) -> Self {
        Self {
            database,
            kek,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, id: &str) -> Option<Arc<SigningKey>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(id)
            .cloned()
    }

    fn remember(&self, id: &str, key: Arc<SigningKey>) {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id.to_owned(), key);
    }
}

fn associated_data(id: &str, kind: KeyKind) -> Vec<u8> {
    format!("hazel-key:{id}:{}", kind.as_str()).into_bytes()
}

#[async_trait]
impl KeyStore for SqlKeyStore {
    async fn generate(&self, kind: KeyKind) -> Result<KeyHandle, KeyError> {
        let id = uuid::Uuid::new_v4().to_string();
        // RSA generation takes tens of milliseconds: keep it off the async workers.
        let key = tokio::task::spawn_blocking(move || SigningKey::generate(kind))
            .await
            .map_err(|_| KeyError::Crypto(jose::Error::SigningFailed))??;
        let pkcs8 = zeroizing(key.to_pkcs8()?);
        let sealed = self
            .kek
            .seal(&associated_data(&id, kind), &pkcs8)
            .map_err(|_| KeyError::Unsealing)?;
        sqlx::query(
            "INSERT INTO private_key (id, kind, sealed, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(kind.as_str())
        .bind(jose::base64url::encode(sealed))
        .bind(unix_now())
        .execute(self.database.pool())
        .await?;
        let public = key.public_jwk().clone();
        self.remember(&id, Arc::new(key));
        Ok(KeyHandle { id, public })
    }

    async fn signer(&self, id: &str) -> Result<Arc<dyn Signer>, KeyError> {
        if let Some(key) = self.cached(id) {
            return Ok(key);
        }
        let row = sqlx::query("SELECT kind, sealed FROM private_key WHERE id = $1")
            .bind(id)
            .fetch_optional(self.database.pool())
            .await?
            .ok_or(KeyError::NotFound)?;
        let kind: String = row.try_get("kind")?;
        let kind = KeyKind::parse(&kind).ok_or(KeyError::Unsealing)?;
        let sealed: String = row.try_get("sealed")?;
        let sealed =
            jose::base64url::decode(&sealed, "sealed key").map_err(|_| KeyError::Unsealing)?;
        let pkcs8 = zeroizing(
            self.kek
                .open(&associated_data(id, kind), &sealed)
                .map_err(|_| KeyError::Unsealing)?,
        );
        let key = Arc::new(SigningKey::from_pkcs8(kind, &pkcs8)?);
        self.remember(id, key.clone());
        Ok(key)
    }

    async fn delete(&self, id: &str) -> Result<(), KeyError> {
        sqlx::query("DELETE FROM private_key WHERE id = $1")
            .bind(id)
            .execute(self.database.pool())
            .await?;
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(id);
        Ok(())
    }
}

/// Plain key bytes are overwritten when dropped.
struct Zeroizing(Vec<u8>);

fn zeroizing(bytes: Vec<u8>) -> Zeroizing {
    Zeroizing(bytes)
}

impl std::ops::Deref for Zeroizing {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Zeroizing {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|byte| *byte = 0);
        // Keep the writes from being optimised away.
        std::hint::black_box(&self.0);
    }
}

/// Seconds since the epoch for bookkeeping columns (`created_at`); protocol checks take their time
/// as a parameter instead.
pub(crate) fn unix_now() -> i64 {
    use crate::infra::clock::{Clock, SystemClock};
    SystemClock.now().unix_timestamp()
}
