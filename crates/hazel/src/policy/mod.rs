//! Policy: which credentials a client must present for a scope (scope → Presentation Definition
//! per wallet owner type, `seeds/003`), from a directory of files or a policy backend, and how the
//! other scopes of a request are treated (`seeds/001`).

mod backend;
mod directory;
mod mapping;

use std::sync::Arc;

use async_trait::async_trait;

pub use backend::PolicyBackend;
pub use directory::PolicyDirectory;
pub use mapping::{RESERVED_CLAIMS, ScopeEntry, ScopePolicy, WalletOwnerType, parse_mapping};

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

/// The most scopes one request may ask for.
pub const MAX_SCOPES: usize = 20;

/// Resolves a space-separated `scope` parameter: exactly one scope must be a credential profile
/// scope; the others are allowed as its scope policy says. Scopes are compared as strings
/// (SMART-on-FHIR `patient/Observation.read` is just a string). `can_decide` says whether a
/// decision point (Rego policies or an AuthZEN PDP) can grant the extras of a `dynamic` profile.
pub async fn select_scopes(
    source: &dyn PolicySource,
    scope: &str,
    authorizer: &str,
    can_decide: bool,
) -> Result<ScopeSelection, PolicyError> {
    // RFC 6749 §3.3 scope-token characters; and a bound, since each extra scope of a dynamic
    // profile costs a policy decision.
    if let Some(bad) = scope
        .chars()
        .find(|&c| c != ' ' && !(c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c)))
    {
        return Err(PolicyError::Scope(format!(
            "scope contains {bad:?}, which RFC 6749 §3.3 does not allow"
        )));
    }
    let mut requested: Vec<&str> = Vec::new();
    for token in scope.split(' ').filter(|t| !t.is_empty()) {
        if requested.len() == MAX_SCOPES {
            return Err(PolicyError::Scope(format!(
                "more than {MAX_SCOPES} scopes requested"
            )));
        }
        if !requested.contains(&token) {
            requested.push(token);
        }
    }
    if requested.is_empty() {
        return Err(PolicyError::Scope("no scope requested".into()));
    }
    let mut profiles = Vec::new();
    let mut extra = Vec::new();
    for token in requested {
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
