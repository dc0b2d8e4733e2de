//! Issue-and-verify round trips and every refusal, against DIDs resolved in memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jose::Signer;
use jose::jws::Header;
use jose::jwt::Claims;
use serde_json::{Value, json};
use vc::jwt::{PresentationParameters, credential_claims, presentation_claims};
use vc::verify::{PresentationTerms, Verifier};
use vc::{Credential, Error, Presentation};

mod common;

use common::{CONTEXTS, Documents, Party, authentication_only_issuer, party};

const NOW: i64 = 1_800_000_000;

fn sign(claims: &Claims, party: &Party) -> String {
    let mut header = Header::new(party.key.algorithm());
    header.kid = Some(party.kid.clone());
    jose::jwt::sign(header, claims, &party.key).unwrap()
}

fn credential(issuer: &Party, subject: &str) -> Credential {
    Credential::from_json(json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": format!("{}#cred-1", issuer.did),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2028-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "organization": {"name": "Care", "city": "Utrecht"}}
    }))
    .unwrap()
}

fn issue(issuer: &Party, subject: &str) -> String {
    sign(
        &credential_claims(&credential(issuer, subject)).unwrap(),
        issuer,
    )
}

fn present(holder: &Party, credentials: Vec<Value>, exp: i64) -> String {
    let vp = Presentation::new(&holder.did, credentials);
    let claims = presentation_claims(
        &vp,
        &PresentationParameters {
            audience: Some("https://verifier.example/oauth2/b".into()),
            nonce: Some("nonce-1".into()),
            jti: Some("vp-1".into()),
            issued_at: NOW,
            expires: Some(exp),
        },
    )
    .unwrap();
    sign(&claims, holder)
}

fn verifier(documents: &Documents) -> Verifier<'_> {
    Verifier {
        resolver: documents,
        now: NOW,
        skew: 5,
        contexts: &CONTEXTS,
    }
}

#[tokio::test]
async fn issued_credential_verifies_into_its_json_form() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let jwt = issue(&issuer, &holder.did);
    let verified = verifier(&documents)
        .credential(&Value::from(jwt.clone()))
        .await
        .unwrap();
    assert_eq!(verified.credential(), &credential(&issuer, &holder.did));
    assert_eq!(verified.kid(), issuer.kid);
    assert_eq!(verified.raw(), &Value::from(jwt));
}

#[tokio::test]
async fn presentation_with_two_credentials_verifies_with_holder_binding() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let vcs = vec![
        Value::from(issue(&issuer, &holder.did)),
        Value::from(issue(&issuer, &holder.did)),
    ];
    let jwt = present(&holder, vcs, NOW + 5);
    let verified = verifier(&documents)
        .presentation(&Value::from(jwt.clone()))
        .await
        .unwrap();
    assert_eq!(verified.holder(), holder.did);
    assert_eq!(verified.terms().nonce.as_deref(), Some("nonce-1"));
    // What the token endpoint reads before verifying is what verification yields.
    let terms = PresentationTerms::read_unverified(&Value::from(jwt)).unwrap();
    assert_eq!(terms, verified.terms());
    assert_eq!(terms.start, Some(NOW));
    assert_eq!(
        PresentationTerms::read_unverified(&Value::from("not.a.jwt")),
        None
    );
    assert_eq!(
        PresentationTerms::read_unverified(&json!({"proof": []})),
        None
    );
    assert!(
        verified
            .terms()
            .audience
            .unwrap()
            .contains("https://verifier.example/oauth2/b")
    );
    assert_eq!(verified.credentials().len(), 2);
    assert_eq!(verified.terms().expires, Some(NOW + 5));
}

#[tokio::test]
async fn credential_signed_by_someone_else_than_its_issuer_is_refused() {
    let (issuer, impostor, holder) = (party(), party(), party());
    let documents = Documents::default();
    let claims = credential_claims(&credential(&issuer, &holder.did)).unwrap();
    let jwt = sign(&claims, &impostor);
    let error = verifier(&documents).credential_jwt(&jwt).await.unwrap_err();
    assert!(
        matches!(error, Error::WrongSigner { role: "issuer", .. }),
        "{error}"
    );
}

#[tokio::test]
async fn tampered_credential_fails_its_signature() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let jwt = issue(&issuer, &holder.did);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&jose::base64url::decode(&parts[1], "p").unwrap()).unwrap();
    claims["vc"]["credentialSubject"]["organization"]["name"] = json!("Evil");
    parts[1] = jose::base64url::encode(claims.to_string());
    let error = verifier(&documents)
        .credential_jwt(&parts.join("."))
        .await
        .unwrap_err();
    assert_eq!(error, Error::Signature(jose::Error::BadSignature));
}

#[tokio::test]
async fn expired_and_future_credentials_are_refused() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let mut c = credential(&issuer, &holder.did);
    c.expiration_date = Some("2026-12-01T00:00:00Z".into());
    let jwt = sign(&credential_claims(&c).unwrap(), &issuer);
    let late = Verifier {
        now: 1_900_000_000,
        ..verifier(&documents)
    };
    assert_eq!(
        late.credential_jwt(&jwt).await.unwrap_err(),
        Error::Expired("credential")
    );
    let early = Verifier {
        now: 1_700_000_000,
        ..verifier(&documents)
    };
    assert_eq!(
        early.credential_jwt(&jwt).await.unwrap_err(),
        Error::NotYetValid("credential")
    );
}

#[tokio::test]
async fn did_core_5_3_2_key_must_be_an_assertion_method() {
    let (issuer, documents) = authentication_only_issuer();
    let jwt = issue(&issuer, "did:web:holder.example");
    let error = verifier(&documents).credential_jwt(&jwt).await.unwrap_err();
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
async fn holder_must_be_the_subject_of_every_credential() {
    let (issuer, holder, other) = (party(), party(), party());
    let documents = Documents::default();
    let vcs = vec![
        Value::from(issue(&issuer, &holder.did)),
        Value::from(issue(&issuer, &other.did)),
    ];
    let error = verifier(&documents)
        .presentation_jwt(&present(&holder, vcs, NOW + 5))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::HolderBinding(_)), "{error}");
}

#[tokio::test]
async fn a_bad_credential_inside_a_presentation_is_named_by_position() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let vcs = vec![
        Value::from(issue(&issuer, &holder.did)),
        Value::from("not.a.jwt"),
    ];
    let error = verifier(&documents)
        .presentation_jwt(&present(&holder, vcs, NOW + 5))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Credential { index: 1, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn expired_presentation_is_refused() {
    let (issuer, holder) = (party(), party());
    let documents = Documents::default();
    let jwt = present(
        &holder,
        vec![Value::from(issue(&issuer, &holder.did))],
        NOW - 10,
    );
    assert_eq!(
        verifier(&documents)
            .presentation_jwt(&jwt)
            .await
            .unwrap_err(),
        Error::Expired("presentation")
    );
}

#[tokio::test]
async fn malformed_input_is_a_malformed_error_not_a_panic() {
    let documents = Documents::default();
    let v = verifier(&documents);
    for input in [
        json!(""),
        json!("a.b"),
        json!(42),
        json!(null),
        json!(["x"]),
    ] {
        let error = v.credential(&input).await.unwrap_err();
        assert!(matches!(error, Error::Malformed { .. }), "{input}: {error}");
        let error = v.presentation(&input).await.unwrap_err();
        assert!(matches!(error, Error::Malformed { .. }), "{input}: {error}");
    }
    let no_kid = format!(
        "{}.{}.AA",
        jose::base64url::encode(r#"{"alg":"ES256"}"#),
        jose::base64url::encode(r#"{"iss":"did:web:x"}"#)
    );
    assert_eq!(
        v.credential_jwt(&no_kid).await.unwrap_err(),
        Error::Missing("kid header")
    );
}

#[tokio::test]
async fn dif_sample_jwt_credential_fails_because_its_key_is_not_the_issuers() {
    // The DIF sample-implementation vc-jwt.txt is signed with kid did:example:… while iss is a
    // did:key: a verifier must not accept a credential signed by a key of another DID.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/dif-presentation-exchange/sample-implementation/src/__fixtures__/test-vectors/vc-jwt.txt"
    );
    let jwt = std::fs::read_to_string(path).unwrap();
    let documents = Documents::default();
    let error = verifier(&documents)
        .credential_jwt(jwt.trim())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::WrongSigner { role: "issuer", .. }),
        "{error}"
    );

    let path = path.replace("vc-jwt.txt", "vp-jwt.txt");
    let jwt = std::fs::read_to_string(path).unwrap();
    let error = verifier(&documents)
        .presentation_jwt(jwt.trim())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::WrongSigner { role: "holder", .. }),
        "{error}"
    );
}
