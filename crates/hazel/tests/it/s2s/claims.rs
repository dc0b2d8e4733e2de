//! Presentation claims at the token endpoint, from a client that is not a node: a did:jwk holder
//! whose presentations the test signs itself, so that each claim can be left out or bent
//! (checklists/s2s-token.md A9–A16, A24, H16, H7 for a DID client).

use axum::http::{Method, StatusCode};
use jose::{KeyKind, Signer, SigningKey};
use serde_json::{Value, json};

use super::{SCOPE, did_of, organizations, post_form, served};
use crate::support::call;

/// One presentation sent by the did:jwk client, and the refusal expected (`None`: a token).
struct Case<'a> {
    row: &'a str,
    assertion: String,
    submission: String,
    client_id: String,
    refusal: Option<&'a str>,
}

/// A client that is not a node: a did:jwk holder whose presentations the test signs itself, so
/// that each claim can be left out or bent (s2s-token.md A9–A16, A24, H16, H7 for a DID client).
#[tokio::test]
async fn nuts_a9_to_a16_presentation_claims_of_a_did_jwk_client() {
    use jose::jwt::{Audience, Claims};
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    let issuer_did = did_of(&served, "issuer").await;
    let holder_key = SigningKey::generate(KeyKind::P256).unwrap();
    let holder = did::methods::jwk::did_for(holder_key.public_jwk())
        .unwrap()
        .to_string();
    let other_key = SigningKey::generate(KeyKind::P256).unwrap();
    let other = did::methods::jwk::did_for(other_key.public_jwk())
        .unwrap()
        .to_string();
    let issue = |subject: String| {
        let api = served.api.clone();
        let issuer_did = issuer_did.clone();
        async move {
            let (status, vc, _) = call(
                &api,
                Method::POST,
                "/internal/vcr/v2/issuer/vc",
                Some(json!({
                    "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
                    "type": ["VerifiableCredential", "NutsOrganizationCredential"],
                    "issuer": issuer_did,
                    "expirationDate": "2099-01-01T00:00:00Z",
                    "credentialSubject": {"id": subject, "organization": {"name": "Apotheek", "city": "Loadtown"}},
                    "format": "jwt_vc"
                })),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{vc}");
            vc
        }
    };
    let credential = issue(holder.clone()).await;
    let others_credential = issue(other.clone()).await;
    let audience = format!("{}/oauth2/verifier", served.base);
    let now = served.node.now();
    let claims = |nonce: &str, credential: &Value| {
        vc::jwt::presentation_claims(
            &vc::Presentation::new(&holder, vec![credential.clone()]),
            &vc::jwt::PresentationParameters {
                audience: Some(audience.clone()),
                nonce: Some(nonce.to_owned()),
                jti: Some(nonce.to_owned()),
                issued_at: now,
                expires: Some(now + 5),
            },
        )
        .unwrap()
    };
    let sign = |claims: &Claims, key: &SigningKey, did: &str| {
        let mut header = jose::jws::Header::new(key.algorithm());
        header.kid = Some(format!("{did}#0"));
        header.typ = Some("JWT".into());
        jose::jwt::sign(header, claims, key).unwrap()
    };
    let submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}]})
    .to_string();
    let array_submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vp", "path": "$[0]",
         "path_nested": {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}}]})
    .to_string();
    let send = |assertion: String, submission: String, client_id: String| {
        let public = served.public.clone();
        async move {
            post_form(
                &public,
                "/oauth2/verifier/token",
                &[
                    ("grant_type", "vp_token-bearer"),
                    ("assertion", &assertion),
                    ("presentation_submission", &submission),
                    ("scope", SCOPE),
                    ("client_id", &client_id),
                ],
                &[],
            )
            .await
        }
    };

    let mut no_exp = claims("a9", &credential);
    no_exp.exp = None;
    let mut no_start = claims("a10", &credential);
    no_start.nbf = None;
    no_start.iat = None;
    let mut exactly_five = claims("five", &credential);
    exactly_five.nbf = None;
    let mut expired = claims("h16", &credential);
    expired.iat = Some(now - 120);
    expired.nbf = Some(now - 120);
    expired.exp = Some(now - 116);
    // Signed by the wrong key and for another audience: refused for the audience, before any
    // signature check (nuts-node's order; no verification work for a hopeless request).
    let mut forged_elsewhere = claims("forged", &credential);
    forged_elsewhere.aud = Some(Audience::One("https://elsewhere.example".into()));
    let mut overflow = claims("a11-overflow", &credential);
    overflow.iat = None;
    overflow.nbf = Some(i64::MIN);
    overflow.exp = Some(i64::MAX);
    let mut nonce_not_string = claims("a24", &credential);
    nonce_not_string.other.insert("nonce".into(), json!(true));
    let mut audience_array = claims("a16", &credential);
    audience_array.aud = Some(Audience::Many(vec![
        "https://x.example".into(),
        audience.clone(),
    ]));
    let mut trailing_slash = claims("a16b", &credential);
    trailing_slash.aud = Some(Audience::One(format!("{audience}/")));
    let mut not_subject = claims("a14", &others_credential);
    not_subject.iss = Some(holder.clone());
    let second = {
        let mut c = claims("a12-2", &others_credential);
        c.iss = Some(other.clone());
        c.sub = Some(other.clone());
        c.other.insert(
            "vp".into(),
            serde_json::to_value(vc::Presentation::new(
                &other,
                vec![others_credential.clone()],
            ))
            .unwrap(),
        );
        sign(&c, &other_key, &other)
    };

    let case = |row, assertion, submission: &String, client_id: &String, refusal| Case {
        row,
        assertion,
        submission: submission.clone(),
        client_id: client_id.clone(),
        refusal,
    };
    let cases = vec![
        case(
            "A9",
            sign(&no_exp, &holder_key, &holder),
            &submission,
            &holder,
            Some("presentation is missing creation or expiration date"),
        ),
        case(
            "A10",
            sign(&no_start, &holder_key, &holder),
            &submission,
            &holder,
            Some("presentation is missing creation or expiration date"),
        ),
        case(
            "H16",
            sign(&expired, &holder_key, &holder),
            &submission,
            &holder,
            Some("verification failed"),
        ),
        case(
            "cheap checks first",
            sign(&forged_elsewhere, &other_key, &holder),
            &submission,
            &holder,
            Some("presentation audience/domain is missing or does not match"),
        ),
        case(
            "A11 overflow",
            sign(&overflow, &holder_key, &holder),
            &submission,
            &holder,
            Some("presentation is valid for too long"),
        ),
        case(
            "A24",
            sign(&nonce_not_string, &holder_key, &holder),
            &submission,
            &holder,
            Some("presentation has invalid/missing nonce"),
        ),
        case(
            "A16 exact",
            sign(&trailing_slash, &holder_key, &holder),
            &submission,
            &holder,
            Some("presentation audience/domain is missing or does not match"),
        ),
        case(
            "A14",
            sign(&not_subject, &holder_key, &holder),
            &submission,
            &holder,
            Some("verification failed"),
        ),
        case(
            "A12",
            serde_json::to_string(&json!([
                sign(&claims("a12-1", &credential), &holder_key, &holder),
                second
            ]))
            .unwrap(),
            &array_submission,
            &holder,
            Some("not all presentations have the same credential subject ID"),
        ),
        case(
            "H7 other DID",
            sign(&claims("h7", &credential), &holder_key, &holder),
            &submission,
            &other,
            Some("client_id does not match presentation signer"),
        ),
        case(
            "A11 exactly 5 s",
            sign(&exactly_five, &holder_key, &holder),
            &submission,
            &holder,
            None,
        ),
        case(
            "A16 array",
            sign(&audience_array, &holder_key, &holder),
            &submission,
            &holder,
            None,
        ),
        case(
            "envelope of one",
            serde_json::to_string(&json!([sign(
                &claims("env", &credential),
                &holder_key,
                &holder
            )]))
            .unwrap(),
            &array_submission,
            &holder,
            None,
        ),
    ];
    for Case {
        row,
        assertion,
        submission,
        client_id,
        refusal,
    } in cases
    {
        let answer = send(assertion, submission, client_id).await;
        match refusal {
            None => assert_eq!(answer.status, StatusCode::OK, "{row}: {}", answer.body),
            Some(description) => {
                assert_eq!(
                    answer.body["error"], "invalid_request",
                    "{row}: {}",
                    answer.body
                );
                let text = answer.body["error_description"].as_str().unwrap();
                assert!(text.contains(description), "{row}: {text}");
            }
        }
    }
}
