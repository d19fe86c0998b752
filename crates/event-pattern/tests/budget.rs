//! The work of compiling a pattern is bounded whatever the pattern (`COMPILE_WORK_BUDGET`),
//! the budget refuses only what `$or` multiplies beyond it, and patterns up to the API's
//! length limit (4,096 characters, however many bytes) are accepted or refused as before.

mod hostile;

use event_pattern::{COMPILE_WORK_BUDGET, MAX_PATTERN_LENGTH, Pattern, reference_matches};
use proptest::prelude::*;
use serde_json::{Value, json};

const TOO_COMPLEX: &str = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// The units compiling took, and the reason when the pattern was refused.
fn compile(pattern: &str) -> (u64, Result<Pattern, String>) {
    let (result, work) = Pattern::parse_measured(pattern);
    (work, result.map_err(|e| e.to_string()))
}

/// An event with `value` at `a`.
fn event(value: &str) -> Value {
    json!({"a": value})
}

#[test]
fn a_long_wildcard_of_wide_characters_costs_a_small_part_of_the_budget() {
    // About 4,000 characters, most of them two to four bytes, from a few dozen distinct
    // ones, after a wildcard: the search used to step thousands of position sets of the
    // pattern's byte length once per distinct byte (seconds, hundreds of megabytes).
    let mut r = hostile::Lcg(3);
    let mut alphabet = hostile::WIDE.to_vec();
    alphabet.extend('a'..='z');
    let body: String = (0..4000)
        .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
        .collect();
    let pattern = hostile::wildcard_pattern(std::iter::once('*').chain(body.chars()));
    assert!(pattern.len() > 6000, "{} bytes", pattern.len());
    let (work, result) = compile(&pattern);
    let compiled = result.expect("accepted: the text after the wildcard barely repeats");
    assert!(work < COMPILE_WORK_BUDGET / 10, "{work} units");
    // And it matches what it says.
    let text = pattern
        .strip_prefix(r#"{"a": [{"wildcard": "*"#)
        .and_then(|p| p.strip_suffix(r#""}]}"#))
        .expect("the pattern's literal text");
    for value in [format!("xyz{text}"), text.to_owned(), format!("{text}!")] {
        assert_eq!(
            compiled.matches(&event(&value)),
            reference_matches(&compiled, &event(&value))
        );
    }
    assert!(compiled.matches(&event(&format!("€{text}"))));
}

#[test]
fn every_hand_made_worst_case_stays_within_the_budget_with_its_verdict() {
    let expected: &[(&str, bool)] = &[
        ("wildcard-wide-random", true),
        ("wildcard-wide-stars", false),
        ("wildcard-wide-repeat", false),
        ("wildcard-near-repeat", false),
        ("or-1024-times-fields", false),
        ("or-1024-times-fields-in-budget", true),
        ("or-1024-times-values", true),
        ("anything-but-strings", true),
        ("anything-but-numbers", true),
        ("anything-but-prefixes", true),
        ("anything-but-wildcards", false),
        ("prefixes", true),
        ("numeric-ranges", true),
        ("cidrs", true),
        ("wildcards-plain", false),
        ("nesting", true),
    ];
    let cases = hostile::cases();
    assert_eq!(cases.len(), expected.len());
    for ((name, pattern), (expected_name, accepted)) in cases.iter().zip(expected) {
        assert_eq!(name, expected_name);
        assert!(pattern.chars().count() <= MAX_PATTERN_LENGTH, "{name}");
        let (work, result) = compile(pattern);
        // One operation may overshoot before the budget stops it.
        assert!(work <= COMPILE_WORK_BUDGET + 65_536, "{name}: {work} units");
        match result {
            Ok(_) => assert!(accepted, "{name} was accepted"),
            Err(reason) => {
                assert!(!accepted, "{name} was refused: {reason}");
                assert_eq!(reason, TOO_COMPLEX, "{name}");
            }
        }
        // Only `$or` can reach the budget.
        if !name.starts_with("or-") {
            assert!(work < COMPILE_WORK_BUDGET / 10, "{name}: {work} units");
        }
    }
}

#[test]
fn the_length_limit_counts_characters_not_bytes() {
    let limit_message = "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096";
    let frame = r#"{"a": [""]}"#.chars().count();
    for wide in ['x', 'é', '中', '😀'] {
        let at_limit = format!(
            r#"{{"a": ["{}"]}}"#,
            wide.to_string().repeat(MAX_PATTERN_LENGTH - frame)
        );
        assert_eq!(at_limit.chars().count(), MAX_PATTERN_LENGTH);
        let accepted = Pattern::parse(&at_limit);
        assert!(accepted.is_ok(), "{wide}: {accepted:?}");
        let over = at_limit.replacen('[', "[ ", 1);
        let err = Pattern::parse(&over).expect_err("one character over");
        assert_eq!(err.code(), "ValidationException");
        assert_eq!(err.message(), limit_message);
    }
}

/// Text for a wildcard from few distinct characters, wide ones among them, and stars.
fn wildcard_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(&["a", "b", "ab", "é", "😀", "中", ":", "*"][..]);
    prop::collection::vec(piece, 0..900).prop_map(|pieces| {
        let mut text: String = pieces.concat();
        // `**` is refused before any complexity is measured; keep the search busy instead.
        while text.contains("**") {
            text = text.replace("**", "*a*");
        }
        text
    })
}

/// A value the wildcard matches: each star replaced by some text.
fn matching_value(wildcard: &str, filler: &str) -> String {
    wildcard.replace('*', filler)
}

/// Nested `$or`s, each branch with some fields, and some fields around them.
fn or_pattern() -> impl Strategy<Value = Value> {
    let leaf = (0u8..6, prop::collection::vec(0u8..4, 1..4))
        .prop_map(|(k, vals)| json!({ format!("f{k}"): vals }));
    leaf.prop_recursive(4, 64, 4, |inner| {
        (prop::collection::vec(inner, 2..5), 0u8..3).prop_map(|(branches, k)| {
            let mut object = serde_json::Map::new();
            object.insert("$or".into(), Value::Array(branches));
            object.insert(format!("g{k}"), json!([k, "x"]));
            Value::Object(object)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Wildcards as long as the limit allows: never near the budget, and when accepted, the
    /// matcher agrees with the reference evaluator.
    #[test]
    fn wildcards_cost_little_and_match_as_the_reference(
        text in wildcard_text(),
        filler in prop::sample::select(&["", "a", "ba", "中😀", "::"][..]),
    ) {
        let pattern = json!({"a": [{"wildcard": text}]}).to_string();
        prop_assume!(pattern.chars().count() <= MAX_PATTERN_LENGTH);
        let (work, result) = compile(&pattern);
        prop_assert!(work < COMPILE_WORK_BUDGET / 10, "{} units for {}", work, pattern);
        if let Ok(compiled) = result {
            let yes = event(&matching_value(&text, filler));
            prop_assert!(compiled.matches(&yes));
            prop_assert!(reference_matches(&compiled, &yes));
            let other = event(&format!("{}!", matching_value(&text, filler)));
            prop_assert_eq!(compiled.matches(&other), reference_matches(&compiled, &other));
        } else if let Err(reason) = result {
            prop_assert_eq!(reason, TOO_COMPLEX);
        }
    }

    /// `$or`s multiplied: the budget holds, refusals give EventBridge's reason, and the
    /// compiled matcher agrees with the reference evaluator.
    #[test]
    fn or_products_stay_within_the_budget_and_match_as_the_reference(
        pattern in or_pattern(),
        events in prop::collection::vec(
            prop::collection::btree_map(
                prop::sample::select(&["f0", "f1", "f2", "f3", "f4", "f5", "g0", "g1", "g2"][..]),
                prop_oneof![(0u8..4).prop_map(|n| json!(n)), Just(json!("x"))],
                0..9),
            1..6),
    ) {
        let text = pattern.to_string();
        prop_assume!(text.chars().count() <= MAX_PATTERN_LENGTH);
        let (work, result) = compile(&text);
        prop_assert!(work <= COMPILE_WORK_BUDGET + 65_536, "{} units", work);
        match result {
            Ok(compiled) => {
                for fields in events {
                    let e = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
                    prop_assert_eq!(compiled.matches(&e), reference_matches(&compiled, &e), "{}", e);
                }
            }
            Err(reason) => prop_assert_eq!(reason, TOO_COMPLEX),
        }
    }
}
