//! Storage: the SQL database (durable state) and the session store (short-lived state with a TTL).

pub mod private;
pub mod session;
pub mod sql;

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The database or Redis server could not be reached or refused the connection.
    #[error("cannot connect to {backend} at {target}: {reason}")]
    Unreachable {
        /// `PostgreSQL`, `SQLite` or `Redis`.
        backend: &'static str,
        /// Where we tried to connect, with any password masked.
        target: String,
        /// The driver's reason.
        reason: String,
    },
    /// A schema migration failed; the node must not run on a half-migrated schema.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A query or command failed.
    #[error("{backend} error: {reason}")]
    Backend {
        /// `SQL` or `Redis`.
        backend: &'static str,
        /// The driver's reason.
        reason: String,
    },
    /// A stored value could not be decoded: the store holds data this version does not understand.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        Self::Backend {
            backend: "SQL",
            reason: error.to_string(),
        }
    }
}

impl From<redis::RedisError> for StorageError {
    fn from(error: redis::RedisError) -> Self {
        Self::Backend {
            backend: "Redis",
            reason: error.to_string(),
        }
    }
}
