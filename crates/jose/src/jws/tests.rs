use serde_json::json;

use super::*;
use crate::key::{KeyKind, SigningKey};

fn p256() -> (SigningKey, VerifyingKey) {
    let signer = SigningKey::generate(KeyKind::P256)
        .unwrap()
        .with_kid("did:example:1#k");
    let verifier = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
    (signer, verifier)
}

fn compact_with_header(header: serde_json::Value, signer: &SigningKey) -> String {
    let header = base64url::encode(header.to_string());
    let payload = base64url::encode(b"{}");
    let input = format!("{header}.{payload}");
    let signature = signer.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", base64url::encode(signature))
}

#[test]
fn sign_and_verify_with_every_generated_kind() {
    for kind in [
        KeyKind::P256,
        KeyKind::P384,
        KeyKind::P521,
        KeyKind::Ed25519,
        KeyKind::Rsa2048,
    ] {
        let signer = SigningKey::generate(kind).unwrap();
        let verifier = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
        let compact = sign(Header::new(kind.algorithm()), b"hello", &signer).unwrap();
        let verified = Unverified::parse(&compact)
            .unwrap()
            .verify(&verifier)
            .unwrap();
        assert_eq!(verified.payload(), b"hello", "{kind:?}");
        assert_eq!(verified.header().alg, kind.algorithm());
    }
}

#[test]
fn sign_puts_the_signers_kid_in_the_header() {
    let (signer, _) = p256();
    let compact = sign(Header::new(Algorithm::ES256), b"x", &signer).unwrap();
    let parsed = Unverified::parse(&compact).unwrap();
    assert_eq!(
        parsed.unverified_header().kid.as_deref(),
        Some("did:example:1#k")
    );
}

#[test]
fn rfc7515_5_2_tampered_payload_fails() {
    let (signer, verifier) = p256();
    let compact = sign(Header::new(Algorithm::ES256), b"{\"a\":1}", &signer).unwrap();
    let mut parts: Vec<&str> = compact.split('.').collect();
    let tampered = base64url::encode(b"{\"a\":2}");
    parts[1] = &tampered;
    let error = Unverified::parse(&parts.join("."))
        .unwrap()
        .verify(&verifier)
        .unwrap_err();
    assert_eq!(error, Error::BadSignature);
}

#[test]
fn signature_by_another_key_fails() {
    let (signer, _) = p256();
    let (_, other) = p256();
    let compact = sign(Header::new(Algorithm::ES256), b"x", &signer).unwrap();
    assert_eq!(
        Unverified::parse(&compact)
            .unwrap()
            .verify(&other)
            .unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn rfc8725_3_1_alg_none_and_hmac_are_refused() {
    for alg in ["none", "HS256", "HS512", "RSA-OAEP", "ES256K"] {
        let header = base64url::encode(json!({"alg": alg}).to_string());
        let compact = format!("{header}.e30.");
        assert_eq!(
            Unverified::parse(&compact).unwrap_err(),
            Error::UnsupportedAlgorithm(alg.to_owned())
        );
    }
}

#[test]
fn rfc8725_3_1_header_cannot_switch_the_algorithm_of_a_key() {
    let (signer, verifier) = p256();
    // An ES256 key asked to verify as ES384, EdDSA or PS256 refuses before any math.
    for alg in ["ES384", "EdDSA", "PS256", "RS256"] {
        let compact = compact_with_header(json!({"alg": alg}), &signer);
        let error = Unverified::parse(&compact)
            .unwrap()
            .verify(&verifier)
            .unwrap_err();
        assert!(
            matches!(error, Error::AlgorithmKeyMismatch { .. }),
            "{alg}: {error}"
        );
    }
}

#[test]
fn curve_must_match_alg() {
    let signer = SigningKey::generate(KeyKind::P384).unwrap();
    let verifier = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
    let compact = compact_with_header(json!({"alg": "ES256"}), &signer);
    assert!(matches!(
        Unverified::parse(&compact).unwrap().verify(&verifier),
        Err(Error::AlgorithmKeyMismatch { alg: "ES256", .. })
    ));
}

#[test]
fn rfc7517_4_4_jwk_alg_member_restricts_the_key() {
    let signer = SigningKey::generate(KeyKind::Rsa2048).unwrap();
    let mut jwk = signer.public_jwk().clone();
    jwk.alg = Some("PS256".to_owned());
    let verifier = VerifyingKey::from_jwk(&jwk).unwrap();
    assert_eq!(
        verifier.check_algorithm(Algorithm::RS256).unwrap_err(),
        Error::KeyAlgorithmMismatch("RS256")
    );
    assert!(verifier.check_algorithm(Algorithm::PS256).is_ok());
}

#[test]
fn rfc7515_4_1_11_crit_is_refused() {
    let (signer, _) = p256();
    let compact = compact_with_header(json!({"alg": "ES256", "crit": ["exp"], "exp": 1}), &signer);
    assert_eq!(
        Unverified::parse(&compact).unwrap_err(),
        Error::CriticalHeader("exp".to_owned())
    );
    let compact = compact_with_header(json!({"alg": "ES256", "crit": []}), &signer);
    assert!(matches!(
        Unverified::parse(&compact),
        Err(Error::CriticalHeader(_))
    ));
}

#[test]
fn malformed_compact_serializations_are_refused() {
    for input in [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.e30.",
        "e30.e30.e30",
        "bnVsbA.e30.AA",
    ] {
        assert!(Unverified::parse(input).is_err(), "{input:?} parsed");
    }
    assert!(matches!(Unverified::parse("a.b"), Err(Error::Malformed)));
    let no_alg = format!("{}.e30.AA", base64url::encode(b"{\"typ\":\"JWT\"}"));
    assert!(matches!(Unverified::parse(&no_alg), Err(Error::Header(_))));
}

#[test]
fn verification_only_algorithms_cannot_sign() {
    assert!(!Algorithm::RS256.can_sign());
    assert!(Algorithm::PS256.can_sign());
}

#[test]
fn compressed_and_uncompressed_sec1_points_give_the_same_jwk() {
    use crate::jwk::{EcCurve, KeyParams};
    use crate::key::ec_jwk_from_sec1;

    let signer = SigningKey::generate(KeyKind::P256).unwrap();
    let KeyParams::Ec { x, y, .. } = &signer.public_jwk().params else {
        panic!("not EC")
    };
    let mut uncompressed = vec![0x04];
    uncompressed.extend_from_slice(x);
    uncompressed.extend_from_slice(y);
    let mut compressed = vec![if y[31] & 1 == 1 { 0x03 } else { 0x02 }];
    compressed.extend_from_slice(x);
    let a = ec_jwk_from_sec1(EcCurve::P256, &uncompressed).unwrap();
    let b = ec_jwk_from_sec1(EcCurve::P256, &compressed).unwrap();
    assert_eq!(a.thumbprint(), signer.public_jwk().thumbprint());
    assert_eq!(b.thumbprint(), signer.public_jwk().thumbprint());

    let wrong_parity = {
        let mut p = compressed.clone();
        p[0] ^= 0x01;
        ec_jwk_from_sec1(EcCurve::P256, &p).unwrap()
    };
    assert_ne!(wrong_parity.thumbprint(), a.thumbprint());
    assert!(ec_jwk_from_sec1(EcCurve::P256, &[0x05; 33]).is_err());
    assert!(ec_jwk_from_sec1(EcCurve::P384, &compressed).is_err());
}

#[test]
fn detached_unencoded_round_trip_and_rejections() {
    let (signer, verifier) = p256();
    let payload = [7u8; 64];
    let jws = sign_detached_unencoded(Header::new(Algorithm::ES256), &payload, &signer).unwrap();
    let (header_b64, rest) = jws.split_once("..").unwrap();
    assert!(!rest.contains('.'));
    let header: serde_json::Value =
        serde_json::from_slice(&base64url::decode(header_b64, "h").unwrap()).unwrap();
    assert_eq!(header["b64"], json!(false));
    assert_eq!(header["crit"], json!(["b64"]));
    assert_eq!(header["kid"], json!("did:example:1#k"));

    let parsed = DetachedUnencoded::parse(&jws).unwrap();
    parsed.verify(&verifier, &payload).unwrap();
    let mut other = payload;
    other[0] ^= 1;
    assert_eq!(
        parsed.verify(&verifier, &other).unwrap_err(),
        Error::BadSignature
    );
    let (_, wrong_key) = p256();
    assert!(parsed.verify(&wrong_key, &payload).is_err());

    // Not detached, or detached with an encoded payload, or another critical extension.
    assert!(DetachedUnencoded::parse("a.b.c").is_err());
    let encoded = base64url::encode(json!({"alg": "ES256"}).to_string());
    assert!(DetachedUnencoded::parse(&format!("{encoded}..{}", rest)).is_err());
    let b64_not_critical = base64url::encode(json!({"alg": "ES256", "b64": false}).to_string());
    assert!(DetachedUnencoded::parse(&format!("{b64_not_critical}..{rest}")).is_err());
    let unknown_crit = base64url::encode(
        json!({"alg": "ES256", "b64": false, "crit": ["b64", "exp"]}).to_string(),
    );
    assert_eq!(
        DetachedUnencoded::parse(&format!("{unknown_crit}..{rest}")).unwrap_err(),
        Error::CriticalHeader("exp".to_owned())
    );
    // The compact form still understands no `crit` at all.
    let compact = compact_with_header(
        json!({"alg": "ES256", "b64": false, "crit": ["b64"]}),
        &signer,
    );
    assert!(matches!(
        Unverified::parse(&compact).unwrap_err(),
        Error::CriticalHeader(name) if name == "b64"
    ));
}
