//! `policy.directory`: every `*.json` file in the directory is read at start-up (in name order, so
//! errors are reproducible). A broken file, an invalid definition, or a scope defined twice stops
//! the start-up with the file name and the reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

use super::mapping::{ScopeEntry, parse_mapping};
use super::{PolicyError, PolicySource};

/// The mappings read from a directory.
#[derive(Debug, Default)]
pub struct PolicyDirectory {
    scopes: BTreeMap<String, Arc<ScopeEntry>>,
}

impl PolicyDirectory {
    /// Reads and validates every `*.json` file of `directory`.
    pub fn load(directory: &Path) -> Result<Self, PolicyError> {
        let invalid = |source_name: String, reason: String| PolicyError::Invalid {
            source_name,
            reason,
        };
        let entries = std::fs::read_dir(directory)
            .map_err(|e| invalid(directory.display().to_string(), e.to_string()))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json") && path.is_file())
            .collect();
        files.sort();
        let mut scopes: BTreeMap<String, Arc<ScopeEntry>> = BTreeMap::new();
        let mut origin: BTreeMap<String, String> = BTreeMap::new();
        for file in files {
            let name = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).map_err(|e| invalid(name.clone(), e.to_string()))?;
            let document: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| invalid(name.clone(), format!("not valid JSON: {e}")))?;
            for (scope, entry) in parse_mapping(&name, &document)? {
                if let Some(first) = origin.get(&scope) {
                    return Err(invalid(
                        name.clone(),
                        format!("scope `{scope}` is already defined in {first}"),
                    ));
                }
                origin.insert(scope.clone(), name.clone());
                scopes.insert(scope, entry);
            }
        }
        Ok(Self { scopes })
    }

    /// The scopes defined.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.keys().map(String::as_str)
    }
}

#[async_trait]
impl PolicySource for PolicyDirectory {
    async fn scope(&self, scope: &str, _: &str) -> Result<Option<Arc<ScopeEntry>>, PolicyError> {
        Ok(self.scopes.get(scope).cloned())
    }
}
