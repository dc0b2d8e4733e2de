use serde_json::json;

use super::*;

/// RFC 7638 §3.1: the example RSA key and its thumbprint.
#[test]
fn rfc7638_3_1_thumbprint_of_the_example_key() {
    let jwk = Jwk::from_json(&json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    }))
    .unwrap();
    assert_eq!(
        jwk.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn thumbprint_ignores_optional_members_and_private_parts() {
    let public = json!({"kty": "EC", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
    let mut private = public.clone();
    private["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    private["kid"] = json!("some-kid");
    private["use"] = json!("sig");
    let a = Jwk::from_json(&public).unwrap();
    let b = Jwk::from_json(&private).unwrap();
    assert_eq!(a.thumbprint(), b.thumbprint());
    assert!(b.is_private() && !b.to_public().is_private());
}

#[test]
fn round_trip_keeps_unknown_members() {
    let value = json!({"kty": "OKP", "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "k1", "use": "sig", "key_ops": ["verify"]});
    let jwk = Jwk::from_json(&value).unwrap();
    assert_eq!(jwk.to_json(), value);
}

#[test]
fn rfc7518_6_2_1_coordinates_must_have_full_length() {
    let error = Jwk::from_json(&json!({"kty": "EC", "crv": "P-256",
        "x": "AQID", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}))
    .unwrap_err();
    assert!(matches!(error, Error::InvalidKey(_)), "{error}");
}

#[test]
fn rfc7515_2_padded_or_standard_base64_is_refused() {
    // The legacy did:nuts documents use standard, padded base64; JOSE requires base64url.
    let error = Jwk::from_json(&json!({"kty": "EC", "crv": "P-256",
        "x": "iCpv6AGDpdYVZjniwklkL8A4DGNhBK/DngbpdDjjBlo=",
        "y": "27/qwElvfxhXtG2TDSO5LwReuFRwR+qydBdpQqu6H5M="}))
    .unwrap_err();
    assert!(matches!(error, Error::Base64("x")), "{error}");
}

#[test]
fn symmetric_unknown_and_weak_keys_are_refused() {
    for (value, needle) in [
        (
            json!({"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}),
            "symmetric",
        ),
        (
            json!({"kty": "OKP", "crv": "X25519", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}),
            "X25519",
        ),
        (
            json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}),
            "secp256k1",
        ),
        (json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}), "below"),
        (json!({"crv": "P-256"}), "kty"),
        (json!("not an object"), "object"),
    ] {
        let error = Jwk::from_json(&value).unwrap_err().to_string();
        assert!(error.contains(needle), "{value}: {error}");
    }
}

#[test]
fn debug_output_never_shows_private_members() {
    let jwk = Jwk::from_json(&json!({"kty": "OKP", "crv": "Ed25519",
        "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}))
    .unwrap();
    let debug = format!("{jwk:?}");
    assert!(!debug.contains("nWGxne"), "{debug}");
}
