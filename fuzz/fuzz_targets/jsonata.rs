//! JSONata expressions (`{% … %}` in a `QueryLanguage: JSONata` definition), `expression
//! 0xFF json`: parsed, then evaluated with the JSON as `$states.input`, at a fixed instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_fuzz::split;
use orderly_states::jsonata::Expression;
use serde_json::{Map, Value, json};

fuzz_target!(|data: &[u8]| {
    let (expression, input) = split(data);
    let Ok(expression) = std::str::from_utf8(expression) else {
        return;
    };
    let Ok(parsed) = Expression::parse(expression) else {
        return;
    };
    let input: Value = serde_json::from_slice(input).unwrap_or(Value::Null);
    let mut bindings = Map::new();
    bindings.insert(
        "states".into(),
        json!({"input": input, "context": {"Execution": {"Id": "arn:x", "Input": input}}}),
    );
    bindings.insert("v".into(), json!([1, "two", {"three": 3.5}]));
    // 2026-01-01T00:00:00Z: the answer may not depend on when the fuzzer runs.
    let _ = parsed.evaluate_optional_at(&bindings, 1_767_225_600_000);
});
