//! Issuing credentials (nuts-node `issueVC`), searching and revoking them. A revocable credential
//! gets the next free index on its issuer's status list (`/statuslist/{did}/{page}`); allocation is
//! a single insert guarded by a unique index, retried on a collision, so concurrent issuers never
//! share an index.

use did::Relationship;
use jose::jws::Header;
use serde_json::{Value, json};
use sqlx::Row;
use vc::model::format_date;
use vc::{Credential, Format, OneOrMany};

use vc::ldp::{ASSERTION_METHOD, LdProof};

use super::{CredentialError, Credentials, raw_text, raw_value};
use crate::services::subjects::SubjectRecord;

/// Entries per status list page: the 16 KiB (131,072-bit) minimum both status list
/// specifications require for herd privacy.
pub const STATUS_LIST_SIZE: i64 = 131_072;
const VC_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
const ALLOCATION_ATTEMPTS: usize = 8;

/// What to issue (nuts-node `IssueVCRequest`).
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// `@context`; the VC v1 context is added first when missing.
    pub context: Vec<String>,
    /// `type`; `VerifiableCredential` is added when missing.
    pub types: Vec<String>,
    /// The issuer: a DID of this node or a subject id.
    pub issuer: String,
    /// `expirationDate`, RFC 3339.
    pub expiration_date: Option<String>,
    /// `credentialSubject`.
    pub credential_subject: Value,
    /// Add a StatusList2021 revocation entry.
    pub with_status_list: bool,
    /// The proof format.
    pub format: Format,
}

/// A credential this node issued.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCredential {
    /// As issued: the JWT string (or JSON-LD object).
    pub raw: Value,
    /// Whether it has been revoked.
    pub revoked: bool,
}

impl Credentials {
    async fn issuer_record(&self, issuer: &str) -> Result<SubjectRecord, CredentialError> {
        let record = match did::Did::parse(issuer) {
            Ok(did) => self.subjects.by_did(&did).await?,
            Err(_) => Some(self.subjects.active(issuer).await?),
        };
        record.filter(|record| !record.deactivated).ok_or_else(|| {
            CredentialError::BadRequest(
                "issuer is not an active subject or DID of this node".into(),
            )
        })
    }

    /// The URL of an issuer's status list page. As nuts-node builds it, the DID goes into the
    /// path as it is (a `%3A` in it stays `%3A`).
    pub fn status_list_url(&self, issuer: &did::Did, page: i64) -> String {
        format!(
            "{}/statuslist/{issuer}/{page}",
            self.base_url.as_str().trim_end_matches('/')
        )
    }

    /// Issues and signs a credential with the issuer's newest assertion key; with
    /// `with_status_list`, it gets the next index of the issuer's revocation list.
    pub async fn issue(
        &self,
        request: IssueRequest,
        now: i64,
    ) -> Result<IssuedCredential, CredentialError> {
        check_request(&request)?;
        let record = self.issuer_record(&request.issuer).await?;
        let format = request.format;
        let with_status_list = request.with_status_list;
        let mut credential = self.unsigned_credential(&record, request, now)?;
        let row = IssuedRow::of(&record, &credential, format);
        if !with_status_list {
            let signed = self
                .sign_credential(&record, &credential, format, now)
                .await?;
            row.insert(self, &raw_text(&signed), now).await?;
            return Ok(IssuedCredential {
                raw: signed,
                revoked: false,
            });
        }
        let (page, index) = row.reserve_status_index(self, now).await?;
        add_status_entry(
            &mut credential,
            &self.status_list_url(&record.did, page),
            index,
        );
        let signed = match self
            .sign_credential(&record, &credential, format, now)
            .await
        {
            Ok(signed) => signed,
            Err(error) => {
                // Release the reservation; nothing was handed out.
                let _ = sqlx::query("DELETE FROM issued_credential WHERE id = $1")
                    .bind(&row.id)
                    .execute(self.database.pool())
                    .await;
                return Err(error);
            }
        };
        sqlx::query("UPDATE issued_credential SET raw = $1 WHERE id = $2")
            .bind(raw_text(&signed))
            .bind(&row.id)
            .execute(self.database.pool())
            .await?;
        Ok(IssuedCredential {
            raw: signed,
            revoked: false,
        })
    }

    /// The credential as the request describes it, with the VC context and type first, a fresh
    /// id under the issuer's DID, and the dates checked.
    fn unsigned_credential(
        &self,
        record: &SubjectRecord,
        request: IssueRequest,
        now: i64,
    ) -> Result<Credential, CredentialError> {
        let mut context = request.context;
        if context.first().map(String::as_str) != Some(VC_CONTEXT) {
            context.retain(|c| c != VC_CONTEXT);
            context.insert(0, VC_CONTEXT.to_owned());
        }
        let mut types = request.types;
        if !types.iter().any(|t| t == "VerifiableCredential") {
            types.insert(0, "VerifiableCredential".to_owned());
        }
        let mut credential = Credential::from_json(json!({
            "@context": context,
            "id": format!("{}#{}", record.did, uuid::Uuid::new_v4()),
            "type": types,
            "issuer": record.did.as_str(),
            "issuanceDate": format_date(now),
            "credentialSubject": request.credential_subject,
        }))?;
        credential.expiration_date = request.expiration_date;
        credential.check_validity(now, self.skew).map_err(|_| {
            CredentialError::BadRequest("expirationDate must be a future RFC 3339 date".into())
        })?;
        Ok(credential)
    }

    /// Signs with the issuer's newest assertion key: a JWT string for `jwt_vc`, the credential
    /// with a JsonWebSignature2020 proof for `ldp_vc`.
    pub(super) async fn sign_credential(
        &self,
        issuer: &SubjectRecord,
        credential: &Credential,
        format: Format,
        now: i64,
    ) -> Result<Value, CredentialError> {
        if format != Format::LdpVc {
            return Ok(Value::String(
                self.sign_credential_jwt(issuer, credential).await?,
            ));
        }
        let (kid, key) = self
            .subjects
            .signer(issuer, Relationship::AssertionMethod)
            .await?;
        let proof = LdProof::new(kid.as_str(), ASSERTION_METHOD, format_date(now));
        Ok(self.ld().sign(credential.to_json(), proof, key.as_ref())?)
    }

    /// Signs a `jwt_vc` with the issuer's newest assertion key.
    pub(super) async fn sign_credential_jwt(
        &self,
        issuer: &SubjectRecord,
        credential: &Credential,
    ) -> Result<String, CredentialError> {
        let (kid, key) = self
            .subjects
            .signer(issuer, Relationship::AssertionMethod)
            .await?;
        let claims = vc::jwt::credential_claims(credential)?;
        let mut header = Header::new(key.algorithm());
        header.kid = Some(kid.to_string());
        header.typ = Some("JWT".to_owned());
        Ok(jose::jwt::sign(header, &claims, key.as_ref()).map_err(vc::Error::from)?)
    }

    /// Credentials issued by `issuer` of `credential_type`, optionally about `subject`.
    pub async fn search_issued(
        &self,
        credential_type: &str,
        issuer: &str,
        subject: Option<&str>,
    ) -> Result<Vec<IssuedCredential>, CredentialError> {
        let rows = sqlx::query(
            "SELECT raw, format, types, subject, revoked_at FROM issued_credential \
             WHERE issuer = $1 AND raw <> '' ORDER BY created_at, id",
        )
        .bind(issuer)
        .fetch_all(self.database.pool())
        .await?;
        let mut found = Vec::new();
        for row in rows {
            let types: String = row.try_get("types")?;
            let types: Vec<String> = serde_json::from_str(&types).unwrap_or_default();
            let about: Option<String> = row.try_get("subject")?;
            if !types.iter().any(|t| t == credential_type)
                || subject.is_some_and(|wanted| about.as_deref() != Some(wanted))
            {
                continue;
            }
            let revoked_at: Option<i64> = row.try_get("revoked_at")?;
            let format: String = row.try_get("format")?;
            found.push(IssuedCredential {
                raw: raw_value(&format, row.try_get("raw")?)?.1,
                revoked: revoked_at.is_some(),
            });
        }
        Ok(found)
    }

    /// Revokes an issued credential by setting its bit on the status list.
    pub async fn revoke(&self, id: &str, now: i64) -> Result<(), CredentialError> {
        let row = sqlx::query(
            "SELECT status_list_index, revoked_at FROM issued_credential WHERE id = $1 AND raw <> ''",
        )
        .bind(id)
        .fetch_optional(self.database.pool())
        .await?
        .ok_or(CredentialError::NotFound)?;
        let index: Option<i64> = row.try_get("status_list_index")?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        if index.is_none() {
            return Err(CredentialError::BadRequest(
                "the credential has no credentialStatus and cannot be revoked".into(),
            ));
        }
        if revoked_at.is_some() {
            return Err(CredentialError::AlreadyRevoked);
        }
        let result = sqlx::query(
            "UPDATE issued_credential SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.database.pool())
        .await?;
        if result.rows_affected() == 0 {
            return Err(CredentialError::AlreadyRevoked);
        }
        Ok(())
    }

    /// The revoked indices of an issuer's status list page.
    pub async fn revoked_indices(
        &self,
        issuer: &str,
        page: i64,
    ) -> Result<Vec<i64>, CredentialError> {
        let rows = sqlx::query(
            "SELECT status_list_index FROM issued_credential \
             WHERE issuer = $1 AND status_list_page = $2 AND revoked_at IS NOT NULL",
        )
        .bind(issuer)
        .bind(page)
        .fetch_all(self.database.pool())
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<i64, _>("status_list_index")?))
            .collect()
    }
}

/// What nuts-node refuses before anything is signed.
fn check_request(request: &IssueRequest) -> Result<(), CredentialError> {
    if !matches!(request.format, Format::JwtVc | Format::LdpVc) {
        return Err(CredentialError::BadRequest(format!(
            "format {} is not a credential format; use ldp_vc or jwt_vc",
            request.format.as_str()
        )));
    }
    // nuts-node: a did:web issuer must make a credential expire or be revocable.
    if request.expiration_date.is_none() && !request.with_status_list {
        return Err(CredentialError::BadRequest(
            "set expirationDate and/or withStatusList2021Revocation".into(),
        ));
    }
    if !request.credential_subject.is_object() {
        return Err(CredentialError::BadRequest(
            "credentialSubject must be an object".into(),
        ));
    }
    Ok(())
}

/// As nuts-node writes it: a StatusList2021Entry (the index as a string) and the
/// StatusList2021 context.
fn add_status_entry(credential: &mut Credential, list: &str, index: i64) {
    credential.credential_status = Some(OneOrMany::Many(vec![json!({
        "id": format!("{list}#{index}"),
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": list,
    })]));
    if let Value::Array(contexts) = &mut credential.context {
        contexts.push(Value::from(vc::status::STATUS_LIST_2021_CONTEXT));
    }
}

/// The columns of an issued credential that are known before it is signed.
struct IssuedRow {
    id: String,
    issuer: String,
    subject: Option<String>,
    types: String,
    format: &'static str,
}

impl IssuedRow {
    fn of(record: &SubjectRecord, credential: &Credential, format: Format) -> Self {
        Self {
            id: credential.id.clone().unwrap_or_default(),
            issuer: record.did.to_string(),
            subject: match credential.credential_subject.as_slice() {
                [only] => only.get("id").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            },
            types: serde_json::to_string(credential.types.as_slice()).unwrap_or_default(),
            format: format.as_str(),
        }
    }

    /// Stores a credential issued without a status list.
    async fn insert(
        &self,
        credentials: &Credentials,
        raw: &str,
        now: i64,
    ) -> Result<(), CredentialError> {
        sqlx::query(
            "INSERT INTO issued_credential (id, issuer, subject, types, format, raw, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&self.id)
        .bind(&self.issuer)
        .bind(&self.subject)
        .bind(&self.types)
        .bind(self.format)
        .bind(raw)
        .bind(now)
        .execute(credentials.database.pool())
        .await?;
        Ok(())
    }

    /// Reserves the issuer's next status list index with a row whose `raw` is filled once
    /// signed, retrying when a concurrent issuance took the same one; returns (page, index).
    async fn reserve_status_index(
        &self,
        credentials: &Credentials,
        now: i64,
    ) -> Result<(i64, i64), CredentialError> {
        let pool = credentials.database.pool();
        for _ in 0..ALLOCATION_ATTEMPTS {
            let result = sqlx::query(
                "INSERT INTO issued_credential \
                 (id, issuer, subject, types, format, raw, status_list_page, status_list_index, created_at) \
                 SELECT $1, $2, $3, $4, $5, '', \
                        1 + next_index / $6, next_index % $6, $7 \
                 FROM (SELECT COALESCE(MAX((status_list_page - 1) * $6 + status_list_index) + 1, 0) \
                       AS next_index FROM issued_credential \
                       WHERE issuer = $2 AND status_list_page IS NOT NULL) AS allocation",
            )
            .bind(&self.id)
            .bind(&self.issuer)
            .bind(&self.subject)
            .bind(&self.types)
            .bind(self.format)
            .bind(STATUS_LIST_SIZE)
            .bind(now)
            .execute(pool)
            .await;
            match result {
                Ok(_) => {
                    let row = sqlx::query(
                        "SELECT status_list_page, status_list_index FROM issued_credential \
                         WHERE id = $1",
                    )
                    .bind(&self.id)
                    .fetch_one(pool)
                    .await?;
                    return Ok((
                        row.try_get("status_list_page")?,
                        row.try_get("status_list_index")?,
                    ));
                }
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(CredentialError::BadRequest(
            "status list index contention; try again".into(),
        ))
    }
}
