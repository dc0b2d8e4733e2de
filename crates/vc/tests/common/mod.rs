//! Helpers shared by the verification tests: an in-memory DID resolver (did:jwk resolves
//! locally) and parties with P-256 keys.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use did::{Did, Document, Resolved, Resolver};
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
