//! Wait: exactly one of `Seconds`, `SecondsPath`, `Timestamp`, `TimestampPath`.

use crate::choice;
use crate::definition::fields::Cx;
use crate::definition::model::{Kind, QueryLanguage, WaitFor};
use crate::jsonata_template::expression_of;

/// Reads a Wait state's one duration or timestamp field.
pub(in crate::definition) fn parse_wait(cx: &mut Cx<'_>) -> Option<Kind> {
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
                    WaitFor::TimestampJsonata(cx.compile_jsonata(value)?)
                }
                Some(s) => match choice::parse_timestamp(s) {
                    Some(t) => WaitFor::Timestamp(t),
                    None => {
                        // CreateStateMachine's words (recorded on AWS).
                        cx.bad("Timestamp", "String does not match RFC3339 timestamp");
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
            WaitFor::TimestampPath(cx.value_path("TimestampPath", &text)?)
        }
    };
    Some(Kind::Wait { until })
}
