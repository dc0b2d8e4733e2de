//! Single-use values: presentation nonces, DPoP `jti`s and the DPoP nonces this server hands
//! out. Each is claimed with the session store's atomic `put_if_absent`, so of two concurrent
//! requests carrying the same value exactly one wins, also across nodes that share Redis. Values
//! are hashed into the key: they are chosen by clients and may be long.

use std::sync::Arc;
use std::time::Duration;

use crate::infra::storage::StorageError;
use crate::infra::storage::session::{SessionStore, hashed_key};

/// What kind of value is claimed; each has its own key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The `nonce` of a presentation in a token request.
    PresentationNonce,
    /// The `jti` of a DPoP proof, at the token endpoint and at resource servers alike (a proof
    /// seen at one may not be replayed at the other).
    DpopJti,
    /// A `DPoP-Nonce` this server issued (RFC 9449 §8), valid until it expires.
    DpopNonce,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::PresentationNonce => "vp-nonce",
            Self::DpopJti => "dpop-jti",
            Self::DpopNonce => "dpop-nonce",
        }
    }
}

fn key(kind: Kind, value: &str) -> String {
    hashed_key(kind.prefix(), value.as_bytes())
}

/// The replay guard over the session store.
#[derive(Debug, Clone)]
pub struct Replay {
    sessions: Arc<dyn SessionStore>,
}

impl Replay {
    /// A guard keeping its values in `sessions`.
    pub fn new(sessions: Arc<dyn SessionStore>) -> Self {
        Self { sessions }
    }

    /// Claims `value` for `ttl`. `Ok(false)` means it was used before.
    pub async fn claim(
        &self,
        kind: Kind,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StorageError> {
        self.sessions
            .put_if_absent(&key(kind, value), b"1", ttl)
            .await
    }

    /// Issues a fresh server nonce valid for `ttl` (RFC 9449 §8).
    pub async fn issue_nonce(&self, ttl: Duration) -> Result<String, StorageError> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        self.sessions
            .put(&key(Kind::DpopNonce, &nonce), b"1", ttl)
            .await?;
        Ok(nonce)
    }

    /// Whether `nonce` is a live nonce this server (or a node sharing its store) issued. A nonce
    /// may be used by several proofs while it lives; their `jti`s keep each proof single-use.
    pub async fn is_issued_nonce(&self, nonce: &str) -> Result<bool, StorageError> {
        Ok(self
            .sessions
            .get(&key(Kind::DpopNonce, nonce))
            .await?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::storage::session::MemorySessionStore;

    fn replay() -> Replay {
        Replay::new(Arc::new(MemorySessionStore::new()))
    }

    #[tokio::test]
    async fn a_value_is_claimed_once_per_kind() {
        let replay = replay();
        let ttl = Duration::from_secs(10);
        assert!(
            replay
                .claim(Kind::PresentationNonce, "n", ttl)
                .await
                .unwrap()
        );
        assert!(
            !replay
                .claim(Kind::PresentationNonce, "n", ttl)
                .await
                .unwrap()
        );
        assert!(replay.claim(Kind::DpopJti, "n", ttl).await.unwrap());
        assert!(!replay.claim(Kind::DpopJti, "n", ttl).await.unwrap());
    }

    #[tokio::test]
    async fn rfc9449_8_only_issued_nonces_are_accepted() {
        let replay = replay();
        let nonce = replay.issue_nonce(Duration::from_secs(10)).await.unwrap();
        assert!(replay.is_issued_nonce(&nonce).await.unwrap());
        assert!(
            replay.is_issued_nonce(&nonce).await.unwrap(),
            "reusable while it lives"
        );
        assert!(!replay.is_issued_nonce("made-up").await.unwrap());
    }
}
