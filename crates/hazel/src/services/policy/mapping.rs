//! The policy file structure (`seeds/003`, nuts-node's `policy` module): a JSON object mapping each
//! scope to a Presentation Definition per wallet owner type, and (nuts-node master) a
//! `scope_policy`.
//!
//! ```json
//! { "example_scope": { "organization": { "id": "…", "input_descriptors": [ … ] },
//!                      "user": { … }, "scope_policy": "profile-only" } }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use pex::CompiledDefinition;
use serde_json::Value;

use super::PolicyError;

/// Who holds the wallet the definition is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WalletOwnerType {
    /// An organization's wallet (the service-to-service flow).
    Organization,
    /// A user's wallet (the user flow).
    User,
    /// A service provider acting for organizations (nuts-node master).
    ServiceProvider,
}

impl WalletOwnerType {
    /// The member name.
    pub fn as_str(self) -> &'static str {
        match self {
            WalletOwnerType::Organization => "organization",
            WalletOwnerType::User => "user",
            WalletOwnerType::ServiceProvider => "service_provider",
        }
    }

    /// Parses a member name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "organization" => Some(WalletOwnerType::Organization),
            "user" => Some(WalletOwnerType::User),
            "service_provider" => Some(WalletOwnerType::ServiceProvider),
            _ => None,
        }
    }
}

/// How a profile scope treats the other scopes of a request (`seeds/001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScopePolicy {
    /// Only the profile scope may be requested (nuts-node v6 behaviour).
    #[default]
    ProfileOnly,
    /// Other scopes are granted as requested, for the resource server to judge.
    Passthrough,
    /// Other scopes are decided at token time by the authorization policies.
    Dynamic,
}

/// A definition as loaded (served as is) and compiled (matched against).
#[derive(Debug)]
pub struct Definition {
    /// The definition as written.
    pub json: Value,
    /// Compiled paths and filters.
    pub compiled: CompiledDefinition,
}

/// The policy of one scope.
#[derive(Debug)]
pub struct ScopeEntry {
    /// Definitions by wallet owner type.
    pub definitions: BTreeMap<WalletOwnerType, Definition>,
    /// How other scopes are treated.
    pub scope_policy: ScopePolicy,
}

impl ScopeEntry {
    /// The definition for a wallet owner type.
    pub fn definition(&self, owner: WalletOwnerType) -> Option<&Definition> {
        self.definitions.get(&owner)
    }
}

/// Parses a mapping document; every definition is validated and compiled. `source_name` names the
/// file (or backend) in errors.
pub fn parse_mapping(
    source_name: &str,
    document: &Value,
) -> Result<BTreeMap<String, Arc<ScopeEntry>>, PolicyError> {
    let invalid = |reason: String| PolicyError::Invalid {
        source_name: source_name.to_owned(),
        reason,
    };
    let Value::Object(scopes) = document else {
        return Err(invalid(
            "must be a JSON object mapping scopes to definitions".into(),
        ));
    };
    let mut mapping = BTreeMap::new();
    for (scope, entry) in scopes {
        if scope.is_empty() || scope.contains(' ') {
            return Err(invalid(format!(
                "scope `{scope}` must be one non-empty token"
            )));
        }
        let entry =
            parse_entry(entry).map_err(|reason| invalid(format!("scope `{scope}`: {reason}")))?;
        mapping.insert(scope.clone(), Arc::new(entry));
    }
    Ok(mapping)
}

/// Parses the entry of one scope (also a policy backend's answer).
pub fn parse_entry(entry: &Value) -> Result<ScopeEntry, String> {
    let Value::Object(members) = entry else {
        return Err("must be an object with `organization` and/or `user`".into());
    };
    let mut definitions = BTreeMap::new();
    let mut scope_policy = ScopePolicy::default();
    for (name, value) in members {
        if name == "scope_policy" {
            scope_policy = match value.as_str() {
                Some("profile_only" | "profile-only") => ScopePolicy::ProfileOnly,
                Some("passthrough") => ScopePolicy::Passthrough,
                Some("dynamic") => ScopePolicy::Dynamic,
                _ => {
                    return Err(format!(
                        "scope_policy {value} is not profile-only, passthrough or dynamic"
                    ));
                }
            };
            continue;
        }
        let owner = WalletOwnerType::parse(name).ok_or_else(|| {
            format!("`{name}` is not a wallet owner type (organization, user, service_provider)")
        })?;
        let compiled = CompiledDefinition::from_value(value)
            .map_err(|e| format!("{} definition: {e}", owner.as_str()))?;
        // Field ids become introspection members (seeds/003); the response's own members may
        // not be taken.
        for descriptor in &compiled.definition().input_descriptors {
            for field in descriptor.constraints.fields() {
                if let Some(id) = field.id.as_deref()
                    && oauth::introspection::RESERVED_CLAIMS.contains(&id)
                {
                    return Err(format!(
                        "{} definition: field id `{id}` of input descriptor {} is a reserved \
                         introspection claim",
                        owner.as_str(),
                        descriptor.id
                    ));
                }
            }
        }
        definitions.insert(
            owner,
            Definition {
                json: value.clone(),
                compiled,
            },
        );
    }
    if definitions.is_empty() {
        return Err("has no presentation definition".into());
    }
    Ok(ScopeEntry {
        definitions,
        scope_policy,
    })
}
