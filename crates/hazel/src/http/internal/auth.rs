//! `/internal/auth/v2` (nuts-node v6 `auth/v2.yaml`): introspection and DPoP checks for resource
//! servers, DPoP proofs and service access tokens for the organization's EHR.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use oauth::dpop::{self, ProofClaims};
use oauth::params::{Params, is_form_urlencoded};
use oauth::types::AccessToken;
use serde::Deserialize;
use serde_json::json;

use crate::flows::resource_server::{
    ProofToValidate, ResourceServer, ResourceServerError, Verdict,
};
use crate::flows::s2s_client::{ClientError, S2sClient, ServiceAccessTokenRequest};
use crate::http::body::{JsonBody, json as json_body};
use crate::http::error::ApiError;
use crate::http::extract::{Now, content_type};
use crate::node::Node;
use crate::services::subjects::{SubjectError, Subjects};

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

fn failed(operation: &str, status: StatusCode, detail: &str) -> ApiError {
    ApiError::problem(status, format!("{operation} failed"), detail)
}

async fn introspect(
    State(flow): State<ResourceServer>,
    Now(now): Now,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    introspection(&flow, "IntrospectAccessToken", &headers, &body, false, now).await
}

async fn introspect_extended(
    State(flow): State<ResourceServer>,
    Now(now): Now,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    introspection(
        &flow,
        "IntrospectAccessTokenExtended",
        &headers,
        &body,
        true,
        now,
    )
    .await
}

/// RFC 7662 §2.1: a form with the `token`; the answer is always 200 unless this node failed.
async fn introspection(
    flow: &ResourceServer,
    operation: &str,
    headers: &HeaderMap,
    body: &Bytes,
    extended: bool,
    now: i64,
) -> Result<Response, ApiError> {
    if !is_form_urlencoded(content_type(headers)) {
        return Err(failed(
            operation,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type MUST be set to application/x-www-form-urlencoded",
        ));
    }
    let text = std::str::from_utf8(body).unwrap_or_default();
    let params = Params::parse(text).map_err(|_| {
        failed(
            operation,
            StatusCode::BAD_REQUEST,
            "parameters may not be repeated",
        )
    })?;
    let token = params.get("token").map(AccessToken::new);
    let answer = flow
        .introspect(token.as_ref(), extended, now)
        .await
        .map_err(|e| server_failure(operation, e))?;
    Ok(Json(answer).into_response())
}

fn server_failure(operation: &str, error: ResourceServerError) -> ApiError {
    let detail = match &error {
        ResourceServerError::Tokens(_) => "the token store failed; see the node's log",
        ResourceServerError::Replay(_) => "the replay guard is unavailable",
        ResourceServerError::Audit(_) => "the request could not be recorded",
    };
    failed(operation, StatusCode::INTERNAL_SERVER_ERROR, detail).with_cause(error)
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
/// an error.
async fn validate_dpop(
    State(flow): State<ResourceServer>,
    Now(now): Now,
    body: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "ValidateDPoPProof";
    let request: DpopValidateRequest = json_body(OPERATION, &body)?;
    let verdict = flow
        .validate_dpop(
            &ProofToValidate {
                proof: &request.dpop_proof,
                method: &request.method,
                url: &request.url,
                token: &request.token,
                thumbprint: &request.thumbprint,
            },
            now,
        )
        .await
        .map_err(|e| server_failure(OPERATION, e))?;
    Ok(Json(match verdict {
        Verdict::Valid => json!({"valid": true}),
        Verdict::Invalid(reason) => json!({"valid": false, "reason": reason}),
    })
    .into_response())
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

/// RFC 9110 §9.1: a method is a token (tchar only).
fn is_http_method(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `POST /internal/auth/v2/dpop/{kid}`: a proof for a resource request with a key of this node.
async fn create_dpop(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(kid): Path<String>,
    body: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "CreateDPoPProof";
    let bad = |detail: &str| failed(OPERATION, StatusCode::BAD_REQUEST, detail);
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
    if !is_http_method(&request.htm) {
        return Err(bad(&format!("invalid method {:?}", request.htm)));
    }
    if dpop::normalize_htu(&request.htu).is_err() {
        return Err(bad("invalid url: must be an absolute http(s) URL"));
    }
    let kid = did::DidUrl::parse(&kid).map_err(|e| bad(&format!("invalid kid: {e}")))?;
    let signer = subjects
        .signer_for_method(&kid)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?
        .ok_or_else(|| {
            failed(
                OPERATION,
                StatusCode::NOT_FOUND,
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
            iat: now,
            ath: Some(&ath),
            nonce: None,
        },
    )
    .map_err(|e| bad(&e.to_string()))?;
    Ok(Json(json!({"dpop": proof})).into_response())
}

/// Whether the EHR asked not to be answered from the token cache (`Cache-Control: no-cache`).
fn wants_fresh(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
        })
}

/// `POST /internal/auth/v2/{subject}/request-service-access-token`.
async fn service_access_token(
    State(flow): State<S2sClient>,
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(subject): Path<String>,
    headers: HeaderMap,
    body: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "RequestServiceAccessToken";
    let request: ServiceAccessTokenRequest = json_body(OPERATION, &body)?;
    let record = subjects.active(&subject).await.map_err(|e| match e {
        SubjectError::NotFound | SubjectError::Deactivated => failed(
            OPERATION,
            StatusCode::BAD_REQUEST,
            "invalid_request - subject not found",
        ),
        other => ApiError::subject(OPERATION, other),
    })?;
    let token = flow
        .request_service_access_token(&record, &request, !wants_fresh(&headers), now)
        .await
        .map_err(|error| {
            let status = match &error {
                ClientError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ClientError::Precondition(_) => StatusCode::PRECONDITION_FAILED,
                ClientError::BadGateway(_) => StatusCode::BAD_GATEWAY,
                ClientError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ClientError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                failed(OPERATION, status, "internal error; see the node's log").with_cause(error)
            } else {
                failed(OPERATION, status, &error.to_string())
            }
        })?;
    Ok(Json(token).into_response())
}
