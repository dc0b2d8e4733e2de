//! The flat list of configuration keys (`http.public.address`, …), derived from the typed tree so
//! that it cannot drift from it. Used for flags, environment names, `hazel config` and the docs test.

use serde_json::Value;

use super::Config;

/// The prefix of every environment variable the node reads.
pub const ENV_PREFIX: &str = "HAZEL_";

/// Keys whose value is a map (URL → file); the tree stops there rather than naming each entry.
const MAP_KEYS: &[&str] = &["jsonld.contexts.localmapping"];

/// One configuration key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    /// Dotted name, as in the YAML file and the flag (`--http.public.address`).
    pub name: String,
    /// Default value in YAML/JSON form (`null` where unset by default).
    pub default: Value,
}

impl KeyInfo {
    /// The kind of value the key takes, used to read flags and environment variables exactly.
    pub fn kind(&self) -> ValueKind {
        match self.default {
            Value::Bool(_) => ValueKind::Bool,
            Value::Number(_) => ValueKind::Integer,
            Value::Array(_) => ValueKind::List,
            Value::Object(_) => ValueKind::Map,
            _ => ValueKind::Text,
        }
    }
}

/// What a flag or environment variable holds, as text to be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// Anything else (strings, paths, addresses, durations, enumerations).
    Text,
    /// A list, written comma-separated in flags and environment variables.
    List,
    /// A map, written `key=value,key=value` in flags and environment variables.
    Map,
}

/// Every key, in the order of the configuration tree.
pub fn keys() -> Vec<KeyInfo> {
    let mut out = Vec::new();
    // Serialising the default tree cannot fail: it holds only strings, numbers, booleans and
    // options, all representable in JSON.
    let defaults = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
    flatten("", &defaults, &mut out);
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<KeyInfo>) {
    match value {
        Value::Object(members) if !MAP_KEYS.contains(&prefix) => {
            for (name, member) in members {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                flatten(&path, member, out);
            }
        }
        leaf => out.push(KeyInfo {
            name: prefix.to_owned(),
            default: leaf.clone(),
        }),
    }
}

/// The environment variable for a key: `HAZEL_` + upper case, `.` → `_`.
pub fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cover_nested_sections_with_their_defaults() {
        let keys = keys();
        let find = |name: &str| keys.iter().find(|k| k.name == name).cloned();
        assert_eq!(
            find("http.public.address").map(|k| k.default),
            Some(Value::from("0.0.0.0:8080"))
        );
        assert_eq!(
            find("http.internal.address").map(|k| k.default),
            Some(Value::from("127.0.0.1:8081"))
        );
        assert_eq!(find("strictmode").map(|k| k.kind()), Some(ValueKind::Bool));
        assert_eq!(
            find("policy.directory").map(|k| k.default),
            Some(Value::Null)
        );
        assert!(find("http.internal.auth.type").is_some());
        assert!(find("http").is_none(), "sections are not keys");
        assert_eq!(
            find("jsonld.contexts.localmapping").map(|k| k.kind()),
            Some(ValueKind::Map)
        );
        assert_eq!(
            find("jsonld.contexts.remoteallowlist").map(|k| k.kind()),
            Some(ValueKind::List)
        );
    }

    #[test]
    fn env_names_follow_the_prefix_rule() {
        assert_eq!(env_name("policy.directory"), "HAZEL_POLICY_DIRECTORY");
        assert_eq!(
            env_name("storage.sql.connection"),
            "HAZEL_STORAGE_SQL_CONNECTION"
        );
    }

    #[test]
    fn env_names_are_unambiguous() {
        let mut names: Vec<String> = keys().iter().map(|k| env_name(&k.name)).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            count,
            "two keys map to one environment variable"
        );
    }
}
