//! Presentation Definitions (PE v2.0 §5) and Input Descriptors (§5.1), parsed and validated.
//!
//! Parsing is typed and checks the rules of the specification and of its JSON schema (§10) by
//! hand, so that a refusal names the offending member with a JSON Pointer. Members this crate does
//! not know are kept in `unknown` maps, so that a definition loaded and served again is the same
//! JSON document.
//!
//! Deliberate differences from the official JSON schema, each for a reason:
//! - unknown members are accepted and kept (the schema says `additionalProperties: false`; the
//!   specification says such properties "MUST be ignored");
//! - a field `path` must hold at least one expression (§5.1.1 "an array of one or more"), and a
//!   `format` object at least one designation, each with its `alg` / `proof_type` (§5: "MUST");
//! - every JSONPath must parse (RFC 9535) and every `filter` must compile as a JSON Schema;
//! - the cross-member rules the schema cannot express: unique input descriptor ids (§5.1.1),
//!   groups that resolve both ways when submission requirements are present (§7.1.2, §7.1.3.1),
//!   `min` ≤ `max`;
//! - field `id`s are *not* required to be unique across input descriptors (§5.1.1 says they
//!   should be): nuts-node accepts such policy files, and two fields producing the same claim with
//!   different values are refused when claims are extracted instead.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Invalid, Violation};
use crate::format::FormatDesignations;
use crate::json::{self, Object};
use crate::requirement::{Grouped, SubmissionRequirement};

/// A Presentation Definition (PE v2.0 §5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentationDefinition {
    /// `id` (§5): "MUST contain an id property. The value of this property MUST be a string."
    pub id: String,
    /// `name` (§5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `purpose` (§5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// `format` (§5): the claim formats the verifier can process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatDesignations>,
    /// `frame` (§7.5, JSON-LD Framing Feature): kept, not interpreted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<Map<String, Value>>,
    /// `submission_requirements` (§7.1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission_requirements: Option<Vec<SubmissionRequirement>>,
    /// `input_descriptors` (§5): "MUST contain an input_descriptors property".
    pub input_descriptors: Vec<InputDescriptor>,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// An Input Descriptor Object (PE v2.0 §5.1.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputDescriptor {
    /// `id`: unique within the definition.
    pub id: String,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `purpose`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// `format`: restricts this input further than the definition's `format`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatDesignations>,
    /// `group` (§7.1.2): the groups submission requirements pick from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<String>>,
    /// `constraints`: "MUST contain a constraints property".
    pub constraints: Constraints,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// The constraints object of an input descriptor (PE v2.0 §5.1.1).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Constraints {
    /// `fields`, processed "forward from 0-index".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Field>>,
    /// `limit_disclosure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_disclosure: Option<Directive>,
    /// Members this crate does not know (relational and status constraints among them), kept.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

impl Constraints {
    /// The fields, empty when absent.
    pub fn fields(&self) -> &[Field] {
        self.fields.as_deref().unwrap_or(&[])
    }
}

/// A fields object (PE v2.0 §5.1.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// `id`: names the claim the field produces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `path`: JSONPath expressions tried in order.
    pub path: Vec<String>,
    /// `purpose`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `filter`: a JSON Schema the value must validate against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    /// `optional`: `true` lets the field be absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// `intent_to_retain` (§7.6, Retention Feature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_to_retain: Option<bool>,
    /// `predicate` (§7.2, Predicate Feature): kept; the field is evaluated as without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Directive>,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

impl Field {
    /// Whether the field may be absent (`optional: true`).
    pub fn is_optional(&self) -> bool {
        self.optional == Some(true)
    }
}

/// The value of `limit_disclosure` (§5.1.1) and `predicate` (§7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Directive {
    /// `required`.
    Required,
    /// `preferred`.
    Preferred,
}

impl Directive {
    fn parse(object: &Object<'_>, key: &str) -> Result<Option<Self>, Invalid> {
        match object.optional_str(key)?.as_deref() {
            None => Ok(None),
            Some("required") => Ok(Some(Self::Required)),
            Some("preferred") => Ok(Some(Self::Preferred)),
            Some(other) => Err(Invalid::new(
                object.at(key),
                Violation::NotAllowed {
                    value: other.to_owned(),
                    allowed: "'required', 'preferred'",
                },
            )),
        }
    }
}

const DEFINITION_MEMBERS: &[&str] = &[
    "id",
    "name",
    "purpose",
    "format",
    "frame",
    "submission_requirements",
    "input_descriptors",
];
const DESCRIPTOR_MEMBERS: &[&str] = &["id", "name", "purpose", "format", "group", "constraints"];
const CONSTRAINT_MEMBERS: &[&str] = &["fields", "limit_disclosure"];
const FIELD_MEMBERS: &[&str] = &[
    "id",
    "path",
    "purpose",
    "name",
    "filter",
    "optional",
    "intent_to_retain",
    "predicate",
];

impl PresentationDefinition {
    /// The definition as JSON, unknown members included.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Whether submission requirements apply (§7.1.3): present and not empty.
    pub fn has_submission_requirements(&self) -> bool {
        self.submission_requirements
            .as_ref()
            .is_some_and(|r| !r.is_empty())
    }

    /// The input descriptor with this `id`, with its index.
    pub fn input_descriptor(&self, id: &str) -> Option<(usize, &InputDescriptor)> {
        self.input_descriptors
            .iter()
            .enumerate()
            .find(|(_, d)| d.id == id)
    }

    /// Structural validation without compiling paths and filters.
    pub(crate) fn parse(value: &Value) -> Result<Self, Invalid> {
        let object = Object::new(value, "", DEFINITION_MEMBERS)?;
        let id = object.required_str("id")?;
        let name = object.optional_str("name")?;
        let purpose = object.optional_str("purpose")?;
        let format = parse_format(&object)?;
        let frame = match object.get("frame") {
            None => None,
            Some(Value::Object(map)) => Some(map.clone()),
            Some(_) => return Err(json::wrong(object.at("frame"), "an object")),
        };
        let submission_requirements = match object.optional_array("submission_requirements")? {
            None => None,
            Some(items) => {
                let at = object.at("submission_requirements");
                Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| SubmissionRequirement::parse(v, &json::item(&at, i)))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        let at = object.at("input_descriptors");
        let input_descriptors = object
            .required_array("input_descriptors")?
            .iter()
            .enumerate()
            .map(|(i, v)| InputDescriptor::parse(v, &json::item(&at, i)))
            .collect::<Result<Vec<_>, _>>()?;
        let definition = Self {
            id,
            name,
            purpose,
            format,
            frame,
            submission_requirements,
            input_descriptors,
            unknown: object.unknown(),
        };
        definition.check_unique_ids()?;
        definition.check_groups()?;
        Ok(definition)
    }

    /// §5.1.1: "a string that does not conflict with the id of another Input Descriptor Object in
    /// the same Presentation Definition".
    fn check_unique_ids(&self) -> Result<(), Invalid> {
        let mut seen = BTreeSet::new();
        for (i, descriptor) in self.input_descriptors.iter().enumerate() {
            if !seen.insert(descriptor.id.as_str()) {
                return Err(Invalid::new(
                    format!("/input_descriptors/{i}/id"),
                    Violation::DuplicateId(descriptor.id.clone()),
                ));
            }
        }
        Ok(())
    }

    /// §7.1.3: with submission requirements "all input_descriptors MUST be grouped"; §7.1.3.1:
    /// `from` "MUST be a group string matching one of the group strings specified for one or
    /// more Input Descriptor Objects"; §7.1.2: a `group` "MUST match one of the grouping strings
    /// listed in the from values".
    fn check_groups(&self) -> Result<(), Invalid> {
        let Some(requirements) = self
            .submission_requirements
            .as_ref()
            .filter(|r| !r.is_empty())
        else {
            return Ok(());
        };
        let groups: BTreeSet<&str> = self
            .input_descriptors
            .iter()
            .flat_map(|d| d.group.iter().flatten())
            .map(String::as_str)
            .collect();
        let mut referenced = BTreeSet::new();
        let mut unknown = None;
        for (i, requirement) in requirements.iter().enumerate() {
            requirement.visit_groups(
                &format!("/submission_requirements/{i}"),
                &mut |group, at| {
                    referenced.insert(group.to_owned());
                    if !groups.contains(group) && unknown.is_none() {
                        unknown = Some(Invalid::new(at, Violation::UnknownGroup(group.to_owned())));
                    }
                },
            );
        }
        if let Some(invalid) = unknown {
            return Err(invalid);
        }
        for (i, descriptor) in self.input_descriptors.iter().enumerate() {
            let own = descriptor.group.as_deref().unwrap_or(&[]);
            if own.is_empty() {
                return Err(Invalid::new(
                    format!("/input_descriptors/{i}/group"),
                    Violation::Ungrouped,
                ));
            }
            if let Some((k, group)) = own
                .iter()
                .enumerate()
                .find(|(_, g)| !referenced.contains(g.as_str()))
            {
                return Err(Invalid::new(
                    format!("/input_descriptors/{i}/group/{k}"),
                    Violation::UnreferencedGroup(group.clone()),
                ));
            }
        }
        Ok(())
    }
}

impl Grouped for InputDescriptor {
    fn id(&self) -> &str {
        &self.id
    }

    fn groups(&self) -> &[String] {
        self.group.as_deref().unwrap_or_default()
    }
}

impl InputDescriptor {
    pub(crate) fn parse(value: &Value, pointer: &str) -> Result<Self, Invalid> {
        let object = Object::new(value, pointer, DESCRIPTOR_MEMBERS)?;
        let id = object.required_str("id")?;
        let constraints =
            Constraints::parse(object.required("constraints")?, &object.at("constraints"))?;
        Ok(Self {
            id,
            name: object.optional_str("name")?,
            purpose: object.optional_str("purpose")?,
            format: parse_format(&object)?,
            group: object.optional_strings("group")?,
            constraints,
            unknown: object.unknown(),
        })
    }

    /// Whether this descriptor's `limit_disclosure` is `required` (§5.1.1).
    pub fn requires_limited_disclosure(&self) -> bool {
        self.constraints.limit_disclosure == Some(Directive::Required)
    }
}

impl Constraints {
    fn parse(value: &Value, pointer: &str) -> Result<Self, Invalid> {
        let object = Object::new(value, pointer, CONSTRAINT_MEMBERS)?;
        let fields = match object.optional_array("fields")? {
            None => None,
            Some(items) => {
                let at = object.at("fields");
                Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| Field::parse(v, &json::item(&at, i)))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        check_unsupported(&object)?;
        Ok(Self {
            fields,
            limit_disclosure: Directive::parse(&object, "limit_disclosure")?,
            unknown: object.unknown(),
        })
    }
}

/// Features of §7.3 (Relational Constraints) and §7.4 (Credential Status Constraints) that this
/// engine cannot check. A definition that *requires* one is refused rather than evaluated as if
/// the constraint were met; `preferred` and `allowed` directives are kept and ignored.
fn check_unsupported(object: &Object<'_>) -> Result<(), Invalid> {
    if object.get("subject_is_issuer").and_then(Value::as_str) == Some("required") {
        return Err(Invalid::new(
            object.at("subject_is_issuer"),
            Violation::UnsupportedFeature("subject_is_issuer"),
        ));
    }
    for (key, feature) in [("is_holder", "is_holder"), ("same_subject", "same_subject")] {
        if let Some(Value::Array(items)) = object.get(key) {
            for (i, item) in items.iter().enumerate() {
                if item.get("directive").and_then(Value::as_str) == Some("required") {
                    return Err(Invalid::new(
                        format!("{}/{i}/directive", object.at(key)),
                        Violation::UnsupportedFeature(feature),
                    ));
                }
            }
        }
    }
    if let Some(Value::Object(statuses)) = object.get("statuses") {
        for (status, directive) in statuses {
            if matches!(
                directive.get("directive").and_then(Value::as_str),
                Some("required" | "disallowed")
            ) {
                return Err(Invalid::new(
                    format!("{}/directive", json::member(&object.at("statuses"), status)),
                    Violation::UnsupportedFeature("statuses"),
                ));
            }
        }
    }
    Ok(())
}

impl Field {
    fn parse(value: &Value, pointer: &str) -> Result<Self, Invalid> {
        let object = Object::new(value, pointer, FIELD_MEMBERS)?;
        let at = object.at("path");
        let path = json::strings(object.required_array("path")?, &at)?;
        if path.is_empty() {
            return Err(Invalid::new(at, Violation::Empty));
        }
        let filter = match object.get("filter") {
            None => None,
            Some(v @ (Value::Object(_) | Value::Bool(_))) => Some(v.clone()),
            Some(_) => return Err(json::wrong(object.at("filter"), "a JSON Schema object")),
        };
        let predicate = Directive::parse(&object, "predicate")?;
        if predicate.is_some() && filter.is_none() {
            return Err(Invalid::new(
                object.at("filter"),
                Violation::PredicateWithoutFilter,
            ));
        }
        Ok(Self {
            id: object.optional_str("id")?,
            path,
            purpose: object.optional_str("purpose")?,
            name: object.optional_str("name")?,
            filter,
            optional: object.optional_bool("optional")?,
            intent_to_retain: object.optional_bool("intent_to_retain")?,
            predicate,
            unknown: object.unknown(),
        })
    }
}

/// §5: "the value MUST be an object with one or more properties matching the registered Claim
/// Format Designations".
fn parse_format(object: &Object<'_>) -> Result<Option<FormatDesignations>, Invalid> {
    let Some(value) = object.get("format") else {
        return Ok(None);
    };
    let at = object.at("format");
    let format = FormatDesignations::parse(value, &at)?;
    if format.0.is_empty() {
        return Err(Invalid::new(at, Violation::Empty));
    }
    Ok(Some(format))
}

#[cfg(test)]
mod tests;
