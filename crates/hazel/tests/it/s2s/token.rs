//! The `vp_token-bearer` grant at `POST /oauth2/{subject}/token` (checklists/s2s-token.md).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use hazel::services::credentials::PresentationRequest;
use jose::{KeyKind, Signer, SigningKey};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{
    Presented, SCOPE, Served, did_of, form, introspect, issue_organization_credential, issuer,
    organizations, post_form, present, proof, served,
};
use crate::support::{call, subject};

/// A2, H14, H15, I7, I8, I10, I15, A19, H4, H20: a DPoP-bound token with the definition's field
/// values, its presentation single-use, its proof single-use, every outcome audited.
#[tokio::test]
async fn nuts_a2_dpop_token_is_issued_bound_and_introspected_with_claims() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("nonce-1"), 5).await;
    let submission = presented.submission.to_string();
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let dpop_proof = proof(&key, "POST", &endpoint, now, "jti-1");

    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[("DPoP", &dpop_proof)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    assert_eq!(answer.body["expires_in"], 900);
    assert_eq!(answer.body["scope"], SCOPE);
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(answer.headers[header::PRAGMA], "no-cache");
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    assert!(jose::base64url::decode(&token, "token").unwrap().len() >= 16);

    let introspected = introspect(&served, &token, false).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["iss"], issuer.as_str());
    assert_eq!(introspected["client_id"], client.as_str());
    assert_eq!(introspected["scope"], SCOPE);
    assert_eq!(
        introspected["cnf"]["jkt"],
        key.public_jwk().thumbprint().as_str()
    );
    assert_eq!(introspected["organization_name"], "Zorggroep");
    assert_eq!(introspected["organization_city"], "Amandelmere");
    assert_eq!(
        introspected["exp"].as_i64().unwrap() - introspected["iat"].as_i64().unwrap(),
        900
    );
    assert!(introspected.get("vps").is_none());
    let extended = introspect(&served, &token, true).await;
    assert_eq!(extended["vps"], json!([presented.assertion]));
    assert_eq!(
        extended["presentation_definitions"]["organization"]["id"],
        "pd_eoverdracht"
    );
    assert_eq!(
        extended["presentation_submissions"]["pd_eoverdracht"],
        presented.submission
    );

    // A19: the same presentation again, with a fresh proof.
    let again = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[("DPoP", &proof(&key, "POST", &endpoint, now, "jti-2"))],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_request");
    assert_eq!(
        again.body["error_description"],
        "presentation nonce has already been used"
    );
    // H4: a new presentation with the used proof.
    let fresh = present(&served, &client, &issuer, Some("nonce-2"), 5).await;
    let replayed = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&fresh, &submission, &client),
        &[("DPoP", &dpop_proof)],
    )
    .await;
    assert_eq!(
        replayed.body["error"], "invalid_dpop_proof",
        "{}",
        replayed.body
    );
    assert!(
        replayed.body["error_description"]
            .as_str()
            .unwrap()
            .contains("jti already used")
    );
    // H20: each outcome is in the audit trail, never the token.
    let events: Vec<(String, String)> = served
        .node
        .audit()
        .for_subject("verifier", 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "token.vp_token-bearer")
        .map(|e| (format!("{:?}", e.outcome), e.detail.to_string()))
        .collect();
    let outcomes: Vec<&str> = events.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["Success", "Failure", "Failure"]);
    assert!(events.iter().all(|(_, detail)| !detail.contains(&token)));
    assert!(events[1].1.contains("invalid_request"));
}

/// A3: without a DPoP header the token is a Bearer token, and introspection shows no `cnf`. A4:
/// a deactivated authorization server refuses at once (not served from a stale cache).
#[tokio::test]
async fn nuts_a3_without_dpop_a_bearer_token_without_cnf() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let presented = present(&served, &client, &issuer, Some("n"), 5).await;
    let submission = presented.submission.to_string();
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap();
    let introspected = introspect(&served, token, false).await;
    assert_eq!(introspected["active"], true);
    assert!(introspected.get("cnf").is_none());

    let (status, _, _) = call(
        &served.api,
        Method::DELETE,
        "/internal/vdr/v2/subject/verifier",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = present(&served, &client, &issuer, Some("n2"), 5).await;
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&again, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.body["error_description"], "subject not found");
}

/// One refused token request: where it goes, what it sends, and the answer.
struct Refused<'a> {
    row: &'a str,
    path: &'a str,
    form: Vec<(&'a str, String)>,
    headers: Vec<(&'a str, &'a str)>,
    error: &'a str,
    description: &'a str,
}

/// Sends each request and checks its OAuth error: 400, JSON, not cached.
async fn assert_refused(served: &Served, cases: &[Refused<'_>]) {
    for case in cases {
        let pairs: Vec<(&str, &str)> = case.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = post_form(&served.public, case.path, &pairs, &case.headers).await;
        let row = case.row;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{row}: {}",
            answer.body
        );
        assert_eq!(answer.body["error"], case.error, "{row}: {}", answer.body);
        let text = answer.body["error_description"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains(case.description), "{row}: {text}");
        assert_eq!(
            answer.headers[header::CONTENT_TYPE],
            "application/json",
            "{row}"
        );
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "{row}");
    }
}

/// A form made from the valid one.
struct Forms<'a> {
    base: Vec<(&'static str, &'a str)>,
}

impl<'a> Forms<'a> {
    fn valid(&self) -> Vec<(&'static str, String)> {
        self.base
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect()
    }

    fn without(&self, name: &str) -> Vec<(&'static str, String)> {
        let mut form = self.valid();
        form.retain(|(k, _)| *k != name);
        form
    }

    fn with(&self, name: &'static str, value: &str) -> Vec<(&'static str, String)> {
        let mut form = self.without(name);
        form.push((name, value.to_owned()));
        form
    }
}

/// Every refusal of checklists/s2s-token.md that is not about DPoP: the right error, and no
/// state changed (H18: the valid request with the same presentation and nonce succeeds after).
#[tokio::test]
async fn nuts_s2s_refusals_answer_their_error_and_burn_nothing() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer_did = did_of(&served, "issuer").await;
    let issuer = issuer(&served, "verifier");
    let presented = present(&served, &client, &issuer, Some("kept"), 5).await;
    let submission = presented.submission.to_string();
    let other_audience = present(
        &served,
        &client,
        "https://other.example/oauth2/x",
        Some("a"),
        5,
    )
    .await;
    let too_long = present(&served, &client, &issuer, Some("b"), 3600).await;
    let no_nonce = present(&served, &client, &issuer, None, 5).await;
    let mut tampered = presented.assertion.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let other_definition =
        json!({"id": "s", "definition_id": "pd_other", "descriptor_map": []}).to_string();
    let empty_map =
        json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": []}).to_string();
    let many_scopes = (0..25)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let forms = Forms {
        base: form(&presented, &submission, &client),
    };
    let token = "/oauth2/verifier/token";
    let refused = |row, form, error, description| Refused {
        row,
        path: token,
        form,
        headers: vec![],
        error,
        description,
    };
    let cases = [
        Refused {
            path: "/oauth2/nobody/token",
            ..refused("A4", forms.valid(), "invalid_request", "subject not found")
        },
        refused(
            "A5",
            forms.with("grant_type", "unsupported"),
            "unsupported_grant_type",
            "grant_type 'unsupported' is not supported",
        ),
        refused(
            "A5b",
            forms.without("grant_type"),
            "unsupported_grant_type",
            "grant_type '' is not supported",
        ),
        refused(
            "A5c",
            forms.with(
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            "unsupported_grant_type",
            "not implemented yet",
        ),
        refused(
            "A6 client_id",
            forms.without("client_id"),
            "invalid_request",
            "missing required parameters: client_id",
        ),
        refused(
            "A6 assertion",
            forms.without("assertion"),
            "invalid_request",
            "missing required parameters: assertion",
        ),
        refused(
            "A6 submission",
            forms.without("presentation_submission"),
            "invalid_request",
            "missing required parameters: presentation_submission",
        ),
        refused(
            "A6 scope",
            forms.without("scope"),
            "invalid_request",
            "missing required parameters: scope",
        ),
        refused(
            "H10 empty is absent",
            forms.with("client_id", ""),
            "invalid_request",
            "missing required parameters: client_id",
        ),
        refused(
            "H9 repeated",
            {
                let mut f = forms.valid();
                f.push(("scope", SCOPE.to_owned()));
                f
            },
            "invalid_request",
            "included more than once",
        ),
        refused(
            "A7",
            forms.with("assertion", "[true, false]"),
            "invalid_request",
            "assertion parameter is invalid: unable to parse PEX envelope as verifiable presentation: invalid JWT",
        ),
        refused(
            "A8",
            forms.with("presentation_submission", "not-a-valid-submission"),
            "invalid_request",
            "invalid presentation submission: ",
        ),
        refused(
            "A16",
            forms.with("assertion", &other_audience.assertion),
            "invalid_request",
            "presentation audience/domain is missing or does not match",
        ),
        refused(
            "A11",
            forms.with("assertion", &too_long.assertion),
            "invalid_request",
            "presentation is valid for too long (max 5s)",
        ),
        refused(
            "A22",
            forms.with("assertion", &no_nonce.assertion),
            "invalid_request",
            "presentation has invalid/missing nonce",
        ),
        refused(
            "A26",
            forms.with("assertion", &tampered),
            "invalid_request",
            "presentation(s) or credential(s) verification failed",
        ),
        refused(
            "A17",
            forms.with("scope", "everything"),
            "invalid_scope",
            "everything",
        ),
        refused(
            "profile-only",
            forms.with("scope", &format!("{SCOPE} patient/Observation.read")),
            "invalid_scope",
            "profile-only",
        ),
        refused(
            "RFC 6749 3.3 characters",
            forms.with("scope", &format!("{SCOPE} caf\u{e9}")),
            "invalid_scope",
            "RFC 6749",
        ),
        refused(
            "too many scopes",
            forms.with("scope", &many_scopes),
            "invalid_scope",
            "more than 20 scopes",
        ),
        refused(
            "A18b",
            forms.with("presentation_submission", &other_definition),
            "invalid_request",
            "presentation definition being fulfilled is not required: pd_other",
        ),
        refused(
            "A18",
            forms.with("presentation_submission", &empty_map),
            "invalid_request",
            "presentation submission does not conform to presentation definition (id=pd_eoverdracht)",
        ),
        refused(
            "H7",
            forms.with("client_id", &issuer_did),
            "invalid_request",
            "client_id does not match presentation signer",
        ),
    ];
    assert_refused(&served, &cases).await;

    // H11: the query string is ignored.
    let query_only = post_form(
        &served.public,
        &format!("{token}?client_id={}", client.replace('%', "%25")),
        &forms
            .without("client_id")
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
        &[],
    )
    .await;
    assert_eq!(
        query_only.body["error_description"],
        "missing required parameters: client_id"
    );

    // H20: refusals before the grant is evaluated are audited too.
    let early: Vec<String> = served
        .node
        .audit()
        .for_subject("verifier", 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "token.request")
        .map(|e| e.detail["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        early.contains(&"unsupported_grant_type".to_owned()),
        "{early:?}"
    );

    // H18: nothing above burned the nonce.
    let answer = post_form(&served.public, token, &forms.base, &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// A token request refused by its media type or by the HTTP framework.
struct Framework<'a> {
    row: &'a str,
    method: Method,
    content_types: Vec<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    error: &'a str,
}

/// RFC 6749 §5.2: every error of the token endpoint is an OAuth error in JSON, whatever the
/// request's media type (H12: a body that is not a form is `invalid_request`), and also when the
/// framework refuses the request before the grant: a method the endpoint does not take, a body
/// over `http.bodylimit`, a `Content-Type` given twice. (Issue 15, defect 3: a8a2f86 answered
/// these with problem details, and read the first of two `Content-Type`s.)
#[tokio::test]
async fn rfc6749_5_2_every_token_endpoint_error_is_oauth_json() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let send = |method: Method, content_types: Vec<&'static str>, body: Vec<u8>| {
        let public = served.public.clone();
        async move {
            let mut request = Request::builder()
                .method(method)
                .uri("/oauth2/verifier/token");
            for content_type in content_types {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            let response = public
                .oneshot(request.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (status, content_type, body)
        }
    };
    let form_type = "application/x-www-form-urlencoded";
    let too_big = vec![b'a'; served.node.config().http.bodylimit + 1];
    let cases = [
        Framework {
            row: "H12 json",
            method: Method::POST,
            content_types: vec!["application/json"],
            body: b"{}".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "text",
            method: Method::POST,
            content_types: vec!["text/plain"],
            body: b"grant_type=x".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "xml",
            method: Method::POST,
            content_types: vec!["application/xml"],
            body: b"<a/>".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "multipart",
            method: Method::POST,
            content_types: vec!["multipart/form-data; boundary=x"],
            body: b"--x--".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "none",
            method: Method::POST,
            content_types: vec![],
            body: b"grant_type=x".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "twice",
            method: Method::POST,
            content_types: vec![form_type, "text/plain"],
            body: b"grant_type=x".to_vec(),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "not UTF-8",
            method: Method::POST,
            content_types: vec![form_type],
            body: vec![0xff, 0xfe],
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Framework {
            row: "GET",
            method: Method::GET,
            content_types: vec![],
            body: vec![],
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: "invalid_request",
        },
        Framework {
            row: "too large",
            method: Method::POST,
            content_types: vec![form_type],
            body: too_big,
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_request",
        },
    ];
    for Framework {
        row,
        method,
        content_types,
        body,
        status,
        error,
    } in cases
    {
        let (answer_status, content_type, answer) = send(method, content_types, body).await;
        assert_eq!(answer_status, status, "{row}: {answer}");
        assert_eq!(
            content_type.as_ref().map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{row}"
        );
        assert_eq!(answer["error"], error, "{row}: {answer}");
        assert!(answer["error_description"].is_string(), "{row}: {answer}");
    }
}

/// A1: the grant with JSON-LD, as Nuts nodes send it: an `ldp_vp` (challenge = nonce, domain =
/// audience) of an `ldp_vc`; its challenge is single-use, its domain must match, a changed claim
/// fails verification.
#[tokio::test]
async fn nuts_a1_an_ldp_vp_of_an_ldp_vc_is_accepted() {
    let served = served(|_, _| {}).await;
    let issuer_did = subject(&served.api, "issuer").await;
    subject(&served.api, "verifier").await;
    let client = subject(&served.api, "client").await;
    let vc = issue_organization_credential(&served, &issuer_did, &client, "ldp_vc").await;
    assert_eq!(vc["proof"]["type"], "JsonWebSignature2020");
    let (status, body, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/holder/client/vc",
        Some(vc.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let issuer = issuer(&served, "verifier");
    let node = &served.node;
    let ldp_vp = |audience: String, nonce: &'static str| {
        node.credentials().create_presentation(
            PresentationRequest {
                signer: Some(client.clone()),
                credentials: vec![vc.clone()],
                audience: Some(audience),
                nonce: Some(nonce.to_owned()),
                expires: Some(node.now() + 5),
                format: vc::Format::LdpVp,
            },
            node.now(),
        )
    };
    let submission = json!({
        "id": "submission",
        "definition_id": "pd_eoverdracht",
        "descriptor_map": [{"id": "organization_credential", "format": "ldp_vc", "path": "$.verifiableCredential"}]
    })
    .to_string();
    let grant = |vp: &Value| Presented {
        assertion: vp.to_string(),
        submission: Value::Null,
    };
    let send = |presented: Presented| {
        let public = served.public.clone();
        let submission = submission.clone();
        let client = client.clone();
        async move {
            post_form(
                &public,
                "/oauth2/verifier/token",
                &form(&presented, &submission, &client),
                &[],
            )
            .await
        }
    };

    let vp = ldp_vp(issuer.clone(), "ld-nonce-1").await.unwrap();
    assert_eq!(vp["proof"]["challenge"], "ld-nonce-1");
    let answer = send(grant(&vp)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    let introspected = introspect(&served, &token, true).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["client_id"], client.as_str());
    assert_eq!(introspected["organization_name"], "Zorggroep");
    assert_eq!(introspected["vps"], json!([vp]));

    let answer = send(grant(&vp)).await;
    assert_eq!(
        answer.body["error_description"],
        "presentation nonce has already been used"
    );

    let elsewhere = ldp_vp(format!("{}/oauth2/client", served.base), "ld-nonce-2")
        .await
        .unwrap();
    let answer = send(grant(&elsewhere)).await;
    assert_eq!(answer.body["error"], "invalid_request");
    assert_eq!(
        answer.body["error_description"],
        "presentation audience/domain is missing or does not match"
    );

    let mut tampered = ldp_vp(issuer.clone(), "ld-nonce-3").await.unwrap();
    tampered["verifiableCredential"]["credentialSubject"]["organization"]["name"] =
        json!("Someone else");
    let answer = send(grant(&tampered)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body["error_description"]
            .as_str()
            .unwrap()
            .contains("verification failed"),
        "{}",
        answer.body
    );
}
