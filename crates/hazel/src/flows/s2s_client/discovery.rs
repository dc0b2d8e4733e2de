//! Step 2: what the remote authorization server publishes: its RFC 8414 metadata and the
//! Presentation Definition of the scope, each cached for a minute.

use std::time::Duration;

use oauth::ErrorResponse;
use oauth::metadata::{AuthorizationServerMetadata, OAUTH_AUTHORIZATION_SERVER, well_known_url};
use serde_json::Value;
use url::Url;

use super::{ClientError, S2sClient, ServiceAccessTokenRequest, fetch_failure};
use crate::services::subjects::SubjectRecord;

/// How long remote metadata and definitions are reused.
const REMOTE_CACHE_TTL: Duration = Duration::from_secs(60);

/// The remote server as far as this flow needs it.
#[derive(Debug)]
pub(super) struct Remote {
    /// Its `token_endpoint`.
    pub token_endpoint: Url,
    /// The scope's Presentation Definition.
    pub definition: pex::CompiledDefinition,
}

impl S2sClient {
    pub(super) async fn discover(
        &self,
        subject: &SubjectRecord,
        request: &ServiceAccessTokenRequest,
    ) -> Result<Remote, ClientError> {
        let location = well_known_url(&request.authorization_server, OAUTH_AUTHORIZATION_SERVER)
            .map_err(|_| {
                ClientError::BadRequest("authorization_server must be an http(s) URL".into())
            })?;
        let metadata = self
            .remote_json(&location, "remote OAuth Authorization Server metadata")
            .await?;
        let metadata: AuthorizationServerMetadata =
            serde_json::from_value(metadata).map_err(|e| {
                ClientError::BadGateway(format!("the metadata is not RFC 8414 metadata: {e}"))
            })?;
        // RFC 8414 §3.3: the issuer MUST be identical to the one the metadata was located from.
        if metadata.issuer != request.authorization_server {
            return Err(ClientError::BadGateway(
                "the authorization server's metadata names another issuer (RFC 8414 §3.3)".into(),
            ));
        }
        let token_endpoint = endpoint(metadata.token_endpoint.as_deref(), "token_endpoint")?;
        let mut definition_url = endpoint(
            metadata.presentation_definition_endpoint.as_deref(),
            "presentation_definition_endpoint",
        )?;
        check_did_method(&metadata, subject)?;
        definition_url
            .query_pairs_mut()
            .append_pair("scope", &request.scope);
        let definition = self
            .remote_json(&definition_url, "presentation definition")
            .await?;
        let definition = pex::CompiledDefinition::from_value(&definition).map_err(|e| {
            ClientError::BadGateway(format!(
                "the remote presentation definition is invalid: {e}"
            ))
        })?;
        Ok(Remote {
            token_endpoint,
            definition,
        })
    }

    /// A remote JSON document, from the cache when fetched within the last minute.
    async fn remote_json(&self, url: &Url, what: &str) -> Result<Value, ClientError> {
        if let Some(cached) = self.remote.get(url.as_str()) {
            return Ok(cached);
        }
        let (status, body) = self
            .services
            .outbound
            .get_with_status(url, "application/json")
            .await
            .map_err(|e| fetch_failure(what, e))?;
        if status != 200 {
            return Err(match (status, ErrorResponse::from_remote(&body)) {
                (400..=499, Some(error)) => ClientError::BadRequest(format!("{what}: {error}")),
                (400..=499, None) => ClientError::BadRequest(format!(
                    "failed to retrieve {what}: server returned HTTP {status} (expected: 200)"
                )),
                _ => ClientError::BadGateway(format!(
                    "failed to retrieve {what}: server returned HTTP {status} (expected: 200)"
                )),
            });
        }
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ClientError::BadGateway(format!("{what} is not JSON: {e}")))?;
        self.remote
            .insert(url.to_string(), value.clone(), REMOTE_CACHE_TTL);
        Ok(value)
    }
}

fn endpoint(value: Option<&str>, name: &str) -> Result<Url, ClientError> {
    value
        .and_then(|u| Url::parse(u).ok())
        .ok_or_else(|| ClientError::BadGateway(format!("the metadata has no valid {name}")))
}

/// Nuts: the server must verify presentations of the subject's DID method.
fn check_did_method(
    metadata: &AuthorizationServerMetadata,
    subject: &SubjectRecord,
) -> Result<(), ClientError> {
    let Some(methods) = &metadata.did_methods_supported else {
        return Ok(());
    };
    let method = subject.did.method();
    if methods.iter().any(|m| m == method) {
        Ok(())
    } else {
        Err(ClientError::Precondition(format!(
            "did method mismatch, requested: {methods:?}, available: [{method}]"
        )))
    }
}
