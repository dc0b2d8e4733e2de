//! Helpers shared by the verification tests: an in-memory DID resolver (did:jwk resolves
//! locally) and parties with P-256 keys.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use did::{Did, Document, MethodRef, Resolved, Resolver, VerificationMethod};
use jose::{KeyKind, Signer, SigningKey};

pub static CONTEXTS: std::sync::LazyLock<jsonld::Contexts> =
    std::sync::LazyLock::new(jsonld::Contexts::builtin);

#[derive(Debug, Default)]
pub struct Documents(pub HashMap<String, Document>);

#[async_trait]
impl Resolver for Documents {
    async fn resolve(&self, did: &Did) -> Result<Resolved, did::Error> {
        if let Some(local) = did::resolver::resolve_locally(did) {
            return local.map(Resolved::document);
        }
        self.0
            .get(did.as_str())
            .cloned()
            .map(|document| Resolved {
                document: Arc::new(document),
                deactivated: false,
                created: None,
                updated: None,
            })
            .ok_or(did::Error::NotFound)
    }
}

pub struct Party {
    pub did: String,
    pub kid: String,
    pub key: SigningKey,
}

pub fn party() -> Party {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let did = did::methods::jwk::did_for(key.public_jwk())
        .unwrap()
        .to_string();
    Party {
        kid: format!("{did}#0"),
        did,
        key,
    }
}

/// A did:web issuer whose only key is an `authentication` key (not an `assertionMethod`), and
/// the resolver that knows its document.
pub fn authentication_only_issuer() -> (Party, Documents) {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let did = "did:web:issuer.example";
    let kid = format!("{did}#auth-only");
    let mut document = Document::new(did);
    document
        .verification_method
        .push(VerificationMethod::json_web_key(
            kid.clone(),
            did.into(),
            key.public_jwk(),
        ));
    document
        .authentication
        .push(MethodRef::Reference(kid.clone()));
    let documents = Documents(HashMap::from([(did.to_owned(), document)]));
    (
        Party {
            did: did.into(),
            kid,
            key,
        },
        documents,
    )
}
