//! Steps 3 and 4: the credentials to present, and the token request that presents them.

use std::sync::Arc;

use did::{DidUrl, Relationship};
use jose::Signer;
use oauth::dpop::{self, ProofClaims};
use oauth::token::{TokenResponse, VpTokenBearer};
use oauth::types::ClientId;
use oauth::{ErrorCode, ErrorResponse};
use openid4vp::exchange::{credential_format, proof_of};
use serde_json::Value;
use vc::Format;

use super::discovery::Remote;
use super::{ClientError, S2sClient, ServiceAccessToken, ServiceAccessTokenRequest, fetch_failure};
use crate::flows::s2s_server::issuer_url;
use crate::services::credentials::PresentationRequest;
use crate::services::subjects::SubjectRecord;

/// The longest token lifetime accepted from a remote server (a day).
const MAX_EXPIRES_IN: i64 = 86_400;
/// The validity of the presentations the client signs, as nuts-node (the server's maximum).
const PRESENTATION_VALIDITY: i64 = 5;
/// The lifetime assumed when the server does not say (RFC 6749 §5.1 makes `expires_in`
/// optional); nuts-node's default.
const DEFAULT_EXPIRES_IN: i64 = 900;

/// What the wallet chose to present for the definition.
#[derive(Debug)]
pub(super) struct Presented {
    credentials: Vec<Value>,
    submission: String,
}

/// Everything one token request is made of but the server's nonce.
struct Call<'a> {
    subject: &'a SubjectRecord,
    request: &'a ServiceAccessTokenRequest,
    remote: &'a Remote,
    presented: &'a Presented,
    signer: Option<&'a (DidUrl, Arc<dyn Signer>)>,
    now: i64,
}

/// One attempt's answer from the token endpoint.
struct Attempt {
    status: u16,
    body: bytes::Bytes,
    offered_nonce: Option<String>,
}

impl S2sClient {
    /// Step 3: PE v2.0 wallet selection over the subject's credentials, newest first.
    pub(super) async fn choose(
        &self,
        subject: &SubjectRecord,
        remote: &Remote,
        request: &ServiceAccessTokenRequest,
        now: i64,
    ) -> Result<Presented, ClientError> {
        let wallet = self
            .services
            .credentials
            .wallet(subject, now)
            .await
            .map_err(ClientError::internal)?;
        let proofs: Vec<String> = wallet.iter().map(|c| proof_of(&c.raw)).collect();
        let candidates: Vec<pex::Credential<'_>> = wallet
            .iter()
            .zip(&proofs)
            .map(|(c, proof)| {
                pex::Credential::new(
                    &c.id,
                    credential_format(c.format),
                    proof,
                    c.valid_from.unwrap_or(0),
                    &c.document,
                )
            })
            .collect();
        let selection = remote
            .definition
            .select(
                &candidates,
                &request.credential_selection.clone().unwrap_or_default(),
                uuid::Uuid::new_v4().to_string(),
            )
            .map_err(|e| {
                ClientError::Precondition(format!(
                    "wallet does not contain the required credentials: {e}"
                ))
            })?;
        Ok(Presented {
            credentials: selection
                .credentials
                .iter()
                .filter_map(|&i| wallet.get(i).map(|c| c.raw.clone()))
                .collect(),
            submission: serde_json::to_string(&selection.submission)
                .map_err(ClientError::internal)?,
        })
    }

    /// Step 4: the token request, made once more with the server's nonce when it answers
    /// `use_dpop_nonce` with a `DPoP-Nonce` (RFC 9449 §8); then the answer mapped.
    pub(super) async fn exchange(
        &self,
        subject: &SubjectRecord,
        request: &ServiceAccessTokenRequest,
        remote: &Remote,
        presented: &Presented,
        now: i64,
    ) -> Result<ServiceAccessToken, ClientError> {
        let signer = if request.wants_dpop() {
            Some(
                self.services
                    .subjects
                    .signer(subject, Relationship::AssertionMethod)
                    .await
                    .map_err(ClientError::internal)?,
            )
        } else {
            None
        };
        let call = Call {
            subject,
            request,
            remote,
            presented,
            signer: signer.as_ref(),
            now,
        };
        let mut attempt = self.attempt(&call, None).await?;
        if attempt.status == 400
            && call.signer.is_some()
            && asks_for_nonce(&attempt.body)
            && let Some(nonce) = attempt.offered_nonce.take()
        {
            attempt = self.attempt(&call, Some(&nonce)).await?;
        }
        token(attempt, request, call.signer.map(|(kid, _)| kid), now)
    }

    /// One token request with a fresh presentation and proof.
    async fn attempt(
        &self,
        call: &Call<'_>,
        server_nonce: Option<&str>,
    ) -> Result<Attempt, ClientError> {
        let Call {
            subject,
            request,
            remote,
            presented,
            signer,
            now,
        } = *call;
        let form = VpTokenBearer {
            assertion: self.presentation(subject, request, presented, now).await?,
            presentation_submission: presented.submission.clone(),
            scope: request.scope.clone(),
            client_id: ClientId::new(issuer_url(&self.public_url, &subject.id)),
        }
        .to_form();
        let proof = signer
            .map(|(_, signer)| {
                let jti = uuid::Uuid::new_v4().to_string();
                dpop::create(
                    signer.as_ref(),
                    &ProofClaims {
                        jti: &jti,
                        htm: "POST",
                        htu: remote.token_endpoint.as_str(),
                        iat: now,
                        ath: None,
                        nonce: server_nonce,
                    },
                )
            })
            .transpose()
            .map_err(ClientError::internal)?;
        let headers: Vec<(&str, &str)> = proof.iter().map(|p| ("DPoP", p.as_str())).collect();
        let (status, response_headers, body) = self
            .services
            .outbound
            .post(
                &remote.token_endpoint,
                oauth::params::FORM_URLENCODED,
                form.into_bytes(),
                &headers,
            )
            .await
            .map_err(|e| fetch_failure("an access token", e))?;
        Ok(Attempt {
            status,
            body,
            offered_nonce: response_headers
                .get("dpop-nonce")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }

    /// A `jwt_vp` of the chosen credentials for the remote server, valid as long as nuts-node
    /// allows.
    async fn presentation(
        &self,
        subject: &SubjectRecord,
        request: &ServiceAccessTokenRequest,
        presented: &Presented,
        now: i64,
    ) -> Result<String, ClientError> {
        let presentation = self
            .services
            .credentials
            .create_presentation(
                PresentationRequest {
                    signer: Some(subject.did.to_string()),
                    credentials: presented.credentials.clone(),
                    audience: Some(request.authorization_server.clone()),
                    nonce: Some(uuid::Uuid::new_v4().to_string()),
                    expires: Some(now + PRESENTATION_VALIDITY),
                    format: Format::JwtVp,
                },
                now,
            )
            .await
            .map_err(ClientError::internal)?;
        match presentation {
            Value::String(jwt) => Ok(jwt),
            _ => Err(ClientError::Internal(
                "the presentation is not a JWT".into(),
            )),
        }
    }
}

fn asks_for_nonce(body: &[u8]) -> bool {
    ErrorResponse::from_remote(body).is_some_and(|e| e.error() == &ErrorCode::UseDpopNonce)
}

/// The token endpoint's answer as the EHR gets it.
fn token(
    attempt: Attempt,
    request: &ServiceAccessTokenRequest,
    dpop_kid: Option<&DidUrl>,
    now: i64,
) -> Result<ServiceAccessToken, ClientError> {
    if attempt.status != 200 {
        return Err(
            match (attempt.status, ErrorResponse::from_remote(&attempt.body)) {
                (400..=499, Some(error)) => ClientError::BadRequest(error.to_string()),
                (status, _) => {
                    ClientError::BadGateway(format!("the token endpoint answered HTTP {status}"))
                }
            },
        );
    }
    let response: TokenResponse = serde_json::from_slice(&attempt.body)
        .map_err(|e| ClientError::BadGateway(format!("the token response is not valid: {e}")))?;
    // A remote value: bounded before any arithmetic.
    let expires_in = response.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    if !(1..=MAX_EXPIRES_IN).contains(&expires_in) {
        return Err(ClientError::BadGateway(format!(
            "the token response has an unusable expires_in ({expires_in})"
        )));
    }
    Ok(ServiceAccessToken {
        access_token: response.access_token,
        token_type: response.token_type.to_string(),
        expires_in,
        expires_at: now + expires_in,
        scope: response.scope.unwrap_or_else(|| request.scope.clone()),
        dpop_kid: dpop_kid.map(ToString::to_string),
    })
}
