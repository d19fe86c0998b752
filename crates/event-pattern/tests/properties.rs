//! Invariants over random inputs: the compiled matcher agrees with the reference evaluator,
//! and no input makes anything panic.

use event_pattern::{
    InputTransformer, Pattern, RuleSet, Scratch, TargetInput, reference_matches,
    test_event_pattern, transform_input,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const KEYS: &[&str] = &["a", "b", "c.d", "e"];
const STRINGS: &[&str] = &["x", "xy", "X", "yx", "", "10.0.0.7", "x*y"];
const NUMBERS: &[f64] = &[0.0, 1.0, 1.5, -2.0, 10.0, 100.0];

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(STRINGS).prop_map(str::to_owned)
}

fn number() -> impl Strategy<Value = Value> {
    prop::sample::select(NUMBERS).prop_map(|n| json!(n))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        string().prop_map(Value::String),
        number(),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

/// One alternative of a pattern field.
fn alternative() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => scalar(),
        1 => string().prop_map(|s| json!({"prefix": s})),
        1 => string().prop_map(|s| json!({"suffix": s})),
        1 => string().prop_map(|s| json!({"equals-ignore-case": s})),
        1 => string().prop_map(|s| json!({"prefix": {"equals-ignore-case": s}})),
        1 => string().prop_map(|s| json!({"suffix": {"equals-ignore-case": s}})),
        1 => prop::sample::select(&["x*", "*y", "*", "x*y", "*x*"][..]).prop_map(|w| json!({"wildcard": w})),
        1 => string().prop_map(|s| json!({"anything-but": s})),
        1 => prop::collection::vec(string(), 1..3).prop_map(|v| json!({"anything-but": v})),
        1 => number().prop_map(|n| json!({"anything-but": n})),
        1 => string().prop_map(|s| json!({"anything-but": {"prefix": s}})),
        1 => string().prop_map(|s| json!({"anything-but": {"suffix": s}})),
        1 => string().prop_map(|s| json!({"anything-but": {"equals-ignore-case": s}})),
        1 => number().prop_map(|n| json!({"numeric": [">", n]})),
        1 => (number(), number()).prop_map(|(a, b)| json!({"numeric": [">=", a, "<", b]})),
        1 => number().prop_map(|n| json!({"numeric": ["=", n]})),
        1 => any::<bool>().prop_map(|b| json!({"exists": b})),
        1 => Just(json!({"cidr": "10.0.0.0/24"})),
    ]
}

fn field_pattern() -> impl Strategy<Value = Value> {
    prop::collection::vec(alternative(), 1..3).prop_map(Value::Array)
}

fn object_pattern(depth: u32) -> BoxedStrategy<Value> {
    let leaf = field_pattern().boxed();
    let value = if depth == 0 {
        leaf
    } else {
        prop_oneof![3 => leaf, 1 => object_pattern(depth - 1)].boxed()
    };
    prop::collection::btree_map(prop::sample::select(KEYS), value, 1..3)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
        .boxed()
}

fn pattern() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => object_pattern(2),
        1 => (object_pattern(1), object_pattern(1), object_pattern(1)).prop_map(|(base, x, y)| {
            let mut m = base.as_object().cloned().unwrap_or_default();
            m.insert("$or".into(), json!([x, y]));
            Value::Object(m)
        }),
    ]
}

fn event_value(depth: u32) -> BoxedStrategy<Value> {
    let leaf = scalar().boxed();
    if depth == 0 {
        return leaf;
    }
    prop_oneof![
        4 => leaf,
        1 => prop::collection::vec(event_value(depth - 1), 0..3).prop_map(Value::Array),
        2 => prop::collection::btree_map(prop::sample::select(KEYS), event_value(depth - 1), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
    .boxed()
}

fn event() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(KEYS), event_value(3), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn compiled_matcher_agrees_with_reference(
        patterns in prop::collection::vec(pattern(), 1..6),
        events in prop::collection::vec(event(), 1..6),
    ) {
        let mut rules = RuleSet::new();
        let mut parsed = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            // Random numeric bounds may be inverted; such patterns are rightly refused.
            if let Ok(pattern) = Pattern::parse(&p.to_string()) {
                rules.add(&format!("r{i}"), &pattern);
                parsed.push((format!("r{i}"), pattern));
            }
        }
        // One scratch for all the events: what reading one remembers meets the next.
        let mut scratch = Scratch::default();
        for e in &events {
            let expected: Vec<&str> = parsed
                .iter()
                .filter(|(_, p)| reference_matches(p, e))
                .map(|(n, _)| n.as_str())
                .collect();
            prop_assert_eq!(&rules.matching(e), &expected, "event {}", e);
            let text = e.to_string();
            prop_assert_eq!(&rules.matching_text(&text).expect("valid JSON"), &expected, "event text {}", text);
            prop_assert_eq!(&rules.matching_text_with(&text, &mut scratch).expect("valid JSON"), &expected, "event text, scratch reused {}", text);
            for (_, p) in &parsed {
                prop_assert_eq!(p.matches(e), reference_matches(p, e));
            }
        }
    }

    /// Patterns over two fields of the elements of one array, against arrays of objects: the
    /// shape where array consistency and `exists` decide the outcome.
    #[test]
    fn compiled_matcher_agrees_on_arrays_of_objects(
        fields in prop::collection::vec((prop::sample::select(&["b", "e"][..]), field_pattern()), 1..3),
        or_branch in prop::option::of(field_pattern()),
        items in prop::collection::vec(
            prop::collection::btree_map(
                prop::sample::select(&["b", "e"][..]),
                prop_oneof![3 => scalar(), 1 => prop::collection::vec(scalar(), 0..3).prop_map(Value::Array)],
                0..3,
            ),
            0..4,
        ),
        wrap_single in any::<bool>(),
    ) {
        let mut inner = serde_json::Map::new();
        for (k, v) in fields {
            inner.insert(k.to_owned(), v);
        }
        let mut top = serde_json::Map::new();
        top.insert("a".into(), Value::Object(inner));
        if let Some(alt) = or_branch {
            top.insert("$or".into(), json!([{"x": alt}, {"a": {"b": [{"exists": true}]}}]));
        }
        let pattern_text = Value::Object(top).to_string();
        let Ok(pattern) = Pattern::parse(&pattern_text) else { return Ok(()); };
        let objects: Vec<Value> = items
            .into_iter()
            .map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
            .collect();
        let a = if wrap_single && objects.len() == 1 { objects[0].clone() } else { Value::Array(objects) };
        let event = json!({"a": a, "x": "x"});
        let expected = reference_matches(&pattern, &event);
        prop_assert_eq!(pattern.matches(&event), expected, "{} vs {}", pattern_text, event);
        prop_assert_eq!(pattern.matches_text(&event.to_string()).expect("json"), expected);
    }

    #[test]
    fn no_pattern_text_panics(text in ".{0,200}") {
        let _ = Pattern::parse(&text);
        let _ = test_event_pattern(&text, &text);
    }

    #[test]
    fn no_mangled_pattern_panics(p in pattern(), cut in 0usize..400, insert in prop::sample::select(&["{", "}", "[", "]", ",", ":", "\"", "\\", "-", "1e", "\u{e9}", "\n"][..])) {
        let text = p.to_string();
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mangled = format!("{}{}{}", &text[..at], insert, &text[at..]);
        let _ = Pattern::parse(&mangled);
        let _ = Pattern::parse(&text[..at]);
    }

    #[test]
    fn no_event_text_panics(p in pattern(), text in ".{0,200}", e in event(), cut in 0usize..300) {
        if let Ok(pattern) = Pattern::parse(&p.to_string()) {
            let _ = pattern.matches_text(&text);
            let full = e.to_string();
            let mut at = cut.min(full.len());
            while !full.is_char_boundary(at) {
                at -= 1;
            }
            let _ = pattern.matches_text(&full[..at]);
        }
    }

    #[test]
    fn no_transformer_input_panics(
        template in prop_oneof![".{0,80}", r#"[{"\[ ]{0,3}(<v>|<a>|[a-z":,\\]){0,12}[}"\] ]{0,3}"#],
        path in ".{0,20}",
        e in event(),
    ) {
        let target = TargetInput::InputTransformer(InputTransformer {
            input_paths_map: BTreeMap::from([("v".to_owned(), path.clone()), ("a".to_owned(), "$.a".to_owned())]),
            input_template: template.clone(),
        });
        let text = e.to_string();
        // A JSON or quoted template that was accepted yields valid JSON when the event's
        // strings need no escaping: EventBridge does not escape what it places in quotes.
        if let Ok(out) = transform_input(&target, &text, "r", "arn")
            && matches!(template.trim_start().chars().next(), Some('{' | '[' | '"'))
            && needs_no_escaping(&e)
        {
            prop_assert!(serde_json::from_str::<Value>(&out).is_ok(), "{} -> {}", template, out);
        }
        let _ = transform_input(&TargetInput::InputPath(path), &text, "r", "arn");
    }

    #[test]
    fn json_templates_always_yield_valid_json(key in prop::sample::select(KEYS), e in event()) {
        let target = TargetInput::InputTransformer(InputTransformer {
            input_paths_map: BTreeMap::from([("v".to_owned(), format!("$.{key}"))]),
            input_template: r#"{"raw": <v>, "text": "value <v>!", "list": [<v>, "<v>"]}"#.to_owned(),
        });
        let out = transform_input(&target, &e.to_string(), "r", "arn").expect("valid config");
        if needs_no_escaping(&e) {
            prop_assert!(serde_json::from_str::<Value>(&out).is_ok(), "{}", out);
        }
    }
}

/// Whether every string of `v`, keys too, reads the same inside a JSON string unescaped:
/// "EventBridge doesn't escape values extracted by Input Path, when populating the Input
/// Template" (user guide, eb-transform-target-input), so only then does a variable placed
/// inside quotes keep the output valid JSON.
fn needs_no_escaping(v: &Value) -> bool {
    let plain = |s: &str| !s.chars().any(|c| c == '"' || c == '\\' || c < ' ');
    match v {
        Value::String(s) => plain(s),
        Value::Array(items) => items.iter().all(needs_no_escaping),
        Value::Object(map) => map.iter().all(|(k, v)| plain(k) && needs_no_escaping(v)),
        _ => true,
    }
}

/// A value outside any object is in no field: the empty key names a field called "", not
/// the event itself (found by the fuzz target, `{"": [2]}` against the event `2`, where the
/// reference evaluator alone said it matched).
#[test]
fn the_empty_key_names_a_field_not_the_whole_event() {
    let pattern = Pattern::parse(r#"{"": [2]}"#).expect("a pattern");
    for (event, expected) in [
        (json!(2), false),
        (json!([2]), false),
        (json!({"": 2}), true),
    ] {
        assert_eq!(pattern.matches(&event), expected, "{event}");
        assert_eq!(reference_matches(&pattern, &event), expected, "{event}");
    }
}
