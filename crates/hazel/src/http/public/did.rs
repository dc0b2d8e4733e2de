//! `GET /iam/{id}/did.json`: the did:web documents of this node's subjects.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::services::subjects::Subjects;

/// The media type of a DID document in JSON (DID Core §6.2.1).
pub const DID_JSON: &str = "application/did+json";

fn not_found() -> ApiError {
    ApiError::problem(
        StatusCode::NOT_FOUND,
        "GetTenantWebDID failed",
        "DID does not exist",
    )
}

/// Serves the document of an active subject; unknown and deactivated ones are 404.
pub async fn did_document(
    State(subjects): State<Subjects>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let did = subjects.did_for(&id).map_err(|_| not_found())?;
    let record = subjects
        .by_did(&did)
        .await
        .map_err(|e| ApiError::subject("GetTenantWebDID", e))?
        .filter(|record| !record.deactivated)
        .ok_or_else(not_found)?;
    let document = subjects
        .document(&record)
        .await
        .map_err(|e| ApiError::subject("GetTenantWebDID", e))?;
    let body = serde_json::to_vec(&document).map_err(|e| {
        ApiError::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GetTenantWebDID failed",
            "document could not be encoded",
        )
        .with_cause(e)
    })?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(DID_JSON))],
        body,
    )
        .into_response())
}
