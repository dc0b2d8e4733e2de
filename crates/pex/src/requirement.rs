//! Submission Requirements (PE v2.0 §7.1.3): which combinations of input descriptors a holder
//! must submit.
//!
//! The same rules are applied in two directions: [`SubmissionRequirement::is_met`] checks a set of
//! submitted input descriptors (verifier, §7.1.3.5), and `choose` picks a set from the descriptors
//! the wallet can satisfy (holder).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{Error, Invalid, Shortfall, Violation};
use crate::json::{self, Object};

/// What a submission requirement needs to know of an input descriptor: its `id` and the groups
/// it is in (PE v2.0 §5.1.1 `group`).
pub trait Grouped {
    /// The descriptor's `id`.
    fn id(&self) -> &str;
    /// The descriptor's groups; empty when it has none.
    fn groups(&self) -> &[String];
}

/// PE v2.0 §7.1.3.2: a submission requirement rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// §7.1.3.3: every input descriptor of the group (or every nested requirement) is needed.
    All,
    /// §7.1.3.4: a number of them, given by `count`, `min` and `max`.
    Pick,
}

impl Rule {
    /// The rule as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pick => "pick",
        }
    }
}

/// PE v2.0 §7.1.3.1: where a requirement takes its members from.
#[derive(Debug, Clone, PartialEq)]
pub enum From {
    /// `from`: the input descriptors whose `group` holds this string.
    Group(String),
    /// `from_nested`: nested submission requirements.
    Nested(Vec<SubmissionRequirement>),
}

/// A Submission Requirement Object (PE v2.0 §7.1.3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRequirement {
    /// `name`: a display name.
    pub name: Option<String>,
    /// `purpose`: why the requirement is made.
    pub purpose: Option<String>,
    /// `rule`: `all` or `pick`.
    pub rule: Rule,
    /// `count` (pick): exactly this many; at least 1.
    pub count: Option<u64>,
    /// `min` (pick): at least this many.
    pub min: Option<u64>,
    /// `max` (pick): at most this many.
    pub max: Option<u64>,
    /// `from` or `from_nested`.
    pub from: From,
    /// Members this crate does not know, kept as they were.
    pub unknown: Map<String, Value>,
}

const KNOWN: &[&str] = &[
    "name",
    "purpose",
    "rule",
    "count",
    "min",
    "max",
    "from",
    "from_nested",
];

impl SubmissionRequirement {
    /// Parses a submission requirement at `pointer`, checking the rules of PE v2.0 §7.1.3.1,
    /// §7.1.3.4 and §7.1.3.5: a known `rule`, exactly one of `from` / `from_nested`, a non-empty
    /// `from_nested`, `count` ≥ 1, `min` ≥ 0, `max` ≥ 0 and `min` ≤ `max`.
    pub(crate) fn parse(value: &Value, pointer: &str) -> Result<Self, Invalid> {
        let object = Object::new(value, pointer, KNOWN)?;
        let rule = match object.required_str("rule")?.as_str() {
            "all" => Rule::All,
            "pick" => Rule::Pick,
            other => {
                return Err(Invalid::new(
                    object.at("rule"),
                    Violation::NotAllowed {
                        value: other.to_owned(),
                        allowed: "'all', 'pick'",
                    },
                ));
            }
        };
        let count = object.optional_count("count", 1)?;
        let min = object.optional_count("min", 0)?;
        let max = object.optional_count("max", 0)?;
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(Invalid::new(object.at("min"), Violation::MinAboveMax));
        }
        let from = match (object.get("from"), object.get("from_nested")) {
            (Some(_), Some(_)) => {
                return Err(Invalid::new(
                    object.at("from_nested"),
                    Violation::FromAndFromNested,
                ));
            }
            (None, None) => return Err(Invalid::new(pointer, Violation::NoFrom)),
            (Some(_), None) => From::Group(object.required_str("from")?),
            (None, Some(_)) => {
                let at = object.at("from_nested");
                let items = object.required_array("from_nested")?;
                if items.is_empty() {
                    return Err(Invalid::new(at, Violation::Empty));
                }
                let nested = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Self::parse(v, &json::item(&at, i)))
                    .collect::<Result<Vec<_>, _>>()?;
                From::Nested(nested)
            }
        };
        Ok(Self {
            name: object.optional_str("name")?,
            purpose: object.optional_str("purpose")?,
            rule,
            count,
            min,
            max,
            from,
            unknown: object.unknown(),
        })
    }

    /// Parses a submission requirement from JSON (PE v2.0 §7.1.3.1).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::parse(value, "").map_err(Invalid::in_definition)
    }

    /// Calls `visit` with every `from` group of this requirement and its nested ones, with the
    /// JSON Pointer of the `from` member.
    pub(crate) fn visit_groups(&self, pointer: &str, visit: &mut dyn FnMut(&str, String)) {
        match &self.from {
            From::Group(group) => visit(group, json::member(pointer, "from")),
            From::Nested(nested) => {
                let at = json::member(pointer, "from_nested");
                for (i, requirement) in nested.iter().enumerate() {
                    requirement.visit_groups(&json::item(&at, i), visit);
                }
            }
        }
    }

    /// PE v2.0 §7.1.3.5: whether the input descriptors marked in `present` (indexed like
    /// `descriptors`) satisfy this requirement. `pointer` locates the requirement for the error.
    pub fn is_met<D: Grouped>(
        &self,
        descriptors: &[D],
        present: &[bool],
        pointer: &str,
    ) -> Result<(), Error> {
        self.check(descriptors, present, pointer)
            .map_err(|(requirement, shortfall)| Error::RequirementNotMet {
                requirement,
                shortfall,
            })
    }

    fn check<D: Grouped>(
        &self,
        descriptors: &[D],
        present: &[bool],
        pointer: &str,
    ) -> Result<(), (String, Shortfall)> {
        match &self.from {
            From::Group(group) => {
                let members = members(descriptors, group);
                if self.rule == Rule::All {
                    if let Some(&missing) = members.iter().find(|&&i| !flag(present, i)) {
                        let member = descriptors
                            .get(missing)
                            .map(|d| d.id().to_owned())
                            .unwrap_or_default();
                        return Err((pointer.to_owned(), Shortfall::AllNeeds { member }));
                    }
                    return Ok(());
                }
                let actual = members.iter().filter(|&&i| flag(present, i)).count();
                self.check_pick(actual as u64)
                    .map_err(|s| (pointer.to_owned(), s))
            }
            From::Nested(nested) => {
                let at = json::member(pointer, "from_nested");
                if self.rule == Rule::All {
                    for (i, requirement) in nested.iter().enumerate() {
                        requirement.check(descriptors, present, &json::item(&at, i))?;
                    }
                    return Ok(());
                }
                let actual = nested
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| r.check(descriptors, present, &json::item(&at, *i)).is_ok())
                    .count();
                self.check_pick(actual as u64)
                    .map_err(|s| (pointer.to_owned(), s))
            }
        }
    }

    /// PE v2.0 §7.1.3.5, `pick`: `count` exactly, at least `min`, at most `max`.
    fn check_pick(&self, actual: u64) -> Result<(), Shortfall> {
        if let Some(count) = self.count
            && actual != count
        {
            return Err(Shortfall::Count { count, actual });
        }
        if let Some(min) = self.min
            && actual < min
        {
            return Err(Shortfall::TooFew { min, actual });
        }
        if let Some(max) = self.max
            && actual > max
        {
            return Err(Shortfall::TooMany { max, actual });
        }
        Ok(())
    }

    /// Holder side: marks in `chosen` the input descriptors to submit for this requirement, given
    /// which ones the wallet can satisfy (`available`).
    ///
    /// `all` takes every member; `pick` with `count` takes the first `count` available members in
    /// definition order; `pick` without `count` takes every available member up to `max` and
    /// fails below `min` (as nuts-node v6 does).
    pub(crate) fn choose<D: Grouped>(
        &self,
        descriptors: &[D],
        available: &[bool],
        pointer: &str,
        chosen: &mut [bool],
    ) -> Result<(), Unsatisfiable> {
        match &self.from {
            From::Group(group) => {
                let members = members(descriptors, group);
                let usable: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| flag(available, i))
                    .collect();
                let missing = || {
                    members
                        .iter()
                        .copied()
                        .filter(|&i| !flag(available, i))
                        .collect::<Vec<_>>()
                };
                if self.rule == Rule::All {
                    if usable.len() != members.len() {
                        let unavailable = missing();
                        let member = unavailable
                            .first()
                            .and_then(|&i| descriptors.get(i))
                            .map(|d| d.id().to_owned())
                            .unwrap_or_default();
                        return Err(Unsatisfiable {
                            requirement: pointer.to_owned(),
                            shortfall: Shortfall::AllNeeds { member },
                            unavailable,
                        });
                    }
                    mark(chosen, &usable);
                    return Ok(());
                }
                let take =
                    self.pick_size(usable.len() as u64)
                        .map_err(|shortfall| Unsatisfiable {
                            requirement: pointer.to_owned(),
                            shortfall,
                            unavailable: missing(),
                        })?;
                mark(chosen, usable.get(..take).unwrap_or(&usable));
                Ok(())
            }
            From::Nested(nested) => {
                let at = json::member(pointer, "from_nested");
                if self.rule == Rule::All {
                    for (i, requirement) in nested.iter().enumerate() {
                        requirement.choose(descriptors, available, &json::item(&at, i), chosen)?;
                    }
                    return Ok(());
                }
                let mut picks: Vec<Vec<bool>> = Vec::new();
                let mut first_failure = None;
                for (i, requirement) in nested.iter().enumerate() {
                    let mut own = vec![false; chosen.len()];
                    match requirement.choose(descriptors, available, &json::item(&at, i), &mut own)
                    {
                        Ok(()) => picks.push(own),
                        Err(e) => {
                            first_failure.get_or_insert(e);
                        }
                    }
                }
                let take =
                    self.pick_size(picks.len() as u64)
                        .map_err(|shortfall| Unsatisfiable {
                            requirement: pointer.to_owned(),
                            shortfall,
                            unavailable: first_failure.map(|e| e.unavailable).unwrap_or_default(),
                        })?;
                for own in picks.iter().take(take) {
                    for (slot, &picked) in chosen.iter_mut().zip(own) {
                        *slot |= picked;
                    }
                }
                Ok(())
            }
        }
    }

    /// How many of `usable` members a `pick` takes, or why it cannot.
    fn pick_size(&self, usable: u64) -> Result<usize, Shortfall> {
        let take = if let Some(count) = self.count {
            if usable < count {
                return Err(Shortfall::Count {
                    count,
                    actual: usable,
                });
            }
            count
        } else {
            if let Some(min) = self.min
                && usable < min
            {
                return Err(Shortfall::TooFew {
                    min,
                    actual: usable,
                });
            }
            self.max.map_or(usable, |max| usable.min(max))
        };
        Ok(usize::try_from(take).unwrap_or(usize::MAX))
    }
}

/// Why the holder cannot satisfy a requirement.
#[derive(Debug)]
pub(crate) struct Unsatisfiable {
    pub(crate) requirement: String,
    pub(crate) shortfall: Shortfall,
    /// Indexes of the input descriptors involved that the wallet cannot satisfy.
    pub(crate) unavailable: Vec<usize>,
}

fn members<D: Grouped>(descriptors: &[D], group: &str) -> Vec<usize> {
    descriptors
        .iter()
        .enumerate()
        .filter(|(_, d)| d.groups().iter().any(|g| g == group))
        .map(|(i, _)| i)
        .collect()
}

fn flag(flags: &[bool], index: usize) -> bool {
    flags.get(index).copied().unwrap_or(false)
}

fn mark(flags: &mut [bool], indexes: &[usize]) {
    for &i in indexes {
        if let Some(slot) = flags.get_mut(i) {
            *slot = true;
        }
    }
}

impl Serialize for SubmissionRequirement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(name) = &self.name {
            map.serialize_entry("name", name)?;
        }
        if let Some(purpose) = &self.purpose {
            map.serialize_entry("purpose", purpose)?;
        }
        map.serialize_entry("rule", self.rule.as_str())?;
        if let Some(count) = self.count {
            map.serialize_entry("count", &count)?;
        }
        if let Some(min) = self.min {
            map.serialize_entry("min", &min)?;
        }
        if let Some(max) = self.max {
            map.serialize_entry("max", &max)?;
        }
        match &self.from {
            From::Group(group) => map.serialize_entry("from", group)?,
            From::Nested(nested) => map.serialize_entry("from_nested", nested)?,
        }
        for (key, value) in &self.unknown {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SubmissionRequirement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
