//! Published JOSE examples (RFC 7515, RFC 7520, RFC 8037, RFC 9449) from ../shared/vectors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use jose::jws::{Header, Unverified, sign};
use jose::jwt::{Claims, Validation, check_claims};
use jose::{Algorithm, Error, Jwk, Signer, SigningKey, VerifyingKey, base64url};
use serde_json::Value;

fn vector(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/spec")
        .join(path);
    serde_json::from_str(
        &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
    )
    .unwrap()
}

fn key_of(value: &Value) -> VerifyingKey {
    VerifyingKey::from_jwk(&Jwk::from_json(value).unwrap()).unwrap()
}

#[test]
fn rfc7515_a3_es256_verifies_and_its_tampered_copy_does_not() {
    let v = vector("jws/rfc7515_a3_es256.json");
    let key = key_of(&v["jwk_private"]);
    let verified = Unverified::parse(v["compact"].as_str().unwrap())
        .unwrap()
        .verify(&key)
        .unwrap();
    let payload: Value = serde_json::from_slice(verified.payload()).unwrap();
    assert_eq!(payload, v["expected"]["payload"]);

    let tampered = Unverified::parse(v["negative_tampered_compact"].as_str().unwrap()).unwrap();
    assert_eq!(tampered.verify(&key).unwrap_err(), Error::BadSignature);
}

#[test]
fn rfc7515_a3_claims_are_expired_today_and_valid_at_their_time() {
    let v = vector("jws/rfc7515_a3_es256.json");
    let claims: Claims = serde_json::from_value(v["expected"]["payload"].clone()).unwrap();
    let exp = claims.exp.unwrap();
    assert_eq!(
        check_claims(&claims, &Validation::new(exp + 60, 5)),
        Err(Error::Expired)
    );
    assert!(check_claims(&claims, &Validation::new(exp - 60, 5)).is_ok());
}

#[test]
fn rfc8037_a4_ed25519_signature_is_reproduced_exactly() {
    let v = vector("jws/rfc8037_a4_ed25519.json");
    let private = Jwk::from_json(&v["jwk_private"]).unwrap();
    assert_eq!(private.thumbprint(), v["expected_jwk_thumbprint"]);
    let signer = SigningKey::from_jwk(&private).unwrap();
    let compact = sign(
        Header::new(Algorithm::EdDSA),
        v["payload_text"].as_str().unwrap().as_bytes(),
        &signer,
    )
    .unwrap();
    assert_eq!(compact, v["compact"].as_str().unwrap());
    let key = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
    Unverified::parse(&compact).unwrap().verify(&key).unwrap();
}

#[test]
fn rfc7520_4_1_rs256_4_2_ps384_4_3_es512_verify() {
    for (file, alg) in [
        (
            "jose-cookbook-rfc7520/jws/4_1.rsa_v15_signature.json",
            Algorithm::RS256,
        ),
        (
            "jose-cookbook-rfc7520/jws/4_2.rsa-pss_signature.json",
            Algorithm::PS384,
        ),
        (
            "jose-cookbook-rfc7520/jws/4_3.ecdsa_signature.json",
            Algorithm::ES512,
        ),
    ] {
        let v = vector(file);
        let key = key_of(&v["input"]["key"]);
        let parsed = Unverified::parse(v["output"]["compact"].as_str().unwrap()).unwrap();
        assert_eq!(parsed.unverified_header().alg, alg);
        let verified = parsed
            .verify(&key)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            verified.payload(),
            v["input"]["payload"].as_str().unwrap().as_bytes()
        );
    }
}

#[test]
fn rfc7520_4_4_hmac_is_refused_at_parse_and_its_key_at_load() {
    let v = vector("jose-cookbook-rfc7520/jws/4_4.hmac-sha2_integrity_protection.json");
    assert_eq!(
        Unverified::parse(v["output"]["compact"].as_str().unwrap()).unwrap_err(),
        Error::UnsupportedAlgorithm("HS256".to_owned())
    );
    assert!(Jwk::from_json(&v["input"]["key"]).is_err());
}

#[test]
fn rfc7520_3_jwk_examples_load_and_private_parts_are_recognised() {
    for (file, private) in [
        ("jose-cookbook-rfc7520/jwk/3_1.ec_public_key.json", false),
        ("jose-cookbook-rfc7520/jwk/3_2.ec_private_key.json", true),
        ("jose-cookbook-rfc7520/jwk/3_3.rsa_public_key.json", false),
        ("jose-cookbook-rfc7520/jwk/3_4.rsa_private_key.json", true),
    ] {
        let v = vector(file);
        let jwk = Jwk::from_json(&v).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(jwk.is_private(), private, "{file}");
        assert!(
            !jwk.to_public()
                .to_json()
                .as_object()
                .unwrap()
                .contains_key("d")
        );
    }
}

#[test]
fn rfc9449_examples_verify_with_their_embedded_key_and_thumbprint() {
    let v = vector("dpop-rfc9449/dpop_examples.json");
    let public = Jwk::from_json(&v["public_jwk"]).unwrap();
    assert_eq!(public.thumbprint(), v["expected_jwk_thumbprint_jkt"]);
    let ath = base64url::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        v["access_token"].as_str().unwrap().as_bytes(),
    ));
    assert_eq!(ath, v["expected_ath"]);
    for proof in v["proofs"].as_array().unwrap() {
        let parsed = Unverified::parse(proof["jwt"].as_str().unwrap()).unwrap();
        let embedded = parsed.unverified_header().jwk.clone().unwrap();
        assert_eq!(embedded.thumbprint(), v["expected_jwk_thumbprint_jkt"]);
        let key = VerifyingKey::from_jwk(&embedded).unwrap();
        let verified = parsed
            .verify(&key)
            .unwrap_or_else(|e| panic!("{}: {e}", proof["name"]));
        assert_eq!(verified.header().typ.as_deref(), Some("dpop+jwt"));
        let claims: Value = verified.claims().unwrap();
        assert_eq!(claims, proof["decoded_payload"], "{}", proof["name"]);
    }
}
