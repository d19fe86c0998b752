//! Choice: rules tried in order (JSONPath comparisons or JSONata `Condition`s), and a
//! `Default`.

use crate::choice::{self, Rule};
use crate::definition::fields::Cx;
use crate::definition::model::{ChoiceBranch, Kind, QueryLanguage};
use crate::jsonata_template::{JsonataTemplate, expression_of};
use serde_json::Value;

/// Reads a Choice state's `Choices` and `Default`, resolving each `Next` to an index.
pub(in crate::definition) fn parse_choice(cx: &mut Cx<'_>) -> Option<Kind> {
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
                        cx.compile_jsonata(c).map(Rule::Condition)
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
            rule_obj.get("Output").and_then(|o| cx.compile_jsonata(o))
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
