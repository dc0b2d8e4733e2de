//! `GET /oauth2/{subject}/presentation_definition?scope=…&wallet_owner_type=…` (nuts-node v6): the
//! Presentation Definition a client must satisfy for a scope. Hazel answers several
//! space-separated scopes too: the one credential profile scope among them selects the definition,
//! and the others must be allowed by its scope policy.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use oauth::ErrorCode;

use crate::http::error::ApiError;
use crate::http::params::Params;
use crate::node::Node;
use crate::policy::{PolicyError, WalletOwnerType, select_scopes};

/// Answers the definition or an OAuth error.
pub async fn presentation_definition(
    State(node): State<Node>,
    Path(subject): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref().unwrap_or_default())?;
    let record = super::subject(&node, &subject).await?;
    let Some(scope) = params.get("scope") else {
        // A missing parameter is a malformed request; an empty scope (the same as omitted per
        // RFC 6749 §3.1) asks for nothing this server offers.
        return Err(if params.is_given("scope") {
            ApiError::oauth(ErrorCode::InvalidScope, "scope is empty")
        } else {
            ApiError::oauth(ErrorCode::InvalidRequest, "scope is required")
        });
    };
    let owner_name = params.get("wallet_owner_type").unwrap_or("organization");
    let no_definition = || {
        ApiError::oauth(
            ErrorCode::InvalidRequest,
            format!("no presentation definition found for '{owner_name}' wallet"),
        )
    };
    let owner = WalletOwnerType::parse(owner_name).ok_or_else(no_definition)?;
    let Some(policy) = &node.policy else {
        return Err(ApiError::oauth(
            ErrorCode::InvalidScope,
            format!("unsupported scope ({scope}): no policy is configured"),
        ));
    };
    let selection = select_scopes(
        policy.as_ref(),
        scope,
        record.did.as_str(),
        node.can_decide_scopes(),
    )
    .await
    .map_err(|error| match error {
        PolicyError::Scope(reason) => ApiError::oauth(ErrorCode::InvalidScope, reason),
        other => ApiError::oauth(
            ErrorCode::ServerError,
            "the presentation definition could not be retrieved",
        )
        .with_cause(other),
    })?;
    let definition = selection
        .entry
        .definition(owner)
        .ok_or_else(no_definition)?;
    Ok(super::cacheable(
        axum::Json(definition.json.clone()).into_response(),
    ))
}
