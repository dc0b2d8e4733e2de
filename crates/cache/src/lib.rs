//! The one in-memory cache of the node: a map bounded in entries, whose entries expire, and which
//! counts what happens to it so that every cache shows up in the node's metrics.
//!
//! Every cache in Hazel (DID documents, remote metadata, policy backend answers, status lists,
//! processed JSON-LD contexts and canonical forms, client bindings, own subjects) is one of these,
//! so that no cache can be grown without limit by made-up keys, and all are observed the same way.
//!
//! A cache holds at most `capacity` entries and, when made [`Cache::with_budget`], at most that
//! many bytes as its entries declare them ([`Cache::insert_sized`]): an entry count alone does not
//! bound memory when an entry can be large (a DID document, a status list).
//!
//! When the map is full, expired entries go first; if none has expired, the eighth of the entries
//! closest to expiry is dropped at once (and more, until the bytes fit), so that a flood of new
//! keys costs one partial sort per `capacity / 8` insertions instead of a scan per insertion.
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
    bytes: AtomicU64,
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
    /// Bytes the entries held now declared.
    pub bytes: u64,
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
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// An entry: when it expires, its value, and the bytes it declared.
#[derive(Debug)]
struct Entry<V> {
    expires: Instant,
    value: V,
    size: usize,
}

/// The entries and the bytes they declared.
#[derive(Debug)]
struct Entries<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
}

impl<K: Eq + Hash, V> Entries<K, V> {
    fn remove(&mut self, key: &K) -> bool {
        match self.map.remove(key) {
            Some(entry) => {
                self.bytes -= entry.size;
                true
            }
            None => false,
        }
    }
}

/// A bounded map whose entries expire.
#[derive(Debug)]
pub struct Cache<K, V> {
    name: &'static str,
    capacity: usize,
    max_bytes: usize,
    entries: Mutex<Entries<K, V>>,
    stats: Arc<Stats>,
}

/// How long an entry without an expiry of its own lives: long enough to mean "until evicted".
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// An empty cache called `name` (its label in the metrics) holding at most `capacity` entries.
    pub fn new(name: &'static str, capacity: usize) -> Self {
        Self::with_budget(name, capacity, usize::MAX)
    }

    /// An empty cache holding at most `capacity` entries and `max_bytes` declared bytes.
    pub fn with_budget(name: &'static str, capacity: usize, max_bytes: usize) -> Self {
        Self {
            name,
            capacity: capacity.max(1),
            max_bytes,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
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

    fn lock(&self) -> MutexGuard<'_, Entries<K, V>> {
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
            .map
            .get(key)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.value.clone());
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
        self.insert_sized(key, value, ttl, 0);
    }

    /// Keeps `value`, which takes about `size` bytes, under `key` for `ttl`; a zero `ttl`, or a
    /// value larger than the whole byte budget, keeps nothing.
    pub fn insert_sized(&self, key: K, value: V, ttl: Duration, size: usize) {
        if ttl.is_zero() || size > self.max_bytes {
            return;
        }
        let now = Instant::now();
        let expires = now.checked_add(ttl).unwrap_or(now + FOREVER);
        let mut entries = self.lock();
        entries.remove(&key);
        if entries.map.len() >= self.capacity || entries.bytes + size > self.max_bytes {
            self.make_room(&mut entries, now, size);
        }
        entries.bytes += size;
        entries.map.insert(
            key,
            Entry {
                expires,
                value,
                size,
            },
        );
        self.stats.insertions.fetch_add(1, Ordering::Relaxed);
        self.record_size(&entries);
    }

    /// Drops every entry (for caches whose inputs changed as a whole).
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.map.clear();
        entries.bytes = 0;
        self.record_size(&entries);
    }

    /// Drops the entry under `key`.
    pub fn remove(&self, key: &K) {
        let mut entries = self.lock();
        entries.remove(key);
        self.record_size(&entries);
    }

    /// The entries held now, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the entries held now declared.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn record_size(&self, entries: &Entries<K, V>) {
        self.stats
            .entries
            .store(entries.map.len() as u64, Ordering::Relaxed);
        self.stats
            .bytes
            .store(entries.bytes as u64, Ordering::Relaxed);
    }

    /// Makes room for one more entry of `size` bytes: expired entries first, then those closest
    /// to expiry, an eighth of the capacity at a time.
    fn make_room(&self, entries: &mut Entries<K, V>, now: Instant, size: usize) {
        let expired: Vec<K> = entries
            .map
            .iter()
            .filter(|(_, entry)| entry.expires <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &expired {
            entries.remove(key);
        }
        let fits = |entries: &Entries<K, V>| {
            entries.map.len() < self.capacity && entries.bytes + size <= self.max_bytes
        };
        if fits(entries) {
            return;
        }
        let mut by_expiry: Vec<(Instant, K)> = entries
            .map
            .iter()
            .map(|(key, entry)| (entry.expires, key.clone()))
            .collect();
        by_expiry.sort_unstable_by_key(|(expires, _)| *expires);
        let batch = (self.capacity / 8).max(1);
        let mut evicted = 0;
        for (_, key) in by_expiry {
            if evicted >= batch && fits(entries) {
                break;
            }
            entries.remove(&key);
            evicted += 1;
        }
        self.stats
            .evictions
            .fetch_add(evicted as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
