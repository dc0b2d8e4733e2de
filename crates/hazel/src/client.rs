//! The client side of the service-to-service flow (nuts-node v6 `request-service-access-token`):
//! for its organization's EHR, the node fetches the remote authorization server's metadata and the
//! Presentation Definition of the scope, chooses credentials from the subject's wallet, signs a
//! presentation and a DPoP proof, and calls the remote token endpoint.
//!
//! Remote answers are mapped, never passed through raw: an OAuth error keeps its `error` code and
//! description (400), a server failure becomes 502, an unreachable server 503.

use std::time::Duration;

use did::Relationship;
use oauth::dpop::{self, ProofClaims};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vc::Format;

use crate::authserver::s2s::{GRANT_TYPE, TokenResponse};
use crate::cache::ExpiringMap;
use crate::credentials::{PresentationRequest, pex_format, proof_of};
use crate::node::Node;
use crate::outbound::FetchError;
use crate::storage::session::hashed_key;
use crate::subjects::SubjectRecord;

/// How long remote metadata and definitions are reused.
const REMOTE_CACHE_TTL: Duration = Duration::from_secs(60);
/// A cached token is dropped this long before it expires, so that it is not handed out just
/// before the authorization server stops accepting it (nuts-node uses 30 s).
const TOKEN_CACHE_MARGIN: i64 = 30;
/// The longest token lifetime accepted from a remote server (a day).
const MAX_EXPIRES_IN: i64 = 86_400;
/// The validity of the presentations the client signs, as nuts-node (the server's maximum).
const PRESENTATION_VALIDITY: i64 = 5;

/// `ServiceAccessTokenRequest` of nuts-node's auth v2 API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServiceAccessTokenRequest {
    /// The authorization server's issuer URL (RFC 8414 §2).
    pub authorization_server: String,
    /// The scope to ask for.
    pub scope: String,
    /// Self-asserted credentials to present as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Vec<Value>>,
    /// Field id → value the chosen credential must have (nuts-node `credential_selection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_selection: Option<pex::CredentialSelection>,
    /// `DPoP` (default) or `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// The answer to the EHR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccessToken {
    /// The token.
    pub access_token: String,
    /// `DPoP` or `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
    /// The granted scope.
    pub scope: String,
    /// The DID URL of the key that signs DPoP proofs for this token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_kid: Option<String>,
}

/// Why no token was obtained, with the HTTP status nuts-node's API documents for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// 400: the request is wrong, or the remote refused it with an OAuth error.
    #[error("{0}")]
    BadRequest(String),
    /// 412: the wallet cannot satisfy the definition, or no DID method fits.
    #[error("{0}")]
    Precondition(String),
    /// 502: the remote server failed.
    #[error("{0}")]
    BadGateway(String),
    /// 503: the remote server could not be reached.
    #[error("{0}")]
    Unavailable(String),
    /// 500: this node failed.
    #[error("{0}")]
    Internal(String),
}

/// Remote metadata and definitions by URL.
pub type RemoteCache = ExpiringMap<String, Value>;

/// An empty remote-document cache.
pub fn remote_cache() -> RemoteCache {
    ExpiringMap::new(1000)
}

fn fetch_failure(what: &str, error: FetchError) -> ClientError {
    let detail = format!("failed to retrieve {what}: {error}");
    match error {
        FetchError::Status(status) if status >= 500 => ClientError::BadGateway(detail),
        FetchError::Status(_) | FetchError::Refused(_) => ClientError::BadRequest(detail),
        FetchError::Timeout | FetchError::Network(_) => ClientError::Unavailable(detail),
        _ => ClientError::BadGateway(detail),
    }
}

/// The RFC 8414 §3 metadata URL of an issuer: the well-known segment goes between host and path.
pub fn metadata_url(issuer: &str) -> Option<url::Url> {
    let parsed = url::Url::parse(issuer).ok()?;
    if parsed.query().is_some() || parsed.fragment().is_some() || parsed.host().is_none() {
        return None;
    }
    let mut located = parsed.clone();
    located.set_path(&format!(
        "/.well-known/oauth-authorization-server{}",
        parsed.path().trim_end_matches('/')
    ));
    Some(located)
}

/// A remote OAuth error as the detail nuts-node gives it: `<error> - <error_description>`.
fn oauth_error(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?.as_str()?;
    let description = value
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Only a bounded, printable excerpt of remote text goes into our answer and logs.
    let description: String = description
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let error: String = error
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect();
    Some(if description.is_empty() {
        error
    } else {
        format!("{error} - {description}")
    })
}

async fn remote_json(node: &Node, url: &url::Url, what: &str) -> Result<Value, ClientError> {
    if let Some(cached) = node.remote_cache.get(url.as_str()) {
        return Ok(cached);
    }
    let (status, body) = node
        .outbound
        .get_with_status(url, "application/json")
        .await
        .map_err(|e| fetch_failure(what, e))?;
    if status != 200 {
        return Err(match (status, oauth_error(&body)) {
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
    node.remote_cache
        .put(url.to_string(), value.clone(), REMOTE_CACHE_TTL);
    Ok(value)
}

fn cache_key(subject: &str, request: &ServiceAccessTokenRequest) -> String {
    let body = serde_json::to_vec(&(subject, request)).unwrap_or_default();
    hashed_key("client-token", &body)
}

/// Obtains a token for `subject` (nuts-node `RequestServiceAccessToken`). `use_cache` is false
/// when the EHR sent `Cache-Control: no-cache`.
pub async fn request_service_access_token(
    node: &Node,
    subject: &SubjectRecord,
    request: &ServiceAccessTokenRequest,
    use_cache: bool,
) -> Result<ServiceAccessToken, ClientError> {
    let now = node.now();
    if request.authorization_server.is_empty() || request.scope.is_empty() {
        return Err(ClientError::BadRequest(
            "authorization_server and scope are required".into(),
        ));
    }
    let use_dpop = !request
        .token_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"));
    if let Some(credentials) = &request.credentials {
        for credential in credentials {
            if credential.get("issuer").is_some() {
                return Err(ClientError::BadRequest(
                    "self-asserted credentials MUST NOT contain an 'issuer'".into(),
                ));
            }
            if credential.pointer("/credentialSubject/id").is_some() {
                return Err(ClientError::BadRequest(
                    "self-asserted credentials MUST NOT contain a 'credentialSubject.id'".into(),
                ));
            }
        }
        if !credentials.is_empty() {
            return Err(ClientError::BadRequest(
                "self-asserted credentials are not supported yet".into(),
            ));
        }
    }
    let key = cache_key(&subject.id, request);
    if use_cache
        && let Ok(Some(cached)) = node.sessions.get(&key).await
        && let Ok(mut token) = serde_json::from_slice::<ServiceAccessToken>(&cached)
        && token.expires_at > now
    {
        token.expires_in = token.expires_at - now;
        return Ok(token);
    }

    let metadata_location = metadata_url(&request.authorization_server).ok_or_else(|| {
        ClientError::BadRequest("authorization_server must be an http(s) URL".into())
    })?;
    let metadata = remote_json(
        node,
        &metadata_location,
        "remote OAuth Authorization Server metadata",
    )
    .await?;
    if metadata.get("issuer").and_then(Value::as_str) != Some(request.authorization_server.as_str())
    {
        return Err(ClientError::BadGateway(
            "the authorization server's metadata names another issuer (RFC 8414 §3.3)".into(),
        ));
    }
    let endpoint = |name: &str| {
        metadata
            .get(name)
            .and_then(Value::as_str)
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| ClientError::BadGateway(format!("the metadata has no valid {name}")))
    };
    let token_endpoint = endpoint("token_endpoint")?;
    let mut definition_url = endpoint("presentation_definition_endpoint")?;
    if let Some(methods) = metadata
        .get("did_methods_supported")
        .and_then(Value::as_array)
    {
        let method = subject.did.method();
        if !methods.iter().any(|m| m.as_str() == Some(method)) {
            return Err(ClientError::Precondition(format!(
                "did method mismatch, requested: {methods:?}, available: [{method}]"
            )));
        }
    }
    definition_url
        .query_pairs_mut()
        .append_pair("scope", &request.scope);
    let definition = remote_json(node, &definition_url, "presentation definition").await?;
    let compiled = pex::CompiledDefinition::from_value(&definition).map_err(|e| {
        ClientError::BadGateway(format!(
            "the remote presentation definition is invalid: {e}"
        ))
    })?;

    let wallet = node
        .credentials
        .wallet(subject, now)
        .await
        .map_err(|e| ClientError::Internal(e.to_string()))?;
    let proofs: Vec<String> = wallet.iter().map(|c| proof_of(&c.raw)).collect();
    let candidates: Vec<pex::Credential<'_>> = wallet
        .iter()
        .zip(&proofs)
        .map(|(c, proof)| {
            pex::Credential::new(
                &c.id,
                pex_format(c.format),
                proof,
                c.valid_from.unwrap_or(0),
                &c.document,
            )
        })
        .collect();
    let selection = compiled
        .select(
            &candidates,
            &request.credential_selection.clone().unwrap_or_default(),
            uuid::Uuid::new_v4().to_string(),
        )
        .map_err(|e| {
            ClientError::Precondition(format!(
                "wallet does not contain the required credentials: {e}"
            ))
        })?;
    let chosen: Vec<Value> = selection
        .credentials
        .iter()
        .filter_map(|&i| wallet.get(i).map(|c| c.raw.clone()))
        .collect();
    let client_id = crate::authserver::issuer_url(node.config.public_url(), &subject.id);
    let submission = serde_json::to_string(&selection.submission)
        .map_err(|e| ClientError::Internal(e.to_string()))?;
    let signer = if use_dpop {
        Some(
            node.subjects
                .signer(subject, Relationship::AssertionMethod)
                .await
                .map_err(|e| ClientError::Internal(e.to_string()))?,
        )
    } else {
        None
    };
    let dpop_kid = signer.as_ref().map(|(kid, _)| kid.to_string());
    // RFC 9449 §8: a server that requires a nonce answers `use_dpop_nonce` with one in the
    // `DPoP-Nonce` header; the request is made once more with a new presentation and proof.
    let mut server_nonce: Option<String> = None;
    let mut attempt = 0;
    let (status, body) = loop {
        attempt += 1;
        let presentation = node
            .credentials
            .create_presentation(
                PresentationRequest {
                    signer: Some(subject.did.to_string()),
                    credentials: chosen.clone(),
                    audience: Some(request.authorization_server.clone()),
                    nonce: Some(uuid::Uuid::new_v4().to_string()),
                    expires: Some(now + PRESENTATION_VALIDITY),
                    format: Format::JwtVp,
                },
                now,
            )
            .await
            .map_err(|e| ClientError::Internal(e.to_string()))?;
        let Value::String(assertion) = presentation else {
            return Err(ClientError::Internal(
                "the presentation is not a JWT".into(),
            ));
        };
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", GRANT_TYPE)
            .append_pair("client_id", &client_id)
            .append_pair("assertion", &assertion)
            .append_pair("presentation_submission", &submission)
            .append_pair("scope", &request.scope)
            .finish();
        let proof = match &signer {
            Some((_, signer)) => {
                let jti = uuid::Uuid::new_v4().to_string();
                Some(
                    dpop::create(
                        signer.as_ref(),
                        &ProofClaims {
                            jti: &jti,
                            htm: "POST",
                            htu: token_endpoint.as_str(),
                            iat: now,
                            ath: None,
                            nonce: server_nonce.as_deref(),
                        },
                    )
                    .map_err(|e| ClientError::Internal(e.to_string()))?,
                )
            }
            None => None,
        };
        let headers: Vec<(&str, &str)> = proof.iter().map(|p| ("DPoP", p.as_str())).collect();
        let (status, response_headers, body) = node
            .outbound
            .post(
                &token_endpoint,
                "application/x-www-form-urlencoded",
                form.into_bytes(),
                &headers,
            )
            .await
            .map_err(|e| fetch_failure("an access token", e))?;
        let offered = response_headers
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let asks_nonce = status == 400
            && serde_json::from_slice::<Value>(&body)
                .ok()
                .is_some_and(|v| v["error"] == "use_dpop_nonce");
        if asks_nonce && attempt == 1 && signer.is_some() && offered.is_some() {
            server_nonce = offered;
            continue;
        }
        break (status, body);
    };
    if status != 200 {
        return Err(match (status, oauth_error(&body)) {
            (400..=499, Some(error)) => ClientError::BadRequest(error),
            _ => ClientError::BadGateway(format!("the token endpoint answered HTTP {status}")),
        });
    }
    let response: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| ClientError::BadGateway(format!("the token response is not valid: {e}")))?;
    // A remote value: bounded before any arithmetic.
    let expires_in = response.expires_in.unwrap_or(900);
    if !(1..=MAX_EXPIRES_IN).contains(&expires_in) {
        return Err(ClientError::BadGateway(format!(
            "the token response has an unusable expires_in ({expires_in})"
        )));
    }
    let token = ServiceAccessToken {
        access_token: response.access_token,
        token_type: response.token_type,
        expires_in,
        expires_at: now + expires_in,
        scope: response.scope.unwrap_or_else(|| request.scope.clone()),
        dpop_kid,
    };
    let ttl = expires_in - TOKEN_CACHE_MARGIN;
    if ttl > 0 {
        let stored = serde_json::to_vec(&token).unwrap_or_default();
        if let Err(error) = node
            .sessions
            .put(&key, &stored, Duration::from_secs(ttl.unsigned_abs()))
            .await
        {
            tracing::warn!(%error, "the access token could not be cached");
        }
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_3_metadata_location() {
        assert_eq!(
            metadata_url("https://as.example/oauth2/x")
                .unwrap()
                .as_str(),
            "https://as.example/.well-known/oauth-authorization-server/oauth2/x"
        );
        assert_eq!(
            metadata_url("https://as.example").unwrap().as_str(),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert!(metadata_url("https://as.example/x?q=1").is_none());
        assert!(metadata_url("not a url").is_none());
    }

    #[test]
    fn remote_oauth_errors_are_bounded_and_printable() {
        assert_eq!(
            oauth_error(br#"{"error":"invalid_scope","error_description":"not found"}"#),
            Some("invalid_scope - not found".into())
        );
        assert_eq!(oauth_error(br#"{"error":"x"}"#), Some("x".into()));
        let long = format!(
            r#"{{"error":"e","error_description":"{}\n"}}"#,
            "a".repeat(1000)
        );
        let mapped = oauth_error(long.as_bytes()).unwrap();
        assert!(mapped.len() < 320 && !mapped.contains('\n'));
        assert_eq!(oauth_error(b"<html>"), None);
    }
}
