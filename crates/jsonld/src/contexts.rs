//! The contexts a node holds: the ones nuts-node embeds, plus what the operator maps to local files
//! or allows to be fetched once at startup. Expansion asks this store and nothing else, so a
//! document naming any other context is refused rather than fetched.

use std::collections::HashMap;
use std::sync::Arc;

use cache::{Cache, FOREVER};

use json_ld::context_processing::Process;
use json_ld::syntax::TryFromJson;

use json_ld::syntax::Parse;
use json_ld::{Iri, IriBuf, LoadError, Loader, RemoteDocument};

use crate::Error;

/// The W3C Verifiable Credentials Data Model v1.1 context.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The JsonWebSignature2020 suite's context.
pub const JWS_2020_V1: &str = "https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json";

/// The built-in contexts: URL, file name (as nuts-node names it) and content.
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        CREDENTIALS_V1,
        "w3c-credentials-v1.ldjson",
        include_str!("../contexts/w3c-credentials-v1.ldjson"),
    ),
    (
        JWS_2020_V1,
        "lds-jws2020-v1.ldjson",
        include_str!("../contexts/lds-jws2020-v1.ldjson"),
    ),
    (
        "https://nuts.nl/credentials/v1",
        "nuts.ldjson",
        include_str!("../contexts/nuts.ldjson"),
    ),
    (
        "https://nuts.nl/credentials/2024",
        "nuts-2024.ldjson",
        include_str!("../contexts/nuts-2024.ldjson"),
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        "w3c-statuslist2021.ldjson",
        include_str!("../contexts/w3c-statuslist2021.ldjson"),
    ),
    (
        "https://schema.org",
        "schema-org-v13.ldjson",
        include_str!("../contexts/schema-org-v13.ldjson"),
    ),
];

/// The prefix nuts-node's configuration uses for its embedded context files.
const BUILTIN_PATH_PREFIX: &str = "assets/contexts/";

/// Processed top-level contexts kept at most; beyond it the oldest go (credentials use a handful
/// of context combinations, so this only bounds what a stream of crafted ones can hold).
const PROCESSED_CAPACITY: usize = 64;

/// An active context ready for expansion.
pub(crate) type ActiveContext = json_ld::Context<IriBuf, json_ld::BlankIdBuf>;

/// Canonical forms remembered at most (about 2 KiB each for a credential).
const CANONICAL_CAPACITY: usize = 1024;
/// The most bytes of canonical forms remembered: a form may be as large as the document limit.
const CANONICAL_BYTES: usize = 8 * 1024 * 1024;

/// Context documents by URL, the top-level contexts processed from them, and remembered
/// canonical forms. Both caches are pure functions of this store, which is fixed once built.
#[derive(Clone)]
pub struct Contexts {
    documents: HashMap<IriBuf, RemoteDocument>,
    processed: Arc<Cache<String, Arc<ActiveContext>>>,
    canonical: Arc<Cache<[u8; 32], Arc<str>>>,
}

impl Default for Contexts {
    fn default() -> Self {
        Self {
            documents: HashMap::new(),
            processed: fresh_processed(),
            canonical: fresh_canonical(),
        }
    }
}

fn fresh_processed() -> Arc<Cache<String, Arc<ActiveContext>>> {
    Arc::new(Cache::new("jsonld_processed_contexts", PROCESSED_CAPACITY))
}

fn fresh_canonical() -> Arc<Cache<[u8; 32], Arc<str>>> {
    Arc::new(Cache::with_budget(
        "jsonld_canonical_forms",
        CANONICAL_CAPACITY,
        CANONICAL_BYTES,
    ))
}

impl std::fmt::Debug for Contexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.urls()).finish()
    }
}

impl Contexts {
    /// The contexts nuts-node v6 embeds.
    pub fn builtin() -> Self {
        let mut contexts = Self::default();
        for (url, _, content) in BUILTIN {
            // The built-in files are fixed at compile time and covered by tests; a failure here
            // would be a broken build, and leaving the context out makes it refused, not trusted.
            let _ = contexts.insert(url, content);
        }
        contexts
    }

    /// The content of a built-in context by the path nuts-node's configuration gives it
    /// (`assets/contexts/nuts.ldjson`), so that a Nuts `localmapping` works unchanged.
    pub fn builtin_file(path: &str) -> Option<&'static str> {
        let name = path.strip_prefix(BUILTIN_PATH_PREFIX)?;
        BUILTIN
            .iter()
            .find(|(_, file, _)| *file == name)
            .map(|(_, _, content)| *content)
    }

    /// Adds (or replaces) the context document served at `url`.
    pub fn insert(&mut self, url: &str, content: &str) -> Result<(), Error> {
        let invalid = |reason: String| Error::InvalidContext {
            url: url.to_owned(),
            reason,
        };
        let iri = IriBuf::new(url.to_owned()).map_err(|_| invalid("not an IRI".to_owned()))?;
        let (document, _) = json_ld::syntax::Value::parse_str(content)
            .map_err(|e| invalid(format!("not JSON: {e}")))?;
        let has_context = document
            .as_object()
            .is_some_and(|object| object.get("@context").next().is_some());
        if !has_context {
            return Err(invalid("has no @context member".to_owned()));
        }
        self.documents
            .insert(iri.clone(), RemoteDocument::new(Some(iri), None, document));
        // What was processed or canonicalized may have used the context this replaces; clones
        // made before keep their own caches.
        self.processed = fresh_processed();
        self.canonical = fresh_canonical();
        Ok(())
    }

    /// Whether a context is held for `url`.
    pub fn contains(&self, url: &str) -> bool {
        Iri::new(url).is_ok_and(|iri| self.documents.contains_key(iri))
    }

    /// The caches, for the metrics: processed contexts and remembered canonical forms.
    pub fn cache_stats(&self) -> [(&'static str, Arc<cache::Stats>); 2] {
        [
            (self.processed.name(), self.processed.stats()),
            (self.canonical.name(), self.canonical.stats()),
        ]
    }

    /// The URLs held, sorted.
    pub fn urls(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = self.documents.keys().map(|iri| iri.as_str()).collect();
        urls.sort_unstable();
        urls
    }
}

impl Contexts {
    /// A remembered canonical form.
    pub(crate) fn remembered(&self, key: &[u8; 32]) -> Option<Arc<str>> {
        self.canonical.get(key)
    }

    /// Remembers a canonical form; when full, the oldest go.
    pub(crate) fn remember(&self, key: [u8; 32], canonical: Arc<str>) {
        let size = canonical.len();
        self.canonical.insert_sized(key, canonical, FOREVER, size);
    }

    /// The active context a document's top-level `@context` value gives, processed from the empty
    /// context (JSON-LD 1.1 API §4.1), from the cache when this value was seen before.
    pub(crate) fn processed(
        &self,
        context: json_ld::syntax::Value,
    ) -> Result<Arc<ActiveContext>, Error> {
        let key = context.to_string();
        if let Some(active) = self.processed.get(&key) {
            return Ok(active);
        }
        let local = json_ld::syntax::context::Context::try_from_json(context)
            .map_err(|e| Error::Expansion(format!("invalid @context: {e}")))?;
        let empty = ActiveContext::new(None);
        let mut vocabulary = ();
        let future = local.process_full(
            &mut vocabulary,
            &empty,
            self,
            None,
            json_ld::context_processing::Options::default(),
            (),
        );
        let active = match crate::ready::ready(future) {
            Some(Ok(processed)) => Arc::new(processed.into_processed()),
            Some(Err(json_ld::context_processing::Error::ContextLoadingFailed(load)))
                if load.cause.is::<NotHeld>() =>
            {
                return Err(Error::UnknownContext(load.target.to_string()));
            }
            Some(Err(error)) => {
                return Err(Error::Expansion(format!("context processing: {error}")));
            }
            None => {
                return Err(Error::Expansion(
                    "context loading did not complete".to_owned(),
                ));
            }
        };
        self.processed.insert(key, active.clone(), FOREVER);
        Ok(active)
    }
}

/// The cause given to the JSON-LD processor for a context this store does not hold.
#[derive(Debug, thiserror::Error)]
#[error("context is not known to this node")]
pub(crate) struct NotHeld;

impl Loader for Contexts {
    async fn load(&self, url: &Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        self.documents
            .get(url)
            .cloned()
            .ok_or_else(|| LoadError::new(url.to_owned(), NotHeld))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_context_loads() {
        let contexts = Contexts::builtin();
        assert_eq!(contexts.urls().len(), BUILTIN.len());
        for (url, file, _) in BUILTIN {
            assert!(contexts.contains(url), "{url}");
            assert!(Contexts::builtin_file(&format!("assets/contexts/{file}")).is_some());
        }
    }

    #[test]
    fn builtin_files_are_only_found_under_the_nuts_path() {
        assert!(Contexts::builtin_file("nuts.ldjson").is_none());
        assert!(Contexts::builtin_file("assets/contexts/other.ldjson").is_none());
    }

    #[test]
    fn a_document_without_context_is_not_a_context() {
        let mut contexts = Contexts::default();
        let error = contexts
            .insert("https://example.com/ctx", r#"{"name": "x"}"#)
            .unwrap_err();
        assert!(matches!(error, Error::InvalidContext { .. }), "{error}");
        assert!(
            contexts
                .insert("https://example.com/ctx", "not json")
                .is_err()
        );
        assert!(
            contexts
                .insert("not an iri", r#"{"@context": {}}"#)
                .is_err()
        );
        assert!(contexts.urls().is_empty());
    }
}
