//! Matching credentials against input descriptors (PE v2.0 §8, Input Evaluation).
//!
//! A [`CompiledDefinition`] holds a definition with every JSONPath (RFC 9535, via
//! `serde_json_path`) and every `filter` (JSON Schema, via `jsonschema`) compiled once. Filters
//! never fetch anything: remote `$ref`s make the definition invalid.
//!
//! A field is evaluated as §8 step 1.1 says: its paths are tried from index 0, and for each path
//! every selected value is tried against the filter; the first value that passes is the field's
//! result. A path that selects only `null` counts as selecting nothing (as nuts-node v6 does).
//!
//! **Arrays.** Definitions written for Nuts put a string filter (`{"type":"string","const":"X"}`)
//! on `$.type`, which is an array in a credential. nuts-node v6 (`matchFilter` in
//! `vcr/pe/presentation_definition.go`) accepts a value that is an array when *any element*
//! passes the filter, and Hazel does the same by default ([`ArrayMatching::AnyElement`]); the
//! whole value is tried first, so array filters such as `contains` work too. Strict DIF semantics,
//! the filter applied to the whole value only, are [`ArrayMatching::WholeValue`].

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::claims::Claims;
use crate::definition::{Field, InputDescriptor, PresentationDefinition};
use crate::error::{Error, Invalid, Mismatch, Violation};
use crate::filter::{compile_filter, single_capture};
use crate::format::CredentialFormat;
use crate::json;

/// A credential as the engine sees it: its W3C JSON form and the facts about it that the
/// application knows. Borrowed, so that matching never copies a credential.
///
/// For a JWT credential the application builds the JSON form from the `vc` claim (with `id`,
/// `issuer`, dates and subject filled from `jti`, `iss`, `nbf`/`exp`, `sub`), as nuts-node does,
/// so that the same definition matches a credential as `jwt_vc` and as `ldp_vc`.
#[derive(Debug, Clone, Copy)]
pub struct Credential<'a> {
    /// The credential's id (its `id`, or the JWT `jti`); breaks ties between equally new
    /// credentials.
    pub id: &'a str,
    /// Its format.
    pub format: CredentialFormat,
    /// The JWS `alg` of a `jwt_vc`, or the proof type of an `ldp_vc`.
    pub proof: &'a str,
    /// When it was issued, in Unix seconds; the wallet prefers the newest.
    pub issued_at: i64,
    /// Its W3C JSON form.
    pub json: &'a Value,
}

impl<'a> Credential<'a> {
    /// A credential from its parts.
    pub const fn new(
        id: &'a str,
        format: CredentialFormat,
        proof: &'a str,
        issued_at: i64,
        json: &'a Value,
    ) -> Self {
        Self {
            id,
            format,
            proof,
            issued_at,
            json,
        }
    }
}

/// How a filter treats a value that is an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArrayMatching {
    /// nuts-node v6 compatible (the default): the value passes when it passes as a whole or when
    /// any of its elements passes.
    #[default]
    AnyElement,
    /// DIF PE v2.0 §8 as written: the filter is applied to the value as a whole.
    WholeValue,
}

/// A field with its paths and filter compiled.
#[derive(Debug)]
pub(crate) struct CompiledField {
    paths: Vec<JsonPath>,
    filter: Option<jsonschema::Validator>,
    /// The filter's `pattern` when it has exactly one capture group.
    capture: Option<fancy_regex::Regex>,
    optional: bool,
}

/// Why a credential fails an input descriptor, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The credential's format or proof is not accepted.
    Format,
    /// Field `index` failed; `found` tells whether any value was selected.
    Field { index: usize, found: bool },
}

impl Failure {
    /// How close the credential came to matching; higher is closer.
    pub(crate) fn depth(self) -> usize {
        match self {
            Self::Format => 0,
            Self::Field { index, found } => 1 + 2 * index + usize::from(found),
        }
    }
}

/// A Presentation Definition with its paths and filters compiled, ready to match credentials.
#[derive(Debug)]
pub struct CompiledDefinition {
    definition: PresentationDefinition,
    /// Compiled fields per input descriptor, indexed like `definition.input_descriptors`.
    fields: Vec<Vec<CompiledField>>,
    array_matching: ArrayMatching,
}

impl PresentationDefinition {
    /// Parses and validates a Presentation Definition (the plain object of PE v2.0 §10, not the
    /// `{"presentation_definition": …}` envelope). Every JSONPath and filter is compiled once to
    /// check it; use [`CompiledDefinition::from_value`] to keep the compiled form.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let definition = Self::parse(value).map_err(Invalid::in_definition)?;
        CompiledDefinition::new(definition).map(CompiledDefinition::into_definition)
    }

    /// Parses and validates a Presentation Definition from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::Json(e.to_string()))?;
        Self::from_value(&value)
    }
}

/// Deserializing validates as [`PresentationDefinition::from_value`] does.
impl<'de> serde::Deserialize<'de> for PresentationDefinition {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl InputDescriptor {
    /// Parses and validates a standalone Input Descriptor Object (PE v2.0 §5.1.1), compiling its
    /// paths and filters to check them. Pointers are relative to the descriptor.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let descriptor = Self::parse(value, "").map_err(Invalid::in_definition)?;
        compile_descriptor(&descriptor, "").map_err(Invalid::in_definition)?;
        Ok(descriptor)
    }
}

impl CompiledDefinition {
    /// Compiles a parsed definition, in [`ArrayMatching::AnyElement`] mode. Fails with the
    /// pointer of the first path or filter that does not compile.
    pub fn new(definition: PresentationDefinition) -> Result<Self, Error> {
        let fields = definition
            .input_descriptors
            .iter()
            .enumerate()
            .map(|(i, d)| compile_descriptor(d, &format!("/input_descriptors/{i}")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Invalid::in_definition)?;
        Ok(Self {
            definition,
            fields,
            array_matching: ArrayMatching::default(),
        })
    }

    /// Parses, validates and compiles a definition in one go.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::new(PresentationDefinition::parse(value).map_err(Invalid::in_definition)?)
    }

    /// Parses, validates and compiles a definition from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// The same definition, matching arrays as `mode` says.
    #[must_use]
    pub fn with_array_matching(mut self, mode: ArrayMatching) -> Self {
        self.array_matching = mode;
        self
    }

    /// The array matching mode.
    pub fn array_matching(&self) -> ArrayMatching {
        self.array_matching
    }

    /// The definition.
    pub fn definition(&self) -> &PresentationDefinition {
        &self.definition
    }

    /// The definition, giving up the compiled form.
    pub fn into_definition(self) -> PresentationDefinition {
        self.definition
    }

    /// PE v2.0 §8: checks one credential against the input descriptor `input_descriptor` (format
    /// designations of the definition and the descriptor, then every field) and returns the
    /// claims its fields produce.
    pub fn check(
        &self,
        input_descriptor: &str,
        credential: &Credential<'_>,
    ) -> Result<Claims, Error> {
        let Some((index, descriptor)) = self.definition.input_descriptor(input_descriptor) else {
            return Err(Error::UnknownInputDescriptor {
                id: input_descriptor.to_owned(),
            });
        };
        let values = self.field_values(index, credential).map_err(|failure| {
            Error::DescriptorNotSatisfied {
                input_descriptor: descriptor.id.clone(),
                mismatch: self.mismatch(index, failure, credential),
            }
        })?;
        let mut claims = Claims::new();
        self.add_claims(index, &values, &mut claims)?;
        Ok(claims)
    }

    pub(crate) fn descriptor(&self, index: usize) -> Option<&InputDescriptor> {
        self.definition.input_descriptors.get(index)
    }

    /// PE v2.0 §5 and §5.1.1 `format`, then §8 step 1: whether the credential satisfies input
    /// descriptor `index`.
    pub(crate) fn satisfies(
        &self,
        index: usize,
        credential: &Credential<'_>,
    ) -> Result<(), Failure> {
        if !self.format_allows(index, credential) {
            return Err(Failure::Format);
        }
        for (i, field) in self.fields_of(index).iter().enumerate() {
            self.field_value(field, credential.json)
                .map_err(|found| Failure::Field { index: i, found })?;
        }
        Ok(())
    }

    /// §5: "InputDescriptor formats must be a subset of the PresentationDefinition formats", so
    /// a credential must satisfy both.
    fn format_allows(&self, index: usize, credential: &Credential<'_>) -> bool {
        let allowed = |format: Option<&crate::format::FormatDesignations>| {
            format.is_none_or(|f| f.allows_credential(credential.format, credential.proof))
        };
        allowed(self.definition.format.as_ref())
            && allowed(self.descriptor(index).and_then(|d| d.format.as_ref()))
    }

    fn fields_of(&self, index: usize) -> &[CompiledField] {
        self.fields.get(index).map_or(&[], Vec::as_slice)
    }

    /// §8 step 1.1: the field's result. `Ok(None)` is an absent optional field; `Err(found)`
    /// tells whether any value was selected at all.
    pub(crate) fn field_value<'v>(
        &self,
        field: &CompiledField,
        json: &'v Value,
    ) -> Result<Option<&'v Value>, bool> {
        let mut found = false;
        for path in &field.paths {
            for node in path.query(json) {
                if node.is_null() {
                    continue;
                }
                found = true;
                if self.passes(field, node) {
                    return Ok(Some(node));
                }
            }
        }
        // §5.1.1 `optional`: "Even when the optional property is present, the value located at
        // the indicated path of the field MUST validate against the JSON Schema filter".
        if field.optional && !found {
            return Ok(None);
        }
        Err(found)
    }

    fn passes(&self, field: &CompiledField, node: &Value) -> bool {
        let Some(filter) = &field.filter else {
            return true;
        };
        if filter.is_valid(node) {
            return true;
        }
        match (self.array_matching, node) {
            (ArrayMatching::AnyElement, Value::Array(items)) => {
                items.iter().any(|item| filter.is_valid(item))
            }
            _ => false,
        }
    }

    /// The claim a field's value produces: the value, or the single capture group of its
    /// filter's `pattern` when the value is a string.
    pub(crate) fn claim_value(field: &CompiledField, value: &Value) -> Value {
        if let (Some(regex), Value::String(text)) = (&field.capture, value)
            && let Ok(Some(captures)) = regex.captures(text)
            && let Some(group) = captures.get(1)
        {
            return Value::String(group.as_str().to_owned());
        }
        value.clone()
    }

    /// §8 step 1 keeping each field's result: the value it selected, `None` for an absent
    /// optional field.
    pub(crate) fn field_values<'v>(
        &self,
        index: usize,
        credential: &Credential<'v>,
    ) -> Result<Vec<Option<&'v Value>>, Failure> {
        if !self.format_allows(index, credential) {
            return Err(Failure::Format);
        }
        let json: &'v Value = credential.json;
        self.fields_of(index)
            .iter()
            .enumerate()
            .map(|(i, field)| {
                self.field_value(field, json)
                    .map_err(|found| Failure::Field { index: i, found })
            })
            .collect()
    }

    /// Adds the claims of input descriptor `index` from the field results `values`.
    pub(crate) fn add_claims(
        &self,
        index: usize,
        values: &[Option<&Value>],
        claims: &mut Claims,
    ) -> Result<(), Error> {
        let Some(descriptor) = self.descriptor(index) else {
            return Ok(());
        };
        let fields = descriptor
            .constraints
            .fields()
            .iter()
            .zip(self.fields_of(index));
        for ((field, compiled), value) in fields.zip(values) {
            if let (Some(id), Some(value)) = (&field.id, value) {
                claims.insert(id, Self::claim_value(compiled, value))?;
            }
        }
        Ok(())
    }

    /// Adds the claims of input descriptor `index` for a credential that satisfies it.
    pub(crate) fn claims_into(
        &self,
        index: usize,
        credential: &Credential<'_>,
        claims: &mut Claims,
    ) -> Result<(), Error> {
        match self.field_values(index, credential) {
            Ok(values) => self.add_claims(index, &values, claims),
            Err(_) => Ok(()),
        }
    }

    /// The value field `field_id` of input descriptor `index` produces for the credential, as a
    /// claim; `None` when the descriptor has no such field or it yields nothing.
    pub(crate) fn claim_of(
        &self,
        index: usize,
        field_id: &str,
        credential: &Credential<'_>,
    ) -> Option<Value> {
        let descriptor = self.descriptor(index)?;
        let (_, compiled) = descriptor
            .constraints
            .fields()
            .iter()
            .zip(self.fields_of(index))
            .find(|(f, _)| f.id.as_deref() == Some(field_id))?;
        match self.field_value(compiled, credential.json) {
            Ok(Some(value)) => Some(Self::claim_value(compiled, value)),
            _ => None,
        }
    }

    /// The public form of a failure.
    pub(crate) fn mismatch(
        &self,
        index: usize,
        failure: Failure,
        credential: &Credential<'_>,
    ) -> Mismatch {
        match failure {
            Failure::Format => Mismatch::FormatNotAllowed {
                format: credential.format.as_str(),
                proof: credential.proof.to_owned(),
            },
            Failure::Field {
                index: field,
                found,
            } => {
                let field_id = self
                    .descriptor(index)
                    .and_then(|d| d.constraints.fields().get(field))
                    .and_then(|f| f.id.clone());
                if found {
                    Mismatch::FilterRejected { field, field_id }
                } else {
                    Mismatch::FieldNotFound { field, field_id }
                }
            }
        }
    }
}

/// Compiles the fields of one input descriptor at `pointer`.
pub(crate) fn compile_descriptor(
    descriptor: &InputDescriptor,
    pointer: &str,
) -> Result<Vec<CompiledField>, Invalid> {
    let at = format!("{pointer}/constraints/fields");
    descriptor
        .constraints
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| compile_field(field, &json::item(&at, i)))
        .collect()
}

fn compile_field(field: &Field, pointer: &str) -> Result<CompiledField, Invalid> {
    let paths = field
        .path
        .iter()
        .enumerate()
        .map(|(i, path)| {
            JsonPath::parse(path).map_err(|e| {
                Invalid::new(
                    format!("{pointer}/path/{i}"),
                    Violation::InvalidJsonPath(e.to_string()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (filter, capture) = match &field.filter {
        None => (None, None),
        Some(schema) => (
            Some(compile_filter(schema).map_err(|e| {
                Invalid::new(format!("{pointer}/filter"), Violation::InvalidFilter(e))
            })?),
            single_capture(schema),
        ),
    };
    Ok(CompiledField {
        paths,
        filter,
        capture,
        optional: field.is_optional(),
    })
}

#[cfg(test)]
mod tests;
