//! Presentation Submissions (PE v2.0 §6): how the submitted claims map to input descriptors.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use crate::error::{Error, Invalid, Violation};
use crate::json::{self, Object};

/// A `presentation_submission` object (PE v2.0 §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentationSubmission {
    /// `id`: "MUST be a unique identifier, such as a UUID".
    pub id: String,
    /// `definition_id`: "MUST be the id value of a valid Presentation Definition".
    pub definition_id: String,
    /// `descriptor_map`: one Input Descriptor Mapping Object per submitted input.
    pub descriptor_map: Vec<DescriptorMapping>,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// An Input Descriptor Mapping Object (PE v2.0 §6), possibly nested with `path_nested`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DescriptorMapping {
    /// `id`: the input descriptor this entry satisfies.
    pub id: String,
    /// `format`: the Claim Format Designation (§9) of what `path` selects.
    pub format: String,
    /// `path`: a JSONPath selecting the claim from the current traversal object.
    pub path: String,
    /// `path_nested`: the claim is inside the value `path` selects (§6.1 step 1.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_nested: Option<Box<DescriptorMapping>>,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// The designations the presentation submission schema (PE v2.0 §10, via the claim format
/// registry) allows in `format`.
const SUBMISSION_FORMATS: [&str; 6] = ["jwt", "jwt_vc", "jwt_vp", "ldp", "ldp_vc", "ldp_vp"];

const SUBMISSION_MEMBERS: &[&str] = &["id", "definition_id", "descriptor_map"];
const MAPPING_MEMBERS: &[&str] = &["id", "format", "path", "path_nested"];

impl PresentationSubmission {
    /// Parses and validates a `presentation_submission` object (not the envelope around it).
    /// Refusals carry a JSON Pointer relative to the object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::parse(value).map_err(Invalid::in_submission)
    }

    /// Parses and validates a submission from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// The submission as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn parse(value: &Value) -> Result<Self, Invalid> {
        let object = Object::new(value, "", SUBMISSION_MEMBERS)?;
        let id = object.required_str("id")?;
        let definition_id = object.required_str("definition_id")?;
        let at = object.at("descriptor_map");
        let descriptor_map = object
            .required_array("descriptor_map")?
            .iter()
            .enumerate()
            .map(|(i, v)| DescriptorMapping::parse(v, &json::item(&at, i), None))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id,
            definition_id,
            descriptor_map,
            unknown: object.unknown(),
        })
    }
}

impl DescriptorMapping {
    /// A flat entry: `path` selects the claim directly.
    pub fn new(id: impl Into<String>, format: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            format: format.into(),
            path: path.into(),
            path_nested: None,
            unknown: Map::new(),
        }
    }

    fn parse(value: &Value, pointer: &str, outer_id: Option<&str>) -> Result<Self, Invalid> {
        let object = Object::new(value, pointer, MAPPING_MEMBERS)?;
        let id = object.required_str("id")?;
        // §6: "The id property MUST be the same for each level of nesting."
        if let Some(outer) = outer_id
            && outer != id
        {
            return Err(Invalid::new(
                object.at("id"),
                Violation::NestedIdMismatch {
                    outer: outer.to_owned(),
                    nested: id,
                },
            ));
        }
        let format = object.required_str("format")?;
        if !SUBMISSION_FORMATS.contains(&format.as_str()) {
            return Err(Invalid::new(
                object.at("format"),
                Violation::NotAllowed {
                    value: format,
                    allowed: "'jwt', 'jwt_vc', 'jwt_vp', 'ldp', 'ldp_vc', 'ldp_vp'",
                },
            ));
        }
        let path = object.required_str("path")?;
        JsonPath::parse(&path).map_err(|e| {
            Invalid::new(object.at("path"), Violation::InvalidJsonPath(e.to_string()))
        })?;
        let path_nested = match object.get("path_nested") {
            None => None,
            Some(nested) => Some(Box::new(Self::parse(
                nested,
                &object.at("path_nested"),
                Some(&id),
            )?)),
        };
        Ok(Self {
            id,
            format,
            path,
            path_nested,
            unknown: object.unknown(),
        })
    }
}

impl<'de> Deserialize<'de> for PresentationSubmission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// The `path` of the `index`-th of `total` credentials in a presentation, as nuts-node v6 writes
/// it: with one credential the presentation holds `verifiableCredential` as a single object and
/// the path is `$.verifiableCredential`; with several it is an array and the path is
/// `$.verifiableCredential[index]` (`PresentationSubmissionBuilder.Build` in nuts-node v6.2.10
/// `vcr/pe/presentation_submission.go`), for `ldp_vp` and `jwt_vp` alike: v6 flattens a JWT VP's
/// single credential too. (nuts-node after v6, PR #3958, keeps a JWT VP's single credential in an
/// array and writes `$.verifiableCredential[0]` for it; the verifier here accepts both.)
pub fn credential_path(index: usize, total: usize) -> String {
    if total == 1 {
        "$.verifiableCredential".to_owned()
    } else {
        format!("$.verifiableCredential[{index}]")
    }
}

#[cfg(test)]
mod tests;
