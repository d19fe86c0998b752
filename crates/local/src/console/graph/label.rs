//! The labels of choice and catch edges: short, and bounded however large the rule.

use serde_json::{Map, Value};

/// How many characters of a rule or of a catch's errors an edge label keeps.
const LABEL_CHARS: usize = 40;

/// A rule of a Choice state, short: the JSONata Condition's text, or JSONPath's Variable
/// and comparison (`$.total.amount > 100000`), with And, Or and Not spelled out. The depth
/// and the parts taken are bounded: a rule may nest as deep as the JSON does.
pub(super) fn rule_text(rule: &Map<String, Value>, depth: usize) -> String {
    if let Some(condition) = rule.get("Condition").and_then(Value::as_str) {
        let text = condition
            .trim()
            .trim_start_matches("{%")
            .trim_end_matches("%}");
        return cut(text.trim());
    }
    if depth > 3 {
        return "…".into();
    }
    for (key, word) in [("And", " and "), ("Or", " or ")] {
        if let Some(parts) = rule.get(key).and_then(Value::as_array) {
            let parts = parts.iter().take(4).filter_map(Value::as_object);
            let text = parts
                .map(|p| rule_text(p, depth + 1))
                .collect::<Vec<_>>()
                .join(word);
            return if depth > 0 { format!("({text})") } else { text };
        }
    }
    if let Some(inner) = rule.get("Not").and_then(Value::as_object) {
        return format!("not {}", rule_text(inner, depth + 1));
    }
    let variable = rule.get("Variable").and_then(Value::as_str).unwrap_or("?");
    match rule.iter().find_map(|(key, value)| comparison(key, value)) {
        Some(test) => format!("{} {test}", cut(variable)),
        None => cut(variable),
    }
}

/// A JSONPath comparison operator and its operand: `StringEquals: "x"` as `== "x"`,
/// `NumericGreaterThanPath: "$.y"` as `> $.y`, `IsPresent: false` as `is not present`.
fn comparison(key: &str, value: &Value) -> Option<String> {
    if let Some(what) = key.strip_prefix("Is") {
        let not = if value == &Value::Bool(false) {
            "not "
        } else {
            ""
        };
        return Some(format!("is {not}{}", what.to_lowercase()));
    }
    let (base, path) = key.strip_suffix("Path").map_or((key, false), |b| (b, true));
    let operand = match value {
        Value::String(s) if path => cut(s),
        Value::String(s) => format!("\"{}\"", cut(s)),
        Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        _ => "…".into(),
    };
    if base == "StringMatches" {
        return Some(format!("matches {operand}"));
    }
    const OPS: [(&str, &str); 5] = [
        ("Equals", "=="),
        ("GreaterThan", ">"),
        ("GreaterThanEquals", ">="),
        ("LessThan", "<"),
        ("LessThanEquals", "<="),
    ];
    let rest = ["String", "Numeric", "Boolean", "Timestamp"]
        .iter()
        .find_map(|kind| base.strip_prefix(kind))?;
    let (_, op) = OPS.iter().find(|(name, _)| *name == rest)?;
    Some(format!("{op} {operand}"))
}

/// `text` cut to [`LABEL_CHARS`] characters, with an ellipsis when cut.
pub(super) fn cut(text: &str) -> String {
    match text.char_indices().nth(LABEL_CHARS - 1) {
        Some((end, _)) if text.chars().nth(LABEL_CHARS).is_some() => format!("{}…", &text[..end]),
        _ => text.to_string(),
    }
}
