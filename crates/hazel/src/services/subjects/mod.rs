//! Subjects: the organizations this node hosts (nuts-node v6 `/internal/vdr/v2/subject`). Each
//! owns one did:web DID, `did:web:<host>[%3A<port>][:<base path>]:iam:<uuid>`, derived from `url`
//! and served at `GET /iam/<uuid>/did.json`. Its document is assembled from the verification
//! methods and services stored here; private keys stay in the key store.

mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cache::Cache;
use did::{Did, DidUrl, Document, MethodRef, Relationship, Service, VerificationMethod};
use jose::{KeyKind, Signer};
use serde_json::Value;

use crate::infra::resolver::OwnDocuments;
use crate::infra::storage::StorageError;
use crate::infra::storage::sql::Database;
use crate::services::keys::{KeyError, KeyStore};
pub use store::SubjectRecord;

/// The path segment under which subject DIDs live, as in nuts-node.
pub const TENANT_PATH: &str = "iam";

/// Relationships of an assertion (signing) key, as nuts-node assigns them.
pub const ASSERTION_RELATIONSHIPS: [Relationship; 4] = [
    Relationship::AssertionMethod,
    Relationship::Authentication,
    Relationship::CapabilityInvocation,
    Relationship::CapabilityDelegation,
];

/// Why a subject operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// No such subject.
    #[error("subject not found")]
    NotFound,
    /// A subject with this id exists already.
    #[error("subject already exists")]
    AlreadyExists,
    /// The subject was deactivated.
    #[error("subject is deactivated")]
    Deactivated,
    /// The subject id breaks its grammar ([`valid_subject_id`]).
    #[error(
        "subject must be 1 to 100 characters of a-z, A-Z, 0-9, '.', '_' and '-', and not . or .."
    )]
    InvalidId,
    /// No such service.
    #[error("service not found")]
    ServiceNotFound,
    /// A service of this type exists already.
    #[error("a service of this type already exists")]
    DuplicateServiceType,
    /// The service is malformed.
    #[error("invalid service: {0}")]
    InvalidService(String),
    /// No such verification method.
    #[error("verification method not found")]
    MethodNotFound,
    /// Removing the method would leave the subject without a signing key.
    #[error("the last assertion key of a subject cannot be removed")]
    LastAssertionKey,
    /// The key store failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for SubjectError {
    fn from(error: sqlx::Error) -> Self {
        SubjectError::Storage(error.into())
    }
}

/// Which keys to create (nuts-node `KeyCreationOptions`).
#[derive(Debug, Clone, Copy)]
pub struct KeyOptions {
    /// An EC P-256 key for assertion, authentication and capabilities.
    pub assertion: bool,
    /// An RSA key for key agreement.
    pub encryption: bool,
}

/// The subjects of this node.
#[derive(Debug, Clone)]
pub struct Subjects {
    database: Database,
    keys: Arc<dyn KeyStore>,
    base_url: url::Url,
    /// Bumped by every change to a subject, its keys or its services, so that caches of this
    /// node's DID documents know when they are stale.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Active subjects for the hot paths, with the generation and time they were read at.
    recent: Arc<Cache<String, (u64, SubjectRecord)>>,
}

/// How long [`Subjects::active_recent`] trusts a read; nodes sharing the database see each
/// other's deactivations within this time.
const RECENT_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The subject id grammar: `[a-zA-Z0-9._-]{1,100}` (nuts-node's characters), except `.` and
/// `..`. A subject id is a path segment of every URL of its authorization server
/// (`/oauth2/<subject>/token`), and those two are dot-segments that RFC 3986 §5.2.4 removes: a
/// subject `..` would make `/oauth2/../token` the `/token` of nobody.
pub fn valid_subject_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Subjects {
    /// Subjects stored in `database` with keys in `keys`; DIDs derive from `base_url`.
    pub fn new(database: Database, keys: Arc<dyn KeyStore>, base_url: url::Url) -> Self {
        Self {
            database,
            keys,
            base_url,
            generation: Arc::default(),
            recent: Arc::new(Cache::new("subjects", 10_000)),
        }
    }

    /// [`Subjects::active`] for hot paths (the token endpoint): a read at most 5 seconds old,
    /// dropped at once when anything changes on this node.
    pub async fn active_recent(&self, id: &str) -> Result<SubjectRecord, SubjectError> {
        let generation = self.generation();
        if let Some((seen, record)) = self.recent.get(id)
            && seen == generation
        {
            return Ok(record);
        }
        let record = self.active(id).await?;
        self.recent
            .insert(id.to_owned(), (generation, record.clone()), RECENT_TTL);
        Ok(record)
    }

    /// The cache of recent reads, for the metrics.
    pub fn cache_stats(&self) -> (&'static str, Arc<cache::Stats>) {
        (self.recent.name(), self.recent.stats())
    }

    /// The change counter of this node's subjects (see [`Subjects::is_own`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Whether `did` is in this node's did:web namespace (`did:web:<host>…:iam:`), so that its
    /// document comes from the database and never from the network.
    pub fn is_own(&self, did: &Did) -> bool {
        // The tenant DID with a placeholder id, minus the placeholder, is the namespace.
        self.did_for("x")
            .ok()
            .and_then(|sample| sample.as_str().strip_suffix('x').map(str::to_owned))
            .is_some_and(|prefix| did.as_str().starts_with(&prefix))
    }

    /// The did:web DID this node gives the tenant `uuid`.
    pub fn did_for(&self, uuid: &str) -> Result<Did, did::Error> {
        did::methods::web::did_for(&self.base_url, &[TENANT_PATH, uuid])
    }

    /// Creates a subject with a new DID and an assertion key (and an encryption key if asked).
    pub async fn create(
        &self,
        id: Option<String>,
        encryption_key: bool,
        now: i64,
    ) -> Result<(SubjectRecord, Document), SubjectError> {
        let id = match id {
            Some(id) if !valid_subject_id(&id) => return Err(SubjectError::InvalidId),
            Some(id) => id,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let did = self
            .did_for(&uuid::Uuid::new_v4().to_string())
            .map_err(|e| StorageError::Corrupt(format!("cannot derive a DID from url: {e}")))?;
        if !store::insert_subject(&self.database, &id, &did, now).await? {
            return Err(SubjectError::AlreadyExists);
        }
        self.changed();
        let record = store::subject(&self.database, &id)
            .await?
            .ok_or(SubjectError::NotFound)?;
        self.add_keys(
            &record,
            KeyOptions {
                assertion: true,
                encryption: encryption_key,
            },
            now,
        )
        .await?;
        let document = self.document(&record).await?;
        Ok((record, document))
    }

    /// Every subject (deactivated ones included) with its DIDs, ordered by subject id.
    pub async fn list(&self) -> Result<BTreeMap<String, Vec<String>>, SubjectError> {
        Ok(store::subjects(&self.database)
            .await?
            .into_iter()
            .filter(|record| !record.deactivated)
            .map(|record| (record.id, vec![record.did.to_string()]))
            .collect())
    }

    /// A subject that is active.
    pub async fn active(&self, id: &str) -> Result<SubjectRecord, SubjectError> {
        let record = store::subject(&self.database, id)
            .await?
            .ok_or(SubjectError::NotFound)?;
        if record.deactivated {
            return Err(SubjectError::Deactivated);
        }
        Ok(record)
    }

    /// Deactivates a subject: its DID document is no longer served or resolved.
    pub async fn deactivate(&self, id: &str, now: i64) -> Result<(), SubjectError> {
        let record = store::subject(&self.database, id)
            .await?
            .ok_or(SubjectError::NotFound)?;
        if record.deactivated {
            return Err(SubjectError::Deactivated);
        }
        store::deactivate(&self.database, id, now).await?;
        self.changed();
        Ok(())
    }

    /// The DID document of a subject.
    pub async fn document(&self, record: &SubjectRecord) -> Result<Document, SubjectError> {
        let mut document = Document::new(record.did.as_str());
        for method in store::methods(&self.database, &record.id).await? {
            let jwk = jose::Jwk::from_json(&method.public_jwk)
                .map_err(|e| StorageError::Corrupt(format!("stored key: {e}")))?;
            document
                .verification_method
                .push(VerificationMethod::json_web_key(
                    method.id.clone(),
                    record.did.to_string(),
                    &jwk,
                ));
            for relationship in method.relationships {
                document
                    .relationship_mut(relationship)
                    .push(MethodRef::Reference(method.id.clone()));
            }
        }
        document.service = store::services(&self.database, &record.id).await?;
        Ok(document)
    }

    /// The subject owning a DID this node hosts, if any (deactivated ones included).
    pub async fn by_did(&self, did: &Did) -> Result<Option<SubjectRecord>, SubjectError> {
        Ok(store::subject_by_did(&self.database, did).await?)
    }

    /// Generates keys and adds them as verification methods (key rotation: the old keys stay and
    /// keep verifying until removed).
    pub async fn add_keys(
        &self,
        record: &SubjectRecord,
        options: KeyOptions,
        now: i64,
    ) -> Result<Vec<VerificationMethod>, SubjectError> {
        let mut wanted = Vec::new();
        if options.assertion {
            wanted.push((KeyKind::P256, ASSERTION_RELATIONSHIPS.to_vec()));
        }
        if options.encryption {
            wanted.push((KeyKind::Rsa2048, vec![Relationship::KeyAgreement]));
        }
        let mut added = Vec::new();
        for (kind, relationships) in wanted {
            let key = self.keys.generate(kind).await?;
            let id = format!("{}#{}", record.did, key.public.thumbprint());
            let public = key.public.clone().with_kid(id.clone());
            store::insert_method(
                &self.database,
                &store::MethodRow {
                    id: id.clone(),
                    subject_id: record.id.clone(),
                    key_id: key.id,
                    public_jwk: public.to_public().to_json(),
                    relationships,
                },
                now,
            )
            .await?;
            self.changed();
            added.push(VerificationMethod::json_web_key(
                id,
                record.did.to_string(),
                &public,
            ));
        }
        store::touch(&self.database, &record.id, now).await?;
        Ok(added)
    }

    /// Removes a verification method and its private key. The last assertion key stays, so that a
    /// subject can always sign.
    pub async fn remove_method(
        &self,
        record: &SubjectRecord,
        method_id: &str,
        now: i64,
    ) -> Result<(), SubjectError> {
        let methods = store::methods(&self.database, &record.id).await?;
        let absolute = absolute_id(&record.did, method_id);
        let method = methods
            .iter()
            .find(|m| m.id == absolute)
            .ok_or(SubjectError::MethodNotFound)?;
        let is_assertion = method
            .relationships
            .contains(&Relationship::AssertionMethod);
        let assertion_keys = methods
            .iter()
            .filter(|m| m.relationships.contains(&Relationship::AssertionMethod))
            .count();
        if is_assertion && assertion_keys <= 1 {
            return Err(SubjectError::LastAssertionKey);
        }
        store::delete_method(&self.database, &absolute).await?;
        self.changed();
        self.keys.delete(&method.key_id).await?;
        store::touch(&self.database, &record.id, now).await?;
        Ok(())
    }

    /// The signer of the subject's newest key for `relationship`, with its DID URL.
    pub async fn signer(
        &self,
        record: &SubjectRecord,
        relationship: Relationship,
    ) -> Result<(DidUrl, Arc<dyn Signer>), SubjectError> {
        let method = store::methods(&self.database, &record.id)
            .await?
            .into_iter()
            .rev()
            .find(|m| m.relationships.contains(&relationship))
            .ok_or(SubjectError::MethodNotFound)?;
        let kid = DidUrl::parse(&method.id)
            .map_err(|e| StorageError::Corrupt(format!("stored method id: {e}")))?;
        Ok((kid, self.keys.signer(&method.key_id).await?))
    }

    /// The signer of one verification method (`kid`) of an active subject; `None` when the DID
    /// is not this node's, the subject is deactivated, or the method is not among its methods.
    pub async fn signer_for_method(
        &self,
        kid: &DidUrl,
    ) -> Result<Option<Arc<dyn Signer>>, SubjectError> {
        let Some(record) = self.by_did(kid.did()).await?.filter(|r| !r.deactivated) else {
            return Ok(None);
        };
        let wanted = kid.to_string();
        let Some(method) = store::methods(&self.database, &record.id)
            .await?
            .into_iter()
            .find(|m| m.id == wanted)
        else {
            return Ok(None);
        };
        Ok(Some(self.keys.signer(&method.key_id).await?))
    }

    /// Adds a service; a service with the same type and endpoint is not added twice.
    pub async fn add_service(
        &self,
        record: &SubjectRecord,
        kind: &str,
        endpoint: Value,
        now: i64,
    ) -> Result<Service, SubjectError> {
        check_service(kind, &endpoint)?;
        let existing = store::services(&self.database, &record.id).await?;
        if let Some(same) = existing
            .iter()
            .find(|s| s.kind == kind && s.service_endpoint == endpoint)
        {
            return Ok(same.clone());
        }
        let service = Service {
            id: format!("{}#{}", record.did, uuid::Uuid::new_v4()),
            kind: Value::from(kind),
            service_endpoint: endpoint,
            other: serde_json::Map::new(),
        };
        store::insert_service(&self.database, &record.id, &service, now).await?;
        self.changed();
        store::touch(&self.database, &record.id, now).await?;
        Ok(service)
    }

    /// Replaces a service by a new one (new id), refusing a type another service already has.
    pub async fn update_service(
        &self,
        record: &SubjectRecord,
        service_id: &str,
        kind: &str,
        endpoint: Value,
        now: i64,
    ) -> Result<Service, SubjectError> {
        check_service(kind, &endpoint)?;
        let absolute = absolute_id(&record.did, service_id);
        let existing = store::services(&self.database, &record.id).await?;
        if !existing.iter().any(|s| s.id == absolute) {
            return Err(SubjectError::ServiceNotFound);
        }
        if existing.iter().any(|s| s.id != absolute && s.kind == kind) {
            return Err(SubjectError::DuplicateServiceType);
        }
        store::delete_service(&self.database, &absolute).await?;
        self.changed();
        self.add_service(record, kind, endpoint, now).await
    }

    /// Removes a service.
    pub async fn delete_service(
        &self,
        record: &SubjectRecord,
        service_id: &str,
        now: i64,
    ) -> Result<(), SubjectError> {
        let absolute = absolute_id(&record.did, service_id);
        if !store::delete_service(&self.database, &absolute).await? {
            return Err(SubjectError::ServiceNotFound);
        }
        self.changed();
        store::touch(&self.database, &record.id, now).await?;
        Ok(())
    }

    /// The services of a subject, optionally of one type and one endpoint shape
    /// (`string`, `object`, `array`).
    pub async fn services(
        &self,
        record: &SubjectRecord,
        kind: Option<&str>,
        endpoint_type: Option<&str>,
    ) -> Result<Vec<Service>, SubjectError> {
        Ok(store::services(&self.database, &record.id)
            .await?
            .into_iter()
            .filter(|s| kind.is_none_or(|kind| s.kind == kind))
            .filter(|s| {
                endpoint_type.is_none_or(|shape| match shape {
                    "string" => s.service_endpoint.is_string(),
                    "object" => s.service_endpoint.is_object(),
                    "array" => s.service_endpoint.is_array(),
                    _ => false,
                })
            })
            .collect())
    }
}

/// A method or service id given as `#fragment` or as a full DID URL.
fn absolute_id(did: &Did, id: &str) -> String {
    if id.starts_with('#') {
        format!("{did}{id}")
    } else {
        id.to_owned()
    }
}

fn check_service(kind: &str, endpoint: &Value) -> Result<(), SubjectError> {
    if kind.trim().is_empty() {
        return Err(SubjectError::InvalidService("type is empty".into()));
    }
    let valid = match endpoint {
        Value::String(uri) => !uri.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Array(list) => !list.is_empty(),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(SubjectError::InvalidService(
            "serviceEndpoint must be a non-empty string, object or array".into(),
        ))
    }
}

#[async_trait]
impl OwnDocuments for Subjects {
    fn is_own(&self, did: &Did) -> bool {
        Subjects::is_own(self, did)
    }

    fn generation(&self) -> u64 {
        Subjects::generation(self)
    }

    async fn resolve_own(&self, did: &Did) -> Result<did::Resolved, did::Error> {
        let unavailable = |e: SubjectError| did::Error::Unavailable(e.to_string());
        let record = self
            .by_did(did)
            .await
            .map_err(unavailable)?
            .ok_or(did::Error::NotFound)?;
        let document = self.document(&record).await.map_err(unavailable)?;
        Ok(did::Resolved {
            document: Arc::new(document),
            deactivated: record.deactivated,
            created: Some(record.created_at),
            updated: Some(record.updated_at),
        })
    }
}
