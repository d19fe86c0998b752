//! Patterns and events drawn from a grammar of EventBridge's pattern language, so that
//! almost every input compiles: a rule set of them matches each event exactly as the
//! reference evaluator does, whether the event is given parsed, as text, or as text read
//! with a scratch space reused from the event before.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use event_pattern::{Pattern, RuleSet, Scratch, reference_matches};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::{json, key, number, object, scalar, string};
use serde_json::{Map, Value, json};

/// One alternative of a field's list of values.
fn alternative(u: &mut Unstructured) -> arbitrary::Result<Value> {
    let s = |u: &mut Unstructured| string(u).map(Value::String);
    Ok(match u.int_in_range(0..=20)? {
        0..=3 => scalar(u)?,
        4 => json!({"prefix": s(u)?}),
        5 => json!({"suffix": s(u)?}),
        6 => json!({"equals-ignore-case": s(u)?}),
        7 => json!({"prefix": {"equals-ignore-case": s(u)?}}),
        8 => json!({"suffix": {"equals-ignore-case": s(u)?}}),
        9 => json!({"wildcard": s(u)?}),
        10 => json!({"anything-but": scalar(u)?}),
        11 => {
            let n = u.int_in_range(1..=3)?;
            let items = (0..n).map(|_| scalar(u)).collect::<Result<Vec<_>, _>>()?;
            json!({"anything-but": items})
        }
        12 => json!({"anything-but": {"prefix": s(u)?}}),
        13 => json!({"anything-but": {"suffix": s(u)?}}),
        14 => json!({"anything-but": {"equals-ignore-case": s(u)?}}),
        15 => json!({"anything-but": {"wildcard": s(u)?}}),
        16 => {
            let op = *u.choose(&["<", "<=", "=", ">", ">="])?;
            json!({"numeric": [op, number(u)?]})
        }
        17 => {
            let low = *u.choose(&[">", ">="])?;
            let high = *u.choose(&["<", "<="])?;
            json!({"numeric": [low, number(u)?, high, number(u)?]})
        }
        18 => json!({"exists": bool::arbitrary(u)?}),
        19 => json!({"cidr": s(u)?}),
        _ => json(u, 1)?,
    })
}

/// A pattern object: fields holding a list of alternatives, nested objects, and `$or`.
fn pattern(u: &mut Unstructured, depth: u32) -> arbitrary::Result<Value> {
    let n = u.int_in_range(1..=3)?;
    let mut map = Map::new();
    for _ in 0..n {
        let k = key(u)?;
        let value = if depth > 0 && u.ratio(1, 4)? {
            if k == "$or" {
                let branches = u.int_in_range(1..=3)?;
                Value::Array(
                    (0..branches)
                        .map(|_| pattern(u, depth - 1))
                        .collect::<Result<_, _>>()?,
                )
            } else {
                pattern(u, depth - 1)?
            }
        } else {
            let m = u.int_in_range(1..=3)?;
            Value::Array((0..m).map(|_| alternative(u)).collect::<Result<_, _>>()?)
        };
        map.insert(k, value);
    }
    Ok(Value::Object(map))
}

#[derive(Debug)]
struct Case {
    patterns: Vec<Value>,
    events: Vec<Value>,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let p = u.int_in_range(1..=4)?;
        let patterns = (0..p).map(|_| pattern(u, 2)).collect::<Result<_, _>>()?;
        let e = u.int_in_range(1..=4)?;
        let events = (0..e)
            .map(|_| object(u, 3).map(Value::Object))
            .collect::<Result<_, _>>()?;
        Ok(Case { patterns, events })
    }
}

fuzz_target!(|case: Case| {
    let mut rules = RuleSet::new();
    let mut parsed = Vec::new();
    for (i, p) in case.patterns.iter().enumerate() {
        if let Ok(pattern) = Pattern::parse(&p.to_string()) {
            let name = format!("r{i}");
            rules.add(&name, &pattern);
            parsed.push((name, pattern));
        }
    }
    let mut scratch = Scratch::default();
    for event in &case.events {
        let expected: Vec<&str> = parsed
            .iter()
            .filter(|(_, p)| reference_matches(p, event))
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(rules.matching(event), expected, "event {event}");
        let text = event.to_string();
        let read = rules.matching_text(&text).expect("serialized JSON reads");
        assert_eq!(read, expected, "event text {text}");
        let reused = rules
            .matching_text_with(&text, &mut scratch)
            .expect("serialized JSON reads");
        assert_eq!(reused, expected, "event text, scratch reused {text}");
        for (_, p) in &parsed {
            assert_eq!(
                p.matches(event),
                reference_matches(p, event),
                "{}",
                p.as_str()
            );
        }
    }
});
