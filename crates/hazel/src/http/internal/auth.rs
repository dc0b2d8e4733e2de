//! `/internal/auth/v2` (nuts-node v6 `auth/v2.yaml`): introspection and DPoP checks for resource
//! servers, DPoP proofs and service access tokens for the organization's EHR.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use oauth::dpop::{self, Expected, Proof, ProofClaims};
use serde::Deserialize;
use serde_json::json;

use crate::authserver::introspection;
use crate::authserver::replay::{self, Kind};
use crate::client::{ClientError, ServiceAccessTokenRequest, request_service_access_token};
use crate::http::body::json as json_body;
use crate::http::error::ApiError;
use crate::http::params::{Params, is_form};
use crate::node::Node;
use crate::storage::sql::{AuditEvent, Outcome};

/// The routes.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/internal/auth/v2/accesstoken/introspect", post(introspect))
        .route(
            "/internal/auth/v2/accesstoken/introspect_extended",
            post(introspect_extended),
        )
        .route("/internal/auth/v2/dpop/validate", post(validate_dpop))
        .route("/internal/auth/v2/dpop/{kid}", post(create_dpop))
        .route(
            "/internal/auth/v2/{subject}/request-service-access-token",
            post(service_access_token),
        )
}

async fn introspect(
    State(node): State<Node>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    introspection_answer(&node, "IntrospectAccessToken", &headers, &body, false).await
}

async fn introspect_extended(
    State(node): State<Node>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    introspection_answer(
        &node,
        "IntrospectAccessTokenExtended",
        &headers,
        &body,
        true,
    )
    .await
}

async fn introspection_answer(
    node: &Node,
    operation: &str,
    headers: &HeaderMap,
    body: &Bytes,
    extended: bool,
) -> Result<Response, ApiError> {
    if !is_form(headers) {
        return Err(ApiError::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("{operation} failed"),
            "Content-Type MUST be set to application/x-www-form-urlencoded",
        ));
    }
    let text = std::str::from_utf8(body).unwrap_or_default();
    let params = Params::parse(text).map_err(|_| {
        ApiError::problem(
            StatusCode::BAD_REQUEST,
            format!("{operation} failed"),
            "parameters may not be repeated",
        )
    })?;
    let now = node.now();
    let Some(token) = params.get("token") else {
        return Ok(Json(introspection::inactive()).into_response());
    };
    // Fail closed: a store that cannot answer is a 500, never "inactive" or "active".
    let found = node.tokens.lookup(token, now).await.map_err(|e| {
        ApiError::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{operation} failed"),
            "the token store failed; see the node's log",
        )
        .with_cause(e)
    })?;
    let answer = match &found {
        Some(grant) => introspection::response(grant, extended),
        None => introspection::inactive(),
    };
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
            "token_hash": crate::tokens::token_key(token),
            "client_id": found.as_ref().map(|g| g.client_id.clone()),
            "scope": found.as_ref().map(|g| g.scope.clone()),
        }),
    };
    if let Err(error) = node.audit.record(&event).await {
        tracing::error!(%error, "audit record of an introspection could not be written");
        return Err(ApiError::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{operation} failed"),
            "the request could not be recorded",
        ));
    }
    Ok(Json(answer).into_response())
}

#[derive(Debug, Deserialize)]
struct DpopValidateRequest {
    dpop_proof: String,
    method: String,
    thumbprint: String,
    token: String,
    url: String,
}

/// `POST /internal/auth/v2/dpop/validate`: always 200 with a verdict; only a store failure is
/// an error. The `jti` is claimed last, so a failed verdict does not burn the proof.
async fn validate_dpop(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    const OPERATION: &str = "ValidateDPoPProof";
    let request: DpopValidateRequest = json_body(OPERATION, &body)?;
    let verdict = |reason: Option<String>| {
        Json(match reason {
            None => json!({"valid": true}),
            Some(reason) => json!({"valid": false, "reason": reason}),
        })
        .into_response()
    };
    let proof = match Proof::parse(&request.dpop_proof) {
        Ok(proof) => proof,
        Err(error) => {
            return Ok(verdict(Some(format!(
                "failed to parse DPoP header: invalid DPoP token: {error}"
            ))));
        }
    };
    let config = &node.config;
    let skew = i64::try_from(config.auth.clockskew.as_secs()).unwrap_or(5);
    if let Err(error) = proof.check(&Expected {
        method: &request.method,
        url: &request.url,
        now: node.now(),
        max_age: i64::try_from(config.auth.dpop.maxage.as_secs()).unwrap_or(60),
        skew,
        access_token: Some(&request.token),
        jkt: Some(&request.thumbprint),
        nonce: None,
    }) {
        return Ok(verdict(Some(error.to_string())));
    }
    let ttl = config.auth.dpop.maxage + config.auth.clockskew;
    let fresh = replay::claim(node.sessions.as_ref(), Kind::DpopJti, &proof.jti, ttl)
        .await
        .map_err(|e| {
            ApiError::problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{OPERATION} failed"),
                "the replay guard is unavailable",
            )
            .with_cause(e)
        })?;
    Ok(verdict((!fresh).then(|| "jti already used".to_owned())))
}

#[derive(Debug, Deserialize)]
struct DpopRequest {
    #[serde(default)]
    htm: String,
    #[serde(default)]
    htu: String,
    #[serde(default)]
    token: String,
}

/// `POST /internal/auth/v2/dpop/{kid}`: a proof for a resource request with a key of this node.
async fn create_dpop(
    State(node): State<Node>,
    Path(kid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "CreateDPoPProof";
    let bad = |detail: &str| {
        ApiError::problem(
            StatusCode::BAD_REQUEST,
            format!("{OPERATION} failed"),
            detail,
        )
    };
    let request: DpopRequest = json_body(OPERATION, &body)?;
    if request.htm.is_empty() {
        return Err(bad("missing method"));
    }
    if request.htu.is_empty() {
        return Err(bad("missing url"));
    }
    if request.token.is_empty() {
        return Err(bad("missing token"));
    }
    // RFC 9110 §9.1: a method is a token (tchar only).
    if !request
        .htm
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        return Err(bad(&format!("invalid method {:?}", request.htm)));
    }
    if dpop::normalize_htu(&request.htu).is_err() {
        return Err(bad("invalid url: must be an absolute http(s) URL"));
    }
    let kid = did::DidUrl::parse(&kid).map_err(|e| bad(&format!("invalid kid: {e}")))?;
    let signer = node
        .subjects
        .signer_for_method(&kid)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?
        .ok_or_else(|| {
            ApiError::problem(
                StatusCode::NOT_FOUND,
                format!("{OPERATION} failed"),
                "kid is not a key of an active subject of this node",
            )
        })?;
    let jti = uuid::Uuid::new_v4().to_string();
    let ath = dpop::access_token_hash(&request.token);
    let proof = dpop::create(
        signer.as_ref(),
        &ProofClaims {
            jti: &jti,
            htm: &request.htm,
            htu: &request.htu,
            iat: node.now(),
            ath: Some(&ath),
            nonce: None,
        },
    )
    .map_err(|e| bad(&e.to_string()))?;
    Ok(Json(json!({"dpop": proof})).into_response())
}

/// `POST /internal/auth/v2/{subject}/request-service-access-token`.
async fn service_access_token(
    State(node): State<Node>,
    Path(subject): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "RequestServiceAccessToken";
    let title = format!("{OPERATION} failed");
    let request: ServiceAccessTokenRequest = json_body(OPERATION, &body)?;
    let record = node.subjects.active(&subject).await.map_err(|e| match e {
        crate::subjects::SubjectError::NotFound | crate::subjects::SubjectError::Deactivated => {
            ApiError::problem(
                StatusCode::BAD_REQUEST,
                title.clone(),
                "invalid_request - subject not found",
            )
        }
        other => ApiError::subject(OPERATION, other),
    })?;
    let use_cache = !headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
        });
    match request_service_access_token(&node, &record, &request, use_cache).await {
        Ok(token) => Ok(Json(token).into_response()),
        Err(error) => {
            let status = match &error {
                ClientError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ClientError::Precondition(_) => StatusCode::PRECONDITION_FAILED,
                ClientError::BadGateway(_) => StatusCode::BAD_GATEWAY,
                ClientError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ClientError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                Err(
                    ApiError::problem(status, title, "internal error; see the node's log")
                        .with_cause(error),
                )
            } else {
                Err(ApiError::problem(status, title, error.to_string()))
            }
        }
    }
}
