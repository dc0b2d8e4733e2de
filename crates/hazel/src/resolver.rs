//! DID resolution for the node: did:jwk and did:key from the identifier, this node's own did:web
//! subjects from the database (fresh after every key rotation, and no HTTP call to itself), and
//! other did:web DIDs over the guarded outbound client with a cache.
//!
//! The cache keeps a document for its response's `max-age` (or `resolver.cachettl` without one),
//! never longer than `resolver.maxcachettl`, and remembers failures for
//! `resolver.negativecachettl` so that a broken DID does not cost a fetch per request.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use did::{Did, Document, Error, Resolved, Resolver};

use crate::cache::ExpiringMap;
use crate::config::ResolverConfig;
use crate::outbound::{FetchError, OutboundClient};
use crate::subjects::Subjects;

/// Most cached documents; beyond this, expired entries are dropped, then the oldest.
const MAX_CACHED: usize = 10_000;

/// The node's resolver.
#[derive(Debug)]
pub struct NodeResolver {
    subjects: Subjects,
    client: OutboundClient,
    config: ResolverConfig,
    cache: ExpiringMap<Did, Result<Arc<Document>, Error>>,
    /// This node's documents, each with the subjects' generation it was read at.
    own: ExpiringMap<Did, (u64, Resolved)>,
}

/// How long this node's own documents are reused when nothing changed here. Nodes sharing the
/// database see each other's key changes after at most this long.
const OWN_DOCUMENT_TTL: Duration = Duration::from_secs(5);

impl NodeResolver {
    /// A resolver for this node's subjects and everyone else's did:web.
    pub fn new(subjects: Subjects, client: OutboundClient, config: ResolverConfig) -> Self {
        Self {
            subjects,
            client,
            config,
            cache: ExpiringMap::new(MAX_CACHED),
            own: ExpiringMap::new(MAX_CACHED),
        }
    }

    async fn resolve_own(&self, did: &Did) -> Result<Resolved, Error> {
        let generation = self.subjects.generation();
        if let Some((seen, resolved)) = self.own.get(did)
            && seen == generation
        {
            return Ok(resolved);
        }
        let record = self
            .subjects
            .by_did(did)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?
            .ok_or(Error::NotFound)?;
        let document = self
            .subjects
            .document(&record)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let resolved = Resolved {
            document: Arc::new(document),
            deactivated: record.deactivated,
            created: Some(record.created_at),
            updated: Some(record.updated_at),
        };
        self.own.put(
            did.clone(),
            (generation, resolved.clone()),
            OWN_DOCUMENT_TTL,
        );
        Ok(resolved)
    }

    async fn fetch_web(&self, did: &Did) -> (Result<Arc<Document>, Error>, Duration) {
        let scheme = if self.client.is_strict() {
            "https"
        } else {
            "http"
        };
        let url = match did::methods::web::document_url(did, scheme) {
            Ok(url) => url,
            Err(error) => return (Err(error), self.config.negativecachettl),
        };
        let fetched = self
            .client
            .get(&url, "application/did+json, application/json")
            .await;
        match fetched {
            Ok(fetched) => {
                let ttl = fetched
                    .max_age
                    .unwrap_or(self.config.cachettl)
                    .min(self.config.maxcachettl);
                match Document::parse_for(did, &fetched.body) {
                    Ok(document) => (Ok(Arc::new(document)), ttl),
                    Err(error) => (Err(error), self.config.negativecachettl),
                }
            }
            Err(FetchError::Status(404 | 410)) => {
                (Err(Error::NotFound), self.config.negativecachettl)
            }
            Err(error) => (
                Err(Error::Unavailable(error.to_string())),
                self.config.negativecachettl,
            ),
        }
    }
}

#[async_trait]
impl Resolver for NodeResolver {
    async fn resolve(&self, did: &Did) -> Result<Resolved, Error> {
        if let Some(local) = did::resolver::resolve_locally(did) {
            return local.map(Resolved::document);
        }
        if did.method() != "web" {
            return Err(Error::UnsupportedMethod(did.method().to_owned()));
        }
        if self.subjects.is_own(did) {
            return self.resolve_own(did).await;
        }
        let outcome = match self.cache.get(did) {
            Some(outcome) => outcome,
            None => {
                let (outcome, ttl) = self.fetch_web(did).await;
                self.cache.put(did.clone(), outcome.clone(), ttl);
                outcome
            }
        };
        outcome.map(|document| Resolved {
            document,
            deactivated: false,
            created: None,
            updated: None,
        })
    }
}
