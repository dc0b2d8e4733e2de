//! The `vp_token-bearer` grant (nuts-node v6 RFC021 service-to-service flow): a client presents
//! its organization's credentials as verifiable presentation(s) with a presentation submission for
//! the scope's Presentation Definition and gets an access token.
//!
//! Order of checks: the cheap, stateless ones first (parameters, parsing, the DPoP proof), then
//! the signatures and credentials, then the policy, and only when everything else passed are the
//! single-use values (DPoP `jti`, presentation nonces) claimed. Unlike nuts-node, a request that
//! fails for any other reason therefore does not burn its nonce, and a forged presentation cannot
//! burn someone else's nonce.

use std::collections::BTreeMap;
use std::time::Duration;

use oauth::ErrorCode;
use oauth::dpop::{Expected, Proof};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vc::verify::PresentationTerms;
use vc::{Format, VerifiedPresentation};

use super::replay::{self, Kind};
use super::{issuer_url, token_endpoint};
use crate::credentials::{CredentialError, pex_format, proof_of};
use crate::node::Node;
use crate::policy::{PolicyError, ScopePolicy, WalletOwnerType, select_scopes};
use crate::subjects::SubjectRecord;
use crate::tokens::AccessToken;

/// The most presentations one `assertion` may hold: each costs signature checks and resolutions.
const MAX_PRESENTATIONS: usize = 10;

/// The grant type of the service-to-service flow.
pub const GRANT_TYPE: &str = "vp_token-bearer";

/// An OAuth error answered by the token endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The `error` code.
    pub code: ErrorCode,
    /// The public `error_description`.
    pub description: String,
    /// The internal reason, logged only.
    pub cause: Option<String>,
}

impl Refusal {
    /// A refusal with a public description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            cause: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    fn server_error(description: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::ServerError,
            description: description.into(),
            cause: Some(cause.to_string()),
        }
    }
}

/// The parameters of a `vp_token-bearer` token request, all required.
#[derive(Debug, Clone)]
pub struct VpTokenRequest<'a> {
    /// `assertion`: a JWT presentation, a JSON-LD presentation, or a JSON array of them.
    pub assertion: &'a str,
    /// `presentation_submission` (JSON).
    pub presentation_submission: &'a str,
    /// `scope`, space-separated.
    pub scope: &'a str,
    /// `client_id`.
    pub client_id: &'a str,
    /// The `DPoP` header, if one was sent.
    pub dpop: Option<&'a str>,
}

/// RFC 6749 §5.1 token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// `DPoP` or `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// The granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A granted token and what the audit trail records about it.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The response to send.
    pub response: TokenResponse,
    /// The grant as stored.
    pub token: AccessToken,
}

/// What the request presented, parsed but not verified.
fn parse_assertion(assertion: &str) -> Result<Vec<Value>, Refusal> {
    let invalid = |reason: &str| {
        Refusal::invalid_request(format!(
            "assertion parameter is invalid: unable to parse PEX envelope as verifiable \
             presentation: {reason}"
        ))
    };
    let trimmed = assertion.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return Ok(vec![Value::String(assertion.to_owned())]);
    }
    let value: Value = serde_json::from_str(assertion).map_err(|_| invalid("invalid JSON"))?;
    let presentations = match value {
        Value::Array(items) => items,
        object => vec![object],
    };
    if presentations.is_empty() {
        return Err(invalid("empty array"));
    }
    if presentations.len() > MAX_PRESENTATIONS {
        return Err(invalid("too many presentations"));
    }
    if presentations
        .iter()
        .any(|p| !matches!(p, Value::String(_) | Value::Object(_)))
    {
        return Err(invalid("invalid JWT"));
    }
    Ok(presentations)
}

fn verification_failed(error: CredentialError) -> Refusal {
    match error {
        CredentialError::Invalid(reason) => Refusal::invalid_request(format!(
            "presentation(s) or credential(s) verification failed: {reason}"
        )),
        other => Refusal::server_error("presentation verification could not be completed", other),
    }
}

/// The owned inputs of a Presentation Exchange evaluation for one presentation.
struct Evaluable {
    format: pex::PresentationFormat,
    proof: String,
    json: Value,
    credentials: Vec<(String, pex::CredentialFormat, String, i64, Value)>,
}

impl Evaluable {
    fn new(verified: &VerifiedPresentation) -> Result<Self, Refusal> {
        let mut json = serde_json::to_value(&verified.presentation)
            .map_err(|e| Refusal::server_error("presentation could not be read", e))?;
        if let (Some(object), Some(jti)) = (json.as_object_mut(), &verified.jti) {
            object
                .entry("id")
                .or_insert_with(|| Value::String(jti.clone()));
        }
        let credentials = verified
            .credentials
            .iter()
            .map(|credential| {
                (
                    credential.credential.id.clone().unwrap_or_default(),
                    pex_format(credential.format),
                    proof_of(&credential.raw),
                    credential
                        .credential
                        .valid_from()
                        .ok()
                        .flatten()
                        .unwrap_or(0),
                    credential.credential.to_json(),
                )
            })
            .collect();
        Ok(Self {
            format: match verified.format {
                Format::LdpVp => pex::PresentationFormat::LdpVp,
                _ => pex::PresentationFormat::JwtVp,
            },
            proof: proof_of(&verified.raw),
            json,
            credentials,
        })
    }

    fn credentials(&self) -> Vec<pex::Credential<'_>> {
        self.credentials
            .iter()
            .map(|(id, format, proof, issued_at, json)| {
                pex::Credential::new(id, *format, proof, *issued_at, json)
            })
            .collect()
    }
}

/// Dates, maximum validity, audience and nonce; returns the expiry and the nonce.
fn check_presentation<'a>(
    terms: &'a PresentationTerms,
    issuer: &str,
    max_validity: i64,
) -> Result<(i64, &'a str), Refusal> {
    let (Some(expires), Some(start)) = (terms.expires, terms.start) else {
        return Err(Refusal::invalid_request(
            "presentation is missing creation or expiration date",
        ));
    };
    if expires
        .checked_sub(start)
        .is_none_or(|validity| !(0..=max_validity).contains(&validity))
    {
        return Err(Refusal::invalid_request(format!(
            "presentation is valid for too long (max {max_validity}s)"
        )));
    }
    if !terms
        .audience
        .as_ref()
        .is_some_and(|audience| audience.contains(issuer))
    {
        return Err(Refusal::invalid_request(
            "presentation audience/domain is missing or does not match",
        ));
    }
    match terms.nonce.as_deref() {
        Some(nonce) if !nonce.is_empty() => Ok((expires, nonce)),
        _ => Err(Refusal::invalid_request(
            "presentation has invalid/missing nonce",
        )),
    }
}

/// Checks a `vp_token-bearer` request for `subject` at `now` and issues a token.
pub async fn grant(
    node: &Node,
    subject: &SubjectRecord,
    request: &VpTokenRequest<'_>,
    now: i64,
) -> Result<Granted, Refusal> {
    let config = &node.config;
    let skew = i64::try_from(config.auth.clockskew.as_secs()).unwrap_or(5);
    let issuer = issuer_url(config.public_url(), &subject.id);

    let assertions = parse_assertion(request.assertion)?;
    let submission_json: Value = serde_json::from_str(request.presentation_submission)
        .map_err(|e| Refusal::invalid_request(format!("invalid presentation submission: {e}")))?;
    let submission = pex::PresentationSubmission::from_value(&submission_json)
        .map_err(|e| Refusal::invalid_request(format!("invalid presentation submission: {e}")))?;

    // RFC 9449 §4.3, all but the jti replay check, which claims state and comes last.
    let proof = match request.dpop {
        Some(header) => {
            let proof = Proof::parse(header).map_err(|e| {
                Refusal::new(
                    ErrorCode::InvalidDpopProof,
                    format!("DPoP header is invalid: {e}"),
                )
            })?;
            let endpoint = token_endpoint(config.public_url(), &subject.id);
            proof
                .check(&Expected {
                    method: "POST",
                    url: &endpoint,
                    now,
                    max_age: i64::try_from(config.auth.dpop.maxage.as_secs()).unwrap_or(60),
                    skew,
                    access_token: None,
                    jkt: None,
                    nonce: None,
                })
                .map_err(|e| {
                    Refusal::new(
                        ErrorCode::InvalidDpopProof,
                        format!("DPoP header is invalid: {e}"),
                    )
                })?;
            if config.auth.dpop.requirenonce {
                let issued = match proof.nonce.as_deref() {
                    Some(nonce) => replay::is_issued_nonce(node.sessions.as_ref(), nonce)
                        .await
                        .map_err(|e| Refusal::server_error("the nonce store is unavailable", e))?,
                    None => false,
                };
                if !issued {
                    return Err(Refusal::new(
                        ErrorCode::UseDpopNonce,
                        "the DPoP proof must carry the nonce of the DPoP-Nonce header",
                    ));
                }
            }
            Some(proof)
        }
        None => None,
    };

    let max_validity = i64::try_from(config.auth.presentationmaxvalidity.as_secs()).unwrap_or(5);
    // nuts-node's order: the cheap checks of the unverified terms (a JWT's claims, a JSON-LD
    // proof's members) first, so that a presentation that cannot succeed costs no canonicalization,
    // signature check, DID resolution or status-list fetch. The same checks run again on the
    // verified terms below, which are authoritative.
    for assertion in &assertions {
        if let Some(terms) = PresentationTerms::read_unverified(assertion) {
            check_presentation(&terms, &issuer, max_validity)?;
        }
    }
    let mut verified = Vec::with_capacity(assertions.len());
    for assertion in &assertions {
        verified.push(
            node.credentials
                .verify_presentation(assertion, now)
                .await
                .map_err(verification_failed)?,
        );
    }
    let terms: Vec<PresentationTerms> = verified.iter().map(|p| p.terms()).collect();
    let mut nonces = Vec::with_capacity(terms.len());
    for presentation in &terms {
        let (expires, nonce) = check_presentation(presentation, &issuer, max_validity)?;
        nonces.push((nonce, expires));
    }
    let presenter = verified
        .first()
        .map(|p| p.holder.clone())
        .unwrap_or_default();
    if verified.iter().any(|p| p.holder != presenter) {
        return Err(Refusal::invalid_request(
            "not all presentations have the same credential subject ID",
        ));
    }

    // The scope's Presentation Definition and the submission against it.
    let Some(policy) = &node.policy else {
        return Err(Refusal::new(
            ErrorCode::InvalidScope,
            format!(
                "unsupported scope ({}) for presentation exchange: no policy is configured",
                request.scope
            ),
        ));
    };
    let selection = select_scopes(
        policy.as_ref(),
        request.scope,
        subject.did.as_str(),
        node.can_decide_scopes(),
    )
    .await
    .map_err(|error| match error {
        PolicyError::Scope(reason) => Refusal::new(ErrorCode::InvalidScope, reason),
        other => Refusal::server_error(
            format!(
                "failed to retrieve presentation definition for scope ({})",
                request.scope
            ),
            other,
        ),
    })?;
    let owner = WalletOwnerType::Organization;
    let Some(definition) = selection.entry.definition(owner) else {
        return Err(Refusal::new(
            ErrorCode::InvalidScope,
            format!(
                "scope {} has no presentation definition for an organization wallet",
                selection.profile
            ),
        ));
    };
    let definition_id = &definition.compiled.definition().id;
    if &submission.definition_id != definition_id {
        return Err(Refusal::invalid_request(format!(
            "presentation definition being fulfilled is not required: {}",
            submission.definition_id
        )));
    }
    let evaluables = verified
        .iter()
        .map(Evaluable::new)
        .collect::<Result<Vec<_>, _>>()?;
    let credential_lists: Vec<Vec<pex::Credential<'_>>> =
        evaluables.iter().map(Evaluable::credentials).collect();
    let presentations: Vec<pex::Presentation<'_>> = evaluables
        .iter()
        .zip(&credential_lists)
        .map(|(e, credentials)| pex::Presentation {
            format: e.format,
            proof: &e.proof,
            json: &e.json,
            credentials,
        })
        .collect();
    let envelope = match (
        assertions.len(),
        request.assertion.trim_start().starts_with('['),
    ) {
        (1, false) => presentations.first().map(pex::Envelope::Single),
        _ => Some(pex::Envelope::Array(&presentations)),
    }
    .ok_or_else(|| Refusal::invalid_request("no presentation"))?;
    let evaluation = definition
        .compiled
        .evaluate(&submission, envelope)
        .map_err(|e| {
            Refusal::invalid_request(format!(
                "presentation submission does not conform to presentation definition \
                 (id={definition_id}): {e}"
            ))
        })?;
    // After the policy: only a request that would otherwise succeed costs an outbound fetch.
    super::client::check_binding(node, request.client_id, &verified, now).await?;
    // Reserved field ids cannot reach here: every definition, from a file or a backend, is
    // refused when it loads (`policy::parse_entry`).
    let claims = evaluation.claims.into_map();

    let lifetime = i64::try_from(config.auth.accesstokenlifetime.as_secs()).unwrap_or(900);
    let mut token = AccessToken {
        issuer,
        subject: subject.id.clone(),
        client_id: request.client_id.to_owned(),
        presenter,
        scope: selection.profile.clone(),
        issued_at: now,
        expires_at: now + lifetime,
        jkt: proof.as_ref().map(|p| p.jkt.clone()),
        claims,
        presentations: assertions,
        submissions: BTreeMap::from([(definition_id.clone(), submission_json)]),
        definitions: BTreeMap::from([(owner.as_str().to_owned(), definition.json.clone())]),
        credential_ids: verified
            .iter()
            .flat_map(|p| p.credentials.iter())
            .filter_map(|c| c.credential.id.clone())
            .collect(),
    };
    let mut granted = vec![selection.profile.clone()];
    match selection.entry.scope_policy {
        ScopePolicy::Passthrough => granted.extend(selection.extra.iter().cloned()),
        ScopePolicy::Dynamic => {
            for extra in &selection.extra {
                if super::dynamic::grants(node, &token, extra).await? {
                    granted.push(extra.clone());
                }
            }
        }
        ScopePolicy::ProfileOnly => {}
    }
    token.scope = granted.join(" ");

    // Single-use values last: everything else about the request is valid. Nonces first, so a
    // replayed request is answered as a replayed presentation (nuts-node's A19).
    for (nonce, expires) in nonces {
        // Kept until the presentation has expired for every clock within the skew, so that a
        // replay is refused either as a replay or as expired.
        let ttl = expires
            .saturating_sub(now)
            .saturating_add(skew + 1)
            .clamp(1, max_validity + 2 * skew + 1);
        let ttl = u64::try_from(ttl).unwrap_or(1);
        claim_once(
            node,
            Kind::PresentationNonce,
            nonce,
            Duration::from_secs(ttl),
        )
        .await?
        .then_some(())
        .ok_or_else(|| Refusal::invalid_request("presentation nonce has already been used"))?;
    }

    if let Some(proof) = &proof {
        let ttl = config.auth.dpop.maxage + config.auth.clockskew;
        claim_once(node, Kind::DpopJti, &proof.jti, ttl)
            .await?
            .then_some(())
            .ok_or_else(|| {
                Refusal::new(
                    ErrorCode::InvalidDpopProof,
                    "DPoP header is invalid: jti already used",
                )
            })?;
    }
    let access_token = node
        .tokens
        .issue(&token, now)
        .await
        .map_err(|e| Refusal::server_error("the token could not be stored", e))?;
    Ok(Granted {
        response: TokenResponse {
            access_token,
            token_type: if proof.is_some() { "DPoP" } else { "Bearer" }.to_owned(),
            expires_in: Some(lifetime),
            scope: Some(token.scope.clone()),
        },
        token,
    })
}

async fn claim_once(node: &Node, kind: Kind, value: &str, ttl: Duration) -> Result<bool, Refusal> {
    replay::claim(node.sessions.as_ref(), kind, value, ttl)
        .await
        .map_err(|e| Refusal::server_error("the replay guard is unavailable", e))
}

/// The audit detail of a token request (never the token or the presentations).
pub fn audit_detail(request: &VpTokenRequest<'_>, outcome: Result<&Granted, &Refusal>) -> Value {
    match outcome {
        Ok(granted) => json!({
            "grant_type": GRANT_TYPE,
            "client_id": request.client_id,
            "scope_requested": request.scope,
            "scope": granted.token.scope,
            "presenter": granted.token.presenter,
            "credentials": granted.token.credential_ids,
            "token_type": granted.response.token_type,
        }),
        Err(refusal) => json!({
            "grant_type": GRANT_TYPE,
            "client_id": request.client_id,
            "scope_requested": request.scope,
            "error": refusal.code.as_str(),
            "error_description": refusal.description,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertion_forms() {
        assert_eq!(
            parse_assertion("a.b.c").unwrap(),
            vec![Value::String("a.b.c".into())]
        );
        assert_eq!(parse_assertion(r#"["a.b.c", {"x": 1}]"#).unwrap().len(), 2);
        let refused = parse_assertion("[true, false]").unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidRequest);
        assert!(refused.description.ends_with("invalid JWT"), "{refused:?}");
        assert!(parse_assertion("[]").is_err());
        assert!(parse_assertion("{not json").is_err());
    }
}
