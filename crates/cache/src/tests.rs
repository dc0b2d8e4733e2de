use super::*;

#[test]
fn a_live_entry_is_found_and_counted_as_a_hit() {
    let cache = Cache::new("t", 4);
    cache.insert("a".to_owned(), 1, Duration::from_secs(60));
    assert_eq!(cache.get("a"), Some(1));
    assert_eq!(cache.get("b"), None);
    let stats = cache.stats().snapshot();
    assert_eq!((stats.hits, stats.misses, stats.insertions), (1, 1, 1));
    assert_eq!(stats.entries, 1);
}

#[test]
fn a_zero_ttl_keeps_nothing() {
    let cache = Cache::new("t", 4);
    cache.insert("gone", 0, Duration::ZERO);
    assert_eq!(cache.get("gone"), None);
    assert!(cache.is_empty());
}

#[test]
#[allow(clippy::disallowed_methods)] // a plain test thread, not an async worker
fn an_entry_is_gone_after_its_ttl() {
    let cache = Cache::new("t", 10);
    cache.insert("d", 4, Duration::from_millis(1));
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(cache.get("d"), None);
}

#[test]
fn a_full_cache_drops_the_entries_closest_to_expiry() {
    let cache = Cache::new("t", 2);
    cache.insert("a".to_owned(), 1, Duration::from_secs(60));
    cache.insert("b".to_owned(), 2, Duration::from_secs(120));
    cache.insert("c".to_owned(), 3, Duration::from_secs(180));
    assert_eq!(cache.get("a"), None);
    assert_eq!((cache.get("b"), cache.get("c")), (Some(2), Some(3)));
    assert_eq!(cache.stats().snapshot().evictions, 1);
}

#[test]
fn made_up_keys_never_grow_it_past_its_capacity() {
    let cache = Cache::new("t", 64);
    for i in 0..10_000 {
        cache.insert(i, i, Duration::from_secs(60 + i));
        assert!(cache.len() <= 64);
    }
    // The newest keys, which expire last, are kept.
    assert_eq!(cache.get(&9_999), Some(9_999));
    let stats = cache.stats().snapshot();
    assert_eq!(stats.insertions, 10_000);
    assert!(stats.evictions >= 10_000 - 64, "{stats:?}");
}

#[test]
fn replacing_a_key_of_a_full_cache_evicts_nothing() {
    let cache = Cache::new("t", 2);
    cache.insert("a", 1, Duration::from_secs(60));
    cache.insert("b", 2, Duration::from_secs(60));
    cache.insert("a", 3, Duration::from_secs(60));
    assert_eq!((cache.get("a"), cache.get("b")), (Some(3), Some(2)));
    assert_eq!(cache.stats().snapshot().evictions, 0);
}

#[test]
fn clear_and_remove_drop_entries() {
    let cache = Cache::new("t", 4);
    cache.insert("a", 1, FOREVER);
    cache.insert("b", 2, FOREVER);
    cache.remove(&"a");
    assert_eq!((cache.get("a"), cache.get("b")), (None, Some(2)));
    cache.clear();
    assert_eq!(cache.get("b"), None);
    assert_eq!(cache.stats().snapshot().entries, 0);
}

#[test]
fn a_byte_budget_bounds_what_large_entries_hold() {
    let cache = Cache::with_budget("t", 1000, 100);
    for i in 0..50 {
        cache.insert_sized(i, i, Duration::from_secs(60 + i), 30);
        assert!(cache.bytes() <= 100, "{} bytes", cache.bytes());
    }
    assert!(cache.len() <= 3);
    assert_eq!(cache.get(&49), Some(49), "the newest stays");
    assert_eq!(cache.stats().snapshot().bytes, cache.bytes() as u64);
    // One entry larger than the whole budget is not kept at all.
    cache.insert_sized(999, 999, Duration::from_secs(60), 101);
    assert_eq!(cache.get(&999), None);
}

#[test]
fn replacing_an_entry_counts_its_bytes_once() {
    let cache = Cache::with_budget("t", 10, 100);
    cache.insert_sized("a", 1, Duration::from_secs(60), 60);
    cache.insert_sized("a", 2, Duration::from_secs(60), 60);
    assert_eq!((cache.bytes(), cache.get("a")), (60, Some(2)));
    cache.remove(&"a");
    assert_eq!(cache.bytes(), 0);
}
