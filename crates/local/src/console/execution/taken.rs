//! Which edges of a workflow's graph an execution's runs followed.

use super::runs::Runs;
use crate::console::graph::Graph;
use orderly_states::history::{EventDetails, HistoryEvent};
use std::collections::{BTreeMap, HashMap};

/// Which of `graph`'s edges the runs took, and the status of its synthetic nodes.
pub(super) fn taken(
    graph: &Graph,
    runs: &Runs,
    history: &[HistoryEvent],
    status: &HashMap<&str, &'static str>,
    execution_status: &str,
) -> (Vec<usize>, BTreeMap<String, &'static str>) {
    let ran = |name: &str| status.contains_key(name);
    // A join is left when its Parallel or Map is.
    let left_normally = |name: &str| {
        let name = name.strip_suffix("#join").unwrap_or(name);
        runs.by_state.get(name).is_some_and(|rs| {
            rs.iter()
                .any(|r| r.exited_id.is_some() && r.failure.is_none())
        })
    };
    // The states entered, by event id, to find what came after a state was left.
    let entered: Vec<(u64, &str)> = history
        .iter()
        .filter_map(|e| match &e.details {
            EventDetails::StateEntered { name, .. } => Some((e.id, &**name)),
            _ => None,
        })
        .collect();
    let mut taken = Vec::new();
    for (index, edge) in graph.edges.iter().enumerate() {
        let is_taken = match edge.kind.as_str() {
            "branch" | "iterate" => ran(&edge.to) && ran(&edge.from),
            "join" => left_normally(&edge.from),
            _ if edge.from == "#start" => ran(&edge.to),
            _ if edge.to == "#end" && status.get(edge.from.as_str()) == Some(&"failed") => {
                // A Fail state ends the execution without being left.
                graph
                    .nodes
                    .iter()
                    .any(|n| n.id == edge.from && n.kind == "Fail")
            }
            _ if edge.from.ends_with("#join")
                || edge.to.starts_with('#')
                || edge.to.ends_with("#join") =>
            {
                left_normally(&edge.from)
            }
            kind => followed(graph, runs, &entered, &edge.from, &edge.to, kind == "catch"),
        };
        if is_taken {
            taken.push(index);
        }
    }
    let mut markers = BTreeMap::new();
    for node in graph.nodes.iter().filter(|n| n.id.contains('#')) {
        let done = if node.id == "#start" {
            !status.is_empty()
        } else if node.id == "#end" {
            execution_status != "RUNNING"
                && graph
                    .edges
                    .iter()
                    .enumerate()
                    .any(|(i, e)| e.to == "#end" && taken.contains(&i))
        } else {
            left_normally(&node.id)
        };
        markers.insert(node.id.clone(), if done { "succeeded" } else { "not-run" });
    }
    (taken, markers)
}

/// Whether a run of `from` was followed by `to`: the first of `from`'s successors entered
/// after the run left is `to`, and the run was caught exactly when `catch` says.
fn followed(
    graph: &Graph,
    runs: &Runs,
    entered: &[(u64, &str)],
    from: &str,
    to: &str,
    catch: bool,
) -> bool {
    let successors: Vec<&str> = graph
        .edges
        .iter()
        .filter(|e| e.from == from)
        .map(|e| e.to.as_str())
        .collect();
    runs.by_state.get(from).into_iter().flatten().any(|run| {
        let Some(left) = run.exited_id else {
            return false;
        };
        run.failure.is_some() == catch
            && entered
                .iter()
                .find(|(id, name)| *id > left && successors.contains(name))
                .is_some_and(|(_, name)| *name == to)
    })
}
