//! Claims extracted from matched credentials.
//!
//! For every field with an `id` that matched, the value found at its path becomes a claim named by
//! the id (PE v2.0 §5.1.1 `id`, used the way nuts-node v6 `ResolveConstraintsFields` does): the
//! whole value, so `$.type` gives the array. Hazel extension: when the field's `filter` has a
//! `pattern` with exactly one capture group and the value is a string, the claim is that group
//! (for example the number inside a UZI/URA `otherName`).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Claim id → value, with at most one value per id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct Claims(BTreeMap<String, Value>);

impl Claims {
    /// No claims.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a claim; the same id with an equal value is accepted once, with a different value it
    /// is [`Error::ConflictingClaim`].
    pub fn insert(&mut self, id: &str, value: Value) -> Result<(), Error> {
        match self.0.entry(id.to_owned()) {
            Entry::Vacant(slot) => {
                slot.insert(value);
                Ok(())
            }
            Entry::Occupied(existing) if *existing.get() == value => Ok(()),
            Entry::Occupied(_) => Err(Error::ConflictingClaim { id: id.to_owned() }),
        }
    }

    /// Adds all claims of `other` (for example those of a second definition evaluated in the
    /// same request), with the conflict rule of [`Claims::insert`].
    pub fn merge(&mut self, other: Claims) -> Result<(), Error> {
        for (id, value) in other.0 {
            self.insert(&id, value)?;
        }
        Ok(())
    }

    /// The value of claim `id`.
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(id)
    }

    /// The claims in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of claims.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no claims.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The claims as a map.
    pub fn into_map(self) -> BTreeMap<String, Value> {
        self.0
    }
}

#[cfg(test)]
mod tests;
