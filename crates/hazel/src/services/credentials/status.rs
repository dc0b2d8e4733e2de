//! Revocation status: the lists this node's issuers publish (`GET /statuslist/{did}/{page}`) and
//! the check of a credential's status when verifying.
//!
//! A served list is a StatusList2021Credential signed as a JWT by the issuer's assertion key,
//! valid 24 hours and regenerated when its revoked set changes or it has less than 6 hours left;
//! it is cached per node. Lists of this node's own issuers are checked against the database
//! directly; other lists are fetched through the guarded client and cached for their
//! `Cache-Control: max-age`, at most 15 minutes (as nuts-node) and never past their expiry.

use std::sync::Arc;
use std::time::Duration;

use cache::Cache;
use serde_json::{Value, json};
use sqlx::Row;
use vc::Credential;
use vc::model::format_date;
use vc::status::{STATUS_LIST_2021_CONTEXT, StatusEntry, StatusList};

use super::{CredentialError, Credentials};

const LIST_VALIDITY: i64 = 24 * 3600;
const REFRESH_BEFORE: i64 = 6 * 3600;
const MAX_EXTERNAL_AGE: Duration = Duration::from_secs(15 * 60);

/// A list this node signed: the revoked indices it shows, the JWT, and its expiry.
#[derive(Debug, Clone)]
struct ServedList {
    revoked: Vec<i64>,
    jwt: String,
    expires: i64,
}

/// Lists signed here kept at most (an issuer has a page per 131,072 credentials).
const SERVED_ENTRIES: usize = 10_000;
/// Lists of other issuers kept at most: their URLs come from credentials anyone can present.
const FETCHED_ENTRIES: usize = 10_000;
/// The most bytes of other issuers' lists kept, as decoded bits (a usual list is 16 KiB).
const FETCHED_BYTES: usize = 8 * 1024 * 1024;
/// The largest status list response fetched: a 131,072-bit list compresses to a few hundred
/// bytes when sparse and to about 22 KiB at worst, as base64url in a signed credential.
pub const MAX_LIST_RESPONSE: usize = 256 * 1024;

/// Served lists and fetched lists, shared by clones of [`Credentials`].
#[derive(Debug)]
pub struct StatusCache {
    /// (issuer, page) → the list last signed, until it expires.
    served: Cache<(String, i64), ServedList>,
    /// list URL → the verified list credential.
    fetched: Cache<String, Arc<StatusList>>,
}

impl Default for StatusCache {
    fn default() -> Self {
        Self {
            served: Cache::new("status_lists_served", SERVED_ENTRIES),
            fetched: Cache::with_budget("status_lists_fetched", FETCHED_ENTRIES, FETCHED_BYTES),
        }
    }
}

impl StatusCache {
    /// Both caches, for the metrics.
    pub fn stats(&self) -> [(&'static str, Arc<cache::Stats>); 2] {
        [
            (self.served.name(), self.served.stats()),
            (self.fetched.name(), self.fetched.stats()),
        ]
    }
}

impl Credentials {
    /// The signed StatusList2021Credential of an issuer's page, or `NotFound` when the issuer is not
    /// a subject of this node or has no credential on that page.
    pub async fn status_list(
        &self,
        issuer: &str,
        page: i64,
        now: i64,
    ) -> Result<String, CredentialError> {
        let did = did::Did::parse(issuer).map_err(|_| CredentialError::NotFound)?;
        let record = self
            .subjects
            .by_did(&did)
            .await?
            .ok_or(CredentialError::NotFound)?;
        let used: i64 = sqlx::query(
            "SELECT COUNT(*) AS used FROM issued_credential WHERE issuer = $1 AND status_list_page = $2",
        )
        .bind(issuer)
        .bind(page)
        .fetch_one(self.database.pool())
        .await?
        .try_get("used")?;
        if used == 0 {
            return Err(CredentialError::NotFound);
        }
        let mut revoked = self.revoked_indices(issuer, page).await?;
        revoked.sort_unstable();
        let key = (issuer.to_owned(), page);
        if let Some(served) = self.status.served.get(&key)
            && served.revoked == revoked
            && served.expires - now > REFRESH_BEFORE
        {
            return Ok(served.jwt.clone());
        }
        let url = self.status_list_url(&did, page);
        let bits: Vec<u64> = revoked
            .iter()
            .filter_map(|i| u64::try_from(*i).ok())
            .collect();
        let credential = Credential::from_json(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", STATUS_LIST_2021_CONTEXT],
            "id": format!("{did}#{}", uuid::Uuid::new_v4()),
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": did.as_str(),
            "issuanceDate": format_date(now),
            "expirationDate": format_date(now + LIST_VALIDITY),
            "credentialSubject": {
                "id": url,
                "type": "StatusList2021",
                "statusPurpose": "revocation",
                "encodedList": vc::status::encode(&bits)?,
            }
        }))?;
        let jwt = self.sign_credential_jwt(&record, &credential).await?;
        self.status.served.insert(
            key,
            ServedList {
                revoked,
                jwt: jwt.clone(),
                expires: now + LIST_VALIDITY,
            },
            Duration::from_secs(LIST_VALIDITY.unsigned_abs()),
        );
        Ok(jwt)
    }

    /// Checks every revocation entry of a verified credential; `Invalid(Revoked)` when revoked.
    pub(super) async fn check_status(
        &self,
        credential: &Credential,
        now: i64,
    ) -> Result<(), CredentialError> {
        let issuer = credential.issuer_id().unwrap_or_default().to_owned();
        for entry in vc::status::entries(credential)? {
            if let Some(own) = self.own_list(&entry) {
                self.check_own(&issuer, own, &entry).await?;
                continue;
            }
            let list = self.fetch_list(&entry.list, now).await?;
            list.check(&entry, &issuer)?;
        }
        Ok(())
    }

    /// `(issuer DID, page)` when the list URL is one of this node's.
    fn own_list<'e>(&self, entry: &'e StatusEntry) -> Option<(&'e str, i64)> {
        let prefix = format!(
            "{}/statuslist/",
            self.base_url.as_str().trim_end_matches('/')
        );
        let rest = entry.list.strip_prefix(&prefix)?;
        let (did, page) = rest.rsplit_once('/')?;
        Some((did, page.parse().ok()?))
    }

    async fn check_own(
        &self,
        issuer: &str,
        (list_issuer, page): (&str, i64),
        entry: &StatusEntry,
    ) -> Result<(), CredentialError> {
        let list_error = |reason: &str| {
            CredentialError::Invalid(vc::Error::Malformed {
                what: "status list",
                reason: reason.to_owned(),
            })
        };
        if list_issuer != issuer {
            return Err(list_error(
                "the list is not issued by the credential's issuer",
            ));
        }
        if entry.purpose != "revocation" {
            return Err(list_error("only revocation lists are published here"));
        }
        let index =
            i64::try_from(entry.index).map_err(|_| list_error("index not in status list"))?;
        let row = sqlx::query(
            "SELECT revoked_at FROM issued_credential \
             WHERE issuer = $1 AND status_list_page = $2 AND status_list_index = $3",
        )
        .bind(issuer)
        .bind(page)
        .bind(index)
        .fetch_optional(self.database.pool())
        .await?
        .ok_or_else(|| list_error("index not in status list"))?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        if revoked_at.is_some() {
            return Err(vc::Error::Revoked.into());
        }
        Ok(())
    }

    /// Another issuer's list at `url`, verified and reduced to its bits; kept for its
    /// `Cache-Control: max-age`, at most 15 minutes and never past its expiry. Whatever goes
    /// wrong is `StatusListUnavailable`, with the reason for the log only.
    async fn fetch_list(&self, url: &str, now: i64) -> Result<Arc<StatusList>, CredentialError> {
        if let Some(list) = self.status.fetched.get(url) {
            return Ok(list);
        }
        let unavailable = |reason: String| {
            CredentialError::Invalid(vc::Error::StatusListUnavailable(format!("{url}: {reason}")))
        };
        let parsed = url::Url::parse(url).map_err(|e| unavailable(e.to_string()))?;
        let fetched = self
            .outbound
            .get_limited(
                &parsed,
                "application/json, application/vc+ld+json, application/vc+jwt",
                MAX_LIST_RESPONSE,
            )
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        // nuts-node serves the list as JSON (an object, or a JSON string holding a JWT); a bare
        // compact JWT body is taken too.
        let value = serde_json::from_slice::<Value>(&fetched.body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&fetched.body).trim().to_owned())
        });
        let verified = self
            .verifier(now)
            .credential(&value)
            .await
            .map_err(|e| unavailable(format!("{e:?}")))?;
        let list = StatusList::from_credential(verified.credential())
            .map_err(|e| unavailable(e.to_string()))?;
        if list.id() != url {
            return Err(unavailable(format!(
                "the list at this URL says it is {}",
                list.id()
            )));
        }
        let mut ttl = fetched
            .max_age
            .unwrap_or(MAX_EXTERNAL_AGE)
            .min(MAX_EXTERNAL_AGE);
        if let Ok(Some(until)) = verified.credential().valid_until() {
            let left = u64::try_from(until - now).unwrap_or(0);
            ttl = ttl.min(Duration::from_secs(left));
        }
        let size = list.size();
        let list = Arc::new(list);
        self.status
            .fetched
            .insert_sized(url.to_owned(), list.clone(), ttl, size);
        Ok(list)
    }
}
