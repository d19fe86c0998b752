//! Task: a resource ARN, with optional timeout and heartbeat.

use crate::definition::fields::Cx;
use crate::definition::model::{Dynamic, Kind};

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
