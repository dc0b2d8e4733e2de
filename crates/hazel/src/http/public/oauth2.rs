//! The public face of each subject's authorization server: RFC 8414 metadata, the entity
//! statement, the client metadata, and the token endpoint (`vp_token-bearer`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oauth::ErrorCode;
use serde_json::json;

use super::{cacheable, subject};
use crate::authserver::s2s::{self, GRANT_TYPE, Refusal, VpTokenRequest};
use crate::authserver::{entity, metadata};
use crate::http::error::ApiError;
use crate::http::params::{Params, is_form};
use crate::node::Node;
use crate::storage::sql::{AuditEvent, Outcome};

/// The grant type nuts-node reserves for OpenID4VCI and does not implement at this endpoint.
const PRE_AUTHORIZED_CODE: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let error = ApiError::oauth(refusal.code, refusal.description);
        match refusal.cause {
            Some(cause) => error.with_cause(cause),
            None => error,
        }
    }
}

/// `GET /.well-known/oauth-authorization-server/oauth2/{subject}`. Unlike nuts-node, an unknown
/// subject is 404: there is no authorization server to describe.
pub async fn authorization_server_metadata(
    State(node): State<Node>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if node.subjects.active(&id).await.is_err() {
        return Err(ApiError::problem(
            StatusCode::NOT_FOUND,
            "OAuthAuthorizationServerMetadata failed",
            "subject not found",
        ));
    }
    let body = metadata::authorization_server(node.config.public_url(), &id);
    Ok(cacheable(axum::Json(body).into_response()))
}

/// `GET /.well-known/openid-configuration/oauth2/{subject}`: the signed entity statement.
pub async fn openid_configuration(
    State(node): State<Node>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = subject(&node, &id).await?;
    let jwt = entity::create(&node, &record, node.now())
        .await
        .map_err(|e| {
            ApiError::oauth(ErrorCode::ServerError, "the statement could not be signed")
                .with_cause(e)
        })?;
    let mut response = jwt.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(entity::MEDIA_TYPE),
    );
    Ok(cacheable(response))
}

/// `GET /oauth2/{subject}/oauth-client`: the subject's client metadata (RFC 7591 members).
pub async fn client_metadata(
    State(node): State<Node>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    subject(&node, &id).await?;
    let body = json!({
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", GRANT_TYPE],
        "response_types": ["code", "vp_token"],
        "software_id": "hazel",
        "software_version": env!("CARGO_PKG_VERSION"),
        "vp_formats": metadata::vp_formats(),
        "client_id_scheme": "entity_id",
    });
    Ok(cacheable(axum::Json(body).into_response()))
}

/// `POST /oauth2/{subject}/token`. Requests refused before the grant is evaluated (unknown
/// subject, media type, parameters, grant type, DPoP headers) are audited here; the grant's own
/// outcome is audited with it.
pub async fn token(
    State(node): State<Node>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let result = token_request(&node, &id, &headers, &body).await;
    if let Err(ApiError::OAuth {
        code, description, ..
    }) = &result
    {
        let first = |name: &str| {
            url::form_urlencoded::parse(&body)
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.chars().take(200).collect::<String>())
        };
        let client_id = first("client_id");
        let event = AuditEvent {
            occurred_at: node.now(),
            action: "token.request".into(),
            outcome: Outcome::Failure,
            actor: client_id.clone().unwrap_or_default(),
            subject: id.chars().take(100).collect(),
            detail: json!({
                "grant_type": first("grant_type"),
                "client_id": client_id,
                "scope_requested": first("scope"),
                "error": code.as_str(),
                "error_description": description,
            }),
        };
        if let Err(error) = node.audit.record(&event).await {
            tracing::error!(%error, "audit record of a refused token request could not be written");
        }
        node.metrics.token_refused(code.as_str());
    }
    result
}

async fn token_request(
    node: &Node,
    id: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let record = subject(node, id).await?;
    if !is_form(headers) {
        return Err(ApiError::oauth(
            ErrorCode::InvalidRequest,
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::oauth(ErrorCode::InvalidRequest, "the request body is not UTF-8"))?;
    // RFC 6749 §3.2: parameters come from the body only; the query string is ignored.
    let params = Params::parse(text)?;
    let grant_type = params.get("grant_type").unwrap_or_default();
    match grant_type {
        GRANT_TYPE => {}
        PRE_AUTHORIZED_CODE => {
            return Err(ApiError::oauth(
                ErrorCode::UnsupportedGrantType,
                "not implemented yet",
            ));
        }
        other => {
            return Err(ApiError::oauth(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type '{other}' is not supported"),
            ));
        }
    }
    let mut dpop_headers = headers.get_all("dpop").iter();
    let dpop =
        match (dpop_headers.next(), dpop_headers.next()) {
            (None, _) => None,
            (Some(value), None) => Some(value.to_str().map_err(|_| {
                ApiError::oauth(ErrorCode::InvalidDpopProof, "DPoP header is invalid")
            })?),
            // RFC 9449 §4.3 check 1.
            (Some(_), Some(_)) => {
                return Err(ApiError::oauth(
                    ErrorCode::InvalidDpopProof,
                    "DPoP header is invalid: more than one DPoP header",
                ));
            }
        };
    let (Some(assertion), Some(presentation_submission), Some(scope), Some(client_id)) = (
        params.get("assertion"),
        params.get("presentation_submission"),
        params.get("scope"),
        params.get("client_id"),
    ) else {
        return Err(ApiError::oauth(
            ErrorCode::InvalidRequest,
            "missing required parameters",
        ));
    };
    let request = VpTokenRequest {
        assertion,
        presentation_submission,
        scope,
        client_id,
        dpop,
    };
    let now = node.now();
    let outcome = s2s::grant(node, &record, &request, now).await;
    let event = AuditEvent {
        occurred_at: now,
        action: "token.vp_token-bearer".into(),
        outcome: if outcome.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        actor: client_id.to_owned(),
        subject: record.id.clone(),
        detail: s2s::audit_detail(&request, outcome.as_ref()),
    };
    if let Err(error) = node.audit.record(&event).await {
        // NEN 7510: no token without its audit record.
        tracing::error!(%error, "audit record of a token request could not be written");
        return Err(ApiError::oauth(
            ErrorCode::ServerError,
            "the request could not be recorded",
        ));
    }
    match &outcome {
        Ok(granted) => node.metrics.token_issued(&granted.response.token_type),
        Err(refusal) => node.metrics.token_refused(refusal.code.as_str()),
    }
    let mut response = match outcome {
        Ok(granted) => {
            let mut response = axum::Json(granted.response).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(refusal) => ApiError::from(refusal).into_response(),
    };
    // RFC 9449 §8: a fresh nonce with every answer, so the client need not fail first next time.
    // A store failure here leaves the header out: the answer (a token, perhaps) stands.
    if node.config.auth.dpop.requirenonce {
        match crate::authserver::replay::issue_nonce(
            node.sessions.as_ref(),
            node.config.auth.dpop.maxage,
        )
        .await
        {
            Ok(nonce) => {
                if let Ok(value) = HeaderValue::from_str(&nonce) {
                    response.headers_mut().insert("dpop-nonce", value);
                }
            }
            Err(error) => tracing::warn!(%error, "no DPoP nonce could be issued"),
        }
    }
    Ok(response)
}
