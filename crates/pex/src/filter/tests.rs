#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;

#[test]
fn ecma_b_1_2_literal_braces_are_escaped() {
    assert_eq!(annex_b_braces("^[0-9]{10-12}$"), r"^[0-9]\{10-12\}$");
    assert_eq!(annex_b_braces("a{"), r"a\{");
    assert_eq!(annex_b_braces("a}"), r"a\}");
    assert_eq!(annex_b_braces("{x}"), r"\{x\}");
}

#[test]
fn ecma_b_1_2_quantifiers_and_escapes_are_unchanged() {
    for pattern in [
        "a{2}",
        "a{2,}",
        "a{2,5}",
        "[{}]",
        r"\{",
        r"\}",
        r"^[0-9.]+-\d+-\d+-S-(\d+)-00\.000-\d+$",
        "did:example:123|did:example:456",
    ] {
        assert!(
            matches!(annex_b_braces(pattern), std::borrow::Cow::Borrowed(_)),
            "{pattern}"
        );
    }
}

#[test]
fn pe_5_1_1_filter_with_annex_b_pattern_compiles_and_matches_literally() {
    let filter = compile_filter(&json!({"type": "string", "pattern": "^[0-9]{10-12}"})).unwrap();
    assert!(filter.is_valid(&json!("1{10-12}")));
    assert!(!filter.is_valid(&json!("1234567890")));
}

#[test]
fn pe_5_1_1_nested_patterns_are_normalized_but_const_values_are_not() {
    let schema = json!({
        "type": "array",
        "items": {"type": "string", "pattern": "^a{1-2}$"},
        "const": {"pattern": "{"}
    });
    let fixes = pattern_fixes(&schema);
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].1, r"^a\{1-2\}$");
}

#[test]
fn pe_10_1_filters_default_to_draft_2019_09() {
    // `dependentRequired` exists from 2019-09 on; draft-07 would ignore it.
    let filter = compile_filter(&json!({"dependentRequired": {"a": ["b"]}})).unwrap();
    assert!(!filter.is_valid(&json!({"a": 1})));
    assert!(filter.is_valid(&json!({"a": 1, "b": 2})));
}

#[test]
fn pe_10_1_filter_may_name_its_own_draft() {
    let filter = compile_filter(&json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "dependentRequired": {"a": ["b"]}
    }))
    .unwrap();
    assert!(filter.is_valid(&json!({"a": 1})));
}

#[test]
fn pe_5_1_1_filter_format_is_asserted() {
    let filter = compile_filter(&json!({"type": "string", "format": "date"})).unwrap();
    assert!(filter.is_valid(&json!("1980-07-13")));
    assert!(!filter.is_valid(&json!("07/13/80")));
}

#[test]
fn pe_5_1_1_filter_never_fetches_remote_references() {
    assert!(compile_filter(&json!({"$ref": "https://example.com/schema.json"})).is_err());
    assert!(compile_filter(&json!({"$ref": "file:///etc/passwd"})).is_err());
}

#[test]
fn pe_5_1_1_filter_local_references_work() {
    let filter = compile_filter(&json!({
        "$defs": {"s": {"type": "string"}},
        "$ref": "#/$defs/s"
    }))
    .unwrap();
    assert!(filter.is_valid(&json!("x")));
    assert!(!filter.is_valid(&json!(1)));
}

#[test]
fn hazel_single_capture_group_is_found() {
    let capture = single_capture(&json!({"pattern": r"^S-(\d+)-00$"})).unwrap();
    let captures = capture.captures("S-123-00").unwrap().unwrap();
    assert_eq!(captures.get(1).unwrap().as_str(), "123");
}

#[test]
fn hazel_no_or_several_capture_groups_give_no_capture() {
    assert!(single_capture(&json!({"pattern": "care"})).is_none());
    assert!(single_capture(&json!({"pattern": "(?:care)"})).is_none());
    assert!(single_capture(&json!({"pattern": "(a)(b)"})).is_none());
    assert!(single_capture(&json!({"type": "string"})).is_none());
    assert!(single_capture(&json!({"pattern": 1})).is_none());
}
