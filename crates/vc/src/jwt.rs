//! The JWT encoding of credentials and presentations (VCDM 1.1 §6.3.1): registered claims carry
//! `iss`, `sub`, `jti`, `nbf` and `exp`, the `vc`/`vp` claim the rest. Decoding rebuilds the JSON
//! form (which Presentation Definitions are evaluated against) and refuses a token whose claims and
//! embedded members disagree.

use jose::jwt::{Audience, Claims};
use serde_json::Value;

use crate::model::format_date;
use crate::{Credential, Error, OneOrMany, Presentation};

/// The claims of a credential's JWT. The issuer and dates are mirrored into registered claims;
/// the full credential (without `proof`) stays in `vc`.
pub fn credential_claims(credential: &Credential) -> Result<Claims, Error> {
    let iss = credential.issuer_id().ok_or(Error::Missing("issuer"))?;
    let subjects: Vec<&str> = credential.subject_ids().collect();
    let mut vc = credential.clone();
    vc.proof = None;
    let mut claims = Claims {
        iss: Some(iss.to_owned()),
        sub: match subjects.as_slice() {
            [only] => Some((*only).to_owned()),
            _ => None,
        },
        jti: credential.id.clone(),
        nbf: credential.valid_from()?,
        exp: credential.valid_until()?,
        ..Claims::default()
    };
    claims.other.insert("vc".to_owned(), vc.to_json());
    Ok(claims)
}

fn mismatch(claim: &'static str, member: &'static str) -> Error {
    Error::ClaimMismatch { claim, member }
}

/// Rebuilds the credential from its JWT claims (VCDM 1.1 §6.3.1 "JWT decoding").
pub fn credential_from_claims(claims: &Claims) -> Result<Credential, Error> {
    let vc = claims.other.get("vc").ok_or(Error::Missing("vc claim"))?;
    if !vc.is_object() {
        return Err(Error::Malformed {
            what: "credential",
            reason: "the vc claim is not an object".to_owned(),
        });
    }
    let mut credential = Credential::from_json(vc.clone())?;
    let iss = claims.iss.as_deref().ok_or(Error::Missing("iss claim"))?;
    match credential.issuer_id() {
        Some(issuer) if issuer != iss => return Err(mismatch("iss", "issuer")),
        Some(_) => {}
        None => credential.issuer = Value::from(iss),
    }
    if let Some(jti) = &claims.jti {
        match &credential.id {
            Some(id) if id != jti => return Err(mismatch("jti", "id")),
            Some(_) => {}
            None => credential.id = Some(jti.clone()),
        }
    }
    if let Some(sub) = &claims.sub {
        let subjects = credential.credential_subject.as_mut_slice();
        match subjects {
            [only] => match only.get("id").and_then(Value::as_str) {
                Some(id) if id != sub => return Err(mismatch("sub", "credentialSubject.id")),
                Some(_) => {}
                None => {
                    if let Value::Object(subject) = only {
                        subject.insert("id".to_owned(), Value::from(sub.as_str()));
                    }
                }
            },
            many => {
                if !many
                    .iter()
                    .any(|s| s.get("id").and_then(Value::as_str) == Some(sub))
                {
                    return Err(mismatch("sub", "credentialSubject.id"));
                }
            }
        }
    }
    if let Some(nbf) = claims.nbf {
        match credential.valid_from()? {
            Some(from) if from != nbf => return Err(mismatch("nbf", "issuanceDate")),
            Some(_) => {}
            None => credential.issuance_date = Some(format_date(nbf)),
        }
    }
    if let Some(exp) = claims.exp {
        match credential.valid_until()? {
            Some(until) if until != exp => return Err(mismatch("exp", "expirationDate")),
            Some(_) => {}
            None => credential.expiration_date = Some(format_date(exp)),
        }
    }
    Ok(credential)
}

/// What a presentation JWT carries besides the presentation.
#[derive(Debug, Clone, Default)]
pub struct PresentationParameters {
    /// `aud`: who the presentation is for.
    pub audience: Option<String>,
    /// `nonce`: the verifier's challenge.
    pub nonce: Option<String>,
    /// `jti`.
    pub jti: Option<String>,
    /// `iat` and `nbf`.
    pub issued_at: i64,
    /// `exp`; `None` for a presentation without an end date.
    pub expires: Option<i64>,
}

/// The claims of a presentation's JWT: `iss` and `sub` are the holder.
pub fn presentation_claims(
    presentation: &Presentation,
    parameters: &PresentationParameters,
) -> Result<Claims, Error> {
    let holder = presentation
        .holder
        .clone()
        .ok_or(Error::Missing("holder"))?;
    let mut claims = Claims {
        iss: Some(holder.clone()),
        sub: Some(holder),
        aud: parameters.audience.clone().map(Audience::One),
        jti: parameters.jti.clone(),
        iat: Some(parameters.issued_at),
        nbf: Some(parameters.issued_at),
        exp: parameters.expires,
        ..Claims::default()
    };
    if let Some(nonce) = &parameters.nonce {
        claims
            .other
            .insert("nonce".to_owned(), Value::from(nonce.as_str()));
    }
    let mut vp = presentation.clone();
    vp.proof = None;
    claims.other.insert(
        "vp".to_owned(),
        serde_json::to_value(&vp).map_err(|e| Error::Malformed {
            what: "presentation",
            reason: e.to_string(),
        })?,
    );
    Ok(claims)
}

/// Rebuilds the presentation from its JWT claims; `iss` is the holder.
pub fn presentation_from_claims(claims: &Claims) -> Result<Presentation, Error> {
    let vp = claims.other.get("vp").ok_or(Error::Missing("vp claim"))?;
    let mut presentation: Presentation =
        serde_json::from_value(vp.clone()).map_err(|e| Error::Malformed {
            what: "presentation",
            reason: e.to_string(),
        })?;
    if let Some(iss) = &claims.iss {
        match &presentation.holder {
            Some(holder) if holder != iss => return Err(mismatch("iss", "holder")),
            Some(_) => {}
            None => presentation.holder = Some(iss.clone()),
        }
    }
    if let (Some(jti), None) = (&claims.jti, &presentation.id) {
        presentation.id = Some(jti.clone());
    }
    if let Some(OneOrMany::Many(list)) = &presentation.verifiable_credential
        && list.is_empty()
    {
        presentation.verifiable_credential = None;
    }
    Ok(presentation)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn credential() -> Credential {
        Credential::from_json(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "X"],
            "issuer": "did:web:issuer",
            "issuanceDate": "2024-01-01T00:00:00Z",
            "expirationDate": "2030-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:web:holder", "name": "Care"}
        }))
        .unwrap()
    }

    #[test]
    fn vcdm_6_3_1_registered_claims_mirror_the_credential() {
        let claims = credential_claims(&credential()).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("did:web:issuer"));
        assert_eq!(claims.sub.as_deref(), Some("did:web:holder"));
        assert_eq!(claims.jti.as_deref(), Some("urn:uuid:1"));
        assert_eq!(claims.nbf, Some(1_704_067_200));
        assert_eq!(claims.exp, Some(1_893_456_000));
        assert_eq!(credential_from_claims(&claims).unwrap(), credential());
    }

    #[test]
    fn vcdm_6_3_1_decoding_fills_members_from_claims() {
        let claims: Claims = serde_json::from_value(json!({
            "iss": "did:web:issuer", "sub": "did:web:holder", "jti": "urn:uuid:9",
            "nbf": 1704067200, "exp": 1893456000,
            "vc": {"@context": ["https://www.w3.org/2018/credentials/v1"],
                   "type": ["VerifiableCredential"], "credentialSubject": {"name": "Care"}}
        }))
        .unwrap();
        let c = credential_from_claims(&claims).unwrap();
        assert_eq!(c.issuer_id(), Some("did:web:issuer"));
        assert_eq!(c.id.as_deref(), Some("urn:uuid:9"));
        assert_eq!(c.subject_ids().collect::<Vec<_>>(), ["did:web:holder"]);
        assert_eq!(c.issuance_date.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(c.expiration_date.as_deref(), Some("2030-01-01T00:00:00Z"));
    }

    #[test]
    fn vcdm_6_3_1_claims_that_contradict_members_are_refused() {
        let base = credential_claims(&credential()).unwrap();
        type Change = fn(&mut Claims);
        let cases: [(&str, Change); 5] = [
            ("iss", |c| c.iss = Some("did:web:other".into())),
            ("jti", |c| c.jti = Some("urn:uuid:2".into())),
            ("sub", |c| c.sub = Some("did:web:other".into())),
            ("nbf", |c| c.nbf = Some(1)),
            ("exp", |c| c.exp = Some(2)),
        ];
        for (claim, change) in cases {
            let mut claims = base.clone();
            change(&mut claims);
            let error = credential_from_claims(&claims).unwrap_err();
            assert!(
                matches!(error, Error::ClaimMismatch { claim: c, .. } if c == claim),
                "{claim}: {error}"
            );
        }
        let mut no_iss = base.clone();
        no_iss.iss = None;
        assert_eq!(
            credential_from_claims(&no_iss),
            Err(Error::Missing("iss claim"))
        );
        let mut no_vc = base;
        no_vc.other.clear();
        assert_eq!(
            credential_from_claims(&no_vc),
            Err(Error::Missing("vc claim"))
        );
    }

    #[test]
    fn fractional_issuance_dates_match_whole_second_nbf() {
        let mut c = credential();
        c.issuance_date = Some("2024-01-01T00:00:00.164Z".into());
        let mut claims = credential_claims(&c).unwrap();
        claims.nbf = Some(1_704_067_200);
        assert!(credential_from_claims(&claims).is_ok());
    }

    #[test]
    fn presentation_claims_round_trip_with_holder_as_iss() {
        let vp = Presentation::new("did:web:holder", vec![json!("a.b.c")]);
        let claims = presentation_claims(
            &vp,
            &PresentationParameters {
                audience: Some("https://as.example/oauth2/x".into()),
                nonce: Some("n-1".into()),
                jti: Some("j-1".into()),
                issued_at: 100,
                expires: Some(105),
            },
        )
        .unwrap();
        assert_eq!(claims.iss.as_deref(), Some("did:web:holder"));
        assert_eq!(claims.other["nonce"], "n-1");
        let back = presentation_from_claims(&claims).unwrap();
        assert_eq!(back.holder.as_deref(), Some("did:web:holder"));
        assert_eq!(back.credentials(), [json!("a.b.c")]);

        let mut wrong = claims;
        wrong.iss = Some("did:web:other".into());
        assert!(matches!(
            presentation_from_claims(&wrong),
            Err(Error::ClaimMismatch { claim: "iss", .. })
        ));
    }
}
