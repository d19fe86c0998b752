//! Latency per hop from a cloud's trace, on wall time: put → rule matched, rule → target
//! delivered, each function's invocations, each execution, and an order end to end
//! (OrderCreated put → ShipmentCreated put).

use crate::runtime::CloudInner;
use crate::runtime::trace::{Hop, HopKind};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Samples in microseconds per hop label.
pub type Samples = BTreeMap<String, Vec<u64>>;

/// Label of the wall time from an event's put to a rule matching it.
pub const PUT_TO_RULE: &str = "put → rule matched";
/// Label of the wall time from a rule's match to its delivery to a target.
pub const RULE_TO_TARGET: &str = "rule → target delivered";
/// Label of the wall time an execution runs, start to end.
pub const EXECUTION: &str = "execution (start → end)";
/// Label of the wall time from an order's OrderCreated put to its ShipmentCreated put.
pub const END_TO_END: &str = "order end to end (OrderCreated → ShipmentCreated)";

/// Adds the latencies of one cloud's trace to `samples`.
pub fn collect(cloud: &CloudInner, samples: &mut Samples) {
    let machines: Vec<&str> = cloud
        .model
        .state_machines
        .keys()
        .map(String::as_str)
        .collect();
    collect_hops(&cloud.trace.hops(), &machines, samples);
}

/// The same on hops in recording order; `machines` are the state machines' logical ids.
pub fn collect_hops(hops: &[Hop], machines: &[&str], samples: &mut Samples) {
    let mut add = |label: &str, us: u64| samples.entry(label.to_owned()).or_default().push(us);
    // PutEvents records the put and then its matches synchronously, so a match belongs to
    // the latest put.
    let mut last_put: Option<u64> = None;
    let mut matched: HashMap<(String, String), VecDeque<u64>> = HashMap::new();
    let mut started: HashMap<String, VecDeque<u64>> = HashMap::new();
    let mut created: HashMap<String, u64> = HashMap::new();
    for hop in hops {
        match &hop.kind {
            HopKind::EventPut { detail_type, .. } => {
                last_put = Some(hop.wall_us);
                if detail_type == "OrderCreated" {
                    created
                        .entry(hop.correlation_id.clone())
                        .or_insert(hop.wall_us);
                } else if detail_type == "ShipmentCreated"
                    && let Some(put) = created.remove(&hop.correlation_id)
                {
                    add(END_TO_END, hop.wall_us.saturating_sub(put));
                }
            }
            // The receiving bus's rules match from when the event crossed.
            HopKind::EventCrossed { .. } => last_put = Some(hop.wall_us),
            HopKind::RuleMatched { rule } => {
                if let Some(put) = last_put {
                    add(PUT_TO_RULE, hop.wall_us.saturating_sub(put));
                }
                matched
                    .entry((hop.correlation_id.clone(), rule.clone()))
                    .or_default()
                    .push_back(hop.wall_us);
            }
            HopKind::TargetDelivered { rule, target } => {
                if let Some(at) = matched
                    .get_mut(&(hop.correlation_id.clone(), rule.clone()))
                    .and_then(VecDeque::pop_front)
                {
                    add(RULE_TO_TARGET, hop.wall_us.saturating_sub(at));
                }
                if machines.contains(&target.as_str()) {
                    started
                        .entry(hop.correlation_id.clone())
                        .or_default()
                        .push_back(hop.wall_us);
                }
            }
            HopKind::Invoked {
                function,
                duration_us,
                ..
            } => add(&format!("invoke {function}"), *duration_us),
            // The execution the rule started, not a child it ran.
            HopKind::ExecutionEnded { machine, .. } if machines.contains(&machine.as_str()) => {
                if let Some(at) = started
                    .get_mut(&hop.correlation_id)
                    .and_then(VecDeque::pop_front)
                {
                    add(EXECUTION, hop.wall_us.saturating_sub(at));
                }
            }
            HopKind::ExecutionEnded { .. }
            | HopKind::HttpRequest { .. }
            | HopKind::StateEntered { .. }
            | HopKind::MessageReceived { .. }
            | HopKind::DeadLettered { .. } => {}
        }
    }
}

/// The nearest-rank percentile `p` (0–100) of the samples; 0 when there are none.
pub fn percentile(samples: &[u64], p: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 50.0), 50);
        assert_eq!(percentile(&samples, 99.0), 99);
        assert_eq!(percentile(&samples, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    fn hop(wall_us: u64, kind: HopKind) -> Hop {
        Hop {
            at_ms: 0,
            wall_us,
            correlation_id: "c".into(),
            kind,
        }
    }

    #[test]
    fn pairs_hops_of_one_order() {
        let put = |t, d: &str| {
            hop(
                t,
                HopKind::EventPut {
                    source: "s".into(),
                    detail_type: d.into(),
                    bus: "b".into(),
                    replay: None,
                    version: None,
                },
            )
        };
        let hops = vec![
            put(10, "OrderCreated"),
            hop(12, HopKind::RuleMatched { rule: "R".into() }),
            hop(
                20,
                HopKind::TargetDelivered {
                    rule: "R".into(),
                    target: "M".into(),
                },
            ),
            hop(
                90,
                HopKind::ExecutionEnded {
                    machine: "M".into(),
                    execution: "e".into(),
                    status: "SUCCEEDED".into(),
                },
            ),
            put(110, "ShipmentCreated"),
        ];
        let mut samples = Samples::new();
        collect_hops(&hops, &["M"], &mut samples);
        assert_eq!(samples[PUT_TO_RULE], vec![2]);
        assert_eq!(samples[RULE_TO_TARGET], vec![8]);
        assert_eq!(samples[EXECUTION], vec![70]);
        assert_eq!(samples[END_TO_END], vec![100]);
    }
}
