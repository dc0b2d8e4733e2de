//! The nuts-node definitions against real nuts-node credentials (from `shared/vectors`) and
//! credentials built in the shapes nuts-node produces, wallet and verifier side; and the DIF
//! examples against credentials built for them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use pex::{
    CompiledDefinition, Credential, CredentialFormat, CredentialSelection, Envelope, Error,
    Mismatch, Presentation, PresentationFormat, PresentationSubmission, Shortfall, Unmatched,
};
use serde_json::{Value, json};

const JWS2020: &str = "JsonWebSignature2020";

fn definition(file: &str) -> CompiledDefinition {
    CompiledDefinition::from_value(&common::load(file)).unwrap()
}

fn embedded(file: &str, pointer: &str) -> CompiledDefinition {
    CompiledDefinition::from_value(common::load(file).pointer(pointer).unwrap()).unwrap()
}

/// nuts-node's `jsonld/testsuite/fixtures/orgcred_001.ldjson`: a NutsOrganizationCredential for
/// "Because we care B.V." in IJbergen.
fn orgcred() -> Value {
    let text = std::fs::read_to_string(
        common::vectors().join("nuts-node/jsonld/testsuite/fixtures/orgcred_001.ldjson"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The W3C form of the same credential issued as a JWT, as go-did marshals it: the subject as an
/// array and no embedded proof.
fn orgcred_as_jwt() -> Value {
    let mut vc = orgcred();
    let subject = vc["credentialSubject"].take();
    vc["credentialSubject"] = json!([subject]);
    vc.as_object_mut().unwrap().remove("proof");
    vc
}

fn no_selection() -> CredentialSelection {
    CredentialSelection::new()
}

fn ldp_vp<'a>(json: &'a Value, credentials: &'a [Credential<'a>]) -> Presentation<'a> {
    Presentation {
        format: PresentationFormat::LdpVp,
        proof: JWS2020,
        json,
        credentials,
    }
}

#[test]
fn nuts_pd_jsonld_selects_and_verifies_the_organization_credential() {
    let definition = definition("nuts-node/vcr/pe/test/pd_jsonld.json");
    let vc = orgcred();
    let wallet = [Credential::new(
        "org",
        CredentialFormat::LdpVc,
        JWS2020,
        1_654_090_480,
        &vc,
    )];
    let selection = definition.select(&wallet, &no_selection(), "sub").unwrap();
    assert_eq!(selection.credentials, [0]);
    assert_eq!(
        selection.submission.to_value(),
        json!({"id": "sub", "definition_id": "Definition requesting NutsOrganizationCredential",
               "descriptor_map": [{"id": "as_jsonld", "format": "ldp_vc", "path": "$.verifiableCredential"}]})
    );

    // The verifier gets the VP nuts-node's wallet would send: one credential, as an object.
    let vp = json!({"@context": ["https://www.w3.org/2018/credentials/v1"],
                    "type": "VerifiablePresentation", "verifiableCredential": vc});
    let evaluation = definition
        .evaluate(
            &selection.submission,
            Envelope::Single(&ldp_vp(&vp, &wallet)),
        )
        .unwrap();
    assert_eq!(evaluation.matches[0].input_descriptor, "as_jsonld");
}

#[test]
fn nuts_pd_jwt_checks_the_jwt_algorithm() {
    let definition = definition("nuts-node/vcr/pe/test/pd_jwt.json");
    let vc = orgcred_as_jwt();
    let es384 = [Credential::new(
        "org",
        CredentialFormat::JwtVc,
        "ES384",
        1,
        &vc,
    )];
    let selection = definition.select(&es384, &no_selection(), "s").unwrap();
    assert_eq!(selection.submission.descriptor_map[0].format, "jwt_vc");

    let es256 = [Credential::new(
        "org",
        CredentialFormat::JwtVc,
        "ES256",
        1,
        &vc,
    )];
    assert_eq!(
        definition.select(&es256, &no_selection(), "s").unwrap_err(),
        Error::NoMatch {
            input_descriptor: "as_jwt".into(),
            mismatch: Mismatch::FormatNotAllowed {
                format: "jwt_vc",
                proof: "ES256".into()
            }
        }
    );
    // The JSON-LD credential is not offered as jwt_vc.
    let ld = orgcred();
    let as_ldp = [Credential::new(
        "org",
        CredentialFormat::LdpVc,
        JWS2020,
        1,
        &ld,
    )];
    assert!(definition.select(&as_ldp, &no_selection(), "s").is_err());
}

#[test]
fn nuts_same_definition_matches_jwt_and_jsonld_forms_with_the_same_claims() {
    let definition = definition("nuts-node/vcr/pe/test/pd_jsonld_jwt.json");
    let ld = orgcred();
    let jwt = orgcred_as_jwt();
    let from_ld = definition
        .check(
            "organization_credential",
            &Credential::new("a", CredentialFormat::LdpVc, JWS2020, 1, &ld),
        )
        .unwrap();
    let from_jwt = definition
        .check(
            "organization_credential",
            &Credential::new("b", CredentialFormat::JwtVc, "ES384", 1, &jwt),
        )
        .unwrap();
    assert_eq!(from_ld, from_jwt);
    assert_eq!(
        serde_json::to_value(&from_ld).unwrap(),
        json!({"credentialsubject_organization_city": "IJbergen",
               "credentialsubject_organization_name": "Because we care B.V."})
    );
}

#[test]
fn nuts_pd_pick_submits_one_of_the_group() {
    let definition = definition("nuts-node/vcr/pe/test/pd_jsonld_jwt_pick.json");
    let ld = orgcred();
    let jwt = orgcred_as_jwt();
    let wallet = [
        Credential::new("jwt", CredentialFormat::JwtVc, "ES384", 2, &jwt),
        Credential::new("ld", CredentialFormat::LdpVc, JWS2020, 1, &ld),
    ];
    let selection = definition.select(&wallet, &no_selection(), "s").unwrap();
    // as_jsonld comes first in the group, so it is the one picked.
    assert_eq!(selection.submission.descriptor_map.len(), 1);
    assert_eq!(selection.submission.descriptor_map[0].id, "as_jsonld");
    assert_eq!(selection.credentials, [1]);

    // A submission mapping both is refused by the verifier: count is exact.
    let vp = json!({"verifiableCredential": ["eyJ.jwt", ld]});
    let both = PresentationSubmission::from_value(&json!({
        "id": "s", "definition_id": "Definition requesting NutsOrganizationCredential",
        "descriptor_map": [
            {"id": "as_jwt", "format": "jwt_vc", "path": "$.verifiableCredential[0]"},
            {"id": "as_jsonld", "format": "ldp_vc", "path": "$.verifiableCredential[1]"}
        ]
    }))
    .unwrap();
    assert_eq!(
        definition
            .evaluate(&both, Envelope::Single(&ldp_vp(&vp, &wallet)))
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

/// A NutsEmployeeCredential in the shape the v6 end-to-end tests issue.
fn employee(name: &str, role: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/2024"],
        "id": format!("did:web:example.com:iam:org#{name}"),
        "type": ["VerifiableCredential", "NutsEmployeeCredential"],
        "issuer": "did:web:example.com:iam:org",
        "issuanceDate": "2024-05-01T10:00:00Z",
        "credentialSubject": {"id": "did:web:example.com:iam:user", "identifier": format!("{name}@example.com"),
                              "name": name, "roleName": role}
    })
}

const RFC021: &str =
    "nuts-node/e2e-tests/oauth-flow/rfc021/node-A/presentationexchangemapping.json";

#[test]
fn nuts_rfc021_organization_and_employee_are_presented_together() {
    let definition = embedded(RFC021, "/test/organization");
    let org = orgcred();
    let alice = employee("Alice", "Verpleegkundige");
    let wallet = [
        Credential::new(
            "alice",
            CredentialFormat::LdpVc,
            JWS2020,
            1_714_557_600,
            &alice,
        ),
        Credential::new("org", CredentialFormat::LdpVc, JWS2020, 1_654_090_480, &org),
    ];
    let selection = definition.select(&wallet, &no_selection(), "s").unwrap();
    assert_eq!(selection.credentials, [1, 0]);
    let paths: Vec<&str> = selection
        .submission
        .descriptor_map
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["$.verifiableCredential[0]", "$.verifiableCredential[1]"]
    );
    assert_eq!(
        serde_json::to_value(&selection.claims).unwrap(),
        json!({"employee_identifier": "Alice@example.com", "employee_name": "Alice",
               "employee_role": "Verpleegkundige"})
    );

    let presented = [wallet[1], wallet[0]];
    let vp = json!({"verifiableCredential": [org, alice]});
    let evaluation = definition
        .evaluate(
            &selection.submission,
            Envelope::Single(&ldp_vp(&vp, &presented)),
        )
        .unwrap();
    assert_eq!(evaluation.claims, selection.claims);
}

#[test]
fn nuts_credential_selection_picks_the_employee() {
    let definition = embedded(RFC021, "/test/organization");
    let org = orgcred();
    let alice = employee("Alice", "Arts");
    let bob = employee("Bob", "Arts");
    let wallet = [
        Credential::new("org", CredentialFormat::LdpVc, JWS2020, 1, &org),
        Credential::new("alice", CredentialFormat::LdpVc, JWS2020, 1, &alice),
        Credential::new("bob", CredentialFormat::LdpVc, JWS2020, 2, &bob),
    ];
    // Without a selection the newest employee credential is taken.
    let newest = definition.select(&wallet, &no_selection(), "s").unwrap();
    assert_eq!(newest.claims.get("employee_name"), Some(&json!("Bob")));
    let mut selection = CredentialSelection::new();
    selection.insert("employee_identifier".into(), "Alice@example.com".into());
    let chosen = definition.select(&wallet, &selection, "s").unwrap();
    assert_eq!(chosen.claims.get("employee_name"), Some(&json!("Alice")));
    assert_eq!(chosen.credentials, [0, 1]);
}

#[test]
fn nuts_v5_employee_credential_shape_does_not_satisfy_the_v6_descriptor() {
    // auth/services/selfsigned/test/vc.json keeps the identifier under credentialSubject[0].member.
    let definition = embedded(RFC021, "/test/organization");
    let org = orgcred();
    let v5 = common::load("nuts-node/auth/services/selfsigned/test/vc.json");
    let wallet = [
        Credential::new("org", CredentialFormat::LdpVc, JWS2020, 1, &org),
        Credential::new("v5", CredentialFormat::LdpVc, JWS2020, 1, &v5),
    ];
    assert_eq!(
        definition
            .select(&wallet, &no_selection(), "s")
            .unwrap_err(),
        Error::NoMatch {
            input_descriptor: "id_employee_credential_cred".into(),
            mismatch: Mismatch::FieldNotFound {
                field: 1,
                field_id: Some("employee_identifier".into())
            }
        }
    );
}

#[test]
fn nuts_didx509_definition_extracts_the_ura_number() {
    let definition = embedded(
        "nuts-node/e2e-tests/oauth-flow/didx509/accesspolicy.json",
        "/test/organization",
    );
    let x509 = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential", "X509Credential"],
        "issuer": "did:x509:0:sha256:szqMaTpnD6GN0aRrT98eV4bhAoOgyItEZVyskYyL_Qc::san:otherName:2.16.528.1.1007.99.2110-1-1-S-87654321-00.000-12345678",
        "credentialSubject": [{"id": "did:web:example.com", "subject": {"O": "Ziekenhuis", "L": "Utrecht"},
                               "san": {"otherName": "2.16.528.1.1007.99.2110-1-1-S-87654321-00.000-12345678"}}]
    });
    let wallet = [Credential::new(
        "x",
        CredentialFormat::JwtVc,
        "PS256",
        1,
        &x509,
    )];
    let selection = definition.select(&wallet, &no_selection(), "s").unwrap();
    assert_eq!(
        serde_json::to_value(&selection.claims).unwrap(),
        json!({"organization_city": "Utrecht", "organization_name": "Ziekenhuis",
               "organization_ura": "87654321"})
    );

    // The verifier gets a jwt_vp: its `vp` claim holds the credential as a JWT string.
    let vp = json!({"id": "urn:vp", "verifiableCredential": "eyJhbGciOiJQUzI1NiJ9.e30.sig"});
    let presentation = Presentation {
        format: PresentationFormat::JwtVp,
        proof: "PS256",
        json: &vp,
        credentials: &wallet,
    };
    let evaluation = definition
        .evaluate(&selection.submission, Envelope::Single(&presentation))
        .unwrap();
    assert_eq!(evaluation.claims, selection.claims);

    // The same presentation signed with ES256 is not what the definition accepts.
    let es256 = Presentation {
        proof: "ES256",
        ..presentation
    };
    assert!(matches!(
        definition.evaluate(&selection.submission, Envelope::Single(&es256)),
        Err(Error::PresentationFormatNotAllowed { .. })
    ));
}

#[test]
fn nuts_discovery_definition_takes_a_field_without_filter_as_claim() {
    let definition = embedded(
        "nuts-node/e2e-tests/discovery/definitions/definition.json",
        "/presentation_definition",
    );
    let org = orgcred();
    let registration = json!({
        "type": ["VerifiableCredential", "DiscoveryRegistrationCredential"],
        "credentialSubject": {"id": "did:web:example.com", "authServerURL": "https://example.com/oauth2/org"}
    });
    let wallet = [
        Credential::new("org", CredentialFormat::LdpVc, JWS2020, 1, &org),
        Credential::new("reg", CredentialFormat::LdpVc, JWS2020, 1, &registration),
    ];
    let selection = definition.select(&wallet, &no_selection(), "s").unwrap();
    assert_eq!(
        selection.claims.get("auth_server_url"),
        Some(&json!("https://example.com/oauth2/org"))
    );
}

const MULTI_GROUP: &str =
    "dif-presentation-exchange/test/v2.0.0/presentation-definition/multi_group_example.json";

#[test]
fn pe_8_dif_appendix_vp_does_not_satisfy_the_multi_group_definition() {
    // appendix_VP_example.json maps banking_input_2 to a credential without credentialSchema.
    let definition = embedded(MULTI_GROUP, "/presentation_definition");
    let example = common::load(
        "dif-presentation-exchange/test/v2.0.0/presentation-submission/appendix_VP_example.json",
    );
    let submission =
        PresentationSubmission::from_value(&example["presentation_submission"]).unwrap();
    let vcs = example["verifiableCredential"].as_array().unwrap();
    let credentials = [
        Credential::new("0", CredentialFormat::JwtVc, "ES256K", 0, &vcs[0]),
        Credential::new(
            "1",
            CredentialFormat::LdpVc,
            "EcdsaSecp256k1VerificationKey2019",
            0,
            &vcs[1],
        ),
        Credential::new("2", CredentialFormat::LdpVc, "RsaSignature2018", 0, &vcs[2]),
    ];
    let presentation = Presentation {
        format: PresentationFormat::LdpVp,
        proof: "RsaSignature2018",
        json: &example,
        credentials: &credentials,
    };
    assert_eq!(
        definition
            .evaluate(&submission, Envelope::Single(&presentation))
            .unwrap_err(),
        Error::DescriptorNotSatisfied {
            input_descriptor: "banking_input_2".into(),
            mismatch: Mismatch::FieldNotFound {
                field: 0,
                field_id: None
            }
        }
    );
}

fn bank_account() -> Value {
    json!({"credentialSchema": {"id": "https://bank-schemas.org/2.0.0/accounts.json"},
           "issuer": "did:example:123",
           "credentialSubject": {"account": [{"id": "DE89 3704 0044 0532 0130 00", "route": "DEUTDEFF"}]}})
}

fn employment() -> Value {
    json!({"credentialSchema": "https://business-standards.org/schemas/employment-history.json",
           "jobs": [{"active": true}]})
}

fn eu_license() -> Value {
    json!({"credentialSchema": {"id": "https://schema.eu/claims/DriversLicense.json"},
           "issuer": "did:example:gov1", "credentialSubject": {"dob": "1980-07-13"}})
}

#[test]
fn pe_7_1_3_dif_multi_group_definition_is_verified_with_matching_credentials() {
    let definition = embedded(MULTI_GROUP, "/presentation_definition");
    let (bank, job, license) = (bank_account(), employment(), eu_license());
    let credentials = [
        Credential::new("bank", CredentialFormat::LdpVc, JWS2020, 0, &bank),
        Credential::new("job", CredentialFormat::LdpVc, JWS2020, 0, &job),
        Credential::new("license", CredentialFormat::LdpVc, JWS2020, 0, &license),
    ];
    let vp = json!({"verifiableCredential": [bank, job, license]});
    let map = |descriptors: Value| {
        PresentationSubmission::from_value(&json!({
            "id": "s", "definition_id": "32f54163-7166-48f1-93d8-ff217bdb0653", "descriptor_map": descriptors
        }))
        .unwrap()
    };
    let good = map(json!([
        {"id": "banking_input_2", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
        {"id": "employment_input", "format": "ldp_vc", "path": "$.verifiableCredential[1]"},
        {"id": "drivers_license_input_1", "format": "ldp_vc", "path": "$.verifiableCredential[2]"}
    ]));
    let presentation = ldp_vp(&vp, &credentials);
    definition
        .evaluate(&good, Envelope::Single(&presentation))
        .unwrap();

    // "all from B": employment_input is required.
    let without_job = map(json!([
        {"id": "banking_input_2", "format": "ldp_vc", "path": "$.verifiableCredential[0]"},
        {"id": "drivers_license_input_1", "format": "ldp_vc", "path": "$.verifiableCredential[2]"}
    ]));
    assert_eq!(
        definition
            .evaluate(&without_job, Envelope::Single(&presentation))
            .unwrap_err(),
        Error::RequirementNotMet {
            requirement: "/submission_requirements/1".into(),
            shortfall: Shortfall::AllNeeds {
                member: "employment_input".into()
            }
        }
    );

    // "format": "date" is asserted: a US-style date does not pass.
    let mut bad_date = eu_license();
    bad_date["credentialSubject"]["dob"] = json!("07/13/80");
    let credentials = [
        credentials[0],
        credentials[1],
        Credential::new("license", CredentialFormat::LdpVc, JWS2020, 0, &bad_date),
    ];
    let presentation = ldp_vp(&vp, &credentials);
    assert_eq!(
        definition
            .evaluate(&good, Envelope::Single(&presentation))
            .unwrap_err(),
        Error::DescriptorNotSatisfied {
            input_descriptor: "drivers_license_input_1".into(),
            mismatch: Mismatch::FilterRejected {
                field: 2,
                field_id: None
            }
        }
    );
}

#[test]
fn pe_5_1_1_dif_multi_group_wallet_refuses_limit_disclosure() {
    // employment_input requires limit_disclosure, which this wallet does not implement.
    let definition = embedded(MULTI_GROUP, "/presentation_definition");
    let (bank, job, license) = (bank_account(), employment(), eu_license());
    let wallet = [
        Credential::new("bank", CredentialFormat::LdpVc, JWS2020, 0, &bank),
        Credential::new("job", CredentialFormat::LdpVc, JWS2020, 0, &job),
        Credential::new("license", CredentialFormat::LdpVc, JWS2020, 0, &license),
    ];
    assert_eq!(
        definition
            .select(&wallet, &no_selection(), "s")
            .unwrap_err(),
        Error::RequirementUnsatisfiable {
            requirement: "/submission_requirements/1".into(),
            shortfall: Shortfall::AllNeeds {
                member: "employment_input".into()
            },
            unmatched: vec![Unmatched {
                input_descriptor: "employment_input".into(),
                mismatch: Mismatch::LimitDisclosureUnsupported
            }]
        }
    );
}
