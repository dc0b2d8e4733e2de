//! The one in-memory cache of the node: a map bounded in entries, whose entries expire, and which
//! counts what happens to it so that every cache shows up in the node's metrics.
//!
//! Every cache in Hazel (DID documents, remote metadata, policy backend answers, status lists,
//! processed JSON-LD contexts and canonical forms, client bindings, own subjects) is one of these,
//! so that no cache can be grown without limit by made-up keys, and all are observed the same way.
//!
//! When the map is full, expired entries go first; if none has expired, the eighth of the entries
//! closest to expiry is dropped at once, so that a flood of new keys costs one sort per
//! `capacity / 8` insertions instead of a scan per insertion.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What happened to a cache since it was made; read by the node's metrics.
#[derive(Debug, Default)]
pub struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    insertions: AtomicU64,
    evictions: AtomicU64,
    entries: AtomicU64,
}

/// A reading of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing, or an expired entry.
    pub misses: u64,
    /// Entries stored.
    pub insertions: u64,
    /// Entries dropped to make room (not counting expired ones).
    pub evictions: u64,
    /// Entries held now, expired ones not yet dropped included.
    pub entries: u64,
}

impl Stats {
    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            insertions: self.insertions.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            entries: self.entries.load(Ordering::Relaxed),
        }
    }
}

/// A bounded map whose entries expire.
#[derive(Debug)]
pub struct Cache<K, V> {
    name: &'static str,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    stats: Arc<Stats>,
}

/// How long an entry without an expiry of its own lives: long enough to mean "until evicted".
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// An empty cache called `name` (its label in the metrics) holding at most `capacity` entries.
    pub fn new(name: &'static str, capacity: usize) -> Self {
        Self {
            name,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
            stats: Arc::default(),
        }
    }

    /// The name the metrics know this cache by.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Its counters, to be read by a metrics collector.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock cannot leave the map half-updated in a way that matters
        // to a cache: at worst an entry is missing.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = Instant::now();
        let found = self
            .lock()
            .get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, value)| value.clone());
        let counter = if found.is_some() {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `value` under `key` for `ttl`; a zero `ttl` keeps nothing.
    pub fn insert(&self, key: K, value: V, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let expires = now.checked_add(ttl).unwrap_or(now + FOREVER);
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            self.make_room(&mut entries, now);
        }
        entries.insert(key, (expires, value));
        self.stats.insertions.fetch_add(1, Ordering::Relaxed);
        self.stats
            .entries
            .store(entries.len() as u64, Ordering::Relaxed);
    }

    /// Drops every entry (for caches whose inputs changed as a whole).
    pub fn clear(&self) {
        self.lock().clear();
        self.stats.entries.store(0, Ordering::Relaxed);
    }

    /// Drops the entry under `key`.
    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.lock();
        entries.remove(key);
        self.stats
            .entries
            .store(entries.len() as u64, Ordering::Relaxed);
    }

    /// The entries held now, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, entries: &mut HashMap<K, (Instant, V)>, now: Instant) {
        entries.retain(|_, (expires, _)| *expires > now);
        if entries.len() < self.capacity {
            return;
        }
        let batch = (self.capacity / 8).max(1);
        let mut by_expiry: Vec<(Instant, K)> = entries
            .iter()
            .map(|(key, (expires, _))| (*expires, key.clone()))
            .collect();
        by_expiry.select_nth_unstable_by_key(batch - 1, |(expires, _)| *expires);
        for (_, key) in by_expiry.into_iter().take(batch) {
            entries.remove(&key);
        }
        self.stats
            .evictions
            .fetch_add(batch as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
