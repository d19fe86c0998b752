//! The states that run nested state machines: Parallel (its `Branches`) and Map (its
//! `ItemProcessor`, run once per item).

use crate::definition::fields::Cx;
use crate::definition::model::*;
use crate::definition::parse::parse_branch;
use serde_json::Value;
use std::sync::Arc;

/// Parses a nested state machine (a Parallel branch, a Map's `ItemProcessor`).
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

/// Reads a Parallel state's `Branches`.
pub(in crate::definition) fn parse_parallel(cx: &mut Cx<'_>) -> Option<Kind> {
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

/// Reads a Map state's item processor, item source, selector and failure tolerance.
pub(in crate::definition) fn parse_map(cx: &mut Cx<'_>) -> Option<Kind> {
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
