//! DID resolution for the node: did:jwk and did:key from the identifier, this node's own did:web
//! subjects from their store ([`OwnDocuments`]: fresh after every key rotation, and no HTTP call
//! to itself), and other did:web DIDs over the guarded outbound client with a cache.
//!
//! The cache keeps a document for its response's `max-age` (or `resolver.cachettl` without one),
//! never longer than `resolver.maxcachettl`, and remembers failures for
//! `resolver.negativecachettl` so that a broken DID does not cost a fetch per request.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use did::{Did, Document, Error, Resolved, Resolver};

use cache::Cache;

use crate::config::ResolverConfig;
use crate::infra::outbound::{FetchError, OutboundClient};

/// Where this node's own DID documents come from (its subjects), so that they are never fetched
/// over the network. A DID is "own" by its namespace.
#[async_trait]
pub trait OwnDocuments: Send + Sync + std::fmt::Debug {
    /// Whether `did` is in this node's namespace.
    fn is_own(&self, did: &Did) -> bool;
    /// A counter that changes whenever any own document may have changed.
    fn generation(&self) -> u64;
    /// The own document of `did`, with its metadata.
    async fn resolve_own(&self, did: &Did) -> Result<Resolved, Error>;
}

/// Most cached documents; beyond this, expired entries are dropped, then the oldest.
const MAX_CACHED: usize = 10_000;
/// The most bytes of fetched documents the cache keeps, as they take in memory (a document with
/// one key takes about 4 KiB).
const MAX_CACHED_BYTES: usize = 16 * 1024 * 1024;
/// The largest DID document fetched: a document lists keys and services, and a few kilobytes
/// is usual; anyone can make the node fetch one, so it is bounded well below the general limit.
pub const MAX_DOCUMENT_SIZE: usize = 64 * 1024;
/// What a refused resolution takes in the cache.
const FAILURE_SIZE: usize = 256;

/// The node's resolver.
#[derive(Debug)]
pub struct NodeResolver {
    own_documents: Arc<dyn OwnDocuments>,
    client: OutboundClient,
    config: ResolverConfig,
    cache: Cache<Did, Result<Arc<Document>, Error>>,
    /// This node's documents, each with the generation it was read at.
    own: Cache<Did, (u64, Resolved)>,
}

/// How long this node's own documents are reused when nothing changed here. Nodes sharing the
/// database see each other's key changes after at most this long.
const OWN_DOCUMENT_TTL: Duration = Duration::from_secs(5);

impl NodeResolver {
    /// A resolver for this node's own documents and everyone else's did:web.
    pub fn new(
        own_documents: Arc<dyn OwnDocuments>,
        client: OutboundClient,
        config: ResolverConfig,
    ) -> Self {
        Self {
            own_documents,
            client,
            config,
            cache: Cache::with_budget("did_documents", MAX_CACHED, MAX_CACHED_BYTES),
            own: Cache::new("own_did_documents", MAX_CACHED),
        }
    }

    /// The caches, for the metrics.
    pub fn caches(&self) -> [(&'static str, Arc<cache::Stats>); 2] {
        [
            (self.cache.name(), self.cache.stats()),
            (self.own.name(), self.own.stats()),
        ]
    }

    async fn resolve_own(&self, did: &Did) -> Result<Resolved, Error> {
        let generation = self.own_documents.generation();
        if let Some((seen, resolved)) = self.own.get(did)
            && seen == generation
        {
            return Ok(resolved);
        }
        let resolved = self.own_documents.resolve_own(did).await?;
        self.own.insert(
            did.clone(),
            (generation, resolved.clone()),
            OWN_DOCUMENT_TTL,
        );
        Ok(resolved)
    }

    /// Fetches a did:web document: the result, how long to keep it and what it takes. Every
    /// failure is `Unavailable` with its reason for the log (or `NotAllowed` when the guard
    /// refused), so that a public answer cannot tell a closed port from a 404 or a non-DID
    /// server; what is kept of a document is what Hazel reads of it.
    async fn fetch_web(&self, did: &Did) -> (Result<Arc<Document>, Error>, Duration, usize) {
        let failed = |error: Error| (Err(error), self.config.negativecachettl, FAILURE_SIZE);
        let scheme = if self.client.is_strict() {
            "https"
        } else {
            "http"
        };
        let url = match did::methods::web::document_url(did, scheme) {
            Ok(url) => url,
            Err(error) => return failed(error),
        };
        let fetched = self
            .client
            .get_limited(
                &url,
                "application/did+json, application/json",
                MAX_DOCUMENT_SIZE,
            )
            .await;
        match fetched {
            Ok(fetched) => {
                let ttl = fetched
                    .max_age
                    .unwrap_or(self.config.cachettl)
                    .min(self.config.maxcachettl);
                match Document::parse_for(did, &fetched.body) {
                    Ok(document) => {
                        let document = document.without_unknown_members();
                        let size = document.heap_size();
                        (Ok(Arc::new(document)), ttl, size)
                    }
                    Err(error) => failed(Error::Unavailable(error.to_string())),
                }
            }
            Err(FetchError::Refused(rule)) => failed(Error::NotAllowed(rule)),
            // Not a fact about the DID: kept for no time, so the next request fetches it.
            Err(FetchError::OverBudget) => (
                Err(Error::Unavailable(FetchError::OverBudget.to_string())),
                Duration::ZERO,
                0,
            ),
            Err(error) => failed(Error::Unavailable(error.to_string())),
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
        if self.own_documents.is_own(did) {
            return self.resolve_own(did).await;
        }
        let outcome = match self.cache.get(did) {
            Some(outcome) => outcome,
            None => {
                let (outcome, ttl, size) = self.fetch_web(did).await;
                self.cache
                    .insert_sized(did.clone(), outcome.clone(), ttl, size);
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
