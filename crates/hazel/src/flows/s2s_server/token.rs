//! The token endpoint, `POST /oauth2/{subject}/token`: steps 1 and 2 of the flow (whose
//! authorization server, what request), then the grant, then the audit record, the counters and
//! the `DPoP-Nonce` of RFC 9449 §8.

use oauth::ErrorCode;
use oauth::params::{Params, is_form_urlencoded};
use oauth::token::{TokenRequest, TokenResponse, grant_type};
use serde_json::json;

use super::S2sServer;
use super::grant::{self, Granted};
use crate::flows::Refusal;
use crate::services::audit::{AuditEvent, Outcome};
use crate::services::subjects::SubjectRecord;

/// The `DPoP` header fields of a request (RFC 9449 §4.3 check 1: at most one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopHeader<'a> {
    /// None was sent.
    Absent,
    /// One, as text.
    One(&'a str),
    /// One that is not visible ASCII.
    Unreadable,
    /// More than one.
    Several,
}

/// A token request as the HTTP layer received it.
#[derive(Debug, Clone, Copy)]
pub struct TokenHttpRequest<'a> {
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
    /// The `DPoP` header fields.
    pub dpop: DpopHeader<'a>,
}

/// The endpoint's answer: the token or the refusal, and a fresh `DPoP-Nonce` when the server
/// requires nonces.
#[derive(Debug)]
pub struct TokenAnswer {
    /// The outcome.
    pub outcome: Result<TokenResponse, Refusal>,
    /// The nonce for the `DPoP-Nonce` header.
    pub dpop_nonce: Option<String>,
}

impl S2sServer {
    /// Answers a token request to `subject_id`'s authorization server at `now`.
    pub async fn token(
        &self,
        subject_id: &str,
        request: TokenHttpRequest<'_>,
        now: i64,
    ) -> TokenAnswer {
        let outcome = match self.read(subject_id, &request).await {
            Ok((subject, token_request, dpop)) => {
                self.grant_and_record(&subject, &token_request, dpop, now)
                    .await
            }
            Err(refusal) => {
                self.record_early_refusal(subject_id, request.body, &refusal, now)
                    .await;
                Err(refusal)
            }
        };
        TokenAnswer {
            outcome,
            dpop_nonce: self.fresh_dpop_nonce().await,
        }
    }

    /// Steps 1 and 2: the subject, the media type, the parameters and the `DPoP` header field.
    async fn read<'r>(
        &self,
        subject_id: &str,
        request: &TokenHttpRequest<'r>,
    ) -> Result<(SubjectRecord, TokenRequest, Option<&'r str>), Refusal> {
        let subject = self.subject(subject_id).await?;
        if !is_form_urlencoded(request.content_type) {
            return Err(Refusal::invalid_request(
                "the request body must be application/x-www-form-urlencoded",
            ));
        }
        let text = std::str::from_utf8(request.body)
            .map_err(|_| Refusal::invalid_request("the request body is not UTF-8"))?;
        // RFC 6749 §3.2: parameters come from the body only; the query string is ignored.
        let token_request = TokenRequest::from_params(&Params::parse(text)?)?;
        let invalid_dpop =
            |description: &str| Refusal::new(ErrorCode::InvalidDpopProof, description);
        let dpop = match request.dpop {
            DpopHeader::Absent => None,
            DpopHeader::One(header) => Some(header),
            DpopHeader::Unreadable => return Err(invalid_dpop("DPoP header is invalid")),
            DpopHeader::Several => {
                return Err(invalid_dpop(
                    "DPoP header is invalid: more than one DPoP header",
                ));
            }
        };
        Ok((subject, token_request, dpop))
    }

    /// Runs the grant and records its outcome; without its audit record no token goes out.
    async fn grant_and_record(
        &self,
        subject: &SubjectRecord,
        request: &TokenRequest,
        dpop: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, Refusal> {
        let TokenRequest::VpTokenBearer(grant_request) = request else {
            return Err(Refusal::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type is not supported",
            ));
        };
        let outcome = grant::vp_token_bearer(self, subject, grant_request, dpop, now).await;
        let event = AuditEvent {
            occurred_at: now,
            action: format!("token.{}", grant_type::VP_TOKEN_BEARER),
            outcome: if outcome.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            actor: grant_request.client_id.to_string(),
            subject: subject.id.clone(),
            detail: grant::audit_detail(grant_request, outcome.as_ref()),
        };
        if let Err(error) = self.services.audit.record(&event).await {
            // NEN 7510: no token without its audit record.
            tracing::error!(%error, "audit record of a token request could not be written");
            self.services
                .metrics
                .token_refused(ErrorCode::ServerError.as_str());
            return Err(Refusal::new(
                ErrorCode::ServerError,
                "the request could not be recorded",
            ));
        }
        match outcome {
            Ok(Granted { response, .. }) => {
                self.services
                    .metrics
                    .token_issued(response.token_type.as_str());
                Ok(response)
            }
            Err(refusal) => {
                self.services.metrics.token_refused(refusal.code().as_str());
                Err(refusal)
            }
        }
    }

    /// Requests refused before a grant is looked at are audited too, with what the body says
    /// about who asked (bounded: it is the client's text).
    async fn record_early_refusal(
        &self,
        subject_id: &str,
        body: &[u8],
        refusal: &Refusal,
        now: i64,
    ) {
        let first = |name: &str| {
            url::form_urlencoded::parse(body)
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.chars().take(200).collect::<String>())
        };
        let client_id = first("client_id");
        let event = AuditEvent {
            occurred_at: now,
            action: "token.request".into(),
            outcome: Outcome::Failure,
            actor: client_id.clone().unwrap_or_default(),
            subject: subject_id.chars().take(100).collect(),
            detail: json!({
                "grant_type": first("grant_type"),
                "client_id": client_id,
                "scope_requested": first("scope"),
                "error": refusal.code().as_str(),
                "error_description": refusal.description(),
            }),
        };
        if let Err(error) = self.services.audit.record(&event).await {
            tracing::error!(%error, "audit record of a refused token request could not be written");
        }
        self.services.metrics.token_refused(refusal.code().as_str());
    }

    /// RFC 9449 §8: a fresh nonce with every answer, so the client need not fail first next
    /// time. A store failure leaves the header out: the answer (a token, perhaps) stands.
    async fn fresh_dpop_nonce(&self) -> Option<String> {
        if !self.services.dpop.requires_nonce() {
            return None;
        }
        match self.services.dpop.issue_nonce().await {
            Ok(nonce) => Some(nonce),
            Err(error) => {
                tracing::warn!(%error, "no DPoP nonce could be issued");
                None
            }
        }
    }
}
