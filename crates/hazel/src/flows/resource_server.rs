//! What a resource server asks this node about a token it was presented: RFC 7662 introspection
//! in nuts-node v6's shape (`/internal/auth/v2/accesstoken/introspect[_extended]`) and the check
//! of the DPoP proof that came with it (`/internal/auth/v2/dpop/validate`, RFC 9449 §7.1).
//!
//! Introspection fails closed: a token store that cannot answer is an error, never "inactive"
//! and never "active". Every introspection is audited (NEN 7510), by the token's hash.

use oauth::introspection;
use oauth::types::AccessToken;
use serde_json::{Value, json};

use crate::infra::storage::StorageError;
use crate::services::audit::{AuditEvent, AuditLog, Outcome};
use crate::services::dpop::{DpopGuard, DpopRefusal, ProofTarget};
use crate::services::tokens::{AccessTokens, token_key};

/// Why a resource server's question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ResourceServerError {
    /// The token store failed.
    #[error("the token store failed: {0}")]
    Tokens(StorageError),
    /// The replay store failed.
    #[error("the replay guard is unavailable: {0}")]
    Replay(StorageError),
    /// The audit record could not be written; no answer goes out without it.
    #[error("the request could not be recorded: {0}")]
    Audit(StorageError),
}

/// A DPoP proof a resource server received with a token (nuts-node `DPoPValidateRequest`).
#[derive(Debug, Clone)]
pub struct ProofToValidate<'a> {
    /// The `DPoP` header value.
    pub proof: &'a str,
    /// The request method.
    pub method: &'a str,
    /// The request URL.
    pub url: &'a str,
    /// The access token presented.
    pub token: &'a str,
    /// The `cnf.jkt` the token is bound to.
    pub thumbprint: &'a str,
}

/// The answer about a proof: valid, or why not (always a 200 in nuts-node's API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The proof is valid and was not seen before.
    Valid,
    /// The proof is refused, for this reason.
    Invalid(String),
}

/// The context of the flow.
#[derive(Debug, Clone)]
pub struct ResourceServer {
    tokens: AccessTokens,
    audit: AuditLog,
    dpop: DpopGuard,
}

impl ResourceServer {
    /// A resource-server face over the node's tokens, audit trail and DPoP guard.
    pub fn new(tokens: AccessTokens, audit: AuditLog, dpop: DpopGuard) -> Self {
        Self {
            tokens,
            audit,
            dpop,
        }
    }

    /// The introspection response for `token` at `now` (RFC 7662 §2.2); no token is inactive.
    pub async fn introspect(
        &self,
        token: Option<&AccessToken>,
        extended: bool,
        now: i64,
    ) -> Result<Value, ResourceServerError> {
        let Some(token) = token else {
            return Ok(introspection::inactive());
        };
        let found = self
            .tokens
            .lookup(token, now)
            .await
            .map_err(ResourceServerError::Tokens)?;
        let event = AuditEvent {
            occurred_at: now,
            action: "token.introspect".into(),
            outcome: if found.is_some() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            actor: "internal".into(),
            subject: found
                .as_ref()
                .map(|g| g.subject.clone())
                .unwrap_or_default(),
            detail: json!({
                "active": found.is_some(),
                "token_hash": token_key(token),
                "client_id": found.as_ref().map(|g| g.client_id.clone()),
                "scope": found.as_ref().map(|g| g.scope.clone()),
            }),
        };
        self.audit
            .record(&event)
            .await
            .map_err(ResourceServerError::Audit)?;
        Ok(match found {
            Some(record) => record.introspection(extended).to_json(),
            None => introspection::inactive(),
        })
    }

    /// RFC 9449 §4.3 and §11.1 for a resource server; the `jti` is claimed only when every other
    /// check passed, so a refused proof is not burned.
    pub async fn validate_dpop(
        &self,
        request: &ProofToValidate<'_>,
        now: i64,
    ) -> Result<Verdict, ResourceServerError> {
        let target = ProofTarget {
            method: request.method,
            url: request.url,
            access_token: Some(request.token),
            jkt: Some(request.thumbprint),
        };
        let proof = match self.dpop.check(request.proof, &target, now, false).await {
            Ok(proof) => proof,
            // nuts-node's wording for a proof that does not parse.
            Err(DpopRefusal::Unparsable(error)) => {
                return Ok(Verdict::Invalid(format!(
                    "failed to parse DPoP header: invalid DPoP token: {error}"
                )));
            }
            Err(DpopRefusal::Store(error)) => return Err(ResourceServerError::Replay(error)),
            Err(other) => return Ok(Verdict::Invalid(other.to_string())),
        };
        let fresh = self
            .dpop
            .claim(&proof)
            .await
            .map_err(ResourceServerError::Replay)?;
        Ok(if fresh {
            Verdict::Valid
        } else {
            Verdict::Invalid("jti already used".to_owned())
        })
    }
}
