//! Binding a token request's `client_id` to the party that signed its presentation. nuts-node
//! does not check it, so any holder of a valid presentation could claim to be any client; Hazel
//! does:
//! - a `client_id` that is a DID must be the presentation signer's DID;
//! - a `client_id` that is an https URL (nuts-node and Hazel clients send `<url>/oauth2/<subject>`)
//!   must publish an entity statement at `<origin>/.well-known/openid-configuration<path>` whose
//!   `jwks` lists the key that signed the presentation (same `kid`, same RFC 7638 thumbprint).
//!   The origin vouches for the statement; nuts-node applies the same check to request objects.
//!   Plain http is accepted only with `strictmode: false`.
//!
//! Results are cached per (client_id, signing key): a binding or a definite mismatch for 5
//! minutes, a failed fetch for 10 seconds (so an outage does not lock a client out for long).

use std::sync::Arc;
use std::time::Duration;

use cache::Cache;
use oauth::federation;
use oauth::metadata::{OPENID_CONFIGURATION, well_known_url};
use oauth::types::ClientId;
use vc::VerifiedPresentation;

use crate::flows::Refusal;
use crate::infra::outbound::{FetchError, OutboundClient};

/// How long a binding or a definite mismatch is reused.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long a failed fetch is reused.
const FAILURE_CACHE_TTL: Duration = Duration::from_secs(10);
/// Entries kept at most.
const CACHE_ENTRIES: usize = 10_000;

/// Checks client bindings, with a cache of the results.
#[derive(Debug, Clone)]
pub struct ClientBindings {
    outbound: OutboundClient,
    skew: i64,
    /// Results per (client_id, presentation kid).
    cache: Arc<Cache<(String, String), Result<(), String>>>,
}

/// Why a binding failed: a definite answer, or no answer.
enum Failure {
    Mismatch(String),
    Fetch(FetchError),
}

fn mismatch(reason: impl std::fmt::Display) -> Refusal {
    Refusal::invalid_request("client_id does not match presentation signer").with_cause(reason)
}

/// The location of a `client_id`'s entity statement: RFC 8414 §3.1 insertion of
/// `openid-configuration`, as nuts-node locates it. Only an https `client_id` (or http, when
/// `allow_http`) can be vouched for by its origin.
pub fn statement_url(client_id: &str, allow_http: bool) -> Option<url::Url> {
    let url = well_known_url(client_id, OPENID_CONFIGURATION).ok()?;
    (url.scheme() == "https" || allow_http).then_some(url)
}

impl ClientBindings {
    /// Bindings checked over `outbound`, with `skew` seconds of clock difference allowed.
    pub fn new(outbound: OutboundClient, skew: i64) -> Self {
        Self {
            outbound,
            skew,
            cache: Arc::new(Cache::new("client_bindings", CACHE_ENTRIES)),
        }
    }

    /// The result cache, for the metrics.
    pub fn cache_stats(&self) -> (&'static str, Arc<cache::Stats>) {
        (self.cache.name(), self.cache.stats())
    }

    /// Checks that `client_id` is bound to the signer of `presentation`.
    pub async fn check(
        &self,
        client_id: &ClientId,
        presentation: &VerifiedPresentation,
        now: i64,
    ) -> Result<(), Refusal> {
        let client_id = client_id.as_str();
        if client_id.starts_with("did:") {
            return if client_id == presentation.holder() {
                Ok(())
            } else {
                Err(mismatch(format!(
                    "client_id {client_id} is a DID other than the signer {}",
                    presentation.holder()
                )))
            };
        }
        let key = (client_id.to_owned(), presentation.kid().to_owned());
        let result = match self.cache.get(&key) {
            Some(result) => result,
            None => {
                let (result, ttl) = match self.bind(client_id, presentation, now).await {
                    Ok(()) => (Ok(()), CACHE_TTL),
                    Err(Failure::Mismatch(reason)) => (Err(reason), CACHE_TTL),
                    Err(Failure::Fetch(FetchError::OverBudget)) => {
                        (Err(FetchError::OverBudget.to_string()), Duration::ZERO)
                    }
                    Err(Failure::Fetch(error)) => (Err(error.to_string()), FAILURE_CACHE_TTL),
                };
                self.cache.insert(key, result.clone(), ttl);
                result
            }
        };
        result.map_err(mismatch)
    }

    async fn bind(
        &self,
        client_id: &str,
        presentation: &VerifiedPresentation,
        now: i64,
    ) -> Result<(), Failure> {
        let url = statement_url(client_id, !self.outbound.is_strict()).ok_or_else(|| {
            Failure::Mismatch(format!(
                "client_id {client_id} is neither a DID nor an https URL"
            ))
        })?;
        let fetched = self
            .outbound
            .get(&url, federation::MEDIA_TYPE)
            .await
            .map_err(Failure::Fetch)?;
        let jwt = std::str::from_utf8(&fetched.body)
            .map_err(|_| Failure::Mismatch("the entity statement is not text".to_owned()))?
            .trim();
        let statement = federation::verify(jwt, client_id, now, self.skew)
            .map_err(|e| Failure::Mismatch(e.to_string()))?;
        // The key the verifier resolved for the presentation: no second resolution.
        if statement.lists(presentation.kid(), &presentation.key().thumbprint()) {
            Ok(())
        } else {
            Err(Failure::Mismatch(format!(
                "the entity statement of {client_id} does not list the presentation key {}",
                presentation.kid()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_located_by_well_known_insertion() {
        assert_eq!(
            statement_url("https://client.example/oauth2/org", false)
                .unwrap()
                .as_str(),
            "https://client.example/.well-known/openid-configuration/oauth2/org"
        );
        assert_eq!(
            statement_url("https://client.example:8443/base/oauth2/org/", false)
                .unwrap()
                .as_str(),
            "https://client.example:8443/.well-known/openid-configuration/base/oauth2/org"
        );
        assert!(statement_url("urn:x:y", true).is_none());
        assert!(statement_url("https://client.example/oauth2/org?x=1", false).is_none());
        assert!(statement_url("http://client.example/oauth2/org", false).is_none());
        assert!(statement_url("http://client.example/oauth2/org", true).is_some());
    }
}
