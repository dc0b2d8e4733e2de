//! The `dynamic` scope policy (seeds/001): the extra scopes of a token request are granted one
//! by one by a decision point, the node's authorization policies (Rego) or an external OpenID
//! AuthZEN 1.0 PDP (`policy.authzen.endpoint`). A scope that is not granted is left out of the
//! token (RFC 6749 §3.3 lets the server issue fewer scopes than asked; the response's `scope`
//! says which).
//!
//! The question has the usage-time shape, so one policy set answers both: `input.token` is the
//! token being issued as introspection would show it, and `input.request` is
//! `{"method": "grant", "resource_type": "scope", "path": <scope>, "scope": <scope>}`.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::authorization::AuthorizationEngine;
use crate::infra::outbound::OutboundClient;

/// The action name of a scope grant, in the Rego input and in AuthZEN requests.
pub const GRANT_ACTION: &str = "grant";

/// The decision point could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the scope decision point failed: {0}")]
pub struct DecisionError(String);

/// Decides whether a token may carry an extra scope.
#[async_trait]
pub trait ScopeDecider: Send + Sync + std::fmt::Debug {
    /// Whether `scope` may be added to the token of `client_id` that introspection would show
    /// as `token`.
    async fn grants(
        &self,
        token: &Value,
        client_id: &str,
        scope: &str,
    ) -> Result<bool, DecisionError>;
}

/// The node's Rego policies as a scope decider.
#[derive(Debug, Clone)]
pub struct RegoDecider(pub AuthorizationEngine);

#[async_trait]
impl ScopeDecider for RegoDecider {
    async fn grants(&self, token: &Value, _: &str, scope: &str) -> Result<bool, DecisionError> {
        let input = json!({
            "token": token,
            "request": {
                "method": GRANT_ACTION,
                "resource_type": "scope",
                "path": scope,
                "scope": scope,
            },
        });
        let decision = self
            .0
            .evaluate(&input)
            .map_err(|e| DecisionError(e.to_string()))?;
        tracing::debug!(scope, allowed = decision.allowed, policies = ?decision.policies, "dynamic scope");
        Ok(decision.allowed)
    }
}

/// An OpenID AuthZEN 1.0 PDP as a scope decider (§6.1 access evaluation).
#[derive(Debug, Clone)]
pub struct AuthZenPdp {
    /// The client for the operator's own services.
    pub client: OutboundClient,
    /// The evaluation endpoint.
    pub endpoint: url::Url,
}

#[async_trait]
impl ScopeDecider for AuthZenPdp {
    async fn grants(
        &self,
        token: &Value,
        client_id: &str,
        scope: &str,
    ) -> Result<bool, DecisionError> {
        let failed = |reason: String| DecisionError(reason);
        let request = json!({
            "subject": {"type": "client", "id": client_id, "properties": token},
            "action": {"name": GRANT_ACTION},
            "resource": {"type": "scope", "id": scope},
            "context": {"scope": scope},
        });
        let body = serde_json::to_vec(&request).map_err(|e| failed(e.to_string()))?;
        let (status, _, answer) = self
            .client
            .post(&self.endpoint, "application/json", body, &[])
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(failed(format!("AuthZEN PDP answered HTTP {status}")));
        }
        let answer: Value = serde_json::from_slice(&answer).map_err(|e| failed(e.to_string()))?;
        answer
            .get("decision")
            .and_then(Value::as_bool)
            .ok_or_else(|| failed("AuthZEN PDP answer has no boolean decision".into()))
    }
}
