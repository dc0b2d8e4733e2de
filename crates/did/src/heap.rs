//! What a parsed DID document takes in memory, estimated: a resolver's cache is bounded in these
//! bytes, and a document's text says little about them. A verification method of 300 bytes of
//! JSON takes about 1.3 KiB parsed, mostly allocations of small strings and the fixed-size nodes
//! of the maps (`serde_json::Map` is a `BTreeMap`, whose nodes hold eleven entries).

use std::mem::{size_of, size_of_val};

use serde_json::{Map, Value};

/// What the allocator adds to an allocation, on average: its header and the rounding up to a
/// size class.
const ALLOCATION: usize = 16;
/// Entries per node of a `BTreeMap`.
const NODE_ENTRIES: usize = 11;
/// A `BTreeMap<String, Value>` node: its keys, values, and the lengths and links beside them.
const NODE: usize = NODE_ENTRIES * (size_of::<String>() + size_of::<Value>()) + 16 + ALLOCATION;

/// The heap behind a string.
pub fn string(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        text.len().next_multiple_of(16) + ALLOCATION
    }
}

/// The heap behind a JSON value (not the value itself).
pub fn value(json: &Value) -> usize {
    match json {
        Value::String(text) => string(text),
        Value::Array(items) => {
            if items.is_empty() {
                0
            } else {
                items.len() * size_of::<Value>()
                    + ALLOCATION
                    + items.iter().map(value).sum::<usize>()
            }
        }
        Value::Object(members) => map(members),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// The heap behind a JSON object.
pub fn map(members: &Map<String, Value>) -> usize {
    members.len().div_ceil(NODE_ENTRIES) * NODE
        + members
            .iter()
            .map(|(name, member)| string(name) + value(member))
            .sum::<usize>()
}

/// The heap behind a vector of `T`, each with `heap(item)` behind it.
pub fn vec<T>(items: &[T], heap: impl Fn(&T) -> usize) -> usize {
    if items.is_empty() {
        0
    } else {
        size_of_val(items) + ALLOCATION + items.iter().map(heap).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_values_count_every_allocation() {
        assert_eq!(string(""), 0);
        assert_eq!(string("a"), 32);
        assert_eq!(value(&json!(null)), 0);
        assert_eq!(value(&json!([])), 0);
        assert_eq!(value(&json!(["a"])), size_of::<Value>() + ALLOCATION + 32);
        assert_eq!(value(&json!({})), 0);
        assert_eq!(value(&json!({"a": "b"})), NODE + 32 + 32);
        // Twelve members take two nodes.
        let twelve: Map<String, Value> = (0..12).map(|i| (format!("k{i:02}"), json!(1))).collect();
        assert_eq!(map(&twelve), 2 * NODE + 12 * 32);
    }
}
