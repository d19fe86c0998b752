//! A readable timeline of one order: every hop that carries its correlation id, in the
//! order it happened, stamped with the runtime clock (virtual time in the demo).

use crate::runtime::trace::{Hop, HopKind};

/// One line per hop, `+time  kind  what`.
pub fn render(hops: &[Hop]) -> Vec<String> {
    let mut hops = hops.to_vec();
    // Recording order is causal order (states are traced as the execution reaches them).
    hops.sort_by_key(|h| h.wall_us);
    let start = hops.iter().map(|h| h.at_ms).min().unwrap_or(0);
    hops.iter()
        .map(|hop| {
            let (kind, what) = describe(&hop.kind);
            format!("{:>10}  {kind:<7} {what}", offset(hop.at_ms - start))
        })
        .collect()
}

/// ` v2` after an event's detail-type when it is in a version other than the first, which
/// every contract has; nothing otherwise.
fn versioned(version: &Option<String>) -> String {
    match version.as_deref() {
        Some(v) if v != "1" => format!(" v{v}"),
        _ => String::new(),
    }
}

/// A hop's kind, as a short word, and what happened, as one line.
pub fn describe(kind: &HopKind) -> (&'static str, String) {
    match kind {
        HopKind::EventPut {
            source,
            detail_type,
            bus,
            replay,
            version,
        } => {
            let replayed = replay
                .as_ref()
                .map_or_else(String::new, |r| format!(", replayed by {r}"));
            (
                "event",
                format!(
                    "{detail_type}{} from {source} on {bus}{replayed}",
                    versioned(version)
                ),
            )
        }
        HopKind::EventCrossed {
            source,
            detail_type,
            from,
            to,
            version,
        } => (
            "event",
            format!(
                "{detail_type}{} from {source} crosses {from} → {to}",
                versioned(version)
            ),
        ),
        HopKind::RuleMatched { rule } => ("rule", format!("{rule} matched")),
        HopKind::TargetDelivered { rule, target } => ("target", format!("{rule} → {target}")),
        HopKind::Invoked {
            function,
            outcome,
            duration_us,
            ..
        } => (
            "invoke",
            format!(
                "{function} → {outcome} ({:.2} ms)",
                *duration_us as f64 / 1000.0
            ),
        ),
        HopKind::HttpRequest {
            method,
            path,
            status,
        } => ("http", format!("{method} {path} → {status}")),
        HopKind::StateEntered {
            machine,
            execution,
            state,
        } => (
            "state",
            format!("{state}  [{machine} {}]", short(execution)),
        ),
        HopKind::ExecutionEnded {
            machine,
            execution,
            status,
        } => ("end", format!("{machine} {} {status}", short(execution))),
        HopKind::MessageReceived {
            queue,
            function,
            receive_count,
        } => {
            let again = match receive_count {
                0 | 1 => String::new(),
                n => format!(" (received {n} times)"),
            };
            ("queue", format!("{queue} → {function}{again}"))
        }
        HopKind::DeadLettered { queue, reason } => ("dlq", format!("{queue}: {reason}")),
    }
}

/// The first block of an execution name (a UUID when EventBridge starts it).
fn short(execution: &str) -> &str {
    execution.split('-').next().unwrap_or(execution)
}

/// `+0.000s` under a minute, `+12h00m05s` beyond.
pub fn offset(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 60_000 {
        return format!("+{:.3}s", ms as f64 / 1000.0);
    }
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("+{h}h{m:02}m{s:02}s")
    } else {
        format!("+{m}m{s:02}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_durations() {
        assert_eq!(offset(0), "+0.000s");
        assert_eq!(offset(2_500), "+2.500s");
        assert_eq!(offset(90_000), "+1m30s");
        assert_eq!(offset(43_200_000 + 5_000), "+12h00m05s");
    }

    #[test]
    fn lines_follow_recording_order() {
        let hop = |wall_us, kind| Hop {
            at_ms: 1_000,
            wall_us,
            correlation_id: "c".into(),
            kind,
        };
        let lines = render(&[
            hop(
                5,
                HopKind::StateEntered {
                    machine: "M".into(),
                    execution: "abc-def".into(),
                    state: "RegisterOrder".into(),
                },
            ),
            hop(1, HopKind::RuleMatched { rule: "R".into() }),
        ]);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("R matched"), "{lines:?}");
        assert!(lines[1].contains("RegisterOrder  [M abc]"), "{lines:?}");
    }
}
