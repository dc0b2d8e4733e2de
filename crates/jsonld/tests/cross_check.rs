//! Hazel's canonical N-Quads against pyld's (an independent JSON-LD + URDNA2015/RDFC-1.0
//! implementation), stored in tests/fixtures by generate.py: synthetic documents exercising
//! literals, lists, named graphs and blank-node cycles, and the signed documents of nuts-node's
//! vectors without their proofs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use jsonld::{Contexts, Limits, Strictness, canonicalize};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn nuts_vector(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/nuts-node")
        .join(path)
}

fn check(input: &Path, expected: &str) {
    let mut document: Value = serde_json::from_str(&std::fs::read_to_string(input).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    document.as_object_mut().unwrap().remove("proof");
    let canonical = canonicalize(
        &document,
        &Contexts::builtin(),
        &Limits::default(),
        Strictness::Strict,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let expected = std::fs::read_to_string(fixtures().join(expected)).unwrap();
    assert!(!expected.is_empty());
    assert_eq!(canonical, expected, "{}", input.display());
}

#[test]
fn synthetic_documents_match_pyld() {
    check(
        &fixtures().join("synthetic-features.json"),
        "synthetic-features.nq",
    );
    check(
        &fixtures().join("synthetic-blank-cycle.json"),
        "synthetic-blank-cycle.nq",
    );
}

#[test]
fn nuts_node_vectors_match_pyld() {
    for (name, path) in [
        (
            "nuts-orgcred_001",
            "jsonld/testsuite/fixtures/orgcred_001.ldjson",
        ),
        (
            "nuts-authcred_001",
            "jsonld/testsuite/fixtures/authcred_001.ldjson",
        ),
        (
            "nuts-selfsigned-vc",
            "auth/services/selfsigned/test/vc.json",
        ),
        (
            "nuts-selfsigned-vp",
            "auth/services/selfsigned/test/vp.json",
        ),
        ("nuts-test-assets-vc", "vcr/assets/test_assets/vc.json"),
    ] {
        check(&nuts_vector(path), &format!("{name}.nq"));
    }
}
