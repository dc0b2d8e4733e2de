//! Resolution behind one trait, so that flows ask for "the document of this DID" and never care
//! whether it came from the network, a cache, the local database or the identifier itself.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Did, DidUrl, Document, Error, Relationship, methods};

/// A resolved document with its metadata (DID Core §7.1.3, the members Hazel knows).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The DID document.
    pub document: Arc<Document>,
    /// Whether the DID has been deactivated (its document is then not to be used for
    /// verification).
    pub deactivated: bool,
    /// When the DID was created, Unix seconds, if known.
    pub created: Option<i64>,
    /// When the document last changed, Unix seconds, if known.
    pub updated: Option<i64>,
}

impl Resolved {
    /// A document without metadata.
    pub fn document(document: Document) -> Self {
        Self {
            document: Arc::new(document),
            deactivated: false,
            created: None,
            updated: None,
        }
    }
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

/// The key of the verification method `kid` for `relationship`: resolves the DID, refuses a
/// deactivated one, and checks the relationship (DID Core §5.3).
pub async fn key_for(
    resolver: &dyn Resolver,
    kid: &DidUrl,
    relationship: Relationship,
) -> Result<jose::Jwk, Error> {
    let resolved = resolver.resolve(kid.did()).await?;
    if resolved.deactivated {
        return Err(Error::Deactivated);
    }
    resolved.document.key_for(kid, relationship)
}
