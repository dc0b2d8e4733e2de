//! did:key (W3C CCG did:key method v0.7): the identifier is a multikey ([`crate::multikey`]).

use crate::document::{MethodRef, Relationship, VerificationMethod};
use crate::multikey::decode_multikey;
use crate::{Did, Document, Error};

/// Resolves a did:key DID: one Multikey method, usable for authentication, assertion and
/// capabilities.
pub fn resolve(did: &Did) -> Result<Document, Error> {
    if did.method() != "key" {
        return Err(Error::UnsupportedMethod(did.method().to_owned()));
    }
    let multibase = did.method_specific_id();
    decode_multikey(multibase)?;
    let id = format!("{did}#{multibase}");
    let mut document = Document::new(did.as_str());
    document.verification_method.push(VerificationMethod {
        id: id.clone(),
        kind: "Multikey".to_owned(),
        controller: did.to_string(),
        public_key_jwk: None,
        public_key_multibase: Some(multibase.to_owned()),
        other: serde_json::Map::new(),
    });
    for relationship in [
        Relationship::Authentication,
        Relationship::AssertionMethod,
        Relationship::CapabilityInvocation,
        Relationship::CapabilityDelegation,
    ] {
        document
            .relationship_mut(relationship)
            .push(MethodRef::Reference(id.clone()));
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::DidUrl;
    use jose::Jwk;

    fn key_of(did: &str) -> Jwk {
        let did = Did::parse(did).unwrap();
        let document = resolve(&did).unwrap();
        let kid = DidUrl::parse(&format!("{did}#{}", did.method_specific_id())).unwrap();
        document
            .key_for(&kid, Relationship::AssertionMethod)
            .unwrap()
    }

    #[test]
    fn did_key_ed25519_test_vector() {
        // did:key spec test vector (ed25519-x25519.json, first entry).
        let jwk = key_of("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
        assert_eq!(jwk.describe(), "OKP Ed25519");
        assert_eq!(
            jwk.to_json()["x"],
            "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"
        );
    }

    #[test]
    fn did_key_p256_test_vector_decompresses() {
        // did:key spec test vector (nist-curves.json, P-256).
        let jwk = key_of("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169");
        assert_eq!(jwk.describe(), "EC P-256");
        assert_eq!(
            jwk.to_json()["x"],
            "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI"
        );
        assert_eq!(
            jwk.to_json()["y"],
            "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU"
        );
    }

    #[test]
    fn did_key_refuses_unknown_codecs_and_encodings() {
        for did in [
            "did:key:m6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "did:key:z0OIl",
            "did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68X4m32D8HgzG8wv3sY5j7",
            "did:key:z6Mk",
        ] {
            assert!(
                resolve(&Did::parse(did).unwrap()).is_err(),
                "{did} resolved"
            );
        }
    }
}
