//! Resolution behind one trait, so that flows ask for "the document of this DID" and never care
//! whether it came from the network, a cache, the local database or the identifier itself.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Did, Document, Error, methods};

/// A resolved document.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The DID document.
    pub document: Arc<Document>,
    /// Whether the DID has been deactivated (its document is then not to be used for
    /// verification).
    pub deactivated: bool,
}

/// Resolves DIDs (DID Core §7.1).
#[async_trait]
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The document of `did`, or why there is none.
    async fn resolve(&self, did: &Did) -> Result<Resolved, Error>;
}

/// Resolves the methods whose document follows from the identifier alone (did:jwk, did:key).
pub fn resolve_locally(did: &Did) -> Option<Result<Document, Error>> {
    match did.method() {
        "jwk" => Some(methods::jwk::resolve(did)),
        "key" => Some(methods::key::resolve(did)),
        _ => None,
    }
}
