//! Shared test scaffolding: per-test databases and key prefixes, nodes on temporary directories,
//! and a tiny HTTP/1.1 client for tests that talk to a real socket.

use std::path::Path;
use std::str::FromStr;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use hazel::config::{Config, RedisConfig, Secret};
use hazel::node::Node;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyPool, ConnectOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const DEFAULT_REDIS: &str = "127.0.0.1:6379";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// A service is missing: fail in CI, say so (not silently) elsewhere.
fn unavailable(service: &str, error: &dyn std::fmt::Display) {
    assert!(
        !in_ci(),
        "{service} is required when CI=true but is not reachable: {error}"
    );
    eprintln!(
        "SKIPPED: {service} not reachable ({error}); this test ran on the embedded backend only"
    );
}

/// A PostgreSQL schema of its own for one test, so tests run in parallel and can be rerun.
pub struct PostgresSchema {
    admin: AnyPool,
    schema: String,
    pub connection: String,
}

impl PostgresSchema {
    pub async fn drop(self) {
        // The schema name is generated below from a UUID, never from input.
        let drop = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&self.admin)
            .await;
        self.admin.close().await;
    }
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

/// Creates a fresh schema and a connection string whose `search_path` points at it.
pub async fn postgres() -> Option<PostgresSchema> {
    sqlx::any::install_default_drivers();
    let base = postgres_url();
    let options = AnyConnectOptions::from_str(&base)
        .unwrap()
        .disable_statement_logging();
    let admin = match sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .connect_with(options)
        .await
    {
        Ok(pool) => pool,
        Err(error) => {
            unavailable("PostgreSQL", &error);
            return None;
        }
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let connection = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    Some(PostgresSchema {
        admin,
        schema,
        connection,
    })
}

pub fn redis_address() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS.to_owned())
}

/// Redis settings with a key prefix of its own, or `None` when Redis is not there (outside CI).
pub async fn redis() -> Option<RedisConfig> {
    let config = RedisConfig {
        address: Secret::new(redis_address()),
        database: format!("test-{}", uuid::Uuid::new_v4().simple()),
        ..RedisConfig::default()
    };
    match hazel::infra::storage::session::RedisSessionStore::connect(&config).await {
        Ok(_) => Some(config),
        Err(error) => {
            unavailable("Redis", &error);
            None
        }
    }
}

/// A configuration for an in-process node on a temporary data directory.
pub fn config_in(datadir: &Path) -> Config {
    Config {
        datadir: datadir.to_path_buf(),
        ..Config::default()
    }
}

/// A node on SQLite and in-memory sessions in a temporary directory.
pub async fn embedded_node() -> (Node, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(config_in(dir.path())).await.unwrap();
    (node, dir)
}

/// A minimal HTTP/1.1 exchange over a real socket: returns the status code and body.
pub async fn http_get(address: std::net::SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// A TCP proxy in front of a service, which a test can cut and restore to simulate an outage.
pub struct Proxy {
    pub address: std::net::SocketAddr,
    target: String,
    stop: tokio_util::sync::CancellationToken,
}

impl Proxy {
    pub async fn start(target: &str) -> Self {
        Self::start_at("127.0.0.1:0".parse().unwrap(), target).await
    }

    async fn start_at(address: std::net::SocketAddr, target: &str) -> Self {
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let token = stop.clone();
        let target_owned = target.to_owned();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = token.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut inbound, _)) = accepted else {
                    continue;
                };
                let target = target_owned.clone();
                let token = token.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        () = token.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                });
            }
        });
        Self {
            address,
            target: target.to_owned(),
            stop,
        }
    }

    /// Drops the listener and every connection through it.
    pub fn cut(&self) {
        self.stop.cancel();
    }

    /// Listens again on the same address.
    pub async fn restore(&self) -> Self {
        Self::start_at(self.address, &self.target).await
    }
}

/// Sends a request with an optional JSON body to a router; returns status, JSON body (or null)
/// and content type.
pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, String) {
    let mut request = Request::builder().method(method).uri(path);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value, content_type)
}

/// Percent-encodes a DID or DID URL for use as one path segment, as clients must.
pub fn encoded(id: &str) -> String {
    id.replace('%', "%25").replace('#', "%23")
}

/// Creates subject `id` through the internal API and returns its did:web.
pub async fn subject(router: &Router, id: &str) -> String {
    let (status, created, _) = call(
        router,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(serde_json::json!({"subject": id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created["documents"][0]["id"].as_str().unwrap().to_owned()
}
