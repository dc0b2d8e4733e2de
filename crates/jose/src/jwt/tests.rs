use serde_json::json;

use super::*;
use crate::Algorithm;
use crate::key::{KeyKind, SigningKey};

const NOW: i64 = 1_800_000_000;

fn claims(value: serde_json::Value) -> Claims {
    serde_json::from_value(value).unwrap()
}

#[test]
fn rfc7519_4_1_4_expired_token_is_refused_with_leeway() {
    let v = Validation::new(NOW, 5);
    assert_eq!(
        check_claims(&claims(json!({"exp": NOW - 6})), &v),
        Err(Error::Expired)
    );
    assert_eq!(
        check_claims(&claims(json!({"exp": NOW - 5})), &v),
        Err(Error::Expired)
    );
    assert!(check_claims(&claims(json!({"exp": NOW - 4})), &v).is_ok());
}

#[test]
fn rfc7519_4_1_5_not_before_in_the_future_is_refused() {
    let v = Validation::new(NOW, 5);
    let c = claims(json!({"exp": NOW + 60, "nbf": NOW + 6}));
    assert_eq!(check_claims(&c, &v), Err(Error::NotYetValid));
    assert!(check_claims(&claims(json!({"exp": NOW + 60, "nbf": NOW + 5})), &v).is_ok());
}

#[test]
fn rfc7519_4_1_6_issued_in_the_future_is_refused() {
    let v = Validation::new(NOW, 0);
    let c = claims(json!({"exp": NOW + 60, "iat": NOW + 1}));
    assert_eq!(check_claims(&c, &v), Err(Error::IssuedInFuture));
}

#[test]
fn exp_is_required_unless_waived() {
    let mut v = Validation::new(NOW, 0);
    assert_eq!(
        check_claims(&claims(json!({})), &v),
        Err(Error::MissingClaim("exp"))
    );
    v.require_exp = false;
    assert!(check_claims(&claims(json!({})), &v).is_ok());
}

#[test]
fn rfc7519_4_1_3_audience_string_or_array() {
    let mut v = Validation::new(NOW, 0);
    v.audience = Some("https://as.example/oauth2/a");
    let one = claims(json!({"exp": NOW + 1, "aud": "https://as.example/oauth2/a"}));
    let many = claims(json!({"exp": NOW + 1, "aud": ["x", "https://as.example/oauth2/a"]}));
    let wrong = claims(json!({"exp": NOW + 1, "aud": "https://as.example/oauth2/a/"}));
    let missing = claims(json!({"exp": NOW + 1}));
    assert!(check_claims(&one, &v).is_ok());
    assert!(check_claims(&many, &v).is_ok());
    assert_eq!(check_claims(&wrong, &v), Err(Error::WrongAudience));
    assert_eq!(check_claims(&missing, &v), Err(Error::WrongAudience));
}

#[test]
fn rfc7519_4_1_1_issuer() {
    let mut v = Validation::new(NOW, 0);
    v.issuer = Some("did:web:a");
    assert!(check_claims(&claims(json!({"exp": NOW + 1, "iss": "did:web:a"})), &v).is_ok());
    assert_eq!(
        check_claims(&claims(json!({"exp": NOW + 1, "iss": "did:web:b"})), &v),
        Err(Error::WrongIssuer)
    );
}

#[test]
fn rfc7519_2_fractional_numeric_dates_are_truncated() {
    let c = claims(json!({"exp": 1800000000.75, "iat": 1799999999}));
    assert_eq!(c.exp, Some(1_800_000_000));
    assert!(serde_json::from_value::<Claims>(json!({"exp": "tomorrow"})).is_err());
}

#[test]
fn sign_then_verify_checks_typ_and_claims() {
    let signer = SigningKey::generate(KeyKind::Ed25519).unwrap();
    let key = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("dpop+jwt".to_owned());
    let mut c = Claims {
        exp: Some(NOW + 60),
        jti: Some("j1".to_owned()),
        ..Claims::default()
    };
    c.other.insert("htm".to_owned(), json!("POST"));
    let compact = sign(header, &c, &signer).unwrap();

    let mut v = Validation::new(NOW, 0);
    v.typ = Some("dpop+jwt");
    let (header, verified) = verify(&compact, &key, &v).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    assert_eq!(verified, c);

    v.typ = Some("JWT");
    assert!(matches!(
        verify(&compact, &key, &v),
        Err(Error::WrongType { .. })
    ));
}
