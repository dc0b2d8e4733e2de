//! The one error type of the crate, with the detail enums it carries.
//!
//! Every refusal names the member it is about: definition and submission problems carry a JSON
//! Pointer (RFC 6901) into the document that was loaded, matching problems name the input
//! descriptor and the field.

use std::fmt;

/// Everything this crate refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not JSON at all.
    #[error("not valid JSON: {0}")]
    Json(String),

    /// PE v2.0 §5, §7.1: a Presentation Definition breaks a rule of the specification or of its
    /// JSON schema. `pointer` is the JSON Pointer of the offending member, relative to the
    /// definition object (for example `/input_descriptors/0/constraints/fields/1/path`).
    #[error("invalid presentation definition at '{pointer}': {violation}")]
    InvalidDefinition {
        /// JSON Pointer of the offending member.
        pointer: String,
        /// What is wrong with it.
        violation: Violation,
    },

    /// PE v2.0 §6: a Presentation Submission breaks a rule of the specification or of its JSON
    /// schema. `pointer` is relative to the `presentation_submission` object.
    #[error("invalid presentation submission at '{pointer}': {violation}")]
    InvalidSubmission {
        /// JSON Pointer of the offending member.
        pointer: String,
        /// What is wrong with it.
        violation: Violation,
    },

    /// nuts-node `credential_selection`: a key names no field `id` of the definition.
    #[error(
        "credential selection key '{field_id}' names no field id of the presentation definition"
    )]
    UnknownSelectionKey {
        /// The key that was given.
        field_id: String,
    },

    /// PE v2.0 §8: no credential satisfies a required input descriptor.
    #[error("no credential satisfies input descriptor '{input_descriptor}': {mismatch}")]
    NoMatch {
        /// The input descriptor that could not be satisfied.
        input_descriptor: String,
        /// Why the best candidate failed.
        mismatch: Mismatch,
    },

    /// PE v2.0 §7.1.3: the wallet cannot satisfy a submission requirement.
    #[error("submission requirement at '{requirement}' cannot be satisfied: {shortfall}{}", unmatched_suffix(.unmatched))]
    RequirementUnsatisfiable {
        /// JSON Pointer of the requirement in the definition, e.g. `/submission_requirements/0`.
        requirement: String,
        /// How far the wallet falls short.
        shortfall: Shortfall,
        /// The input descriptors of the requirement that no credential satisfies, with the reason.
        unmatched: Vec<Unmatched>,
    },

    /// PE v2.0 §6: `definition_id` is not the `id` of the definition the verifier asked for.
    #[error("presentation submission is for definition '{actual}', expected '{expected}'")]
    DefinitionIdMismatch {
        /// The definition the verifier evaluates against.
        expected: String,
        /// The `definition_id` of the submission.
        actual: String,
    },

    /// PE v2.0 §6: a `descriptor_map` entry names an input descriptor the definition does not have.
    #[error("descriptor_map entry '{id}' names no input descriptor of the definition")]
    UnknownInputDescriptor {
        /// The unknown id.
        id: String,
    },

    /// A `descriptor_map` names the same input descriptor twice.
    #[error("input descriptor '{id}' is mapped more than once")]
    DuplicateMapping {
        /// The repeated id.
        id: String,
    },

    /// PE v2.0 §6.1 step 1.1: a descriptor `path` selects nothing in the presentation(s).
    #[error("descriptor path at '{pointer}' selects nothing")]
    PathSelectsNothing {
        /// JSON Pointer of the `path` member in the submission.
        pointer: String,
    },

    /// PE v2.0 §6.1 step 1.2: a descriptor `path` selects something that is not what its `format`
    /// says (a credential inside a presentation, or a presentation in the envelope).
    #[error("descriptor path at '{pointer}' does not select a {expected}")]
    PathNotAClaim {
        /// JSON Pointer of the `path` member in the submission.
        pointer: String,
        /// What the format said it should be: `credential` or `presentation`.
        expected: &'static str,
    },

    /// PE v2.0 §6.1 step 1.2: the `format` of a descriptor entry is not the format of what its path
    /// selects.
    #[error(
        "descriptor format at '{pointer}' is '{declared}' but the selected claim is '{actual}'"
    )]
    FormatMismatch {
        /// JSON Pointer of the `format` member in the submission.
        pointer: String,
        /// The declared format.
        declared: String,
        /// The format of the selected credential or presentation.
        actual: &'static str,
    },

    /// PE v2.0 §6.1 step 1.3: `path_nested` below a credential (a credential inside a credential)
    /// is not supported, and a presentation must be followed by `path_nested`.
    #[error("descriptor at '{pointer}' nests in a way that is not supported")]
    UnsupportedNesting {
        /// JSON Pointer of the descriptor entry (or nested entry).
        pointer: String,
    },

    /// The application gave a presentation whose `verifiableCredential` count differs from the
    /// credentials it supplied for it.
    #[error("presentation {presentation} holds {in_json} credentials but {supplied} were supplied")]
    CredentialCountMismatch {
        /// Index of the presentation in the envelope.
        presentation: usize,
        /// Number of entries in its `verifiableCredential`.
        in_json: usize,
        /// Number of credentials the application supplied.
        supplied: usize,
    },

    /// PE v2.0 §5 (`format`): the presentation's format or algorithm is not one the definition
    /// accepts.
    #[error(
        "presentation {presentation} in format '{format}' with '{proof}' is not accepted by the definition"
    )]
    PresentationFormatNotAllowed {
        /// Index of the presentation in the envelope.
        presentation: usize,
        /// Its format.
        format: &'static str,
        /// Its `alg` or proof type.
        proof: String,
    },

    /// PE v2.0 §8: the credential mapped to an input descriptor does not satisfy it.
    #[error(
        "credential mapped to input descriptor '{input_descriptor}' does not satisfy it: {mismatch}"
    )]
    DescriptorNotSatisfied {
        /// The input descriptor.
        input_descriptor: String,
        /// Why the credential fails.
        mismatch: Mismatch,
    },

    /// PE v2.0 §5: "All inputs listed in the input_descriptors array are required for submission,
    /// unless otherwise specified by a Feature" — this one is missing.
    #[error("input descriptor '{id}' is required but not in the submission")]
    MissingInputDescriptor {
        /// The missing input descriptor.
        id: String,
    },

    /// PE v2.0 §7.1.3: "If present, all Submission Requirements MUST be satisfied" — this one is
    /// not.
    #[error("submission requirement at '{requirement}' is not met: {shortfall}")]
    RequirementNotMet {
        /// JSON Pointer of the requirement in the definition.
        requirement: String,
        /// How the submission falls short.
        shortfall: Shortfall,
    },

    /// Two fields produce the same claim id with different values.
    #[error("claim '{id}' is produced twice with different values")]
    ConflictingClaim {
        /// The claim id.
        id: String,
    },
}

fn unmatched_suffix(unmatched: &[Unmatched]) -> String {
    let mut out = String::new();
    for (i, u) in unmatched.iter().enumerate() {
        out.push_str(if i == 0 { " (" } else { "; " });
        out.push_str(&u.to_string());
    }
    if !unmatched.is_empty() {
        out.push(')');
    }
    out
}

/// What is wrong with a member of a definition or a submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// A required member is absent.
    #[error("required member is missing")]
    Missing,
    /// The member has the wrong JSON type.
    #[error("must be {expected}")]
    WrongType {
        /// The JSON type the schema asks for, e.g. `a string`.
        expected: &'static str,
    },
    /// An array that must hold at least one item is empty.
    #[error("must not be empty")]
    Empty,
    /// An integer is below its minimum.
    #[error("must be at least {minimum}")]
    BelowMinimum {
        /// The smallest allowed value.
        minimum: u64,
    },
    /// A string is not one of the allowed values.
    #[error("'{value}' is not one of {allowed}")]
    NotAllowed {
        /// The value found.
        value: String,
        /// The allowed values, for the message.
        allowed: &'static str,
    },
    /// PE v2.0 §5.1.1: an input descriptor `id` is used twice.
    #[error("input descriptor id '{0}' is not unique")]
    DuplicateId(String),
    /// PE v2.0 §7.1.3.1: a submission requirement has both `from` and `from_nested`.
    #[error("must not have both 'from' and 'from_nested'")]
    FromAndFromNested,
    /// PE v2.0 §7.1.3.1: a submission requirement has neither `from` nor `from_nested`.
    #[error("must have 'from' or 'from_nested'")]
    NoFrom,
    /// PE v2.0 §7.1.3.1: `from` names a group no input descriptor is in.
    #[error("group '{0}' is not the group of any input descriptor")]
    UnknownGroup(String),
    /// PE v2.0 §7.1.3: with submission requirements, "all input_descriptors MUST be grouped".
    #[error("input descriptor has no group but the definition has submission requirements")]
    Ungrouped,
    /// PE v2.0 §7.1.2: a `group` value "MUST match one of the grouping strings listed in the
    /// from values" of a submission requirement.
    #[error("group '{0}' is not named by any submission requirement")]
    UnreferencedGroup(String),
    /// PE v2.0 §7.1.3.4: `min` is larger than `max`.
    #[error("'min' is larger than 'max'")]
    MinAboveMax,
    /// PE v2.0 §11: a JSONPath expression does not parse (RFC 9535).
    #[error("invalid JSONPath: {0}")]
    InvalidJsonPath(String),
    /// PE v2.0 §5.1.1: a `filter` is not a usable JSON Schema (or needs a remote document).
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    /// PE v2.0 §7.2: a field with a `predicate` must have a `filter`.
    #[error("a field with 'predicate' must have a 'filter'")]
    PredicateWithoutFilter,
    /// PE v2.0 §6: "The id property MUST be the same for each level of nesting".
    #[error("nested descriptor id '{nested}' differs from '{outer}'")]
    NestedIdMismatch {
        /// The id of the enclosing entry.
        outer: String,
        /// The id of the nested entry.
        nested: String,
    },
    /// A feature the definition requires and this engine cannot honour (relational constraints,
    /// status constraints).
    #[error("feature '{0}' is required but not supported")]
    UnsupportedFeature(&'static str),
}

/// Why a credential does not satisfy an input descriptor (PE v2.0 §8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// The wallet holds no credential at all.
    #[error("no credentials to choose from")]
    NoCredentials,
    /// PE v2.0 §5 (`format`): the credential's format or algorithm is not accepted.
    #[error("format '{format}' with '{proof}' is not accepted")]
    FormatNotAllowed {
        /// The credential's format.
        format: &'static str,
        /// Its `alg` or proof type.
        proof: String,
    },
    /// PE v2.0 §8 step 1.1.3: no `path` of a required field selects a value.
    #[error("field {} selects no value", FieldName(*.field, .field_id.as_deref()))]
    FieldNotFound {
        /// Index of the field in `constraints.fields`.
        field: usize,
        /// The field's `id`, if it has one.
        field_id: Option<String>,
    },
    /// PE v2.0 §8 step 1.1.2: values were found but none passes the field's `filter`.
    #[error("no value of field {} passes its filter", FieldName(*.field, .field_id.as_deref()))]
    FilterRejected {
        /// Index of the field in `constraints.fields`.
        field: usize,
        /// The field's `id`, if it has one.
        field_id: Option<String>,
    },
    /// PE v2.0 §5.1.1 (`limit_disclosure: required`): the descriptor demands selective
    /// disclosure, which this wallet cannot do; a consumer that does not implement it "MUST …
    /// return nothing".
    #[error("limit_disclosure is required, which is not supported")]
    LimitDisclosureUnsupported,
    /// nuts-node `credential_selection`: credentials match, but none has the selected value.
    #[error("no matching credential has the selected value for field '{field_id}'")]
    SelectionExcluded {
        /// The selection key (a field id).
        field_id: String,
    },
}

struct FieldName<'a>(usize, Option<&'a str>);

impl fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(id) => write!(f, "{} ('{id}')", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// An input descriptor no credential satisfies, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The input descriptor.
    pub input_descriptor: String,
    /// Why the best candidate failed.
    pub mismatch: Mismatch,
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}': {}", self.input_descriptor, self.mismatch)
    }
}

/// How a set of input descriptors falls short of a submission requirement (PE v2.0 §7.1.3.5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Shortfall {
    /// `all` rule: a member (input descriptor or nested requirement) is not submitted/satisfied.
    #[error("rule 'all' needs '{member}'")]
    AllNeeds {
        /// The input descriptor id, or the JSON Pointer of the nested requirement.
        member: String,
    },
    /// `pick` with `count`: the number must be exactly `count`.
    #[error("rule 'pick' needs exactly {count}, found {actual}")]
    Count {
        /// The required number.
        count: u64,
        /// The number found.
        actual: u64,
    },
    /// `pick` with `min`: too few.
    #[error("rule 'pick' needs at least {min}, found {actual}")]
    TooFew {
        /// The minimum.
        min: u64,
        /// The number found.
        actual: u64,
    },
    /// `pick` with `max`: too many.
    #[error("rule 'pick' allows at most {max}, found {actual}")]
    TooMany {
        /// The maximum.
        max: u64,
        /// The number found.
        actual: u64,
    },
}

/// A problem at a JSON Pointer, before it is known whether it is in a definition or a submission.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub(crate) pointer: String,
    pub(crate) violation: Violation,
}

impl Invalid {
    pub(crate) fn new(pointer: impl Into<String>, violation: Violation) -> Self {
        Self {
            pointer: pointer.into(),
            violation,
        }
    }

    pub(crate) fn in_definition(self) -> Error {
        Error::InvalidDefinition {
            pointer: self.pointer,
            violation: self.violation,
        }
    }

    pub(crate) fn in_submission(self) -> Error {
        Error::InvalidSubmission {
            pointer: self.pointer,
            violation: self.violation,
        }
    }
}
