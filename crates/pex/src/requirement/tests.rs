#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::InputDescriptor;
use crate::definition::PresentationDefinition;

/// Input descriptors a1, a2 (group A), b1, b2 (group B) and c1 (groups A and C).
fn descriptors() -> Vec<InputDescriptor> {
    let pd = json!({"id": "pd", "input_descriptors": [
        {"id": "a1", "group": ["A"], "constraints": {}},
        {"id": "a2", "group": ["A"], "constraints": {}},
        {"id": "b1", "group": ["B"], "constraints": {}},
        {"id": "b2", "group": ["B"], "constraints": {}},
        {"id": "c1", "group": ["A", "C"], "constraints": {}}
    ]});
    PresentationDefinition::from_value(&pd)
        .unwrap()
        .input_descriptors
}

fn requirement(value: Value) -> SubmissionRequirement {
    SubmissionRequirement::from_value(&value).unwrap()
}

/// Which of a1, a2, b1, b2, c1 are present.
fn present(ids: &[&str]) -> Vec<bool> {
    ["a1", "a2", "b1", "b2", "c1"]
        .iter()
        .map(|id| ids.contains(id))
        .collect()
}

fn shortfall(r: &SubmissionRequirement, ids: &[&str]) -> Option<Shortfall> {
    match r.is_met(&descriptors(), &present(ids), "/submission_requirements/0") {
        Ok(()) => None,
        Err(Error::RequirementNotMet {
            requirement,
            shortfall,
        }) => {
            assert!(requirement.starts_with("/submission_requirements/0"));
            Some(shortfall)
        }
        Err(other) => panic!("{other:?}"),
    }
}

fn choose(
    r: &SubmissionRequirement,
    available: &[&str],
) -> Result<Vec<&'static str>, Unsatisfiable> {
    let mut chosen = vec![false; 5];
    r.choose(
        &descriptors(),
        &present(available),
        "/submission_requirements/0",
        &mut chosen,
    )?;
    Ok(["a1", "a2", "b1", "b2", "c1"]
        .into_iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .map(|(id, _)| id)
        .collect())
}

#[test]
fn pe_7_1_3_3_all_from_group_needs_every_member() {
    let all = requirement(json!({"rule": "all", "from": "A"}));
    assert_eq!(shortfall(&all, &["a1", "a2", "c1"]), None);
    assert_eq!(
        shortfall(&all, &["a1", "c1"]),
        Some(Shortfall::AllNeeds {
            member: "a2".into()
        })
    );
}

#[test]
fn pe_7_1_3_4_pick_count_needs_exactly_count() {
    let pick = requirement(json!({"rule": "pick", "count": 1, "from": "B"}));
    assert_eq!(shortfall(&pick, &["b2"]), None);
    assert_eq!(
        shortfall(&pick, &["b1", "b2"]),
        Some(Shortfall::Count {
            count: 1,
            actual: 2
        })
    );
    assert_eq!(
        shortfall(&pick, &[]),
        Some(Shortfall::Count {
            count: 1,
            actual: 0
        })
    );
}

#[test]
fn pe_7_1_3_4_pick_min_needs_at_least_min() {
    let pick = requirement(json!({"rule": "pick", "min": 2, "from": "A"}));
    assert_eq!(shortfall(&pick, &["a1", "c1"]), None);
    assert_eq!(shortfall(&pick, &["a1", "a2", "c1"]), None);
    assert_eq!(
        shortfall(&pick, &["a2"]),
        Some(Shortfall::TooFew { min: 2, actual: 1 })
    );
}

#[test]
fn pe_7_1_3_4_pick_max_allows_at_most_max() {
    let pick = requirement(json!({"rule": "pick", "max": 1, "from": "A"}));
    assert_eq!(shortfall(&pick, &[]), None);
    assert_eq!(shortfall(&pick, &["c1"]), None);
    assert_eq!(
        shortfall(&pick, &["a1", "c1"]),
        Some(Shortfall::TooMany { max: 1, actual: 2 })
    );
}

#[test]
fn pe_7_1_3_4_pick_min_and_max_bound_both_sides() {
    let pick = requirement(json!({"rule": "pick", "min": 1, "max": 2, "from": "A"}));
    assert!(shortfall(&pick, &[]).is_some());
    assert_eq!(shortfall(&pick, &["a1"]), None);
    assert_eq!(shortfall(&pick, &["a1", "a2"]), None);
    assert!(shortfall(&pick, &["a1", "a2", "c1"]).is_some());
}

#[test]
fn pe_7_1_3_3_all_from_nested_needs_every_nested_requirement() {
    let all = requirement(json!({"rule": "all", "from_nested": [
        {"rule": "pick", "count": 1, "from": "B"},
        {"rule": "all", "from": "C"}
    ]}));
    assert_eq!(shortfall(&all, &["b1", "c1"]), None);
    match all.is_met(
        &descriptors(),
        &present(&["b1"]),
        "/submission_requirements/0",
    ) {
        Err(Error::RequirementNotMet {
            requirement,
            shortfall,
        }) => {
            // The deepest requirement that fails is named.
            assert_eq!(requirement, "/submission_requirements/0/from_nested/1");
            assert_eq!(
                shortfall,
                Shortfall::AllNeeds {
                    member: "c1".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pe_7_1_3_4_pick_from_nested_counts_satisfied_requirements() {
    // pick_3_example.json: all of A, or two of B.
    let vector = json!({"rule": "pick", "count": 1, "from_nested": [
        {"rule": "all", "from": "A"}, {"rule": "pick", "count": 2, "from": "B"}
    ]});
    let pick = requirement(vector);
    assert_eq!(shortfall(&pick, &["a1", "a2", "c1"]), None);
    assert_eq!(shortfall(&pick, &["b1", "b2"]), None);
    assert_eq!(
        shortfall(&pick, &["a1", "a2", "c1", "b1", "b2"]),
        Some(Shortfall::Count {
            count: 1,
            actual: 2
        })
    );
    assert_eq!(
        shortfall(&pick, &["a1", "b1"]),
        Some(Shortfall::Count {
            count: 1,
            actual: 0
        })
    );
}

#[test]
fn pe_7_1_3_3_holder_all_takes_every_member() {
    let all = requirement(json!({"rule": "all", "from": "A"}));
    assert_eq!(
        choose(&all, &["a1", "a2", "c1", "b1"]).unwrap(),
        ["a1", "a2", "c1"]
    );
    let failure = choose(&all, &["a1", "c1"]).unwrap_err();
    assert_eq!(
        failure.shortfall,
        Shortfall::AllNeeds {
            member: "a2".into()
        }
    );
    assert_eq!(failure.unavailable, [1]);
}

#[test]
fn pe_7_1_3_4_holder_pick_count_takes_the_first_in_definition_order() {
    let pick = requirement(json!({"rule": "pick", "count": 2, "from": "A"}));
    assert_eq!(choose(&pick, &["a2", "c1", "a1"]).unwrap(), ["a1", "a2"]);
    let failure = choose(&pick, &["c1"]).unwrap_err();
    assert_eq!(
        failure.shortfall,
        Shortfall::Count {
            count: 2,
            actual: 1
        }
    );
    assert_eq!(failure.unavailable, [0, 1]);
}

#[test]
fn pe_7_1_3_4_holder_pick_without_count_takes_up_to_max() {
    let pick = requirement(json!({"rule": "pick", "min": 1, "max": 2, "from": "A"}));
    assert_eq!(choose(&pick, &["a1", "a2", "c1"]).unwrap(), ["a1", "a2"]);
    assert_eq!(choose(&pick, &["c1"]).unwrap(), ["c1"]);
    assert_eq!(
        choose(&pick, &[]).unwrap_err().shortfall,
        Shortfall::TooFew { min: 1, actual: 0 }
    );
    let unbounded = requirement(json!({"rule": "pick", "min": 0, "from": "B"}));
    assert_eq!(choose(&unbounded, &["b1", "b2"]).unwrap(), ["b1", "b2"]);
    assert!(choose(&unbounded, &[]).unwrap().is_empty());
}

#[test]
fn pe_7_1_3_4_holder_pick_from_nested_takes_the_first_satisfiable() {
    let pick = requirement(json!({"rule": "pick", "count": 1, "from_nested": [
        {"rule": "all", "from": "A"}, {"rule": "pick", "count": 2, "from": "B"}
    ]}));
    assert_eq!(choose(&pick, &["a1", "b1", "b2"]).unwrap(), ["b1", "b2"]);
    assert_eq!(
        choose(&pick, &["a1", "a2", "c1", "b1", "b2"]).unwrap(),
        ["a1", "a2", "c1"]
    );
    let failure = choose(&pick, &["a1", "b1"]).unwrap_err();
    assert_eq!(
        failure.shortfall,
        Shortfall::Count {
            count: 1,
            actual: 0
        }
    );
    assert!(!failure.unavailable.is_empty());
}

#[test]
fn pe_7_1_3_3_holder_all_from_nested_needs_each() {
    let all = requirement(json!({"rule": "all", "from_nested": [
        {"rule": "pick", "count": 1, "from": "B"}, {"rule": "all", "from": "C"}
    ]}));
    assert_eq!(choose(&all, &["b2", "c1"]).unwrap(), ["b2", "c1"]);
    assert_eq!(
        choose(&all, &["b2"]).unwrap_err().requirement,
        "/submission_requirements/0/from_nested/1"
    );
}

#[test]
fn pe_7_1_3_1_parse_keeps_the_rule_and_bounds() {
    let parsed = requirement(
        json!({"name": "n", "purpose": "p", "rule": "pick", "min": 0, "max": 3, "from": "A"}),
    );
    assert_eq!(parsed.rule, Rule::Pick);
    assert_eq!(
        (parsed.count, parsed.min, parsed.max),
        (None, Some(0), Some(3))
    );
    assert_eq!(parsed.from, From::Group("A".into()));
    assert_eq!(Rule::All.as_str(), "all");
}

#[test]
fn pe_7_1_3_4_integral_float_counts_as_an_integer() {
    // JSON Schema counts 2.0 as an integer.
    let parsed = requirement(json!({"rule": "pick", "count": 2.0, "from": "A"}));
    assert_eq!(parsed.count, Some(2));
}

#[test]
fn pe_7_1_3_1_requirement_must_be_an_object() {
    assert!(matches!(
        SubmissionRequirement::from_value(&json!("all")),
        Err(Error::InvalidDefinition { .. })
    ));
}

#[test]
fn pe_7_1_3_1_deserialize_validates() {
    let ok: SubmissionRequirement =
        serde_json::from_value(json!({"rule": "all", "from": "A"})).unwrap();
    assert_eq!(ok.rule, Rule::All);
    assert!(serde_json::from_value::<SubmissionRequirement>(json!({"rule": "all"})).is_err());
}
