//! Every Presentation Definition, Submission and Submission Requirement in the public vectors
//! (`shared/vectors`, see `SOURCES.md`) loads, round-trips unchanged, and the known-bad ones are
//! refused at the right member.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use pex::{
    CompiledDefinition, Error, InputDescriptor, PresentationDefinition, PresentationSubmission,
    SubmissionRequirement, Violation,
};
use serde_json::Value;

const DIF: &str = "dif-presentation-exchange/test/v2.0.0";

/// Loads a definition, checks the round trip, and returns it.
fn load_definition(value: &Value, origin: &str) -> PresentationDefinition {
    let definition = PresentationDefinition::from_value(value)
        .unwrap_or_else(|e| panic!("{origin}: refused: {e}"));
    assert_eq!(
        &definition.to_value(),
        value,
        "{origin}: round trip changed it"
    );
    // Deserialize goes through the same validation.
    let again: PresentationDefinition = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(again, definition, "{origin}");
    CompiledDefinition::from_value(value).unwrap_or_else(|e| panic!("{origin}: {e}"));
    definition
}

#[test]
fn pe_5_dif_presentation_definition_vectors_load_and_round_trip() {
    let files = common::json_files(&format!("{DIF}/presentation-definition"));
    assert_eq!(files.len(), 11);
    let mut definitions = 0;
    for file in &files {
        let value = common::load(file);
        match value.get("presentation_definition") {
            Some(pd) => {
                load_definition(pd, file);
                definitions += 1;
            }
            // VC_expiration_example.json and VC_revocation_example.json are Input Descriptor
            // Objects (id, name, purpose, constraints), not definitions.
            None => {
                let descriptor = InputDescriptor::from_value(&value)
                    .unwrap_or_else(|e| panic!("{file}: refused: {e}"));
                assert_eq!(serde_json::to_value(&descriptor).unwrap(), value, "{file}");
            }
        }
    }
    assert_eq!(definitions, 9);
}

#[test]
fn pe_5_dif_sample_definition_without_id_is_refused_at_id() {
    // SOURCES.md: the sample-implementation definition has no `id`.
    let value = common::load(
        "dif-presentation-exchange/sample-implementation/src/__fixtures__/test-vectors/presentation_definition.json",
    );
    let pd = value.get("presentation_definition").unwrap_or(&value);
    let error = PresentationDefinition::from_value(pd).unwrap_err();
    assert_eq!(
        error,
        Error::InvalidDefinition {
            pointer: "/id".into(),
            violation: Violation::Missing
        }
    );
}

#[test]
fn pe_5_nuts_node_pe_test_definitions_load() {
    let files = common::json_files("nuts-node/vcr/pe/test");
    assert_eq!(files.len(), 4);
    for file in &files {
        load_definition(&common::load(file), file);
    }
}

/// The policy, mapping and discovery files of nuts-node v6.2.10 and master.
fn nuts_definition_files() -> Vec<String> {
    let mut files = vec![
        "nuts-node/auth/api/iam/test/presentation_definition_mapping.json".to_owned(),
        "nuts-node/discovery/test/valid/eoverdracht.json".to_owned(),
    ];
    files.extend(common::json_files("nuts-node/policy/test"));
    files.extend(common::json_files("nuts-node/e2e-tests"));
    files.extend(common::json_files("nuts-node-master/policy/test"));
    files.extend(common::json_files("nuts-node-master/e2e-tests"));
    files
}

/// Definitions the nuts-node tests themselves treat as invalid, with the expected pointer.
const KNOWN_BAD: &[(&str, &str)] = &[
    (
        "nuts-node/policy/test/invalid/invalid_definition_mapping.json",
        "/input_descriptors",
    ),
    (
        "nuts-node-master/policy/test/invalid/invalid_service_provider_pd.json",
        "/input_descriptors",
    ),
];

#[test]
fn pe_5_nuts_node_policy_mapping_and_discovery_definitions_load() {
    let mut loaded = 0;
    for file in nuts_definition_files() {
        let value = common::load(&file);
        for (pointer, pd) in common::embedded_definitions(&value) {
            let origin = format!("{file}#{pointer}");
            if let Some((_, expected)) = KNOWN_BAD.iter().find(|(f, _)| *f == file) {
                let error = PresentationDefinition::from_value(&pd).unwrap_err();
                assert_eq!(
                    error,
                    Error::InvalidDefinition {
                        pointer: (*expected).into(),
                        violation: Violation::Missing
                    },
                    "{origin}"
                );
                continue;
            }
            load_definition(&pd, &origin);
            loaded += 1;
        }
    }
    // 1 (iam mapping) + 1 (discovery) + 5 (policy) + 8 (e2e) + 6 (master policy) + 1 (master e2e).
    assert!(loaded >= 20, "only {loaded} definitions found");
}

#[test]
fn pe_6_dif_presentation_submission_vectors_load_and_round_trip() {
    let mut loaded = 0;
    for file in common::json_files(&format!("{DIF}/presentation-submission")) {
        let value = common::load(&file);
        // The submission is at the top level of its embed target (§6.4.1), or in the OIDC
        // example at `presentation_submission`, or inside a JWT's `vp` claim.
        let embedded = value
            .get("presentation_submission")
            .or_else(|| value.pointer("/vp/presentation_submission"));
        let Some(submission) = embedded else {
            // CHAPI and DIDComm examples only show where a submission goes.
            assert!(
                file.ends_with("appendix_CHAPI_example.json")
                    || file.ends_with("appendix_DIDComm_example.json"),
                "{file}"
            );
            continue;
        };
        let parsed = PresentationSubmission::from_value(submission)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(&parsed.to_value(), submission, "{file}");
        loaded += 1;
    }
    assert_eq!(loaded, 5);
}

#[test]
fn pe_7_1_3_dif_submission_requirement_vectors_load_and_round_trip() {
    for file in common::json_files(&format!("{DIF}/submission-requirements")) {
        if file.ends_with("schema.json") {
            continue;
        }
        let value = common::load(&file);
        let items = value["submission_requirements"].as_array().unwrap();
        for item in items {
            let requirement =
                SubmissionRequirement::from_value(item).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(&serde_json::to_value(&requirement).unwrap(), item, "{file}");
        }
    }
}
