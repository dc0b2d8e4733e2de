//! Each check of the grant, with presentations signed by did:jwk parties and verified for real.

use jose::jws::Header;
use jose::jwt::{Audience, Claims};
use jose::{KeyKind, Signer, SigningKey};
use oauth::types::ClientId;
use serde_json::{Value, json};
use vc::jwt::{PresentationParameters, credential_claims, presentation_claims};
use vc::verify::Verifier;
use vc::{Credential, Presentation};

use super::*;

const NOW: i64 = 1_800_000_000;
const ISSUER: &str = "https://verifier.example/oauth2/verifier";
const EXPECTED: Expectations<'static> = Expectations {
    issuer: ISSUER,
    max_validity: 5,
};

/// did:jwk resolves from the identifier alone: no I/O.
#[derive(Debug)]
struct Local;

#[async_trait::async_trait]
impl did::Resolver for Local {
    async fn resolve(&self, did: &did::Did) -> Result<did::Resolved, did::Error> {
        did::resolver::resolve_locally(did)
            .unwrap_or(Err(did::Error::NotFound))
            .map(did::Resolved::document)
    }
}

struct Party {
    did: String,
    key: SigningKey,
}

fn party() -> Party {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let did = did::methods::jwk::did_for(key.public_jwk())
        .unwrap()
        .to_string();
    Party { did, key }
}

fn sign(claims: &Claims, party: &Party) -> String {
    let mut header = Header::new(party.key.algorithm());
    header.kid = Some(format!("{}#0", party.did));
    jose::jwt::sign(header, claims, &party.key).unwrap()
}

fn organization_credential(issuer: &Party, subject: &str, city: &str) -> Value {
    let credential = Credential::from_json(json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": format!("{}#{city}", issuer.did),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "organization": {"name": "Care", "city": city}}
    }))
    .unwrap();
    Value::String(sign(&credential_claims(&credential).unwrap(), issuer))
}

/// A JWT presentation by `holder` of one organization credential; `tweak` changes its claims.
fn presentation(holder: &Party, tweak: impl FnOnce(&mut Claims)) -> String {
    let issuer = party();
    let vp = Presentation::new(
        &holder.did,
        vec![organization_credential(&issuer, &holder.did, "Utrecht")],
    );
    let mut claims = presentation_claims(
        &vp,
        &PresentationParameters {
            audience: Some(ISSUER.into()),
            nonce: Some("nonce-1".into()),
            jti: Some("vp-1".into()),
            issued_at: NOW,
            expires: Some(NOW + 5),
        },
    )
    .unwrap();
    tweak(&mut claims);
    sign(&claims, holder)
}

fn submission(definition_id: &str, path: &str) -> String {
    json!({
        "id": "s",
        "definition_id": definition_id,
        "descriptor_map": [{"id": "organization_credential", "format": "jwt_vc", "path": path}]
    })
    .to_string()
}

fn request(assertion: &str, submission: &str) -> VpTokenBearer {
    VpTokenBearer {
        assertion: assertion.into(),
        presentation_submission: submission.into(),
        scope: "eoverdracht-sender".into(),
        client_id: ClientId::new("https://client.example/oauth2/client"),
    }
}

fn definition() -> CompiledDefinition {
    CompiledDefinition::from_value(&json!({
        "id": "pd_eoverdracht",
        "input_descriptors": [{
            "id": "organization_credential",
            "constraints": {"fields": [
                {"path": ["$.type"], "filter": {"type": "string", "const": "NutsOrganizationCredential"}},
                {"id": "organization_city", "path": ["$.credentialSubject.organization.city"]}
            ]}
        }]
    }))
    .unwrap()
}

async fn verify(values: &[Value]) -> Vec<VerifiedPresentation> {
    let contexts = jsonld::Contexts::builtin();
    let verifier = Verifier {
        resolver: &Local,
        now: NOW,
        skew: 5,
        contexts: &contexts,
    };
    let mut verified = Vec::new();
    for value in values {
        verified.push(verifier.presentation(value).await.unwrap());
    }
    verified
}

/// Steps 1 to 3 for a request that passes them.
async fn through_verification(assertion: &str, submission: &str) -> Result<Verified, BearerError> {
    let awaiting = Received::parse(&request(assertion, submission))?.precheck(&EXPECTED)?;
    let verified = verify(awaiting.presentations()).await;
    awaiting.verified(verified, &EXPECTED)
}

fn terms(tweak: impl FnOnce(&mut PresentationTerms)) -> PresentationTerms {
    let mut terms = PresentationTerms {
        audience: Some(Audience::One(ISSUER.into())),
        nonce: Some("n".into()),
        start: Some(NOW),
        expires: Some(NOW + 5),
    };
    tweak(&mut terms);
    terms
}

#[test]
fn nuts_rfc021_assertion_is_a_jwt_an_object_or_an_array_of_them() {
    let single = Received::parse(&request("a.b.c", &submission("x", "$"))).unwrap();
    assert_eq!(single.shape, EnvelopeShape::Single);
    let array = Received::parse(&request(r#"["a.b.c", {"x": 1}]"#, &submission("x", "$"))).unwrap();
    assert_eq!(
        (array.presentations.len(), array.shape),
        (2, EnvelopeShape::Array)
    );
    let object = Received::parse(&request(r#" {"x": 1}"#, &submission("x", "$"))).unwrap();
    assert_eq!(object.shape, EnvelopeShape::Single);
}

#[test]
fn nuts_a7_an_assertion_of_other_json_is_refused() {
    let refused =
        |assertion: &str| Received::parse(&request(assertion, &submission("x", "$"))).unwrap_err();
    assert_eq!(
        refused("[true, false]").to_string(),
        "assertion parameter is invalid: unable to parse PEX envelope as verifiable presentation: invalid JWT"
    );
    assert_eq!(refused("[]"), BearerError::InvalidAssertion("empty array"));
    assert_eq!(
        refused("{not json"),
        BearerError::InvalidAssertion("invalid JSON")
    );
    let eleven = format!("[{}]", ["\"a.b.c\""; 11].join(","));
    assert_eq!(
        refused(&eleven),
        BearerError::InvalidAssertion("too many presentations")
    );
    assert_eq!(refused("[]").error_code(), ErrorCode::InvalidRequest);
}

#[test]
fn nuts_a8_a_submission_that_does_not_parse_is_refused() {
    for bad in ["not-a-valid-submission", "{}", "[1]"] {
        let refused = Received::parse(&request("a.b.c", bad)).unwrap_err();
        assert!(
            matches!(refused, BearerError::InvalidSubmission(_)),
            "{bad}: {refused}"
        );
        assert!(
            refused
                .to_string()
                .starts_with("invalid presentation submission: ")
        );
    }
}

#[test]
fn nuts_a9_a10_a_presentation_needs_a_start_and_an_expiry() {
    assert_eq!(
        check_terms(&terms(|t| t.expires = None), &EXPECTED),
        Err(BearerError::MissingDates)
    );
    assert_eq!(
        check_terms(&terms(|t| t.start = None), &EXPECTED),
        Err(BearerError::MissingDates)
    );
}

#[test]
fn nuts_a11_a_presentation_is_valid_for_at_most_the_maximum() {
    assert!(check_terms(&terms(|t| t.expires = Some(NOW + 5)), &EXPECTED).is_ok());
    let refused = check_terms(&terms(|t| t.expires = Some(NOW + 6)), &EXPECTED).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "presentation is valid for too long (max 5s)"
    );
    // Ending before it starts, or arithmetic that would overflow, is no better.
    assert_eq!(
        check_terms(&terms(|t| t.expires = Some(NOW - 1)), &EXPECTED),
        Err(BearerError::TooLong(5))
    );
    assert_eq!(
        check_terms(
            &terms(|t| (t.start, t.expires) = (Some(i64::MIN), Some(i64::MAX))),
            &EXPECTED
        ),
        Err(BearerError::TooLong(5))
    );
}

#[test]
fn nuts_a15_a16_the_audience_is_this_issuer_exactly() {
    assert_eq!(
        check_terms(&terms(|t| t.audience = None), &EXPECTED),
        Err(BearerError::Audience)
    );
    for other in [
        format!("{ISSUER}/"),
        ISSUER.to_uppercase(),
        "did:example:other".into(),
    ] {
        assert_eq!(
            check_terms(
                &terms(|t| t.audience = Some(Audience::One(other.clone()))),
                &EXPECTED
            ),
            Err(BearerError::Audience),
            "{other}"
        );
    }
    let among = Audience::Many(vec!["https://other.example".into(), ISSUER.into()]);
    assert!(check_terms(&terms(|t| t.audience = Some(among)), &EXPECTED).is_ok());
}

#[test]
fn nuts_a20_to_a24_the_nonce_is_a_non_empty_string() {
    assert_eq!(
        check_terms(&terms(|t| t.nonce = None), &EXPECTED),
        Err(BearerError::Nonce)
    );
    assert_eq!(
        check_terms(&terms(|t| t.nonce = Some(String::new())), &EXPECTED),
        Err(BearerError::Nonce)
    );
    assert_eq!(
        check_terms(&terms(|_| {}), &EXPECTED).map(|(e, n)| (e, n.to_owned())),
        Ok((NOW + 5, "n".into()))
    );
}

#[test]
fn nuts_order_unverified_terms_are_refused_before_any_verification() {
    let holder = party();
    let other_audience = presentation(&holder, |c| {
        c.aud = Some(Audience::One("https://x.example".into()))
    });
    // A forged signature does not matter yet: the terms alone refuse it.
    let mut forged = other_audience.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    let refused = Received::parse(&request(
        &forged,
        &submission("pd_eoverdracht", "$.verifiableCredential"),
    ))
    .unwrap()
    .precheck(&EXPECTED)
    .unwrap_err();
    assert_eq!(refused, BearerError::Audience);
    // Unreadable terms are left to verification.
    assert!(
        Received::parse(&request("a.b.c", &submission("x", "$")))
            .unwrap()
            .precheck(&EXPECTED)
            .is_ok()
    );
}

#[tokio::test]
async fn nuts_a12_all_presentations_have_one_holder() {
    let (first, second) = (party(), party());
    let assertion =
        json!([presentation(&first, |_| {}), presentation(&second, |_| {})]).to_string();
    let refused = through_verification(
        &assertion,
        &submission("pd_eoverdracht", "$[0].verifiableCredential"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "not all presentations have the same credential subject ID"
    );
}

#[tokio::test]
async fn verified_presentations_must_be_those_of_the_request() {
    let holder = party();
    let sent = presentation(&holder, |_| {});
    let other = presentation(&holder, |c| c.jti = Some("vp-2".into()));
    let awaiting = Received::parse(&request(
        &sent,
        &submission("pd_eoverdracht", "$.verifiableCredential"),
    ))
    .unwrap()
    .precheck(&EXPECTED)
    .unwrap();
    let swapped = verify(&[Value::String(other)]).await;
    let refused = awaiting.clone().verified(swapped, &EXPECTED).unwrap_err();
    assert_eq!(refused, BearerError::NotTheRequestsPresentations);
    assert_eq!(refused.error_code(), ErrorCode::ServerError);
    assert_eq!(
        awaiting.verified(Vec::new(), &EXPECTED).unwrap_err(),
        BearerError::NotTheRequestsPresentations
    );
}

#[tokio::test]
async fn nuts_a18b_the_submission_is_for_the_scopes_definition() {
    let holder = party();
    let verified = through_verification(
        &presentation(&holder, |_| {}),
        &submission("pd_other", "$.verifiableCredential"),
    )
    .await
    .unwrap();
    assert_eq!(verified.definition_id(), "pd_other");
    assert_eq!(
        verified.evaluate(&definition()).unwrap_err().to_string(),
        "presentation definition being fulfilled is not required: pd_other"
    );
}

#[tokio::test]
async fn nuts_a18_presentations_that_do_not_fulfil_the_definition_are_refused() {
    let holder = party();
    let empty_map =
        json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": []}).to_string();
    let verified = through_verification(&presentation(&holder, |_| {}), &empty_map)
        .await
        .unwrap();
    let refused = verified.evaluate(&definition()).unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("presentation submission does not conform to presentation definition (id=pd_eoverdracht)"),
        "{refused}"
    );
}

#[tokio::test]
async fn nuts_a28_field_values_become_claims_and_nonces_are_kept_to_claim_last() {
    let holder = party();
    let sent = presentation(&holder, |_| {});
    let evaluated = through_verification(
        &sent,
        &submission("pd_eoverdracht", "$.verifiableCredential"),
    )
    .await
    .unwrap()
    .evaluate(&definition())
    .unwrap();
    assert_eq!(evaluated.holder(), holder.did);
    assert_eq!(evaluated.claims()["organization_city"], "Utrecht");
    assert_eq!(
        evaluated.presentations().collect::<Vec<_>>(),
        [&Value::String(sent)]
    );
    assert_eq!(evaluated.credential_ids().len(), 1);
    assert_eq!(
        evaluated.signed_by().map(VerifiedPresentation::holder),
        Some(holder.did.as_str())
    );
    // Kept until the presentation has expired for every clock within the skew.
    let nonces = evaluated.single_use_nonces(NOW, 5, 5);
    assert_eq!(nonces.len(), 1);
    assert_eq!(
        (nonces[0].0.as_str(), nonces[0].1),
        ("nonce-1", Duration::from_secs(11))
    );
    // Never less than a second, never more than the longest a presentation can live.
    assert_eq!(
        evaluated.single_use_nonces(NOW + 100, 5, 5)[0].1,
        Duration::from_secs(1)
    );
}

#[tokio::test]
async fn nuts_envelope_an_array_of_one_uses_array_paths() {
    let holder = party();
    let assertion = json!([presentation(&holder, |_| {})]).to_string();
    let single_path = through_verification(
        &assertion,
        &submission("pd_eoverdracht", "$.verifiableCredential"),
    )
    .await
    .unwrap();
    assert!(single_path.evaluate(&definition()).is_err());
    let array_path = json!({
        "id": "s", "definition_id": "pd_eoverdracht",
        "descriptor_map": [{"id": "organization_credential", "format": "jwt_vp", "path": "$[0]",
                            "path_nested": {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}}]
    })
    .to_string();
    let evaluated = through_verification(&assertion, &array_path)
        .await
        .unwrap()
        .evaluate(&definition());
    assert!(evaluated.is_ok(), "{evaluated:?}");
}

#[test]
fn issue_23_the_credentials_of_a_request_are_bounded_before_verification() {
    let holder = party();
    let issuer = party();
    let credentials: Vec<Value> = (0..=MAX_CREDENTIALS)
        .map(|i| organization_credential(&issuer, &holder.did, &format!("city{i}")))
        .collect();
    let vp = Presentation::new(&holder.did, credentials);
    let claims = presentation_claims(
        &vp,
        &PresentationParameters {
            audience: Some(ISSUER.into()),
            nonce: Some("n".into()),
            jti: Some("j".into()),
            issued_at: NOW,
            expires: Some(NOW + 5),
        },
    )
    .unwrap();
    let refused = Received::parse(&request(&sign(&claims, &holder), &submission("x", "$")))
        .unwrap()
        .precheck(&EXPECTED)
        .unwrap_err();
    assert_eq!(refused, BearerError::TooManyCredentials(MAX_CREDENTIALS));
}

#[test]
fn a_submission_for_another_definition_is_refused_before_verification() {
    let holder = party();
    let awaiting = Received::parse(&request(
        &presentation(&holder, |_| {}),
        &submission("pd_other", "$"),
    ))
    .unwrap()
    .precheck(&EXPECTED)
    .unwrap();
    assert_eq!(
        awaiting.check_definition(&definition()),
        Err(BearerError::DefinitionNotRequired("pd_other".into()))
    );
    let fine = Received::parse(&request(
        &presentation(&holder, |_| {}),
        &submission("pd_eoverdracht", "$"),
    ))
    .unwrap()
    .precheck(&EXPECTED)
    .unwrap();
    assert_eq!(fine.check_definition(&definition()), Ok(()));
}
