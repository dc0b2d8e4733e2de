//! Helpers shared by the vector tests: loading files from `shared/vectors` by path.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `shared/vectors`, relative to this crate.
pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// A vector file as JSON.
pub fn load(relative: &str) -> Value {
    let path = vectors().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `*.json` files of a vector folder (relative paths, sorted), recursively.
pub fn json_files(folder: &str) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(
                    path.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let base = vectors();
    let mut out = Vec::new();
    walk(&base, &base.join(folder), &mut out);
    out
}

/// The Presentation Definitions inside a nuts-node policy / mapping / discovery file, with their
/// JSON Pointer in the file: values of `organization`, `user`, `service_provider` and
/// `presentation_definition` members, and (older mapping format) any object with
/// `input_descriptors`.
pub fn embedded_definitions(file: &Value) -> Vec<(String, Value)> {
    fn walk(value: &Value, pointer: &str, out: &mut Vec<(String, Value)>) {
        let Value::Object(map) = value else { return };
        if map.contains_key("input_descriptors") {
            out.push((pointer.to_owned(), value.clone()));
            return;
        }
        for (key, child) in map {
            let at = format!("{pointer}/{key}");
            if matches!(
                key.as_str(),
                "organization" | "user" | "service_provider" | "presentation_definition"
            ) && child.is_object()
            {
                out.push((at, child.clone()));
            } else {
                walk(child, &at, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(file, "", &mut out);
    out
}
