//! `/internal/vdr/v2`: subjects and their DIDs, as nuts-node v6 (`docs/_static/vdr/v2.yaml`), plus
//! removal of a verification method (key rotation), which nuts-node lacks.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::body::{JsonBody, json, optional_json};
use crate::http::error::ApiError;
use crate::http::extract::Now;
use crate::node::Node;
use crate::services::subjects::{KeyOptions, SubjectRecord, Subjects};

/// The VDR routes.
pub fn routes() -> Router<Node> {
    Router::new()
        .route(
            "/internal/vdr/v2/subject",
            post(create_subject).get(list_subjects),
        )
        .route(
            "/internal/vdr/v2/subject/{id}",
            get(subject_dids).delete(deactivate),
        )
        .route(
            "/internal/vdr/v2/subject/{id}/service",
            post(create_service).get(find_services),
        )
        .route(
            "/internal/vdr/v2/subject/{id}/service/{service_id}",
            delete(delete_service).post(update_service),
        )
        .route(
            "/internal/vdr/v2/subject/{id}/verificationmethod",
            post(add_verification_method),
        )
        .route(
            "/internal/vdr/v2/subject/{id}/verificationmethod/{method_id}",
            delete(remove_verification_method),
        )
        .route("/internal/vdr/v2/did/{did}", get(resolve_did))
}

async fn active(subjects: &Subjects, operation: &str, id: &str) -> Result<SubjectRecord, ApiError> {
    subjects
        .active(id)
        .await
        .map_err(|e| ApiError::subject(operation, e))
}

/// `KeyCreationOptions`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyCreationOptions {
    #[serde(default)]
    assertion_key: bool,
    #[serde(default)]
    encryption_key: bool,
}

/// `CreateSubjectOptions`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSubjectOptions {
    subject: Option<String>,
    keys: Option<KeyCreationOptions>,
}

/// `SubjectCreationResult`.
#[derive(Debug, Serialize)]
struct SubjectCreationResult {
    subject: String,
    documents: Vec<did::Document>,
}

async fn create_subject(
    State(subjects): State<Subjects>,
    Now(now): Now,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "CreateSubject";
    let options: CreateSubjectOptions = optional_json(OPERATION, &bytes)?;
    // As nuts-node: an assertion key is always made; `keys.assertionKey` is ignored.
    let encryption = options.keys.is_some_and(|keys| keys.encryption_key);
    let (record, document) = subjects
        .create(options.subject, encryption, now)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    tracing::info!(subject = %record.id, did = %record.did, "subject created");
    Ok(Json(SubjectCreationResult {
        subject: record.id,
        documents: vec![document],
    })
    .into_response())
}

async fn list_subjects(State(subjects): State<Subjects>) -> Result<Response, ApiError> {
    let subjects = subjects
        .list()
        .await
        .map_err(|e| ApiError::subject("ListSubjects", e))?;
    Ok(Json(subjects).into_response())
}

async fn subject_dids(
    State(subjects): State<Subjects>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = active(&subjects, "SubjectDIDs", &id).await?;
    Ok(Json(vec![record.did.to_string()]).into_response())
}

async fn deactivate(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    subjects
        .deactivate(&id, now)
        .await
        .map_err(|e| ApiError::subject("Deactivate", e))?;
    tracing::info!(subject = %id, "subject deactivated");
    Ok(StatusCode::NO_CONTENT)
}

/// `ServiceRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ServiceRequest {
    #[serde(rename = "type")]
    kind: String,
    service_endpoint: Value,
}

async fn create_service(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(id): Path<String>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "CreateService";
    let request: ServiceRequest = json(OPERATION, &bytes)?;
    let record = active(&subjects, OPERATION, &id).await?;
    let service = subjects
        .add_service(&record, &request.kind, request.service_endpoint, now)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    Ok(Json(vec![service]).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceFilter {
    #[serde(rename = "type")]
    kind: Option<String>,
    endpoint_type: Option<String>,
}

async fn find_services(
    State(subjects): State<Subjects>,
    Path(id): Path<String>,
    Query(filter): Query<ServiceFilter>,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "FindServices";
    if let Some(shape) = &filter.endpoint_type
        && !matches!(shape.as_str(), "string" | "object" | "array")
    {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            format!("{OPERATION} failed"),
            "endpointType must be string, object or array",
        ));
    }
    let record = active(&subjects, OPERATION, &id).await?;
    let services = subjects
        .services(
            &record,
            filter.kind.as_deref(),
            filter.endpoint_type.as_deref(),
        )
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    Ok(Json(services).into_response())
}

async fn delete_service(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path((id, service_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    const OPERATION: &str = "DeleteService";
    let record = active(&subjects, OPERATION, &id).await?;
    subjects
        .delete_service(&record, &service_id, now)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn update_service(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path((id, service_id)): Path<(String, String)>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "UpdateService";
    let request: ServiceRequest = json(OPERATION, &bytes)?;
    let record = active(&subjects, OPERATION, &id).await?;
    let service = subjects
        .update_service(
            &record,
            &service_id,
            &request.kind,
            request.service_endpoint,
            now,
        )
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    Ok(Json(vec![service]).into_response())
}

async fn add_verification_method(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(id): Path<String>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "AddVerificationMethod";
    let options: KeyCreationOptions = json(OPERATION, &bytes)?;
    if !options.assertion_key && !options.encryption_key {
        return Err(ApiError::bad_body(
            OPERATION,
            "set assertionKey and/or encryptionKey to true",
        ));
    }
    let record = active(&subjects, OPERATION, &id).await?;
    let methods = subjects
        .add_keys(
            &record,
            KeyOptions {
                assertion: options.assertion_key,
                encryption: options.encryption_key,
            },
            now,
        )
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    tracing::info!(subject = %record.id, added = methods.len(), "verification methods added");
    Ok(Json(methods).into_response())
}

async fn remove_verification_method(
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    const OPERATION: &str = "RemoveVerificationMethod";
    let record = active(&subjects, OPERATION, &id).await?;
    subjects
        .remove_method(&record, &method_id, now)
        .await
        .map_err(|e| ApiError::subject(OPERATION, e))?;
    tracing::info!(subject = %record.id, method = %method_id, "verification method removed");
    Ok(StatusCode::NO_CONTENT)
}

/// `DIDDocumentMetadata`, the members Hazel knows.
#[derive(Debug, Serialize)]
struct DocumentMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    deactivated: bool,
}

fn rfc3339(unix: Option<i64>) -> Option<String> {
    unix.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
}

async fn resolve_did(
    State(resolver): State<Arc<dyn did::Resolver>>,
    Path(did): Path<String>,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "ResolveDID";
    let did = did::Did::parse(&did).map_err(|e| ApiError::resolution(OPERATION, e))?;
    let resolved = resolver
        .resolve(&did)
        .await
        .map_err(|e| ApiError::resolution(OPERATION, e))?;
    Ok(Json(serde_json::json!({
        "document": resolved.document,
        "documentMetadata": DocumentMetadata {
            created: rfc3339(resolved.created),
            updated: rfc3339(resolved.updated),
            deactivated: resolved.deactivated,
        },
    }))
    .into_response())
}
