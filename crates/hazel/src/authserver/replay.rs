//! Single-use values: presentation nonces and DPoP `jti`s. Each is claimed with the session
//! store's atomic `put_if_absent`, so of two concurrent requests carrying the same value exactly
//! one wins, also across nodes that share Redis. Values are hashed into the key: they are chosen
//! by clients and may be long.

use std::time::Duration;

use crate::storage::StorageError;
use crate::storage::session::{SessionStore, hashed_key};

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

/// Issues a fresh server nonce valid for `ttl` (RFC 9449 §8).
pub async fn issue_nonce(
    sessions: &dyn SessionStore,
    ttl: Duration,
) -> Result<String, StorageError> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    sessions
        .put(&key(Kind::DpopNonce, &nonce), b"1", ttl)
        .await?;
    Ok(nonce)
}

/// Whether `nonce` is a live nonce this server (or a node sharing its store) issued. A nonce
/// may be used by several proofs while it lives; their `jti`s keep each proof single-use.
pub async fn is_issued_nonce(
    sessions: &dyn SessionStore,
    nonce: &str,
) -> Result<bool, StorageError> {
    Ok(sessions.get(&key(Kind::DpopNonce, nonce)).await?.is_some())
}

/// Claims `value` for `ttl`. `Ok(false)` means it was used before.
pub async fn claim(
    sessions: &dyn SessionStore,
    kind: Kind,
    value: &str,
    ttl: Duration,
) -> Result<bool, StorageError> {
    sessions.put_if_absent(&key(kind, value), b"1", ttl).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::session::MemorySessionStore;

    #[tokio::test]
    async fn a_value_is_claimed_once_per_kind() {
        let store = MemorySessionStore::new();
        let ttl = Duration::from_secs(10);
        assert!(
            claim(&store, Kind::PresentationNonce, "n", ttl)
                .await
                .unwrap()
        );
        assert!(
            !claim(&store, Kind::PresentationNonce, "n", ttl)
                .await
                .unwrap()
        );
        assert!(claim(&store, Kind::DpopJti, "n", ttl).await.unwrap());
        assert!(!claim(&store, Kind::DpopJti, "n", ttl).await.unwrap());
    }

    #[tokio::test]
    async fn only_issued_nonces_are_accepted() {
        let store = MemorySessionStore::new();
        let nonce = issue_nonce(&store, Duration::from_secs(10)).await.unwrap();
        assert!(is_issued_nonce(&store, &nonce).await.unwrap());
        assert!(
            is_issued_nonce(&store, &nonce).await.unwrap(),
            "reusable while it lives"
        );
        assert!(!is_issued_nonce(&store, "made-up").await.unwrap());
    }
}
