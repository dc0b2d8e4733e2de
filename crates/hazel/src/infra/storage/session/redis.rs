//! Redis session store, shared by every node of a deployment. Expiry is Redis's own (`PX`), and
//! the atomic operations map onto single commands: `SET NX PX` and `GETDEL`.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{SessionStore, effective_ttl};
use crate::config::{RedisConfig, Secret};
use crate::infra::storage::StorageError;

/// How long one command may take before the caller gets an error (and `/health` says DOWN).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// Session store in Redis.
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// Connects as configured; fails when Redis cannot be reached now (later outages are
    /// reconnected in the background).
    pub async fn connect(config: &RedisConfig) -> Result<Self, StorageError> {
        let url = connection_url(config).map_err(|reason| StorageError::Unreachable {
            backend: "Redis",
            target: config.address.masked(),
            reason,
        })?;
        let shown = Secret::new(url.as_str()).masked();
        let unreachable = |reason: String| StorageError::Unreachable {
            backend: "Redis",
            target: shown.clone(),
            reason,
        };
        let client = match &config.tls.truststorefile {
            Some(path) => {
                let root_cert = std::fs::read(path)
                    .map_err(|e| unreachable(format!("cannot read {}: {e}", path.display())))?;
                redis::Client::build_with_tls(
                    url.as_str(),
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(root_cert),
                    },
                )
            }
            None => redis::Client::open(url.as_str()),
        }
        .map_err(|e| unreachable(e.to_string()))?;
        // Few, quick retries: a start against a missing Redis should fail in seconds, and after
        // an outage each request retries the connection anyway.
        let manager_config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, manager_config)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let prefix = if config.database.is_empty() {
            String::new()
        } else {
            format!("{}:", config.database)
        };
        let store = Self { connection, prefix };
        store.ping().await.map_err(|e| unreachable(e.to_string()))?;
        Ok(store)
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// Builds `redis[s]://[user[:password]@]host:port` from the configured address and credentials.
fn connection_url(config: &RedisConfig) -> Result<url::Url, String> {
    let address = config.address.expose();
    let with_scheme = if address.contains("://") {
        address.to_owned()
    } else {
        format!("redis://{address}")
    };
    let mut url = url::Url::parse(&with_scheme)
        .map_err(|e| format!("storage.session.redis.address is not host:port or a URL: {e}"))?;
    if config.tls.truststorefile.is_some() && url.scheme() == "redis" {
        // The trust store only makes sense over TLS, so it turns TLS on.
        url.set_scheme("rediss")
            .map_err(|()| "cannot switch the Redis address to rediss://".to_owned())?;
    }
    if !config.username.is_empty() {
        url.set_username(&config.username)
            .map_err(|()| "cannot put the Redis username in the address".to_owned())?;
    }
    if !config.password.is_empty() {
        url.set_password(Some(config.password.expose()))
            .map_err(|()| "cannot put the Redis password in the address".to_owned())?;
    }
    Ok(url)
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StorageError> {
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StorageError> {
        let stored: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(stored.is_some())
    }

    async fn claim_all(&self, claims: &[(&str, Duration)]) -> Result<Option<usize>, StorageError> {
        // One script, so Redis runs the check and the sets without another command between.
        const CLAIM_ALL: &str = "for i, key in ipairs(KEYS) do \
                if redis.call('EXISTS', key) == 1 then return i end \
            end \
            for i, key in ipairs(KEYS) do \
                redis.call('SET', key, '1', 'PX', ARGV[i]) \
            end \
            return 0";
        let mut command = redis::cmd("EVAL");
        command.arg(CLAIM_ALL).arg(claims.len());
        for (key, _) in claims {
            command.arg(self.key(key));
        }
        for (_, ttl) in claims {
            command.arg(millis(*ttl));
        }
        let taken: usize = command.query_async(&mut self.connection.clone()).await?;
        Ok(taken.checked_sub(1))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut self.connection.clone())
            .await?)
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(redis::cmd("GETDEL")
            .arg(self.key(key))
            .query_async(&mut self.connection.clone())
            .await?)
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        redis::cmd("DEL")
            .arg(self.key(key))
            .query_async::<()>(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StorageError> {
        redis::cmd("PING")
            .query_async::<()>(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
