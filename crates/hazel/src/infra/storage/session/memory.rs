//! In-memory session store for a single node (the default).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{SessionStore, effective_ttl};
use crate::infra::storage::StorageError;

/// Expired entries are swept after this many writes, so memory stays bounded by live entries
/// without a background task.
const SWEEP_EVERY: u64 = 1024;

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    writes: u64,
}

impl State {
    fn live(&self, key: &str, now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|entry| entry.expires_at > now)
    }

    fn insert(&mut self, key: &str, value: &[u8], ttl: Duration, now: Instant) {
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(SWEEP_EVERY) {
            self.entries.retain(|_, entry| entry.expires_at > now);
        }
        self.entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires_at: now + effective_ttl(ttl),
            },
        );
    }
}

/// Session store in this process's memory; lost on restart, not shared between nodes.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    state: Mutex<State>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave an entry half-written (every mutation is a
        // single HashMap call), so the state is still consistent and safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StorageError> {
        self.lock().insert(key, value, ttl, Instant::now());
        Ok(())
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StorageError> {
        let now = Instant::now();
        let mut state = self.lock();
        if state.live(key, now).is_some() {
            return Ok(false);
        }
        state.insert(key, value, ttl, now);
        Ok(true)
    }

    async fn claim_all(&self, claims: &[(&str, Duration)]) -> Result<Option<usize>, StorageError> {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some(taken) = claims
            .iter()
            .position(|(key, _)| state.live(key, now).is_some())
        {
            return Ok(Some(taken));
        }
        for (key, ttl) in claims {
            state.insert(key, b"1", *ttl, now);
        }
        Ok(None)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self
            .lock()
            .live(key, Instant::now())
            .map(|entry| entry.value.clone()))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let now = Instant::now();
        Ok(self
            .lock()
            .entries
            .remove(key)
            .filter(|entry| entry.expires_at > now)
            .map(|entry| entry.value))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.lock().entries.remove(key);
        Ok(())
    }

    async fn ping(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
