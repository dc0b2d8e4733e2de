//! The `vp_token-bearer` grant: steps 3 to 11 of the flow, the states of
//! `openid4vp::bearer` with this node's I/O between them.

use std::collections::BTreeMap;

use oauth::ErrorCode;
use oauth::dpop::Proof;
use oauth::token::{TokenResponse, TokenType, VpTokenBearer, grant_type};
use oauth::types::Scope;
use openid4vp::bearer::{Evaluated, Expectations, Received};
use serde_json::{Value, json};
use vc::VerifiedPresentation;

use super::S2sServer;
use crate::flows::Refusal;
use crate::services::credentials::CredentialError;
use crate::services::dpop::{DpopRefusal, ProofTarget};
use crate::services::policy::{
    Definition, MAX_SCOPES, PolicyError, ScopePolicy, ScopeSelection, WalletOwnerType,
};
use crate::services::replay::{Kind, SingleUse};
use crate::services::subjects::SubjectRecord;
use crate::services::tokens::TokenRecord;

/// A granted token and what the audit trail records about it.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The response to send.
    pub response: TokenResponse,
    /// The token as stored.
    pub record: TokenRecord,
}

/// Checks a `vp_token-bearer` request for `subject` at `now` and issues a token.
pub(super) async fn vp_token_bearer(
    flow: &S2sServer,
    subject: &SubjectRecord,
    request: &VpTokenBearer,
    dpop: Option<&str>,
    now: i64,
) -> Result<Granted, Refusal> {
    let settings = flow.settings();
    let issuer = settings.issuer(&subject.id);
    let expected = Expectations {
        issuer: &issuer,
        max_validity: settings.max_validity,
    };
    let received = Received::parse(request)?;
    let proof = match dpop {
        Some(header) => Some(flow.check_dpop(header, subject, now).await?),
        None => None,
    };
    let awaiting = received.precheck(&expected)?;
    // nuts-node's order: the scope's definition is known before any signature is checked, so a
    // request for an unknown scope or another definition costs no resolution or fetch.
    let selection = flow.select_scopes(subject, &request.scope).await?;
    let definition = organization_definition(&selection)?;
    awaiting.check_definition(&definition.compiled)?;
    let presentations = flow.verify(awaiting.presentations(), now).await?;
    let verified = awaiting.verified(presentations, &expected)?;
    let evaluated = verified.evaluate(&definition.compiled)?;
    let signer = evaluated
        .signed_by()
        .ok_or_else(|| Refusal::invalid_request("no presentation"))?;
    // After the policy: only a request that would otherwise succeed costs an outbound fetch.
    flow.services
        .bindings
        .check(&request.client_id, signer, now)
        .await?;
    let mut record = token_record(flow, subject, request, &evaluated, proof.as_ref(), now);
    record.scope = selection.profile.clone();
    record.definitions = BTreeMap::from([(
        WalletOwnerType::Organization.as_str().to_owned(),
        definition.json.clone(),
    )]);
    // Decided on the token as it stands with the profile scope alone.
    record.scope = flow.granted_scopes(&selection, &record).await?;
    flow.claim_single_use(&evaluated, proof.as_ref(), now)
        .await?;
    let access_token = flow
        .services
        .tokens
        .issue(&record, now)
        .await
        .map_err(|e| Refusal::server_error("the token could not be stored", e))?;
    Ok(Granted {
        response: TokenResponse {
            access_token,
            token_type: if proof.is_some() {
                TokenType::DPoP
            } else {
                TokenType::Bearer
            },
            expires_in: Some(settings.token_lifetime),
            scope: Some(record.scope.clone()),
        },
        record,
    })
}

/// Step 7: the profile's definition for an organization wallet.
fn organization_definition(selection: &ScopeSelection) -> Result<&Definition, Refusal> {
    selection
        .entry
        .definition(WalletOwnerType::Organization)
        .ok_or_else(|| {
            Refusal::new(
                ErrorCode::InvalidScope,
                format!(
                    "scope {} has no presentation definition for an organization wallet",
                    selection.profile
                ),
            )
        })
}

/// The token as it will be stored; its scope and definitions are set after.
fn token_record(
    flow: &S2sServer,
    subject: &SubjectRecord,
    request: &VpTokenBearer,
    evaluated: &Evaluated,
    proof: Option<&Proof>,
    now: i64,
) -> TokenRecord {
    TokenRecord {
        issuer: flow.settings().issuer(&subject.id),
        subject: subject.id.clone(),
        client_id: request.client_id.to_string(),
        presenter: evaluated.holder().to_owned(),
        scope: String::new(),
        issued_at: now,
        expires_at: now.saturating_add(flow.settings().token_lifetime),
        jkt: proof.map(|p| p.jkt().to_owned()),
        // Reserved field ids cannot be here: every definition, from a file or a backend, is
        // refused when it loads (`policy::parse_entry`).
        claims: evaluated.claims().clone(),
        presentations: evaluated.presentations().cloned().collect(),
        submissions: BTreeMap::from([(
            evaluated.definition_id().to_owned(),
            evaluated.submission().clone(),
        )]),
        definitions: BTreeMap::new(),
        credential_ids: evaluated.credential_ids(),
    }
}

impl S2sServer {
    /// Step 4: RFC 9449 §4.3 for the token endpoint, all but the `jti` replay check, which
    /// claims state and comes last.
    async fn check_dpop(
        &self,
        header: &str,
        subject: &SubjectRecord,
        now: i64,
    ) -> Result<Proof, Refusal> {
        let endpoint = self.settings.token_endpoint(&subject.id);
        let target = ProofTarget {
            method: "POST",
            url: &endpoint,
            access_token: None,
            jkt: None,
        };
        self.services
            .dpop
            .check(header, &target, now, true)
            .await
            .map_err(|refusal| match refusal {
                DpopRefusal::Unparsable(error) | DpopRefusal::Mismatch(error) => Refusal::new(
                    ErrorCode::InvalidDpopProof,
                    format!("DPoP header is invalid: {error}"),
                ),
                DpopRefusal::NonceRequired => {
                    Refusal::new(ErrorCode::UseDpopNonce, refusal.to_string())
                }
                DpopRefusal::Store(error) => {
                    Refusal::server_error("the nonce store is unavailable", error)
                }
            })
    }

    /// Step 6: every presentation and its credentials, revocation included.
    async fn verify(
        &self,
        presentations: &[Value],
        now: i64,
    ) -> Result<Vec<VerifiedPresentation>, Refusal> {
        let mut verified = Vec::with_capacity(presentations.len());
        for presentation in presentations {
            let result = self
                .services
                .verifier
                .verify_presentation(presentation, now)
                .await;
            verified.push(result.map_err(|error| {
                match error {
                    // The public text leaves out what a remote server answered; the log keeps it.
                    CredentialError::Invalid(reason) => Refusal::invalid_request(format!(
                        "presentation(s) or credential(s) verification failed: {reason}"
                    ))
                    .with_cause(format!("{reason:?}")),
                    other => Refusal::server_error(
                        "presentation verification could not be completed",
                        other,
                    ),
                }
            })?);
        }
        Ok(verified)
    }

    /// Step 7: the scope tokens (RFC 6749 §3.3) and the one credential profile among them, as
    /// the token endpoint and the presentation definition endpoint read them.
    pub(super) async fn select_scopes(
        &self,
        subject: &SubjectRecord,
        scope_text: &str,
    ) -> Result<ScopeSelection, Refusal> {
        let scope = Scope::parse(scope_text, MAX_SCOPES)?;
        self.services
            .policy
            .select(&scope, subject.did.as_str())
            .await
            .ok_or_else(|| {
                Refusal::new(
                    ErrorCode::InvalidScope,
                    format!(
                        "unsupported scope ({scope_text}) for presentation exchange: no policy is configured"
                    ),
                )
            })?
            .map_err(|error| match error {
                PolicyError::Scope(reason) => Refusal::new(ErrorCode::InvalidScope, reason),
                other => Refusal::server_error(
                    format!("failed to retrieve presentation definition for scope ({scope_text})"),
                    other,
                ),
            })
    }

    /// Step 9: the profile scope, and the others as its scope policy says.
    async fn granted_scopes(
        &self,
        selection: &ScopeSelection,
        record: &TokenRecord,
    ) -> Result<String, Refusal> {
        let mut granted = vec![selection.profile.clone()];
        match selection.entry.scope_policy {
            ScopePolicy::Passthrough => granted.extend(selection.extra.iter().cloned()),
            ScopePolicy::Dynamic => {
                // A dynamic profile without a decision point grants nothing extra (and
                // `select_scopes` refuses extras then).
                if let Some(decider) = &self.services.scopes {
                    let view = record.introspection(false).to_json();
                    for extra in &selection.extra {
                        let allowed = decider
                            .grants(&view, &record.client_id, extra)
                            .await
                            .map_err(|e| {
                                Refusal::server_error(
                                    "the authorization policy could not decide on the requested scopes",
                                    e,
                                )
                            })?;
                        if allowed {
                            granted.push(extra.clone());
                        }
                    }
                }
            }
            ScopePolicy::ProfileOnly => {}
        }
        Ok(granted.join(" "))
    }

    /// Step 10: the single-use values, claimed only now that everything else passed, and all
    /// together: a request refused for one used value uses up none of the others. Nonces come
    /// first, so that a replayed request is answered as a replayed presentation (nuts-node A19).
    async fn claim_single_use(
        &self,
        evaluated: &Evaluated,
        proof: Option<&Proof>,
        now: i64,
    ) -> Result<(), Refusal> {
        let settings = self.settings();
        let nonces = evaluated.single_use_nonces(now, settings.skew, settings.max_validity);
        let mut values: Vec<SingleUse<'_>> = nonces
            .iter()
            .map(|(nonce, ttl)| SingleUse {
                kind: Kind::PresentationNonce,
                value: nonce.as_str(),
                ttl: *ttl,
            })
            .collect();
        values.extend(proof.map(|proof| self.services.dpop.single_use(proof)));
        let used = self
            .services
            .replay
            .claim_all(&values)
            .await
            .map_err(|e| Refusal::server_error("the replay guard is unavailable", e))?;
        match used.and_then(|i| values.get(i)).map(|value| value.kind) {
            None => Ok(()),
            Some(Kind::DpopJti) => Err(Refusal::new(
                ErrorCode::InvalidDpopProof,
                "DPoP header is invalid: jti already used",
            )),
            Some(_) => Err(Refusal::invalid_request(
                "presentation nonce has already been used",
            )),
        }
    }
}

/// The audit detail of a token request (never the token or the presentations).
pub(super) fn audit_detail(request: &VpTokenBearer, outcome: Result<&Granted, &Refusal>) -> Value {
    match outcome {
        Ok(granted) => json!({
            "grant_type": grant_type::VP_TOKEN_BEARER,
            "client_id": request.client_id,
            "scope_requested": request.scope,
            "scope": granted.record.scope,
            "presenter": granted.record.presenter,
            "credentials": granted.record.credential_ids,
            "token_type": granted.response.token_type,
        }),
        Err(refusal) => json!({
            "grant_type": grant_type::VP_TOKEN_BEARER,
            "client_id": request.client_id,
            "scope_requested": request.scope,
            "error": refusal.code().as_str(),
            "error_description": refusal.description(),
        }),
    }
}
