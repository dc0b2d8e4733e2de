//! `policy.address`: a policy backend (nuts-node's policy API, `docs/policy-backend.yaml`) asked
//! `GET {address}/presentation_definitions?scope=X&authorizer=Y`. 200 carries the per-owner-type
//! mapping of the scope; 201 (scope not supported) and 404 (authorizer unknown) mean "not a
//! profile scope". Answers are cached for `policy.cachettl`, at most [`CACHE_ENTRIES`] of them:
//! the scope is chosen by clients, so made-up scopes must not grow the node's memory. Failures
//! are not cached, are logged and counted, and reach the client as `server_error`.
//!
//! The backend is configured by the operator, usually on the same host or network, so the client
//! allows plain HTTP and private addresses; it keeps the timeout, the size limit and same-origin
//! redirects.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cache::Cache;

use super::mapping::{ScopeEntry, parse_entry};
use super::{PolicyError, PolicySource};
use crate::infra::metrics::Metrics;
use crate::infra::outbound::{FetchError, OutboundClient};

/// Backend answers kept at most.
pub const CACHE_ENTRIES: usize = 1000;

/// A policy backend client with a cache.
#[derive(Debug)]
pub struct PolicyBackend {
    client: OutboundClient,
    address: url::Url,
    ttl: Duration,
    metrics: Arc<Metrics>,
    cache: Cache<(String, String), Option<Arc<ScopeEntry>>>,
}

impl PolicyBackend {
    /// A backend at `address` (an http(s) base URL).
    pub fn new(
        client: OutboundClient,
        address: url::Url,
        ttl: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            client,
            address,
            ttl,
            metrics,
            cache: Cache::new("policy_backend", CACHE_ENTRIES),
        }
    }

    /// The answer cache, for the metrics.
    pub fn cache_stats(&self) -> (&'static str, Arc<cache::Stats>) {
        (self.cache.name(), self.cache.stats())
    }

    fn url(&self, scope: &str, authorizer: &str) -> url::Url {
        let mut url = self.address.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push("presentation_definitions");
        }
        url.query_pairs_mut()
            .clear()
            .append_pair("scope", scope)
            .append_pair("authorizer", authorizer);
        url
    }

    async fn ask(
        &self,
        scope: &str,
        authorizer: &str,
    ) -> Result<Option<Arc<ScopeEntry>>, PolicyError> {
        let url = self.url(scope, authorizer);
        match self.client.get_with_status(&url, "application/json").await {
            Ok((200, body)) => {
                let document: serde_json::Value = serde_json::from_slice(&body)
                    .map_err(|e| PolicyError::Backend(format!("answer is not JSON: {e}")))?;
                let entry = parse_entry(&document).map_err(|reason| {
                    PolicyError::Backend(format!("malformed answer for scope {scope}: {reason}"))
                })?;
                Ok(Some(Arc::new(entry)))
            }
            Ok((201 | 404, _)) => Ok(None),
            Ok((status, _)) => Err(PolicyError::Backend(format!("answered HTTP {status}"))),
            Err(FetchError::Status(status)) => {
                Err(PolicyError::Backend(format!("answered HTTP {status}")))
            }
            Err(error) => Err(PolicyError::Backend(error.to_string())),
        }
    }
}

#[async_trait]
impl PolicySource for PolicyBackend {
    async fn scope(
        &self,
        scope: &str,
        authorizer: &str,
    ) -> Result<Option<Arc<ScopeEntry>>, PolicyError> {
        let key = (scope.to_owned(), authorizer.to_owned());
        if let Some(entry) = self.cache.get(&key) {
            self.metrics.policy_backend("cached");
            return Ok(entry);
        }
        match self.ask(scope, authorizer).await {
            Ok(entry) => {
                self.metrics.policy_backend(if entry.is_some() {
                    "found"
                } else {
                    "unknown_scope"
                });
                self.cache.insert(key, entry.clone(), self.ttl);
                Ok(entry)
            }
            Err(error) => {
                self.metrics.policy_backend("error");
                tracing::warn!(%error, scope, "policy backend failed");
                Err(error)
            }
        }
    }
}
