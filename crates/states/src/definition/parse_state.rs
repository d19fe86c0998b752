//! One state: its fields checked against its type and query language, then compiled.
//! The shared fields (paths, Retry, Catch, Assign) are read here; each type's own fields
//! by its parser in `kinds`.

use super::allowed::{COMMON, allowed};
use super::context_reads::reads_execution_input;
use super::fields::Cx;
use super::kinds;
use super::model::*;
use super::parse::query_language;
use crate::jsonata_template::expression_of;
use crate::paths::result_path::ResultPath;
use crate::problems::Problems;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Parses the state `name` (its JSON `value`, at `loc`); `None` when it has a problem,
/// each of which is added to `problems`.
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
        parsed: HashMap::new(),
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
        "Task" => kinds::parse_task(&mut cx),
        "Choice" => kinds::parse_choice(&mut cx),
        "Wait" => kinds::parse_wait(&mut cx),
        "Succeed" => Some(Kind::Succeed),
        "Fail" => kinds::parse_fail(&mut cx),
        "Parallel" => kinds::parse_parallel(&mut cx),
        _ => kinds::parse_map(&mut cx),
    };
    if ql == QueryLanguage::Jsonata {
        check_jsonata(&mut cx, value, loc, true);
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
                    // A ResultPath puts the (whole) input somewhere in the input: the
                    // output is not the input.
                    Kind::Pass { result } => {
                        result.is_none()
                            && io.parameters.is_none()
                            && !matches!(io.result_path, ResultPath::Path(_))
                    }
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

/// Rejects `{% %}` expressions that do not parse, as CreateStateMachine does. Nested
/// states (branches, item processors) are checked when they are parsed themselves.
/// Expressions the fields compiled were parsed then; this finds their errors in
/// `cx.parsed` rather than parsing them again.
fn check_jsonata(cx: &mut Cx<'_>, value: &Value, location: &str, top: bool) {
    match value {
        Value::String(text) => {
            if let Some(expression) = expression_of(text)
                && let Err(e) = cx.expression(expression)
            {
                cx.problems.schema(
                    location,
                    format!("The JSONata expression '{expression}' is invalid: {e}"),
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_jsonata(cx, item, &format!("{location}[{i}]"), false);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                if top && matches!(key.as_str(), "Branches" | "ItemProcessor" | "Iterator") {
                    continue;
                }
                check_jsonata(cx, v, &format!("{location}/{key}"), false);
            }
        }
        _ => {}
    }
}
