//! The public face of each subject's authorization server: RFC 8414 metadata, the entity
//! statement, the client metadata, and the token endpoint. The flow decides; these handlers read
//! the request and write the answer.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oauth::ErrorCode;
use oauth::federation;

use super::cacheable;
use crate::flows::s2s_server::metadata::client;
use crate::flows::s2s_server::{S2sServer, TokenHttpRequest};
use crate::http::error::ApiError;
use crate::http::extract::{Now, content_type, dpop_header};

/// `GET /.well-known/oauth-authorization-server/oauth2/{subject}`. Unlike nuts-node, an unknown
/// subject is 404: there is no authorization server to describe.
pub async fn authorization_server_metadata(
    State(flow): State<S2sServer>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = flow.subject(&id).await.map_err(|_| {
        ApiError::problem(
            StatusCode::NOT_FOUND,
            "OAuthAuthorizationServerMetadata failed",
            "subject not found",
        )
    })?;
    Ok(cacheable(
        axum::Json(flow.metadata(&record)).into_response(),
    ))
}

/// `GET /.well-known/openid-configuration/oauth2/{subject}`: the signed entity statement.
pub async fn openid_configuration(
    State(flow): State<S2sServer>,
    Path(id): Path<String>,
    Now(now): Now,
) -> Result<Response, ApiError> {
    let record = flow.subject(&id).await?;
    let jwt = flow.entity_statement(&record, now).await.map_err(|e| {
        ApiError::oauth(ErrorCode::ServerError, "the statement could not be signed").with_cause(e)
    })?;
    let mut response = jwt.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(federation::MEDIA_TYPE),
    );
    Ok(cacheable(response))
}

/// `GET /oauth2/{subject}/oauth-client`: the subject's client metadata (RFC 7591 members).
pub async fn client_metadata(
    State(flow): State<S2sServer>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    flow.subject(&id).await?;
    Ok(cacheable(axum::Json(client()).into_response()))
}

/// `POST /oauth2/{subject}/token`.
pub async fn token(
    State(flow): State<S2sServer>,
    Path(id): Path<String>,
    Now(now): Now,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = TokenHttpRequest {
        content_type: content_type(&headers),
        body: &body,
        dpop: dpop_header(&headers),
    };
    let answer = flow.token(&id, request, now).await;
    let mut response = match answer.outcome {
        Ok(granted) => {
            let mut response = axum::Json(granted).into_response();
            let headers = response.headers_mut();
            // RFC 6749 §5.1: a response carrying a token is not cached.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(refusal) => ApiError::from(refusal).into_response(),
    };
    if let Some(value) = answer
        .dpop_nonce
        .and_then(|nonce| HeaderValue::from_str(&nonce).ok())
    {
        response.headers_mut().insert("dpop-nonce", value);
    }
    response
}
