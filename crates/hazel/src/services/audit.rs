//! The audit trail that NEN 7510 asks of a system handing out access to medical data: every token
//! issued, refused or introspected, with who asked, for whom, and the outcome. Records hold
//! identifiers (client ids, DIDs, credential ids, scopes), never tokens or secrets.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::infra::storage::StorageError;
use crate::infra::storage::sql::Database;

/// Whether the audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The action was carried out.
    Success,
    /// The action was refused or failed.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    fn parse(text: &str) -> Result<Self, StorageError> {
        match text {
            "success" => Ok(Outcome::Success),
            "failure" => Ok(Outcome::Failure),
            other => Err(StorageError::Corrupt(format!("audit outcome `{other}`"))),
        }
    }
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened, Unix time in seconds.
    pub occurred_at: i64,
    /// What happened, e.g. `token.issued`.
    pub action: String,
    /// Success or failure.
    pub outcome: Outcome,
    /// Who asked (client id, DID, internal caller).
    pub actor: String,
    /// The subject of this node that was acted for.
    pub subject: String,
    /// Further identifiers: scope, credential ids, error code.
    pub detail: serde_json::Value,
}

/// Append-only audit trail in the SQL database.
#[derive(Debug, Clone)]
pub struct AuditLog {
    database: Database,
}

impl AuditLog {
    /// An audit log in `database`.
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Appends an event and returns its sequence number.
    pub async fn record(&self, event: &AuditEvent) -> Result<i64, StorageError> {
        let detail = event.detail.to_string();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_event (occurred_at, action, outcome, actor, subject, detail) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(event.occurred_at)
        .bind(&event.action)
        .bind(event.outcome.as_str())
        .bind(&event.actor)
        .bind(&event.subject)
        .bind(detail)
        .fetch_one(self.database.pool())
        .await?;
        tracing::info!(
            target: "audit",
            id,
            action = %event.action,
            outcome = event.outcome.as_str(),
            actor = %event.actor,
            subject = %event.subject,
            detail = %event.detail,
            "audit event"
        );
        Ok(id)
    }

    /// Events for a subject at or after `since`, oldest first, at most `limit`.
    pub async fn for_subject(
        &self,
        subject: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StorageError> {
        let rows = sqlx::query(
            "SELECT occurred_at, action, outcome, actor, subject, detail FROM audit_event \
             WHERE subject = $1 AND occurred_at >= $2 ORDER BY id LIMIT $3",
        )
        .bind(subject)
        .bind(since)
        .bind(limit)
        .fetch_all(self.database.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let outcome: String = row.try_get("outcome")?;
                let detail: String = row.try_get("detail")?;
                Ok(AuditEvent {
                    occurred_at: row.try_get("occurred_at")?,
                    action: row.try_get("action")?,
                    outcome: Outcome::parse(&outcome)?,
                    actor: row.try_get("actor")?,
                    subject: row.try_get("subject")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StorageError::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }
}
