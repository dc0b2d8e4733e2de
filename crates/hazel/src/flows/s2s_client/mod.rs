//! The client side of the service-to-service flow (nuts-node v6 `request-service-access-token`):
//! for its organization's EHR, the node
//!
//! 1. checks the request and answers from its token cache when it can;
//! 2. fetches the remote authorization server's RFC 8414 metadata and the Presentation
//!    Definition of the scope ([`discovery`]);
//! 3. chooses credentials from the subject's wallet (PE v2.0, as nuts-node's wallet does);
//! 4. signs a presentation and a DPoP proof and calls the remote token endpoint, once more with
//!    the server's nonce when it asks for one (RFC 9449 §8) ([`exchange`]);
//! 5. caches the token until shortly before it expires.
//!
//! Remote answers are mapped, never passed through raw: an OAuth error keeps its `error` code and
//! description (400), a server failure becomes 502, an unreachable server 503.

mod discovery;
mod exchange;

use std::sync::Arc;
use std::time::Duration;

use cache::Cache;
use oauth::types::AccessToken;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::infra::outbound::{FetchError, OutboundClient};
use crate::infra::storage::session::{SessionStore, hashed_key};
use crate::services::credentials::Credentials;
use crate::services::subjects::{SubjectRecord, Subjects};

/// A cached token is dropped this long before it expires, so that it is not handed out just
/// before the authorization server stops accepting it (nuts-node uses 30 s).
const TOKEN_CACHE_MARGIN: i64 = 30;

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

impl ServiceAccessTokenRequest {
    /// Whether a DPoP-bound token is asked for (the default).
    fn wants_dpop(&self) -> bool {
        !self
            .token_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    }

    /// Step 1: what nuts-node refuses before any fetch.
    fn check(&self) -> Result<(), ClientError> {
        if self.authorization_server.is_empty() || self.scope.is_empty() {
            return Err(ClientError::BadRequest(
                "authorization_server and scope are required".into(),
            ));
        }
        let Some(credentials) = &self.credentials else {
            return Ok(());
        };
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
        if credentials.is_empty() {
            Ok(())
        } else {
            Err(ClientError::BadRequest(
                "self-asserted credentials are not supported yet".into(),
            ))
        }
    }
}

/// The answer to the EHR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccessToken {
    /// The token.
    pub access_token: AccessToken,
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

impl ClientError {
    fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }
}

/// A failed fetch of `what`: refused by this node's own rules (400), an upstream failure (502),
/// or no answer (503).
fn fetch_failure(what: &str, error: FetchError) -> ClientError {
    let detail = format!("failed to retrieve {what}: {error}");
    match error {
        FetchError::Status(status) if status >= 500 => ClientError::BadGateway(detail),
        FetchError::Status(_) | FetchError::Refused(_) => ClientError::BadRequest(detail),
        FetchError::Timeout | FetchError::Network(_) => ClientError::Unavailable(detail),
        _ => ClientError::BadGateway(detail),
    }
}

/// The services the flow needs.
#[derive(Debug, Clone)]
pub struct Services {
    /// The node's subjects and their keys.
    pub subjects: Subjects,
    /// Wallets and presentations.
    pub credentials: Credentials,
    /// The guarded client for remote servers.
    pub outbound: OutboundClient,
    /// Where obtained tokens are cached (shared by nodes that share Redis).
    pub sessions: Arc<dyn SessionStore>,
}

/// The flow's context.
#[derive(Debug, Clone)]
pub struct S2sClient {
    /// The node's public URL, the base of this node's client ids.
    public_url: Arc<str>,
    services: Arc<Services>,
    /// Remote metadata and definitions by URL, briefly.
    remote: Arc<Cache<String, Value>>,
}

impl S2sClient {
    /// The flow over `services`; `public_url` is the node's `url`.
    pub fn new(public_url: &str, services: Services) -> Self {
        Self {
            public_url: public_url.into(),
            services: Arc::new(services),
            remote: Arc::new(Cache::new("remote_metadata", 1000)),
        }
    }

    /// The remote-document cache, for the metrics.
    pub fn cache_stats(&self) -> (&'static str, Arc<cache::Stats>) {
        (self.remote.name(), self.remote.stats())
    }

    /// Obtains a token for `subject` at `now` (nuts-node `RequestServiceAccessToken`).
    /// `use_cache` is false when the EHR sent `Cache-Control: no-cache`.
    pub async fn request_service_access_token(
        &self,
        subject: &SubjectRecord,
        request: &ServiceAccessTokenRequest,
        use_cache: bool,
        now: i64,
    ) -> Result<ServiceAccessToken, ClientError> {
        request.check()?;
        let key = cache_key(&subject.id, request);
        if use_cache && let Some(token) = self.cached(&key, now).await {
            return Ok(token);
        }
        let remote = self.discover(subject, request).await?;
        let presented = self.choose(subject, &remote, request, now).await?;
        let token = self
            .exchange(subject, request, &remote, &presented, now)
            .await?;
        self.cache(&key, &token).await;
        Ok(token)
    }

    async fn cached(&self, key: &str, now: i64) -> Option<ServiceAccessToken> {
        let stored = self.services.sessions.get(key).await.ok()??;
        let mut token: ServiceAccessToken = serde_json::from_slice(&stored).ok()?;
        (token.expires_at > now).then(|| {
            token.expires_in = token.expires_at - now;
            token
        })
    }

    async fn cache(&self, key: &str, token: &ServiceAccessToken) {
        let ttl = token.expires_in - TOKEN_CACHE_MARGIN;
        if ttl <= 0 {
            return;
        }
        let stored = serde_json::to_vec(token).unwrap_or_default();
        let ttl = Duration::from_secs(ttl.unsigned_abs());
        if let Err(error) = self.services.sessions.put(key, &stored, ttl).await {
            tracing::warn!(%error, "the access token could not be cached");
        }
    }
}

fn cache_key(subject: &str, request: &ServiceAccessTokenRequest) -> String {
    let body = serde_json::to_vec(&(subject, request)).unwrap_or_default();
    hashed_key("client-token", &body)
}
