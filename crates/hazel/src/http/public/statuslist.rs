//! `GET /statuslist/{did}/{page}`: the StatusList2021Credential of an issuer of this node, as a JSON
//! string holding the JWT (nuts-node verifiers read a JSON-quoted JWT). The DID is taken from the
//! raw path, as nuts-node does, so that a `%3A` in a did:web DID is kept.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::extract::Now;
use crate::services::credentials::{CredentialError, Credentials};

const OPERATION: &str = "StatusList";

/// Serves the list, or 404 for an unknown issuer or page.
pub async fn status_list(
    State(credentials): State<Credentials>,
    Now(now): Now,
    uri: Uri,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::problem(
            StatusCode::NOT_FOUND,
            format!("{OPERATION} failed"),
            "status list not found",
        )
    };
    // The path parameters axum offers are percent-decoded; the DID must be read undecoded.
    let (did, page) = uri
        .path()
        .strip_prefix("/statuslist/")
        .and_then(|rest| rest.rsplit_once('/'))
        .ok_or_else(not_found)?;
    let page = page
        .parse::<i64>()
        .ok()
        .filter(|page| *page >= 1)
        .ok_or_else(not_found)?;
    let jwt = credentials
        .status_list(did, page, now)
        .await
        .map_err(|e| match e {
            CredentialError::NotFound => not_found(),
            other => ApiError::credential(OPERATION, other),
        })?;
    let body = serde_json::to_string(&jwt).unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=300"),
            ),
        ],
        body,
    )
        .into_response())
}
