//! JsonWebSignature2020 (`ldp_vc`, `ldp_vp`): nuts-node's signed vectors verify and any tampered
//! claim fails; Hazel's own proofs verify, their canonical forms equal an independent
//! implementation's (pyld, fixtures made by tests/fixtures/generate.py); every rule has a refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{CONTEXTS, Documents, Party, authentication_only_issuer, party};
use jose::jwk::EcCurve;
use jose::{Jwk, VerifyingKey};
use jsonld::{Limits, Strictness, canonicalize};
use serde_json::{Value, json};
use vc::ldp::{ASSERTION_METHOD, AUTHENTICATION, LdProcessing, LdProof};
use vc::model::parse_date;
use vc::verify::{PresentationTerms, Verifier};
use vc::{Error, Format, Presentation};

const NOW: i64 = 1_800_000_000;

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn nuts(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/nuts-node")
        .join(path)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The public key of an `EC PRIVATE KEY` PEM (SEC1): its DER ends with the uncompressed point.
fn sec1_pem_public_key(path: &Path) -> Jwk {
    let pem = std::fs::read_to_string(path).unwrap();
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<String>()
        .replace('+', "-")
        .replace('/', "_")
        .replace('=', "");
    let der = jose::base64url::decode(&body, "pem").unwrap();
    jose::ec_jwk_from_sec1(EcCurve::P256, &der[der.len() - 65..]).unwrap()
}

fn jwk_at(path: &Path, pointer: &str) -> Jwk {
    serde_json::from_value(read(path).pointer(pointer).unwrap().clone()).unwrap()
}

/// nuts-node's signed JSON-LD documents with the key that signed each.
fn nuts_vectors() -> Vec<(&'static str, Value, Jwk)> {
    let testsuite_key = sec1_pem_public_key(&nuts("jsonld/testsuite/private_key.pem"));
    let selfsigned_key = jwk_at(
        &nuts("auth/services/selfsigned/test/diddocument.json"),
        "/verificationMethod/0/publicKeyJwk",
    );
    let vcr_key = jwk_at(&nuts("vcr/test/public.json"), "/publicKeyJwk");
    let revocation_key = jwk_at(&nuts("vcr/test/revocation-public.json"), "/publicKeyJwk");
    [
        (
            "orgcred_001",
            "jsonld/testsuite/fixtures/orgcred_001.ldjson",
            testsuite_key.clone(),
        ),
        (
            "authcred_001",
            "jsonld/testsuite/fixtures/authcred_001.ldjson",
            testsuite_key,
        ),
        (
            "selfsigned vc",
            "auth/services/selfsigned/test/vc.json",
            selfsigned_key.clone(),
        ),
        (
            "selfsigned vp",
            "auth/services/selfsigned/test/vp.json",
            selfsigned_key,
        ),
        ("test_assets vc", "vcr/assets/test_assets/vc.json", vcr_key),
        (
            "ld-revocation",
            "vcr/test/ld-revocation.json",
            revocation_key,
        ),
    ]
    .into_iter()
    .map(|(name, path, key)| (name, read(&nuts(path)), key))
    .collect()
}

fn check_signature(document: &Value, key: &Jwk) -> Result<(), Error> {
    let proof = LdProof::of(document, "document")?;
    LdProcessing::new(&CONTEXTS).verify(document, &proof, &VerifyingKey::from_jwk(key).unwrap())
}

/// Every string or number outside `proof` and `@context`, as JSON pointers.
fn claim_pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if key != "proof" && key != "@context" {
                    claim_pointers(member, format!("{pointer}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                claim_pointers(item, format!("{pointer}/{index}"), out);
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => out.push(pointer),
        Value::Null => {}
    }
}

fn tampered(value: &Value) -> Value {
    match value {
        Value::String(text) if text.starts_with("did:") || text.contains("://") => {
            Value::from(format!("{text}x"))
        }
        Value::String(text) => Value::from(format!("{text} (changed)")),
        Value::Number(_) => json!(7),
        Value::Bool(b) => Value::from(!b),
        other => other.clone(),
    }
}

#[test]
fn every_signed_nuts_node_vector_verifies() {
    for (name, document, key) in nuts_vectors() {
        check_signature(&document, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn tampering_with_any_claim_of_a_nuts_node_vector_fails_verification() {
    for (name, document, key) in nuts_vectors() {
        let mut pointers = Vec::new();
        claim_pointers(&document, String::new(), &mut pointers);
        assert!(pointers.len() >= 4, "{name}: {pointers:?}");
        for pointer in pointers {
            let mut changed = document.clone();
            let target = changed.pointer_mut(&pointer).unwrap();
            *target = tampered(target);
            assert!(
                check_signature(&changed, &key).is_err(),
                "{name}: changing {pointer} went unnoticed"
            );
        }
        // The proof's own members are signed too, except a relative verificationMethod (the
        // nuts testsuite's "key-id"), which JSON-LD leaves out of the dataset; the verifier
        // refuses any verificationMethod that is not a DID URL before checking a signature.
        for member in ["created", "proofPurpose", "verificationMethod"] {
            if member == "verificationMethod"
                && !document["proof"][member]
                    .as_str()
                    .unwrap()
                    .starts_with("did:")
            {
                continue;
            }
            let mut changed = document.clone();
            let target = changed.pointer_mut(&format!("/proof/{member}")).unwrap();
            *target = tampered(target);
            assert!(
                check_signature(&changed, &key).is_err(),
                "{name}: proof {member}"
            );
        }
    }
}

#[test]
fn nuts_node_vc_without_role_is_a_tampered_copy_and_fails() {
    let (_, _, key) = nuts_vectors().remove(2);
    let document = read(&nuts("auth/services/selfsigned/test/vc-without-role.json"));
    assert_eq!(
        check_signature(&document, &key).unwrap_err(),
        Error::Signature(jose::Error::BadSignature)
    );
}

#[test]
fn a_nuts_node_vector_does_not_verify_with_another_key() {
    let vectors = nuts_vectors();
    let (_, document, _) = &vectors[0];
    let (_, _, other_key) = &vectors[4];
    assert_eq!(
        check_signature(document, other_key).unwrap_err(),
        Error::Signature(jose::Error::BadSignature)
    );
}

fn fixture() -> Value {
    read(&fixtures().join("hazel-ldp.json"))
}

fn strict_canonical(document: &Value) -> String {
    let mut document = document.clone();
    document.as_object_mut().unwrap().remove("proof");
    canonicalize(&document, &CONTEXTS, &Limits::default(), Strictness::Strict).unwrap()
}

#[test]
fn hazel_proofs_canonicalize_as_an_independent_implementation_does() {
    let fixture = fixture();
    let mut documents: Vec<(String, Value)> = fixture["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(index, credential)| (format!("hazel-credential-{index}"), credential.clone()))
        .collect();
    documents.push(("hazel-presentation".into(), fixture["presentation"].clone()));
    for (name, document) in documents {
        let expected = std::fs::read_to_string(fixtures().join(format!("{name}.nq"))).unwrap();
        assert_eq!(strict_canonical(&document), expected, "{name}");
        let proof = LdProof::of(&document, "document").unwrap();
        let options = canonicalize(
            &proof.options_document(),
            &CONTEXTS,
            &Limits::default(),
            Strictness::Lenient,
        )
        .unwrap();
        let expected =
            std::fs::read_to_string(fixtures().join(format!("{name}.proof.nq"))).unwrap();
        assert_eq!(options, expected, "{name} proof options");
    }
}

#[tokio::test]
async fn hazel_presentation_fixture_verifies_with_its_nonce_audience_and_times() {
    let fixture = fixture();
    let documents = Documents::default();
    let verifier = Verifier {
        resolver: &documents,
        now: parse_date("2026-11-24T10:00:02Z", "now").unwrap(),
        skew: 5,
        contexts: &CONTEXTS,
    };
    let verified = verifier
        .presentation(&fixture["presentation"])
        .await
        .unwrap();
    assert_eq!(verified.format(), Format::LdpVp);
    assert_eq!(
        verified.terms().nonce.as_deref(),
        Some("3bqjW3h5Sq2nQyNCPzFuJg")
    );
    // What the token endpoint reads before verifying is what verification yields.
    assert_eq!(
        PresentationTerms::read_unverified(&fixture["presentation"]),
        Some(verified.terms())
    );
    assert!(
        verified
            .terms()
            .audience
            .unwrap()
            .contains("https://verifier.example/oauth2/care")
    );
    assert_eq!(
        verified.terms().start,
        Some(parse_date("2026-11-24T10:00:00Z", "x").unwrap())
    );
    assert_eq!(
        verified.terms().expires,
        Some(parse_date("2026-11-24T10:00:05Z", "x").unwrap())
    );
    assert_eq!(verified.credentials().len(), 2);
    assert!(
        verified
            .credentials()
            .iter()
            .all(|c| c.format() == Format::LdpVc)
    );
    assert_eq!(verified.kid(), format!("{}#0", verified.holder()));

    // Ten seconds later the presentation's proof has expired.
    let later = Verifier {
        now: parse_date("2026-11-24T10:00:15Z", "now").unwrap(),
        ..verifier
    };
    assert_eq!(
        later
            .presentation(&fixture["presentation"])
            .await
            .unwrap_err(),
        Error::Expired("presentation")
    );
}

fn verifier(documents: &Documents) -> Verifier<'_> {
    Verifier {
        resolver: documents,
        now: NOW,
        skew: 5,
        contexts: &CONTEXTS,
    }
}

fn unsigned_credential(issuer: &str, subject: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
        "id": format!("{issuer}#1"),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "organization": {"name": "Care", "city": "Utrecht"}}
    })
}

fn created() -> String {
    vc::model::format_date(NOW - 60)
}

fn issue_ldp(issuer: &Party, subject: &str) -> Value {
    LdProcessing::new(&CONTEXTS)
        .sign(
            unsigned_credential(&issuer.did, subject),
            LdProof::new(&issuer.kid, ASSERTION_METHOD, created()),
            &issuer.key,
        )
        .unwrap()
}

fn present_ldp(holder: &Party, credentials: Vec<Value>, purpose: &str) -> Value {
    let mut proof = LdProof::new(&holder.kid, purpose, created());
    proof.challenge = Some("nonce-1".into());
    proof.domain = Some("https://verifier.example/oauth2/b".into());
    proof.expires = Some(vc::model::format_date(NOW + 5));
    LdProcessing::new(&CONTEXTS)
        .sign(
            serde_json::to_value(Presentation::new(&holder.did, credentials)).unwrap(),
            proof,
            &holder.key,
        )
        .unwrap()
}

#[tokio::test]
async fn issued_and_presented_round_trip() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let credential = issue_ldp(&issuer, &holder.did);
    assert_eq!(
        credential["@context"][2],
        json!(jsonld::contexts::JWS_2020_V1)
    );
    let verified = verifier(&documents).credential(&credential).await.unwrap();
    assert_eq!(verified.format(), Format::LdpVc);
    assert_eq!(verified.kid(), issuer.kid);
    assert_eq!(verified.raw(), &credential);

    let vp = present_ldp(
        &holder,
        vec![credential.clone(), credential],
        AUTHENTICATION,
    );
    let verified = verifier(&documents).presentation(&vp).await.unwrap();
    assert_eq!(verified.holder(), holder.did);
    assert_eq!(verified.terms().nonce.as_deref(), Some("nonce-1"));
    assert_eq!(verified.credentials().len(), 2);
    // A JWT credential inside an LD presentation is verified as a JWT.
    assert_eq!(
        verified.credentials()[0].credential().issuer_id(),
        Some(issuer.did.as_str())
    );
}

async fn refused(document: &Value, documents: &Documents) -> Error {
    let presentation = json!("VerifiablePresentation");
    let result = if document["type"] == presentation
        || document["type"]
            .as_array()
            .is_some_and(|types| types.contains(&presentation))
    {
        verifier(documents).presentation(document).await.map(|_| ())
    } else {
        verifier(documents).credential(document).await.map(|_| ())
    };
    result.unwrap_err()
}

#[tokio::test]
async fn credential_proof_rules_each_refuse() {
    let (issuer, holder, other) = (party(), party(), party());
    let documents = Documents::default();
    let ld = LdProcessing::new(&CONTEXTS);

    let wrong_purpose = ld
        .sign(
            unsigned_credential(&issuer.did, &holder.did),
            LdProof::new(&issuer.kid, AUTHENTICATION, created()),
            &issuer.key,
        )
        .unwrap();
    assert_eq!(
        refused(&wrong_purpose, &documents).await,
        Error::ProofPurpose {
            expected: ASSERTION_METHOD,
            found: AUTHENTICATION.into()
        }
    );

    let someone_else = ld
        .sign(
            unsigned_credential(&issuer.did, &holder.did),
            LdProof::new(&other.kid, ASSERTION_METHOD, created()),
            &other.key,
        )
        .unwrap();
    assert!(matches!(
        refused(&someone_else, &documents).await,
        Error::WrongSigner { role: "issuer", .. }
    ));

    let future = ld
        .sign(
            unsigned_credential(&issuer.did, &holder.did),
            LdProof::new(
                &issuer.kid,
                ASSERTION_METHOD,
                vc::model::format_date(NOW + 60),
            ),
            &issuer.key,
        )
        .unwrap();
    assert_eq!(
        refused(&future, &documents).await,
        Error::NotYetValid("credential proof")
    );

    let mut expiring = LdProof::new(&issuer.kid, ASSERTION_METHOD, created());
    expiring.expires = Some(vc::model::format_date(NOW - 10));
    let expired = ld
        .sign(
            unsigned_credential(&issuer.did, &holder.did),
            expiring,
            &issuer.key,
        )
        .unwrap();
    assert_eq!(
        refused(&expired, &documents).await,
        Error::Expired("credential proof")
    );

    let relative = ld
        .sign(
            unsigned_credential(&issuer.did, &holder.did),
            LdProof::new("key-1", ASSERTION_METHOD, created()),
            &issuer.key,
        )
        .unwrap();
    assert!(matches!(
        refused(&relative, &documents).await,
        Error::Malformed {
            what: "credential",
            ..
        }
    ));

    let signed = issue_ldp(&issuer, &holder.did);
    let mut undefined = signed.clone();
    undefined["unsignedClaim"] = json!("x");
    assert_eq!(
        refused(&undefined, &documents).await,
        Error::JsonLd(jsonld::Error::UndefinedTerm("unsignedClaim".into()))
    );
    let mut unknown_context = signed.clone();
    unknown_context["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://attacker.example/v1"));
    assert_eq!(
        refused(&unknown_context, &documents).await,
        Error::JsonLd(jsonld::Error::UnknownContext(
            "https://attacker.example/v1".into()
        ))
    );
    let mut changed = signed.clone();
    changed["credentialSubject"]["organization"]["city"] = json!("Rotterdam");
    assert_eq!(
        refused(&changed, &documents).await,
        Error::Signature(jose::Error::BadSignature)
    );
    let mut two_proofs = signed.clone();
    two_proofs["proof"] = json!([signed["proof"].clone()]);
    assert!(matches!(
        refused(&two_proofs, &documents).await,
        Error::UnsupportedProof(_)
    ));
}

#[tokio::test]
async fn did_core_5_3_2_an_ld_issuer_key_must_be_an_assertion_method() {
    let (issuer, documents) = authentication_only_issuer();
    let error = refused(&issue_ldp(&issuer, "did:web:holder.example"), &documents).await;
    assert!(
        matches!(
            error,
            Error::Key(did::Error::NotAuthorized {
                relationship: "assertionMethod",
                ..
            })
        ),
        "{error}"
    );
}

#[tokio::test]
async fn presentation_proof_rules_each_refuse() {
    let (issuer, holder, other) = (party(), party(), party());
    let documents = Documents::default();
    let credential = issue_ldp(&issuer, &holder.did);

    let vp = present_ldp(&holder, vec![credential.clone()], AUTHENTICATION);
    let mut changed_nonce = vp.clone();
    changed_nonce["proof"]["challenge"] = json!("nonce-2");
    assert_eq!(
        refused(&changed_nonce, &documents).await,
        Error::Signature(jose::Error::BadSignature)
    );
    let mut changed_audience = vp.clone();
    changed_audience["proof"]["domain"] = json!("https://attacker.example");
    assert_eq!(
        refused(&changed_audience, &documents).await,
        Error::Signature(jose::Error::BadSignature)
    );
    let mut removed_credential = vp.clone();
    removed_credential
        .as_object_mut()
        .unwrap()
        .remove("verifiableCredential");
    assert_eq!(
        refused(&removed_credential, &documents).await,
        Error::Signature(jose::Error::BadSignature)
    );

    let invocation = present_ldp(&holder, vec![credential.clone()], "capabilityInvocation");
    assert!(matches!(
        refused(&invocation, &documents).await,
        Error::ProofPurpose {
            expected: AUTHENTICATION,
            ..
        }
    ));

    // Signed by someone else than the holder it names.
    let mut impostor = present_ldp(&other, vec![credential.clone()], AUTHENTICATION);
    impostor["holder"] = json!(holder.did);
    assert!(matches!(
        refused(&impostor, &documents).await,
        Error::WrongSigner { role: "holder", .. }
    ));

    // Presenting someone else's credential.
    let stolen = present_ldp(&other, vec![credential], AUTHENTICATION);
    assert!(matches!(
        refused(&stolen, &documents).await,
        Error::HolderBinding(_)
    ));
}

/// Issue 23, finding 9: a8a2f86 remembered a credential's canonical form before its signature
/// was checked, so anyone could fill the store with forms of credentials that do not verify
/// (and push out those really presented again). A form is kept only once the proof verified.
#[tokio::test]
async fn regression_23_canonical_forms_are_kept_only_for_proofs_that_verify() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let contexts = jsonld::Contexts::builtin();
    let verifier = Verifier {
        resolver: &documents,
        now: NOW,
        skew: 5,
        contexts: &contexts,
    };
    let kept = || contexts.cache_stats()[1].1.snapshot().entries;
    let mut forged = issue_ldp(&issuer, &holder.did);
    forged["credentialSubject"]["organization"]["name"] = json!("Someone else");
    assert!(verifier.credential(&forged).await.is_err());
    assert_eq!(kept(), 0, "nothing kept for a proof that did not verify");
    let genuine = issue_ldp(&issuer, &holder.did);
    verifier.credential(&genuine).await.unwrap();
    assert_eq!(kept(), 2, "the document's and the proof options' forms");
    verifier.credential(&genuine).await.unwrap();
    assert_eq!(kept(), 2);
    assert!(contexts.cache_stats()[1].1.snapshot().hits >= 2);
}
