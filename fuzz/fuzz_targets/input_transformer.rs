//! Input transformers (`InputPathsMap` + `InputTemplate`), constant inputs and
//! `InputPath`s, as PutTargets checks them and as they build a target's input from an
//! event. A template that starts as JSON (`{`, `[` or `"`) yields valid JSON when the
//! values it takes need no escaping (EventBridge does not escape what it places in quotes).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use event_pattern::{InputTransformer, RuleContext, TargetInput};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::{key, object, string};
use std::collections::BTreeMap;

/// Path pieces that EventBridge's JSONPath subset reads, and some it refuses.
const STEPS: &[&str] = &[
    "$", ".", "a", "b", "detail", "[0]", "[1]", "[*]", "..", "['a']", "[", "]", "*", "-",
];
/// Template pieces: JSON punctuation, text, and variable references.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    " ",
    "\\",
    "x",
    "1",
    "null",
    "<",
    ">",
    "<v>",
    "<w>",
    "\"<v>\"",
    "<aws.events.rule-name>",
    "<aws.events.event>",
    "<aws.events.event.json>",
    "<aws.events.rule-arn>",
    "<aws.events.event.ingestion-time>",
    "\"k\": ",
    "\"<w>\": 1",
];

fn assemble(u: &mut Unstructured, parts: &[&str], max: u32) -> arbitrary::Result<String> {
    let n = u.int_in_range(0..=max)?;
    let mut out = String::new();
    for _ in 0..n {
        if u.ratio(1, 8)? {
            out.push_str(&string(u)?);
        } else {
            out.push_str(u.choose(parts)?);
        }
    }
    Ok(out)
}

#[derive(Debug)]
struct Case {
    input: TargetInput,
    event: String,
    ingestion_time: Option<String>,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let input = match u.int_in_range(0..=5)? {
            0 => TargetInput::Event,
            1 => TargetInput::Input(assemble(u, PIECES, 12)?),
            2 => TargetInput::InputPath(assemble(u, STEPS, 8)?),
            _ => {
                let n = u.int_in_range(0..=3)?;
                let mut input_paths_map = BTreeMap::new();
                for _ in 0..n {
                    let name = if u.ratio(2, 3)? {
                        (*u.choose(&["v", "w", "aws.x"])?).to_owned()
                    } else {
                        key(u)?
                    };
                    input_paths_map.insert(name, assemble(u, STEPS, 8)?);
                }
                TargetInput::InputTransformer(InputTransformer {
                    input_paths_map,
                    input_template: assemble(u, PIECES, 16)?,
                })
            }
        };
        let event = if u.ratio(15, 16)? {
            serde_json::Value::Object(object(u, 3)?).to_string()
        } else {
            String::arbitrary(u)?
        };
        let ingestion_time = Option::<String>::arbitrary(u)?;
        Ok(Case {
            input,
            event,
            ingestion_time,
        })
    }
}

fuzz_target!(|case: Case| {
    let Ok(compiled) = case.input.compile() else {
        return;
    };
    let ctx = RuleContext {
        // Rule names are `[\.\-_A-Za-z0-9]+`: never escaped.
        rule_name: "rule.name",
        rule_arn: "arn:aws:events:us-east-1:000000000000:rule/r",
        ingestion_time: case.ingestion_time.as_deref(),
    };
    let Ok(body) = compiled.apply(&case.event, &ctx) else {
        return;
    };
    let json_template = match &case.input {
        TargetInput::InputTransformer(t) => {
            matches!(
                t.input_template.trim_start().as_bytes().first(),
                Some(b'{' | b'[' | b'"')
            )
        }
        _ => true,
    };
    let plain_ingestion = case.ingestion_time.as_deref().is_none_or(plain);
    let plain_event =
        serde_json::from_str::<serde_json::Value>(&case.event).is_ok_and(|v| needs_no_escaping(&v));
    if json_template && plain_ingestion && plain_event {
        assert!(
            serde_json::from_str::<serde_json::Value>(&body).is_ok(),
            "{:?} on {} gave {body}",
            case.input,
            case.event
        );
    }
});

/// Whether `s` reads the same inside a JSON string unescaped.
fn plain(s: &str) -> bool {
    !s.chars().any(|c| c == '"' || c == '\\' || c < ' ')
}

/// Whether every string of `v`, keys too, is [`plain`]: "EventBridge doesn't escape values
/// extracted by Input Path, when populating the Input Template for a target".
fn needs_no_escaping(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => plain(s),
        serde_json::Value::Array(items) => items.iter().all(needs_no_escaping),
        serde_json::Value::Object(map) => map.iter().all(|(k, v)| plain(k) && needs_no_escaping(v)),
        _ => true,
    }
}
