//! DID resolution for the node: did:jwk and did:key from the identifier, this node's own did:web
//! subjects from the database (fresh after every key rotation, and no HTTP call to itself), and
//! other did:web DIDs over the guarded outbound client with a cache.
//!
//! The cache keeps a document for its response's `max-age` (or `resolver.cachettl` without one),
//! never longer than `resolver.maxcachettl`, and remembers failures for
//! `resolver.negativecachettl` so that a broken DID does not cost a fetch per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use did::{Did, Document, Error, Resolved, Resolver};

use crate::config::ResolverConfig;
use crate::outbound::{FetchError, OutboundClient};
use crate::subjects::Subjects;

/// Most cached documents; beyond this, expired entries are dropped, then the oldest.
const MAX_CACHED: usize = 10_000;

#[derive(Debug, Clone)]
struct CacheEntry {
    expires: Instant,
    outcome: Result<Arc<Document>, Error>,
}

/// The node's resolver.
#[derive(Debug)]
pub struct NodeResolver {
    subjects: Subjects,
    client: OutboundClient,
    config: ResolverConfig,
    cache: Mutex<HashMap<Did, CacheEntry>>,
    /// This node's documents, each with the subjects' generation it was read at.
    own: Mutex<HashMap<Did, (u64, Instant, Resolved)>>,
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
            cache: Mutex::new(HashMap::new()),
            own: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, did: &Did, now: Instant) -> Option<Result<Arc<Document>, Error>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(did)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.outcome.clone())
    }

    fn remember(&self, did: &Did, outcome: Result<Arc<Document>, Error>, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, entry| entry.expires > now);
            if cache.len() >= MAX_CACHED
                && let Some(oldest) = cache
                    .iter()
                    .min_by_key(|(_, entry)| entry.expires)
                    .map(|(did, _)| did.clone())
            {
                cache.remove(&oldest);
            }
        }
        cache.insert(
            did.clone(),
            CacheEntry {
                expires: now + ttl,
                outcome,
            },
        );
    }

    async fn resolve_own(&self, did: &Did) -> Result<Resolved, Error> {
        let generation = self.subjects.generation();
        let now = Instant::now();
        if let Ok(own) = self.own.lock()
            && let Some((seen, read, resolved)) = own.get(did)
            && *seen == generation
            && now.duration_since(*read) < OWN_DOCUMENT_TTL
        {
            return Ok(resolved.clone());
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
        if let Ok(mut own) = self.own.lock() {
            if own.len() >= MAX_CACHED {
                own.clear();
            }
            own.insert(did.clone(), (generation, now, resolved.clone()));
        }
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
        let outcome = match self.cached(did, Instant::now()) {
            Some(outcome) => outcome,
            None => {
                let (outcome, ttl) = self.fetch_web(did).await;
                self.remember(did, outcome.clone(), ttl);
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
