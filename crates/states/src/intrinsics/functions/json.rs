//! `States.StringToJson`, `States.JsonToString` and `States.JsonMerge`.

use serde_json::Value;

/// `States.StringToJson(text)`: parses an escaped JSON string. An empty or blank text
/// is null (recorded on AWS), where a JSON parser would refuse it.
pub fn string_to_json(args: &[Value]) -> Option<Value> {
    let [Value::String(text)] = args else {
        return None;
    };
    if text.trim().is_empty() {
        return Some(Value::Null);
    }
    serde_json::from_str(text).ok()
}

/// `States.JsonToString(value)`: compact JSON text, integers without a fraction.
pub fn json_to_string(args: &[Value]) -> Option<Value> {
    let [value] = args else {
        return None;
    };
    serde_json::to_string(value).ok().map(Value::String)
}

/// `States.JsonMerge(left, right, false)`: a shallow merge where `right` wins on shared
/// keys. The third argument says whether to merge deeply, and "Step Functions only
/// supports the shallow merging mode; therefore, you must specify the boolean value as
/// `false`": anything else (`true`, `'false'`, `0`, `null`) is rejected.
pub fn merge(args: Vec<Value>) -> Option<Value> {
    let [
        Value::Object(mut left),
        Value::Object(right),
        Value::Bool(false),
    ] = <[Value; 3]>::try_from(args).ok()?
    else {
        return None;
    };
    for (key, value) in right {
        left.insert(key, value);
    }
    Some(Value::Object(left))
}
