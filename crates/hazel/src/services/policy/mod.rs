//! Policy: which credentials a client must present for a scope (scope → Presentation Definition
//! per wallet owner type, `seeds/003`), from a directory of files or a policy backend, and how the
//! other scopes of a request are treated (`seeds/001`).

mod backend;
mod directory;
mod mapping;

use std::sync::Arc;

use async_trait::async_trait;
use oauth::types::Scope;

pub use backend::{CACHE_ENTRIES as BACKEND_CACHE_ENTRIES, PolicyBackend};
pub use directory::PolicyDirectory;
pub use mapping::{Definition, ScopeEntry, ScopePolicy, WalletOwnerType, parse_mapping};

/// Why a policy question could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy file or backend answer is not a valid mapping.
    #[error("{source_name}: {reason}")]
    Invalid {
        /// The file (or backend URL) at fault.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The policy backend did not answer usefully (down, slow, non-2xx, malformed).
    #[error("policy backend: {0}")]
    Backend(String),
    /// The request's scopes do not select exactly one credential profile, or an extra scope is
    /// not allowed by the profile's scope policy.
    #[error("{0}")]
    Scope(String),
}

/// Where scope mappings come from.
#[async_trait]
pub trait PolicySource: Send + Sync + std::fmt::Debug {
    /// The entry for one scope string, if it is a credential profile scope. `authorizer` is the
    /// subject the token is asked from (a backend may answer per subject).
    async fn scope(
        &self,
        scope: &str,
        authorizer: &str,
    ) -> Result<Option<Arc<ScopeEntry>>, PolicyError>;
}

/// The scopes of a request, resolved against the policy.
#[derive(Debug, Clone)]
pub struct ScopeSelection {
    /// The credential profile scope that selects the Presentation Definitions.
    pub profile: String,
    /// Its entry.
    pub entry: Arc<ScopeEntry>,
    /// The other requested scopes, in request order.
    pub extra: Vec<String>,
}

/// The most scopes one request may ask for: each extra scope of a dynamic profile costs a
/// policy decision.
pub const MAX_SCOPES: usize = 20;

/// The node's policy: where scope mappings come from (if anywhere), and whether a decision point
/// can grant the extra scopes of a `dynamic` profile.
#[derive(Debug, Clone)]
pub struct Policy {
    source: Option<Arc<dyn PolicySource>>,
    can_decide: bool,
}

impl Policy {
    /// A policy over `source`; `can_decide` when Rego policies or an AuthZEN PDP are configured.
    pub fn new(source: Option<Arc<dyn PolicySource>>, can_decide: bool) -> Self {
        Self { source, can_decide }
    }

    /// Resolves the scopes of a request to `authorizer` (see [`select_scopes`]); `None` when no
    /// policy is configured at all.
    pub async fn select(
        &self,
        scope: &Scope,
        authorizer: &str,
    ) -> Option<Result<ScopeSelection, PolicyError>> {
        let source = self.source.as_deref()?;
        Some(select_scopes(source, scope, authorizer, self.can_decide).await)
    }
}

/// Resolves the scope tokens of a request: exactly one must be a credential profile scope; the
/// others are allowed as its scope policy says. Scopes are compared as strings (SMART-on-FHIR
/// `patient/Observation.read` is just a string). `can_decide` says whether a decision point
/// (Rego policies or an AuthZEN PDP) can grant the extras of a `dynamic` profile.
pub async fn select_scopes(
    source: &dyn PolicySource,
    scope: &Scope,
    authorizer: &str,
    can_decide: bool,
) -> Result<ScopeSelection, PolicyError> {
    let mut profiles = Vec::new();
    let mut extra = Vec::new();
    for token in scope.tokens() {
        match source.scope(token, authorizer).await? {
            Some(entry) => profiles.push((token, entry)),
            None => extra.push(token.to_owned()),
        }
    }
    let (profile, entry) = match profiles.len() {
        0 => {
            return Err(PolicyError::Scope(format!(
                "unsupported scope ({scope}): no credential profile scope requested"
            )));
        }
        1 => profiles.remove(0),
        _ => {
            let names: Vec<&str> = profiles.iter().map(|(name, _)| *name).collect();
            return Err(PolicyError::Scope(format!(
                "several credential profile scopes requested ({}); ask for one",
                names.join(", ")
            )));
        }
    };
    match entry.scope_policy {
        ScopePolicy::ProfileOnly if !extra.is_empty() => Err(PolicyError::Scope(format!(
            "scope {} is not allowed with {profile} (its scope policy is profile-only)",
            extra.join(" ")
        ))),
        ScopePolicy::Dynamic if !extra.is_empty() && !can_decide => {
            Err(PolicyError::Scope(format!(
                "scope {} needs an authorization policy to grant it, and none is configured",
                extra.join(" ")
            )))
        }
        _ => Ok(ScopeSelection {
            profile: profile.to_owned(),
            entry,
            extra,
        }),
    }
}
