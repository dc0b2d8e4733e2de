//! The `vp_token-bearer` grant of Nuts RFC021 (the service-to-service flow of nuts-node v6): a
//! client presents its organization's credentials in one or more verifiable presentations,
//! with a presentation submission for the Presentation Definition of the scope it asks.
//!
//! The authorization server's checks, as a chain of states. The application does the I/O
//! between them (signature verification, the policy, the client binding, the single-use store):
//!
//! 1. [`Received::parse`]: the `assertion` is a JWT, a JSON-LD presentation or a JSON array of at
//!    most [`MAX_PRESENTATIONS`] of them; the `presentation_submission` is a submission.
//! 2. [`Received::precheck`]: each presentation's *unverified* terms are checked with
//!    [`check_terms`], and the credentials they hold together are at most [`MAX_CREDENTIALS`],
//!    so that a hopeless request costs no key resolution or signature check (nuts-node's order).
//!    Nothing read here is acted on otherwise. When the scope's definition is at hand,
//!    [`AwaitingVerification::check_definition`] refuses a submission for another one as
//!    cheaply.
//! 3. The application verifies every presentation (signatures, credentials, revocation) and
//!    hands the results to [`AwaitingVerification::verified`], which checks that they are the
//!    presentations of the request, checks the verified terms again, and that one holder signed
//!    them all.
//! 4. [`Verified::evaluate`]: the submission is for the scope's definition and the presentations
//!    fulfil it (PE v2.0 §6.1, §8); the field values become the token's claims.
//! 5. The application binds the `client_id`, decides the scopes and claims the nonces that
//!    [`Evaluated::single_use_nonces`] lists, last, so that a refused request burns nothing.
//!
//! [`check_terms`] (Nuts RFC021 §3.2 and nuts-node v6 `s2s_vptoken.go`): the presentation has a
//! start (`nbf`, else `iat`; `created`) and an expiry (`exp`; `expires`) at most the maximum
//! validity apart; its audience (`aud`; `domain`) is the authorization server's issuer URL,
//! compared exactly; its nonce (`nonce`; `challenge`) is a non-empty string.

use std::collections::BTreeMap;
use std::time::Duration;

use oauth::ErrorCode;
use oauth::token::VpTokenBearer;
use oauth::types::Nonce;
use pex::{CompiledDefinition, PresentationSubmission};
use serde_json::Value;
use vc::VerifiedPresentation;
use vc::verify::PresentationTerms;

use crate::exchange::{self, EnvelopeShape};

/// The most presentations one `assertion` may hold: each costs signature checks and resolutions.
pub const MAX_PRESENTATIONS: usize = 10;

/// The most credentials the presentations of one request may hold together: each costs a
/// signature check, a resolution of its issuer and its status lists.
pub const MAX_CREDENTIALS: usize = 20;

/// Why a `vp_token-bearer` request is refused. The texts are nuts-node's descriptions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// The `assertion` is none of the accepted forms.
    #[error(
        "assertion parameter is invalid: unable to parse PEX envelope as verifiable presentation: {0}"
    )]
    InvalidAssertion(&'static str),
    /// The `presentation_submission` is not a submission.
    #[error("invalid presentation submission: {0}")]
    InvalidSubmission(String),
    /// A presentation has no start or no expiry.
    #[error("presentation is missing creation or expiration date")]
    MissingDates,
    /// A presentation is valid for longer than the maximum, or ends before it starts.
    #[error("presentation is valid for too long (max {0}s)")]
    TooLong(i64),
    /// A presentation is not for this authorization server.
    #[error("presentation audience/domain is missing or does not match")]
    Audience,
    /// A presentation has no usable nonce.
    #[error("presentation has invalid/missing nonce")]
    Nonce,
    /// The presentations hold more credentials than one request may.
    #[error("the presentations hold more than {0} credentials")]
    TooManyCredentials(usize),
    /// The presentations are signed by more than one holder.
    #[error("not all presentations have the same credential subject ID")]
    HolderMismatch,
    /// The verified presentations handed in are not those of the request (an application error).
    #[error("the verified presentations are not those of the request")]
    NotTheRequestsPresentations,
    /// The submission is for another definition than the scope's.
    #[error("presentation definition being fulfilled is not required: {0}")]
    DefinitionNotRequired(String),
    /// The presentations do not fulfil the definition.
    #[error(
        "presentation submission does not conform to presentation definition (id={definition}): {reason}"
    )]
    NotConforming {
        /// The definition's id.
        definition: String,
        /// What does not conform.
        reason: String,
    },
}

impl BearerError {
    /// The OAuth error code of the refusal.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::NotTheRequestsPresentations => ErrorCode::ServerError,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

/// What the authorization server expects of every presentation.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// Its issuer URL (`<url>/oauth2/<subject>`): the audience the presentations must name.
    pub issuer: &'a str,
    /// The longest a presentation may be valid, seconds (nuts-node: 5).
    pub max_validity: i64,
}

/// Checks a presentation's terms; returns its expiry and nonce.
pub fn check_terms<'t>(
    terms: &'t PresentationTerms,
    expected: &Expectations<'_>,
) -> Result<(i64, &'t str), BearerError> {
    let (Some(expires), Some(start)) = (terms.expires, terms.start) else {
        return Err(BearerError::MissingDates);
    };
    if expires
        .checked_sub(start)
        .is_none_or(|validity| !(0..=expected.max_validity).contains(&validity))
    {
        return Err(BearerError::TooLong(expected.max_validity));
    }
    if !terms
        .audience
        .as_ref()
        .is_some_and(|audience| audience.contains(expected.issuer))
    {
        return Err(BearerError::Audience);
    }
    match terms.nonce.as_deref() {
        Some(nonce) if !nonce.is_empty() => Ok((expires, nonce)),
        _ => Err(BearerError::Nonce),
    }
}

/// The presentations of an `assertion`, parsed but not verified, and how they were sent.
fn parse_assertion(assertion: &str) -> Result<(Vec<Value>, EnvelopeShape), BearerError> {
    let trimmed = assertion.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return Ok((
            vec![Value::String(assertion.to_owned())],
            EnvelopeShape::Single,
        ));
    }
    let value: Value = serde_json::from_str(assertion)
        .map_err(|_| BearerError::InvalidAssertion("invalid JSON"))?;
    let (presentations, shape) = match value {
        Value::Array(items) => (items, EnvelopeShape::Array),
        object => (vec![object], EnvelopeShape::Single),
    };
    if presentations.is_empty() {
        return Err(BearerError::InvalidAssertion("empty array"));
    }
    if presentations.len() > MAX_PRESENTATIONS {
        return Err(BearerError::InvalidAssertion("too many presentations"));
    }
    if presentations
        .iter()
        .any(|p| !matches!(p, Value::String(_) | Value::Object(_)))
    {
        return Err(BearerError::InvalidAssertion("invalid JWT"));
    }
    Ok((presentations, shape))
}

/// Step 1: a request whose assertion and submission parse.
#[derive(Debug, Clone)]
pub struct Received {
    presentations: Vec<Value>,
    shape: EnvelopeShape,
    submission: PresentationSubmission,
    submission_json: Value,
}

impl Received {
    /// Parses the request's `assertion` and `presentation_submission`.
    pub fn parse(request: &VpTokenBearer) -> Result<Self, BearerError> {
        let (presentations, shape) = parse_assertion(&request.assertion)?;
        let submission_json: Value = serde_json::from_str(&request.presentation_submission)
            .map_err(|e| BearerError::InvalidSubmission(e.to_string()))?;
        let submission = PresentationSubmission::from_value(&submission_json)
            .map_err(|e| BearerError::InvalidSubmission(e.to_string()))?;
        Ok(Self {
            presentations,
            shape,
            submission,
            submission_json,
        })
    }

    /// Step 2: the unverified terms of every presentation that has readable ones. A
    /// presentation whose terms cannot be read at all is left to verification, which refuses it.
    pub fn precheck(
        self,
        expected: &Expectations<'_>,
    ) -> Result<AwaitingVerification, BearerError> {
        let mut credentials = 0;
        for presentation in &self.presentations {
            if let Some(terms) = PresentationTerms::read_unverified(presentation) {
                check_terms(&terms, expected)?;
            }
            if let Ok(read) = vc::verify::read_unverified_presentation(presentation) {
                credentials += read.credentials().len();
            }
        }
        if credentials > MAX_CREDENTIALS {
            return Err(BearerError::TooManyCredentials(MAX_CREDENTIALS));
        }
        Ok(AwaitingVerification { received: self })
    }
}

/// Step 3: presentations worth verifying.
#[derive(Debug, Clone)]
pub struct AwaitingVerification {
    received: Received,
}

impl AwaitingVerification {
    /// The presentations to verify, in order.
    pub fn presentations(&self) -> &[Value] {
        &self.received.presentations
    }

    /// Whether the submission is for `definition`, the scope's: a check that costs nothing,
    /// to make before the presentations are verified when the definition is at hand.
    pub fn check_definition(&self, definition: &CompiledDefinition) -> Result<(), BearerError> {
        let submitted = &self.received.submission.definition_id;
        if submitted == &definition.definition().id {
            Ok(())
        } else {
            Err(BearerError::DefinitionNotRequired(submitted.clone()))
        }
    }

    /// Takes the verification results of [`Self::presentations`], in the same order, and checks
    /// their verified terms and that one holder signed them all.
    pub fn verified(
        self,
        verified: Vec<VerifiedPresentation>,
        expected: &Expectations<'_>,
    ) -> Result<Verified, BearerError> {
        let received = self.received;
        let same = verified.len() == received.presentations.len()
            && verified
                .iter()
                .zip(&received.presentations)
                .all(|(verified, sent)| verified.raw() == sent);
        if !same {
            return Err(BearerError::NotTheRequestsPresentations);
        }
        let mut nonces = Vec::with_capacity(verified.len());
        for presentation in &verified {
            let terms = presentation.terms();
            let (expires, nonce) = check_terms(&terms, expected)?;
            nonces.push((Nonce::new(nonce), expires));
        }
        let Some(first) = verified.first() else {
            return Err(BearerError::InvalidAssertion("empty array"));
        };
        if verified.iter().any(|p| p.holder() != first.holder()) {
            return Err(BearerError::HolderMismatch);
        }
        Ok(Verified {
            shape: received.shape,
            submission: received.submission,
            submission_json: received.submission_json,
            presentations: verified,
            nonces,
        })
    }
}

/// Step 4: presentations that verified, for one holder, with their nonces and expiries.
#[derive(Debug, Clone)]
pub struct Verified {
    shape: EnvelopeShape,
    submission: PresentationSubmission,
    submission_json: Value,
    presentations: Vec<VerifiedPresentation>,
    nonces: Vec<(Nonce, i64)>,
}

impl Verified {
    /// The DID that signed the presentations.
    pub fn holder(&self) -> &str {
        self.presentations
            .first()
            .map(VerifiedPresentation::holder)
            .unwrap_or_default()
    }

    /// The id of the definition the submission says it fulfils.
    pub fn definition_id(&self) -> &str {
        &self.submission.definition_id
    }

    /// Checks the submission against `definition`, the scope's Presentation Definition for the
    /// holder's wallet type.
    pub fn evaluate(self, definition: &CompiledDefinition) -> Result<Evaluated, BearerError> {
        let definition_id = &definition.definition().id;
        if &self.submission.definition_id != definition_id {
            return Err(BearerError::DefinitionNotRequired(
                self.submission.definition_id.clone(),
            ));
        }
        let claims = exchange::evaluate(
            definition,
            &self.submission,
            &self.presentations,
            self.shape,
        )
        .map_err(|e| BearerError::NotConforming {
            definition: definition_id.clone(),
            reason: e.to_string(),
        })?;
        Ok(Evaluated {
            definition_id: definition_id.clone(),
            claims,
            verified: self,
        })
    }
}

/// Step 5: a submission that fulfils the definition.
#[derive(Debug, Clone)]
pub struct Evaluated {
    definition_id: String,
    claims: BTreeMap<String, Value>,
    verified: Verified,
}

impl Evaluated {
    /// The DID that signed the presentations.
    pub fn holder(&self) -> &str {
        self.verified.holder()
    }

    /// The presentation whose signer the `client_id` must be bound to (all share one holder).
    pub fn signed_by(&self) -> Option<&VerifiedPresentation> {
        self.verified.presentations.first()
    }

    /// The definition fulfilled.
    pub fn definition_id(&self) -> &str {
        &self.definition_id
    }

    /// The values of the definition's fields that have an `id`.
    pub fn claims(&self) -> &BTreeMap<String, Value> {
        &self.claims
    }

    /// The submission as sent.
    pub fn submission(&self) -> &Value {
        &self.verified.submission_json
    }

    /// The presentations as sent.
    pub fn presentations(&self) -> impl Iterator<Item = &Value> {
        self.verified
            .presentations
            .iter()
            .map(VerifiedPresentation::raw)
    }

    /// The ids of the credentials presented.
    pub fn credential_ids(&self) -> Vec<String> {
        self.verified
            .presentations
            .iter()
            .flat_map(VerifiedPresentation::credentials)
            .filter_map(|c| c.credential().id.clone())
            .collect()
    }

    /// The nonces to claim as used, each for as long as its presentation could still be
    /// accepted by a clock within `skew` of `now`: a replay is then refused as a replay or as
    /// expired.
    pub fn single_use_nonces(
        &self,
        now: i64,
        skew: i64,
        max_validity: i64,
    ) -> Vec<(&Nonce, Duration)> {
        self.verified
            .nonces
            .iter()
            .map(|(nonce, expires)| {
                let seconds = expires
                    .saturating_sub(now)
                    .saturating_add(skew.saturating_add(1))
                    .clamp(
                        1,
                        max_validity
                            .saturating_add(2 * skew)
                            .saturating_add(1)
                            .max(1),
                    );
                (nonce, Duration::from_secs(seconds.unsigned_abs()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
