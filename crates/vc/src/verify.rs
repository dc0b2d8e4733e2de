//! Verification of credentials and presentations against DID documents, with an explicit `now`.
//!
//! Credential (JWT), in order:
//! 1. the JWS parses and names its key (`kid`, a DID URL);
//! 2. the key's DID is the issuer (`iss`) — nobody signs for someone else;
//! 3. the key is in the issuer's DID document under `assertionMethod` (DID Core §5.3.2);
//! 4. the signature verifies with the algorithm the key allows;
//! 5. `nbf`/`exp` and the credential's validity period hold, with clock skew;
//! 6. the claims agree with the embedded credential (VCDM 1.1 §6.3.1).
//!
//! Presentation (JWT): the same for the holder's key under `authentication` (or `assertionMethod`,
//! as nuts-node accepts), then every credential, then the holder binding: the signer is the
//! subject of every credential. Revocation status needs a fetch and is checked by the caller.
//!
//! Credential and presentation with a JsonWebSignature2020 proof (`ldp_vc`, `ldp_vp`): the proof's
//! `verificationMethod` names the key and its DID must be the issuer (or the holder, when the
//! presentation names one); the `proofPurpose` decides the relationship the key must have
//! (`assertionMethod` for credentials; `authentication` or `assertionMethod` for presentations);
//! `created` may not be in the future and `expires` not past; all of this and the validity
//! period is checked before the costly canonicalization and signature check. A presentation's
//! `challenge` is its nonce and `domain` its audience, as nuts-node sets them.

use did::{DidUrl, Relationship, Resolver};
use jose::jws::Unverified;
use jose::jwt::{Audience, Claims, Validation, check_claims};
use jose::{Jwk, VerifyingKey};
use jsonld::Contexts;
use serde_json::Value;

use crate::jwt::{credential_from_claims, presentation_from_claims};
use crate::ldp::{ASSERTION_METHOD, AUTHENTICATION, LdProcessing, LdProof};
use crate::model::parse_date;
use crate::{Credential, Error, Format, Presentation};

/// A credential whose proof verified. Only the [`Verifier`] makes one, so holding one means the
/// credential was verified.
#[derive(Debug, Clone)]
pub struct VerifiedCredential {
    credential: Credential,
    format: Format,
    raw: Value,
    kid: String,
}

impl VerifiedCredential {
    /// The credential in its JSON form (for JWTs rebuilt from the claims).
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The format it came in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// As it came in: the JWT string or the JSON-LD object.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The DID URL of the key that signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// A presentation whose proof, credentials and holder binding verified. Only the [`Verifier`]
/// makes one.
#[derive(Debug, Clone)]
pub struct VerifiedPresentation {
    presentation: Presentation,
    format: Format,
    raw: Value,
    holder: String,
    kid: String,
    key: Jwk,
    terms: PresentationTerms,
    jti: Option<String>,
    credentials: Vec<VerifiedCredential>,
}

impl VerifiedPresentation {
    /// The presentation in its JSON form.
    pub fn presentation(&self) -> &Presentation {
        &self.presentation
    }

    /// Its W3C JSON form as Presentation Exchange paths see it: for a `jwt_vp` the `vp` claim
    /// with `id` from `jti`, as nuts-node builds it.
    pub fn json(&self) -> Value {
        let mut json = serde_json::to_value(&self.presentation).unwrap_or_default();
        if let (Some(object), Some(jti)) = (json.as_object_mut(), &self.jti) {
            object
                .entry("id")
                .or_insert_with(|| Value::String(jti.clone()));
        }
        json
    }

    /// The format it came in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// As it came in.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The DID of the signer (the holder).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The DID URL of the key that signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key that signed it, as resolved when it was verified.
    pub fn key(&self) -> &Jwk {
        &self.key
    }

    /// Its `jti` (a JSON-LD presentation's `id`).
    pub fn jti(&self) -> Option<&str> {
        self.jti.as_deref()
    }

    /// The verified credentials, in order.
    pub fn credentials(&self) -> &[VerifiedCredential] {
        &self.credentials
    }

    /// The verified presentation's terms: audience, nonce and validity.
    pub fn terms(&self) -> PresentationTerms {
        self.terms.clone()
    }
}

/// The terms a presentation sets for its own use: audience, nonce and validity. A `jwt_vp` sets
/// them as `aud`, `nonce`, `nbf` (or `iat`) and `exp`; an `ldp_vp` as its proof's `domain`,
/// `challenge`, `created` and `expires`, as nuts-node reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresentationTerms {
    /// Who the presentation is for.
    pub audience: Option<Audience>,
    /// The verifier's nonce.
    pub nonce: Option<String>,
    /// Valid from, Unix seconds.
    pub start: Option<i64>,
    /// Valid until, Unix seconds.
    pub expires: Option<i64>,
}

impl PresentationTerms {
    fn of_jwt(claims: &Claims) -> Self {
        Self {
            audience: claims.aud.clone(),
            nonce: claims
                .other
                .get("nonce")
                .and_then(Value::as_str)
                .map(str::to_owned),
            start: claims.nbf.or(claims.iat),
            expires: claims.exp,
        }
    }

    /// Dates that do not parse are absent here; verification refuses them.
    fn of_ldp(proof: &LdProof) -> Self {
        let date = |text: &str| parse_date(text, "proof").ok();
        Self {
            audience: proof.domain.clone().map(Audience::One),
            nonce: proof.challenge.clone(),
            start: date(&proof.created),
            expires: proof.expires.as_deref().and_then(date),
        }
    }

    /// The terms read from a presentation without verifying it, to refuse a hopeless one before
    /// any key is resolved or signature checked. Nothing read here may be acted on otherwise.
    pub fn read_unverified(presentation: &Value) -> Option<Self> {
        match presentation {
            Value::String(jwt) => {
                let parsed = Unverified::parse(jwt).ok()?;
                let claims: Claims = serde_json::from_slice(parsed.unverified_payload()).ok()?;
                Some(Self::of_jwt(&claims))
            }
            document => LdProof::of(document, "presentation")
                .ok()
                .map(|proof| Self::of_ldp(&proof)),
        }
    }
}

/// Reads a credential without verifying it: a JWT whose claims hold a `vc`, or a JSON object
/// that is a credential (`@context`, `type`, `credentialSubject`) with one linked-data proof.
/// What does not read is not a credential at all; what reads may still fail verification.
pub fn read_unverified_credential(value: &Value) -> Result<Credential, Error> {
    match value {
        Value::String(jwt) => {
            let claims = unverified_claims(jwt, "credential")?;
            credential_from_claims(&claims)
        }
        Value::Object(_) => {
            let credential = Credential::from_json(value.clone())?;
            LdProof::of(value, "credential")?;
            Ok(credential)
        }
        _ => Err(Error::Malformed {
            what: "credential",
            reason: "neither a JWT nor a JSON object".to_owned(),
        }),
    }
}

/// Reads a presentation without verifying it, as [`read_unverified_credential`] reads a
/// credential.
pub fn read_unverified_presentation(value: &Value) -> Result<Presentation, Error> {
    match value {
        Value::String(jwt) => {
            let claims = unverified_claims(jwt, "presentation")?;
            presentation_from_claims(&claims)
        }
        Value::Object(_) => {
            let presentation: Presentation =
                serde_json::from_value(value.clone()).map_err(|e| Error::Malformed {
                    what: "presentation",
                    reason: e.to_string(),
                })?;
            LdProof::of(value, "presentation")?;
            Ok(presentation)
        }
        _ => Err(Error::Malformed {
            what: "presentation",
            reason: "neither a JWT nor a JSON object".to_owned(),
        }),
    }
}

fn unverified_claims(jwt: &str, what: &'static str) -> Result<Claims, Error> {
    let parsed = Unverified::parse(jwt).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })?;
    serde_json::from_slice(parsed.unverified_payload()).map_err(|e| Error::Malformed {
        what,
        reason: format!("claims: {e}"),
    })
}

/// Verifies with a resolver, a time and a clock skew.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    /// Where DID documents come from.
    pub resolver: &'a dyn Resolver,
    /// The current time, Unix seconds.
    pub now: i64,
    /// Allowed clock difference, seconds.
    pub skew: i64,
    /// The JSON-LD contexts linked-data proofs may use.
    pub contexts: &'a Contexts,
}

struct Checked {
    claims: Claims,
    kid: DidUrl,
    key: Jwk,
}

impl Verifier<'_> {
    async fn key(&self, kid: &DidUrl, relationships: &[Relationship]) -> Result<Jwk, Error> {
        let mut last = None;
        for relationship in relationships {
            match did::resolver::key_for(self.resolver, kid, *relationship).await {
                Ok(key) => return Ok(key),
                Err(error @ did::Error::NotAuthorized { .. }) => last = Some(error),
                Err(error) => return Err(error.into()),
            }
        }
        Err(last
            .unwrap_or_else(|| did::Error::KeyNotFound(kid.to_string()))
            .into())
    }

    /// Steps 1–5 for any JWT: key from `kid`, signer is `role`, signature, times.
    async fn check_jwt(
        &self,
        jwt: &str,
        what: &'static str,
        role: &'static str,
        relationships: &[Relationship],
    ) -> Result<Checked, Error> {
        let malformed = |reason: String| Error::Malformed { what, reason };
        let parsed = Unverified::parse(jwt).map_err(|e| malformed(e.to_string()))?;
        let kid = parsed
            .unverified_header()
            .kid
            .as_deref()
            .ok_or(Error::Missing("kid header"))?;
        let kid = DidUrl::parse(kid).map_err(|e| malformed(format!("kid: {e}")))?;
        let unverified: Claims = serde_json::from_slice(parsed.unverified_payload())
            .map_err(|e| malformed(format!("claims: {e}")))?;
        if let Some(iss) = &unverified.iss
            && iss != kid.did().as_str()
        {
            return Err(Error::WrongSigner {
                signer: kid.did().to_string(),
                role,
                expected: iss.clone(),
            });
        }
        let jwk = self.key(&kid, relationships).await?;
        let key = VerifyingKey::from_jwk(&jwk)?;
        let verified = parsed.verify(&key)?;
        let claims: Claims = verified.claims()?;
        let mut validation = Validation::new(self.now, self.skew);
        validation.require_exp = false;
        check_claims(&claims, &validation).map_err(|e| match e {
            jose::Error::Expired => Error::Expired(what),
            jose::Error::NotYetValid | jose::Error::IssuedInFuture => Error::NotYetValid(what),
            other => Error::Signature(other),
        })?;
        Ok(Checked {
            claims,
            kid,
            key: jwk,
        })
    }

    /// Verifies a credential given as JSON: a JWT string (`jwt_vc`) or a JSON-LD object.
    pub async fn credential(&self, value: &Value) -> Result<VerifiedCredential, Error> {
        match value {
            Value::String(jwt) => self.credential_jwt(jwt).await,
            Value::Object(_) => self.credential_ldp(value).await,
            _ => Err(Error::Malformed {
                what: "credential",
                reason: "neither a JWT nor a JSON object".to_owned(),
            }),
        }
    }

    /// Verifies a `jwt_vc`.
    pub async fn credential_jwt(&self, jwt: &str) -> Result<VerifiedCredential, Error> {
        let checked = self
            .check_jwt(
                jwt,
                "credential",
                "issuer",
                &[Relationship::AssertionMethod],
            )
            .await?;
        if checked.claims.iss.is_none() {
            return Err(Error::Missing("iss claim"));
        }
        let credential = credential_from_claims(&checked.claims)?;
        credential.check_validity(self.now, self.skew)?;
        Ok(VerifiedCredential {
            credential,
            format: Format::JwtVc,
            raw: Value::from(jwt),
            kid: checked.kid.to_string(),
        })
    }

    /// Verifies a presentation given as JSON: a JWT string (`jwt_vp`) or a JSON-LD object.
    pub async fn presentation(&self, value: &Value) -> Result<VerifiedPresentation, Error> {
        match value {
            Value::String(jwt) => self.presentation_jwt(jwt).await,
            Value::Object(_) => self.presentation_ldp(value).await,
            _ => Err(Error::Malformed {
                what: "presentation",
                reason: "neither a JWT nor a JSON object".to_owned(),
            }),
        }
    }

    /// Verifies a `jwt_vp`, its credentials and the holder binding.
    pub async fn presentation_jwt(&self, jwt: &str) -> Result<VerifiedPresentation, Error> {
        let checked = self
            .check_jwt(
                jwt,
                "presentation",
                "holder",
                &[Relationship::Authentication, Relationship::AssertionMethod],
            )
            .await?;
        let presentation = presentation_from_claims(&checked.claims)?;
        let holder = checked.kid.did().to_string();
        let credentials = self.held_credentials(&presentation, &holder).await?;
        Ok(VerifiedPresentation {
            terms: PresentationTerms::of_jwt(&checked.claims),
            jti: checked.claims.jti.clone(),
            presentation,
            format: Format::JwtVp,
            raw: Value::from(jwt),
            holder,
            kid: checked.kid.to_string(),
            key: checked.key,
            credentials,
        })
    }
}

impl Verifier<'_> {
    /// Every credential of a presentation, verified and bound to `holder`.
    async fn held_credentials(
        &self,
        presentation: &Presentation,
        holder: &str,
    ) -> Result<Vec<VerifiedCredential>, Error> {
        let mut credentials = Vec::with_capacity(presentation.credentials().len());
        for (index, value) in presentation.credentials().iter().enumerate() {
            let verified = self
                .credential(value)
                .await
                .map_err(|reason| Error::Credential {
                    index,
                    reason: Box::new(reason),
                })?;
            check_holder_binding(&verified.credential, holder, index)?;
            credentials.push(verified);
        }
        Ok(credentials)
    }

    /// The proof's signing time and expiry (the proof's own, not the credential's).
    fn check_proof_times(
        &self,
        proof: &LdProof,
        what: &'static str,
    ) -> Result<(i64, Option<i64>), Error> {
        let created = parse_date(&proof.created, "proof created")?;
        if created > self.now + self.skew {
            return Err(Error::NotYetValid(what));
        }
        let expires = proof
            .expires
            .as_deref()
            .map(|expires| parse_date(expires, "proof expires"))
            .transpose()?;
        if expires.is_some_and(|expires| expires <= self.now - self.skew) {
            return Err(Error::Expired(what));
        }
        Ok((created, expires))
    }

    /// Verifies an `ldp_vc`.
    pub async fn credential_ldp(&self, value: &Value) -> Result<VerifiedCredential, Error> {
        let credential = Credential::from_json(value.clone())?;
        let proof = LdProof::of(value, "credential")?;
        if proof.proof_purpose != ASSERTION_METHOD {
            return Err(Error::ProofPurpose {
                expected: ASSERTION_METHOD,
                found: proof.proof_purpose,
            });
        }
        let kid = verification_method(&proof, "credential")?;
        let issuer = credential.issuer_id().ok_or(Error::Missing("issuer"))?;
        if kid.did().as_str() != issuer {
            return Err(Error::WrongSigner {
                signer: kid.did().to_string(),
                role: "issuer",
                expected: issuer.to_owned(),
            });
        }
        self.check_proof_times(&proof, "credential proof")?;
        credential.check_validity(self.now, self.skew)?;
        let jwk = self.key(&kid, &[Relationship::AssertionMethod]).await?;
        let key = VerifyingKey::from_jwk(&jwk)?;
        LdProcessing::new(self.contexts)
            .remembering()
            .verify(value, &proof, &key)?;
        Ok(VerifiedCredential {
            credential,
            format: Format::LdpVc,
            raw: value.clone(),
            kid: kid.to_string(),
        })
    }

    /// Verifies an `ldp_vp`, its credentials and the holder binding.
    pub async fn presentation_ldp(&self, value: &Value) -> Result<VerifiedPresentation, Error> {
        let presentation: Presentation =
            serde_json::from_value(value.clone()).map_err(|e| Error::Malformed {
                what: "presentation",
                reason: e.to_string(),
            })?;
        let proof = LdProof::of(value, "presentation")?;
        let relationship = match proof.proof_purpose.as_str() {
            AUTHENTICATION => Relationship::Authentication,
            // nuts-node's self-signed (employee) presentations use assertionMethod.
            ASSERTION_METHOD => Relationship::AssertionMethod,
            _ => {
                return Err(Error::ProofPurpose {
                    expected: AUTHENTICATION,
                    found: proof.proof_purpose,
                });
            }
        };
        let kid = verification_method(&proof, "presentation")?;
        let holder = kid.did().to_string();
        if let Some(named) = &presentation.holder
            && *named != holder
        {
            return Err(Error::WrongSigner {
                signer: holder,
                role: "holder",
                expected: named.clone(),
            });
        }
        let (created, expires) = self.check_proof_times(&proof, "presentation")?;
        let jwk = self.key(&kid, &[relationship]).await?;
        let key = VerifyingKey::from_jwk(&jwk)?;
        LdProcessing::new(self.contexts).verify(value, &proof, &key)?;
        let credentials = self.held_credentials(&presentation, &holder).await?;
        Ok(VerifiedPresentation {
            terms: PresentationTerms {
                audience: proof.domain.clone().map(Audience::One),
                nonce: proof.challenge.clone(),
                start: Some(created),
                expires,
            },
            jti: presentation.id.clone(),
            key: jwk,
            presentation,
            format: Format::LdpVp,
            raw: value.clone(),
            holder,
            kid: kid.to_string(),
            credentials,
        })
    }
}

/// The proof's `verificationMethod` as a DID URL: a relative or non-DID reference is refused
/// (it would not even be part of the signed proof options).
fn verification_method(proof: &LdProof, what: &'static str) -> Result<DidUrl, Error> {
    DidUrl::parse(&proof.verification_method).map_err(|e| Error::Malformed {
        what,
        reason: format!("verificationMethod: {e}"),
    })
}

/// The presentation's signer must be the subject of the credential: every subject has an `id`
/// and it is the holder.
fn check_holder_binding(credential: &Credential, holder: &str, index: usize) -> Result<(), Error> {
    let subjects = credential.credential_subject.as_slice();
    let bound = !subjects.is_empty()
        && subjects
            .iter()
            .all(|subject| subject.get("id").and_then(Value::as_str) == Some(holder));
    if bound {
        Ok(())
    } else {
        Err(Error::HolderBinding(
            credential.id.clone().unwrap_or_else(|| format!("#{index}")),
        ))
    }
}
