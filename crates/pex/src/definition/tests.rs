#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::Error;

fn refusal(pd: Value) -> (String, Violation) {
    match PresentationDefinition::from_value(&pd) {
        Err(Error::InvalidDefinition { pointer, violation }) => (pointer, violation),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn minimal() -> Value {
    json!({
        "id": "pd",
        "input_descriptors": [{"id": "a", "constraints": {"fields": [{"path": ["$.type"]}]}}]
    })
}

#[test]
fn pe_5_minimal_definition_parses() {
    let pd = PresentationDefinition::from_value(&minimal()).unwrap();
    assert_eq!(pd.id, "pd");
    assert_eq!(pd.input_descriptors.len(), 1);
    assert_eq!(
        pd.input_descriptors[0].constraints.fields()[0].path,
        ["$.type"]
    );
    assert!(!pd.has_submission_requirements());
    assert_eq!(pd.input_descriptor("a").map(|(i, _)| i), Some(0));
    assert!(pd.input_descriptor("b").is_none());
}

#[test]
fn pe_5_input_descriptors_may_be_empty() {
    // format_example.json of the DIF vectors has `"input_descriptors": []`.
    let pd = PresentationDefinition::from_value(&json!({"id": "x", "input_descriptors": []}));
    assert!(pd.unwrap().input_descriptors.is_empty());
}

#[test]
fn pe_5_definition_must_be_an_object() {
    assert_eq!(
        refusal(json!([])),
        (
            "".into(),
            Violation::WrongType {
                expected: "an object"
            }
        )
    );
}

#[test]
fn pe_5_unknown_members_round_trip_at_every_level() {
    let pd = json!({
        "id": "pd",
        "x-top": 1,
        "frame": {"@context": "https://example.org"},
        "format": {"jwt_vc": {"alg": ["ES256"], "x-f": true}, "vc+sd-jwt": {"sd-jwt_alg_values": ["ES256"]}},
        "submission_requirements": [{"rule": "all", "from": "A", "x-sr": "kept"}],
        "input_descriptors": [{
            "id": "a", "group": ["A"], "x-desc": [1, 2],
            "constraints": {
                "x-c": null,
                "same_subject": [{"field_id": ["f"], "directive": "preferred"}],
                "fields": [{"id": "f", "path": ["$.id"], "optional": false, "intent_to_retain": true,
                            "predicate": "preferred", "filter": {"type": "string"}, "x-field": "kept"}]
            }
        }]
    });
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert_eq!(parsed.unknown.get("x-top"), Some(&json!(1)));
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_5_1_1_explicit_false_optional_is_kept() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["fields"][0]["optional"] = json!(false);
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    let field = &parsed.input_descriptors[0].constraints.fields()[0];
    assert_eq!(field.optional, Some(false));
    assert!(!field.is_optional());
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_5_1_1_field_ids_may_repeat_across_descriptors() {
    // Deliberate: nuts-node accepts it; conflicting claims are refused at extraction instead.
    let pd = json!({"id": "pd", "input_descriptors": [
        {"id": "a", "constraints": {"fields": [{"id": "name", "path": ["$.a"]}]}},
        {"id": "b", "constraints": {"fields": [{"id": "name", "path": ["$.b"]}]}}
    ]});
    assert!(PresentationDefinition::from_value(&pd).is_ok());
}

#[test]
fn pe_5_1_1_constraints_without_fields_parse() {
    let pd = json!({"id": "pd", "input_descriptors": [{"id": "a", "constraints": {}}]});
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert!(parsed.input_descriptors[0].constraints.fields().is_empty());
}

#[test]
fn pe_5_1_1_limit_disclosure_is_parsed() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["limit_disclosure"] = json!("required");
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert!(parsed.input_descriptors[0].requires_limited_disclosure());
    pd["input_descriptors"][0]["constraints"]["limit_disclosure"] = json!("preferred");
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert!(!parsed.input_descriptors[0].requires_limited_disclosure());
}

#[test]
fn pe_5_1_1_standalone_input_descriptor_parses_and_checks_paths() {
    let descriptor = json!({"id": "a", "constraints": {"fields": [{"path": ["$.x"]}]}});
    assert_eq!(InputDescriptor::from_value(&descriptor).unwrap().id, "a");
    let bad = json!({"id": "a", "constraints": {"fields": [{"path": ["$["]}]}});
    match InputDescriptor::from_value(&bad) {
        Err(Error::InvalidDefinition { pointer, .. }) => {
            assert_eq!(pointer, "/constraints/fields/0/path/0");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pe_5_1_1_field_must_be_an_object() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["fields"][0] = json!("$.type");
    assert_eq!(
        refusal(pd),
        (
            "/input_descriptors/0/constraints/fields/0".into(),
            Violation::WrongType {
                expected: "an object"
            }
        )
    );
}

#[test]
fn pe_5_1_1_boolean_filter_is_a_schema() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["fields"][0]["filter"] = json!(true);
    assert!(PresentationDefinition::from_value(&pd).is_ok());
}

#[test]
fn pe_7_1_2_groups_without_requirements_are_allowed() {
    // input_descriptor_id_tokens_example.json has a group and no submission requirements.
    let mut pd = minimal();
    pd["input_descriptors"][0]["group"] = json!(["B"]);
    assert!(PresentationDefinition::from_value(&pd).is_ok());
}

#[test]
fn pe_7_1_3_empty_requirements_array_means_none() {
    let mut pd = minimal();
    pd["submission_requirements"] = json!([]);
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert!(!parsed.has_submission_requirements());
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_7_1_3_1_nested_from_must_name_a_group() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["group"] = json!(["A"]);
    pd["submission_requirements"] = json!([{"rule": "pick", "count": 1, "from_nested": [
        {"rule": "all", "from": "A"}, {"rule": "all", "from": "Q"}
    ]}]);
    assert_eq!(
        refusal(pd),
        (
            "/submission_requirements/0/from_nested/1/from".into(),
            Violation::UnknownGroup("Q".into())
        )
    );
}

#[test]
fn pe_7_3_preferred_relational_constraints_are_kept() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["subject_is_issuer"] = json!("preferred");
    pd["input_descriptors"][0]["constraints"]["is_holder"] =
        json!([{"field_id": ["x"], "directive": "preferred"}]);
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_7_3_required_is_holder_is_unsupported() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["is_holder"] =
        json!([{"field_id": ["x"], "directive": "required"}]);
    assert_eq!(
        refusal(pd),
        (
            "/input_descriptors/0/constraints/is_holder/0/directive".into(),
            Violation::UnsupportedFeature("is_holder")
        )
    );
}

#[test]
fn pe_7_3_required_same_subject_is_unsupported() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["same_subject"] =
        json!([{"field_id": ["x", "y"], "directive": "required"}]);
    assert_eq!(refusal(pd).1, Violation::UnsupportedFeature("same_subject"));
}

#[test]
fn pe_7_4_required_status_constraint_is_unsupported() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["constraints"]["statuses"] =
        json!({"active": {"directive": "required"}});
    assert_eq!(
        refusal(pd),
        (
            "/input_descriptors/0/constraints/statuses/active/directive".into(),
            Violation::UnsupportedFeature("statuses")
        )
    );
}

#[test]
fn pe_5_frame_must_be_an_object() {
    let mut pd = minimal();
    pd["frame"] = json!("x");
    assert_eq!(refusal(pd).0, "/frame");
}

#[test]
fn pe_5_format_unknown_designation_is_kept() {
    let mut pd = minimal();
    pd["format"] = json!({"mso_mdoc": {"alg": ["ES256"]}});
    let parsed = PresentationDefinition::from_value(&pd).unwrap();
    assert_eq!(parsed.to_value(), pd);
}

#[test]
fn pe_5_format_designation_must_be_an_object() {
    let mut pd = minimal();
    pd["format"] = json!({"jwt_vc": ["ES256"]});
    assert_eq!(
        refusal(pd),
        (
            "/format/jwt_vc".into(),
            Violation::WrongType {
                expected: "an object"
            }
        )
    );
}

#[test]
fn pe_5_descriptor_format_is_checked_like_the_definition_format() {
    let mut pd = minimal();
    pd["input_descriptors"][0]["format"] = json!({"jwt_vp": {"alg": "ES256"}});
    assert_eq!(
        refusal(pd),
        (
            "/input_descriptors/0/format/jwt_vp/alg".into(),
            Violation::WrongType {
                expected: "an array"
            }
        )
    );
}

#[test]
fn pe_5_invalid_json_text_is_refused() {
    assert!(matches!(
        PresentationDefinition::from_slice(b"{"),
        Err(Error::Json(_))
    ));
    assert!(PresentationDefinition::from_slice(minimal().to_string().as_bytes()).is_ok());
}

#[test]
fn pe_5_deserialize_validates_and_names_the_member() {
    let error = serde_json::from_value::<PresentationDefinition>(json!({"id": "x"})).unwrap_err();
    assert!(error.to_string().contains("/input_descriptors"), "{error}");
}

#[test]
fn pe_5_error_message_names_pointer_and_problem() {
    let error = PresentationDefinition::from_value(&json!({"input_descriptors": []})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid presentation definition at '/id': required member is missing"
    );
}

#[test]
fn pe_5_member_names_are_escaped_in_pointers() {
    let mut pd = minimal();
    pd["format"] = json!({"a/b~c": 1});
    assert_eq!(refusal(pd).0, "/format/a~1b~0c");
}
