//! Task: a resource ARN CreateStateMachine recognizes (see `integrations`), with optional
//! timeout and heartbeat.

use super::integrations;
use crate::definition::fields::Cx;
use crate::definition::model::{Dynamic, Kind, QueryLanguage, QueryTemplate};

/// Reads a Task state's `Resource`, `TimeoutSeconds` and `HeartbeatSeconds`.
pub(in crate::definition) fn parse_task(cx: &mut Cx<'_>) -> Option<Kind> {
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
    if !integrations::recognized(&resource) {
        cx.bad(
            "Resource",
            format!("The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."),
        );
    }
    if let Some(credentials) = cx.obj.get("Credentials") {
        let loc = format!("{}/Credentials", cx.loc);
        match credentials.as_object() {
            // Recorded on AWS: `{}` and `{"InvalidField": …}` are both refused so.
            Some(c) if !c.contains_key("RoleArn") && !c.contains_key("RoleArn.$") => {
                cx.problems
                    .schema(loc, "The field 'RoleArn' is required but was missing");
            }
            Some(_) => {}
            None => cx.problems.schema(
                loc,
                "The value for the field 'Credentials' must be an OBJECT",
            ),
        }
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
        credentials: credentials(cx),
    })
}

/// `Credentials`, compiled in the state's query language like a payload template.
fn credentials(cx: &mut Cx<'_>) -> Option<QueryTemplate> {
    let value = cx.obj.get("Credentials")?;
    if !value.is_object() {
        return None;
    }
    match cx.ql {
        QueryLanguage::Jsonata => cx.jsonata("Credentials").map(QueryTemplate::Jsonata),
        QueryLanguage::JsonPath => cx.template("Credentials").map(QueryTemplate::JsonPath),
    }
}
