//! Binding a token request's `client_id` to the party that signed its presentation. nuts-node
//! does not check it, so any holder of a valid presentation could claim to be any client; Hazel
//! does:
//! - a `client_id` that is a DID must be the presentation signer's DID;
//! - a `client_id` that is an https URL (nuts-node and Hazel clients send `<url>/oauth2/<subject>`)
//!   must publish an entity statement at `<origin>/.well-known/openid-configuration<path>`, signed
//!   by the presentation signer's DID, whose `jwks` lists the key that signed the presentation
//!   with the same thumbprint. This is the check nuts-node applies to signed request objects.
//!
//! Results (good and bad) are cached briefly per (client_id, signing key), so a busy client costs
//! one fetch per cache period.

use std::collections::HashMap;
use std::sync::Mutex;

use did::{DidUrl, Relationship};
use oauth::ErrorCode;
use vc::VerifiedPresentation;

use super::s2s::Refusal;
use crate::node::Node;

/// How long a binding result is reused, in seconds.
const CACHE_SECONDS: i64 = 300;
/// Entries kept at most; the cache is cleared when it is full (a flood of made-up client ids
/// cannot grow memory).
const CACHE_ENTRIES: usize = 10_000;

/// (client_id, presentation kid).
type BindingKey = (String, String);
/// (valid until, outcome).
type BindingEntry = (i64, Result<(), String>);

/// Cached binding results.
#[derive(Debug, Default)]
pub struct Bindings {
    entries: Mutex<HashMap<BindingKey, BindingEntry>>,
}

impl Bindings {
    fn get(&self, key: &(String, String), now: i64) -> Option<Result<(), String>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(until, _)| *until > now)
            .map(|(_, result)| result.clone())
    }

    fn put(&self, key: (String, String), result: Result<(), String>, now: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (now + CACHE_SECONDS, result));
        }
    }
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
pub fn statement_url(client_id: &str) -> Option<url::Url> {
    let url = url::Url::parse(client_id).ok()?;
    if !matches!(url.scheme(), "https" | "http") || url.query().is_some() {
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
    let result = match node.client_bindings.get(&key, now) {
        Some(result) => result,
        None => {
            let result = bind(node, client_id, first, now).await;
            node.client_bindings.put(key, result.clone(), now);
            result
        }
    };
    result.map_err(mismatch)
}

async fn bind(
    node: &Node,
    client_id: &str,
    presentation: &VerifiedPresentation,
    now: i64,
) -> Result<(), String> {
    let url = statement_url(client_id)
        .ok_or_else(|| format!("client_id {client_id} is neither a DID nor an https URL"))?;
    let fetched = node
        .outbound
        .get(&url, super::entity::MEDIA_TYPE)
        .await
        .map_err(|e| format!("entity statement {url}: {e}"))?;
    let jwt = std::str::from_utf8(&fetched.body)
        .map_err(|_| "the entity statement is not text".to_owned())?
        .trim();
    let skew = i64::try_from(node.config.auth.clockskew.as_secs()).unwrap_or(5);
    let statement =
        super::entity::verify(node.resolver.as_ref(), jwt, client_id, now, skew).await?;
    if statement.signer.did().as_str() != presentation.holder {
        return Err(format!(
            "the entity statement of {client_id} is signed by {}, the presentation by {}",
            statement.signer.did(),
            presentation.holder
        ));
    }
    let vp_kid = DidUrl::parse(&presentation.kid).map_err(|e| e.to_string())?;
    let resolver = node.resolver.as_ref();
    let vp_key = match did::resolver::key_for(resolver, &vp_kid, Relationship::Authentication).await
    {
        Ok(key) => key,
        // nuts-node signs presentations with its assertion key.
        Err(_) => did::resolver::key_for(resolver, &vp_kid, Relationship::AssertionMethod)
            .await
            .map_err(|e| format!("presentation key: {e}"))?,
    };
    let thumbprint = vp_key.thumbprint();
    if statement
        .keys
        .iter()
        .any(|(kid, print)| kid == &presentation.kid && print == &thumbprint)
    {
        Ok(())
    } else {
        Err(format!(
            "the entity statement of {client_id} does not list the presentation key {}",
            presentation.kid
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_located_by_well_known_insertion() {
        assert_eq!(
            statement_url("https://client.example/oauth2/org")
                .unwrap()
                .as_str(),
            "https://client.example/.well-known/openid-configuration/oauth2/org"
        );
        assert_eq!(
            statement_url("https://client.example:8443/base/oauth2/org/")
                .unwrap()
                .as_str(),
            "https://client.example:8443/.well-known/openid-configuration/base/oauth2/org"
        );
        assert!(statement_url("urn:x:y").is_none());
        assert!(statement_url("https://client.example/oauth2/org?x=1").is_none());
    }

    #[test]
    fn cached_results_expire() {
        let bindings = Bindings::default();
        let key = ("c".to_owned(), "k".to_owned());
        bindings.put(key.clone(), Err("no".into()), 100);
        assert_eq!(bindings.get(&key, 101), Some(Err("no".into())));
        assert_eq!(bindings.get(&key, 100 + CACHE_SECONDS), None);
    }
}
