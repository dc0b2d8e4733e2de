//! The one place where failures become HTTP responses.
//!
//! OAuth 2.0 endpoints answer `{"error", "error_description"}` (RFC 6749 §5.2); management
//! endpoints answer RFC 9457 problem details, as nuts-node does. The status of an OAuth error is
//! decided here and nowhere else. The public text is a fixed sentence; the underlying cause travels
//! in a response extension ([`ErrorCause`]) that the request logger records and that never reaches
//! the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oauth::{ErrorCode, ErrorResponse};
use serde::Serialize;

use crate::flows::Refusal;
use crate::services::credentials::CredentialError;
use crate::services::subjects::SubjectError;

/// The internal reason for an error response, logged by the request middleware, never sent.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub String);

/// The media type of RFC 9457 problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered to a client.
#[derive(Debug)]
pub enum ApiError {
    /// An OAuth 2.0 error (token, authorization, PAR, DPoP, … endpoints).
    OAuth {
        /// The wire code.
        code: ErrorCode,
        /// Public, fixed description naming the offending parameter.
        description: String,
        /// Internal cause, logged only.
        cause: Option<String>,
    },
    /// A management-API error as RFC 9457 problem details.
    Problem {
        /// HTTP status.
        status: StatusCode,
        /// Short summary of the problem type (nuts-node puts the operation name here).
        title: String,
        /// Explanation of this occurrence.
        detail: String,
        /// Internal cause, logged only.
        cause: Option<String>,
    },
}

impl ApiError {
    /// An OAuth error with a public description.
    pub fn oauth(code: ErrorCode, description: impl Into<String>) -> Self {
        Self::OAuth {
            code,
            description: description.into(),
            cause: None,
        }
    }

    /// A problem-details error.
    pub fn problem(
        status: StatusCode,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::Problem {
            status,
            title: title.into(),
            detail: detail.into(),
            cause: None,
        }
    }

    /// Attaches the internal cause that is logged but not sent.
    pub fn with_cause(mut self, error: impl std::fmt::Display) -> Self {
        match &mut self {
            Self::OAuth { cause, .. } | Self::Problem { cause, .. } => {
                *cause = Some(error.to_string());
            }
        }
        self
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let error = ApiError::oauth(refusal.code().clone(), refusal.description());
        match refusal.cause() {
            Some(cause) => error.with_cause(cause),
            None => error,
        }
    }
}

impl ApiError {
    /// A subject-management failure as problem details titled `<operation> failed`, as
    /// nuts-node titles them.
    pub fn subject(operation: &str, error: SubjectError) -> Self {
        use SubjectError as E;
        let status = match &error {
            E::NotFound | E::ServiceNotFound | E::MethodNotFound => StatusCode::NOT_FOUND,
            E::AlreadyExists | E::Deactivated | E::DuplicateServiceType | E::LastAssertionKey => {
                StatusCode::CONFLICT
            }
            E::InvalidId | E::InvalidService(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let title = format!("{operation} failed");
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            Self::problem(status, title, "internal error; see the node's log").with_cause(error)
        } else {
            Self::problem(status, title, error.to_string())
        }
    }

    /// A credential operation's failure as problem details.
    pub fn credential(operation: &str, error: CredentialError) -> Self {
        use CredentialError as E;
        let title = format!("{operation} failed");
        match error {
            E::Invalid(reason) => Self::problem(StatusCode::BAD_REQUEST, title, reason.to_string()),
            E::BadRequest(reason) => Self::problem(StatusCode::BAD_REQUEST, title, reason),
            E::NotFound => Self::problem(StatusCode::NOT_FOUND, title, "credential not found"),
            E::AlreadyRevoked => {
                Self::problem(StatusCode::CONFLICT, title, "credential is already revoked")
            }
            E::Subject(error) => Self::subject(operation, error),
            other => Self::problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                title,
                "internal error; see the node's log",
            )
            .with_cause(other),
        }
    }

    /// A DID resolution failure as problem details.
    pub fn resolution(operation: &str, error: did::Error) -> Self {
        use did::Error as E;
        let status = match &error {
            E::InvalidDid(_)
            | E::UnsupportedMethod(_)
            | E::InvalidIdentifier { .. }
            | E::NotAllowed(_) => StatusCode::BAD_REQUEST,
            E::NotFound | E::KeyNotFound(_) => StatusCode::NOT_FOUND,
            E::Unavailable(_) | E::InvalidDocument(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        };
        // The operator's API: the whole reason, which public answers leave out.
        Self::problem(status, format!("{operation} failed"), error.detail())
    }

    /// A request body that is not the JSON the operation takes.
    pub fn bad_body(operation: &str, error: impl std::fmt::Display) -> Self {
        Self::problem(
            StatusCode::BAD_REQUEST,
            format!("{operation} failed"),
            format!("invalid request body: {error}"),
        )
    }
}

/// RFC 6749 §5.2, RFC 6750 §3.1: the HTTP status for each OAuth error code.
pub fn oauth_status(code: &ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An OAuth error body with `status` kept as it is (a framework's 405, 408 or 413 at an OAuth
/// endpoint): `server_error` for 5xx, `temporarily_unavailable` for 503, else `invalid_request`.
pub fn oauth_response(status: StatusCode, description: &str) -> Response {
    let code = match status {
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::TemporarilyUnavailable,
        status if status.is_server_error() => ErrorCode::ServerError,
        _ => ErrorCode::InvalidRequest,
    };
    let mut response = (status, Json(ErrorResponse::new(code, description))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// RFC 9457 problem details as nuts-node sends them (`title`, `status`, `detail`).
#[derive(Debug, Serialize)]
pub struct Problem {
    /// Short summary.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation.
    pub detail: String,
}

/// Builds a problem-details response.
pub fn problem_response(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = Problem {
        title: title.to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (mut response, cause) = match self {
            Self::OAuth {
                code,
                description,
                cause,
            } => {
                let status = oauth_status(&code);
                let challenge = matches!(code, ErrorCode::InvalidClient | ErrorCode::InvalidToken)
                    .then(|| format!("Bearer error=\"{}\"", code.as_str()));
                let mut response =
                    (status, Json(ErrorResponse::new(code, description))).into_response();
                let headers = response.headers_mut();
                // RFC 6749 §5.1: responses carrying token material, and their errors, are not cached.
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
                if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
                (response, cause)
            }
            Self::Problem {
                status,
                title,
                detail,
                cause,
            } => (problem_response(status, &title, &detail), cause),
        };
        if let Some(cause) = cause {
            response.extensions_mut().insert(ErrorCause(cause));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_5_2_status_table() {
        assert_eq!(
            oauth_status(&ErrorCode::InvalidClient),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            oauth_status(&ErrorCode::InvalidToken),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            oauth_status(&ErrorCode::InsufficientScope),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            oauth_status(&ErrorCode::ServerError),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidGrant,
            ErrorCode::InvalidScope,
            ErrorCode::UnsupportedGrantType,
            ErrorCode::InvalidDpopProof,
        ] {
            assert_eq!(oauth_status(&code), StatusCode::BAD_REQUEST, "{code}");
        }
    }

    #[test]
    fn rfc6749_5_2_invalid_client_carries_www_authenticate() {
        let response = ApiError::oauth(ErrorCode::InvalidClient, "unknown client").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[tokio::test]
    async fn cause_is_kept_out_of_the_body_and_in_the_extension() {
        use http_body_util::BodyExt;

        let response = ApiError::oauth(ErrorCode::InvalidRequest, "assertion is invalid")
            .with_cause("secret internal detail")
            .into_response();
        let cause = response
            .extensions()
            .get::<ErrorCause>()
            .map(|c| c.0.clone());
        assert_eq!(cause.as_deref(), Some("secret internal detail"));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "invalid_request", "error_description": "assertion is invalid"})
        );
    }

    #[test]
    fn problem_uses_problem_json() {
        let response = ApiError::problem(
            StatusCode::NOT_FOUND,
            "GetSubject failed",
            "subject not found",
        )
        .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
