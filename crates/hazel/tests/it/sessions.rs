//! The session store on memory and on Redis: every test body runs on both.

use std::sync::Arc;
use std::time::Duration;

use hazel::config::{RedisConfig, Secret};
use hazel::infra::storage::session::{MemorySessionStore, RedisSessionStore, SessionStore};

use crate::support;

async fn on_each_store(test: impl AsyncFn(Arc<dyn SessionStore>)) {
    test(Arc::new(MemorySessionStore::new())).await;
    if let Some(config) = support::redis().await {
        let store = RedisSessionStore::connect(&config).await.unwrap();
        test(Arc::new(store)).await;
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn put_get_overwrite_and_delete() {
    on_each_store(async |store| {
        assert_eq!(store.get("k").await.unwrap(), None);
        store.put("k", b"one", MINUTE).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"one"[..]));
        store.put("k", b"two", MINUTE).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"two"[..]));
        store.delete("k").await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);
        store.delete("k").await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn put_if_absent_stores_only_once_until_expiry() {
    on_each_store(async |store| {
        let ttl = Duration::from_millis(300);
        assert!(store.put_if_absent("nonce:1", b"a", ttl).await.unwrap());
        assert!(!store.put_if_absent("nonce:1", b"b", ttl).await.unwrap());
        assert_eq!(
            store.get("nonce:1").await.unwrap().as_deref(),
            Some(&b"a"[..])
        );
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(store.get("nonce:1").await.unwrap(), None, "expired");
        assert!(
            store.put_if_absent("nonce:1", b"c", ttl).await.unwrap(),
            "an expired entry no longer blocks"
        );
    })
    .await;
}

#[tokio::test]
async fn put_if_absent_has_exactly_one_winner_under_concurrency() {
    on_each_store(async |store| {
        let attempts = (0..32).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put_if_absent("replay:jti", format!("{i}").as_bytes(), MINUTE)
                    .await
                    .unwrap()
            })
        });
        let results = futures::future::join_all(attempts).await;
        let winners = results
            .into_iter()
            .filter(|won| *won.as_ref().unwrap())
            .count();
        assert_eq!(winners, 1);
    })
    .await;
}

/// Issue 23, finding 10: the single-use values of one request are claimed all or none, so a
/// request refused for a used DPoP `jti` does not use up its presentation nonces.
#[tokio::test]
async fn regression_23_claim_all_stores_all_or_none_atomically() {
    on_each_store(async |store| {
        let ttl = Duration::from_secs(60);
        store.put("taken", b"1", ttl).await.unwrap();
        assert_eq!(
            store
                .claim_all(&[
                    ("a", ttl),
                    ("b", Duration::from_millis(1500)),
                    ("taken", ttl)
                ])
                .await
                .unwrap(),
            Some(2)
        );
        assert_eq!(store.get("a").await.unwrap(), None, "nothing was claimed");
        assert_eq!(
            store
                .claim_all(&[("a", ttl), ("b", Duration::from_millis(1500))])
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.get("a").await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(
            store.claim_all(&[("c", ttl), ("b", ttl)]).await.unwrap(),
            Some(1)
        );
        // Each key keeps its own time to live.
        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert_eq!(store.claim_all(&[("b", ttl)]).await.unwrap(), None);
        assert_eq!(store.claim_all(&[("a", ttl)]).await.unwrap(), Some(0));
        // Of concurrent claims of overlapping values, exactly one wins.
        let racers = (0..8).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let own = format!("own-{i}");
                store
                    .claim_all(&[(own.as_str(), ttl), ("shared", ttl)])
                    .await
                    .unwrap()
            })
        });
        let outcomes: Vec<Option<usize>> = futures::future::join_all(racers)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            outcomes.iter().filter(|o| o.is_none()).count(),
            1,
            "{outcomes:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn take_returns_a_value_once_even_under_concurrency() {
    on_each_store(async |store| {
        store.put("code:1", b"grant", MINUTE).await.unwrap();
        let takers = (0..16).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take("code:1").await.unwrap() })
        });
        let taken: Vec<Vec<u8>> = futures::future::join_all(takers)
            .await
            .into_iter()
            .filter_map(|result| result.unwrap())
            .collect();
        assert_eq!(taken, vec![b"grant".to_vec()]);
        assert_eq!(store.get("code:1").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn expired_values_are_neither_read_nor_taken() {
    on_each_store(async |store| {
        store
            .put("short", b"x", Duration::from_millis(100))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(store.get("short").await.unwrap(), None);
        assert_eq!(store.take("short").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn ping_answers() {
    on_each_store(async |store| {
        store.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn redis_prefixes_keep_deployments_apart() {
    let Some(config) = support::redis().await else {
        return;
    };
    let one = RedisSessionStore::connect(&config).await.unwrap();
    let other = RedisSessionStore::connect(&RedisConfig {
        database: format!("{}-other", config.database),
        ..config.clone()
    })
    .await
    .unwrap();
    one.put("shared-name", b"one", MINUTE).await.unwrap();
    assert_eq!(other.get("shared-name").await.unwrap(), None);
    assert!(
        other
            .put_if_absent("shared-name", b"other", MINUTE)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn unreachable_redis_is_a_clear_error_without_the_password() {
    let config = RedisConfig {
        address: Secret::new("127.0.0.1:1"),
        password: Secret::new("hunter2"),
        ..RedisConfig::default()
    };
    let error = RedisSessionStore::connect(&config).await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("Redis") && text.contains("127.0.0.1:1"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}
