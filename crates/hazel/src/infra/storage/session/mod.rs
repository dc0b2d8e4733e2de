//! The session store: short-lived state with a time to live (nonces, authorization codes, DPoP
//! `jti`s, replay guards, flow sessions, access tokens). In memory by default; in Redis when
//! configured, so that several nodes behind a load balancer share it and act as one.
//!
//! Replay protection rests on [`SessionStore::put_if_absent`] being atomic: of two concurrent
//! requests carrying the same nonce, exactly one may win. There is deliberately no separate
//! "exists" call, because check-then-set is the race that lets a replay through.

mod memory;
mod redis;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

pub use self::memory::MemorySessionStore;
pub use self::redis::RedisSessionStore;
use super::StorageError;

/// Key/value storage with expiry. Keys are namespaced by the caller (`"dpop-jti:<jti>"`).
#[async_trait]
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// Stores `value` under `key` for `ttl`, replacing any earlier value.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StorageError>;

    /// Stores `value` under `key` for `ttl` only if no live value is there, atomically.
    /// Returns `true` when this call stored it, `false` when the key was already taken.
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StorageError>;

    /// Claims every key of `claims` for its TTL, all or none, atomically: `Ok(None)` when all
    /// were free and are now taken, `Ok(Some(i))` when the key at `i` (the first such) was taken
    /// already, and nothing was stored. This is how one request's single-use values (its
    /// presentation nonces and its DPoP `jti`) are used up together, so that a replay of one of
    /// them burns none of the others.
    async fn claim_all(&self, claims: &[(&str, Duration)]) -> Result<Option<usize>, StorageError>;

    /// The live value under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Removes and returns the live value under `key`, atomically: of two concurrent calls at
    /// most one gets the value (single-use codes).
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Removes `key`; removing an absent key is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// Checks that the store answers (used by `/health`).
    async fn ping(&self) -> Result<(), StorageError>;

    /// `memory` or `redis`, for health output and logs.
    fn kind(&self) -> &'static str;
}

/// A key in namespace `prefix` for a client-chosen or secret value: its SHA-256, so that keys
/// have a bounded length and a dump of the store reveals no token, nonce or request.
pub fn hashed_key(prefix: &str, value: &[u8]) -> String {
    format!("{prefix}:{}", jose::base64url::encode(jose::sha256(value)))
}

/// The shortest TTL a store accepts; shorter requests are rounded up to it, because an entry that
/// expires before it is written would silently disable a replay guard.
pub const MIN_TTL: Duration = Duration::from_millis(1);

/// The longest TTL a store accepts: nothing in a session store needs to live longer, and a cap
/// keeps a client-influenced TTL from overflowing a clock or being refused by Redis.
pub const MAX_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

fn effective_ttl(ttl: Duration) -> Duration {
    ttl.clamp(MIN_TTL, MAX_TTL)
}
