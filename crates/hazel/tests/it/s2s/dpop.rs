//! DPoP at the token endpoint (checklists/dpop.md, s2s-token.md H1–H5): every check of RFC 9449
//! §4.3 but the replay is made before anything is verified, and a refused proof burns nothing;
//! server nonces (§8) when `auth.dpop.requirenonce` is on.

use axum::http::StatusCode;
use jose::{KeyKind, SigningKey};
use oauth::dpop::ProofClaims;
use serde_json::json;

use super::{SCOPE, form, issuer, organizations, post_form, present, proof, request_token, served};

/// A27, H1–H3, H5: each refusal is `invalid_dpop_proof`, and afterwards the request with a
/// good proof succeeds (H18: nothing was burned).
#[tokio::test]
async fn rfc9449_4_3_token_endpoint_refusals_burn_nothing() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("kept"), 5).await;
    let submission = presented.submission.to_string();
    let request = form(&presented, &submission, &client);
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let good = proof(&key, "POST", &endpoint, now, "jti-good");
    let cases = [
        (
            "A27 not a JWT",
            vec!["invalid".to_owned()],
            "DPoP header is invalid",
        ),
        (
            "H1 check 8 htm",
            vec![proof(&key, "GET", &endpoint, now, "j1")],
            "method mismatch",
        ),
        (
            "H2 check 9 htu",
            vec![proof(&key, "POST", &format!("{issuer}/other"), now, "j2")],
            "url mismatch",
        ),
        (
            "H3 check 11 old iat",
            vec![proof(&key, "POST", &endpoint, now - 600, "j3")],
            "iat too old",
        ),
        (
            "H3 check 11 future iat",
            vec![proof(&key, "POST", &endpoint, now + 60, "j4")],
            "iat in the future",
        ),
        (
            "H5 check 1 one header",
            vec![good.clone(), good.clone()],
            "more than one DPoP header",
        ),
    ];
    for (row, headers, description) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|h| ("DPoP", h.as_str())).collect();
        let answer = post_form(&served.public, "/oauth2/verifier/token", &request, &headers).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{row}: {}",
            answer.body
        );
        assert_eq!(
            answer.body["error"], "invalid_dpop_proof",
            "{row}: {}",
            answer.body
        );
        let text = answer.body["error_description"].as_str().unwrap();
        assert!(text.contains(description), "{row}: {text}");
    }
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &good)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
}

/// RFC 9449 §8 with `auth.dpop.requirenonce`: a proof without the server's nonce gets
/// `use_dpop_nonce` and a `DPoP-Nonce` header; with it, a token. Hazel's client retries by itself.
#[tokio::test]
async fn rfc9449_8_server_nonces_when_the_server_requires_them() {
    let served = served(|config, _| config.auth.dpop.requirenonce = true).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("nonce-n"), 5).await;
    let submission = presented.submission.to_string();
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let request = form(&presented, &submission, &client);

    let first = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &proof(&key, "POST", &endpoint, now, "n1"))],
    )
    .await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST);
    assert_eq!(first.body["error"], "use_dpop_nonce");
    let nonce = first.headers["dpop-nonce"].to_str().unwrap().to_owned();

    let with_nonce = |jti: &str, nonce: &str| {
        oauth::dpop::create(
            &key,
            &ProofClaims {
                jti,
                htm: "POST",
                htu: &endpoint,
                iat: now,
                ath: None,
                nonce: Some(nonce),
            },
        )
        .unwrap()
    };
    let made_up = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &with_nonce("n2", "made-up"))],
    )
    .await;
    assert_eq!(made_up.body["error"], "use_dpop_nonce");
    let granted = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &with_nonce("n3", &nonce))],
    )
    .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.headers.contains_key("dpop-nonce"));

    // The client learns the nonce from the first refusal and retries once.
    let (status, token) = request_token(
        &served,
        "client",
        json!({"authorization_server": issuer, "scope": SCOPE}),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "DPoP");
}

/// Issue 23, finding 10: a8a2f86 claimed the presentation nonces before the DPoP `jti`, so a
/// request refused only for a reused `jti` used up its nonces. All are claimed together now.
#[tokio::test]
async fn regression_23_a_reused_jti_burns_no_presentation_nonce() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let endpoint = format!("{issuer}/token");
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let used_proof = proof(&key, "POST", &endpoint, now, "jti-used");
    let first = present(&served, &client, &issuer, Some("first"), 5).await;
    let submission = first.submission.to_string();
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&first, &submission, &client),
        &[("DPoP", &used_proof)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let second = present(&served, &client, &issuer, Some("second"), 5).await;
    let refused = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&second, &submission, &client),
        &[("DPoP", &used_proof)],
    )
    .await;
    assert_eq!(
        refused.body["error"], "invalid_dpop_proof",
        "{}",
        refused.body
    );
    let fresh_proof = proof(&key, "POST", &endpoint, now, "jti-fresh");
    let retried = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&second, &submission, &client),
        &[("DPoP", &fresh_proof)],
    )
    .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
}
