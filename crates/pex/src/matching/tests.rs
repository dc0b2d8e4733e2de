#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::test_support::{compiled, jwt, ldp, type_pd, vc};

fn one_field(field: Value) -> CompiledDefinition {
    compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [field]}}]}),
    )
}

fn mismatch(definition: &CompiledDefinition, credential: &Credential<'_>) -> Mismatch {
    match definition.check("d", credential) {
        Err(Error::DescriptorNotSatisfied { mismatch, .. }) => mismatch,
        other => panic!("{other:?}"),
    }
}

#[test]
fn pe_8_first_path_that_yields_a_value_wins() {
    let definition = one_field(json!({
        "id": "city",
        "path": ["$.credentialSubject.organization.city", "$.credentialSubject[0].organization.city"],
        "filter": {"type": "string"}
    }));
    let as_object = json!({"credentialSubject": {"organization": {"city": "IJbergen"}}});
    let as_array = json!({"credentialSubject": [{"organization": {"city": "Amsterdam"}}]});
    let claims = definition.check("d", &ldp("1", 0, &as_object)).unwrap();
    assert_eq!(claims.get("city"), Some(&json!("IJbergen")));
    let claims = definition.check("d", &ldp("2", 0, &as_array)).unwrap();
    assert_eq!(claims.get("city"), Some(&json!("Amsterdam")));
    let both = json!({"credentialSubject": {"organization": {"city": "First"}}, "x": 1});
    assert_eq!(
        definition
            .check("d", &ldp("3", 0, &both))
            .unwrap()
            .get("city"),
        Some(&json!("First"))
    );
}

#[test]
fn pe_8_value_failing_the_filter_moves_on_to_the_next_path() {
    let definition = one_field(json!({
        "id": "v", "path": ["$.a", "$.b"], "filter": {"type": "number"}
    }));
    let credential = json!({"a": "not a number", "b": 7});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("v"), Some(&json!(7)));
}

#[test]
fn pe_8_every_value_a_path_selects_is_tried() {
    let definition = one_field(json!({
        "id": "account", "path": ["$.accounts[*].id"], "filter": {"type": "string", "pattern": "^DE"}
    }));
    let credential = json!({"accounts": [{"id": "FR1"}, {"id": "DE2"}]});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("account"), Some(&json!("DE2")));
}

#[test]
fn pe_5_1_1_field_without_filter_accepts_any_value() {
    let definition = one_field(json!({"id": "s", "path": ["$.credentialStatus"]}));
    let credential = json!({"credentialStatus": {"type": "StatusList2021Entry"}});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(
        claims.get("s"),
        Some(&json!({"type": "StatusList2021Entry"}))
    );
}

#[test]
fn pe_8_1_1_3_required_field_without_value_is_rejected() {
    let definition = one_field(json!({"id": "s", "path": ["$.credentialStatus"]}));
    assert_eq!(
        mismatch(&definition, &ldp("1", 0, &json!({}))),
        Mismatch::FieldNotFound {
            field: 0,
            field_id: Some("s".into())
        }
    );
}

#[test]
fn pe_8_null_counts_as_no_value() {
    // nuts-node v6 `matchField` skips a path whose value is null.
    let definition = one_field(json!({"path": ["$.a"]}));
    assert!(matches!(
        mismatch(&definition, &ldp("1", 0, &json!({"a": null}))),
        Mismatch::FieldNotFound { field: 0, .. }
    ));
}

#[test]
fn pe_5_1_1_optional_field_may_be_absent() {
    let definition = one_field(json!({
        "id": "nick", "path": ["$.nickname"], "optional": true, "filter": {"type": "string"}
    }));
    let claims = definition.check("d", &ldp("1", 0, &json!({}))).unwrap();
    assert!(claims.is_empty());
}

#[test]
fn pe_5_1_1_optional_field_present_must_still_pass_its_filter() {
    let definition = one_field(json!({
        "path": ["$.nickname"], "optional": true, "filter": {"type": "string"}
    }));
    assert_eq!(
        mismatch(&definition, &ldp("1", 0, &json!({"nickname": 3}))),
        Mismatch::FilterRejected {
            field: 0,
            field_id: None
        }
    );
}

#[test]
fn pe_5_1_1_fields_are_processed_in_order_and_the_first_failure_is_reported() {
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"path": ["$.type"], "filter": {"type": "string", "const": "A"}},
            {"id": "second", "path": ["$.missing"]},
            {"path": ["$.also_missing"]}
        ]}}]}),
    );
    let credential = json!({"type": ["A"]});
    assert_eq!(
        mismatch(&definition, &ldp("1", 0, &credential)),
        Mismatch::FieldNotFound {
            field: 1,
            field_id: Some("second".into())
        }
    );
}

#[test]
fn nuts_any_element_of_an_array_value_matches_a_string_filter_by_default() {
    let definition = compiled(type_pd("pd", &[("d", "NutsOrganizationCredential")]));
    assert_eq!(definition.array_matching(), ArrayMatching::AnyElement);
    let credential = vc("urn:1", "NutsOrganizationCredential", "Care");
    assert!(definition.check("d", &ldp("1", 0, &credential)).is_ok());
    let other = vc("urn:2", "NutsEmployeeCredential", "Care");
    assert!(matches!(
        mismatch(&definition, &ldp("2", 0, &other)),
        Mismatch::FilterRejected { field: 0, .. }
    ));
}

#[test]
fn pe_8_strict_mode_applies_the_filter_to_the_whole_value() {
    let definition = compiled(type_pd("pd", &[("d", "NutsOrganizationCredential")]))
        .with_array_matching(ArrayMatching::WholeValue);
    let credential = vc("urn:1", "NutsOrganizationCredential", "Care");
    assert!(matches!(
        mismatch(&definition, &ldp("1", 0, &credential)),
        Mismatch::FilterRejected { field: 0, .. }
    ));
    // A scalar still matches.
    let scalar = json!({"type": "NutsOrganizationCredential", "credentialSubject": {"name": "x"}});
    assert!(definition.check("d", &ldp("2", 0, &scalar)).is_ok());
}

#[test]
fn pe_8_array_filters_see_the_whole_array_in_both_modes() {
    let field =
        json!({"path": ["$.type"], "filter": {"type": "array", "contains": {"const": "X"}}});
    let credential = json!({"type": ["VerifiableCredential", "X"]});
    for mode in [ArrayMatching::AnyElement, ArrayMatching::WholeValue] {
        let definition = one_field(field.clone()).with_array_matching(mode);
        assert!(
            definition.check("d", &ldp("1", 0, &credential)).is_ok(),
            "{mode:?}"
        );
    }
}

#[test]
fn nuts_empty_array_matches_no_element_filter() {
    let definition = one_field(json!({"path": ["$.type"], "filter": {"type": "string"}}));
    assert!(
        definition
            .check("d", &ldp("1", 0, &json!({"type": []})))
            .is_err()
    );
}

fn formatted(format: Value) -> CompiledDefinition {
    compiled(json!({
        "id": "pd", "format": format,
        "input_descriptors": [{"id": "d", "constraints": {"fields": [{"path": ["$.id"]}]}}]
    }))
}

#[test]
fn pe_5_format_jwt_vc_alg_is_checked() {
    let definition = formatted(json!({"jwt_vc": {"alg": ["ES256K", "ES384"]}}));
    let credential = json!({"id": "urn:1"});
    assert!(
        definition
            .check("d", &jwt("1", "ES384", 0, &credential))
            .is_ok()
    );
    assert_eq!(
        mismatch(&definition, &jwt("1", "ES256", 0, &credential)),
        Mismatch::FormatNotAllowed {
            format: "jwt_vc",
            proof: "ES256".into()
        }
    );
}

#[test]
fn pe_5_format_ldp_vc_proof_type_is_checked() {
    let definition = formatted(json!({"ldp_vc": {"proof_type": ["JsonWebSignature2020"]}}));
    let credential = json!({"id": "urn:1"});
    assert!(definition.check("d", &ldp("1", 0, &credential)).is_ok());
    let other = Credential::new(
        "2",
        CredentialFormat::LdpVc,
        "Ed25519Signature2018",
        0,
        &credential,
    );
    assert!(matches!(
        mismatch(&definition, &other),
        Mismatch::FormatNotAllowed {
            format: "ldp_vc",
            ..
        }
    ));
}

#[test]
fn pe_5_format_without_the_credentials_designation_refuses_it() {
    let definition = formatted(json!({"ldp_vc": {"proof_type": ["JsonWebSignature2020"]}}));
    let credential = json!({"id": "urn:1"});
    assert!(
        definition
            .check("d", &jwt("1", "ES256", 0, &credential))
            .is_err()
    );
}

#[test]
fn pe_5_format_with_only_presentation_designations_accepts_any_credential() {
    let definition = formatted(json!({"ldp_vp": {"proof_type": ["JsonWebSignature2020"]}}));
    let credential = json!({"id": "urn:1"});
    assert!(
        definition
            .check("d", &jwt("1", "ES256", 0, &credential))
            .is_ok()
    );
}

#[test]
fn pe_9_generic_jwt_designation_covers_jwt_vc() {
    let definition = formatted(json!({"jwt": {"alg": ["EdDSA"]}}));
    let credential = json!({"id": "urn:1"});
    assert!(
        definition
            .check("d", &jwt("1", "EdDSA", 0, &credential))
            .is_ok()
    );
    assert!(definition.check("d", &ldp("1", 0, &credential)).is_err());
}

#[test]
fn pe_5_1_1_descriptor_format_must_also_be_satisfied() {
    let definition = compiled(json!({
        "id": "pd",
        "format": {"jwt_vc": {"alg": ["ES256", "PS256"]}},
        "input_descriptors": [{"id": "d", "format": {"jwt_vc": {"alg": ["PS256"]}},
                               "constraints": {"fields": [{"path": ["$.id"]}]}}]
    }));
    let credential = json!({"id": "urn:1"});
    assert!(
        definition
            .check("d", &jwt("1", "PS256", 0, &credential))
            .is_ok()
    );
    assert!(
        definition
            .check("d", &jwt("1", "ES256", 0, &credential))
            .is_err()
    );
}

#[test]
fn pe_8_check_names_an_unknown_input_descriptor() {
    let definition = compiled(type_pd("pd", &[("d", "X")]));
    let credential = vc("urn:1", "X", "n");
    assert_eq!(
        definition
            .check("nope", &ldp("1", 0, &credential))
            .unwrap_err(),
        Error::UnknownInputDescriptor { id: "nope".into() }
    );
}

#[test]
fn pe_5_1_1_invalid_filter_is_refused_with_its_pointer() {
    let pd = json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.a"]}, {"path": ["$.b"], "filter": {"type": "string", "pattern": "("}}
    ]}}]});
    match CompiledDefinition::from_value(&pd) {
        Err(Error::InvalidDefinition { pointer, violation }) => {
            assert_eq!(pointer, "/input_descriptors/0/constraints/fields/1/filter");
            assert!(matches!(violation, Violation::InvalidFilter(_)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn compiled_definition_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledDefinition>();
}

#[test]
fn compiled_definition_from_slice_and_back() {
    let pd = type_pd("pd", &[("d", "X")]);
    let definition = CompiledDefinition::from_slice(pd.to_string().as_bytes()).unwrap();
    assert_eq!(definition.definition().id, "pd");
    assert_eq!(definition.into_definition().to_value(), pd);
    assert!(matches!(
        CompiledDefinition::from_slice(b"[1,"),
        Err(Error::Json(_))
    ));
}
