//! The node's JSON-LD context store, built once at startup from the built-in contexts,
//! `jsonld.contexts.localmapping` and `jsonld.contexts.remoteallowlist`. Verification only ever
//! reads this store: a context it does not hold is refused, never fetched.

use jsonld::Contexts;
use url::Url;

use crate::config::JsonLdContextsConfig;
use crate::infra::outbound::OutboundClient;

/// A mapped context file that cannot be used; the node does not start with it.
#[derive(Debug, thiserror::Error)]
#[error("jsonld.contexts.localmapping {url} → {path}: {reason}")]
pub struct ContextFileError {
    url: String,
    path: String,
    reason: String,
}

/// Builds the store. Mapped files must load; allow-listed remote contexts that fail to fetch are
/// logged and stay unknown.
pub async fn load(
    config: &JsonLdContextsConfig,
    outbound: &OutboundClient,
) -> Result<Contexts, ContextFileError> {
    let mut contexts = Contexts::builtin();
    for (url, path) in &config.localmapping {
        let failed = |reason: String| ContextFileError {
            url: url.clone(),
            path: path.clone(),
            reason,
        };
        let content = match Contexts::builtin_file(path) {
            Some(content) => content.to_owned(),
            None => std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?,
        };
        contexts
            .insert(url, &content)
            .map_err(|e| failed(e.to_string()))?;
    }
    for url in &config.remoteallowlist {
        if contexts.contains(url) {
            continue;
        }
        match fetch(url, outbound).await {
            Ok(content) => match contexts.insert(url, &content) {
                Ok(()) => tracing::info!(context = %url, "JSON-LD context fetched"),
                Err(error) => tracing::warn!(context = %url, %error, "JSON-LD context refused"),
            },
            Err(error) => tracing::warn!(
                context = %url,
                %error,
                "JSON-LD context could not be fetched; credentials using it are refused until the next start"
            ),
        }
    }
    Ok(contexts)
}

async fn fetch(url: &str, outbound: &OutboundClient) -> Result<String, String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let fetched = outbound
        .get(&url, "application/ld+json, application/json")
        .await
        .map_err(|e| e.to_string())?;
    String::from_utf8(fetched.body.to_vec()).map_err(|_| "not UTF-8".to_owned())
}
