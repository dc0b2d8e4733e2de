//! The composition root: builds the stores from the configuration and hands them to the routers.
//! Every dependency sits behind a type that has a real implementation and is tested against the
//! real thing (SQLite and PostgreSQL; memory and Redis).

use std::sync::Arc;
use std::time::Instant;

use crate::authorization::{AuthorizationEngine, AuthorizationError};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, InternalAuthType, Secret};
use crate::credentials::Credentials;
use crate::keys::{Kek, KekError, KeyStore, SqlKeyStore};
use crate::metrics::Metrics;
use crate::outbound::{FetchError, OutboundClient};
use crate::policy::{PolicyBackend, PolicyDirectory, PolicyError, PolicySource};
use crate::resolver::NodeResolver;
use crate::storage::StorageError;
use crate::storage::session::{MemorySessionStore, RedisSessionStore, SessionStore};
use crate::storage::sql::{AuditLog, Database};
use crate::subjects::Subjects;
use crate::tokens::AccessTokens;

/// Everything a request handler may need, cheap to clone (every member is shared).
#[derive(Debug, Clone)]
pub struct Node {
    /// The effective configuration.
    pub config: Arc<Config>,
    /// The SQL database.
    pub database: Database,
    /// The session store.
    pub sessions: Arc<dyn SessionStore>,
    /// The audit trail.
    pub audit: AuditLog,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// When this process started serving, for `/status`.
    pub started: Instant,
    /// The bearer token `/internal/*` requires, if any.
    pub internal_token: Option<Arc<Secret>>,
    /// The private keys.
    pub keys: Arc<dyn KeyStore>,
    /// The organizations this node hosts.
    pub subjects: Subjects,
    /// DID resolution.
    pub resolver: Arc<dyn did::Resolver>,
    /// The guarded client for outbound fetches.
    pub outbound: OutboundClient,
    /// Issuer, wallets, holder and verifier.
    pub credentials: Credentials,
    /// Scope → Presentation Definition mapping, when configured.
    pub policy: Option<Arc<dyn PolicySource>>,
    /// Usage-time authorization policies, when configured.
    pub authorization: Option<AuthorizationEngine>,
    /// The client for the operator's own services (policy backend, AuthZEN PDP): plain HTTP and
    /// private addresses allowed, timeouts and size limits kept.
    pub policy_client: OutboundClient,
    /// Access tokens issued by this node.
    pub tokens: AccessTokens,
    /// Cached `client_id` bindings of token requests.
    pub client_bindings: Arc<crate::authserver::client::Bindings>,
    /// Remote authorization server metadata and definitions, briefly cached.
    pub remote_cache: Arc<crate::client::RemoteCache>,
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A store could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The internal API token file could not be read.
    #[error("cannot read http.internal.auth.tokenfile {path}: {reason}")]
    TokenFile {
        /// The configured path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The key-encryption key could not be loaded or created.
    #[error("key-encryption key (crypto.kek / crypto.kekfile): {0}")]
    Kek(#[from] KekError),
    /// The policy directory could not be loaded.
    #[error("policy.directory: {0}")]
    Policy(#[from] PolicyError),
    /// The authorization policies could not be loaded.
    #[error("policy.authorization.directory: {0}")]
    Authorization(#[from] AuthorizationError),
    /// A mapped JSON-LD context file cannot be used.
    #[error(transparent)]
    JsonLd(#[from] crate::credentials::contexts::ContextFileError),
    /// The outbound HTTP client could not be built.
    #[error("outbound HTTP client: {0}")]
    Outbound(#[from] FetchError),
    /// A configured URL cannot be used.
    #[error("{key}: {reason}")]
    Url {
        /// The configuration key.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {key} {address}: {reason}")]
    Bind {
        /// The configuration key of the listener.
        key: &'static str,
        /// The address.
        address: std::net::SocketAddr,
        /// Why.
        reason: String,
    },
}

impl Node {
    /// The current time in Unix seconds, from the node's clock (fixed in tests).
    pub fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    /// Whether a decision point can grant the extra scopes of a `dynamic` profile.
    pub fn can_decide_scopes(&self) -> bool {
        self.authorization.is_some() || self.config.policy.authzen.endpoint.is_some()
    }

    /// Opens the stores as configured: SQLite or PostgreSQL (migrated), memory or Redis.
    pub async fn open(config: Config) -> Result<Self, StartError> {
        let database = Database::open(&config.storage.sql, &config.datadir).await?;
        let sessions: Arc<dyn SessionStore> = if config.storage.session.redis.address.is_empty() {
            Arc::new(MemorySessionStore::new())
        } else {
            Arc::new(RedisSessionStore::connect(&config.storage.session.redis).await?)
        };
        let internal_token = match (
            config.http.internal.auth.kind,
            &config.http.internal.auth.tokenfile,
        ) {
            (InternalAuthType::Token, Some(path)) => {
                let token = std::fs::read_to_string(path).map_err(|e| StartError::TokenFile {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                Some(Arc::new(Secret::new(token.trim())))
            }
            _ => None,
        };
        let (kek, warning) = Kek::load(&config.crypto, &config.datadir)?;
        if let Some(warning) = warning {
            tracing::warn!("{warning}");
        }
        if database.backend() == crate::storage::sql::Backend::Postgres
            && config.crypto.kek.is_empty()
            && config.crypto.kekfile.is_none()
        {
            tracing::warn!(
                "private keys in PostgreSQL are sealed with {}: nodes sharing this database need \
                 the same key-encryption key; set crypto.kek or crypto.kekfile on each",
                config.datadir.join(crate::keys::DEFAULT_KEK_FILE).display()
            );
        }
        let keys: Arc<dyn KeyStore> = Arc::new(SqlKeyStore::new(database.clone(), kek));
        let base_url = url::Url::parse(config.public_url()).map_err(|e| StartError::Url {
            key: "url",
            reason: e.to_string(),
        })?;
        let subjects = Subjects::new(database.clone(), keys.clone(), base_url.clone());
        let outbound = OutboundClient::new(&config.http.client, config.strictmode)?;
        let resolver = Arc::new(NodeResolver::new(
            subjects.clone(),
            outbound.clone(),
            config.resolver.clone(),
        ));
        let metrics = Arc::new(Metrics::new());
        // The policy backend and PDP are the operator's own services.
        let policy_client = OutboundClient::new(&config.http.client, false)?;
        let policy: Option<Arc<dyn PolicySource>> =
            match (&config.policy.directory, &config.policy.address) {
                (Some(directory), _) => {
                    let loaded = PolicyDirectory::load(directory)?;
                    tracing::info!(
                        scopes = loaded.scopes().collect::<Vec<_>>().join(" "),
                        "policy directory loaded"
                    );
                    Some(Arc::new(loaded))
                }
                (None, Some(address)) => {
                    let address = url::Url::parse(address).map_err(|e| StartError::Url {
                        key: "policy.address",
                        reason: e.to_string(),
                    })?;
                    // The backend is the operator's own service: plain HTTP and private addresses are
                    // allowed, timeouts and size limits stay.
                    Some(Arc::new(PolicyBackend::new(
                        policy_client.clone(),
                        address,
                        config.policy.cachettl,
                        metrics.clone(),
                    )))
                }
                (None, None) => None,
            };
        let authorization = match &config.policy.authorization.directory {
            Some(directory) => {
                let engine = AuthorizationEngine::load(directory)?;
                tracing::info!(
                    policies = engine.policies().join(" "),
                    "authorization policies loaded"
                );
                Some(engine)
            }
            None => None,
        };
        let skew = i64::try_from(config.auth.clockskew.as_secs()).unwrap_or(i64::MAX);
        let contexts =
            Arc::new(crate::credentials::contexts::load(&config.jsonld.contexts, &outbound).await?);
        let credentials = Credentials::new(
            database.clone(),
            subjects.clone(),
            resolver.clone(),
            skew,
            base_url,
            outbound.clone(),
            contexts,
        );
        Ok(Self {
            credentials,
            audit: AuditLog::new(database.clone()),
            policy_client,
            tokens: AccessTokens::new(sessions.clone()),
            client_bindings: Arc::new(crate::authserver::client::bindings()),
            remote_cache: Arc::new(crate::client::remote_cache()),
            config: Arc::new(config),
            database,
            sessions,
            metrics,
            policy,
            authorization,
            clock: Arc::new(SystemClock),
            started: Instant::now(),
            internal_token,
            keys,
            subjects,
            resolver,
            outbound,
        })
    }
}
