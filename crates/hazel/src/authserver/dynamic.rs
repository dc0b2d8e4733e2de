//! `dynamic` scope policy (seeds/001): the extra scopes of a token request are granted one by one
//! by the node's authorization policies (Rego) or by an external OpenID AuthZEN 1.0 PDP
//! (`policy.authzen.endpoint`). A scope that is not granted is left out of the token (RFC 6749
//! §3.3 lets the server issue fewer scopes than asked; the response's `scope` says which).
//!
//! The question has the usage-time shape, so one policy set answers both: `input.token` is the
//! token being issued as introspection would show it, and `input.request` is
//! `{"method": "grant", "resource_type": "scope", "path": <scope>, "scope": <scope>}`.

use oauth::ErrorCode;
use serde_json::{Value, json};

use super::s2s::Refusal;
use crate::node::Node;
use crate::tokens::AccessToken;

/// The action name of a scope grant, in the Rego input and in AuthZEN requests.
pub const GRANT_ACTION: &str = "grant";

fn unavailable(cause: impl std::fmt::Display) -> Refusal {
    let mut refusal = Refusal::new(
        ErrorCode::ServerError,
        "the authorization policy could not decide on the requested scopes",
    );
    refusal.cause = Some(cause.to_string());
    refusal
}

/// Whether `scope` may be added to `token`.
pub async fn grants(node: &Node, token: &AccessToken, scope: &str) -> Result<bool, Refusal> {
    let view = super::introspection::response(token, false);
    if let Some(endpoint) = &node.config.policy.authzen.endpoint {
        return ask_pdp(node, endpoint, token, view, scope).await;
    }
    let Some(engine) = &node.authorization else {
        // A dynamic profile without a decision point grants nothing extra.
        return Ok(false);
    };
    let input = json!({
        "token": view,
        "request": {
            "method": GRANT_ACTION,
            "resource_type": "scope",
            "path": scope,
            "scope": scope,
        },
    });
    let decision = engine.evaluate(&input).map_err(unavailable)?;
    tracing::debug!(scope, allowed = decision.allowed, policies = ?decision.policies, "dynamic scope");
    Ok(decision.allowed)
}

async fn ask_pdp(
    node: &Node,
    endpoint: &str,
    token: &AccessToken,
    view: Value,
    scope: &str,
) -> Result<bool, Refusal> {
    let url = url::Url::parse(endpoint).map_err(unavailable)?;
    let request = json!({
        "subject": {"type": "client", "id": token.client_id, "properties": view},
        "action": {"name": GRANT_ACTION},
        "resource": {"type": "scope", "id": scope},
        "context": {"scope": scope},
    });
    let body = serde_json::to_vec(&request).map_err(unavailable)?;
    let (status, _, answer) = node
        .policy_client
        .post(&url, "application/json", body, &[])
        .await
        .map_err(unavailable)?;
    if !(200..300).contains(&status) {
        return Err(unavailable(format!("AuthZEN PDP answered HTTP {status}")));
    }
    let answer: Value = serde_json::from_slice(&answer).map_err(unavailable)?;
    answer
        .get("decision")
        .and_then(Value::as_bool)
        .ok_or_else(|| unavailable("AuthZEN PDP answer has no boolean decision"))
}
