//! JSONPath text, `path 0xFF json`: Step Functions' paths (Jayway's dialect: evaluated
//! against the JSON as input, context object and variables; as a ResultPath, written into
//! it; inside a payload template) and EventBridge's `InputPath` subset (selected from the
//! JSON as an event).
#![no_main]

use event_pattern::{RuleContext, TargetInput};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::split;
use orderly_states::paths::result_path::ResultPath;
use orderly_states::paths::{JsonPath, Root, Scope, Template};
use serde_json::{Map, Value, json};

fuzz_target!(|data: &[u8]| {
    let (path, document) = split(data);
    let Ok(path) = std::str::from_utf8(path) else {
        return;
    };
    let value: Value = serde_json::from_slice(document).unwrap_or(Value::Null);
    let variables: Map<String, Value> = match &value {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };

    let scope = Scope {
        input: &value,
        context: &value,
        variables: Some(&variables),
    };
    if let Ok(parsed) = JsonPath::parse(path) {
        let _ = parsed.normalized();
        let found = parsed.evaluate(scope);
        // An indefinite path from `$` or `$$` always finds something: its matches as an
        // array (possibly empty), or their count for `.length()`.
        if !parsed.is_definite() && matches!(parsed.root(), Root::Input | Root::Context) {
            assert!(found.is_some(), "{path} found nothing");
        }
        if parsed.is_reference() {
            let _ = ResultPath::Path(parsed.clone()).top_level_key();
            let _ = ResultPath::Path(parsed).apply(value.clone(), json!({"r": 1}));
        }
    }
    // The same text in a payload template, where `.$` fields hold paths or intrinsics.
    if let Ok(template) = Template::compile(&json!({"p.$": path, "q": [{"r.$": path}]})) {
        let _ = template.evaluate(scope);
    }

    let input_path = TargetInput::InputPath(path.to_owned());
    if let Ok(compiled) = input_path.compile() {
        let ctx = RuleContext {
            rule_name: "r",
            rule_arn: "arn:aws:events:us-east-1:000000000000:rule/r",
            ingestion_time: None,
        };
        if let Ok(event) = std::str::from_utf8(document)
            && let Ok(selected) = compiled.apply(event, &ctx)
        {
            assert!(
                serde_json::from_str::<Value>(&selected).is_ok(),
                "{selected}"
            );
        }
    }
});
