//! DPoP at this node, for the token endpoint and for resource servers (`/dpop/validate`) alike:
//! the checks of RFC 9449 §4.3 (`oauth::dpop`) with the node's window and skew, the `jti` replay
//! store of §11.1, and the server nonces of §8.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use oauth::dpop::{DpopError, Expected, Proof};

use super::replay::{Kind, Replay, SingleUse};
use crate::config::seconds;
use crate::infra::storage::StorageError;

/// The node's DPoP settings (`auth.dpop.*`, `auth.clockskew`).
#[derive(Debug, Clone, Copy)]
pub struct DpopSettings {
    /// How old a proof's `iat` may be.
    pub max_age: Duration,
    /// How far ahead a proof's `iat` may be.
    pub skew: Duration,
    /// Whether the token endpoint requires server nonces (§8).
    pub require_nonce: bool,
}

/// The request a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct ProofTarget<'a> {
    /// The request method.
    pub method: &'a str,
    /// The request URI.
    pub url: &'a str,
    /// At a resource server, the access token the proof must hash (`ath`).
    pub access_token: Option<&'a str>,
    /// The `cnf.jkt` of the token the proof is for.
    pub jkt: Option<&'a str>,
}

/// Why a proof is refused.
#[derive(Debug, thiserror::Error)]
pub enum DpopRefusal {
    /// §4.3 checks 2–7: not a proof.
    #[error(transparent)]
    Unparsable(DpopError),
    /// §4.3 checks 8–11: a proof, but not for this request.
    #[error(transparent)]
    Mismatch(DpopError),
    /// §8: the proof does not carry a nonce this server issued.
    #[error("the DPoP proof must carry the nonce of the DPoP-Nonce header")]
    NonceRequired,
    /// The nonce store could not answer.
    #[error("the nonce store is unavailable: {0}")]
    Store(#[from] StorageError),
}

/// The DPoP checks with the node's settings and stores.
#[derive(Debug, Clone)]
pub struct DpopGuard {
    settings: DpopSettings,
    replay: Replay,
    current: Arc<Mutex<Option<CurrentNonce>>>,
}

/// The nonce this node hands out, to every answer until half its life is gone (RFC 9449 §8 lets
/// one nonce serve many clients): a nonce per answer would let anyone add an entry to the store
/// with every request, refused or not.
#[derive(Debug)]
struct CurrentNonce {
    value: String,
    renew_at: Instant,
}

impl DpopGuard {
    /// A guard with `settings`, keeping `jti`s and nonces in `replay`.
    pub fn new(settings: DpopSettings, replay: Replay) -> Self {
        Self {
            settings,
            replay,
            current: Arc::default(),
        }
    }

    /// Whether the token endpoint requires server nonces.
    pub fn requires_nonce(&self) -> bool {
        self.settings.require_nonce
    }

    /// Parses `header` and checks it against `target` at `now` (§4.3 checks 2–11), and, when
    /// `server_nonce` and the node requires nonces, that it carries one this server issued
    /// (§8). The `jti` is not claimed: [`Self::claim`] does that once everything else passed.
    pub async fn check(
        &self,
        header: &str,
        target: &ProofTarget<'_>,
        now: i64,
        server_nonce: bool,
    ) -> Result<Proof, DpopRefusal> {
        let proof = Proof::parse(header).map_err(DpopRefusal::Unparsable)?;
        proof
            .check(&Expected {
                method: target.method,
                url: target.url,
                now,
                max_age: seconds(self.settings.max_age),
                skew: seconds(self.settings.skew),
                access_token: target.access_token,
                jkt: target.jkt,
                nonce: None,
            })
            .map_err(DpopRefusal::Mismatch)?;
        if server_nonce && self.settings.require_nonce {
            let issued = match proof.nonce() {
                Some(nonce) => self.replay.is_issued_nonce(nonce).await?,
                None => false,
            };
            if !issued {
                return Err(DpopRefusal::NonceRequired);
            }
        }
        Ok(proof)
    }

    /// §11.1: the proof's `jti` as a single-use value, kept for as long as a proof with it
    /// could be accepted; claim it with the request's other single-use values.
    pub fn single_use<'p>(&self, proof: &'p Proof) -> SingleUse<'p> {
        SingleUse {
            kind: Kind::DpopJti,
            value: proof.jti(),
            ttl: self.settings.max_age + self.settings.skew,
        }
    }

    /// §11.1: claims the proof's `jti` alone (a resource server's check); `Ok(false)` when it was
    /// seen before.
    pub async fn claim(&self, proof: &Proof) -> Result<bool, StorageError> {
        let jti = self.single_use(proof);
        Ok(self.replay.claim_all(&[jti]).await?.is_none())
    }

    /// §8: a nonce for the `DPoP-Nonce` header, valid for at least half as long as a proof is;
    /// the same one for every answer until then.
    pub async fn issue_nonce(&self) -> Result<String, StorageError> {
        let now = Instant::now();
        if let Some(current) = self.current_nonce(now) {
            return Ok(current);
        }
        // Two answers renewing at once each store a nonce, and both stay valid.
        let value = self.replay.issue_nonce(self.settings.max_age).await?;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(CurrentNonce {
            value: value.clone(),
            renew_at: now + self.settings.max_age / 2,
        });
        Ok(value)
    }

    fn current_nonce(&self, now: Instant) -> Option<String> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|current| current.renew_at > now)
            .map(|current| current.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::storage::session::MemorySessionStore;

    /// Issue 23: at a8a2f86, with `auth.dpop.requirenonce`, every answer of the token endpoint
    /// stored a nonce of its own, so anyone could grow the session store a request at a time.
    #[tokio::test]
    async fn regression_23_answers_share_one_nonce_while_it_is_fresh() {
        let settings = DpopSettings {
            max_age: Duration::from_secs(60),
            skew: Duration::from_secs(5),
            require_nonce: true,
        };
        let guard = DpopGuard::new(settings, Replay::new(Arc::new(MemorySessionStore::new())));
        let first = guard.issue_nonce().await.unwrap();
        assert_eq!(guard.issue_nonce().await.unwrap(), first);
        assert!(guard.replay.is_issued_nonce(&first).await.unwrap());
        // Past half its life, the next answer gets a new one; the old stays valid.
        guard.current.lock().unwrap().as_mut().unwrap().renew_at = Instant::now();
        let second = guard.issue_nonce().await.unwrap();
        assert_ne!(second, first);
        assert!(guard.replay.is_issued_nonce(&first).await.unwrap());
        assert!(guard.replay.is_issued_nonce(&second).await.unwrap());
    }
}
