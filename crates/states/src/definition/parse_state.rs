//! One state: its fields checked against its type and query language, then compiled.

use super::model::*;
use super::parse::{parse_branch, query_language};
use super::problems::{self, Problems};
use crate::choice::{self, Rule};
use crate::errors::names;
use crate::jsonata_template::{JsonataTemplate, expression_of};
use crate::paths::result_path::ResultPath;
use crate::paths::{JsonPath, Root, Template};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

fn allowed(kind: &str, ql: QueryLanguage) -> Option<&'static [&'static str]> {
    use QueryLanguage::*;
    Some(match (kind, ql) {
        ("Pass", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "Result",
            "Next",
            "End",
            "Assign",
        ],
        ("Pass", Jsonata) => &["Output", "Next", "End", "Assign"],
        ("Task", JsonPath) => &[
            "Resource",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Next",
            "End",
            "Assign",
        ],
        ("Task", Jsonata) => &[
            "Resource",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
            "Next",
            "End",
            "Assign",
        ],
        ("Choice", JsonPath) => &["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        ("Choice", Jsonata) => &["Output", "Choices", "Default", "Assign"],
        ("Wait", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "Next",
            "End",
            "Assign",
        ],
        ("Wait", Jsonata) => &["Output", "Seconds", "Timestamp", "Next", "End", "Assign"],
        ("Succeed", JsonPath) => &["InputPath", "OutputPath"],
        ("Succeed", Jsonata) => &["Output"],
        ("Fail", JsonPath) => &["Error", "ErrorPath", "Cause", "CausePath"],
        ("Fail", Jsonata) => &["Error", "Cause"],
        ("Parallel", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Branches",
            "Next",
            "End",
            "Assign",
        ],
        ("Parallel", Jsonata) => &[
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Branches",
            "Next",
            "End",
            "Assign",
        ],
        ("Map", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ItemReader",
            "ResultWriter",
            "ItemBatcher",
            "Label",
            "Next",
            "End",
            "Assign",
        ],
        ("Map", Jsonata) => &[
            "Items",
            "ItemSelector",
            "Output",
            "Retry",
            "Catch",
            "ItemProcessor",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemReader",
            "ResultWriter",
            "ItemBatcher",
            "Label",
            "Next",
            "End",
            "Assign",
        ],
        _ => return None,
    })
}

/// Context while one state is parsed.
struct Cx<'a> {
    obj: &'a Map<String, Value>,
    loc: &'a str,
    names: &'a HashMap<String, usize>,
    ql: QueryLanguage,
    machine_ql: QueryLanguage,
    problems: &'a mut Problems,
}

impl Cx<'_> {
    fn at(&self, field: &str) -> String {
        format!("{}/{field}", self.loc)
    }

    fn bad(&mut self, field: &str, message: impl Into<String>) {
        let at = self.at(field);
        self.problems.schema(at, message);
    }

    fn string(&mut self, field: &str) -> Option<&str> {
        match self.obj.get(field) {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING"),
                );
                None
            }
        }
    }

    fn target(&mut self, field: &str, name: &str) -> Option<usize> {
        match self.names.get(name) {
            Some(i) => Some(*i),
            None => {
                let at = self.at(field);
                self.problems.add(
                    problems::MISSING_TARGET,
                    at,
                    format!("Missing 'Next' target: {name}"),
                );
                None
            }
        }
    }

    fn path(&mut self, field: &str, text: &str) -> Option<JsonPath> {
        match JsonPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.bad(
                    field,
                    format!(
                        "The value for the field '{field}' must be a valid JSONPath: {}",
                        e.reason
                    ),
                );
                None
            }
        }
    }

    fn reference_path(&mut self, field: &str, text: &str) -> Option<JsonPath> {
        let path = self.path(field, text)?;
        if !path.is_reference() || !matches!(path.root(), Root::Input | Root::Context) {
            self.bad(
                field,
                format!("The value for the field '{field}' must be a valid Reference Path"),
            );
            return None;
        }
        Some(path)
    }

    fn selection(&mut self, field: &str) -> Selection {
        match self.obj.get(field) {
            None => Selection::Whole,
            Some(Value::Null) => Selection::Empty,
            Some(Value::String(s)) if s == "$" => Selection::Whole,
            Some(Value::String(s)) => {
                let s = s.clone();
                self.path(field, &s)
                    .map(Selection::Path)
                    .unwrap_or(Selection::Whole)
            }
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING or null"),
                );
                Selection::Whole
            }
        }
    }

    fn result_path(&mut self, field: &str, value: Option<&Value>) -> ResultPath {
        match value {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(Value::String(s)) if s == "$" => ResultPath::Replace,
            Some(Value::String(s)) => {
                let s = s.clone();
                match self.reference_path(field, &s) {
                    Some(p) if *p.root() == Root::Input => ResultPath::Path(p),
                    Some(_) => {
                        self.bad(field, "ResultPath cannot write into the context object");
                        ResultPath::Replace
                    }
                    None => ResultPath::Replace,
                }
            }
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING or null"),
                );
                ResultPath::Replace
            }
        }
    }

    fn template(&mut self, field: &str) -> Option<Template> {
        let value = self.obj.get(field)?;
        if !value.is_object() {
            self.bad(
                field,
                format!("The value for the field '{field}' must be an OBJECT"),
            );
            return None;
        }
        match Template::compile(value) {
            Ok(t) => Some(t),
            Err(e) => {
                let at = format!("{}{}", self.at(field), e.location);
                self.problems.schema(at, e.message);
                None
            }
        }
    }

    fn jsonata(&mut self, field: &str) -> Option<JsonataTemplate> {
        self.obj.get(field).map(JsonataTemplate::compile)
    }

    fn assign(&mut self, obj: &Map<String, Value>, field_loc: &str) -> Option<Assign> {
        let value = obj.get("Assign")?;
        let Some(map) = value.as_object() else {
            self.problems.schema(
                field_loc,
                "The value for the field 'Assign' must be an OBJECT",
            );
            return None;
        };
        for key in map.keys() {
            let name = key.strip_suffix(".$").unwrap_or(key);
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && name.len() <= 80;
            if !valid {
                self.problems.schema(
                    format!("{field_loc}/{key}"),
                    format!("The variable name '{name}' is invalid: use letters, digits and underscores, starting with a letter or underscore"),
                );
            }
        }
        match self.ql {
            QueryLanguage::Jsonata => Some(Assign::Jsonata(JsonataTemplate::compile(value))),
            QueryLanguage::JsonPath => match Template::compile(value) {
                Ok(t) => Some(Assign::JsonPath(t)),
                Err(e) => {
                    self.problems
                        .schema(format!("{field_loc}{}", e.location), e.message);
                    None
                }
            },
        }
    }

    /// A number field with a `…Path` form (JSONPath) or a `{% %}` form (JSONata).
    fn dynamic(&mut self, field: &str, path_field: &str, minimum: f64) -> Option<Dynamic> {
        let fixed = self.obj.get(field);
        let path = self.obj.get(path_field);
        if fixed.is_some() && path.is_some() {
            self.bad(
                field,
                format!("The fields '{field}' and '{path_field}' cannot both be set"),
            );
            return None;
        }
        if let Some(text) = path {
            let Some(text) = text.as_str() else {
                self.bad(
                    path_field,
                    format!("The value for the field '{path_field}' must be a STRING"),
                );
                return None;
            };
            return self.reference_path(path_field, text).map(Dynamic::Path);
        }
        let value = fixed?;
        if let Some(s) = value.as_str()
            && expression_of(s).is_some()
            && self.ql == QueryLanguage::Jsonata
        {
            return Some(Dynamic::Jsonata(JsonataTemplate::compile(value)));
        }
        match value.as_f64() {
            Some(n) if n >= minimum => Some(Dynamic::Fixed(value.clone())),
            _ => {
                self.bad(
                    field,
                    format!(
                        "The value for the field '{field}' must be a number no less than {minimum}"
                    ),
                );
                None
            }
        }
    }

    fn retriers(&mut self) -> Vec<Retrier> {
        let Some(value) = self.obj.get("Retry") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.bad("Retry", "The value for the field 'Retry' must be an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let loc = format!("{}/Retry[{i}]", self.loc);
            let Some(obj) = r.as_object() else {
                self.problems.schema(loc, "A retrier must be an OBJECT");
                continue;
            };
            for key in obj.keys() {
                if !matches!(
                    key.as_str(),
                    "ErrorEquals"
                        | "IntervalSeconds"
                        | "MaxAttempts"
                        | "BackoffRate"
                        | "MaxDelaySeconds"
                        | "JitterStrategy"
                        | "Comment"
                ) {
                    self.problems.schema(
                        format!("{loc}/{key}"),
                        format!("Field \"{key}\" is not supported"),
                    );
                }
            }
            let Some(error_equals) = self.error_equals(obj, &loc, i + 1 == list.len(), "retrier")
            else {
                continue;
            };
            let int_field = |this: &mut Self, name: &str, default: u64, min: u64| -> u64 {
                match obj.get(name) {
                    None => default,
                    Some(v) => match v.as_u64().filter(|n| *n >= min && *n <= 99_999_999) {
                        Some(n) => n,
                        None => {
                            this.problems.schema(
                                format!("{loc}/{name}"),
                                format!("The value for the field '{name}' must be an integer between {min} and 99999999"),
                            );
                            default
                        }
                    },
                }
            };
            let interval = int_field(self, "IntervalSeconds", 1, 1);
            let max_attempts = int_field(self, "MaxAttempts", 3, 0);
            let max_delay = obj
                .get("MaxDelaySeconds")
                .map(|_| int_field(self, "MaxDelaySeconds", 1, 1));
            let backoff_rate = match obj.get("BackoffRate") {
                None => 2.0,
                Some(v) => match v.as_f64().filter(|n| *n >= 1.0) {
                    Some(n) => n,
                    None => {
                        self.problems.schema(format!("{loc}/BackoffRate"), "The value for the field 'BackoffRate' must be a number no less than 1.0");
                        2.0
                    }
                },
            };
            let jitter_full = match obj.get("JitterStrategy").map(|v| v.as_str()) {
                None | Some(Some("NONE")) => false,
                Some(Some("FULL")) => true,
                Some(_) => {
                    self.problems.schema(
                        format!("{loc}/JitterStrategy"),
                        "The value for the field 'JitterStrategy' must be one of FULL, NONE",
                    );
                    false
                }
            };
            out.push(Retrier {
                error_equals,
                interval_seconds: interval as f64,
                max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
                backoff_rate,
                max_delay_seconds: max_delay.map(|d| d as f64),
                jitter_full,
            });
        }
        out
    }

    fn error_equals(
        &mut self,
        obj: &Map<String, Value>,
        loc: &str,
        is_last: bool,
        what: &str,
    ) -> Option<Vec<String>> {
        let list: Option<Vec<String>> = obj
            .get("ErrorEquals")
            .and_then(Value::as_array)
            .and_then(|l| l.iter().map(|v| v.as_str().map(str::to_owned)).collect());
        let Some(list) = list.filter(|l| !l.is_empty()) else {
            self.problems.schema(
                format!("{loc}/ErrorEquals"),
                "The field 'ErrorEquals' is required and must be a non-empty array of strings",
            );
            return None;
        };
        if list.iter().any(|e| e == names::ALL) {
            if list.len() != 1 {
                self.problems.schema(
                    format!("{loc}/ErrorEquals"),
                    "States.ALL must appear alone in ErrorEquals",
                );
            } else if !is_last {
                self.problems.schema(
                    format!("{loc}/ErrorEquals"),
                    format!("A {what} with States.ALL must be the last one"),
                );
            }
        }
        Some(list)
    }

    fn catchers(&mut self) -> Vec<Catcher> {
        let Some(value) = self.obj.get("Catch") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.bad("Catch", "The value for the field 'Catch' must be an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let loc = format!("{}/Catch[{i}]", self.loc);
            let Some(obj) = c.as_object() else {
                self.problems.schema(loc, "A catcher must be an OBJECT");
                continue;
            };
            let allowed: &[&str] = match self.ql {
                QueryLanguage::JsonPath => {
                    &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"]
                }
                QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
            };
            for key in obj.keys() {
                if !allowed.contains(&key.as_str()) {
                    self.problems.schema(
                        format!("{loc}/{key}"),
                        format!("Field \"{key}\" is not supported"),
                    );
                }
            }
            let error_equals = self.error_equals(obj, &loc, i + 1 == list.len(), "catcher");
            let next = match obj.get("Next").and_then(Value::as_str) {
                Some(n) => self.target(&format!("Catch[{i}]/Next"), n),
                None => {
                    self.problems
                        .schema(format!("{loc}/Next"), "The field 'Next' is required");
                    None
                }
            };
            let result_path =
                self.result_path(&format!("Catch[{i}]/ResultPath"), obj.get("ResultPath"));
            let output = obj.get("Output").map(JsonataTemplate::compile);
            let assign = self.assign(obj, &format!("{loc}/Assign"));
            if let (Some(error_equals), Some(next)) = (error_equals, next) {
                out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    output,
                    assign,
                });
            }
        }
        out
    }

    fn transition(&mut self, kind: &str) -> Option<usize> {
        if matches!(kind, "Choice" | "Succeed" | "Fail") {
            return None;
        }
        let next = self.obj.get("Next");
        let end = self.obj.get("End");
        match (next, end) {
            (Some(_), Some(_)) => {
                self.bad("End", "The fields 'Next' and 'End' cannot both be set");
                None
            }
            (Some(Value::String(n)), None) => {
                let n = n.clone();
                self.target("Next", &n)
            }
            (Some(_), None) => {
                self.bad("Next", "The value for the field 'Next' must be a STRING");
                None
            }
            (None, Some(Value::Bool(true))) => None,
            (None, Some(_)) => {
                self.bad("End", "The value for the field 'End' must be true");
                None
            }
            (None, None) => {
                let loc = self.loc.to_owned();
                self.problems
                    .schema(loc, "The field 'Next' or 'End' is required");
                None
            }
        }
    }
}

pub(super) fn parse_state(
    name: &str,
    value: &Value,
    loc: &str,
    names: &HashMap<String, usize>,
    machine_ql: QueryLanguage,
    problems: &mut Problems,
) -> Option<State> {
    let Some(obj) = value.as_object() else {
        problems.schema(loc, "A state must be an OBJECT");
        return None;
    };
    let before = problems.list.len();
    let ql = query_language(obj, loc, Some(machine_ql), problems).unwrap_or(machine_ql);
    let kind_name = match obj.get("Type").and_then(Value::as_str) {
        Some(k) => k,
        None => {
            problems.schema(loc, "The field 'Type' is required and must be a STRING");
            return None;
        }
    };
    let Some(fields) = allowed(kind_name, ql) else {
        problems.schema(
            format!("{loc}/Type"),
            format!("The value for the field 'Type' must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map; got '{kind_name}'"),
        );
        return None;
    };
    for key in obj.keys() {
        if !fields.contains(&key.as_str()) && !COMMON.contains(&key.as_str()) {
            let hint = if ql == QueryLanguage::Jsonata {
                " in a JSONata state"
            } else {
                ""
            };
            problems.schema(
                format!("{loc}/{key}"),
                format!("Field \"{key}\" is not supported{hint}"),
            );
        }
    }
    let mut cx = Cx {
        obj,
        loc,
        names,
        ql,
        machine_ql,
        problems,
    };
    let next = cx.transition(kind_name);
    let io = Io {
        input_path: cx.selection("InputPath"),
        output_path: cx.selection("OutputPath"),
        parameters: if kind_name == "Map" {
            None
        } else {
            cx.template("Parameters")
        },
        result_selector: cx.template("ResultSelector"),
        result_path: cx.result_path("ResultPath", obj.get("ResultPath")),
        arguments: cx.jsonata("Arguments"),
        output: cx.jsonata("Output"),
    };
    let retry = cx.retriers();
    let catch = cx.catchers();
    let assign = cx.assign(obj, &format!("{loc}/Assign"));
    let kind = match kind_name {
        "Pass" => Some(Kind::Pass {
            result: obj.get("Result").cloned(),
        }),
        "Task" => parse_task(&mut cx),
        "Choice" => parse_choice(&mut cx),
        "Wait" => parse_wait(&mut cx),
        "Succeed" => Some(Kind::Succeed),
        "Fail" => parse_fail(&mut cx),
        "Parallel" => parse_parallel(&mut cx),
        _ => parse_map(&mut cx),
    };
    if ql == QueryLanguage::Jsonata {
        check_jsonata(value, loc, true, cx.problems);
    }
    if cx.problems.list.len() > before {
        return None;
    }
    let text = value.to_string();
    let kind = kind?;
    let passes_input_through = match ql {
        QueryLanguage::JsonPath => {
            io.input_path == Selection::Whole
                && io.output_path == Selection::Whole
                && match &kind {
                    Kind::Pass { result } => result.is_none() && io.parameters.is_none(),
                    Kind::Choice { .. } | Kind::Wait { .. } | Kind::Succeed => true,
                    _ => false,
                }
        }
        QueryLanguage::Jsonata => {
            io.output.is_none()
                && match &kind {
                    Kind::Choice { choices, .. } => choices.iter().all(|c| c.output.is_none()),
                    Kind::Pass { .. } | Kind::Wait { .. } | Kind::Succeed => true,
                    _ => false,
                }
        }
    };
    Some(State {
        name: Arc::from(name),
        query_language: ql,
        kind,
        io,
        next,
        retry,
        catch,
        assign,
        uses_context: text.contains("$$") || text.contains("$states.context"),
        uses_execution_input: reads_execution_input(&text),
        passes_input_through,
    })
}

fn parse_task(cx: &mut Cx<'_>) -> Option<Kind> {
    let resource = match cx.string("Resource") {
        Some(r) => r.to_owned(),
        None => {
            if !cx.obj.contains_key("Resource") {
                let loc = cx.loc.to_owned();
                cx.problems.schema(loc, "The field 'Resource' is required");
            }
            return None;
        }
    };
    if !resource.starts_with("arn:") || resource.split(':').count() < 6 {
        cx.bad(
            "Resource",
            format!("The resource provided {resource} not recognized. The value is not a valid resource ARN, or the resource is not available in this region."),
        );
    }
    let timeout = cx.dynamic("TimeoutSeconds", "TimeoutSecondsPath", 1.0);
    let heartbeat = cx.dynamic("HeartbeatSeconds", "HeartbeatSecondsPath", 1.0);
    if let (Some(Dynamic::Fixed(t)), Some(Dynamic::Fixed(h))) = (&timeout, &heartbeat)
        && h.as_f64() >= t.as_f64()
    {
        cx.bad(
            "HeartbeatSeconds",
            "HeartbeatSeconds must be smaller than TimeoutSeconds",
        );
    }
    Some(Kind::Task {
        resource,
        timeout,
        heartbeat,
        credentials: cx.obj.get("Credentials").cloned(),
    })
}

fn parse_choice(cx: &mut Cx<'_>) -> Option<Kind> {
    let Some(list) = cx
        .obj
        .get("Choices")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    else {
        cx.bad(
            "Choices",
            "The field 'Choices' is required and must be a non-empty ARRAY",
        );
        return None;
    };
    let mut choices = Vec::new();
    for (i, rule_value) in list.iter().enumerate() {
        let loc = format!("{}/Choices[{i}]", cx.loc);
        let Some(rule_obj) = rule_value.as_object() else {
            cx.problems.schema(loc, "A choice rule must be an OBJECT");
            continue;
        };
        let next = match rule_obj.get("Next").and_then(Value::as_str) {
            Some(n) => cx.target(&format!("Choices[{i}]/Next"), n),
            None => {
                cx.problems
                    .schema(format!("{loc}/Next"), "The field 'Next' is required");
                None
            }
        };
        let rule = match cx.ql {
            QueryLanguage::JsonPath => choice::parse_rule(rule_value, &loc, true, cx.problems),
            QueryLanguage::Jsonata => {
                for key in rule_obj.keys() {
                    if !matches!(
                        key.as_str(),
                        "Condition" | "Next" | "Assign" | "Output" | "Comment"
                    ) {
                        cx.problems.schema(
                            format!("{loc}/{key}"),
                            format!("Field \"{key}\" is not supported in a JSONata state"),
                        );
                    }
                }
                match rule_obj.get("Condition") {
                    Some(c @ Value::String(s)) if expression_of(s).is_some() => {
                        Some(Rule::Condition(JsonataTemplate::compile(c)))
                    }
                    Some(c @ Value::Bool(_)) => {
                        Some(Rule::Condition(JsonataTemplate::Static(c.clone())))
                    }
                    _ => {
                        cx.problems.schema(
                            format!("{loc}/Condition"),
                            "The field 'Condition' is required and must be a JSONata expression",
                        );
                        None
                    }
                }
            }
        };
        let assign = cx.assign(rule_obj, &format!("{loc}/Assign"));
        let output = if cx.ql == QueryLanguage::JsonPath && rule_obj.contains_key("Output") {
            None
        } else {
            rule_obj.get("Output").map(JsonataTemplate::compile)
        };
        if let (Some(rule), Some(next)) = (rule, next) {
            choices.push(ChoiceBranch {
                rule,
                next,
                assign,
                output,
            });
        }
    }
    let default = match cx.obj.get("Default") {
        None => None,
        Some(Value::String(d)) => {
            let d = d.clone();
            cx.target("Default", &d)
        }
        Some(_) => {
            cx.bad(
                "Default",
                "The value for the field 'Default' must be a STRING",
            );
            None
        }
    };
    Some(Kind::Choice { choices, default })
}

fn parse_wait(cx: &mut Cx<'_>) -> Option<Kind> {
    let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
        .into_iter()
        .filter(|f| cx.obj.contains_key(*f))
        .collect();
    if present.len() != 1 {
        let loc = cx.loc.to_owned();
        cx.problems.schema(
            loc,
            "A Wait state must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
        );
        return None;
    }
    let until = match present[0] {
        "Seconds" | "SecondsPath" => WaitFor::Seconds(cx.dynamic("Seconds", "SecondsPath", 0.0)?),
        "Timestamp" => {
            let value = cx.obj.get("Timestamp")?;
            match value.as_str() {
                Some(s) if cx.ql == QueryLanguage::Jsonata && expression_of(s).is_some() => {
                    WaitFor::TimestampJsonata(JsonataTemplate::compile(value))
                }
                Some(s) => match choice::parse_timestamp(s) {
                    Some(t) => WaitFor::Timestamp(t),
                    None => {
                        cx.bad(
                            "Timestamp",
                            "The value for the field 'Timestamp' must be an RFC 3339 timestamp",
                        );
                        return None;
                    }
                },
                None => {
                    cx.bad(
                        "Timestamp",
                        "The value for the field 'Timestamp' must be a STRING",
                    );
                    return None;
                }
            }
        }
        _ => {
            let text = cx.string("TimestampPath")?.to_owned();
            WaitFor::TimestampPath(cx.reference_path("TimestampPath", &text)?)
        }
    };
    Some(Kind::Wait { until })
}

fn parse_fail(cx: &mut Cx<'_>) -> Option<Kind> {
    let text_field = |cx: &mut Cx<'_>, field: &str, path_field: &str| -> Option<DynamicText> {
        let fixed = cx.obj.get(field);
        let path = cx.obj.get(path_field);
        if fixed.is_some() && path.is_some() {
            cx.bad(
                field,
                format!("The fields '{field}' and '{path_field}' cannot both be set"),
            );
            return None;
        }
        if let Some(p) = path {
            let p = p.as_str()?.to_owned();
            if crate::intrinsics::is_intrinsic(&p) {
                return match crate::intrinsics::Intrinsic::parse(&p) {
                    Ok(expr) => Some(DynamicText::Intrinsic(expr)),
                    Err(e) => {
                        cx.bad(path_field, format!("The value for the field '{path_field}' must be a valid intrinsic function call: {}", e.message));
                        None
                    }
                };
            }
            return cx.reference_path(path_field, &p).map(DynamicText::Path);
        }
        let v = fixed?;
        match v.as_str() {
            Some(s) if cx.ql == QueryLanguage::Jsonata && expression_of(s).is_some() => {
                Some(DynamicText::Jsonata(JsonataTemplate::compile(v)))
            }
            Some(s) => Some(DynamicText::Fixed(s.to_owned())),
            None => {
                cx.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING"),
                );
                None
            }
        }
    };
    let error = text_field(cx, "Error", "ErrorPath");
    let cause = text_field(cx, "Cause", "CausePath");
    Some(Kind::Fail { error, cause })
}

fn sub_branch(cx: &mut Cx<'_>, value: &Value, loc: &str) -> Option<Arc<Branch>> {
    let Some(obj) = value.as_object() else {
        cx.problems
            .schema(loc, "A branch must be an OBJECT with StartAt and States");
        return None;
    };
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "StartAt" | "States" | "Comment" | "ProcessorConfig" | "QueryLanguage"
        ) {
            cx.problems.schema(
                format!("{loc}/{key}"),
                format!("Field \"{key}\" is not supported"),
            );
        }
    }
    parse_branch(obj, loc, cx.machine_ql, cx.problems).map(Arc::new)
}

fn parse_parallel(cx: &mut Cx<'_>) -> Option<Kind> {
    let Some(list) = cx
        .obj
        .get("Branches")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    else {
        cx.bad(
            "Branches",
            "The field 'Branches' is required and must be a non-empty ARRAY",
        );
        return None;
    };
    let mut branches = Vec::new();
    for (i, b) in list.iter().enumerate() {
        let loc = format!("{}/Branches[{i}]", cx.loc);
        branches.push(sub_branch(cx, b, &loc)?);
    }
    Some(Kind::Parallel { branches })
}

fn parse_map(cx: &mut Cx<'_>) -> Option<Kind> {
    let (field, value) = match (cx.obj.get("ItemProcessor"), cx.obj.get("Iterator")) {
        (Some(_), Some(_)) => {
            cx.bad(
                "Iterator",
                "The fields 'ItemProcessor' and 'Iterator' cannot both be set",
            );
            return None;
        }
        (Some(v), None) => ("ItemProcessor", v),
        (None, Some(v)) => ("Iterator", v),
        (None, None) => {
            let loc = cx.loc.to_owned();
            cx.problems
                .schema(loc, "The field 'ItemProcessor' is required");
            return None;
        }
    };
    let loc = cx.at(field);
    let processor = sub_branch(cx, value, &loc)?;
    let mut unsupported = None;
    if let Some(mode) = value.pointer("/ProcessorConfig/Mode") {
        match mode.as_str() {
            Some("INLINE") => {}
            Some("DISTRIBUTED") => {
                unsupported = Some("unsupported: Map ProcessorConfig Mode DISTRIBUTED".to_owned())
            }
            _ => cx.bad(
                &format!("{field}/ProcessorConfig/Mode"),
                "The value for the field 'Mode' must be one of INLINE, DISTRIBUTED",
            ),
        }
    }
    for feature in ["ItemReader", "ResultWriter", "ItemBatcher"] {
        if cx.obj.contains_key(feature) && unsupported.is_none() {
            unsupported = Some(format!("unsupported: Map {feature}"));
        }
    }
    let items_path = if cx.ql == QueryLanguage::JsonPath {
        match cx.obj.get("ItemsPath") {
            None => Selection::Whole,
            Some(v) => match v.as_str() {
                Some("$") => Selection::Whole,
                Some(text) => {
                    let text = text.to_owned();
                    cx.reference_path("ItemsPath", &text)
                        .map(Selection::Path)
                        .unwrap_or(Selection::Whole)
                }
                None => {
                    cx.bad(
                        "ItemsPath",
                        "The value for the field 'ItemsPath' must be a STRING",
                    );
                    Selection::Whole
                }
            },
        }
    } else {
        Selection::Whole
    };
    let item_selector = match (
        cx.obj.contains_key("ItemSelector"),
        cx.obj.contains_key("Parameters"),
    ) {
        (true, true) => {
            cx.bad(
                "Parameters",
                "The fields 'ItemSelector' and 'Parameters' cannot both be set",
            );
            None
        }
        (false, false) => None,
        (sel, _) => {
            let field = if sel { "ItemSelector" } else { "Parameters" };
            match cx.ql {
                QueryLanguage::JsonPath => cx.template(field).map(ItemSelector::JsonPath),
                QueryLanguage::Jsonata => cx.jsonata(field).map(ItemSelector::Jsonata),
            }
        }
    };
    let max_concurrency = cx
        .dynamic("MaxConcurrency", "MaxConcurrencyPath", 0.0)
        .unwrap_or(Dynamic::Fixed(Value::from(0)));
    let tolerated_failure_count =
        cx.dynamic("ToleratedFailureCount", "ToleratedFailureCountPath", 0.0);
    let tolerated_failure_percentage = cx.dynamic(
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        0.0,
    );
    if let Some(Dynamic::Fixed(p)) = &tolerated_failure_percentage
        && p.as_f64().is_some_and(|p| p > 100.0)
    {
        cx.bad(
            "ToleratedFailurePercentage",
            "The value for the field 'ToleratedFailurePercentage' must be between 0 and 100",
        );
    }
    Some(Kind::Map(Box::new(MapSpec {
        processor,
        items_path,
        items: cx.jsonata("Items"),
        item_selector,
        max_concurrency,
        tolerated_failure_count,
        tolerated_failure_percentage,
        unsupported,
    })))
}

/// Rejects `{% %}` expressions that do not parse, as CreateStateMachine does. Nested
/// states (branches, item processors) are checked when they are parsed themselves.
fn check_jsonata(value: &Value, location: &str, top: bool, problems: &mut Problems) {
    match value {
        Value::String(text) => {
            if let Some(expression) = expression_of(text)
                && let Err(e) = crate::jsonata::validate(expression)
            {
                problems.schema(
                    location,
                    format!(
                        "The JSONata expression '{expression}' is invalid: {}",
                        e.message
                    ),
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_jsonata(item, &format!("{location}[{i}]"), false, problems);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                if top && matches!(key.as_str(), "Branches" | "ItemProcessor" | "Iterator") {
                    continue;
                }
                check_jsonata(v, &format!("{location}/{key}"), false, problems);
            }
        }
        _ => {}
    }
}

/// Whether a state's text may read the execution input through the context object
/// (`$$.Execution.Input`, `$states.context.Execution.Input`, or a whole `$$`,
/// `$$.Execution`): copying the input into every context object is the costly part of
/// building it. Any reference that is not plainly to another part counts as a read.
fn reads_execution_input(text: &str) -> bool {
    const OTHER_PARTS: [&str; 4] = [".State", ".Map", ".Task", ".StateMachine"];
    ["$$", "$states.context"].iter().any(|root| {
        text.match_indices(root).any(|(at, _)| {
            let rest = &text[at + root.len()..];
            if OTHER_PARTS.iter().any(|part| {
                rest.strip_prefix(part)
                    .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
            }) {
                return false;
            }
            match rest.strip_prefix(".Execution.") {
                // `$$.Execution.Id`, `.Name`, `.StartTime`, ...: not the input; a
                // wildcard or a function over the object (`.*`, `.$each`) may be.
                Some(field) => {
                    !field.starts_with(|c: char| c.is_ascii_uppercase())
                        || field.starts_with("Input")
                }
                None => true,
            }
        })
    })
}

#[cfg(test)]
mod context_reads {
    use super::reads_execution_input;

    #[test]
    fn only_references_that_may_reach_the_input_count() {
        let cases = [
            ("$$.Execution.Id", false),
            ("$$.Execution.Name", false),
            ("$$.State.EnteredTime", false),
            ("$$.Map.Item.Value.sku", false),
            ("$$.Task.Token", false),
            ("$$.StateMachine.Id", false),
            ("{% $states.context.Execution.StartTime %}", false),
            ("$$.Execution.Input.orderId", true),
            ("$$.Execution.Input", true),
            ("$$.Execution", true),
            ("$$", true),
            ("{% $states.context %}", true),
            ("{% $states.context.Execution.Input.x %}", true),
            ("$$.States.Odd", true),
            ("$$.Execution.Id and $$.Execution.Input", true),
            ("$$.Execution.*", true),
            (
                "{% $states.context.Execution.$each(function($v) { $v }) %}",
                true,
            ),
            ("$$.Execution['Input']", true),
            ("no context at all", false),
        ];
        for (text, want) in cases {
            assert_eq!(reads_execution_input(text), want, "{text}");
        }
    }
}
