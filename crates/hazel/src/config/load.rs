//! Reading the configuration from its three sources. Each value keeps its origin (file, environment
//! variable or flag) so that an error can say where the wrong value came from.

use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Yaml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::error::{ConfigError, Problem};
use super::keys::{ENV_PREFIX, KeyInfo, ValueKind, env_name, keys};
use super::{Config, validate};

/// The file read when no `--configfile` (or `HAZEL_CONFIGFILE`) is given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "hazel.yaml";
/// The environment variable that names the configuration file.
pub const CONFIGFILE_ENV: &str = "HAZEL_CONFIGFILE";

/// Where configuration comes from. The caller passes the process environment and the parsed flags
/// in, so that loading is a pure function of its inputs.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// The file named by `--configfile`, if given.
    pub configfile: Option<PathBuf>,
    /// Environment variables (only those starting with `HAZEL_` are read).
    pub env: Vec<(String, String)>,
    /// Command-line flags as (key, value).
    pub flags: Vec<(String, String)>,
}

/// The configuration, together with the file it was read from (if any).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated configuration.
    pub config: Config,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// Things that are allowed but deserve the operator's attention.
    pub warnings: Vec<String>,
}

/// Reads, merges and validates the configuration: defaults < file < environment < flags.
pub fn load(sources: &Sources) -> Result<Loaded, ConfigError> {
    let known = keys();
    let file = config_file(sources)?;
    let mut figment = Figment::new();
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::one("configfile", format!("cannot read {}: {e}", path.display()))
        })?;
        // An empty file is a valid (empty) configuration, not a type error.
        if !text.trim().is_empty() {
            figment = figment.merge(Yaml::file_exact(path));
        }
    }

    let mut problems = Vec::new();
    for (name, raw) in &sources.env {
        if !name.starts_with(ENV_PREFIX) || name == CONFIGFILE_ENV {
            continue;
        }
        match known.iter().find(|k| env_name(&k.name) == *name) {
            Some(key) => match Layer::new(format!("environment variable {name}"), key, raw) {
                Ok(layer) => figment = figment.merge(layer),
                Err(problem) => problems.push(problem),
            },
            None => problems.push(Problem {
                key: name.clone(),
                message: format!(
                    "is not a configuration variable; remove it or fix its spelling (variables are \
                     {ENV_PREFIX} + the key in upper case with `.` as `_`, e.g. HAZEL_POLICY_DIRECTORY)"
                ),
            }),
        }
    }
    for (name, raw) in &sources.flags {
        match known.iter().find(|k| k.name == *name) {
            Some(key) => match Layer::new(format!("flag --{name}"), key, raw) {
                Ok(layer) => figment = figment.merge(layer),
                Err(problem) => problems.push(problem),
            },
            None => problems.push(Problem {
                key: name.clone(),
                message: "is not a configuration key".to_owned(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }

    let config: Config = figment.extract().map_err(|error| ConfigError {
        problems: error.into_iter().map(describe).collect(),
    })?;
    let warnings = validate::validate(&config)?;
    Ok(Loaded {
        config,
        file,
        warnings,
    })
}

fn config_file(sources: &Sources) -> Result<Option<PathBuf>, ConfigError> {
    let named = sources.configfile.clone().or_else(|| {
        sources
            .env
            .iter()
            .find(|(name, _)| name == CONFIGFILE_ENV)
            .map(|(_, value)| PathBuf::from(value))
    });
    match named {
        Some(path) if path.is_file() => Ok(Some(path)),
        Some(path) => Err(ConfigError::one(
            "configfile",
            format!(
                "{} does not exist or is not a file; fix the path or leave --configfile out",
                path.display()
            ),
        )),
        None => Ok(Path::new(DEFAULT_CONFIG_FILE)
            .is_file()
            .then(|| PathBuf::from(DEFAULT_CONFIG_FILE))),
    }
}

/// One environment variable or flag, as a figment provider that names its origin.
struct Layer {
    origin: String,
    data: Map<Profile, Dict>,
}

impl Layer {
    fn new(origin: String, key: &KeyInfo, raw: &str) -> Result<Self, Problem> {
        let value = match key.kind() {
            ValueKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
                "true" => Value::from(true),
                "false" => Value::from(false),
                _ => {
                    return Err(Problem {
                        key: key.name.clone(),
                        message: format!("{origin} must be `true` or `false`, not `{raw}`"),
                    });
                }
            },
            ValueKind::Integer => match raw.trim().parse::<u64>() {
                Ok(number) => Value::from(number),
                Err(_) => {
                    return Err(Problem {
                        key: key.name.clone(),
                        message: format!("{origin} must be a whole number, not `{raw}`"),
                    });
                }
            },
            ValueKind::Text => Value::from(raw.to_owned()),
            ValueKind::List => Value::from(
                raw.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            ),
            ValueKind::Map => {
                let mut map = Dict::new();
                for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let Some((name, value)) = pair.split_once('=') else {
                        return Err(Problem {
                            key: key.name.clone(),
                            message: format!("{origin} must be `key=value,…`, not `{raw}`"),
                        });
                    };
                    map.insert(name.trim().to_owned(), Value::from(value.trim()));
                }
                Value::from(map)
            }
        };
        let data = Serialized::default(&key.name, value)
            .data()
            .map_err(|error| Problem {
                key: key.name.clone(),
                message: error.to_string(),
            })?;
        Ok(Self { origin, data })
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.origin.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(self.data.clone())
    }
}

/// Turns one figment error into a problem that names the key, the origin and the fix.
fn describe(error: figment::Error) -> Problem {
    use figment::error::Kind;

    let key = error.path.join(".");
    let origin = match &error.metadata {
        Some(metadata) => match &metadata.source {
            Some(figment::Source::File(path)) => format!(" (in {})", path.display()),
            _ => format!(" (from {})", metadata.name),
        },
        None => String::new(),
    };
    let message = match &error.kind {
        Kind::UnknownField(field, expected) => {
            // figment's path already ends with the unknown field, except at the top level.
            let key = if key.is_empty() { field.clone() } else { key };
            return Problem {
                message: format!(
                    "is not a configuration key{origin}; remove it or fix its spelling (known here: {})",
                    expected.join(", ")
                ),
                key,
            };
        }
        Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {actual}{origin}")
        }
        Kind::UnknownVariant(actual, expected) => {
            format!(
                "`{actual}` is not allowed{origin}; use one of: {}",
                expected.join(", ")
            )
        }
        Kind::InvalidValue(actual, expected) => {
            format!("expected {expected}, found {actual}{origin}")
        }
        other => format!("{other}{origin}"),
    };
    Problem {
        key: if key.is_empty() {
            "configuration".to_owned()
        } else {
            key
        },
        message,
    }
}
