//! The composition root: builds every store and service from the configuration, wires the flows
//! to the services they need, and hands each HTTP handler only the part it asks for (axum
//! `FromRef`). Nothing else in the node builds a service or reads the whole of it.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;

use crate::config::{Config, InternalAuthType, Secret, seconds};
use crate::flows::resource_server::ResourceServer;
use crate::flows::s2s_client::{self, S2sClient};
use crate::flows::s2s_server::{self, ClientBindings, S2sServer};
use crate::infra::clock::{Clock, SystemClock};
use crate::infra::metrics::Metrics;
use crate::infra::outbound::{FetchError, OutboundClient};
use crate::infra::resolver::NodeResolver;
use crate::infra::storage::StorageError;
use crate::infra::storage::session::{MemorySessionStore, RedisSessionStore, SessionStore};
use crate::infra::storage::sql::{Backend, Database};
use crate::services::audit::AuditLog;
use crate::services::authorization::{AuthorizationEngine, AuthorizationError};
use crate::services::credentials::Credentials;
use crate::services::credentials::contexts::{self, ContextFileError};
use crate::services::dpop::{DpopGuard, DpopSettings};
use crate::services::keys::{DEFAULT_KEK_FILE, Kek, KekError, KeyStore, SqlKeyStore};
use crate::services::policy::{Policy, PolicyBackend, PolicyDirectory, PolicyError, PolicySource};
use crate::services::replay::Replay;
use crate::services::scopes::{AuthZenPdp, RegoDecider, ScopeDecider};
use crate::services::subjects::Subjects;
use crate::services::tokens::AccessTokens;

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
    JsonLd(#[from] ContextFileError),
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

/// What the health and status endpoints report on.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// The SQL database.
    pub database: Database,
    /// The session store.
    pub sessions: Arc<dyn SessionStore>,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// When this process started serving.
    pub started: Instant,
}

/// The node: every service, built once. The router clones its state for every request, so a
/// clone is one reference count; handlers take the parts they name.
#[derive(Debug, Clone)]
pub struct Node(Arc<Parts>);

/// What the node is made of.
#[derive(Debug)]
struct Parts {
    config: Arc<Config>,
    runtime: Runtime,
    internal_token: Option<Arc<Secret>>,
    subjects: Subjects,
    resolver: Arc<dyn did::Resolver>,
    credentials: Credentials,
    policy: Policy,
    authorization: Option<AuthorizationEngine>,
    audit: AuditLog,
    s2s_server: S2sServer,
    s2s_client: S2sClient,
    resource_server: ResourceServer,
}

fn parse_url(key: &'static str, value: &str) -> Result<url::Url, StartError> {
    url::Url::parse(value).map_err(|e| StartError::Url {
        key,
        reason: e.to_string(),
    })
}

/// The stores and the services every flow shares, built in dependency order.
struct Foundation {
    database: Database,
    sessions: Arc<dyn SessionStore>,
    metrics: Arc<Metrics>,
    subjects: Subjects,
    outbound: OutboundClient,
    /// For the operator's own services (policy backend, AuthZEN PDP): plain HTTP and private
    /// addresses allowed, timeouts and size limits kept.
    operator_client: OutboundClient,
    resolver: Arc<NodeResolver>,
    credentials: Credentials,
}

impl Foundation {
    async fn open(config: &Config) -> Result<Self, StartError> {
        let database = Database::open(&config.storage.sql, &config.datadir).await?;
        let sessions = open_sessions(config).await?;
        let keys = open_keys(config, &database)?;
        let base_url = parse_url("url", config.public_url())?;
        let subjects = Subjects::new(database.clone(), keys, base_url.clone());
        let outbound = OutboundClient::new(&config.http.client, config.strictmode)?;
        let operator_client = OutboundClient::new(&config.http.client, false)?;
        let resolver = Arc::new(NodeResolver::new(
            Arc::new(subjects.clone()),
            outbound.clone(),
            config.resolver.clone(),
        ));
        let contexts = Arc::new(contexts::load(&config.jsonld.contexts, &outbound).await?);
        let credentials = Credentials::new(
            database.clone(),
            subjects.clone(),
            resolver.clone(),
            seconds(config.auth.clockskew),
            base_url,
            outbound.clone(),
            contexts,
        );
        Ok(Self {
            database,
            sessions,
            metrics: Arc::new(Metrics::new()),
            subjects,
            outbound,
            operator_client,
            resolver,
            credentials,
        })
    }
}

impl Node {
    /// Opens the stores as configured (SQLite or PostgreSQL, migrated; memory or Redis) and
    /// builds every service and flow on them.
    pub async fn open(config: Config) -> Result<Self, StartError> {
        let base = Foundation::open(&config).await?;
        let PolicySources { source, backend } =
            open_policy(&config, &base.operator_client, &base.metrics)?;
        let authorization = open_authorization(&config)?;
        let scopes = scope_decider(&config, authorization.as_ref(), &base.operator_client)?;
        let policy = Policy::new(source, scopes.is_some());
        let replay = Replay::new(base.sessions.clone());
        let dpop = DpopGuard::new(
            DpopSettings {
                max_age: config.auth.dpop.maxage,
                skew: config.auth.clockskew,
                require_nonce: config.auth.dpop.requirenonce,
            },
            replay.clone(),
        );
        let tokens = AccessTokens::new(base.sessions.clone());
        let audit = AuditLog::new(base.database.clone());
        let s2s_server = S2sServer::new(
            s2s_server_settings(&config),
            s2s_server::Services {
                subjects: base.subjects.clone(),
                verifier: Arc::new(base.credentials.clone()),
                policy: policy.clone(),
                scopes,
                bindings: ClientBindings::new(
                    base.outbound.clone(),
                    seconds(config.auth.clockskew),
                ),
                dpop: dpop.clone(),
                replay,
                tokens: tokens.clone(),
                audit: audit.clone(),
                metrics: base.metrics.clone(),
            },
        );
        let s2s_client = S2sClient::new(
            config.public_url(),
            s2s_client::Services {
                subjects: base.subjects.clone(),
                credentials: base.credentials.clone(),
                outbound: base.outbound.clone(),
                sessions: base.sessions.clone(),
            },
        );
        let mut caches = vec![base.subjects.cache_stats(), s2s_client.cache_stats()];
        caches.extend(s2s_server.cache_stats());
        caches.extend(base.resolver.caches());
        caches.extend(base.credentials.cache_stats());
        caches.extend(backend.map(|b| b.cache_stats()));
        base.metrics.register_caches(caches);
        Ok(Self(Arc::new(Parts {
            internal_token: internal_token(&config)?,
            config: Arc::new(config),
            runtime: Runtime {
                database: base.database,
                sessions: base.sessions,
                metrics: base.metrics,
                clock: Arc::new(SystemClock),
                started: Instant::now(),
            },
            resource_server: ResourceServer::new(tokens, audit.clone(), dpop),
            subjects: base.subjects,
            resolver: base.resolver,
            credentials: base.credentials,
            policy,
            authorization,
            audit,
            s2s_server,
            s2s_client,
        })))
    }

    /// The effective configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The current time in Unix seconds, from the node's clock.
    pub fn now(&self) -> i64 {
        self.0.runtime.clock.now().unix_timestamp()
    }

    /// The stores and counters the health and status endpoints report on.
    pub fn runtime(&self) -> &Runtime {
        &self.0.runtime
    }

    /// The bearer token `/internal/*` requires, if any.
    pub fn internal_token(&self) -> Option<Arc<Secret>> {
        self.0.internal_token.clone()
    }

    /// The organizations this node hosts.
    pub fn subjects(&self) -> &Subjects {
        &self.0.subjects
    }

    /// Issuer, wallets, holder and verifier.
    pub fn credentials(&self) -> &Credentials {
        &self.0.credentials
    }

    /// DID resolution.
    pub fn resolver(&self) -> &Arc<dyn did::Resolver> {
        &self.0.resolver
    }

    /// The audit trail.
    pub fn audit(&self) -> &AuditLog {
        &self.0.audit
    }
}

fn s2s_server_settings(config: &Config) -> s2s_server::Settings {
    s2s_server::Settings {
        public_url: config.public_url().to_owned(),
        skew: seconds(config.auth.clockskew),
        max_validity: seconds(config.auth.presentationmaxvalidity),
        token_lifetime: seconds(config.auth.accesstokenlifetime),
    }
}

async fn open_sessions(config: &Config) -> Result<Arc<dyn SessionStore>, StartError> {
    Ok(if config.storage.session.redis.address.is_empty() {
        Arc::new(MemorySessionStore::new())
    } else {
        Arc::new(RedisSessionStore::connect(&config.storage.session.redis).await?)
    })
}

fn open_keys(config: &Config, database: &Database) -> Result<Arc<dyn KeyStore>, StartError> {
    let (kek, warning) = Kek::load(&config.crypto, &config.datadir)?;
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
    }
    if database.backend() == Backend::Postgres
        && config.crypto.kek.is_empty()
        && config.crypto.kekfile.is_none()
    {
        tracing::warn!(
            "private keys in PostgreSQL are sealed with {}: nodes sharing this database need \
             the same key-encryption key; set crypto.kek or crypto.kekfile on each",
            config.datadir.join(DEFAULT_KEK_FILE).display()
        );
    }
    Ok(Arc::new(SqlKeyStore::new(database.clone(), kek)))
}

fn internal_token(config: &Config) -> Result<Option<Arc<Secret>>, StartError> {
    let auth = &config.http.internal.auth;
    let (InternalAuthType::Token, Some(path)) = (auth.kind, &auth.tokenfile) else {
        return Ok(None);
    };
    let token = std::fs::read_to_string(path).map_err(|e| StartError::TokenFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(Some(Arc::new(Secret::new(token.trim()))))
}

/// Where scope mappings come from, and the policy backend again when it is one (for its cache's
/// metrics).
struct PolicySources {
    source: Option<Arc<dyn PolicySource>>,
    backend: Option<Arc<PolicyBackend>>,
}

fn open_policy(
    config: &Config,
    operator_client: &OutboundClient,
    metrics: &Arc<Metrics>,
) -> Result<PolicySources, StartError> {
    match (&config.policy.directory, &config.policy.address) {
        (Some(directory), _) => {
            let loaded = PolicyDirectory::load(directory)?;
            tracing::info!(
                scopes = loaded.scopes().collect::<Vec<_>>().join(" "),
                "policy directory loaded"
            );
            Ok(PolicySources {
                source: Some(Arc::new(loaded)),
                backend: None,
            })
        }
        (None, Some(address)) => {
            let backend = Arc::new(PolicyBackend::new(
                operator_client.clone(),
                parse_url("policy.address", address)?,
                config.policy.cachettl,
                metrics.clone(),
            ));
            Ok(PolicySources {
                source: Some(backend.clone()),
                backend: Some(backend),
            })
        }
        (None, None) => Ok(PolicySources {
            source: None,
            backend: None,
        }),
    }
}

fn open_authorization(config: &Config) -> Result<Option<AuthorizationEngine>, StartError> {
    let Some(directory) = &config.policy.authorization.directory else {
        return Ok(None);
    };
    let engine = AuthorizationEngine::load(directory)?;
    tracing::info!(
        policies = engine.policies().join(" "),
        "authorization policies loaded"
    );
    Ok(Some(engine))
}

/// The decision point for dynamic scopes: an AuthZEN PDP when configured, else the Rego policies.
fn scope_decider(
    config: &Config,
    authorization: Option<&AuthorizationEngine>,
    operator_client: &OutboundClient,
) -> Result<Option<Arc<dyn ScopeDecider>>, StartError> {
    if let Some(endpoint) = &config.policy.authzen.endpoint {
        return Ok(Some(Arc::new(AuthZenPdp {
            client: operator_client.clone(),
            endpoint: parse_url("policy.authzen.endpoint", endpoint)?,
        })));
    }
    Ok(authorization.map(|engine| Arc::new(RegoDecider(engine.clone())) as Arc<dyn ScopeDecider>))
}

/// Declares that handlers may take this part of the node as their state.
macro_rules! part {
    ($type:ty, $node:ident => $part:expr) => {
        impl FromRef<Node> for $type {
            fn from_ref($node: &Node) -> Self {
                $part
            }
        }
    };
}

part!(Runtime, node => node.0.runtime.clone());
part!(Arc<dyn Clock>, node => node.0.runtime.clock.clone());
part!(Subjects, node => node.0.subjects.clone());
part!(Credentials, node => node.0.credentials.clone());
part!(Arc<dyn did::Resolver>, node => node.0.resolver.clone());
part!(Policy, node => node.0.policy.clone());
part!(Option<AuthorizationEngine>, node => node.0.authorization.clone());
part!(S2sServer, node => node.0.s2s_server.clone());
part!(S2sClient, node => node.0.s2s_client.clone());
part!(ResourceServer, node => node.0.resource_server.clone());
