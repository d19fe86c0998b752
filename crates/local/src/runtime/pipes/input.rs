//! A pipe's input templates and dynamic parameters, as the user guide's "Amazon EventBridge
//! Pipes input transformation" page describes them: `<$.path>` placeholders and the
//! reserved `<aws.pipes.…>` variables, in the same three template kinds (JSON, quoted,
//! text) as a rule's input transformer.
//!
//! A template is rewritten into a rule transformer over a wrapper of the event,
//! `{"e": event, "pipe": {...}}`: `<$.a.b>` reads `$.e.a.b` and `<aws.pipes.pipe-arn>`
//! reads `$.pipe.arn`. The quoting rules, missing paths and limits are then the rule
//! transformer's own (the `event-pattern` crate), which the two pages share.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use event_pattern::{CompiledInput, InputTransformer, RuleContext, TargetInput};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What the reserved variables hold for one pipe.
#[derive(Debug, Clone, Default)]
pub struct PipeContext {
    /// `aws.pipes.pipe-arn`.
    pub pipe_arn: String,
    /// `aws.pipes.pipe-name`.
    pub pipe_name: String,
    /// `aws.pipes.source-arn`.
    pub source_arn: String,
    /// `aws.pipes.enrichment-arn`.
    pub enrichment_arn: String,
    /// `aws.pipes.target-arn`.
    pub target_arn: String,
}

/// A checked template.
#[derive(Debug, Clone)]
pub struct PipeTemplate {
    compiled: CompiledInput,
}

/// The member of the wrapper a reserved variable reads.
fn reserved(name: &str) -> Option<&'static str> {
    Some(match name {
        "aws.pipes.pipe-arn" => "$.pipe.arn",
        "aws.pipes.pipe-name" => "$.pipe.name",
        "aws.pipes.source-arn" => "$.pipe.source",
        "aws.pipes.enrichment-arn" => "$.pipe.enrichment",
        "aws.pipes.target-arn" => "$.pipe.target",
        "aws.pipes.event.ingestion-time" => "$.pipe.time",
        "aws.pipes.event" | "aws.pipes.event.json" => "$.e",
        _ => return None,
    })
}

impl PipeTemplate {
    /// Checks `text`, refusing what a rule's transformer refuses.
    pub fn compile(text: &str) -> Result<Self, String> {
        let mut paths = BTreeMap::new();
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('>') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let inner = &after[..close];
            let path = if let Some(tail) = inner.strip_prefix('$') {
                Some(format!("$.e{tail}"))
            } else {
                reserved(inner).map(str::to_owned)
            };
            match path {
                Some(path) => {
                    let name = format!("v{}", paths.len());
                    out.push('<');
                    out.push_str(&name);
                    out.push('>');
                    paths.insert(name, path);
                }
                // Not a variable: text, as the page's free text templates are.
                None => out.push_str(&rest[open..open + 1 + close + 1]),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        let compiled = TargetInput::InputTransformer(InputTransformer {
            input_paths_map: paths,
            input_template: out,
        })
        .compile()
        .map_err(|e| e.to_string())?;
        Ok(Self { compiled })
    }

    /// The template applied to one event, at `now` (RFC 3339).
    pub fn apply(&self, event: &Value, ctx: &PipeContext, now: &str) -> Result<String, String> {
        let wrapper = json!({
            "e": event,
            "pipe": {
                "arn": ctx.pipe_arn,
                "name": ctx.pipe_name,
                "source": ctx.source_arn,
                "enrichment": ctx.enrichment_arn,
                "target": ctx.target_arn,
                "time": now,
            },
        });
        // A template reads the parsed wrapper only: its text is not written out.
        self.compiled
            .apply_parsed(
                "",
                &wrapper,
                &RuleContext {
                    rule_name: &ctx.pipe_name,
                    rule_arn: &ctx.pipe_arn,
                    ingestion_time: Some(now),
                },
            )
            .map_err(|e| e.to_string())
    }
}

/// A target parameter: a JSON path (`$.…`) read from each event, or text.
pub fn dynamic(value: &str, event: &Value) -> Option<String> {
    if !value.starts_with("$.") {
        return Some(value.to_owned());
    }
    let mut at = event;
    for part in value[2..].split('.') {
        at = match at {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match at {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A source record as filters and templates see it: an SQS `body` or a Kinesis `data`
/// that holds JSON is that JSON ("implicit body data parsing"); other records as they are.
pub fn parsed_view(record: &Value) -> Value {
    let Value::Object(fields) = record else {
        return record.clone();
    };
    let mut out: Map<String, Value> = fields.clone();
    if let Some(Value::String(body)) = fields.get("body")
        && let Ok(parsed) = serde_json::from_str::<Value>(body)
        && parsed.is_object()
    {
        out.insert("body".into(), parsed);
    }
    if fields.get("eventSource").and_then(Value::as_str) == Some("aws:kinesis")
        && let Some(Value::String(data)) = fields.get("data")
        && let Ok(bytes) = STANDARD.decode(data)
        && let Ok(parsed) = serde_json::from_slice::<Value>(&bytes)
    {
        out.insert("data".into(), parsed);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PipeContext {
        PipeContext {
            pipe_arn: "arn:aws:pipes:us-east-1:000000000000:pipe/p".into(),
            pipe_name: "p".into(),
            ..PipeContext::default()
        }
    }

    #[test]
    fn paths_and_reserved_variables_fill_a_json_template() {
        let t = PipeTemplate::compile(
            r#"{"id": <$.dynamodb.Keys.id.S>, "lines": <$.lines>, "pipe": <aws.pipes.pipe-name>, "missing": <$.nope>, "text": "id <$.dynamodb.Keys.id.S>"}"#,
        )
        .expect("a template");
        let event = json!({"dynamodb": {"Keys": {"id": {"S": "o-1"}}}, "lines": [{"sku": "a"}]});
        let out: Value = serde_json::from_str(
            &t.apply(&event, &ctx(), "2026-01-01T00:00:00Z")
                .expect("applied"),
        )
        .expect("JSON");
        assert_eq!(out["id"], "o-1");
        assert_eq!(out["lines"], json!([{"sku": "a"}]));
        assert_eq!(out["pipe"], "p");
        assert_eq!(out["text"], "id o-1");
        assert_eq!(out["missing"], "");
    }

    #[test]
    fn bodies_that_hold_json_are_read_as_json_and_others_are_left() {
        let sqs = parsed_view(&json!({"messageId": "m", "body": "{\"orderId\": \"o-1\"}"}));
        assert_eq!(sqs["body"]["orderId"], "o-1");
        let text = parsed_view(&json!({"body": "plain"}));
        assert_eq!(text["body"], "plain");
        assert_eq!(dynamic("$.body.orderId", &sqs).as_deref(), Some("o-1"));
        assert_eq!(dynamic("fixed", &sqs).as_deref(), Some("fixed"));
        assert_eq!(dynamic("$.body.none", &sqs), None);
    }
}
