//! JSON-LD document → RDF dataset → canonical N-Quads (RDFC-1.0).
//!
//! Processing follows nuts-node (json-gold with `URDNA2015`, no base IRI) so that signatures made by
//! either verify in the other: triples whose subject, predicate or object is not an absolute IRI
//! are left out of the dataset, as JSON-LD 1.1 API §8.2 requires. In [`Strictness::Strict`] such a
//! member, and any member no context defines, makes the document fail instead, since what is left
//! out of the dataset is not covered by the signature.

use std::collections::HashSet;
use std::sync::Arc;

use json_ld::expansion::Expand;
use json_ld::rdf::RdfQuads;
use json_ld::rdf_types::generator::Blank;
use json_ld::rdf_types::{self, LiteralType};
use oxrdf::{BlankNode, Dataset, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use rdf_canon::{CanonicalizationError, CanonicalizationOptions};
use serde_json::Value;

use crate::{Contexts, Error};

/// Bounds on the work one document may cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The document's size as compact JSON, bytes.
    pub max_bytes: usize,
    /// Nesting of JSON objects and arrays. JSON-LD expansion recurses per level, so this bounds
    /// its stack use; credentials nest about ten levels.
    pub max_depth: usize,
    /// Quads in the dataset.
    pub max_quads: usize,
    /// Distinct blank nodes in the dataset.
    pub max_blank_nodes: usize,
    /// Calls to RDFC-1.0's Hash N-Degree Quads, the step whose cost grows factorially with
    /// indistinguishable blank nodes (RDFC-1.0 §4.8, "poison graphs").
    pub max_hndq_calls: usize,
}

impl Default for Limits {
    /// Room for a presentation of ten credentials many times over; far below what makes
    /// canonicalization slow.
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024,
            max_depth: 32,
            max_quads: 4096,
            max_blank_nodes: 512,
            max_hndq_calls: 2048,
        }
    }
}

/// Whether members that would not reach the dataset are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Undefined terms and relative IRIs are errors. For the documents a proof covers.
    Strict,
    /// JSON-LD's defaults: such members are dropped. Only for the proof options, which are built
    /// from known members and whose `verificationMethod` the verifier checks on its own.
    Lenient,
}

/// The canonical N-Quads of `document` (RDFC-1.0 §4.4 with SHA-256), the input a JSON-LD proof
/// hashes.
pub fn canonicalize(
    document: &Value,
    contexts: &Contexts,
    limits: &Limits,
    strictness: Strictness,
) -> Result<String, Error> {
    check_size(json_size(document), limits)?;
    canonicalize_sized(document, contexts, limits, strictness)
}

fn check_size(size: usize, limits: &Limits) -> Result<(), Error> {
    if size > limits.max_bytes {
        return Err(Error::TooLarge(format!(
            "{size} bytes, more than {}",
            limits.max_bytes
        )));
    }
    Ok(())
}

/// [`canonicalize`] once the size is known to be within the limit.
fn canonicalize_sized(
    document: &Value,
    contexts: &Contexts,
    limits: &Limits,
    strictness: Strictness,
) -> Result<String, Error> {
    let depth = json_depth(document);
    if depth > limits.max_depth {
        return Err(Error::TooLarge(format!(
            "nested {depth} levels deep, more than {}",
            limits.max_depth
        )));
    }
    check_contexts_held(document, contexts)?;
    // JSON-LD expansion recurses through nested futures and needs about 150 KiB of stack per
    // level of nesting: more than a runtime worker thread may have left. It runs on a thread of
    // its own with room for `max_depth` levels; a panic there is an error, not a crash.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("jsonld".to_owned())
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, || {
                let dataset = to_dataset(document, contexts, limits, strictness)?;
                let options = CanonicalizationOptions {
                    hndq_call_limit: Some(limits.max_hndq_calls),
                };
                rdf_canon::canonicalize_with::<sha2::Sha256>(&dataset, &options).map_err(|error| {
                    match error {
                        CanonicalizationError::HndqCallLimitExceeded(limit) => {
                            Error::TooLarge(format!(
                                "blank nodes need more than {limit} hash-n-degree-quads steps to tell apart"
                            ))
                        }
                        other => Error::Canonicalization(other.to_string()),
                    }
                })
            })
            .map_err(|e| Error::Canonicalization(format!("no worker thread: {e}")))?
            .join()
            .map_err(|_| Error::Canonicalization("JSON-LD processing panicked".to_owned()))?
    })
}

/// Stack of the canonicalization thread: reserved address space, touched only as deep as a
/// document nests (`max_depth` levels need about 5 MiB).
const WORKER_STACK: usize = 32 * 1024 * 1024;

/// A canonical form that may be kept for later: what [`canonicalize_remembered`] found in the
/// store, or computed and will keep only when told to ([`Remembered::keep`]), once what it was
/// computed for (a signature check) has succeeded. A form is never kept for a document whose
/// proof did not verify: anyone can send those, and they would push out the forms of
/// credentials that are really presented again.
#[derive(Debug, Clone)]
pub struct Remembered {
    canonical: Arc<str>,
    key: Option<[u8; 32]>,
}

impl Remembered {
    /// A form that is not to be kept.
    pub fn transient(canonical: Arc<str>) -> Self {
        Self {
            canonical,
            key: None,
        }
    }

    /// The canonical N-Quads.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// Keeps the form in `contexts`' store, when it was computed rather than found there.
    pub fn keep(&self, contexts: &Contexts) {
        if let Some(key) = self.key {
            contexts.remember(key, self.canonical.clone());
        }
    }
}

/// As [`canonicalize`], from the store of forms remembered for this exact document, limits and
/// strictness when it is there; a computed form is kept only by [`Remembered::keep`]. For what is
/// verified again and again: a credential is presented with every token request, while a
/// presentation is signed once and not worth remembering.
pub fn canonicalize_remembered(
    document: &Value,
    contexts: &Contexts,
    limits: &Limits,
    strictness: Strictness,
) -> Result<Remembered, Error> {
    use sha2::Digest;
    let bytes = serde_json::to_vec(document)
        .map_err(|e| Error::Expansion(format!("not serializable: {e}")))?;
    check_size(bytes.len(), limits)?;
    let mut hasher = sha2::Sha256::new();
    hasher.update(format!("{strictness:?} {limits:?}\n"));
    hasher.update(&bytes);
    let key: [u8; 32] = hasher.finalize().into();
    if let Some(canonical) = contexts.remembered(&key) {
        return Ok(Remembered::transient(canonical));
    }
    let canonical: Arc<str> = canonicalize_sized(document, contexts, limits, strictness)?.into();
    Ok(Remembered {
        canonical,
        key: Some(key),
    })
}

/// The RDF dataset of `document` (JSON-LD 1.1 API §8.2, Deserialize JSON-LD to RDF).
fn to_dataset(
    document: &Value,
    contexts: &Contexts,
    limits: &Limits,
    strictness: Strictness,
) -> Result<Dataset, Error> {
    let mut input = json_ld::syntax::Value::from_serde_json(document.clone());
    // The top-level context is processed once per distinct `@context` value and reused: context
    // processing is most of the cost of a credential, and credentials share a handful of them.
    let top_context = match &mut input {
        json_ld::syntax::Value::Object(members) => {
            members.remove("@context").next().map(|entry| entry.value)
        }
        _ => None,
    };
    let active = match top_context {
        Some(context) => contexts.processed(context)?,
        None => Arc::new(json_ld::Context::new(None)),
    };
    let mut options = json_ld::expansion::Options::default();
    if strictness == Strictness::Strict {
        options.policy = json_ld::expansion::Policy {
            invalid: json_ld::expansion::Action::Reject,
            vocab: json_ld::expansion::Action::Keep,
            allow_undefined: false,
        };
    }
    let mut vocabulary = ();
    let future = input.expand_full(
        &mut vocabulary,
        (*active).clone(),
        None,
        contexts,
        options,
        (),
    );
    let mut expanded = crate::ready::ready(future)
        .ok_or_else(|| Error::Expansion("context loading did not complete".to_owned()))?
        .map_err(expansion_error)?;
    let mut generator = Blank::new();
    expanded.relabel_and_canonicalize_with(&mut (), &mut generator);
    if strictness == Strictness::Strict {
        check_identifiers(&expanded)?;
    }
    let mut dataset = Dataset::new();
    let mut blank_nodes = HashSet::new();
    for quad in expanded
        .rdf_quads_full(&mut (), &mut generator, None, false)
        .cloned()
    {
        let quad = convert(quad, &mut blank_nodes)?;
        dataset.insert(&quad);
        if dataset.len() > limits.max_quads {
            return Err(Error::TooLarge(format!(
                "more than {} quads",
                limits.max_quads
            )));
        }
        if blank_nodes.len() > limits.max_blank_nodes {
            return Err(Error::TooLarge(format!(
                "more than {} blank nodes",
                limits.max_blank_nodes
            )));
        }
    }
    Ok(dataset)
}

/// The nesting depth of objects and arrays, without recursion.
fn json_depth(document: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(document, 0usize)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(members) => Box::new(members.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// Compact JSON size without building the string.
fn json_size(document: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a Value to a counter cannot fail; were it to, the size check is moot as expansion
    // sees the same value.
    let _ = serde_json::to_writer(&mut count, document);
    count.0
}

/// Every context a document names by URL must be held, checked before processing so that the
/// error names the URL (the processor reports only that loading failed).
fn check_contexts_held(value: &Value, contexts: &Contexts) -> Result<(), Error> {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if key == "@context" {
                    check_context_entry(member, contexts)?;
                } else {
                    check_contexts_held(member, contexts)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| check_contexts_held(item, contexts)),
        _ => Ok(()),
    }
}

fn check_context_entry(entry: &Value, contexts: &Contexts) -> Result<(), Error> {
    match entry {
        Value::String(url) if !contexts.contains(url) => Err(Error::UnknownContext(url.clone())),
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| check_context_entry(item, contexts)),
        // Embedded contexts may themselves name contexts: `@import` and scoped contexts.
        Value::Object(members) => members.iter().try_for_each(|(key, member)| {
            if key == "@import" {
                check_context_entry(member, contexts)
            } else {
                check_contexts_held(member, contexts)
            }
        }),
        _ => Ok(()),
    }
}

fn expansion_error(error: json_ld::expansion::Error) -> Error {
    match error {
        json_ld::expansion::Error::KeyExpansionFailed(key) => Error::UndefinedTerm(key),
        other => Error::Expansion(other.to_string()),
    }
}

/// Node identifiers and types that are not absolute IRIs would silently vanish from the dataset.
fn check_identifiers(document: &json_ld::ExpandedDocument) -> Result<(), Error> {
    for object in document {
        for fragment in object.traverse() {
            if let Some(json_ld::Id::Invalid(reference)) = fragment.as_id() {
                return Err(Error::RelativeIri(reference.to_owned()));
            }
        }
    }
    Ok(())
}

type JsonLdId = rdf_types::Id<json_ld::IriBuf, json_ld::BlankIdBuf>;
type JsonLdQuad =
    rdf_types::Quad<JsonLdId, JsonLdId, rdf_types::Term<JsonLdId, rdf_types::Literal>, JsonLdId>;

fn convert(quad: JsonLdQuad, blank_nodes: &mut HashSet<String>) -> Result<Quad, Error> {
    let rdf_types::Quad(subject, predicate, object, graph) = quad;
    let subject = node(subject, blank_nodes)?;
    let predicate = match predicate {
        rdf_types::Id::Iri(iri) => named(iri.as_str())?,
        rdf_types::Id::Blank(blank) => {
            return Err(Error::Canonicalization(format!(
                "blank node {blank} as a predicate (generalized RDF)"
            )));
        }
    };
    let object: Term = match object {
        rdf_types::Term::Id(id) => node(id, blank_nodes)?.into(),
        rdf_types::Term::Literal(literal) => literal_of(literal)?.into(),
    };
    let graph = match graph {
        None => GraphName::DefaultGraph,
        Some(id) => match node(id, blank_nodes)? {
            NamedOrBlankNode::NamedNode(name) => GraphName::NamedNode(name),
            NamedOrBlankNode::BlankNode(blank) => GraphName::BlankNode(blank),
        },
    };
    Ok(Quad::new(subject, predicate, object, graph))
}

fn node(id: JsonLdId, blank_nodes: &mut HashSet<String>) -> Result<NamedOrBlankNode, Error> {
    match id {
        rdf_types::Id::Iri(iri) => Ok(named(iri.as_str())?.into()),
        rdf_types::Id::Blank(blank) => {
            let label = blank.as_str().trim_start_matches("_:");
            let node = BlankNode::new(label)
                .map_err(|e| Error::Canonicalization(format!("blank node {blank}: {e}")))?;
            blank_nodes.insert(label.to_owned());
            Ok(node.into())
        }
    }
}

fn named(iri: &str) -> Result<NamedNode, Error> {
    NamedNode::new(iri).map_err(|e| Error::Canonicalization(format!("IRI {iri}: {e}")))
}

fn literal_of(literal: rdf_types::Literal) -> Result<Literal, Error> {
    // URDNA2015 as json-gold serializes it escapes only \t \n \r " and \; RDFC-1.0 also escapes
    // the other control characters. Both agree on everything else, so a document with such a
    // character is refused rather than signed or verified one way that Nuts nodes read another.
    if literal
        .value
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) && (c as u32) < 0x80)
    {
        return Err(Error::Canonicalization(
            "a string holds a control character whose N-Quads escaping differs between URDNA2015 implementations"
                .to_owned(),
        ));
    }
    Ok(match literal.type_ {
        LiteralType::Any(datatype) => {
            Literal::new_typed_literal(literal.value, named(datatype.as_str())?)
        }
        LiteralType::LangString(language) => {
            Literal::new_language_tagged_literal(literal.value, language.as_str())
                .map_err(|e| Error::Canonicalization(format!("language tag: {e}")))?
        }
    })
}

#[cfg(test)]
mod tests;
