//! The one in-memory cache with expiry the node uses (resolved DID documents, own documents and
//! subjects, client bindings, remote metadata): bounded, so that made-up keys cannot grow memory;
//! when full, expired entries go first, then the one closest to expiry.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bounded map whose entries expire.
#[derive(Debug)]
pub struct ExpiringMap<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> ExpiringMap<K, V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The live value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` under `key` for `ttl`; a zero `ttl` keeps nothing.
    pub fn put(&self, key: K, value: V, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= self.capacity
                && let Some(soonest) = entries
                    .iter()
                    .min_by_key(|(_, (expires, _))| *expires)
                    .map(|(key, _)| key.clone())
            {
                entries.remove(&soonest);
            }
        }
        entries.insert(key, (now + ttl, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let map = ExpiringMap::new(2);
        map.put("a".to_owned(), 1, Duration::from_secs(60));
        map.put("b".to_owned(), 2, Duration::from_secs(120));
        map.put("gone".to_owned(), 0, Duration::ZERO);
        assert_eq!(map.get("a"), Some(1));
        assert_eq!(map.get("gone"), None);
        // Full: the entry closest to expiry ("a") makes room.
        map.put("c".to_owned(), 3, Duration::from_secs(180));
        assert_eq!(map.get("a"), None);
        assert_eq!((map.get("b"), map.get("c")), (Some(2), Some(3)));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a plain test thread, not an async worker
    fn an_entry_is_gone_after_its_ttl() {
        let map = ExpiringMap::new(10);
        map.put("d", 4, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(map.get("d"), None);
    }
}
