//! SQL for subjects, verification methods and services (one query set for SQLite and PostgreSQL).

use did::{Did, Relationship, Service};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::infra::storage::StorageError;
use crate::infra::storage::sql::Database;

/// A stored subject.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRecord {
    /// The subject id.
    pub id: String,
    /// Its DID.
    pub did: Did,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Last change, Unix seconds.
    pub updated_at: i64,
    /// Whether it was deactivated.
    pub deactivated: bool,
}

pub(super) struct MethodRow {
    pub id: String,
    pub subject_id: String,
    pub key_id: String,
    pub public_jwk: Value,
    pub relationships: Vec<Relationship>,
}

const RELATIONSHIPS: [Relationship; 5] = [
    Relationship::Authentication,
    Relationship::AssertionMethod,
    Relationship::KeyAgreement,
    Relationship::CapabilityInvocation,
    Relationship::CapabilityDelegation,
];

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(what.to_owned())
}

fn subject_row(row: &AnyRow) -> Result<SubjectRecord, StorageError> {
    let did: String = row.try_get("did")?;
    let deactivated_at: Option<i64> = row.try_get("deactivated_at")?;
    Ok(SubjectRecord {
        id: row.try_get("id")?,
        did: Did::parse(&did).map_err(|_| corrupt("subject DID"))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deactivated: deactivated_at.is_some(),
    })
}

const SUBJECT_COLUMNS: &str = "SELECT id, did, created_at, updated_at, deactivated_at FROM subject";

/// Inserts a subject; `false` when the id is taken.
pub(super) async fn insert_subject(
    database: &Database,
    id: &str,
    did: &Did,
    now: i64,
) -> Result<bool, StorageError> {
    let result = sqlx::query(
        "INSERT INTO subject (id, did, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(did.as_str())
    .bind(now)
    .execute(database.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(super) async fn subject(
    database: &Database,
    id: &str,
) -> Result<Option<SubjectRecord>, StorageError> {
    let query = format!("{SUBJECT_COLUMNS} WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(query))
        .bind(id)
        .fetch_optional(database.pool())
        .await?
        .as_ref()
        .map(subject_row)
        .transpose()
}

pub(super) async fn subject_by_did(
    database: &Database,
    did: &Did,
) -> Result<Option<SubjectRecord>, StorageError> {
    let query = format!("{SUBJECT_COLUMNS} WHERE did = $1");
    sqlx::query(sqlx::AssertSqlSafe(query))
        .bind(did.as_str())
        .fetch_optional(database.pool())
        .await?
        .as_ref()
        .map(subject_row)
        .transpose()
}

pub(super) async fn subjects(database: &Database) -> Result<Vec<SubjectRecord>, StorageError> {
    let query = format!("{SUBJECT_COLUMNS} ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(query))
        .fetch_all(database.pool())
        .await?
        .iter()
        .map(subject_row)
        .collect()
}

pub(super) async fn deactivate(
    database: &Database,
    id: &str,
    now: i64,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE subject SET deactivated_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(database.pool())
        .await?;
    Ok(())
}

pub(super) async fn touch(database: &Database, id: &str, now: i64) -> Result<(), StorageError> {
    sqlx::query("UPDATE subject SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(database.pool())
        .await?;
    Ok(())
}

pub(super) async fn insert_method(
    database: &Database,
    method: &MethodRow,
    now: i64,
) -> Result<(), StorageError> {
    let relationships: Vec<&str> = method.relationships.iter().map(|r| r.as_str()).collect();
    sqlx::query(
        "INSERT INTO verification_method \
         (id, subject_id, key_id, public_jwk, relationships, created_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM verification_method WHERE subject_id = $2))",
    )
    .bind(&method.id)
    .bind(&method.subject_id)
    .bind(&method.key_id)
    .bind(method.public_jwk.to_string())
    .bind(serde_json::to_string(&relationships).unwrap_or_default())
    .bind(now)
    .execute(database.pool())
    .await?;
    Ok(())
}

/// The methods of a subject, oldest first.
pub(super) async fn methods(
    database: &Database,
    subject_id: &str,
) -> Result<Vec<MethodRow>, StorageError> {
    let rows = sqlx::query(
        "SELECT id, subject_id, key_id, public_jwk, relationships FROM verification_method \
         WHERE subject_id = $1 ORDER BY seq",
    )
    .bind(subject_id)
    .fetch_all(database.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let jwk: String = row.try_get("public_jwk")?;
            let names: String = row.try_get("relationships")?;
            let names: Vec<String> =
                serde_json::from_str(&names).map_err(|_| corrupt("relationships"))?;
            let relationships = names
                .iter()
                .map(|name| {
                    RELATIONSHIPS
                        .into_iter()
                        .find(|r| r.as_str() == name)
                        .ok_or_else(|| corrupt("relationship name"))
                })
                .collect::<Result<_, _>>()?;
            Ok(MethodRow {
                id: row.try_get("id")?,
                subject_id: row.try_get("subject_id")?,
                key_id: row.try_get("key_id")?,
                public_jwk: serde_json::from_str(&jwk).map_err(|_| corrupt("public_jwk"))?,
                relationships,
            })
        })
        .collect()
}

pub(super) async fn delete_method(database: &Database, id: &str) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM verification_method WHERE id = $1")
        .bind(id)
        .execute(database.pool())
        .await?;
    Ok(())
}

pub(super) async fn insert_service(
    database: &Database,
    subject_id: &str,
    service: &Service,
    now: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO service (id, subject_id, type, endpoint, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&service.id)
    .bind(subject_id)
    .bind(service.kind.as_str().unwrap_or_default())
    .bind(service.service_endpoint.to_string())
    .bind(now)
    .execute(database.pool())
    .await?;
    Ok(())
}

pub(super) async fn services(
    database: &Database,
    subject_id: &str,
) -> Result<Vec<Service>, StorageError> {
    let rows = sqlx::query(
        "SELECT id, type, endpoint FROM service WHERE subject_id = $1 ORDER BY created_at, id",
    )
    .bind(subject_id)
    .fetch_all(database.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("type")?;
            let endpoint: String = row.try_get("endpoint")?;
            Ok(Service {
                id: row.try_get("id")?,
                kind: Value::from(kind),
                service_endpoint: serde_json::from_str(&endpoint)
                    .map_err(|_| corrupt("service endpoint"))?,
                other: serde_json::Map::new(),
            })
        })
        .collect()
}

/// Deletes a service; `false` when there was none.
pub(super) async fn delete_service(database: &Database, id: &str) -> Result<bool, StorageError> {
    let result = sqlx::query("DELETE FROM service WHERE id = $1")
        .bind(id)
        .execute(database.pool())
        .await?;
    Ok(result.rows_affected() > 0)
}
