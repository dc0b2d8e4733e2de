#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::error::{Mismatch, Shortfall};
use crate::matching::ArrayMatching;
use crate::test_support::{compiled, jwt, ldp, type_pd, vc};

fn submission(map: Value) -> PresentationSubmission {
    PresentationSubmission::from_value(
        &json!({"id": "s", "definition_id": "pd", "descriptor_map": map}),
    )
    .unwrap()
}

fn ldp_vp<'a>(json: &'a Value, credentials: &'a [Credential<'a>]) -> Presentation<'a> {
    Presentation {
        format: PresentationFormat::LdpVp,
        proof: "JsonWebSignature2020",
        json,
        credentials,
    }
}

struct Fixture {
    org: Value,
    emp: Value,
}

fn fixture() -> Fixture {
    Fixture {
        org: vc("urn:o", "Org", "Care"),
        emp: vc("urn:e", "Employee", "Alice"),
    }
}

fn two() -> CompiledDefinition {
    compiled(type_pd("pd", &[("org", "Org"), ("emp", "Employee")]))
}

fn both_mapped() -> PresentationSubmission {
    submission(json!([
        {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
        {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
    ]))
}

#[test]
fn pe_6_1_array_form_is_resolved_by_index() {
    let f = fixture();
    let vp = json!({"verifiableCredential": [f.org, "eyJ.jwt.employee"]});
    let credentials = [ldp("o", 1, &f.org), jwt("e", "ES256", 1, &f.emp)];
    let presentation = ldp_vp(&vp, &credentials);
    let evaluation = two()
        .evaluate(&both_mapped(), Envelope::Single(&presentation))
        .unwrap();
    assert_eq!(evaluation.matches.len(), 2);
    assert_eq!(evaluation.matches[1].input_descriptor, "emp");
    assert_eq!(evaluation.matches[1].credential_index, 1);
    assert_eq!(evaluation.matches[1].credential.id, "e");
    assert_eq!(evaluation.claims.get("org_name"), Some(&json!("Care")));
    assert_eq!(evaluation.claims.get("emp_name"), Some(&json!("Alice")));
}

#[test]
fn nuts_single_object_form_is_resolved_at_verifiable_credential() {
    let f = fixture();
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let map =
        submission(json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}]));
    let evaluation = definition
        .evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials)))
        .unwrap();
    assert_eq!(evaluation.matches[0].credential_index, 0);
}

#[test]
fn nuts_array_of_one_is_accepted_at_verifiable_credential() {
    let f = fixture();
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let vp = json!({"verifiableCredential": [f.org]});
    let credentials = [ldp("o", 1, &f.org)];
    for path in ["$.verifiableCredential", "$.verifiableCredential[0]"] {
        let map = submission(json!([{"id": "org", "format": "ldp_vc", "path": path}]));
        assert!(
            definition
                .evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials)))
                .is_ok(),
            "{path}"
        );
    }
}

#[test]
fn pe_6_1_index_into_a_single_object_selects_nothing() {
    let f = fixture();
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let map =
        submission(json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}]));
    assert_eq!(
        definition
            .evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials)))
            .unwrap_err(),
        Error::PathSelectsNothing {
            pointer: "/descriptor_map/0/path".into()
        }
    );
}

#[test]
fn pe_6_definition_id_must_match() {
    let f = fixture();
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let mut map = both_mapped();
    map.definition_id = "other".into();
    assert_eq!(
        two()
            .evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials)))
            .unwrap_err(),
        Error::DefinitionIdMismatch {
            expected: "pd".into(),
            actual: "other".into()
        }
    );
}

fn evaluate_two(map: Value) -> Result<(), Error> {
    let f = fixture();
    let vp = json!({"verifiableCredential": [f.org, f.emp]});
    let credentials = [ldp("o", 1, &f.org), jwt("e", "ES256", 1, &f.emp)];
    two()
        .evaluate(
            &submission(map),
            Envelope::Single(&ldp_vp(&vp, &credentials)),
        )
        .map(|_| ())
}

#[test]
fn pe_6_unknown_descriptor_ids_are_refused() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"},
            {"id": "extra", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}
        ])),
        Err(Error::UnknownInputDescriptor { id: "extra".into() })
    );
}

#[test]
fn pe_6_a_descriptor_mapped_twice_is_refused() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}
        ])),
        Err(Error::DuplicateMapping { id: "org".into() })
    );
}

#[test]
fn pe_5_every_descriptor_is_required_without_submission_requirements() {
    assert_eq!(
        evaluate_two(
            json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}])
        ),
        Err(Error::MissingInputDescriptor { id: "emp".into() })
    );
}

#[test]
fn pe_6_1_declared_format_must_be_the_credentials_format() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "emp", "format": "ldp_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::FormatMismatch {
            pointer: "/descriptor_map/1/format".into(),
            declared: "ldp_vc".into(),
            actual: "jwt_vc"
        })
    );
}

#[test]
fn pe_6_1_path_past_the_last_credential_selects_nothing() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[2]"}
        ])),
        Err(Error::PathSelectsNothing {
            pointer: "/descriptor_map/1/path".into()
        })
    );
}

#[test]
fn pe_6_1_path_must_select_a_credential() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0].credentialSubject"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::PathNotAClaim {
            pointer: "/descriptor_map/0/path".into(),
            expected: "credential"
        })
    );
}

#[test]
fn pe_6_1_path_must_select_one_value() {
    assert!(matches!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[*]"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::PathNotAClaim { .. })
    ));
}

#[test]
fn pe_8_mapped_credential_must_satisfy_its_descriptor() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "jwt_vc", "path": "$.verifiableCredential[1]"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::DescriptorNotSatisfied {
            input_descriptor: "org".into(),
            mismatch: Mismatch::FilterRejected {
                field: 0,
                field_id: None
            }
        })
    );
}

#[test]
fn pe_6_1_single_presentation_may_be_selected_with_root_and_path_nested() {
    assert!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vp", "path": "$",
             "path_nested": {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ]))
        .is_ok()
    );
}

#[test]
fn pe_6_1_presentation_without_path_nested_is_not_a_credential() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vp", "path": "$"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::PathNotAClaim {
            pointer: "/descriptor_map/0/path".into(),
            expected: "credential"
        })
    );
}

#[test]
fn pe_6_1_nesting_below_a_credential_is_unsupported() {
    assert_eq!(
        evaluate_two(json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]",
             "path_nested": {"id": "org", "format": "ldp_vc", "path": "$.evidence"}},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])),
        Err(Error::UnsupportedNesting {
            pointer: "/descriptor_map/0/path_nested".into()
        })
    );
}

#[test]
fn nuts_array_envelope_nests_into_each_presentation() {
    let f = fixture();
    let vp0 = json!({"verifiableCredential": f.org});
    let vp1 = json!({"verifiableCredential": ["eyJ.jwt"]});
    let creds0 = [ldp("o", 1, &f.org)];
    let creds1 = [jwt("e", "ES256", 1, &f.emp)];
    let presentations = [
        ldp_vp(&vp0, &creds0),
        Presentation {
            format: PresentationFormat::JwtVp,
            proof: "ES256",
            json: &vp1,
            credentials: &creds1,
        },
    ];
    let map = submission(json!([
        {"id": "org", "format": "ldp_vp", "path": "$[0]",
         "path_nested": {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}},
        {"id": "emp", "format": "jwt_vp", "path": "$[1]",
         "path_nested": {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[0]"}}
    ]));
    let evaluation = two()
        .evaluate(&map, Envelope::Array(&presentations))
        .unwrap();
    assert_eq!(evaluation.matches[1].presentation, 1);
    assert_eq!(evaluation.matches[1].credential.id, "e");

    // The presentation's format must be declared at the top level.
    let wrong = submission(json!([
        {"id": "org", "format": "jwt_vp", "path": "$[0]",
         "path_nested": {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}},
        {"id": "emp", "format": "jwt_vp", "path": "$[1]",
         "path_nested": {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[0]"}}
    ]));
    assert!(matches!(
        two().evaluate(&wrong, Envelope::Array(&presentations)),
        Err(Error::FormatMismatch { pointer, .. }) if pointer == "/descriptor_map/0/format"
    ));

    // A flat path cannot select a credential in an array of presentations.
    let flat = submission(json!([
        {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"},
        {"id": "emp", "format": "jwt_vc", "path": "$[1].verifiableCredential[0]"}
    ]));
    assert!(matches!(
        two().evaluate(&flat, Envelope::Array(&presentations)),
        Err(Error::PathSelectsNothing { .. })
    ));
    let deep = submission(json!([
        {"id": "org", "format": "ldp_vc", "path": "$[1].verifiableCredential[0]"}
    ]));
    assert!(matches!(
        two().evaluate(&deep, Envelope::Array(&presentations)),
        Err(Error::PathSelectsNothing { .. } | Error::PathNotAClaim { .. })
    ));
}

#[test]
fn nuts_credentials_supplied_must_match_the_presentation() {
    let f = fixture();
    let vp = json!({"verifiableCredential": [f.org, f.emp]});
    let credentials = [ldp("o", 1, &f.org)];
    assert_eq!(
        two()
            .evaluate(&both_mapped(), Envelope::Single(&ldp_vp(&vp, &credentials)))
            .unwrap_err(),
        Error::CredentialCountMismatch {
            presentation: 0,
            in_json: 2,
            supplied: 1
        }
    );
}

#[test]
fn pe_5_presentation_format_must_be_accepted() {
    let f = fixture();
    let mut pd = type_pd("pd", &[("org", "Org")]);
    pd["format"] = json!({"jwt_vp": {"alg": ["PS256"]}});
    let definition = compiled(pd);
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let presentation = Presentation {
        format: PresentationFormat::JwtVp,
        proof: "ES256",
        json: &vp,
        credentials: &credentials,
    };
    let map =
        submission(json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}]));
    assert_eq!(
        definition
            .evaluate(&map, Envelope::Single(&presentation))
            .unwrap_err(),
        Error::PresentationFormatNotAllowed {
            presentation: 0,
            format: "jwt_vp",
            proof: "ES256".into()
        }
    );
}

fn grouped() -> CompiledDefinition {
    let mut pd = type_pd("pd", &[("org", "Org"), ("emp", "Employee")]);
    pd["input_descriptors"][0]["group"] = json!(["A"]);
    pd["input_descriptors"][1]["group"] = json!(["A"]);
    pd["submission_requirements"] = json!([{"rule": "pick", "count": 1, "from": "A"}]);
    compiled(pd)
}

#[test]
fn pe_7_1_3_4_verifier_checks_pick_count() {
    let f = fixture();
    let vp = json!({"verifiableCredential": [f.org, f.emp]});
    let credentials = [ldp("o", 1, &f.org), jwt("e", "ES256", 1, &f.emp)];
    let presentation = ldp_vp(&vp, &credentials);
    let one =
        submission(json!([{"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}]));
    assert!(
        grouped()
            .evaluate(&one, Envelope::Single(&presentation))
            .is_ok()
    );
    assert_eq!(
        grouped()
            .evaluate(&both_mapped(), Envelope::Single(&presentation))
            .unwrap_err(),
        Error::RequirementNotMet {
            requirement: "/submission_requirements/0".into(),
            shortfall: Shortfall::Count {
                count: 1,
                actual: 2
            }
        }
    );
}

#[test]
fn pe_7_1_3_3_verifier_checks_all_rule() {
    let f = fixture();
    let mut pd = type_pd("pd", &[("org", "Org"), ("emp", "Employee")]);
    pd["input_descriptors"][0]["group"] = json!(["A"]);
    pd["input_descriptors"][1]["group"] = json!(["A"]);
    pd["submission_requirements"] = json!([{"rule": "all", "from": "A"}]);
    let definition = compiled(pd);
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let map =
        submission(json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}]));
    assert_eq!(
        definition
            .evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials)))
            .unwrap_err(),
        Error::RequirementNotMet {
            requirement: "/submission_requirements/0".into(),
            shortfall: Shortfall::AllNeeds {
                member: "emp".into()
            }
        }
    );
}

#[test]
fn pe_8_verifier_honours_strict_array_matching() {
    let f = fixture();
    let definition =
        compiled(type_pd("pd", &[("org", "Org")])).with_array_matching(ArrayMatching::WholeValue);
    let vp = json!({"verifiableCredential": f.org});
    let credentials = [ldp("o", 1, &f.org)];
    let map =
        submission(json!([{"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}]));
    assert!(matches!(
        definition.evaluate(&map, Envelope::Single(&ldp_vp(&vp, &credentials))),
        Err(Error::DescriptorNotSatisfied { .. })
    ));
}

#[test]
fn pe_5_empty_definition_accepts_an_empty_submission() {
    let definition = compiled(json!({"id": "pd", "input_descriptors": []}));
    let vp = json!({"type": "VerifiablePresentation"});
    let presentation = ldp_vp(&vp, &[]);
    let evaluation = definition
        .evaluate(&submission(json!([])), Envelope::Single(&presentation))
        .unwrap();
    assert!(evaluation.matches.is_empty());
    assert!(evaluation.claims.is_empty());
}
