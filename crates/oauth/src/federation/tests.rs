use jose::{KeyKind, SigningKey};

use super::*;

const KID: &str = "did:web:nuts.example:iam:1#key-1";
const IDENTIFIER: &str = "https://nuts.example/oauth2/clinic";

fn listed(key: &SigningKey) -> Value {
    let mut jwk = key.public_jwk().to_json();
    jwk["kid"] = json!(KID);
    jwk
}

/// A statement as nuts-node writes it: `typ` as given, keys without `alg`.
fn nuts_statement(
    signer: &SigningKey,
    listed_key: &SigningKey,
    typ: Option<&str>,
    claims: Value,
) -> String {
    let mut jwk = listed(listed_key);
    jwk.as_object_mut().unwrap().remove("alg");
    let mut claims = claims;
    claims["jwks"] = json!({"keys": [jwk]});
    let mut header = Header::new(signer.algorithm());
    header.kid = Some(KID.into());
    header.typ = typ.map(str::to_owned);
    jose::jws::sign(header, claims.to_string().as_bytes(), signer).unwrap()
}

fn claims() -> Value {
    json!({"iss": IDENTIFIER, "sub": IDENTIFIER, "iat": 1000, "exp": 4600, "metadata": {}})
}

#[test]
fn nuts_shaped_statements_verify_with_typ_jwt_absent_or_entity_statement() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    for typ in [Some("JWT"), None, Some("entity-statement+jwt")] {
        let statement = verify(
            &nuts_statement(&key, &key, typ, claims()),
            IDENTIFIER,
            2000,
            5,
        )
        .unwrap();
        assert!(
            statement.lists(KID, &key.public_jwk().thumbprint()),
            "{typ:?}"
        );
        assert!(!statement.lists("other", &key.public_jwk().thumbprint()));
    }
    assert_eq!(
        verify(
            &nuts_statement(&key, &key, Some("dpop+jwt"), claims()),
            IDENTIFIER,
            2000,
            5
        ),
        Err(StatementError::Type("dpop+jwt".into()))
    );
}

#[test]
fn a_statement_signed_by_a_key_outside_its_jwks_is_refused() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let intruder = SigningKey::generate(KeyKind::P256).unwrap();
    assert_eq!(
        verify(
            &nuts_statement(&intruder, &key, Some("JWT"), claims()),
            IDENTIFIER,
            2000,
            5
        ),
        Err(StatementError::Signature)
    );
}

#[test]
fn iss_and_sub_are_the_identifier_it_was_fetched_for() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let mut other = claims();
    other["sub"] = json!("https://nuts.example/oauth2/other");
    assert_eq!(
        verify(
            &nuts_statement(&key, &key, None, other),
            IDENTIFIER,
            2000,
            5
        ),
        Err(StatementError::Identifier(IDENTIFIER.into()))
    );
}

#[test]
fn an_expired_or_future_statement_is_refused() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let jwt = nuts_statement(&key, &key, None, claims());
    assert!(verify(&jwt, IDENTIFIER, 4605, 5).is_ok(), "within the skew");
    assert_eq!(verify(&jwt, IDENTIFIER, 4606, 5), Err(StatementError::Time));
    assert_eq!(verify(&jwt, IDENTIFIER, 994, 5), Err(StatementError::Time));
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        verify(
            &nuts_statement(&key, &key, None, no_exp),
            IDENTIFIER,
            2000,
            5
        ),
        Err(StatementError::Time)
    );
}

#[test]
fn a_signed_statement_verifies_and_names_its_metadata() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let metadata = AuthorizationServerMetadata {
        issuer: IDENTIFIER.into(),
        ..AuthorizationServerMetadata::default()
    };
    let jwt = sign(IDENTIFIER, vec![listed(&key)], &metadata, KID, &key, 1000).unwrap();
    let parsed = Unverified::parse(&jwt).unwrap();
    assert_eq!(parsed.unverified_header().typ.as_deref(), Some(TYP));
    let payload: Value = serde_json::from_slice(parsed.unverified_payload()).unwrap();
    assert_eq!(payload["metadata"]["openid_provider"]["issuer"], IDENTIFIER);
    assert_eq!(payload["exp"], 1000 + VALIDITY);
    assert!(
        verify(&jwt, IDENTIFIER, 1000, 5)
            .unwrap()
            .lists(KID, &key.public_jwk().thumbprint())
    );
}
