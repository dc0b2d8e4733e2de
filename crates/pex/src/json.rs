//! Typed reading of JSON objects with precise error locations (RFC 6901 JSON Pointers).
//!
//! Definitions and submissions are parsed by hand from a [`serde_json::Value`] rather than by
//! `serde` derive, so that every refusal can name the member it is about and unknown members can be
//! kept for a faithful round trip.

use serde_json::{Map, Value};

use crate::error::{Invalid, Violation};

/// The JSON Pointer of `key` below `parent` (RFC 6901 §3 escaping).
pub(crate) fn member(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// The JSON Pointer of array item `index` below `parent`.
pub(crate) fn item(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

pub(crate) fn wrong(pointer: impl Into<String>, expected: &'static str) -> Invalid {
    Invalid::new(pointer, Violation::WrongType { expected })
}

/// An object being read, with the pointer it lives at and the names of the members it knows.
pub(crate) struct Object<'v> {
    map: &'v Map<String, Value>,
    pointer: &'v str,
    known: &'static [&'static str],
}

impl<'v> Object<'v> {
    /// Reads `value` as an object at `pointer`; `known` lists the member names the caller reads,
    /// all others end up in [`Object::unknown`].
    pub(crate) fn new(
        value: &'v Value,
        pointer: &'v str,
        known: &'static [&'static str],
    ) -> Result<Self, Invalid> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                pointer,
                known,
            }),
            _ => Err(wrong(pointer, "an object")),
        }
    }

    pub(crate) fn at(&self, key: &str) -> String {
        member(self.pointer, key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    pub(crate) fn required(&self, key: &str) -> Result<&'v Value, Invalid> {
        self.get(key)
            .ok_or_else(|| Invalid::new(self.at(key), Violation::Missing))
    }

    pub(crate) fn required_str(&self, key: &str) -> Result<String, Invalid> {
        match self.required(key)? {
            Value::String(s) => Ok(s.clone()),
            _ => Err(wrong(self.at(key), "a string")),
        }
    }

    pub(crate) fn optional_str(&self, key: &str) -> Result<Option<String>, Invalid> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(self.at(key), "a string")),
        }
    }

    pub(crate) fn optional_bool(&self, key: &str) -> Result<Option<bool>, Invalid> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong(self.at(key), "a boolean")),
        }
    }

    /// An optional non-negative integer that must be at least `minimum`.
    pub(crate) fn optional_count(&self, key: &str, minimum: u64) -> Result<Option<u64>, Invalid> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let n = match value {
            Value::Number(n) => n,
            _ => return Err(wrong(self.at(key), "an integer")),
        };
        if let Some(u) = n.as_u64() {
            if u < minimum {
                return Err(Invalid::new(
                    self.at(key),
                    Violation::BelowMinimum { minimum },
                ));
            }
            return Ok(Some(u));
        }
        if n.as_i64().is_some() {
            // A negative integer.
            return Err(Invalid::new(
                self.at(key),
                Violation::BelowMinimum { minimum },
            ));
        }
        // JSON Schema counts 2.0 as an integer; anything with a fraction is not.
        match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f < 0.0 => Err(Invalid::new(
                self.at(key),
                Violation::BelowMinimum { minimum },
            )),
            Some(f) if f.fract() == 0.0 && f < u64::MAX as f64 => {
                let u = f as u64;
                if u < minimum {
                    Err(Invalid::new(
                        self.at(key),
                        Violation::BelowMinimum { minimum },
                    ))
                } else {
                    Ok(Some(u))
                }
            }
            _ => Err(wrong(self.at(key), "an integer")),
        }
    }

    pub(crate) fn optional_array(&self, key: &str) -> Result<Option<&'v Vec<Value>>, Invalid> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(wrong(self.at(key), "an array")),
        }
    }

    pub(crate) fn required_array(&self, key: &str) -> Result<&'v Vec<Value>, Invalid> {
        match self.required(key)? {
            Value::Array(items) => Ok(items),
            _ => Err(wrong(self.at(key), "an array")),
        }
    }

    /// An optional array of strings.
    pub(crate) fn optional_strings(&self, key: &str) -> Result<Option<Vec<String>>, Invalid> {
        let Some(items) = self.optional_array(key)? else {
            return Ok(None);
        };
        strings(items, &self.at(key)).map(Some)
    }

    /// The members this reader does not know, kept for the round trip.
    pub(crate) fn unknown(&self) -> Map<String, Value> {
        self.map
            .iter()
            .filter(|(k, _)| !self.known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Reads every item of `items` (at `pointer`) as a string.
pub(crate) fn strings(items: &[Value], pointer: &str) -> Result<Vec<String>, Invalid> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(wrong(item(pointer, i), "a string")),
        })
        .collect()
}
