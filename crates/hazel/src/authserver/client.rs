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

use std::time::Duration;

use did::{DidUrl, Relationship};
use oauth::ErrorCode;
use vc::VerifiedPresentation;

use super::s2s::Refusal;
use crate::cache::ExpiringMap;
use crate::node::Node;

/// How long a binding or a definite mismatch is reused.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long a failed fetch is reused.
const FAILURE_CACHE_TTL: Duration = Duration::from_secs(10);
/// Entries kept at most.
const CACHE_ENTRIES: usize = 10_000;

/// Binding results per (client_id, presentation kid).
pub type Bindings = ExpiringMap<(String, String), Result<(), String>>;

/// An empty binding cache.
pub fn bindings() -> Bindings {
    ExpiringMap::new(CACHE_ENTRIES)
}

fn mismatch(reason: impl std::fmt::Display) -> Refusal {
    let mut refusal = Refusal::new(
        ErrorCode::InvalidRequest,
        "client_id does not match presentation signer",
    );
    refusal.cause = Some(reason.to_string());
    refusal
}

/// `<origin>/.well-known/openid-configuration<path>` for an https `client_id` (RFC 8414 §3
/// insertion, as nuts-node locates the statement).
pub fn statement_url(client_id: &str, allow_http: bool) -> Option<url::Url> {
    let url = url::Url::parse(client_id).ok()?;
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    if !scheme_ok || url.query().is_some() {
        return None;
    }
    let mut located = url.clone();
    located.set_path(&format!(
        "/.well-known/openid-configuration{}",
        url.path().trim_end_matches('/')
    ));
    located.set_fragment(None);
    Some(located)
}

/// Checks that `client_id` is bound to the signer of `presentations` (all signed by one holder).
pub async fn check_binding(
    node: &Node,
    client_id: &str,
    presentations: &[VerifiedPresentation],
    now: i64,
) -> Result<(), Refusal> {
    let Some(first) = presentations.first() else {
        return Err(mismatch("no presentation"));
    };
    if client_id.starts_with("did:") {
        return if client_id == first.holder {
            Ok(())
        } else {
            Err(mismatch(format!(
                "client_id {client_id} is a DID other than the signer {}",
                first.holder
            )))
        };
    }
    let key = (client_id.to_owned(), first.kid.clone());
    let result = match node.client_bindings.get(&key) {
        Some(result) => result,
        None => {
            let (result, ttl) = match bind(node, client_id, first, now).await {
                Ok(()) => (Ok(()), CACHE_TTL),
                Err(Failure::Mismatch(reason)) => (Err(reason), CACHE_TTL),
                Err(Failure::Fetch(reason)) => (Err(reason), FAILURE_CACHE_TTL),
            };
            node.client_bindings.put(key, result.clone(), ttl);
            result
        }
    };
    result.map_err(mismatch)
}

/// Why a binding failed: a definite answer, or no answer.
enum Failure {
    Mismatch(String),
    Fetch(String),
}

async fn bind(
    node: &Node,
    client_id: &str,
    presentation: &VerifiedPresentation,
    now: i64,
) -> Result<(), Failure> {
    let url = statement_url(client_id, !node.outbound.is_strict()).ok_or_else(|| {
        Failure::Mismatch(format!(
            "client_id {client_id} is neither a DID nor an https URL"
        ))
    })?;
    let fetched = node
        .outbound
        .get(&url, super::entity::MEDIA_TYPE)
        .await
        .map_err(|e| Failure::Fetch(format!("entity statement {url}: {e}")))?;
    let jwt = std::str::from_utf8(&fetched.body)
        .map_err(|_| Failure::Mismatch("the entity statement is not text".to_owned()))?
        .trim();
    let skew = i64::try_from(node.config.auth.clockskew.as_secs()).unwrap_or(5);
    let statement = super::entity::verify(jwt, client_id, now, skew).map_err(Failure::Mismatch)?;
    let vp_kid = DidUrl::parse(&presentation.kid).map_err(|e| Failure::Mismatch(e.to_string()))?;
    let resolver = node.resolver.as_ref();
    let vp_key = match did::resolver::key_for(resolver, &vp_kid, Relationship::Authentication).await
    {
        Ok(key) => key,
        // nuts-node signs presentations with its assertion key.
        Err(_) => did::resolver::key_for(resolver, &vp_kid, Relationship::AssertionMethod)
            .await
            .map_err(|e| Failure::Mismatch(format!("presentation key: {e}")))?,
    };
    let thumbprint = vp_key.thumbprint();
    if statement
        .keys
        .iter()
        .any(|(kid, print)| kid == &presentation.kid && print == &thumbprint)
    {
        Ok(())
    } else {
        Err(Failure::Mismatch(format!(
            "the entity statement of {client_id} does not list the presentation key {}",
            presentation.kid
        )))
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
