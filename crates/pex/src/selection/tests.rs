#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::error::Shortfall;
use crate::evaluation::{Envelope, Presentation};
use crate::format::PresentationFormat;
use crate::test_support::{compiled, jwt, ldp, type_pd, vc};

fn none() -> CredentialSelection {
    CredentialSelection::new()
}

#[test]
fn pe_8_selects_the_newest_matching_credential() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let old = vc("urn:old", "Org", "Old");
    let new = vc("urn:new", "Org", "New");
    let other = vc("urn:x", "Other", "X");
    let credentials = [
        ldp("old", 100, &old),
        ldp("x", 300, &other),
        ldp("new", 200, &new),
    ];
    let selection = definition.select(&credentials, &none(), "sub-1").unwrap();
    assert_eq!(selection.credentials, [2]);
    assert_eq!(selection.claims.get("org_name"), Some(&json!("New")));
    assert_eq!(selection.submission.id, "sub-1");
    assert_eq!(selection.submission.definition_id, "pd");
}

#[test]
fn pe_8_ties_are_broken_by_id_whatever_the_input_order() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let a = vc("urn:a", "Org", "A");
    let b = vc("urn:b", "Org", "B");
    let forward = [ldp("a", 100, &a), ldp("b", 100, &b)];
    let backward = [ldp("b", 100, &b), ldp("a", 100, &a)];
    let first = definition.select(&forward, &none(), "s").unwrap();
    let second = definition.select(&backward, &none(), "s").unwrap();
    assert_eq!(first.claims.get("org_name"), Some(&json!("A")));
    assert_eq!(first.claims, second.claims);
    assert_eq!(first.submission, second.submission);
}

#[test]
fn nuts_one_credential_is_mapped_at_verifiable_credential() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let org = vc("urn:1", "Org", "Care");
    let selection = definition
        .select(&[ldp("1", 1, &org)], &none(), "s")
        .unwrap();
    assert_eq!(
        selection.submission.to_value(),
        json!({"id": "s", "definition_id": "pd", "descriptor_map": [
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential"}
        ]})
    );
}

#[test]
fn nuts_several_credentials_are_mapped_by_index_in_definition_order() {
    let definition = compiled(type_pd("pd", &[("org", "Org"), ("emp", "Employee")]));
    let emp = vc("urn:e", "Employee", "Alice");
    let org = vc("urn:o", "Org", "Care");
    let credentials = [jwt("e", "ES256", 1, &emp), ldp("o", 1, &org)];
    let selection = definition.select(&credentials, &none(), "s").unwrap();
    assert_eq!(selection.credentials, [1, 0]);
    assert_eq!(
        selection.submission.to_value()["descriptor_map"],
        json!([
            {"id": "org", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
            {"id": "emp", "format": "jwt_vc", "path": "$.verifiableCredential[1]"}
        ])
    );
    assert_eq!(selection.claims.get("emp_name"), Some(&json!("Alice")));
    assert_eq!(selection.claims.get("org_name"), Some(&json!("Care")));
}

#[test]
fn nuts_jwt_credential_mapping_is_flat_with_the_credential_format() {
    // nuts-node v6.2.10 builds the same flat entry for jwt_vp and ldp_vp presentations.
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let org = vc("urn:1", "Org", "Care");
    let selection = definition
        .select(&[jwt("1", "ES256", 1, &org)], &none(), "s")
        .unwrap();
    let mapping = &selection.submission.descriptor_map[0];
    assert_eq!(mapping.format, "jwt_vc");
    assert_eq!(mapping.path, "$.verifiableCredential");
    assert!(mapping.path_nested.is_none());
}

#[test]
fn pe_8_one_credential_may_satisfy_two_descriptors() {
    let definition = compiled(type_pd("pd", &[("first", "Org"), ("second", "Org")]));
    let org = vc("urn:1", "Org", "Care");
    let selection = definition
        .select(&[ldp("1", 1, &org)], &none(), "s")
        .unwrap();
    assert_eq!(selection.credentials, [0]);
    let paths: Vec<&str> = selection
        .submission
        .descriptor_map
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    assert_eq!(paths, ["$.verifiableCredential", "$.verifiableCredential"]);
}

#[test]
fn nuts_each_descriptor_maps_to_the_first_presented_credential_that_satisfies_it() {
    // "any" takes any credential with a name; "org" only Org. The newest overall (an Employee)
    // goes first for "any"... unless an Org is presented anyway: then "any" reuses it, the way
    // nuts-node's verifier rebuilds the mapping, and nothing extra is disclosed.
    let pd = json!({"id": "pd", "input_descriptors": [
        {"id": "org", "constraints": {"fields": [{"path": ["$.type"], "filter": {"type": "string", "const": "Org"}}]}},
        {"id": "any", "constraints": {"fields": [{"path": ["$.credentialSubject.name"]}]}}
    ]});
    let definition = compiled(pd);
    let org = vc("urn:o", "Org", "Care");
    let emp = vc("urn:e", "Employee", "Alice");
    let credentials = [ldp("o", 100, &org), ldp("e", 200, &emp)];
    let selection = definition.select(&credentials, &none(), "s").unwrap();
    assert_eq!(selection.credentials, [0]);
    assert!(
        selection
            .submission
            .descriptor_map
            .iter()
            .all(|m| m.path == "$.verifiableCredential")
    );
}

#[test]
fn nuts_credential_selection_narrows_the_candidates() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let a = vc("urn:a", "Org", "Alpha");
    let b = vc("urn:b", "Org", "Beta");
    let credentials = [ldp("a", 100, &a), ldp("b", 200, &b)];
    let mut selection = CredentialSelection::new();
    selection.insert("org_name".into(), "Alpha".into());
    let chosen = definition.select(&credentials, &selection, "s").unwrap();
    assert_eq!(chosen.credentials, [0]);
    assert_eq!(chosen.claims.get("org_name"), Some(&json!("Alpha")));
}

#[test]
fn nuts_credential_selection_compares_numbers_and_booleans_as_text() {
    let pd = json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"id": "level", "path": ["$.level"]}, {"id": "active", "path": ["$.active"]}
    ]}}]});
    let definition = compiled(pd);
    let one = json!({"level": 1, "active": true});
    let two = json!({"level": 2, "active": false});
    let credentials = [ldp("1", 1, &one), ldp("2", 2, &two)];
    let mut selection = CredentialSelection::new();
    selection.insert("level".into(), "1".into());
    selection.insert("active".into(), "true".into());
    assert_eq!(
        definition
            .select(&credentials, &selection, "s")
            .unwrap()
            .credentials,
        [0]
    );
}

#[test]
fn nuts_credential_selection_key_must_name_a_field() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let org = vc("urn:1", "Org", "Care");
    let mut selection = CredentialSelection::new();
    selection.insert("nope".into(), "x".into());
    assert_eq!(
        definition
            .select(&[ldp("1", 1, &org)], &selection, "s")
            .unwrap_err(),
        Error::UnknownSelectionKey {
            field_id: "nope".into()
        }
    );
}

#[test]
fn nuts_credential_selection_that_excludes_everything_names_the_field() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    let org = vc("urn:1", "Org", "Care");
    let mut selection = CredentialSelection::new();
    selection.insert("org_name".into(), "Other".into());
    assert_eq!(
        definition
            .select(&[ldp("1", 1, &org)], &selection, "s")
            .unwrap_err(),
        Error::NoMatch {
            input_descriptor: "org".into(),
            mismatch: Mismatch::SelectionExcluded {
                field_id: "org_name".into()
            }
        }
    );
}

#[test]
fn pe_8_no_match_names_the_descriptor_and_the_field() {
    let definition = compiled(type_pd("pd", &[("org", "Org"), ("emp", "Employee")]));
    let org = vc("urn:o", "Org", "Care");
    let mut nameless = vc("urn:e", "Employee", "x");
    nameless["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let credentials = [ldp("o", 1, &org), ldp("e", 1, &nameless)];
    let error = definition.select(&credentials, &none(), "s").unwrap_err();
    assert_eq!(
        error,
        Error::NoMatch {
            input_descriptor: "emp".into(),
            mismatch: Mismatch::FieldNotFound {
                field: 1,
                field_id: Some("emp_name".into())
            }
        }
    );
    assert_eq!(
        error.to_string(),
        "no credential satisfies input descriptor 'emp': field 1 ('emp_name') selects no value"
    );
}

#[test]
fn pe_8_no_credentials_at_all() {
    let definition = compiled(type_pd("pd", &[("org", "Org")]));
    assert_eq!(
        definition.select(&[], &none(), "s").unwrap_err(),
        Error::NoMatch {
            input_descriptor: "org".into(),
            mismatch: Mismatch::NoCredentials
        }
    );
}

#[test]
fn pe_5_format_mismatch_is_reported_when_nothing_comes_closer() {
    let mut pd = type_pd("pd", &[("org", "Org")]);
    pd["format"] = json!({"ldp_vc": {"proof_type": ["JsonWebSignature2020"]}});
    let definition = compiled(pd);
    let org = vc("urn:1", "Org", "Care");
    assert_eq!(
        definition
            .select(&[jwt("1", "ES256", 1, &org)], &none(), "s")
            .unwrap_err(),
        Error::NoMatch {
            input_descriptor: "org".into(),
            mismatch: Mismatch::FormatNotAllowed {
                format: "jwt_vc",
                proof: "ES256".into()
            }
        }
    );
}

#[test]
fn pe_5_1_1_limit_disclosure_required_returns_nothing() {
    let mut pd = type_pd("pd", &[("org", "Org")]);
    pd["input_descriptors"][0]["constraints"]["limit_disclosure"] = json!("required");
    let definition = compiled(pd);
    let org = vc("urn:1", "Org", "Care");
    assert_eq!(
        definition
            .select(&[ldp("1", 1, &org)], &none(), "s")
            .unwrap_err(),
        Error::NoMatch {
            input_descriptor: "org".into(),
            mismatch: Mismatch::LimitDisclosureUnsupported
        }
    );
}

fn grouped(requirements: Value) -> CompiledDefinition {
    let mut pd = type_pd(
        "pd",
        &[("org", "Org"), ("emp", "Employee"), ("sp", "Provider")],
    );
    pd["input_descriptors"][0]["group"] = json!(["A"]);
    pd["input_descriptors"][1]["group"] = json!(["A"]);
    pd["input_descriptors"][2]["group"] = json!(["B"]);
    pd["submission_requirements"] = requirements;
    compiled(pd)
}

#[test]
fn pe_7_1_3_4_pick_count_submits_only_what_is_asked() {
    let definition = grouped(json!([
        {"rule": "pick", "count": 1, "from": "A"},
        {"rule": "pick", "min": 0, "max": 1, "from": "B"}
    ]));
    let org = vc("urn:o", "Org", "Care");
    let emp = vc("urn:e", "Employee", "Alice");
    let credentials = [ldp("e", 1, &emp), ldp("o", 1, &org)];
    let selection = definition.select(&credentials, &none(), "s").unwrap();
    let ids: Vec<&str> = selection
        .submission
        .descriptor_map
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(ids, ["org"]);
    assert_eq!(selection.credentials, [1]);
    assert!(selection.claims.get("emp_name").is_none());
}

#[test]
fn pe_7_1_3_3_all_rule_fails_with_the_unmatched_descriptors() {
    let definition =
        grouped(json!([{"rule": "all", "from": "A"}, {"rule": "pick", "min": 0, "from": "B"}]));
    let org = vc("urn:o", "Org", "Care");
    let error = definition
        .select(&[ldp("o", 1, &org)], &none(), "s")
        .unwrap_err();
    assert_eq!(
        error,
        Error::RequirementUnsatisfiable {
            requirement: "/submission_requirements/0".into(),
            shortfall: Shortfall::AllNeeds {
                member: "emp".into()
            },
            unmatched: vec![Unmatched {
                input_descriptor: "emp".into(),
                mismatch: Mismatch::FilterRejected {
                    field: 0,
                    field_id: None
                }
            }]
        }
    );
    assert!(error.to_string().contains("'emp'"), "{error}");
}

#[test]
fn pe_7_1_3_4_nested_pick_takes_the_first_satisfiable_branch() {
    let definition = grouped(json!([{"rule": "pick", "count": 1, "from_nested": [
        {"rule": "all", "from": "A"}, {"rule": "all", "from": "B"}
    ]}]));
    let sp = vc("urn:p", "Provider", "SP");
    let org = vc("urn:o", "Org", "Care");
    let credentials = [ldp("o", 1, &org), ldp("p", 1, &sp)];
    let selection = definition.select(&credentials, &none(), "s").unwrap();
    assert_eq!(selection.submission.descriptor_map[0].id, "sp");
    assert_eq!(selection.credentials, [1]);
}

#[test]
fn pe_7_1_3_5_a_choice_that_breaks_another_requirement_is_refused() {
    // "pick exactly one of A" and "all of A" cannot both hold when A has two members.
    let definition = grouped(json!([
        {"rule": "all", "from": "A"}, {"rule": "pick", "count": 1, "from": "A"},
        {"rule": "pick", "min": 0, "from": "B"}
    ]));
    let org = vc("urn:o", "Org", "Care");
    let emp = vc("urn:e", "Employee", "Alice");
    let credentials = [ldp("o", 1, &org), ldp("e", 1, &emp)];
    assert!(matches!(
        definition.select(&credentials, &none(), "s").unwrap_err(),
        Error::RequirementUnsatisfiable { requirement, shortfall: Shortfall::Count { count: 1, actual: 2 }, .. }
            if requirement == "/submission_requirements/1"
    ));
}

#[test]
fn pe_5_definition_without_descriptors_selects_nothing() {
    let definition = compiled(json!({"id": "pd", "input_descriptors": []}));
    let selection = definition.select(&[], &none(), "s").unwrap();
    assert!(selection.credentials.is_empty());
    assert!(selection.submission.descriptor_map.is_empty());
}

#[test]
fn pe_6_selection_passes_the_verifier() {
    let definition = compiled(type_pd("pd", &[("org", "Org"), ("emp", "Employee")]));
    let org = vc("urn:o", "Org", "Care");
    let emp = vc("urn:e", "Employee", "Alice");
    let wallet = [ldp("e", 1, &emp), ldp("o", 2, &org)];
    let selection = definition.select(&wallet, &none(), "s").unwrap();
    let presented: Vec<Credential<'_>> = selection.credentials.iter().map(|&i| wallet[i]).collect();
    let vp = json!({"verifiableCredential": [org.clone(), emp.clone()]});
    let presentation = Presentation {
        format: PresentationFormat::LdpVp,
        proof: "JsonWebSignature2020",
        json: &vp,
        credentials: &presented,
    };
    let evaluation = definition
        .evaluate(&selection.submission, Envelope::Single(&presentation))
        .unwrap();
    assert_eq!(evaluation.claims, selection.claims);
}
