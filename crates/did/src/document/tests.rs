#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::Did;

fn document() -> Document {
    serde_json::from_value(json!({
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": "did:web:example.com",
        "verificationMethod": [
            {"id": "did:web:example.com#signing", "type": "JsonWebKey2020",
             "controller": "did:web:example.com",
             "publicKeyJwk": {"kty": "EC", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}},
            {"id": "#relative", "type": "JsonWebKey2020", "controller": "did:web:example.com",
             "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
            {"id": "did:web:example.com#agreement", "type": "JsonWebKey2020",
             "controller": "did:web:example.com",
             "publicKeyJwk": {"kty": "OKP", "crv": "X25519",
                "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}}
        ],
        "assertionMethod": ["did:web:example.com#signing", "#relative"],
        "authentication": [
            {"id": "did:web:example.com#embedded", "type": "JsonWebKey2020",
             "controller": "did:web:example.com",
             "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}
        ],
        "keyAgreement": ["did:web:example.com#agreement"],
        "service": [{"id": "#api", "type": "api", "serviceEndpoint": "https://example.com/api"}],
        "alsoKnownAs": ["https://example.com"]
    }))
    .unwrap()
}

fn url(text: &str) -> DidUrl {
    DidUrl::parse(text).unwrap()
}

#[test]
fn did_core_5_3_key_is_found_under_its_relationship() {
    let doc = document();
    let jwk = doc
        .key_for(
            &url("did:web:example.com#signing"),
            Relationship::AssertionMethod,
        )
        .unwrap();
    assert_eq!(jwk.kid.as_deref(), Some("did:web:example.com#signing"));
    assert_eq!(jwk.describe(), "EC P-256");
}

#[test]
fn did_core_5_3_key_outside_the_relationship_is_not_authorized() {
    let error = document()
        .key_for(
            &url("did:web:example.com#signing"),
            Relationship::Authentication,
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotAuthorized {
                relationship: "authentication",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn relative_ids_and_embedded_methods_resolve() {
    let doc = document();
    assert!(
        doc.key_for(
            &url("did:web:example.com#relative"),
            Relationship::AssertionMethod
        )
        .is_ok()
    );
    assert!(
        doc.key_for(
            &url("did:web:example.com#embedded"),
            Relationship::Authentication
        )
        .is_ok()
    );
    assert!(matches!(
        doc.key_for(
            &url("did:web:example.com#embedded"),
            Relationship::AssertionMethod
        ),
        Err(Error::KeyNotFound(_))
    ));
}

#[test]
fn keys_of_other_dids_or_without_fragment_are_not_found() {
    let doc = document();
    for kid in ["did:web:other.example#signing", "did:web:example.com"] {
        assert!(matches!(
            doc.key_for(&url(kid), Relationship::AssertionMethod),
            Err(Error::KeyNotFound(_))
        ));
    }
}

#[test]
fn unusable_key_types_do_not_break_the_document_only_their_use() {
    let error = document()
        .key_for(
            &url("did:web:example.com#agreement"),
            Relationship::KeyAgreement,
        )
        .unwrap_err();
    assert!(matches!(error, Error::InvalidKey { .. }), "{error}");
}

#[test]
fn round_trip_keeps_unknown_members() {
    let doc = document();
    let again: Document = serde_json::from_value(serde_json::to_value(&doc).unwrap()).unwrap();
    assert_eq!(again, doc);
    assert!(again.other.contains_key("alsoKnownAs"));
}

#[test]
fn did_core_7_1_2_document_must_be_for_the_resolved_did() {
    let bytes = serde_json::to_vec(&document()).unwrap();
    assert!(Document::parse_for(&Did::parse("did:web:example.com").unwrap(), &bytes).is_ok());
    let error = Document::parse_for(&Did::parse("did:web:evil.example").unwrap(), &bytes);
    assert!(matches!(error, Err(Error::InvalidDocument(_))));
    assert!(Document::parse_for(&Did::parse("did:web:a").unwrap(), b"[1]").is_err());
}

#[test]
fn published_private_keys_are_refused() {
    let mut doc = document();
    doc.verification_method[0].public_key_jwk.as_mut().unwrap()["d"] =
        json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    let error = doc
        .key_for(
            &url("did:web:example.com#signing"),
            Relationship::AssertionMethod,
        )
        .unwrap_err();
    assert!(error.to_string().contains("private"), "{error}");
}

/// Issue 23, finding 2: a fetched document is kept without what Hazel does not read, and its
/// size in memory is what a cache counts.
#[test]
fn regression_23_a_kept_document_holds_only_what_is_read() {
    let mut doc = document();
    let padding = json!("p".repeat(10_000));
    doc.other.insert("padding".into(), padding.clone());
    doc.verification_method[0]
        .other
        .insert("padding".into(), padding.clone());
    let jwk = doc.verification_method[0].public_key_jwk.as_mut().unwrap();
    jwk["padding"] = padding.clone();
    jwk["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    let mut embedded = doc.verification_method[1].clone();
    embedded.other.insert("padding".into(), padding);
    doc.authentication.push(MethodRef::Embedded(embedded));
    let before = doc.heap_size();
    assert!(before > 40_000, "{before}");

    let kept = doc.without_unknown_members();
    assert!(kept.other.is_empty());
    let method = &kept.verification_method[0];
    assert!(method.other.is_empty());
    let jwk = method.public_key_jwk.as_ref().unwrap();
    assert!(jwk.get("padding").is_none());
    assert_eq!(jwk["x"], "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    assert!(
        jwk.get("d").is_some(),
        "a published private key is still seen"
    );
    let Some(MethodRef::Embedded(embedded)) = kept.authentication.last() else {
        panic!("the embedded method stays");
    };
    assert!(embedded.other.is_empty());
    let after = kept.heap_size();
    assert!(after < 10_000, "{after}");
    // Parsed, a document takes several times its text: the count is of the parsed form.
    assert!(after > serde_json::to_vec(&kept).unwrap().len(), "{after}");
}
