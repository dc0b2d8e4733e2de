#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;

#[test]
fn pe_6_submission_parses_and_round_trips() {
    let value = json!({
        "id": "s", "definition_id": "pd", "x-extra": {"k": 1},
        "descriptor_map": [
            {"id": "a", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "b", "format": "ldp_vp", "path": "$[1]",
             "path_nested": {"id": "b", "format": "ldp_vc", "path": "$.verifiableCredential", "x-n": 2}}
        ]
    });
    let parsed = PresentationSubmission::from_value(&value).unwrap();
    assert_eq!(parsed.descriptor_map.len(), 2);
    assert_eq!(
        parsed.descriptor_map[1].path_nested.as_ref().unwrap().path,
        "$.verifiableCredential"
    );
    assert_eq!(parsed.to_value(), value);
    let again: PresentationSubmission = serde_json::from_value(value).unwrap();
    assert_eq!(again, parsed);
}

#[test]
fn pe_6_empty_descriptor_map_is_allowed() {
    let value = json!({"id": "s", "definition_id": "pd", "descriptor_map": []});
    assert!(PresentationSubmission::from_value(&value).is_ok());
}

#[test]
fn pe_6_nested_id_must_be_the_same_at_every_level() {
    let value = json!({"id": "s", "definition_id": "pd", "descriptor_map": [
        {"id": "a", "format": "jwt_vp", "path": "$", "path_nested":
            {"id": "a", "format": "ldp_vc", "path": "$.x", "path_nested":
                {"id": "b", "format": "jwt_vc", "path": "$.y"}}}
    ]});
    assert_eq!(
        PresentationSubmission::from_value(&value).unwrap_err(),
        Error::InvalidSubmission {
            pointer: "/descriptor_map/0/path_nested/path_nested/id".into(),
            violation: Violation::NestedIdMismatch {
                outer: "a".into(),
                nested: "b".into()
            }
        }
    );
}

#[test]
fn pe_6_path_must_be_jsonpath() {
    let value = json!({"id": "s", "definition_id": "pd", "descriptor_map": [
        {"id": "a", "format": "ldp_vc", "path": "$.verifiableCredential[0"}
    ]});
    assert!(matches!(
        PresentationSubmission::from_value(&value),
        Err(Error::InvalidSubmission { pointer, violation: Violation::InvalidJsonPath(_) })
            if pointer == "/descriptor_map/0/path"
    ));
}

#[test]
fn pe_9_format_must_be_a_registered_designation() {
    let value = json!({"id": "s", "definition_id": "pd", "descriptor_map": [
        {"id": "a", "format": "vc+sd-jwt", "path": "$"}
    ]});
    assert!(matches!(
        PresentationSubmission::from_value(&value),
        Err(Error::InvalidSubmission {
            violation: Violation::NotAllowed { .. },
            ..
        })
    ));
}

#[test]
fn pe_6_descriptor_map_entries_must_be_objects() {
    let value = json!({"id": "s", "definition_id": "pd", "descriptor_map": ["a"]});
    assert_eq!(
        PresentationSubmission::from_value(&value).unwrap_err(),
        Error::InvalidSubmission {
            pointer: "/descriptor_map/0".into(),
            violation: Violation::WrongType {
                expected: "an object"
            }
        }
    );
}

#[test]
fn pe_6_submission_from_json_text() {
    assert!(matches!(
        PresentationSubmission::from_slice(b"nope"),
        Err(Error::Json(_))
    ));
    let text = br#"{"id":"s","definition_id":"pd","descriptor_map":[]}"#;
    assert_eq!(PresentationSubmission::from_slice(text).unwrap().id, "s");
}

#[test]
fn nuts_credential_path_is_single_for_one_credential() {
    assert_eq!(credential_path(0, 1), "$.verifiableCredential");
    assert_eq!(credential_path(0, 2), "$.verifiableCredential[0]");
    assert_eq!(credential_path(1, 2), "$.verifiableCredential[1]");
}

#[test]
fn pe_6_flat_mapping_constructor() {
    let mapping = DescriptorMapping::new("a", "jwt_vc", "$.verifiableCredential");
    assert_eq!(
        serde_json::to_value(&mapping).unwrap(),
        json!({"id": "a", "format": "jwt_vc", "path": "$.verifiableCredential"})
    );
}
