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

/// One single-use value of a request, to be claimed with the others.
#[derive(Debug, Clone, Copy)]
pub struct SingleUse<'a> {
    /// Its key space.
    pub kind: Kind,
    /// The value.
    pub value: &'a str,
    /// How long it stays used.
    pub ttl: Duration,
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

    /// Claims every value of `values` for its TTL, all or none, atomically (see
    /// `SessionStore::claim_all`): `Ok(None)` when all were fresh, `Ok(Some(i))` when the value
    /// at `i` was used before, and then none was claimed.
    pub async fn claim_all(&self, values: &[SingleUse<'_>]) -> Result<Option<usize>, StorageError> {
        let keys: Vec<(String, Duration)> = values
            .iter()
            .map(|value| (key(value.kind, value.value), value.ttl))
            .collect();
        let claims: Vec<(&str, Duration)> =
            keys.iter().map(|(key, ttl)| (key.as_str(), *ttl)).collect();
        self.sessions.claim_all(&claims).await
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
        let once = |kind| {
            [SingleUse {
                kind,
                value: "n",
                ttl,
            }]
        };
        assert_eq!(
            replay
                .claim_all(&once(Kind::PresentationNonce))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            replay
                .claim_all(&once(Kind::PresentationNonce))
                .await
                .unwrap(),
            Some(0)
        );
        assert_eq!(replay.claim_all(&once(Kind::DpopJti)).await.unwrap(), None);
        assert_eq!(
            replay.claim_all(&once(Kind::DpopJti)).await.unwrap(),
            Some(0)
        );
    }

    #[tokio::test]
    async fn a_request_s_values_are_claimed_all_or_none() {
        let replay = replay();
        let ttl = Duration::from_secs(10);
        let value = |kind, value| SingleUse { kind, value, ttl };
        assert_eq!(
            replay
                .claim_all(&[value(Kind::DpopJti, "used")])
                .await
                .unwrap(),
            None
        );
        let request = [
            value(Kind::PresentationNonce, "n1"),
            value(Kind::PresentationNonce, "n2"),
            value(Kind::DpopJti, "used"),
        ];
        assert_eq!(replay.claim_all(&request).await.unwrap(), Some(2));
        // Nothing was claimed: the nonces are still free.
        let fresh = [
            value(Kind::PresentationNonce, "n1"),
            value(Kind::PresentationNonce, "n2"),
            value(Kind::DpopJti, "j"),
        ];
        assert_eq!(replay.claim_all(&fresh).await.unwrap(), None);
        assert_eq!(replay.claim_all(&fresh).await.unwrap(), Some(0));
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
