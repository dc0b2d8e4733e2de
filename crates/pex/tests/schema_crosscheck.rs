//! Cross-check of the hand-written validation against the official PE v2.0.0 JSON schemas (§10),
//! loaded by path from `shared/vectors/dif-presentation-exchange/schemas/v2.0.0`. The claim
//! format registry schemas they reference are served from nuts-node's copy
//! (`nuts-node/vcr/pe/schema/v2`); nothing is fetched.
//!
//! Every vector definition is accepted by both. Each crafted invalid definition is refused by
//! Hazel at the expected pointer; the table says whether the schema refuses it too, and where it
//! does not, why Hazel is stricter (a MUST of the specification the schema does not express) or
//! more lenient (unknown members are kept, as the specification says to ignore them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use pex::{Error, PresentationDefinition, PresentationSubmission, Violation};
use serde_json::{Value, json};

/// Serves the claim format registry schemas from disk and refuses everything else.
struct LocalRegistry;

impl jsonschema::Retrieve for LocalRegistry {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let path = uri.path().as_str();
        let name = path.rsplit('/').next().unwrap_or_default();
        match name {
            "presentation-definition-claim-format-designations.json"
            | "presentation-submission-claim-format-designations.json" => {
                Ok(common::load(&format!("nuts-node/vcr/pe/schema/v2/{name}")))
            }
            _ => Err(format!("not available offline: {uri}").into()),
        }
    }
}

fn schema(name: &str) -> jsonschema::Validator {
    let schema = common::load(&format!("dif-presentation-exchange/schemas/v2.0.0/{name}"));
    // Draft-07 leaves `format` to the implementation; asserting it would make the schema refuse
    // DIF's own examples, whose `pattern`s use ECMA-262 Annex B braces (`[0-9]{10-12}`) that the
    // validator's strict `regex` format check rejects.
    jsonschema::options()
        .should_validate_formats(false)
        .with_retriever(LocalRegistry)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn definition_schema() -> jsonschema::Validator {
    schema("presentation-definition.json")
}

fn all_vector_definitions() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for file in common::json_files("dif-presentation-exchange/test/v2.0.0/presentation-definition")
    {
        if let Some(pd) = common::load(&file).get("presentation_definition") {
            out.push((file, pd.clone()));
        }
    }
    for folder in [
        "nuts-node/vcr/pe/test",
        "nuts-node/policy/test",
        "nuts-node/e2e-tests",
        "nuts-node/auth/api/iam/test",
        "nuts-node-master",
    ] {
        for file in common::json_files(folder) {
            if file.contains("/invalid/") {
                continue;
            }
            for (pointer, pd) in common::embedded_definitions(&common::load(&file)) {
                out.push((format!("{file}#{pointer}"), pd));
            }
        }
    }
    out
}

#[test]
fn pe_10_vector_definitions_are_valid_for_schema_and_hazel() {
    let schema = definition_schema();
    let definitions = all_vector_definitions();
    assert!(definitions.len() >= 25, "{}", definitions.len());
    for (origin, pd) in definitions {
        assert!(schema.is_valid(&pd), "{origin}: schema refuses it");
        PresentationDefinition::from_value(&pd).unwrap_or_else(|e| panic!("{origin}: {e}"));
    }
}

#[test]
fn pe_10_known_bad_definitions_are_refused_by_schema_and_hazel() {
    let schema = definition_schema();
    for file in [
        "nuts-node/policy/test/invalid/invalid_definition_mapping.json",
        "nuts-node-master/policy/test/invalid/invalid_service_provider_pd.json",
    ] {
        for (origin, pd) in common::embedded_definitions(&common::load(file)) {
            assert!(!schema.is_valid(&pd), "{file}#{origin}");
            assert!(
                PresentationDefinition::from_value(&pd).is_err(),
                "{file}#{origin}"
            );
        }
    }
    let sample = common::load(
        "dif-presentation-exchange/sample-implementation/src/__fixtures__/test-vectors/presentation_definition.json",
    );
    assert!(!schema.is_valid(&sample));
    assert!(PresentationDefinition::from_value(&sample).is_err());
}

/// How the schema judges a crafted case.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Schema {
    /// The schema refuses it as well.
    Refuses,
    /// The schema accepts it: Hazel enforces a MUST of the specification (or a cross-member rule)
    /// the schema cannot express.
    AcceptsButSpecForbids,
}

/// A valid definition with a submission requirement, groups, a format and two fields.
fn base() -> Value {
    json!({
        "id": "pd",
        "format": {"ldp_vc": {"proof_type": ["JsonWebSignature2020"]}},
        "submission_requirements": [{"rule": "pick", "count": 1, "from": "A"}],
        "input_descriptors": [{
            "id": "org",
            "group": ["A"],
            "constraints": {
                "fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": "X"}},
                    {"id": "name", "path": ["$.credentialSubject.name"], "filter": {"type": "string"}}
                ]
            }
        }]
    })
}

/// The base definition with the member at `pointer` set (added if absent).
fn with(pointer: &str, value: Value) -> Value {
    let mut pd = base();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match pd
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"))
    {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => {
            let index = key.parse::<usize>().unwrap();
            if index == items.len() {
                items.push(value);
            } else {
                items[index] = value;
            }
        }
        _ => panic!("{pointer}"),
    }
    pd
}

fn without(parent: &str, key: &str) -> Value {
    let mut pd = base();
    pd.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
    pd
}

fn crafted() -> Vec<(&'static str, Value, &'static str, Violation, Schema)> {
    use Schema::*;
    let field1 = "/input_descriptors/0/constraints/fields/1";
    let mut two_descriptors = base();
    let copy = two_descriptors["input_descriptors"][0].clone();
    two_descriptors["input_descriptors"]
        .as_array_mut()
        .unwrap()
        .push(copy);
    vec![
        (
            "pe_5_id_required",
            without("", "id"),
            "/id",
            Violation::Missing,
            Refuses,
        ),
        (
            "pe_5_id_is_a_string",
            with("/id", json!(7)),
            "/id",
            Violation::WrongType {
                expected: "a string",
            },
            Refuses,
        ),
        (
            "pe_5_input_descriptors_required",
            without("", "input_descriptors"),
            "/input_descriptors",
            Violation::Missing,
            Refuses,
        ),
        (
            "pe_5_input_descriptors_is_an_array",
            with("/input_descriptors", json!({})),
            "/input_descriptors",
            Violation::WrongType {
                expected: "an array",
            },
            Refuses,
        ),
        (
            "pe_5_name_is_a_string",
            with("/name", json!(["x"])),
            "/name",
            Violation::WrongType {
                expected: "a string",
            },
            Refuses,
        ),
        (
            "pe_5_format_designation_needs_proof_type",
            with("/format/ldp_vc", json!({})),
            "/format/ldp_vc/proof_type",
            Violation::Missing,
            AcceptsButSpecForbids,
        ),
        (
            "pe_5_format_algorithms_not_empty",
            with("/format/ldp_vc/proof_type", json!([])),
            "/format/ldp_vc/proof_type",
            Violation::Empty,
            Refuses,
        ),
        (
            "pe_5_format_has_one_or_more_designations",
            with("/format", json!({})),
            "/format",
            Violation::Empty,
            AcceptsButSpecForbids,
        ),
        (
            "pe_5_1_1_descriptor_id_required",
            without("/input_descriptors/0", "id"),
            "/input_descriptors/0/id",
            Violation::Missing,
            Refuses,
        ),
        (
            "pe_5_1_1_constraints_required",
            without("/input_descriptors/0", "constraints"),
            "/input_descriptors/0/constraints",
            Violation::Missing,
            Refuses,
        ),
        (
            "pe_5_1_1_descriptor_ids_unique",
            two_descriptors,
            "/input_descriptors/1/id",
            Violation::DuplicateId("org".into()),
            AcceptsButSpecForbids,
        ),
        (
            "pe_5_1_1_group_is_an_array",
            with("/input_descriptors/0/group", json!("A")),
            "/input_descriptors/0/group",
            Violation::WrongType {
                expected: "an array",
            },
            Refuses,
        ),
        (
            "pe_5_1_1_field_path_required",
            without(field1, "path"),
            "/input_descriptors/0/constraints/fields/1/path",
            Violation::Missing,
            Refuses,
        ),
        (
            "pe_5_1_1_field_path_is_an_array",
            with(&format!("{field1}/path"), json!("$.credentialSubject.name")),
            "/input_descriptors/0/constraints/fields/1/path",
            Violation::WrongType {
                expected: "an array",
            },
            Refuses,
        ),
        (
            "pe_5_1_1_field_path_items_are_strings",
            with(&format!("{field1}/path/0"), json!(1)),
            "/input_descriptors/0/constraints/fields/1/path/0",
            Violation::WrongType {
                expected: "a string",
            },
            Refuses,
        ),
        (
            "pe_5_1_1_field_path_has_one_or_more",
            with(&format!("{field1}/path"), json!([])),
            "/input_descriptors/0/constraints/fields/1/path",
            Violation::Empty,
            AcceptsButSpecForbids,
        ),
        (
            "pe_11_field_path_is_jsonpath",
            with(&format!("{field1}/path/0"), json!("$.credentialSubject[")),
            "/input_descriptors/0/constraints/fields/1/path/0",
            Violation::InvalidJsonPath(String::new()),
            AcceptsButSpecForbids,
        ),
        (
            "pe_5_1_1_optional_is_a_boolean",
            with(&format!("{field1}/optional"), json!("yes")),
            "/input_descriptors/0/constraints/fields/1/optional",
            Violation::WrongType {
                expected: "a boolean",
            },
            Refuses,
        ),
        (
            "pe_5_1_1_filter_is_a_schema_object",
            with(&format!("{field1}/filter"), json!("string")),
            "/input_descriptors/0/constraints/fields/1/filter",
            Violation::WrongType {
                expected: "a JSON Schema object",
            },
            Refuses,
        ),
        (
            "pe_5_1_1_filter_is_a_valid_schema",
            with(&format!("{field1}/filter/type"), json!(12)),
            "/input_descriptors/0/constraints/fields/1/filter",
            Violation::InvalidFilter(String::new()),
            Refuses,
        ),
        (
            "pe_5_1_1_filter_never_fetches",
            with(
                &format!("{field1}/filter"),
                json!({"$ref": "https://example.com/s.json"}),
            ),
            "/input_descriptors/0/constraints/fields/1/filter",
            Violation::InvalidFilter(String::new()),
            AcceptsButSpecForbids,
        ),
        (
            "pe_5_1_1_limit_disclosure_values",
            with(
                "/input_descriptors/0/constraints/limit_disclosure",
                json!("sometimes"),
            ),
            "/input_descriptors/0/constraints/limit_disclosure",
            Violation::NotAllowed {
                value: "sometimes".into(),
                allowed: "'required', 'preferred'",
            },
            Refuses,
        ),
        (
            "pe_7_2_predicate_needs_filter",
            {
                let mut pd = with(&format!("{field1}/predicate"), json!("required"));
                pd.pointer_mut(field1)
                    .and_then(Value::as_object_mut)
                    .unwrap()
                    .remove("filter");
                pd
            },
            "/input_descriptors/0/constraints/fields/1/filter",
            Violation::PredicateWithoutFilter,
            Refuses,
        ),
        (
            "pe_7_3_required_relational_constraint_is_unsupported",
            with(
                "/input_descriptors/0/constraints/subject_is_issuer",
                json!("required"),
            ),
            "/input_descriptors/0/constraints/subject_is_issuer",
            Violation::UnsupportedFeature("subject_is_issuer"),
            AcceptsButSpecForbids,
        ),
        (
            "pe_7_1_3_1_rule_values",
            with("/submission_requirements/0/rule", json!("some")),
            "/submission_requirements/0/rule",
            Violation::NotAllowed {
                value: "some".into(),
                allowed: "'all', 'pick'",
            },
            Refuses,
        ),
        (
            "pe_7_1_3_4_count_at_least_one",
            with("/submission_requirements/0/count", json!(0)),
            "/submission_requirements/0/count",
            Violation::BelowMinimum { minimum: 1 },
            Refuses,
        ),
        (
            "pe_7_1_3_4_count_is_an_integer",
            with("/submission_requirements/0/count", json!(1.5)),
            "/submission_requirements/0/count",
            Violation::WrongType {
                expected: "an integer",
            },
            Refuses,
        ),
        (
            "pe_7_1_3_4_min_not_negative",
            with("/submission_requirements/0/min", json!(-1)),
            "/submission_requirements/0/min",
            Violation::BelowMinimum { minimum: 0 },
            Refuses,
        ),
        (
            "pe_7_1_3_4_max_not_negative",
            with("/submission_requirements/0/max", json!(-2)),
            "/submission_requirements/0/max",
            Violation::BelowMinimum { minimum: 0 },
            Refuses,
        ),
        (
            "pe_7_1_3_4_min_not_above_max",
            {
                let mut pd = with("/submission_requirements/0/min", json!(3));
                pd["submission_requirements"][0]["max"] = json!(2);
                pd
            },
            "/submission_requirements/0/min",
            Violation::MinAboveMax,
            AcceptsButSpecForbids,
        ),
        (
            "pe_7_1_3_1_from_and_from_nested_exclusive",
            with(
                "/submission_requirements/0/from_nested",
                json!([{"rule": "all", "from": "A"}]),
            ),
            "/submission_requirements/0/from_nested",
            Violation::FromAndFromNested,
            Refuses,
        ),
        (
            "pe_7_1_3_1_from_or_from_nested_required",
            without("/submission_requirements/0", "from"),
            "/submission_requirements/0",
            Violation::NoFrom,
            Refuses,
        ),
        (
            "pe_7_1_3_1_from_nested_not_empty",
            {
                let mut pd = without("/submission_requirements/0", "from");
                pd["submission_requirements"][0]["from_nested"] = json!([]);
                pd
            },
            "/submission_requirements/0/from_nested",
            Violation::Empty,
            Refuses,
        ),
        (
            "pe_7_1_3_1_from_names_a_group",
            with("/submission_requirements/0/from", json!("B")),
            "/submission_requirements/0/from",
            Violation::UnknownGroup("B".into()),
            AcceptsButSpecForbids,
        ),
        (
            "pe_7_1_3_descriptors_grouped_when_requirements",
            with(
                "/input_descriptors/1",
                json!({"id": "loose", "constraints": {}}),
            ),
            "/input_descriptors/1/group",
            Violation::Ungrouped,
            AcceptsButSpecForbids,
        ),
        (
            "pe_7_1_2_group_named_by_a_requirement",
            with("/input_descriptors/0/group", json!(["A", "Z"])),
            "/input_descriptors/0/group/1",
            Violation::UnreferencedGroup("Z".into()),
            AcceptsButSpecForbids,
        ),
    ]
}

/// Compares violations, ignoring the library-specific message of JSONPath and filter errors.
fn same_violation(actual: &Violation, expected: &Violation) -> bool {
    match (actual, expected) {
        (Violation::InvalidJsonPath(_), Violation::InvalidJsonPath(_))
        | (Violation::InvalidFilter(_), Violation::InvalidFilter(_)) => true,
        _ => actual == expected,
    }
}

#[test]
fn pe_10_crafted_invalid_definitions_are_refused_at_the_right_member() {
    let schema = definition_schema();
    assert!(schema.is_valid(&base()));
    PresentationDefinition::from_value(&base()).unwrap();
    for (name, pd, pointer, violation, schema_verdict) in crafted() {
        match PresentationDefinition::from_value(&pd) {
            Err(Error::InvalidDefinition {
                pointer: actual_pointer,
                violation: actual,
            }) => {
                assert_eq!(actual_pointer, pointer, "{name}");
                assert!(same_violation(&actual, &violation), "{name}: {actual:?}");
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        let schema_accepts = schema.is_valid(&pd);
        assert_eq!(
            schema_accepts,
            schema_verdict == Schema::AcceptsButSpecForbids,
            "{name}: schema verdict"
        );
    }
}

#[test]
fn pe_5_unknown_members_are_kept_where_the_schema_refuses_them() {
    // The schema says additionalProperties: false; §5 says unknown properties "MUST be ignored".
    // Hazel keeps them so that a definition is served back unchanged.
    let schema = definition_schema();
    let mut pd = base();
    pd["x-vendor"] = json!({"a": 1});
    pd["input_descriptors"][0]["constraints"]["fields"][0]["x-note"] = json!("kept");
    assert!(!schema.is_valid(&pd));
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_10_submissions_agree_with_schema() {
    let schema = schema("presentation-submission.json");
    let good = json!({
        "id": "s", "definition_id": "pd",
        "descriptor_map": [{"id": "org", "format": "ldp_vp", "path": "$",
            "path_nested": {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}}]
    });
    assert!(schema.is_valid(&json!({"presentation_submission": good})));
    PresentationSubmission::from_value(&good).unwrap();
    let cases: Vec<(&str, Value, &str, bool)> = vec![
        ("id", remove(&good, "", "id"), "/id", true),
        (
            "definition_id",
            remove(&good, "", "definition_id"),
            "/definition_id",
            true,
        ),
        (
            "descriptor_map",
            remove(&good, "", "descriptor_map"),
            "/descriptor_map",
            true,
        ),
        (
            "mapping id",
            remove(&good, "/descriptor_map/0", "id"),
            "/descriptor_map/0/id",
            true,
        ),
        (
            "mapping path",
            remove(&good, "/descriptor_map/0", "path"),
            "/descriptor_map/0/path",
            true,
        ),
        (
            "mapping format",
            remove(&good, "/descriptor_map/0", "format"),
            "/descriptor_map/0/format",
            true,
        ),
        (
            "format value",
            set(&good, "/descriptor_map/0/format", json!("mso_mdoc")),
            "/descriptor_map/0/format",
            true,
        ),
        (
            "nested format value",
            set(&good, "/descriptor_map/0/path_nested/format", json!("vc")),
            "/descriptor_map/0/path_nested/format",
            true,
        ),
        // §6: "The id property MUST be the same for each level of nesting" — not in the schema.
        (
            "nested id",
            set(&good, "/descriptor_map/0/path_nested/id", json!("other")),
            "/descriptor_map/0/path_nested/id",
            false,
        ),
        // §6: path "MUST be a JSONPath string expression" — not in the schema.
        (
            "path syntax",
            set(
                &good,
                "/descriptor_map/0/path",
                json!("verifiableCredential[0]"),
            ),
            "/descriptor_map/0/path",
            false,
        ),
    ];
    for (name, submission, pointer, schema_refuses) in cases {
        match PresentationSubmission::from_value(&submission) {
            Err(Error::InvalidSubmission { pointer: p, .. }) => assert_eq!(p, pointer, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let enveloped = json!({"presentation_submission": submission});
        assert_eq!(!schema.is_valid(&enveloped), schema_refuses, "{name}");
    }
}

fn remove(value: &Value, parent: &str, key: &str) -> Value {
    let mut copy = value.clone();
    copy.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
    copy
}

fn set(value: &Value, pointer: &str, new: Value) -> Value {
    let mut copy = value.clone();
    *copy.pointer_mut(pointer).unwrap() = new;
    copy
}
