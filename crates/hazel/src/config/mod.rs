//! The node's configuration: one typed tree, loaded from a YAML file, `HAZEL_*` environment
//! variables and command-line flags (flags win over the environment, which wins over the file).
//!
//! Key names follow nuts-node where the concept is the same. Every key is listed, with its default
//! and environment name, in `docs/configuration.md`; a test keeps that page and [`keys`] in step.

mod duration;
mod error;
mod keys;
pub mod load;
mod secret;
mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use duration::seconds;
pub use error::{ConfigError, Problem};
pub use keys::{KeyInfo, env_name, keys};
pub use load::{Sources, load};
pub use secret::Secret;

/// The public URL used when `url` is not configured: fine on a laptop, wrong anywhere else.
pub const DEVELOPMENT_URL: &str = "http://localhost:8080";

/// The whole configuration of a node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Public base URL of this node, from which DIDs, issuers and endpoint URLs are derived.
    /// Empty means the development default [`DEVELOPMENT_URL`].
    pub url: String,
    /// Directory for the embedded database and key material.
    pub datadir: PathBuf,
    /// Log level.
    pub verbosity: Verbosity,
    /// Log output format.
    pub loggerformat: LoggerFormat,
    /// Strict mode refuses plain HTTP and private addresses on outbound fetches.
    pub strictmode: bool,
    /// HTTP listeners.
    pub http: HttpConfig,
    /// SQL and session storage.
    pub storage: StorageConfig,
    /// Where scopes are mapped to Presentation Definitions.
    pub policy: PolicyConfig,
    /// Protection of private keys at rest.
    pub crypto: CryptoConfig,
    /// DID resolution.
    pub resolver: ResolverConfig,
    /// Token and credential checks.
    pub auth: AuthConfig,
    /// JSON-LD processing for linked-data proofs.
    pub jsonld: JsonLdConfig,
}

/// Log levels, as nuts-node names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Verbosity {
    Trace,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoggerFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `http.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// The listener other nodes and browsers reach.
    pub public: PublicListenerConfig,
    /// The listener for the organization's own systems and operators.
    pub internal: InternalListenerConfig,
    /// Largest request body accepted on either listener, in bytes.
    pub bodylimit: usize,
    /// Time after which a request is answered with 408 and its work abandoned.
    #[serde(with = "duration")]
    pub timeout: Duration,
    /// The one client for every outbound fetch.
    pub client: HttpClientConfig,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            public: PublicListenerConfig::default(),
            internal: InternalListenerConfig::default(),
            bodylimit: 1024 * 1024,
            timeout: Duration::from_secs(30),
            client: HttpClientConfig::default(),
        }
    }
}

/// `http.public.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicListenerConfig {
    /// Socket address to bind.
    pub address: SocketAddr,
    /// The most outbound fetches (DID documents, status lists, entity statements) one request
    /// to the public listener may cause; cached answers cost nothing.
    pub outboundbudget: usize,
}

impl Default for PublicListenerConfig {
    fn default() -> Self {
        Self {
            outboundbudget: 16,
            address: SocketAddr::from(([0, 0, 0, 0], 8080)),
        }
    }
}

/// `http.internal.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InternalListenerConfig {
    /// Socket address to bind; keep it on loopback or a private network.
    pub address: SocketAddr,
    /// Authentication of callers of `/internal/*`.
    pub auth: InternalAuthConfig,
    /// Set to say that a listener on a non-loopback address without authentication is
    /// intended (a network boundary protects it); without it such a node does not start.
    pub allowunauthenticated: bool,
}

impl Default for InternalListenerConfig {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 8081)),
            auth: InternalAuthConfig::default(),
            allowunauthenticated: false,
        }
    }
}

/// `http.internal.auth.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InternalAuthConfig {
    /// How callers of `/internal/*` authenticate.
    #[serde(rename = "type")]
    pub kind: InternalAuthType,
    /// File holding the bearer token callers must present when `type` is `token`.
    pub tokenfile: Option<PathBuf>,
}

/// Values of `http.internal.auth.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InternalAuthType {
    /// No authentication: the network must protect the listener.
    #[default]
    None,
    /// `Authorization: Bearer <token>` with the token from `http.internal.auth.tokenfile`.
    Token,
}

/// `http.client.*`: the outbound client (did:web, metadata, policy backend, status lists).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpClientConfig {
    /// Total time for one outbound request, connection included.
    #[serde(with = "duration")]
    pub timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub maxbodysize: usize,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            maxbodysize: 1024 * 1024,
        }
    }
}

/// `crypto.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoConfig {
    /// Key-encryption key: 32 bytes, base64url. Exclusive with `crypto.kekfile`.
    pub kek: Secret,
    /// File holding the key-encryption key; empty means `<datadir>/kek.key`, created (0600) at
    /// first start when `crypto.kek` is not set either.
    pub kekfile: Option<PathBuf>,
}

/// The length of a key-encryption key: AES-256.
pub const KEK_LEN: usize = 32;

/// A key-encryption key from its base64url text (surrounding whitespace ignored): exactly
/// [`KEK_LEN`] bytes, or nothing.
pub fn decode_kek(text: &str) -> Option<[u8; KEK_LEN]> {
    jose::base64url::decode(text.trim(), "key-encryption key")
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
}

/// `resolver.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResolverConfig {
    /// How long a fetched DID document is used when its response has no `Cache-Control: max-age`.
    #[serde(with = "duration")]
    pub cachettl: Duration,
    /// Upper bound on any cache time, whatever `max-age` says.
    #[serde(with = "duration")]
    pub maxcachettl: Duration,
    /// How long a failed resolution is remembered, so that a broken DID does not cost a fetch per
    /// request.
    #[serde(with = "duration")]
    pub negativecachettl: Duration,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            cachettl: Duration::from_secs(300),
            maxcachettl: Duration::from_secs(3600),
            negativecachettl: Duration::from_secs(10),
        }
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            directory: None,
            address: None,
            cachettl: Duration::from_secs(60),
            authorization: AuthorizationConfig::default(),
            authzen: AuthzenConfig::default(),
        }
    }
}

/// `auth.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Allowed clock difference with other parties when checking times in credentials,
    /// presentations and proofs.
    #[serde(with = "duration")]
    pub clockskew: Duration,
    /// How long an access token this node issues is valid.
    #[serde(with = "duration")]
    pub accesstokenlifetime: Duration,
    /// The longest validity (exp − nbf/iat) a presentation in a token request may have.
    #[serde(with = "duration")]
    pub presentationmaxvalidity: Duration,
    /// DPoP proofs.
    pub dpop: DpopConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            clockskew: Duration::from_secs(5),
            accesstokenlifetime: Duration::from_secs(15 * 60),
            presentationmaxvalidity: Duration::from_secs(5),
            dpop: DpopConfig::default(),
        }
    }
}

/// `auth.dpop.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DpopConfig {
    /// How old a proof's `iat` may be (RFC 9449 §11.1); its `jti` is remembered this long plus
    /// the clock skew.
    #[serde(with = "duration")]
    pub maxage: Duration,
    /// Require server-issued nonces in proofs at the token endpoint (RFC 9449 §8). Off by
    /// default: nuts-node clients do not retry on `use_dpop_nonce`.
    pub requirenonce: bool,
}

impl Default for DpopConfig {
    fn default() -> Self {
        Self {
            maxage: Duration::from_secs(60),
            requirenonce: false,
        }
    }
}

/// `storage.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The SQL database.
    pub sql: SqlConfig,
    /// The store for short-lived state.
    pub session: SessionConfig,
}

/// `storage.sql.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqlConfig {
    /// Connection string: `postgres://…` or `sqlite:…`; empty means SQLite in `datadir`.
    pub connection: Secret,
    /// Largest number of pooled connections.
    pub maxconnections: u32,
}

impl Default for SqlConfig {
    fn default() -> Self {
        Self {
            connection: Secret::default(),
            maxconnections: 10,
        }
    }
}

/// `storage.session.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Redis; when its address is empty, sessions are kept in memory.
    pub redis: RedisConfig,
}

/// `storage.session.redis.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `host:port` or a `redis://` / `rediss://` URL (which may carry credentials, hence secret).
    pub address: Secret,
    /// ACL user name.
    pub username: String,
    /// Password.
    pub password: Secret,
    /// Prefix for every key, so that several deployments can share one Redis (as nuts-node).
    pub database: String,
    /// TLS towards Redis.
    pub tls: RedisTlsConfig,
}

/// `storage.session.redis.tls.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisTlsConfig {
    /// PEM file with the CA certificates to trust; setting it turns TLS on.
    pub truststorefile: Option<PathBuf>,
}

/// `policy.*`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Directory whose `*.json` files map scopes to Presentation Definitions.
    pub directory: Option<PathBuf>,
    /// Base URL of a policy backend that answers `GET /presentation_definitions`.
    pub address: Option<String>,
    /// How long a policy backend's answer is used.
    #[serde(with = "duration")]
    pub cachettl: Duration,
    /// Usage-time authorization policies.
    pub authorization: AuthorizationConfig,
    /// An external AuthZEN PDP.
    pub authzen: AuthzenConfig,
}

/// `policy.authorization.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorizationConfig {
    /// Directory of Rego (`*.rego`) policies evaluated when a token is used.
    pub directory: Option<PathBuf>,
}

/// `policy.authzen.*`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthzenConfig {
    /// An external AuthZEN 1.0 PDP's evaluation URL, asked which `dynamic` extra scopes to grant
    /// at token time (instead of the in-process Rego policies).
    pub endpoint: Option<String>,
}

impl Config {
    /// The public base URL, falling back to the development default.
    pub fn public_url(&self) -> &str {
        if self.url.is_empty() {
            DEVELOPMENT_URL
        } else {
            &self.url
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            url: String::new(),
            datadir: PathBuf::from("./data"),
            verbosity: Verbosity::default(),
            loggerformat: LoggerFormat::default(),
            strictmode: true,
            http: HttpConfig::default(),
            storage: StorageConfig::default(),
            policy: PolicyConfig::default(),
            crypto: CryptoConfig::default(),
            resolver: ResolverConfig::default(),
            auth: AuthConfig::default(),
            jsonld: JsonLdConfig::default(),
        }
    }
}

/// JSON-LD processing (as nuts-node's `jsonld` section).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JsonLdConfig {
    /// Where contexts come from.
    pub contexts: JsonLdContextsConfig,
}

/// The contexts credentials may use. The contexts nuts-node embeds are always available; these
/// keys add to them. Nothing is fetched while verifying.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JsonLdContextsConfig {
    /// Context URL → local file. nuts-node's paths for its embedded copies
    /// (`assets/contexts/<file>`) name Hazel's built-in copies.
    pub localmapping: BTreeMap<String, String>,
    /// Context URLs fetched once at startup, through the outbound guard, when no local file maps
    /// them; one that cannot be fetched stays unknown (and is refused) until the next start.
    pub remoteallowlist: Vec<String>,
}

impl Default for JsonLdContextsConfig {
    /// nuts-node's defaults, all of which Hazel has built in.
    fn default() -> Self {
        Self {
            localmapping: BTreeMap::new(),
            remoteallowlist: [
                "https://schema.org",
                "https://www.w3.org/2018/credentials/v1",
                "https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json",
                "https://w3id.org/vc/status-list/2021/v1",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}
