//! A target's input: the whole event, a constant `Input`, an `InputPath`, or an
//! `InputTransformer` (`InputPathsMap` + `InputTemplate`), as the user guide's "Amazon
//! EventBridge input transformation" page (eb-transform-target-input) describes it.
//!
//! Templates come in three kinds, told apart by their first character:
//! - JSON (`{` or `[`): a variable outside quotes becomes the JSON of its value (EventBridge
//!   "automatically adds quotes to string variable values"); inside quotes it becomes the
//!   value's text as it is: "EventBridge doesn't escape values extracted by Input Path", and
//!   an object or array loses its inner quotes ("EventBridge removes any internal quotes to
//!   ensure a valid string");
//! - a quoted string (`"…"`): every variable is inside the string;
//! - plain text: values are inserted as text.
//!
//! A variable whose path selects nothing "isn't created and won't appear in the output":
//! empty text inside strings and plain text, and `""` where a JSON value is expected (what
//! EventBridge delivers for it: an empty string variable, quoted as every string is).

use crate::error::TransformError;
use crate::jsonpath::JsonPath;
use serde_json::Value;
use std::collections::BTreeMap;

/// Most variables an `InputPathsMap` may define.
pub const MAX_INPUT_PATHS: usize = 100;
/// Longest `InputTemplate` the API accepts.
pub const MAX_INPUT_TEMPLATE_LENGTH: usize = 8192;
/// Longest `InputPathsMap` key (`InputTransformerPathKey`) and value (`TargetInputPath`).
pub const MAX_INPUT_PATH_LENGTH: usize = 256;

const RULE_ARN: &str = "aws.events.rule-arn";
const RULE_NAME: &str = "aws.events.rule-name";
const INGESTION_TIME: &str = "aws.events.event.ingestion-time";
const EVENT: &str = "aws.events.event";
const EVENT_JSON: &str = "aws.events.event.json";
const PREDEFINED: &[&str] = &[RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON];

/// How a target's input is built from the event that matched its rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetInput {
    /// No input configuration: the event itself.
    #[default]
    Event,
    /// `Input`: this constant JSON text.
    Input(String),
    /// `InputPath`: the part of the event this path selects.
    InputPath(String),
    /// `InputTransformer`.
    InputTransformer(InputTransformer),
}

/// `InputPathsMap` and `InputTemplate` of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputTransformer {
    /// `InputPathsMap`: variable name to the JSONPath of the event value it holds (at most
    /// 100; names starting with `aws.` are EventBridge's own).
    pub input_paths_map: BTreeMap<String, String>,
    /// `InputTemplate`: the target's input, with `<name>` placeholders for the variables
    /// (1 to 8192 characters).
    pub input_template: String,
}

/// What a transformer knows besides the event.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// The rule's name: the value of `<aws.events.rule-name>`.
    pub rule_name: &'a str,
    /// The rule's ARN: the value of `<aws.events.rule-arn>`.
    pub rule_arn: &'a str,
    /// When the bus received the event (ISO 8601); the event's `time` when not given.
    pub ingestion_time: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TemplateKind {
    Json,
    Quoted,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var { name: String, in_string: bool },
}

/// A checked input configuration, ready to apply to many events.
#[derive(Debug, Clone)]
pub struct CompiledInput {
    kind: CompiledKind,
}

#[derive(Debug, Clone)]
enum CompiledKind {
    Event,
    Constant(String),
    Path(JsonPath),
    Template {
        kind: TemplateKind,
        paths: BTreeMap<String, JsonPath>,
        pieces: Vec<Piece>,
    },
}

impl TargetInput {
    /// Checks the configuration as PutTargets does.
    pub fn compile(&self) -> Result<CompiledInput, TransformError> {
        let kind = match self {
            TargetInput::Event => CompiledKind::Event,
            TargetInput::Input(text) => {
                serde_json::from_str::<Value>(text).map_err(|e| {
                    TransformError::InvalidConfig(format!("Input is not valid JSON: {e}"))
                })?;
                CompiledKind::Constant(text.clone())
            }
            TargetInput::InputPath(path) => CompiledKind::Path(
                JsonPath::parse(path)
                    .map_err(|e| TransformError::InvalidConfig(format!("InputPath {e}")))?,
            ),
            TargetInput::InputTransformer(t) => t.compile()?,
        };
        Ok(CompiledInput { kind })
    }
}

impl InputTransformer {
    fn compile(&self) -> Result<CompiledKind, TransformError> {
        let invalid = |m: String| Err(TransformError::InvalidConfig(m));
        if self.input_paths_map.len() > MAX_INPUT_PATHS {
            return invalid(format!(
                "InputPathsMap has {} variables; at most {MAX_INPUT_PATHS} are allowed",
                self.input_paths_map.len()
            ));
        }
        let template = &self.input_template;
        if template.is_empty() || template.chars().count() > MAX_INPUT_TEMPLATE_LENGTH {
            return invalid(format!(
                "InputTemplate must be 1 to {MAX_INPUT_TEMPLATE_LENGTH} characters long"
            ));
        }
        let mut paths = BTreeMap::new();
        for (name, path) in &self.input_paths_map {
            if PREDEFINED.contains(&name.as_str()) || name.starts_with("aws.") {
                return invalid(format!(
                    "InputPathsMap variable {name} is reserved: names starting with \"aws.\" belong to EventBridge"
                ));
            }
            if !is_variable_name(name) {
                return invalid(format!(
                    "InputPathsMap key {name:?} must match [a-zA-Z0-9_-]+ and be at most \
                     {MAX_INPUT_PATH_LENGTH} characters long"
                ));
            }
            if path.chars().count() > MAX_INPUT_PATH_LENGTH {
                return invalid(format!(
                    "InputPathsMap value of {name} must be at most {MAX_INPUT_PATH_LENGTH} \
                     characters long"
                ));
            }
            let parsed = JsonPath::parse(path)
                .map_err(|e| TransformError::InvalidConfig(format!("InputPathsMap {name}: {e}")))?;
            paths.insert(name.clone(), parsed);
        }
        let kind = match template.trim_start().as_bytes().first() {
            Some(b'{' | b'[') => TemplateKind::Json,
            Some(b'"') => TemplateKind::Quoted,
            _ => TemplateKind::Text,
        };
        if let Some(name) = undefined_placeholder(template, &paths) {
            return invalid(format!(
                "InputTemplate contains invalid placeholder {name}."
            ));
        }
        let pieces = split_template(template, kind, &paths);
        if kind != TemplateKind::Text {
            check_template(&pieces, kind)?;
        }
        Ok(CompiledKind::Template {
            kind,
            paths,
            pieces,
        })
    }
}

/// `InputTransformerPathKey`: `[a-zA-Z0-9\_\-]+`, at most 256 characters.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_INPUT_PATH_LENGTH
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Whether `<name>` has the form of a placeholder: a variable name, or a dotted one like the
/// predefined `aws.events.…` variables.
fn looks_like_placeholder(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The first `<name>` of the template that has a placeholder's form but names neither a
/// variable of `InputPathsMap` nor a predefined one: PutTargets refuses the target
/// ("InputTemplate for target … contains invalid placeholder …").
fn undefined_placeholder<'a>(
    template: &'a str,
    paths: &BTreeMap<String, JsonPath>,
) -> Option<&'a str> {
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find(['>', '<'])?;
        let name = &after[..end];
        if after[end..].starts_with('>')
            && looks_like_placeholder(name)
            && !paths.contains_key(name)
            && !PREDEFINED.contains(&name)
        {
            return Some(name);
        }
        rest = &after[end..];
    }
    None
}

/// Splits a template into text and the variables it uses (`<name>` of a defined or
/// predefined variable; any other `<…>` is text), noting which sit inside JSON strings.
fn split_template(
    template: &str,
    kind: TemplateKind,
    paths: &BTreeMap<String, JsonPath>,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            let name = &rest[1..end];
            if paths.contains_key(name) || PREDEFINED.contains(&name) {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Var {
                    name: name.to_owned(),
                    in_string: kind != TemplateKind::Text && in_string,
                });
                rest = &rest[end + 1..];
                escaped = false;
                continue;
            }
        }
        if kind != TemplateKind::Text {
            if in_string && escaped {
                escaped = false;
            } else if in_string && c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = !in_string;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// A JSON or quoted template must be valid JSON whatever its variables hold, and a variable
/// may not be an object key.
fn check_template(pieces: &[Piece], kind: TemplateKind) -> Result<(), TransformError> {
    let mut probe = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) => probe.push_str(t),
            Piece::Var { name, in_string } => {
                if *in_string {
                    if is_object_key(&pieces[i + 1..]) {
                        return Err(TransformError::InvalidConfig(format!(
                            "InputTemplate uses <{name}> in an object key, which EventBridge does not allow"
                        )));
                    }
                    probe.push('x');
                } else {
                    probe.push_str("null");
                }
            }
        }
    }
    if let Err(e) = serde_json::from_str::<Value>(&probe) {
        let what = if kind == TemplateKind::Json {
            "InputTemplate is not valid JSON"
        } else {
            "InputTemplate starts with a quote but is not one valid JSON string"
        };
        return Err(TransformError::InvalidConfig(format!("{what}: {e}")));
    }
    Ok(())
}

/// Whether the string a variable sits in ends and is followed by `:` (an object key).
fn is_object_key(after: &[Piece]) -> bool {
    let mut escaped = false;
    let mut closed = false;
    for piece in after {
        let Piece::Text(t) = piece else { continue };
        for c in t.chars() {
            if closed {
                if c.is_whitespace() {
                    continue;
                }
                return c == ':';
            }
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                closed = true;
            }
        }
    }
    false
}

impl CompiledInput {
    /// The input the target receives for `event` (JSON text).
    pub fn apply(&self, event: &str, ctx: &RuleContext) -> Result<String, TransformError> {
        let value: Value =
            serde_json::from_str(event).map_err(|e| TransformError::InvalidEvent(e.to_string()))?;
        self.apply_parsed(event, &value, ctx)
    }

    /// As `apply`, for an event already parsed: `text` and `value` are the same event. A
    /// caller holding the event reads it once for all its targets, to whatever depth it
    /// accepts events (serde_json's default reader stops at 128 levels).
    pub fn apply_parsed(
        &self,
        text: &str,
        value: &Value,
        ctx: &RuleContext,
    ) -> Result<String, TransformError> {
        match &self.kind {
            CompiledKind::Event => Ok(text.to_owned()),
            CompiledKind::Constant(text) => Ok(text.clone()),
            CompiledKind::Path(path) => Ok(path
                .select(value)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "null".to_owned())),
            CompiledKind::Template {
                kind,
                paths,
                pieces,
            } => {
                let mut out = String::with_capacity(text.len());
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Var { name, in_string } => {
                            let v = variable(name, paths, value, ctx);
                            render(&mut out, v.as_ref(), *kind, *in_string);
                        }
                    }
                }
                Ok(out)
            }
        }
    }
}

fn variable(
    name: &str,
    paths: &BTreeMap<String, JsonPath>,
    event: &Value,
    ctx: &RuleContext,
) -> Option<Value> {
    match name {
        RULE_ARN => Some(Value::String(ctx.rule_arn.to_owned())),
        RULE_NAME => Some(Value::String(ctx.rule_name.to_owned())),
        INGESTION_TIME => ctx
            .ingestion_time
            .map(|t| Value::String(t.to_owned()))
            .or_else(|| event.get("time").cloned()),
        EVENT => {
            // The event without its detail.
            let mut e = event.clone();
            if let Value::Object(map) = &mut e {
                map.shift_remove("detail");
            }
            Some(e)
        }
        EVENT_JSON => Some(event.clone()),
        _ => paths.get(name).and_then(|p| p.select(event)),
    }
}

fn render(out: &mut String, value: Option<&Value>, kind: TemplateKind, in_string: bool) {
    match (value, kind, in_string) {
        // Not created: nothing in text, an empty string where a JSON value goes.
        (None, TemplateKind::Json, false) => out.push_str("\"\""),
        (None, _, _) => {}
        (Some(Value::String(s)), TemplateKind::Text, _) => out.push_str(s),
        (Some(v), TemplateKind::Text, _) => out.push_str(&v.to_string()),
        // Outside quotes: the value's JSON, strings quoted.
        (Some(v), _, false) => out.push_str(&v.to_string()),
        // Inside quotes: the text as it is, not escaped.
        (Some(Value::String(s)), _, true) => out.push_str(s),
        (Some(v @ (Value::Object(_) | Value::Array(_))), _, true) => {
            // Inside a string an object or array loses its inner quotes.
            out.extend(v.to_string().chars().filter(|&c| c != '"'));
        }
        (Some(v), _, true) => out.push_str(&v.to_string()),
    }
}

/// Builds a target's input as EventBridge does, for a rule called `rule_name`.
pub fn transform_input(
    target: &TargetInput,
    event: &str,
    rule_name: &str,
    rule_arn: &str,
) -> Result<String, TransformError> {
    target.compile()?.apply(
        event,
        &RuleContext {
            rule_name,
            rule_arn,
            ingestion_time: None,
        },
    )
}
