#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn rfc6749_5_2_codes_round_trip_through_json() {
    for code in [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidClient,
        ErrorCode::InvalidScope,
        ErrorCode::InvalidDpopProof,
        ErrorCode::ServerError,
    ] {
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
    }
}

#[test]
fn unknown_remote_code_is_kept_as_extension() {
    let parsed: ErrorCode = serde_json::from_str("\"vendor_specific\"").unwrap();
    assert_eq!(parsed, ErrorCode::Extension("vendor_specific".into()));
    assert_eq!(parsed.as_str(), "vendor_specific");
}

#[test]
fn rfc6749_5_2_description_is_restricted_to_allowed_characters() {
    let response = ErrorResponse::new(ErrorCode::InvalidRequest, "bad \"scope\"\n\\ é");
    let description = response.error_description.unwrap();
    assert!(
        description.chars().all(is_description_char),
        "{description}"
    );
    assert_eq!(description, "bad  scope");
}

#[test]
fn empty_description_is_left_out() {
    let response = ErrorResponse::new(ErrorCode::ServerError, "  ");
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        serde_json::json!({"error": "server_error"})
    );
}

#[test]
fn a_remote_error_is_read_bounded_and_printable() {
    let read =
        ErrorResponse::from_remote(br#"{"error":"invalid_scope","error_description":"not found"}"#)
            .unwrap();
    assert_eq!(read.error(), &ErrorCode::InvalidScope);
    assert_eq!(read.to_string(), "invalid_scope - not found");
    assert_eq!(
        ErrorResponse::from_remote(br#"{"error":"x"}"#)
            .unwrap()
            .to_string(),
        "x"
    );
    let long = format!(
        r#"{{"error":"e","error_description":"{}\n"}}"#,
        "a".repeat(1000)
    );
    let mapped = ErrorResponse::from_remote(long.as_bytes())
        .unwrap()
        .to_string();
    assert!(mapped.len() < 320 && !mapped.contains('\n'), "{mapped}");
    assert_eq!(ErrorResponse::from_remote(b"<html>"), None);
    assert_eq!(ErrorResponse::from_remote(br#"{"error":""}"#), None);
}
