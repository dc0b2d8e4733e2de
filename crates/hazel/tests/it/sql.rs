//! The SQL data-access layer, on SQLite and on PostgreSQL: every test body runs on both.

use hazel::config::{Secret, SqlConfig};
use hazel::infra::storage::StorageError;
use hazel::infra::storage::sql::{Backend, Database};
use hazel::services::audit::{AuditEvent, AuditLog, Outcome};

use crate::support;

/// Runs `test` on a fresh SQLite database and, when available, a fresh PostgreSQL schema.
async fn on_each_backend(test: impl AsyncFn(Database, SqlConfig, &std::path::Path)) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqlConfig::default();
    let database = Database::open(&sqlite, dir.path()).await.unwrap();
    assert_eq!(database.backend(), Backend::Sqlite);
    test(database.clone(), sqlite, dir.path()).await;
    database.close().await;

    if let Some(schema) = support::postgres().await {
        let postgres = SqlConfig {
            connection: Secret::new(schema.connection.clone()),
            ..SqlConfig::default()
        };
        let database = Database::open(&postgres, dir.path()).await.unwrap();
        assert_eq!(database.backend(), Backend::Postgres);
        test(database.clone(), postgres, dir.path()).await;
        database.close().await;
        schema.drop().await;
    }
}

fn event(subject: &str, at: i64, action: &str, outcome: Outcome) -> AuditEvent {
    AuditEvent {
        occurred_at: at,
        action: action.to_owned(),
        outcome,
        actor: "https://client.example/oauth2/a".to_owned(),
        subject: subject.to_owned(),
        detail: serde_json::json!({"scope": "eOverdracht-sender", "credentials": ["urn:uuid:1"]}),
    }
}

#[tokio::test]
async fn migrations_apply_at_open_and_reopening_is_idempotent() {
    on_each_backend(async |database, config, datadir| {
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
                .unwrap()
                .count() as i64;
        assert_eq!(database.schema_version().await.unwrap(), migrations);
        let again = Database::open(&config, datadir).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), migrations);
        again.close().await;
    })
    .await;
}

#[tokio::test]
async fn ping_answers_while_open_and_fails_once_closed() {
    on_each_backend(async |database, config, datadir| {
        database.ping().await.unwrap();
        let other = Database::open(&config, datadir).await.unwrap();
        other.close().await;
        assert!(matches!(
            other.ping().await,
            Err(StorageError::Backend { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn audit_events_round_trip_in_order_and_filter_by_subject_and_time() {
    on_each_backend(async |database, _, _| {
        let audit = AuditLog::new(database);
        let first = audit
            .record(&event("org-a", 100, "token.issued", Outcome::Success))
            .await
            .unwrap();
        let second = audit
            .record(&event("org-a", 200, "token.refused", Outcome::Failure))
            .await
            .unwrap();
        audit
            .record(&event("org-b", 150, "token.issued", Outcome::Success))
            .await
            .unwrap();
        assert!(second > first);

        let all_a = audit.for_subject("org-a", 0, 10).await.unwrap();
        assert_eq!(all_a.len(), 2);
        assert_eq!(
            all_a[0],
            event("org-a", 100, "token.issued", Outcome::Success)
        );
        assert_eq!(all_a[1].outcome, Outcome::Failure);

        let later_a = audit.for_subject("org-a", 150, 10).await.unwrap();
        assert_eq!(later_a.len(), 1);
        assert_eq!(later_a[0].action, "token.refused");

        assert_eq!(audit.for_subject("org-a", 0, 1).await.unwrap().len(), 1);
        assert!(audit.for_subject("org-c", 0, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sqlite_database_is_created_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("nested").join("data");
    let database = Database::open(&SqlConfig::default(), &datadir)
        .await
        .unwrap();
    assert!(datadir.join("sqlite.db").is_file());
    database.close().await;
}

#[tokio::test]
async fn unreachable_postgres_is_a_clear_error_without_the_password() {
    let config = SqlConfig {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        connection: Secret::new("postgres://hazel:hunter2@127.0.0.1:1/hazel"),
        ..SqlConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let error = Database::open(&config, dir.path()).await.unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(
            error,
            StorageError::Unreachable {
                backend: "PostgreSQL",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// Issue 23, finding 8: a8a2f86 left the data directory and the SQLite files to the umask
/// (0755, 0644), so other local users could read credentials and the audit trail.
#[tokio::test]
async fn regression_23_the_data_directory_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let datadir = root.path().join("data");
    let node = hazel::node::Node::open(crate::support::config_in(&datadir))
        .await
        .unwrap();
    // A write, so that SQLite has made its WAL and shared-memory files.
    let api = hazel::http::internal_router(&node);
    crate::support::subject(&api, "private").await;
    let mode = |name: &str| {
        std::fs::metadata(datadir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700);
    for file in ["sqlite.db", "sqlite.db-wal", "sqlite.db-shm", "kek.key"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    node.runtime().database.close().await;
}
