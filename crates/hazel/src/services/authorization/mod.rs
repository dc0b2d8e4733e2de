//! Usage-time authorization (`seeds/001`): when a token is used, the resource server asks whether
//! the request is allowed. Every configured Rego policy is evaluated in-process (regorus, OPA
//! compatible); any one allowing is enough, none allowing denies.
//!
//! Each policy file declares `package hazel.authz.<name>` (any package works) and a boolean rule
//! `allow`. The input is `{"token": <introspection result>, "request": {method, path,
//! resource_type, patient_id, purpose_of_use, …}}`.
//!
//! regorus engines are not thread-safe, so each worker thread keeps its own prepared engine,
//! built once from the loaded sources: evaluation parses nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::Value;

/// Why policies could not be loaded or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// A policy file is unreadable or not valid Rego.
    #[error("{file}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// Evaluation failed (a policy raised an error).
    #[error("policy {policy} failed: {reason}")]
    Evaluation {
        /// The policy's package.
        policy: String,
        /// Why.
        reason: String,
    },
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether any policy allowed.
    pub allowed: bool,
    /// The packages of the policies that allowed.
    pub policies: Vec<String>,
}

#[derive(Debug)]
struct Module {
    file: String,
    source: String,
    /// `data.<package>`, as the engine reports it.
    package: String,
}

/// The loaded policies.
#[derive(Debug, Clone)]
pub struct AuthorizationEngine {
    id: u64,
    modules: Arc<Vec<Module>>,
}

static NEXT_ENGINE: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static ENGINES: RefCell<HashMap<u64, regorus::Engine>> = RefCell::new(HashMap::new());
}

fn engine_for(modules: &[Module]) -> Result<regorus::Engine, AuthorizationError> {
    let mut engine = regorus::Engine::new();
    for module in modules {
        engine
            .add_policy(module.file.clone(), module.source.clone())
            .map_err(|e| AuthorizationError::Invalid {
                file: module.file.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(engine)
}

impl AuthorizationEngine {
    /// Reads every `*.rego` file of `directory` (in name order) and checks that each parses and
    /// defines `allow`.
    pub fn load(directory: &Path) -> Result<Self, AuthorizationError> {
        let invalid = |file: &Path, reason: String| AuthorizationError::Invalid {
            file: file.display().to_string(),
            reason,
        };
        let entries =
            std::fs::read_dir(directory).map_err(|e| invalid(directory, e.to_string()))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rego") && path.is_file())
            .collect();
        files.sort();
        let mut sources = Vec::new();
        for file in &files {
            let source = std::fs::read_to_string(file).map_err(|e| invalid(file, e.to_string()))?;
            sources.push((file.display().to_string(), source));
        }
        Self::from_sources(sources)
    }

    /// Policies from (name, Rego source) pairs.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<Self, AuthorizationError> {
        let mut modules = Vec::new();
        for (file, source) in sources {
            let mut engine = regorus::Engine::new();
            let package = engine
                .add_policy(file.clone(), source.clone())
                .map_err(|e| AuthorizationError::Invalid {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            if modules.iter().any(|m: &Module| m.package == package) {
                return Err(AuthorizationError::Invalid {
                    file,
                    reason: format!("package {package} is defined twice"),
                });
            }
            // `allow` must exist and evaluate on an empty input without error.
            engine.eval_rule(format!("{package}.allow")).map_err(|e| {
                AuthorizationError::Invalid {
                    file: file.clone(),
                    reason: format!("rule allow: {e}"),
                }
            })?;
            modules.push(Module {
                file,
                source,
                package,
            });
        }
        // All modules together must form one valid program too.
        engine_for(&modules)?;
        Ok(Self {
            id: NEXT_ENGINE.fetch_add(1, Ordering::Relaxed),
            modules: Arc::new(modules),
        })
    }

    /// The policies' packages, without the `data.` prefix.
    pub fn policies(&self) -> Vec<String> {
        self.modules
            .iter()
            .map(|m| m.package.trim_start_matches("data.").to_owned())
            .collect()
    }

    /// Evaluates every policy on `input`; any one allowing is enough.
    pub fn evaluate(&self, input: &Value) -> Result<Decision, AuthorizationError> {
        let input = regorus::Value::from_json_str(&input.to_string()).map_err(|e| {
            AuthorizationError::Evaluation {
                policy: "input".into(),
                reason: e.to_string(),
            }
        })?;
        ENGINES.with(|engines| {
            let mut engines = engines.borrow_mut();
            let engine = match engines.entry(self.id) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(engine_for(&self.modules)?)
                }
            };
            engine.set_input(input);
            let mut allowed_by = Vec::new();
            for module in self.modules.iter() {
                let result = engine
                    .eval_rule(format!("{}.allow", module.package))
                    .map_err(|e| AuthorizationError::Evaluation {
                        policy: module.package.clone(),
                        reason: e.to_string(),
                    })?;
                if result == regorus::Value::Bool(true) {
                    allowed_by.push(module.package.trim_start_matches("data.").to_owned());
                }
            }
            Ok(Decision {
                allowed: !allowed_by.is_empty(),
                policies: allowed_by,
            })
        })
    }
}
