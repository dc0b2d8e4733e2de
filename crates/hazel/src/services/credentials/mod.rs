//! Credentials at the node: the verifier (signatures, validity, revocation), the wallets of this
//! node's subjects, presentations they sign, and credentials they issue with a status list.
//! The protocol work is the `vc` crate's; this module adds storage, keys, resolution and time.

pub mod contexts;
mod holder;
mod issuer;
mod query;
mod status;
mod verifier;
mod wallet;

use std::sync::Arc;

use crate::infra::outbound::OutboundClient;
use crate::infra::storage::StorageError;
use crate::infra::storage::sql::Database;
use crate::services::subjects::{SubjectError, Subjects};

pub use holder::PresentationRequest;
pub use issuer::{IssueRequest, IssuedCredential};
pub use verifier::PresentationVerifier;
pub use wallet::StoredCredential;

/// How a signed credential is kept in a `raw` column (issued and wallet credentials alike): the
/// JWT itself, or the JSON-LD document as text.
pub(crate) fn raw_text(credential: &serde_json::Value) -> String {
    match credential {
        serde_json::Value::String(jwt) => jwt.clone(),
        document => document.to_string(),
    }
}

/// A credential back from its `format` and `raw` columns.
pub(crate) fn raw_value(
    format: &str,
    raw: String,
) -> Result<(vc::Format, serde_json::Value), StorageError> {
    match format {
        "jwt_vc" => Ok((vc::Format::JwtVc, serde_json::Value::String(raw))),
        "ldp_vc" => serde_json::from_str(&raw)
            .map(|document| (vc::Format::LdpVc, document))
            .map_err(|e| StorageError::Corrupt(format!("stored ldp_vc: {e}"))),
        other => Err(StorageError::Corrupt(format!(
            "credential format `{other}`"
        ))),
    }
}

/// Why a credential operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The credential or presentation is refused, with the verifier's reason.
    #[error("{0}")]
    Invalid(#[from] vc::Error),
    /// The request is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// No such credential.
    #[error("credential not found")]
    NotFound,
    /// The credential was revoked already.
    #[error("credential is already revoked")]
    AlreadyRevoked,
    /// A subject operation failed.
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for CredentialError {
    fn from(error: sqlx::Error) -> Self {
        CredentialError::Storage(error.into())
    }
}

/// The node's credential services.
#[derive(Debug, Clone)]
pub struct Credentials {
    database: Database,
    subjects: Subjects,
    resolver: Arc<dyn did::Resolver>,
    /// Allowed clock difference with issuers and holders, seconds.
    skew: i64,
    /// The node's public URL, for status list URLs.
    base_url: url::Url,
    /// The guarded client, for others' status lists.
    outbound: OutboundClient,
    /// Served and fetched status lists.
    status: Arc<status::StatusCache>,
    /// The JSON-LD contexts linked-data proofs may use.
    contexts: Arc<jsonld::Contexts>,
}

impl Credentials {
    /// Credential services over the node's stores.
    pub fn new(
        database: Database,
        subjects: Subjects,
        resolver: Arc<dyn did::Resolver>,
        skew: i64,
        base_url: url::Url,
        outbound: OutboundClient,
        contexts: Arc<jsonld::Contexts>,
    ) -> Self {
        Self {
            database,
            subjects,
            resolver,
            skew,
            base_url,
            outbound,
            status: Arc::default(),
            contexts,
        }
    }

    fn verifier(&self, now: i64) -> vc::verify::Verifier<'_> {
        vc::verify::Verifier {
            resolver: self.resolver.as_ref(),
            now,
            skew: self.skew,
            contexts: &self.contexts,
        }
    }

    /// The caches: status lists served and fetched, JSON-LD contexts and canonical forms.
    pub fn cache_stats(&self) -> Vec<(&'static str, Arc<cache::Stats>)> {
        self.status
            .stats()
            .into_iter()
            .chain(self.contexts.cache_stats())
            .collect()
    }

    /// Linked-data proof processing with the node's contexts.
    pub fn ld(&self) -> vc::ldp::LdProcessing<'_> {
        vc::ldp::LdProcessing::new(&self.contexts)
    }
}
