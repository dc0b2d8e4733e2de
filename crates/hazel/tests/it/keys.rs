//! The key store on SQLite and PostgreSQL: keys sealed at rest, usable after a restart, useless
//! under another key-encryption key.

use hazel::config::{CryptoConfig, Secret, SqlConfig};
use hazel::infra::storage::sql::Database;
use hazel::services::keys::{Kek, KeyError, KeyStore, SqlKeyStore};
use jose::jws::{Header, Unverified, sign};
use jose::{KeyKind, VerifyingKey};
use sqlx::Row;

use crate::support;

fn kek(byte: u8) -> Kek {
    Kek::load(
        &CryptoConfig {
            kek: Secret::new(jose::base64url::encode([byte; 32])),
            kekfile: None,
        },
        std::path::Path::new("/nonexistent"),
    )
    .unwrap()
    .0
}

async fn on_each_backend(test: impl AsyncFn(Database, SqlConfig, &std::path::Path)) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqlConfig::default();
    let database = Database::open(&sqlite, dir.path()).await.unwrap();
    test(database.clone(), sqlite, dir.path()).await;
    database.close().await;
    if let Some(schema) = support::postgres().await {
        let config = SqlConfig {
            connection: Secret::new(schema.connection.clone()),
            ..SqlConfig::default()
        };
        let database = Database::open(&config, dir.path()).await.unwrap();
        test(database.clone(), config, dir.path()).await;
        database.close().await;
        schema.drop().await;
    }
}

#[tokio::test]
async fn generated_keys_sign_survive_a_restart_and_need_the_same_kek() {
    on_each_backend(async |database, config, datadir| {
        let store = SqlKeyStore::new(database.clone(), kek(1));
        let handle = store.generate(KeyKind::P256).await.unwrap();
        assert!(!handle.public.is_private());

        // A fresh store (a restarted node) decrypts the key from the database.
        let reopened = Database::open(&config, datadir).await.unwrap();
        let restarted = SqlKeyStore::new(reopened.clone(), kek(1));
        let signer = restarted.signer(&handle.id).await.unwrap();
        let compact = sign(
            Header::new(jose::Algorithm::ES256),
            b"hello",
            signer.as_ref(),
        )
        .unwrap();
        let key = VerifyingKey::from_jwk(&handle.public).unwrap();
        Unverified::parse(&compact).unwrap().verify(&key).unwrap();

        let wrong = SqlKeyStore::new(reopened.clone(), kek(2));
        assert!(matches!(
            wrong.signer(&handle.id).await,
            Err(KeyError::Unsealing)
        ));
        reopened.close().await;
    })
    .await;
}

#[tokio::test]
async fn deleted_keys_are_gone_and_unknown_keys_not_found() {
    on_each_backend(async |database, _, _| {
        let store = SqlKeyStore::new(database, kek(3));
        let handle = store.generate(KeyKind::Ed25519).await.unwrap();
        store.delete(&handle.id).await.unwrap();
        assert!(matches!(
            store.signer(&handle.id).await,
            Err(KeyError::NotFound)
        ));
        assert!(matches!(
            store.signer("no-such-key").await,
            Err(KeyError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn sealed_rows_hold_no_plain_key_material() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::open(&SqlConfig::default(), dir.path())
        .await
        .unwrap();
    let store = SqlKeyStore::new(database.clone(), kek(4));
    let handle = store.generate(KeyKind::P256).await.unwrap();
    let signer = store.signer(&handle.id).await.unwrap();
    drop(signer);
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite:{}",
        dir.path().join("sqlite.db").display()
    ))
    .await
    .unwrap();
    let row = sqlx::query("SELECT kind, sealed FROM private_key WHERE id = $1")
        .bind(&handle.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let kind: String = row.try_get("kind").unwrap();
    let sealed: String = row.try_get("sealed").unwrap();
    assert_eq!(kind, "P-256");
    let bytes = jose::base64url::decode(&sealed, "sealed").unwrap();
    // PKCS#8 DER starts with a SEQUENCE (0x30); sealed data is nonce + ciphertext.
    assert!(bytes.len() > 12 + 16);
    assert!(!sealed.contains("MIG"), "no base64 DER in the column");
    pool.close().await;
    database.close().await;
}
