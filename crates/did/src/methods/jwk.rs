//! did:jwk (did:jwk method specification v1): the DID is the base64url of a public JWK, and the
//! document is derived from it.

use jose::{Jwk, base64url};

use crate::document::{MethodRef, Relationship, VerificationMethod};
use crate::{Did, Document, Error};

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidIdentifier {
        method: "did:jwk",
        reason: reason.into(),
    }
}

/// The did:jwk DID of a public key.
pub fn did_for(jwk: &Jwk) -> Result<Did, Error> {
    let mut public = jwk.to_public();
    public.kid = None;
    Did::parse(&format!(
        "did:jwk:{}",
        base64url::encode(public.to_json().to_string())
    ))
}

/// Resolves a did:jwk DID: one verification method `#0`; `use: enc` keys only for key agreement,
/// `use: sig` keys for everything but key agreement, keys without `use` for all.
pub fn resolve(did: &Did) -> Result<Document, Error> {
    if did.method() != "jwk" {
        return Err(Error::UnsupportedMethod(did.method().to_owned()));
    }
    let bytes = base64url::decode(did.method_specific_id(), "did:jwk identifier")
        .map_err(|e| invalid(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a JSON JWK"))?;
    let jwk = Jwk::from_json(&value).map_err(|e| invalid(e.to_string()))?;
    if jwk.is_private() {
        return Err(invalid("the JWK holds a private key"));
    }
    let key_use = value.get("use").and_then(|u| u.as_str());
    let id = format!("{did}#0");
    let mut document = Document::new(did.as_str());
    document
        .verification_method
        .push(VerificationMethod::json_web_key(
            id.clone(),
            did.to_string(),
            &jwk,
        ));
    let signing = [
        Relationship::AssertionMethod,
        Relationship::Authentication,
        Relationship::CapabilityInvocation,
        Relationship::CapabilityDelegation,
    ];
    let relationships: Vec<Relationship> = match key_use {
        Some("enc") => vec![Relationship::KeyAgreement],
        Some("sig") => signing.to_vec(),
        _ => signing
            .into_iter()
            .chain([Relationship::KeyAgreement])
            .collect(),
    };
    for relationship in relationships {
        document
            .relationship_mut(relationship)
            .push(MethodRef::Reference(id.clone()));
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use jose::{KeyKind, Signer, SigningKey};

    use super::*;
    use crate::DidUrl;

    #[test]
    fn did_jwk_round_trips_a_key_and_authorizes_signing() {
        let signer = SigningKey::generate(KeyKind::P256).unwrap();
        let did = did_for(signer.public_jwk()).unwrap();
        let document = resolve(&did).unwrap();
        let kid = DidUrl::parse(&format!("{did}#0")).unwrap();
        let jwk = document
            .key_for(&kid, Relationship::AssertionMethod)
            .unwrap();
        assert_eq!(jwk.thumbprint(), signer.public_jwk().thumbprint());
        assert!(document.key_for(&kid, Relationship::Authentication).is_ok());
    }

    #[test]
    fn did_jwk_spec_example_p256_resolves() {
        // The did:jwk specification's P-256 example.
        let did = Did::parse("did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9").unwrap();
        let document = resolve(&did).unwrap();
        assert_eq!(document.verification_method.len(), 1);
        assert_eq!(
            document.key_agreement.len(),
            1,
            "no `use`: all relationships"
        );
    }

    #[test]
    fn did_jwk_enc_keys_only_agree_and_private_or_garbage_is_refused() {
        let enc = base64url::encode(
            r#"{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        );
        let document = resolve(&Did::parse(&format!("did:jwk:{enc}")).unwrap()).unwrap();
        assert!(document.assertion_method.is_empty());
        assert_eq!(document.key_agreement.len(), 1);

        let private = base64url::encode(
            r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        );
        assert!(resolve(&Did::parse(&format!("did:jwk:{private}")).unwrap()).is_err());
        assert!(resolve(&Did::parse("did:jwk:bm90LWpzb24").unwrap()).is_err());
    }
}
