//! Intrinsic functions (`States.Format('{}', $.a)` and the rest), `expression 0xFF json`:
//! parsed, then evaluated with the JSON as input, context object and variables.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_fuzz::split;
use orderly_states::intrinsics::{Intrinsic, is_intrinsic};
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let (expression, input) = split(data);
    let Ok(expression) = std::str::from_utf8(expression) else {
        return;
    };
    let _ = is_intrinsic(expression);
    let Ok(parsed) = Intrinsic::parse(expression) else {
        return;
    };
    let input: Value = serde_json::from_slice(input).unwrap_or(Value::Null);
    let variables: Map<String, Value> = match &input {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    if let Err(e) = parsed.evaluate(&input, &input, &variables) {
        assert_eq!(e.error, "States.Runtime", "{e:?}");
    }
});
