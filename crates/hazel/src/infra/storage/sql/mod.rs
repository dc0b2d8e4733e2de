//! The SQL data-access layer: one pool over SQLite (the default, a file in `datadir`) or
//! PostgreSQL, with versioned migrations per backend applied at start-up.
//!
//! Queries are written once in the SQL both backends understand (`$1` placeholders in order,
//! `ON CONFLICT`, `RETURNING`), and run through sqlx's `Any` driver, so that each store has one
//! implementation and is tested on both databases.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use super::{StorageError, private};
use crate::config::SqlConfig;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The file name of the embedded database inside `datadir`.
pub const SQLITE_FILE: &str = "sqlite.db";

/// Which database the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A pooled connection to the node's database.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects as configured (SQLite in `datadir` when no connection string is set) and applies
    /// pending migrations. Fails with a clear error when the database is unreachable.
    pub async fn open(config: &SqlConfig, datadir: &Path) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        let configured = config.connection.expose();
        let (url, shown) = if configured.is_empty() {
            let file = datadir.join(SQLITE_FILE);
            private::create_dir(datadir)
                .and_then(|()| private::create_file(&file))
                .map_err(|e| StorageError::Unreachable {
                    backend: "SQLite",
                    target: datadir.display().to_string(),
                    reason: format!("cannot create the data directory or database: {e}"),
                })?;
            for path in [datadir, file.as_path()] {
                if let Some(warning) = private::loosened(path) {
                    tracing::warn!("{warning}");
                }
            }
            (
                format!("sqlite:{}?mode=rwc", file.display()),
                file.display().to_string(),
            )
        } else {
            (configured.to_owned(), config.connection.masked())
        };
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let unreachable = |reason: String| StorageError::Unreachable {
            backend: backend.name(),
            target: shown.clone(),
            reason,
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| unreachable(e.to_string()))?
            // Statement logging would put credential ids and other payload into the logs.
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(config.maxconnections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed while one writer commits; the busy timeout
                        // makes concurrent writers wait instead of failing at once. With WAL,
                        // `synchronous = NORMAL` syncs at checkpoints instead of at every commit:
                        // the database stays consistent on power loss, and the token endpoint's
                        // audit insert no longer waits for the disk.
                        connection
                            .execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let database = Self { pool, backend };
        database.migrate().await?;
        Ok(database)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// The number of migrations applied, newest version first known to this build.
    pub async fn schema_version(&self) -> Result<i64, StorageError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// Checks that the database answers (used by `/health`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for the stores built on it.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection, waiting for checked-out ones to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
