//! Presentations signed by this node's subjects (nuts-node `createVP`), used by the token flows.

use did::Relationship;
use jose::jws::Header;
use serde_json::Value;
use vc::jwt::{PresentationParameters, presentation_claims};
use vc::ldp::{AUTHENTICATION, LdProof};
use vc::model::format_date;
use vc::{Format, Presentation};

use super::{CredentialError, Credentials};

/// What to present, to whom.
#[derive(Debug, Clone)]
pub struct PresentationRequest {
    /// The holder DID that signs; when absent, the single subject of all credentials.
    pub signer: Option<String>,
    /// The credentials (JWT strings or JSON-LD objects).
    pub credentials: Vec<Value>,
    /// `aud` (nuts-node's `domain`).
    pub audience: Option<String>,
    /// `nonce` (nuts-node's `challenge`).
    pub nonce: Option<String>,
    /// Expiry, Unix seconds.
    pub expires: Option<i64>,
    /// `jwt_vp`, or `ldp_vp` (JsonWebSignature2020, proof purpose authentication, the nonce as
    /// `challenge` and the audience as `domain`, as nuts-node signs them).
    pub format: Format,
}

fn subject_of(credential: &Value) -> Option<String> {
    let document = match credential {
        Value::String(jwt) => {
            let parsed = jose::jws::Unverified::parse(jwt).ok()?;
            let claims: Value = serde_json::from_slice(parsed.unverified_payload()).ok()?;
            return claims
                .get("sub")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    claims
                        .pointer("/vc/credentialSubject/id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
        }
        other => other,
    };
    document
        .pointer("/credentialSubject/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Credentials {
    /// Signs a presentation of `request.credentials` with the holder's authentication key.
    pub async fn create_presentation(
        &self,
        request: PresentationRequest,
        now: i64,
    ) -> Result<Value, CredentialError> {
        if !matches!(request.format, Format::JwtVp | Format::LdpVp) {
            return Err(CredentialError::BadRequest(format!(
                "format {} is not a presentation format; use ldp_vp or jwt_vp",
                request.format.as_str()
            )));
        }
        let signer = match request.signer {
            Some(signer) => signer,
            None => {
                let mut subjects = request.credentials.iter().map(subject_of);
                let first = subjects.next().flatten();
                match first {
                    Some(first) if subjects.all(|s| s.as_deref() == Some(first.as_str())) => first,
                    _ => {
                        return Err(CredentialError::BadRequest(
                            "signerDID is required unless all credentials have one and the same \
                             subject"
                                .into(),
                        ));
                    }
                }
            }
        };
        let did = did::Did::parse(&signer)
            .map_err(|e| CredentialError::BadRequest(format!("signerDID: {e}")))?;
        let record = self
            .subjects
            .by_did(&did)
            .await?
            .filter(|record| !record.deactivated)
            .ok_or_else(|| {
                CredentialError::BadRequest(
                    "signerDID is not an active subject of this node".into(),
                )
            })?;
        let (kid, key) = self
            .subjects
            .signer(&record, Relationship::Authentication)
            .await?;
        let mut presentation = Presentation::new(did.as_str(), request.credentials);
        if request.format == Format::LdpVp {
            presentation.id = Some(format!("{did}#{}", uuid::Uuid::new_v4()));
            let mut proof = LdProof::new(kid.as_str(), AUTHENTICATION, format_date(now));
            proof.challenge = request.nonce;
            proof.domain = request.audience;
            proof.expires = request.expires.map(format_date);
            let document = serde_json::to_value(&presentation)
                .map_err(|e| CredentialError::BadRequest(format!("presentation: {e}")))?;
            return Ok(self.ld().sign(document, proof, key.as_ref())?);
        }
        let claims = presentation_claims(
            &presentation,
            &PresentationParameters {
                audience: request.audience,
                nonce: request.nonce,
                jti: Some(uuid::Uuid::new_v4().to_string()),
                issued_at: now,
                expires: request.expires,
            },
        )?;
        let mut header = Header::new(key.algorithm());
        header.kid = Some(kid.to_string());
        header.typ = Some("JWT".to_owned());
        let jwt = jose::jwt::sign(header, &claims, key.as_ref()).map_err(vc::Error::from)?;
        Ok(Value::String(jwt))
    }
}
