//! `/internal/vcr/v2`: issuer, verifier, holder and wallets, as nuts-node v6
//! (`docs/_static/vcr/vcr_v2.yaml`). JWT credentials travel as JSON strings.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use vc::{Format, OneOrMany};

use crate::http::body::{JsonBody, json as json_body};
use crate::http::error::ApiError;
use crate::http::extract::Now;
use crate::node::Node;
use crate::services::credentials::{Credentials, IssueRequest, PresentationRequest};
use crate::services::subjects::{SubjectRecord, Subjects};

/// The VCR routes.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/internal/vcr/v2/issuer/vc", post(issue_vc))
        .route("/internal/vcr/v2/issuer/vc/search", get(search_issued))
        .route("/internal/vcr/v2/issuer/vc/{id}", delete(revoke_vc))
        .route("/internal/vcr/v2/verifier/vc", post(verify_vc))
        .route("/internal/vcr/v2/verifier/vp", post(verify_vp))
        .route("/internal/vcr/v2/holder/vp", post(create_vp))
        .route(
            "/internal/vcr/v2/holder/{subject}/vc",
            get(wallet).post(load_vc),
        )
        .route(
            "/internal/vcr/v2/holder/{subject}/vc/search",
            post(search_wallet),
        )
        .route(
            "/internal/vcr/v2/holder/{subject}/vc/{id}",
            delete(remove_vc),
        )
}

fn format(operation: &str, value: Option<&str>, default: Format) -> Result<Format, ApiError> {
    match value {
        None => Ok(default),
        Some("jwt_vc") => Ok(Format::JwtVc),
        Some("ldp_vc") => Ok(Format::LdpVc),
        Some("jwt_vp") => Ok(Format::JwtVp),
        Some("ldp_vp") => Ok(Format::LdpVp),
        Some(other) => Err(ApiError::bad_body(
            operation,
            format!("unknown format `{other}`"),
        )),
    }
}

/// `IssueVCRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueVcRequest {
    #[serde(rename = "@context", default)]
    context: Option<OneOrMany<String>>,
    #[serde(rename = "type")]
    types: OneOrMany<String>,
    issuer: String,
    expiration_date: Option<String>,
    credential_subject: Value,
    #[serde(default)]
    with_status_list2021_revocation: bool,
    format: Option<String>,
    publish_to_network: Option<bool>,
    visibility: Option<String>,
}

async fn issue_vc(
    State(credentials): State<Credentials>,
    Now(now): Now,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "IssueVC";
    let request: IssueVcRequest = json_body(OPERATION, &bytes)?;
    if request.publish_to_network.is_some() || request.visibility.is_some() {
        return Err(ApiError::bad_body(
            OPERATION,
            "publishToNetwork and visibility are for did:nuts issuers, which this node does not have",
        ));
    }
    let issued = credentials
        .issue(
            IssueRequest {
                context: request
                    .context
                    .map(|c| c.as_slice().to_vec())
                    .unwrap_or_default(),
                types: request.types.as_slice().to_vec(),
                issuer: request.issuer,
                expiration_date: request.expiration_date,
                credential_subject: request.credential_subject,
                with_status_list: request.with_status_list2021_revocation,
                // nuts-node's default is ldp_vc.
                format: format(OPERATION, request.format.as_deref(), Format::LdpVc)?,
            },
            now,
        )
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    Ok(Json(issued.raw).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssuedSearch {
    credential_type: String,
    issuer: String,
    subject: Option<String>,
}

async fn search_issued(
    State(credentials): State<Credentials>,
    Query(search): Query<IssuedSearch>,
) -> Result<Response, ApiError> {
    let found = credentials
        .search_issued(
            &search.credential_type,
            &search.issuer,
            search.subject.as_deref(),
        )
        .await
        .map_err(|e| ApiError::credential("SearchIssuedVCs", e))?;
    let results: Vec<Value> = found
        .into_iter()
        .map(|issued| json!({"verifiableCredential": issued.raw}))
        .collect();
    Ok(Json(json!({"verifiableCredentials": results})).into_response())
}

async fn revoke_vc(
    State(credentials): State<Credentials>,
    Now(now): Now,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    credentials
        .revoke(&id, now)
        .await
        .map_err(|e| ApiError::credential("RevokeVC", e))?;
    tracing::info!(credential = %id, "credential revoked");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VcVerificationRequest {
    verifiable_credential: Value,
}

async fn verify_vc(
    State(credentials): State<Credentials>,
    Now(now): Now,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "VerifyVC";
    let request: VcVerificationRequest = json_body(OPERATION, &bytes)?;
    // Not a credential at all is a bad request, as nuts-node answers it; a credential that
    // does not verify is a verdict.
    vc::verify::read_unverified_credential(&request.verifiable_credential)
        .map_err(|e| ApiError::bad_body(OPERATION, e))?;
    let result = match credentials
        .verify_credential(&request.verifiable_credential, now)
        .await
    {
        Ok(_) => json!({"validity": true}),
        Err(error) => json!({"validity": false, "message": error.to_string()}),
    };
    Ok(Json(result).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VpVerificationRequest {
    verifiable_presentation: Value,
    valid_at: Option<String>,
}

async fn verify_vp(
    State(credentials): State<Credentials>,
    Now(now): Now,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "VerifyVP";
    let request: VpVerificationRequest = json_body(OPERATION, &bytes)?;
    vc::verify::read_unverified_presentation(&request.verifiable_presentation)
        .map_err(|e| ApiError::bad_body(OPERATION, e))?;
    let at = match &request.valid_at {
        Some(date) => {
            vc::model::parse_date(date, "validAt").map_err(|e| ApiError::bad_body(OPERATION, e))?
        }
        None => now,
    };
    let result = match credentials
        .verify_presentation(&request.verifiable_presentation, at)
        .await
    {
        Ok(verified) => {
            let credentials: Vec<&Value> = verified.credentials().iter().map(|c| c.raw()).collect();
            json!({"validity": true, "credentials": credentials})
        }
        Err(error) => json!({"validity": false, "message": error.to_string()}),
    };
    Ok(Json(result).into_response())
}

/// `CreateVPRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVpRequest {
    verifiable_credentials: Vec<Value>,
    #[serde(rename = "signerDID")]
    signer_did: Option<String>,
    challenge: Option<String>,
    domain: Option<String>,
    expires: Option<String>,
    format: Option<String>,
}

async fn create_vp(
    State(credentials): State<Credentials>,
    Now(now): Now,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "CreateVP";
    let request: CreateVpRequest = json_body(OPERATION, &bytes)?;
    let expires = request
        .expires
        .as_deref()
        .map(|date| vc::model::parse_date(date, "expires"))
        .transpose()
        .map_err(|e| ApiError::bad_body(OPERATION, e))?;
    let presentation = credentials
        .create_presentation(
            PresentationRequest {
                signer: request.signer_did,
                credentials: request.verifiable_credentials,
                audience: request.domain,
                nonce: request.challenge,
                expires,
                format: format(OPERATION, request.format.as_deref(), Format::LdpVp)?,
            },
            now,
        )
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    Ok(Json(presentation).into_response())
}

async fn owner(
    subjects: &Subjects,
    operation: &str,
    subject: &str,
) -> Result<SubjectRecord, ApiError> {
    subjects
        .active(subject)
        .await
        .map_err(|e| ApiError::subject(operation, e))
}

async fn wallet(
    State(credentials): State<Credentials>,
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "GetCredentialsInWallet";
    let owner = owner(&subjects, OPERATION, &subject).await?;
    let credentials = credentials
        .wallet(&owner, now)
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    let raw: Vec<Value> = credentials.into_iter().map(|c| c.raw).collect();
    Ok(Json(raw).into_response())
}

async fn load_vc(
    State(credentials): State<Credentials>,
    State(subjects): State<Subjects>,
    Now(now): Now,
    Path(subject): Path<String>,
    bytes: JsonBody,
) -> Result<StatusCode, ApiError> {
    const OPERATION: &str = "LoadVC";
    let credential: Value = json_body(OPERATION, &bytes)?;
    let owner = owner(&subjects, OPERATION, &subject).await?;
    let stored = credentials
        .load_into_wallet(&owner, &credential, now)
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    tracing::info!(subject = %owner.id, credential = %stored.id, "credential loaded into wallet");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct WalletSearch {
    query: Value,
}

async fn search_wallet(
    State(credentials): State<Credentials>,
    State(subjects): State<Subjects>,
    Path(subject): Path<String>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "SearchCredentialsInWallet";
    let search: WalletSearch = json_body(OPERATION, &bytes)?;
    let owner = owner(&subjects, OPERATION, &subject).await?;
    let found = credentials
        .search_wallet(&owner, &search.query)
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    let results: Vec<Value> = found
        .into_iter()
        .map(|c| json!({"verifiableCredential": c.raw}))
        .collect();
    Ok(Json(json!({"verifiableCredentials": results})).into_response())
}

async fn remove_vc(
    State(credentials): State<Credentials>,
    State(subjects): State<Subjects>,
    Path((subject, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    const OPERATION: &str = "RemoveCredentialFromWallet";
    let owner = owner(&subjects, OPERATION, &subject).await?;
    credentials
        .remove_from_wallet(&owner, &id)
        .await
        .map_err(|e| ApiError::credential(OPERATION, e))?;
    Ok(StatusCode::NO_CONTENT)
}
