//! Access tokens this node issues: opaque random strings whose claims live in the session store,
//! so that every node sharing the store (Redis) can introspect every token.
//!
//! Only the SHA-256 of a token is used as the key: a dump of the store (or a Redis `MONITOR`) does
//! not reveal usable tokens, and a lookup by hash needs no constant-time comparison because the
//! attacker does not control the stored side.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use oauth::introspection::{ActiveToken, Provenance};
use oauth::types::AccessToken;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::infra::storage::StorageError;
use crate::infra::storage::session::{SessionStore, hashed_key};

/// 256 bits: well above RFC 6749 §10.10's "infeasible to guess" (and the issue's 128 bits).
const TOKEN_BYTES: usize = 32;

/// What a token grants and how it was obtained, as stored under the token's hash: the
/// introspection response is built from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// `iss`: the authorization server's issuer URL (`<url>/oauth2/<subject>`).
    pub issuer: String,
    /// The id of this node's subject that authorized the token.
    pub subject: String,
    /// `client_id` of the token request.
    pub client_id: String,
    /// The DID that signed the presentation(s).
    pub presenter: String,
    /// The granted scopes, space-separated, in request order.
    pub scope: String,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// `cnf.jkt` of a DPoP-bound token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jkt: Option<String>,
    /// Values of the Presentation Definition fields that have an `id`.
    #[serde(default)]
    pub claims: BTreeMap<String, Value>,
    /// The presentations as received (JWT strings or JSON-LD objects).
    #[serde(default)]
    pub presentations: Vec<Value>,
    /// Presentation submissions by definition id.
    #[serde(default)]
    pub submissions: BTreeMap<String, Value>,
    /// The definitions that were fulfilled, by wallet owner type.
    #[serde(default)]
    pub definitions: BTreeMap<String, Value>,
    /// The ids of the credentials presented, for the audit trail.
    #[serde(default)]
    pub credential_ids: Vec<String>,
}

impl TokenRecord {
    /// RFC 7662: what introspection answers about the token; `extended` adds how it was obtained.
    pub fn introspection(&self, extended: bool) -> ActiveToken {
        ActiveToken {
            iss: self.issuer.clone(),
            client_id: self.client_id.clone(),
            scope: self.scope.clone(),
            iat: self.issued_at,
            exp: self.expires_at,
            jkt: self.jkt.clone(),
            claims: self.claims.clone(),
            provenance: extended.then(|| Provenance {
                presentation_definitions: self.definitions.clone(),
                presentation_submissions: self.submissions.clone(),
                vps: self.presentations.clone(),
            }),
        }
    }
}

/// The token store.
#[derive(Debug, Clone)]
pub struct AccessTokens {
    sessions: Arc<dyn SessionStore>,
    random: SystemRandom,
}

/// The session-store key of a token: its hash, never the token. Also what the audit trail names
/// a token by.
pub fn token_key(token: &AccessToken) -> String {
    hashed_key("access-token", token.expose().as_bytes())
}

impl AccessTokens {
    /// Tokens kept in `sessions`.
    pub fn new(sessions: Arc<dyn SessionStore>) -> Self {
        Self {
            sessions,
            random: SystemRandom::new(),
        }
    }

    /// Stores `record` until it expires and returns the new opaque token.
    pub async fn issue(&self, record: &TokenRecord, now: i64) -> Result<AccessToken, StorageError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        self.random
            .fill(&mut bytes)
            .map_err(|_| StorageError::Backend {
                backend: "random",
                reason: "the system random generator failed".into(),
            })?;
        let token = AccessToken::new(jose::base64url::encode(bytes));
        let ttl = u64::try_from(record.expires_at.saturating_sub(now)).unwrap_or(0);
        let stored = serde_json::to_vec(record)
            .map_err(|e| StorageError::Corrupt(format!("access token: {e}")))?;
        self.sessions
            .put(&token_key(&token), &stored, Duration::from_secs(ttl))
            .await?;
        Ok(token)
    }

    /// The grant of a live token. Unknown and expired tokens are `None`; a record that cannot be
    /// read is an error (introspection then fails closed instead of answering "inactive").
    pub async fn lookup(
        &self,
        token: &AccessToken,
        now: i64,
    ) -> Result<Option<TokenRecord>, StorageError> {
        let Some(stored) = self.sessions.get(&token_key(token)).await? else {
            return Ok(None);
        };
        let record: TokenRecord = serde_json::from_slice(&stored)
            .map_err(|e| StorageError::Corrupt(format!("access token: {e}")))?;
        Ok((record.expires_at > now).then_some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::storage::session::MemorySessionStore;

    fn grant(now: i64) -> TokenRecord {
        TokenRecord {
            issuer: "https://as.example/oauth2/a".into(),
            subject: "a".into(),
            client_id: "https://client.example/oauth2/b".into(),
            presenter: "did:web:client.example".into(),
            scope: "test".into(),
            issued_at: now,
            expires_at: now + 900,
            jkt: None,
            claims: BTreeMap::new(),
            presentations: vec![],
            submissions: BTreeMap::new(),
            definitions: BTreeMap::new(),
            credential_ids: vec![],
        }
    }

    #[tokio::test]
    async fn tokens_are_random_stored_by_hash_and_expire() {
        let sessions = Arc::new(MemorySessionStore::new());
        let tokens = AccessTokens::new(sessions.clone());
        let now = 1_700_000_000;
        let first = tokens.issue(&grant(now), now).await.unwrap();
        let second = tokens.issue(&grant(now), now).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(
            jose::base64url::decode(first.expose(), "token")
                .unwrap()
                .len(),
            TOKEN_BYTES
        );
        assert!(
            sessions
                .get(&format!("access-token:{}", first.expose()))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            tokens.lookup(&first, now + 10).await.unwrap(),
            Some(grant(now))
        );
        assert_eq!(tokens.lookup(&first, now + 900).await.unwrap(), None);
        assert_eq!(
            tokens
                .lookup(&AccessToken::new("unknown"), now)
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn an_unreadable_record_is_an_error_not_inactive() {
        let sessions = Arc::new(MemorySessionStore::new());
        sessions
            .put(
                &token_key(&AccessToken::new("t")),
                b"{not json",
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let tokens = AccessTokens::new(sessions);
        assert!(tokens.lookup(&AccessToken::new("t"), 0).await.is_err());
    }
}
