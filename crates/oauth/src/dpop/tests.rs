#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use jose::{KeyKind, SigningKey};
use serde_json::json;

use super::*;

const NOW: i64 = 1_700_000_000;
const MAX_AGE: i64 = 300;
const SKEW: i64 = 60;
const URL: &str = "https://server.example.com/token";

fn es256() -> SigningKey {
    SigningKey::generate(KeyKind::P256).unwrap()
}

fn b64json(value: &Value) -> String {
    base64url::encode(serde_json::to_vec(value).unwrap())
}

fn header_of(key: &SigningKey) -> Value {
    json!({
        "typ": TYP,
        "alg": key.algorithm().as_str(),
        "jwk": key.public_jwk().to_public().to_json(),
    })
}

fn claims() -> Value {
    json!({"jti": "jti-1", "htm": "POST", "htu": URL, "iat": NOW})
}

/// Signs arbitrary header and claims, so that each test breaks exactly one rule.
fn sign_raw(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64json(header), b64json(claims));
    let signature = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", base64url::encode(signature))
}

/// A proof whose signature is garbage: for rules checked before the signature.
fn unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        b64json(header),
        b64json(claims),
        base64url::encode("sig")
    )
}

fn with(mut value: Value, name: &str, member: Value) -> Value {
    value[name] = member;
    value
}

fn without(mut value: Value, name: &str) -> Value {
    value.as_object_mut().unwrap().remove(name);
    value
}

fn parse_claims(claims: &Value) -> Result<Proof, DpopError> {
    let key = es256();
    Proof::parse(&sign_raw(&key, &header_of(&key), claims))
}

fn parse_header(header: impl FnOnce(Value) -> Value) -> Result<Proof, DpopError> {
    let key = es256();
    Proof::parse(&sign_raw(&key, &header(header_of(&key)), &claims()))
}

fn proof_with(claims: &Value) -> Proof {
    parse_claims(claims).unwrap()
}

fn expected() -> Expected<'static> {
    Expected {
        method: "POST",
        url: URL,
        now: NOW,
        max_age: MAX_AGE,
        skew: SKEW,
        access_token: None,
        jkt: None,
        nonce: None,
    }
}

fn vector(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/spec")
        .join(path);
    serde_json::from_str(
        &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
    )
    .unwrap()
}

// §4.3 check 1 (a single `DPoP` header field) needs the HTTP request: it is the caller's test.

#[test]
fn rfc9449_4_3_2_value_must_be_one_compact_jws() {
    for value in ["invalid", "", "a.b", "a.b.c.d"] {
        assert!(
            matches!(Proof::parse(value), Err(DpopError::Malformed(_))),
            "{value:?}"
        );
    }
    assert_eq!(
        Proof::parse("invalid").unwrap_err().to_string(),
        "invalid DPoP token: invalid compact serialization format: invalid number of segments"
    );
}

#[test]
fn rfc9449_4_3_2_json_serialization_is_refused() {
    let key = es256();
    let compact = sign_raw(&key, &header_of(&key), &claims());
    let [protected, payload, signature]: [&str; 3] =
        compact.split('.').collect::<Vec<_>>().try_into().unwrap();
    let flattened = json!({"protected": protected, "payload": payload, "signature": signature});
    let two_signatures = json!({
        "payload": payload,
        "signatures": [
            {"protected": protected, "signature": signature},
            {"protected": protected, "signature": signature},
        ],
    });
    for value in [flattened, two_signatures] {
        assert!(matches!(
            Proof::parse(&value.to_string()),
            Err(DpopError::Malformed(_))
        ));
    }
}

#[test]
fn rfc9449_4_3_2_segments_must_be_base64url_json_objects() {
    let key = es256();
    let not_base64 = format!("!!!.{}.{}", b64json(&claims()), base64url::encode("sig"));
    let header_not_object = format!(
        "{}.{}.{}",
        base64url::encode("[1]"),
        b64json(&claims()),
        base64url::encode("sig")
    );
    let payload_not_object = sign_raw(&key, &header_of(&key), &json!("claims"));
    for value in [not_base64, header_not_object, payload_not_object] {
        assert!(
            matches!(Proof::parse(&value), Err(DpopError::Malformed(_))),
            "{value}"
        );
    }
}

#[test]
fn rfc9449_4_3_3_each_required_claim_must_be_present() {
    for (claim, error) in [
        ("iat", DpopError::MissingIat),
        ("htu", DpopError::MissingHtu),
        ("htm", DpopError::MissingHtm),
        ("jti", DpopError::MissingJti),
    ] {
        assert_eq!(
            parse_claims(&without(claims(), claim)).unwrap_err(),
            error,
            "{claim}"
        );
        assert_eq!(
            parse_claims(&with(claims(), claim, Value::Null)).unwrap_err(),
            error,
            "{claim}: null"
        );
    }
}

#[test]
fn rfc9449_4_3_3_empty_string_claim_counts_as_missing() {
    for (claim, error) in [
        ("htu", DpopError::MissingHtu),
        ("htm", DpopError::MissingHtm),
        ("jti", DpopError::MissingJti),
    ] {
        assert_eq!(
            parse_claims(&with(claims(), claim, json!(""))).unwrap_err(),
            error,
            "{claim}"
        );
    }
}

#[test]
fn rfc9449_4_3_3_iat_must_be_a_number() {
    assert_eq!(
        parse_claims(&with(claims(), "iat", json!(NOW.to_string()))).unwrap_err(),
        DpopError::InvalidClaim("iat")
    );
    // RFC 7519 §2: a NumericDate may have a fraction.
    let proof = proof_with(&with(claims(), "iat", json!(NOW as f64 + 0.5)));
    assert_eq!(proof.iat, NOW);
}

#[test]
fn rfc9449_4_2_string_claims_must_be_strings() {
    for (claim, value) in [
        ("jti", json!(5)),
        ("htm", json!(true)),
        ("htu", json!({"url": URL})),
        ("ath", json!(1)),
        ("nonce", json!(["n"])),
    ] {
        assert_eq!(
            parse_claims(&with(claims(), claim, value)).unwrap_err(),
            DpopError::InvalidClaim(claim)
        );
    }
}

#[test]
fn nuts_jti_longer_than_256_bytes_is_refused() {
    let proof = proof_with(&with(claims(), "jti", json!("j".repeat(MAX_JTI_LEN))));
    assert_eq!(proof.jti.len(), 256);
    assert_eq!(
        parse_claims(&with(claims(), "jti", json!("j".repeat(257)))).unwrap_err(),
        DpopError::JtiTooLong
    );
}

#[test]
fn rfc9449_4_3_4_typ_must_be_dpop_jwt() {
    let error = parse_header(|h| with(h, "typ", json!("JWT"))).unwrap_err();
    assert_eq!(error, DpopError::InvalidType("JWT".into()));
    assert_eq!(error.to_string(), "invalid type: JWT");
    assert_eq!(
        parse_header(|h| without(h, "typ")).unwrap_err(),
        DpopError::InvalidType(String::new())
    );
    for typ in ["DPOP+JWT", "application/dpop+jwt"] {
        assert_eq!(
            parse_header(|h| with(h, "typ", json!(typ))).unwrap_err(),
            DpopError::InvalidType(typ.into())
        );
    }
}

#[test]
fn rfc9449_4_3_5_alg_must_be_asymmetric_and_supported() {
    let key = es256();
    for alg in ["none", "HS256", "RS256", "ES256K"] {
        let header = with(header_of(&key), "alg", json!(alg));
        let error = Proof::parse(&unsigned(&header, &claims())).unwrap_err();
        assert_eq!(error, DpopError::InvalidAlg(alg.into()));
        assert_eq!(error.to_string(), format!("invalid alg: {alg}"));
    }
    assert_eq!(
        Proof::parse(&unsigned(&without(header_of(&key), "alg"), &claims())).unwrap_err(),
        DpopError::InvalidAlg(String::new())
    );
}

#[test]
fn rfc9449_4_3_5_alg_must_fit_the_jwk() {
    assert_eq!(
        parse_header(|h| with(h, "alg", json!("ES384"))).unwrap_err(),
        DpopError::AlgorithmKeyMismatch("ES384".into())
    );
    // RFC 7517 §4.4: a key restricted to one `alg` is not used with another.
    assert_eq!(
        parse_header(|mut h| {
            h["jwk"]["alg"] = json!("ES384");
            h
        })
        .unwrap_err(),
        DpopError::AlgorithmKeyMismatch("ES256".into())
    );
}

#[test]
fn rfc9449_4_3_6_signature_must_verify_after_body_change() {
    let key = es256();
    let compact = sign_raw(&key, &header_of(&key), &claims());
    let [header, _, signature]: [&str; 3] =
        compact.split('.').collect::<Vec<_>>().try_into().unwrap();
    let changed = b64json(&with(claims(), "htm", json!("GET")));
    assert_eq!(
        Proof::parse(&format!("{header}.{changed}.{signature}")).unwrap_err(),
        DpopError::BadSignature
    );
}

#[test]
fn rfc9449_4_3_6_proof_signed_by_another_key_than_header_jwk_is_refused() {
    let (key, other) = (es256(), es256());
    let error = Proof::parse(&sign_raw(&other, &header_of(&key), &claims())).unwrap_err();
    assert_eq!(error, DpopError::BadSignature);
    assert_eq!(
        error.to_string(),
        "could not verify message using any of the signatures or keys"
    );
}

#[test]
fn rfc9449_4_3_7_jwk_must_not_contain_a_private_key() {
    for path in ["jws/rfc7515_a3_es256.json", "jws/rfc8037_a4_ed25519.json"] {
        let private = vector(path)["jwk_private"].clone();
        let key = SigningKey::from_jwk(&Jwk::from_json(&private).unwrap()).unwrap();
        let header = with(header_of(&key), "jwk", private);
        let error = Proof::parse(&sign_raw(&key, &header, &claims())).unwrap_err();
        assert_eq!(error, DpopError::InvalidJwk, "{path}");
        assert_eq!(error.to_string(), "invalid jwk header");
    }
}

#[test]
fn rfc9449_4_2_jwk_header_is_required_and_must_be_a_public_key() {
    let error = parse_header(|h| without(h, "jwk")).unwrap_err();
    assert_eq!(error, DpopError::MissingJwk);
    assert_eq!(error.to_string(), "missing jwk header");
    for jwk in [
        json!("key"),
        json!({"kty": "oct", "k": "c2VjcmV0"}),
        json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
    ] {
        assert_eq!(
            parse_header(|h| with(h, "jwk", jwk.clone())).unwrap_err(),
            DpopError::InvalidJwk,
            "{jwk}"
        );
    }
}

#[test]
fn rfc9449_4_3_8_htm_must_equal_the_request_method() {
    let proof = proof_with(&claims());
    let error = proof
        .check(&Expected {
            method: "GET",
            ..expected()
        })
        .unwrap_err();
    assert_eq!(
        error,
        DpopError::MethodMismatch {
            token: "POST".into(),
            given: "GET".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "method mismatch, token: POST, given: GET"
    );
    // Methods are case-sensitive (RFC 9110 §9.1).
    assert!(matches!(
        proof.check(&Expected {
            method: "post",
            ..expected()
        }),
        Err(DpopError::MethodMismatch { .. })
    ));
}

#[test]
fn rfc9449_4_3_9_htu_must_equal_the_request_uri() {
    let error = proof_with(&claims())
        .check(&Expected {
            url: "https://server.example.com/token2",
            ..expected()
        })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "url mismatch, token: https://server.example.com/token, given: https://server.example.com/token2"
    );
    // The path is compared as is.
    assert!(matches!(
        proof_with(&claims()).check(&Expected {
            url: "https://server.example.com/Token",
            ..expected()
        }),
        Err(DpopError::UrlMismatch { .. })
    ));
}

#[test]
fn rfc9449_4_3_9_query_and_fragment_are_ignored() {
    proof_with(&claims())
        .check(&Expected {
            url: "https://server.example.com/token?a=b#c",
            ..expected()
        })
        .unwrap();
    proof_with(&with(claims(), "htu", json!(format!("{URL}?x=y#z"))))
        .check(&expected())
        .unwrap();
}

#[test]
fn rfc9449_4_3_9_scheme_host_case_and_default_port_are_normalized() {
    let proof = proof_with(&with(
        claims(),
        "htu",
        json!("HTTPS://Server.Example.COM:443/token"),
    ));
    proof.check(&expected()).unwrap();
    proof_with(&claims())
        .check(&Expected {
            url: "https://SERVER.example.com:443/token",
            ..expected()
        })
        .unwrap();
    let http = proof_with(&with(claims(), "htu", json!("http://a.example:80/x")));
    http.check(&Expected {
        url: "http://a.example/x",
        ..expected()
    })
    .unwrap();
}

#[test]
fn rfc9449_4_3_9_http_and_https_differ() {
    assert_eq!(
        proof_with(&with(
            claims(),
            "htu",
            json!("http://server.example.com/token")
        ))
        .check(&expected())
        .unwrap_err(),
        DpopError::UrlMismatch {
            token: "http://server.example.com/token".into(),
            given: URL.into()
        }
    );
}

#[test]
fn rfc9449_4_3_9_other_port_differs() {
    assert!(matches!(
        proof_with(&with(
            claims(),
            "htu",
            json!("https://server.example.com:8443/token")
        ))
        .check(&expected()),
        Err(DpopError::UrlMismatch { .. })
    ));
}

#[test]
fn rfc9449_4_3_9_urls_must_be_absolute_http() {
    for url in [
        "not a url",
        "/token",
        "urn:example:token",
        "ftp://a.example/x",
    ] {
        assert_eq!(
            normalize_htu(url).unwrap_err(),
            DpopError::InvalidUrl(url.into())
        );
    }
    assert_eq!(
        proof_with(&with(claims(), "htu", json!("/token")))
            .check(&expected())
            .unwrap_err(),
        DpopError::InvalidClaim("htu")
    );
    assert_eq!(
        proof_with(&claims())
            .check(&Expected {
                url: "/token",
                ..expected()
            })
            .unwrap_err(),
        DpopError::InvalidUrl("/token".into())
    );
}

#[test]
fn rfc9449_4_3_10_nonce_must_equal_the_issued_nonce() {
    let issued = Expected {
        nonce: Some("n-1"),
        ..expected()
    };
    let error = proof_with(&claims()).check(&issued).unwrap_err();
    assert_eq!(error, DpopError::MissingNonce);
    assert_eq!(error.error_code(), ErrorCode::UseDpopNonce);
    let error = proof_with(&with(claims(), "nonce", json!("n-0")))
        .check(&issued)
        .unwrap_err();
    assert_eq!(error, DpopError::NonceMismatch);
    assert_eq!(error.error_code(), ErrorCode::UseDpopNonce);
    proof_with(&with(claims(), "nonce", json!("n-1")))
        .check(&issued)
        .unwrap();
    // Without an issued nonce, a nonce in the proof is not looked at.
    proof_with(&with(claims(), "nonce", json!("n-0")))
        .check(&expected())
        .unwrap();
}

#[test]
fn rfc9449_4_3_11_iat_must_be_within_the_window() {
    let at = |iat: i64| proof_with(&with(claims(), "iat", json!(iat))).check(&expected());
    for iat in [NOW - 1, NOW, NOW + 1, NOW - MAX_AGE, NOW + SKEW] {
        at(iat).unwrap();
    }
    let error = at(NOW - MAX_AGE - 1).unwrap_err();
    assert_eq!(error, DpopError::IatTooOld);
    assert_eq!(error.error_code(), ErrorCode::InvalidDpopProof);
    assert_eq!(at(NOW + SKEW + 1).unwrap_err(), DpopError::IatInFuture);
}

#[test]
fn rfc9449_4_3_12_ath_is_required_at_the_resource_server() {
    let at_rs = Expected {
        access_token: Some("token"),
        ..expected()
    };
    for claims in [claims(), with(claims(), "ath", json!(""))] {
        let error = proof_with(&claims).check(&at_rs).unwrap_err();
        assert_eq!(error, DpopError::MissingAth);
        assert_eq!(error.to_string(), "missing ath claim");
    }
}

#[test]
fn rfc9449_4_3_12_ath_must_hash_the_presented_access_token() {
    let proof = proof_with(&with(claims(), "ath", json!(access_token_hash("token"))));
    proof
        .check(&Expected {
            access_token: Some("token"),
            ..expected()
        })
        .unwrap();
    let error = proof
        .check(&Expected {
            access_token: Some("invalid"),
            ..expected()
        })
        .unwrap_err();
    assert_eq!(error, DpopError::AthMismatch);
    assert_eq!(error.to_string(), "ath/token claim mismatch");
}

#[test]
fn rfc9449_4_3_12_proof_key_must_be_the_bound_key() {
    let proof = proof_with(&claims());
    let jkt = proof.jwk.thumbprint();
    proof
        .check(&Expected {
            jkt: Some(&jkt),
            ..expected()
        })
        .unwrap();
    let other = es256().public_jwk().thumbprint();
    let error = proof
        .check(&Expected {
            jkt: Some(&other),
            ..expected()
        })
        .unwrap_err();
    assert_eq!(error, DpopError::JktMismatch);
    assert_eq!(error.to_string(), "jkt mismatch");
}

#[test]
fn nuts_validate_order_is_jkt_method_url_ath_then_nonce_and_iat() {
    let proof = proof_with(&with(claims(), "iat", json!(0)));
    let other = es256().public_jwk().thumbprint();
    let mut wanted = Expected {
        method: "GET",
        url: "https://server.example.com/other",
        access_token: Some("token"),
        jkt: Some(&other),
        nonce: Some("n"),
        ..expected()
    };
    assert_eq!(proof.check(&wanted).unwrap_err(), DpopError::JktMismatch);
    wanted.jkt = Some(&proof.jkt);
    assert!(matches!(
        proof.check(&wanted),
        Err(DpopError::MethodMismatch { .. })
    ));
    wanted.method = "POST";
    assert!(matches!(
        proof.check(&wanted),
        Err(DpopError::UrlMismatch { .. })
    ));
    wanted.url = URL;
    assert_eq!(proof.check(&wanted).unwrap_err(), DpopError::MissingAth);
    wanted.access_token = None;
    assert_eq!(proof.check(&wanted).unwrap_err(), DpopError::MissingNonce);
    wanted.nonce = None;
    assert_eq!(proof.check(&wanted).unwrap_err(), DpopError::IatTooOld);
}

#[test]
fn rfc9449_4_2_ath_is_base64url_sha256_of_the_token() {
    assert_eq!(
        access_token_hash("token"),
        "PEaenWxYddN6Q_NT1PiOYfz4EsZu7jRXRlpAsNpBU-A"
    );
    let v = vector("dpop-rfc9449/dpop_examples.json");
    assert_eq!(
        access_token_hash(v["access_token"].as_str().unwrap()),
        v["expected_ath"].as_str().unwrap()
    );
    assert_eq!(
        v["expected_ath"],
        json!("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
    );
}

#[test]
fn rfc9449_examples_parse_and_check_at_their_iat() {
    let v = vector("dpop-rfc9449/dpop_examples.json");
    let access_token = v["access_token"].as_str().unwrap();
    let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    assert_eq!(v["expected_jwk_thumbprint_jkt"], json!(jkt));
    let proofs = v["proofs"].as_array().unwrap();
    assert_eq!(proofs.len(), 4);
    for example in proofs {
        let name = example["name"].as_str().unwrap();
        let proof = Proof::parse(example["jwt"].as_str().unwrap()).unwrap();
        let payload = &example["decoded_payload"];
        assert_eq!(proof.jkt, jkt, "{name}");
        assert_eq!(proof.jwk, Jwk::from_json(&v["public_jwk"]).unwrap());
        assert_eq!(json!(proof.jti), payload["jti"], "{name}");
        assert_eq!(json!(proof.htm), payload["htm"], "{name}");
        assert_eq!(json!(proof.htu), payload["htu"], "{name}");
        assert_eq!(json!(proof.iat), payload["iat"], "{name}");
        assert_eq!(json!(proof.ath), example["expected"]["ath"], "{name}");
        assert_eq!(proof.nonce, None);
        proof
            .check(&Expected {
                method: &proof.htm,
                url: &proof.htu,
                now: proof.iat,
                access_token: proof.ath.is_some().then_some(access_token),
                jkt: Some(jkt),
                ..expected()
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn rfc9449_examples_are_stale_with_a_later_clock() {
    let v = vector("dpop-rfc9449/dpop_examples.json");
    for example in v["proofs"].as_array().unwrap() {
        let proof = Proof::parse(example["jwt"].as_str().unwrap()).unwrap();
        assert_eq!(
            proof
                .check(&Expected {
                    method: &proof.htm,
                    url: &proof.htu,
                    now: NOW,
                    ..expected()
                })
                .unwrap_err(),
            DpopError::IatTooOld
        );
    }
}

fn round_trip(kind: KeyKind) {
    let key = SigningKey::generate(kind)
        .unwrap()
        .with_kid("did:web:example.com#1");
    let ath = access_token_hash("token");
    let compact = create(
        &key,
        &ProofClaims {
            jti: "jti-rt",
            htm: "GET",
            htu: "https://resource.example.org/r?x=1",
            iat: NOW,
            ath: Some(&ath),
            nonce: Some("n-1"),
        },
    )
    .unwrap();

    let header = Unverified::parse(&compact)
        .unwrap()
        .unverified_header()
        .clone();
    assert_eq!(header.typ.as_deref(), Some(TYP));
    assert_eq!(header.alg, key.algorithm());
    assert_eq!(header.kid, None);
    let jwk = header.jwk.unwrap();
    assert!(!jwk.is_private());
    assert_eq!(jwk.kid, None);
    assert_eq!(jwk.alg.as_deref(), Some(key.algorithm().as_str()));

    let proof = Proof::parse(&compact).unwrap();
    assert_eq!(proof.jkt, key.public_jwk().thumbprint());
    assert_eq!(
        (proof.jti.as_str(), proof.iat, proof.nonce.as_deref()),
        ("jti-rt", NOW, Some("n-1"))
    );
    proof
        .check(&Expected {
            method: "GET",
            url: "https://resource.example.org/r",
            access_token: Some("token"),
            jkt: Some(&key.public_jwk().thumbprint()),
            nonce: Some("n-1"),
            ..expected()
        })
        .unwrap();
}

#[test]
fn rfc9449_4_2_created_es256_proof_round_trips() {
    round_trip(KeyKind::P256);
}

#[test]
fn rfc9449_4_2_created_eddsa_proof_round_trips() {
    round_trip(KeyKind::Ed25519);
}

#[test]
fn rfc9449_4_2_created_ps256_proof_round_trips() {
    round_trip(KeyKind::Rsa2048);
}

#[test]
fn rfc9449_4_2_created_proof_leaves_out_absent_ath_and_nonce() {
    let key = es256();
    let compact = create(
        &key,
        &ProofClaims {
            jti: "j",
            htm: "POST",
            htu: URL,
            iat: NOW,
            ath: None,
            nonce: None,
        },
    )
    .unwrap();
    let payload: Value =
        serde_json::from_slice(Unverified::parse(&compact).unwrap().unverified_payload()).unwrap();
    assert_eq!(payload, with(claims(), "jti", json!("j")));
}

#[test]
fn create_refuses_a_proof_that_parse_would_refuse() {
    let key = es256();
    let base = ProofClaims {
        jti: "j",
        htm: "POST",
        htu: URL,
        iat: NOW,
        ath: None,
        nonce: None,
    };
    let long = "j".repeat(MAX_JTI_LEN + 1);
    for (claims, error) in [
        (
            ProofClaims {
                htm: "",
                ..base.clone()
            },
            DpopError::MissingHtm,
        ),
        (
            ProofClaims {
                htu: "",
                ..base.clone()
            },
            DpopError::MissingHtu,
        ),
        (
            ProofClaims {
                jti: "",
                ..base.clone()
            },
            DpopError::MissingJti,
        ),
        (
            ProofClaims {
                jti: &long,
                ..base.clone()
            },
            DpopError::JtiTooLong,
        ),
    ] {
        assert_eq!(create(&key, &claims).unwrap_err(), error);
    }
}

#[test]
fn rfc9449_5_1_signing_algorithms_are_the_signable_asymmetric_ones() {
    assert_eq!(
        SIGNING_ALGORITHMS,
        [
            "ES256", "EdDSA", "ES384", "ES512", "PS256", "PS384", "PS512"
        ]
    );
    for name in SIGNING_ALGORITHMS {
        assert!(Algorithm::parse(name).unwrap().can_sign(), "{name}");
    }
}
