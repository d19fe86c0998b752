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
    let distributed = match processor_mode(cx, field, value) {
        Mode::Inline => None,
        Mode::Distributed(execution_type) => distributed(cx, execution_type),
    };
    let mut unsupported = None;
    if distributed.is_none() {
        for feature in ["ItemReader", "ResultWriter", "ItemBatcher"] {
            if cx.obj.contains_key(feature) && unsupported.is_none() {
                unsupported = Some(format!(
                    "unsupported: Map {feature} (only a Distributed Map, ProcessorConfig Mode DISTRIBUTED, has it)"
                ));
            }
        }
    }
    let items_path = if cx.ql == QueryLanguage::JsonPath {
        match cx.obj.get("ItemsPath") {
            None => Selection::Whole,
            Some(v) => match v.as_str() {
                Some("$") => Selection::Whole,
                Some(text) => {
                    let text = text.to_owned();
                    cx.value_path("ItemsPath", &text)
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
    if distributed.is_some()
        && let Some(Dynamic::Fixed(n)) = &tolerated_failure_count
        && !is_integer(n)
    {
        cx.bad(
            "ToleratedFailureCount",
            "The value for the field 'ToleratedFailureCount' must be a non-negative integer",
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
        distributed: distributed.map(Box::new),
    })))
}

/// The processing mode `ProcessorConfig` asks for.
enum Mode {
    /// `INLINE`, the default.
    Inline,
    /// `DISTRIBUTED`, with its `ExecutionType` when that is valid.
    Distributed(Option<ExecutionType>),
}

/// Reads the `ProcessorConfig` of `processor` (the `field` ItemProcessor or Iterator).
fn processor_mode(cx: &mut Cx<'_>, field: &str, processor: &Value) -> Mode {
    let Some(config) = processor.get("ProcessorConfig") else {
        return Mode::Inline;
    };
    let at = format!("{field}/ProcessorConfig");
    let Some(obj) = config.as_object() else {
        cx.bad(
            &at,
            "The value for the field 'ProcessorConfig' must be an OBJECT",
        );
        return Mode::Inline;
    };
    for key in obj.keys() {
        if !matches!(key.as_str(), "Mode" | "ExecutionType") {
            cx.bad(
                &format!("{at}/{key}"),
                format!("Field \"{key}\" is not supported"),
            );
        }
    }
    let execution_type = match obj.get("ExecutionType") {
        None => None,
        Some(v) => match v.as_str() {
            Some("STANDARD") => Some(ExecutionType::Standard),
            Some("EXPRESS") => Some(ExecutionType::Express),
            _ => {
                cx.bad(
                    &format!("{at}/ExecutionType"),
                    "The value for the field 'ExecutionType' must be one of STANDARD, EXPRESS",
                );
                return Mode::Inline;
            }
        },
    };
    match obj.get("Mode").map(Value::as_str) {
        None | Some(Some("INLINE")) => Mode::Inline,
        Some(Some("DISTRIBUTED")) => {
            if execution_type.is_none() {
                cx.bad(
                    &at,
                    "The field 'ExecutionType' is required when 'Mode' is DISTRIBUTED: it must be one of STANDARD, EXPRESS",
                );
            }
            Mode::Distributed(execution_type)
        }
        _ => {
            cx.bad(
                &format!("{at}/Mode"),
                "The value for the field 'Mode' must be one of INLINE, DISTRIBUTED",
            );
            Mode::Inline
        }
    }
}

/// The largest `MaxInputBytesPerBatch`: 256 KiB, the payload limit.
const MAX_BATCH_BYTES: f64 = 262_144.0;

/// The longest Map Run `Label`.
const MAX_LABEL_CHARS: usize = 40;

/// Reads the fields only a Distributed Map has; `None` when one is wrong (the problem is
/// recorded) or the execution type is missing.
fn distributed(cx: &mut Cx<'_>, execution_type: Option<ExecutionType>) -> Option<Distributed> {
    let label = match cx.string("Label") {
        None => None,
        Some(label) => {
            let label = label.to_owned();
            if !valid_label(&label) {
                cx.bad(
                    "Label",
                    format!(
                        "The value for the field 'Label' must be 1 to {MAX_LABEL_CHARS} characters and must not contain white space, brackets < > {{ }} [ ], wildcard characters ? *, special characters \" # % \\ ^ | ~ ` $ & , ; : / or control characters"
                    ),
                );
            }
            Some(label)
        }
    };
    for field in ["ItemReader", "ResultWriter"] {
        if cx.obj.get(field).is_some_and(|v| !v.is_object()) {
            cx.bad(
                field,
                format!("The value for the field '{field}' must be an OBJECT"),
            );
        }
    }
    let batcher = item_batcher(cx);
    Some(Distributed {
        execution_type: execution_type?,
        label,
        batcher,
        item_reader: resource_of(cx.obj.get("ItemReader")),
        result_writer: resource_of(cx.obj.get("ResultWriter")),
    })
}

/// The `Resource` of an `ItemReader` or `ResultWriter` that is present (empty when it
/// names none).
fn resource_of(config: Option<&Value>) -> Option<String> {
    config.map(|c| {
        c.get("Resource")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    })
}

/// A Map Run label: at most 40 characters, none of those a name must not contain.
fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= MAX_LABEL_CHARS
        && !label
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
}

/// Whether a JSON number is a whole number.
fn is_integer(n: &Value) -> bool {
    n.is_u64() || n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Reads `ItemBatcher`: at least one limit, each a positive integer, the byte limit at
/// most 256 KiB, and an optional `BatchInput`.
fn item_batcher(cx: &mut Cx<'_>) -> Option<ItemBatcher> {
    let value = cx.obj.get("ItemBatcher")?;
    let Some(obj) = value.as_object() else {
        cx.bad(
            "ItemBatcher",
            "The value for the field 'ItemBatcher' must be an OBJECT",
        );
        return None;
    };
    let fields: &[&str] = match cx.ql {
        QueryLanguage::JsonPath => &[
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        ],
        QueryLanguage::Jsonata => &["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"],
    };
    for key in obj.keys() {
        if !fields.contains(&key.as_str()) {
            cx.bad(
                &format!("ItemBatcher/{key}"),
                format!("Field \"{key}\" is not supported"),
            );
        }
    }
    if !obj.keys().any(|k| k.starts_with("Max")) {
        cx.bad(
            "ItemBatcher",
            "The ItemBatcher must specify at least one of MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath",
        );
    }
    // The fields are read like the state's own, located under ItemBatcher.
    let loc = cx.at("ItemBatcher");
    let mut sub = Cx {
        obj,
        loc: &loc,
        names: cx.names,
        ql: cx.ql,
        machine_ql: cx.machine_ql,
        problems: &mut *cx.problems,
        parsed: std::mem::take(&mut cx.parsed),
    };
    let max_items = sub.dynamic("MaxItemsPerBatch", "MaxItemsPerBatchPath", 1.0);
    let max_bytes = sub.dynamic("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", 1.0);
    for (field, limit) in [
        ("MaxItemsPerBatch", &max_items),
        ("MaxInputBytesPerBatch", &max_bytes),
    ] {
        if let Some(Dynamic::Fixed(n)) = limit
            && !is_integer(n)
        {
            sub.bad(
                field,
                format!("The value for the field '{field}' must be a positive integer"),
            );
        }
    }
    if let Some(Dynamic::Fixed(n)) = &max_bytes
        && n.as_f64().is_some_and(|n| n > MAX_BATCH_BYTES)
    {
        sub.bad(
            "MaxInputBytesPerBatch",
            "The value for the field 'MaxInputBytesPerBatch' must be at most 262144 (256 KiB)",
        );
    }
    let batch_input = match cx.ql {
        QueryLanguage::JsonPath => sub.template("BatchInput").map(ItemSelector::JsonPath),
        QueryLanguage::Jsonata => sub.jsonata("BatchInput").map(ItemSelector::Jsonata),
    };
    cx.parsed = sub.parsed;
    Some(ItemBatcher {
        max_items,
        max_bytes,
        batch_input,
    })
}
