use serde_json::{Value, json};

use super::*;

fn strict(document: &Value) -> Result<String, Error> {
    canonicalize(
        document,
        &Contexts::builtin(),
        &Limits::default(),
        Strictness::Strict,
    )
}

fn lenient(document: &Value) -> Result<String, Error> {
    canonicalize(
        document,
        &Contexts::builtin(),
        &Limits::default(),
        Strictness::Lenient,
    )
}

fn organization_credential() -> Value {
    json!({
        "@context": [
            "https://nuts.nl/credentials/v1",
            "https://www.w3.org/2018/credentials/v1"
        ],
        "id": "did:web:example.com#1",
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": "did:web:example.com",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:web:example.com",
            "organization": {"name": "Zorg B.V.", "city": "Utrecht"}
        }
    })
}

#[test]
fn member_order_and_array_order_do_not_change_the_canonical_form() {
    let canonical = strict(&organization_credential()).unwrap();
    let reordered = json!({
        "credentialSubject": {
            "organization": {"city": "Utrecht", "name": "Zorg B.V."},
            "id": "did:web:example.com"
        },
        "issuanceDate": "2024-01-01T00:00:00Z",
        "issuer": "did:web:example.com",
        "type": ["NutsOrganizationCredential", "VerifiableCredential"],
        "id": "did:web:example.com#1",
        "@context": [
            "https://nuts.nl/credentials/v1",
            "https://www.w3.org/2018/credentials/v1"
        ]
    });
    assert_eq!(strict(&reordered).unwrap(), canonical);
    assert!(canonical.contains("<http://schema.org/legalname> \"Zorg B.V.\""));
    assert_eq!(canonical.lines().count(), 8, "{canonical}");
}

#[test]
fn a_changed_claim_changes_the_canonical_form() {
    let mut changed = organization_credential();
    changed["credentialSubject"]["organization"]["city"] = json!("Amsterdam");
    assert_ne!(
        strict(&changed).unwrap(),
        strict(&organization_credential()).unwrap()
    );
}

#[test]
fn an_undefined_term_is_refused_when_strict_and_dropped_when_lenient() {
    let mut top = organization_credential();
    top["unsignedClaim"] = json!("would vanish");
    assert_eq!(
        strict(&top).unwrap_err(),
        Error::UndefinedTerm("unsignedClaim".to_owned())
    );
    // What the lenient (JSON-LD default) processing does, and why strict is needed: the claim is
    // not in the dataset a signature covers.
    assert_eq!(
        lenient(&top).unwrap(),
        strict(&organization_credential()).unwrap()
    );

    let mut nested = organization_credential();
    nested["credentialSubject"]["organization"]["rating"] = json!(5);
    assert_eq!(
        strict(&nested).unwrap_err(),
        Error::UndefinedTerm("rating".to_owned())
    );
}

#[test]
fn relative_identifiers_and_undefined_types_are_refused_when_strict() {
    let mut relative_subject = organization_credential();
    relative_subject["credentialSubject"]["id"] = json!("not-absolute");
    assert_eq!(
        strict(&relative_subject).unwrap_err(),
        Error::RelativeIri("not-absolute".to_owned())
    );

    // Without the Nuts context, whose `@base` would make the type absolute.
    let mut undefined_type = organization_credential();
    undefined_type["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    undefined_type["credentialSubject"] = json!({"id": "did:web:example.com"});
    undefined_type["type"] = json!(["VerifiableCredential", "MadeUpCredential"]);
    let error = strict(&undefined_type);
    assert!(
        matches!(&error, Err(Error::Expansion(reason)) if reason.contains("@type")),
        "{error:?}"
    );
    // Lenient processing drops the triple, as json-gold does.
    assert!(lenient(&undefined_type).is_ok());
}

#[test]
fn an_unknown_context_is_refused_by_url() {
    let mut document = organization_credential();
    document["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://attacker.example/context.jsonld"
    ]);
    assert_eq!(
        strict(&document).unwrap_err(),
        Error::UnknownContext("https://attacker.example/context.jsonld".to_owned())
    );
    let mut embedded = organization_credential();
    embedded["@context"] = json!([{"@import": "https://attacker.example/ctx"}]);
    assert_eq!(
        strict(&embedded).unwrap_err(),
        Error::UnknownContext("https://attacker.example/ctx".to_owned())
    );
}

#[test]
fn a_context_added_by_configuration_is_used() {
    let mut contexts = Contexts::builtin();
    contexts
        .insert(
            "https://example.org/extra/v1",
            r#"{"@context": {"rating": "https://example.org/extra#rating"}}"#,
        )
        .unwrap();
    let mut document = organization_credential();
    document["@context"] = json!([
        "https://nuts.nl/credentials/v1",
        "https://www.w3.org/2018/credentials/v1",
        "https://example.org/extra/v1"
    ]);
    document["rating"] = json!("A");
    let canonical =
        canonicalize(&document, &contexts, &Limits::default(), Strictness::Strict).unwrap();
    assert!(canonical.contains("<https://example.org/extra#rating> \"A\""));
}

#[test]
fn size_limits_refuse_large_documents() {
    let document = organization_credential();
    let tight = |limits: Limits| {
        canonicalize(&document, &Contexts::builtin(), &limits, Strictness::Strict).unwrap_err()
    };
    let defaults = Limits::default();
    assert!(matches!(
        tight(Limits { max_bytes: 100, ..defaults }),
        Error::TooLarge(reason) if reason.contains("bytes")
    ));
    assert!(matches!(
        tight(Limits { max_quads: 3, ..defaults }),
        Error::TooLarge(reason) if reason.contains("quads")
    ));
    let with_blank_nodes = |count: usize| {
        json!({
            "@context": {"ex": "https://example.org/vocab#", "item": "ex:item", "n": "ex:n"},
            "@id": "https://example.org/list",
            "item": (0..count).map(|n| json!({"n": n})).collect::<Vec<_>>()
        })
    };
    assert!(matches!(
        strict(&with_blank_nodes(Limits::default().max_blank_nodes + 1)).unwrap_err(),
        Error::TooLarge(reason) if reason.contains("blank nodes")
    ));
    assert!(strict(&with_blank_nodes(10)).is_ok());
}

/// Every node linked to every other: all blank nodes look alike, and RDFC-1.0 must try their
/// permutations. The call limit stops it.
#[test]
fn a_poison_graph_is_refused_at_the_hash_n_degree_quads_limit() {
    let nodes = 10;
    let graph: Vec<Value> = (0..nodes)
        .map(|i| {
            let others: Vec<String> = (0..nodes)
                .filter(|j| *j != i)
                .map(|j| format!("_:n{j}"))
                .collect();
            json!({"@id": format!("_:n{i}"), "link": others})
        })
        .collect();
    let document = json!({
        "@context": {"link": {"@id": "https://example.org/vocab#link", "@type": "@id"}},
        "@graph": graph
    });
    let error = strict(&document).unwrap_err();
    assert!(
        matches!(&error, Error::TooLarge(reason) if reason.contains("hash-n-degree-quads")),
        "{error}"
    );
}

#[test]
fn control_characters_that_implementations_escape_differently_are_refused() {
    let mut document = organization_credential();
    document["credentialSubject"]["organization"]["name"] = json!("bell\u{0007}");
    assert!(matches!(
        strict(&document).unwrap_err(),
        Error::Canonicalization(reason) if reason.contains("control character")
    ));
    document["credentialSubject"]["organization"]["name"] = json!("tab\tand\nnewline");
    assert!(strict(&document).is_ok());
}

#[test]
fn remembered_canonical_forms_equal_computed_ones_and_keep_refusals() {
    let contexts = Contexts::builtin();
    let document = organization_credential();
    let computed = strict(&document).unwrap();
    let remembered = || {
        canonicalize_remembered(&document, &contexts, &Limits::default(), Strictness::Strict)
            .unwrap()
    };
    let first = remembered();
    assert_eq!(first.as_str(), computed);
    // Issue 23, finding 9: nothing is kept until the caller says the form served (a signature
    // verified).
    assert_eq!(contexts.cache_stats()[1].1.snapshot().entries, 0);
    first.keep(&contexts);
    let second = remembered();
    assert_eq!(second.as_str(), computed);
    let stats = contexts.cache_stats()[1].1.snapshot();
    assert_eq!(
        (stats.entries, stats.hits),
        (1, 1),
        "second call is a cache hit"
    );
    assert_eq!(stats.bytes, computed.len() as u64, "kept by its size");
    // Another strictness or tighter limits are other entries: a refusal is not hidden by a hit.
    let mut undefined = document.clone();
    undefined["unsignedClaim"] = json!("x");
    assert!(
        canonicalize_remembered(
            &undefined,
            &contexts,
            &Limits::default(),
            Strictness::Lenient
        )
        .is_ok()
    );
    assert!(
        canonicalize_remembered(
            &undefined,
            &contexts,
            &Limits::default(),
            Strictness::Strict
        )
        .is_err()
    );
    let tight = Limits {
        max_quads: 3,
        ..Limits::default()
    };
    assert!(canonicalize_remembered(&document, &contexts, &tight, Strictness::Strict).is_err());
}

fn nested(levels: usize) -> Value {
    let mut nested = json!({"n": "leaf"});
    for _ in 1..levels {
        nested = json!({"n": nested});
    }
    nested["@context"] = json!({"n": "https://example.org/vocab#n"});
    nested
}

#[test]
fn deep_nesting_is_refused_before_it_can_exhaust_the_stack() {
    // Up to the limit it works, on a test thread's 2 MiB stack in a debug build.
    let limit = Limits::default().max_depth;
    let canonical = strict(&nested(limit)).unwrap();
    assert_eq!(canonical.lines().count(), limit);
    // As deep as serde_json parses (128 levels): refused, not a stack overflow.
    assert!(matches!(
        strict(&nested(120)).unwrap_err(),
        Error::TooLarge(reason) if reason.contains("nested 120 levels")
    ));
}

#[test]
fn top_level_values_that_are_not_nodes_give_an_empty_dataset_or_an_error() {
    // JSON-LD 1.1 API §5.1.2: a top-level scalar or empty array expands to nothing.
    for empty in [json!([]), json!("text"), json!(null), json!(5)] {
        assert_eq!(strict(&empty).unwrap(), "", "{empty}");
    }
    assert!(matches!(
        strict(&json!({"@context": 5})).unwrap_err(),
        Error::Expansion(reason) if reason.contains("invalid @context")
    ));
}

#[test]
fn replacing_a_context_forgets_what_was_processed_with_it() {
    let url = "https://example.org/extra/v1";
    let mut contexts = Contexts::builtin();
    contexts
        .insert(
            url,
            r#"{"@context": {"rating": "https://example.org/old#rating"}}"#,
        )
        .unwrap();
    let document = json!({"@context": url, "@id": "https://example.org/x", "rating": "A"});
    let remembered = |contexts: &Contexts| {
        let form =
            canonicalize_remembered(&document, contexts, &Limits::default(), Strictness::Strict)
                .unwrap();
        form.keep(contexts);
        form.as_str().to_owned()
    };
    assert!(remembered(&contexts).contains("/old#rating"));
    assert!(remembered(&contexts).contains("/old#rating"));
    contexts
        .insert(
            url,
            r#"{"@context": {"rating": "https://example.org/new#rating"}}"#,
        )
        .unwrap();
    assert!(remembered(&contexts).contains("/new#rating"));
}
