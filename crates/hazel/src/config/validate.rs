//! Checks that span keys: contradictions, and values whose type is right but whose content is not.
//! Every problem is reported at once, each naming its key and the fix.

use std::time::Duration;

use super::error::{ConfigError, Problem};
use super::{Config, InternalAuthType};

/// Returns warnings for things allowed but unwise, or every problem found.
pub fn validate(config: &Config) -> Result<Vec<String>, ConfigError> {
    let mut checks = Checks {
        config,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    checks.url();
    checks.listeners();
    checks.internal_auth();
    checks.storage();
    checks.crypto();
    checks.auth();
    checks.policy();
    if checks.problems.is_empty() {
        Ok(checks.warnings)
    } else {
        Err(ConfigError {
            problems: checks.problems,
        })
    }
}

/// The problems and warnings found so far.
struct Checks<'c> {
    config: &'c Config,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl Checks<'_> {
    fn problem(&mut self, key: &str, message: String) {
        self.problems.push(Problem {
            key: key.to_owned(),
            message,
        });
    }

    /// `url` and `strictmode`.
    fn url(&mut self) {
        let config = self.config;
        if config.url.is_empty() {
            self.warnings.push(format!(
                "`url` is not set: using {}, which is for development only; set `url` to the public \
                 HTTPS address of this node",
                super::DEVELOPMENT_URL
            ));
        } else {
            match url::Url::parse(&config.url) {
                Ok(url) if !matches!(url.scheme(), "http" | "https") || url.host().is_none() => {
                    self.problem(
                        "url",
                        format!(
                            "`{}` must be an absolute http(s) URL with a host",
                            config.url
                        ),
                    )
                }
                Ok(url) if url.query().is_some() || url.fragment().is_some() => self.problem(
                    "url",
                    "must not have a query or fragment: identifiers are derived from it".to_owned(),
                ),
                Ok(url) if config.strictmode && url.scheme() != "https" => self.problem(
                    "url, strictmode",
                    format!(
                        "`{}` is not HTTPS, which strict mode requires; use an https:// URL or set \
                         strictmode: false (tests only)",
                        config.url
                    ),
                ),
                Ok(_) => {}
                Err(e) => self.problem("url", format!("`{}` is not a URL: {e}", config.url)),
            }
        }
        if !config.strictmode {
            self.warnings.push(
                "strictmode is off: plain HTTP and private addresses are allowed for outbound \
                 fetches; never run like this in production"
                    .to_owned(),
            );
        }
    }

    /// `http.*`: the listeners and the limits of each request.
    fn listeners(&mut self) {
        let config = self.config;
        // Port 0 asks the system for a free port, so two such listeners never collide.
        if config.http.public.address == config.http.internal.address
            && config.http.public.address.port() != 0
        {
            self.problem(
                "http.public.address, http.internal.address",
                "the public and internal listeners must not share an address; give each its own port"
                    .to_owned(),
            );
        }
        if config.http.bodylimit < 1024 {
            self.problem(
                "http.bodylimit",
                "must be at least 1024 bytes; presentations alone are larger".to_owned(),
            );
        }
        if !(1..=1000).contains(&config.http.public.outboundbudget) {
            self.problem(
                "http.public.outboundbudget",
                "must be between 1 and 1000 fetches per request".to_owned(),
            );
        }
        if config.http.timeout < Duration::from_secs(1) {
            self.problem("http.timeout", "must be at least 1s".to_owned());
        }
    }

    /// `http.internal.auth.*`.
    fn internal_auth(&mut self) {
        let config = self.config;
        let internal = &config.http.internal;
        if internal.auth.kind == InternalAuthType::None && !internal.address.ip().is_loopback() {
            if internal.allowunauthenticated {
                self.warnings.push(format!(
                    "the internal API listens on {} without authentication \
                     (http.internal.allowunauthenticated): whoever reaches that address can issue \
                     credentials and sign with every subject's keys",
                    internal.address
                ));
            } else {
                self.problem(
                    "http.internal.address, http.internal.auth.type",
                    format!(
                        "the internal API would listen on {} without authentication, and it \
                         issues credentials, signs with every subject's keys and obtains tokens for \
                         them; listen on loopback, set http.internal.auth.type: token, or set \
                         http.internal.allowunauthenticated: true if a network boundary protects it",
                        internal.address
                    ),
                );
            }
        }
        let auth = &config.http.internal.auth;
        match (auth.kind, &auth.tokenfile) {
            (InternalAuthType::Token, None) => self.problem(
                "http.internal.auth.tokenfile",
                "is required when http.internal.auth.type is `token`; point it at a file holding the \
                 bearer token"
                    .to_owned(),
            ),
            (InternalAuthType::Token, Some(path)) => match std::fs::read_to_string(path) {
                Ok(token) if token.trim().len() < 16 => self.problem(
                    "http.internal.auth.tokenfile",
                    format!(
                        "{} holds a token shorter than 16 characters; use a long random token",
                        path.display()
                    ),
                ),
                Ok(_) => {}
                Err(e) => self.problem(
                    "http.internal.auth.tokenfile",
                    format!("cannot read {}: {e}", path.display()),
                ),
            },
            (InternalAuthType::None, Some(_)) => self.problem(
                "http.internal.auth.tokenfile, http.internal.auth.type",
                "a token file is set but http.internal.auth.type is `none`; set the type to `token` or \
                 remove the file"
                    .to_owned(),
            ),
            (InternalAuthType::None, None) => {}
        }
    }

    /// `storage.*`.
    fn storage(&mut self) {
        let config = self.config;
        let connection = config.storage.sql.connection.expose();
        if !connection.is_empty()
            && !["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|scheme| connection.starts_with(scheme))
        {
            self.problem(
                "storage.sql.connection",
                "must start with postgres://, postgresql:// or sqlite: (leave it empty for SQLite in \
                 datadir)"
                    .to_owned(),
            );
        }
        if config.storage.sql.maxconnections == 0 {
            self.problem(
                "storage.sql.maxconnections",
                "must be at least 1".to_owned(),
            );
        }

        let redis = &config.storage.session.redis;
        if redis.address.is_empty() {
            let unused = [
                ("storage.session.redis.username", !redis.username.is_empty()),
                ("storage.session.redis.password", !redis.password.is_empty()),
                ("storage.session.redis.database", !redis.database.is_empty()),
                (
                    "storage.session.redis.tls.truststorefile",
                    redis.tls.truststorefile.is_some(),
                ),
            ];
            for (key, set) in unused {
                if set {
                    self.problem(
                        key,
                        "is set but storage.session.redis.address is empty; set the address or \
                         remove this key"
                            .to_owned(),
                    );
                }
            }
        }
        if let Some(path) = &redis.tls.truststorefile
            && !path.is_file()
        {
            self.problem(
                "storage.session.redis.tls.truststorefile",
                format!("{} does not exist", path.display()),
            );
        }
    }

    /// `crypto.*`.
    fn crypto(&mut self) {
        let config = self.config;
        let crypto = &config.crypto;
        if !crypto.kek.is_empty() && crypto.kekfile.is_some() {
            self.problem(
                "crypto.kek, crypto.kekfile",
                "both are set; give the key-encryption key one way: as a value or as a file"
                    .to_owned(),
            );
        }
        if !crypto.kek.is_empty() && super::decode_kek(crypto.kek.expose()).is_none() {
            self.problem(
                "crypto.kek",
                "must be 32 random bytes in base64url (e.g. `openssl rand 32 | basenc --base64url`)"
                    .to_owned(),
            );
        }
    }

    /// `auth.*`, `resolver.*` and `http.client.*`.
    fn auth(&mut self) {
        let config = self.config;
        if config.auth.clockskew > Duration::from_secs(300) {
            self.problem(
                "auth.clockskew",
                "more than 5m of clock skew would let expired presentations through; fix the clocks"
                    .to_owned(),
            );
        }
        let auth = &config.auth;
        if auth.accesstokenlifetime < Duration::from_secs(1)
            || auth.accesstokenlifetime > Duration::from_secs(24 * 3600)
        {
            self.problem(
                "auth.accesstokenlifetime",
                "must be between 1s and 24h".to_owned(),
            );
        }
        if auth.presentationmaxvalidity < Duration::from_secs(1)
            || auth.presentationmaxvalidity > Duration::from_secs(3600)
        {
            self.problem(
                "auth.presentationmaxvalidity",
                "must be between 1s and 1h; a long-lived presentation is a replayable credential"
                    .to_owned(),
            );
        }
        if auth.dpop.maxage < Duration::from_secs(1) || auth.dpop.maxage > Duration::from_secs(3600)
        {
            self.problem("auth.dpop.maxage", "must be between 1s and 1h".to_owned());
        }
        let resolver = &config.resolver;
        if resolver.cachettl > resolver.maxcachettl {
            self.problem(
                "resolver.cachettl, resolver.maxcachettl",
                "the default cache time exceeds its upper bound".to_owned(),
            );
        }
        if config.http.client.maxbodysize < 1024 {
            self.problem(
                "http.client.maxbodysize",
                "must be at least 1024 bytes".to_owned(),
            );
        }
    }

    /// `policy.*`.
    fn policy(&mut self) {
        let config = self.config;
        let policy = &config.policy;
        if policy.directory.is_some() && policy.address.is_some() {
            self.problem(
                "policy.directory, policy.address",
                "both are set, but scopes come from one place: keep policy.directory (files) or \
                 policy.address (a policy backend) and remove the other"
                    .to_owned(),
            );
        }
        if let Some(directory) = &policy.directory
            && !directory.is_dir()
        {
            self.problem(
                "policy.directory",
                format!("{} is not a directory", directory.display()),
            );
        }
        if let Some(directory) = &policy.authorization.directory
            && !directory.is_dir()
        {
            self.problem(
                "policy.authorization.directory",
                format!("{} is not a directory", directory.display()),
            );
        }
        if let Some(endpoint) = &policy.authzen.endpoint {
            match url::Url::parse(endpoint) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => self.problem(
                    "policy.authzen.endpoint",
                    format!("`{endpoint}` must be an absolute http(s) URL"),
                ),
            }
            if policy.authorization.directory.is_some() {
                self.problem(
                    "policy.authorization.directory, policy.authzen.endpoint",
                    "both are set; dynamic scopes are decided by one policy decision point"
                        .to_owned(),
                );
            }
        }
        if let Some(address) = &policy.address {
            match url::Url::parse(address) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => self.problem(
                    "policy.address",
                    format!("`{address}` must be an absolute http(s) URL"),
                ),
            }
        }
    }
}
