//! The wallets of this node's subjects: credentials are verified before they are stored, and only
//! credentials about the wallet's owner are accepted.

use serde_json::Value;
use sqlx::Row;
use vc::Format;

use super::query::matches;
use super::{CredentialError, Credentials, raw_text, raw_value};
use crate::infra::storage::StorageError;
use crate::services::subjects::SubjectRecord;

/// A credential in a wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCredential {
    /// The credential's id.
    pub id: String,
    /// Its format.
    pub format: Format,
    /// As received: the JWT string or the JSON-LD object.
    pub raw: Value,
    /// Its JSON form (what Presentation Definitions are matched against).
    pub document: Value,
    /// Start of validity, Unix seconds, for choosing the newest.
    pub valid_from: Option<i64>,
    /// End of validity, Unix seconds.
    pub valid_until: Option<i64>,
}

fn stored(row: &sqlx::any::AnyRow) -> Result<StoredCredential, CredentialError> {
    let format: String = row.try_get("format")?;
    let (format, raw) = raw_value(&format, row.try_get("raw")?)?;
    let document: String = row.try_get("document")?;
    let corrupt = |_| StorageError::Corrupt("stored credential".into());
    Ok(StoredCredential {
        id: row.try_get("id")?,
        raw,
        document: serde_json::from_str(&document).map_err(corrupt)?,
        format,
        valid_from: row.try_get("valid_from")?,
        valid_until: row.try_get("valid_until")?,
    })
}

const COLUMNS: &str =
    "SELECT id, format, raw, document, valid_from, valid_until FROM wallet_credential";

impl Credentials {
    /// Verifies a credential and stores it in `owner`'s wallet; every credential subject must be
    /// the owner's DID. Loading the same credential again changes nothing.
    pub async fn load_into_wallet(
        &self,
        owner: &SubjectRecord,
        value: &Value,
        now: i64,
    ) -> Result<StoredCredential, CredentialError> {
        let verified = self.verify_credential(value, now).await?;
        let credential = verified.credential();
        let subjects = credential.credential_subject.as_slice();
        let about_owner = !subjects.is_empty()
            && subjects.iter().all(|subject| {
                subject.get("id").and_then(Value::as_str) == Some(owner.did.as_str())
            });
        if !about_owner {
            return Err(CredentialError::BadRequest(
                "credentialSubject.id must be the DID of the wallet owner".into(),
            ));
        }
        let id = credential
            .id
            .clone()
            .ok_or_else(|| CredentialError::BadRequest("the credential has no id".into()))?;
        let document = credential.to_json();
        let raw = raw_text(verified.raw());
        sqlx::query(
            "INSERT INTO wallet_credential \
             (subject_id, id, format, issuer, types, raw, document, valid_from, valid_until, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (subject_id, id) DO NOTHING",
        )
        .bind(&owner.id)
        .bind(&id)
        .bind(verified.format().as_str())
        .bind(credential.issuer_id().unwrap_or_default())
        .bind(serde_json::to_string(credential.types.as_slice()).unwrap_or_default())
        .bind(raw)
        .bind(document.to_string())
        .bind(credential.valid_from()?)
        .bind(credential.valid_until()?)
        .bind(now)
        .execute(self.database.pool())
        .await?;
        Ok(StoredCredential {
            id,
            format: verified.format(),
            raw: verified.raw().clone(),
            document,
            valid_from: credential.valid_from()?,
            valid_until: credential.valid_until()?,
        })
    }

    /// The credentials in a wallet that have not expired, newest first.
    pub async fn wallet(
        &self,
        owner: &SubjectRecord,
        now: i64,
    ) -> Result<Vec<StoredCredential>, CredentialError> {
        let query = format!(
            "{COLUMNS} WHERE subject_id = $1 AND (valid_until IS NULL OR valid_until > $2) \
             ORDER BY valid_from DESC, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(&owner.id)
            .bind(now - self.skew)
            .fetch_all(self.database.pool())
            .await?;
        rows.iter().map(stored).collect()
    }

    /// Every credential in a wallet (expired ones too) that matches `query` by example.
    pub async fn search_wallet(
        &self,
        owner: &SubjectRecord,
        query: &Value,
    ) -> Result<Vec<StoredCredential>, CredentialError> {
        let sql = format!("{COLUMNS} WHERE subject_id = $1 ORDER BY valid_from DESC, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&owner.id)
            .fetch_all(self.database.pool())
            .await?;
        let all: Vec<StoredCredential> = rows.iter().map(stored).collect::<Result<_, _>>()?;
        Ok(all
            .into_iter()
            .filter(|credential| matches(&credential.document, query))
            .collect())
    }

    /// Removes a credential from a wallet (it is not revoked).
    pub async fn remove_from_wallet(
        &self,
        owner: &SubjectRecord,
        id: &str,
    ) -> Result<(), CredentialError> {
        let result = sqlx::query("DELETE FROM wallet_credential WHERE subject_id = $1 AND id = $2")
            .bind(&owner.id)
            .bind(id)
            .execute(self.database.pool())
            .await?;
        if result.rows_affected() == 0 {
            return Err(CredentialError::NotFound);
        }
        Ok(())
    }
}
