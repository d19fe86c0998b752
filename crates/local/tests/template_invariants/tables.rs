//! Tables: every table has point-in-time recovery and server-side encryption.

use serde_json::Value;

use crate::template::{GLOBAL_TABLE, SIMPLE_TABLE, TABLE, is_true, resources};

/// Every table has point-in-time recovery and server-side encryption specified.
pub(crate) fn table_problems(t: &Value) -> Vec<String> {
    const PITR: &str = "PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}";
    const SSE: &str = "SSESpecification: {SSEEnabled: true}";
    let mut problems = Vec::new();
    for (id, kind, p) in resources(t) {
        let recovers = match kind {
            TABLE => is_true(&p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]),
            // Point-in-time recovery is set per replica.
            GLOBAL_TABLE => p["Replicas"].as_array().is_some_and(|replicas| {
                replicas.iter().all(|r| {
                    is_true(&r["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
                })
            }),
            SIMPLE_TABLE => {
                problems.push(format!(
                    "table {id} is an {SIMPLE_TABLE}, which cannot enable point-in-time \
                     recovery: declare it as an {TABLE} with {PITR}"
                ));
                true
            }
            _ => continue,
        };
        if !recovers {
            let place = if kind == GLOBAL_TABLE {
                " on every replica"
            } else {
                ""
            };
            problems.push(format!(
                "table {id} has no point-in-time recovery ({PITR}{place})"
            ));
        }
        if !is_true(&p["SSESpecification"]["SSEEnabled"]) {
            problems.push(format!(
                "table {id} has no server-side encryption specified ({SSE})"
            ));
        }
    }
    problems
}
