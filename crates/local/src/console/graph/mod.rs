//! A Step Functions state machine (its Amazon States Language definition) as a graph to
//! draw, laid out top to bottom the way Workflow Studio draws a workflow: a `#start` node
//! on top, the states in layers below it, `#end` at the bottom, and each Parallel or Map
//! state as a box holding its branches (or its item processor) between the state itself
//! and a join node. The console's script draws the JSON of [`Graph`] as SVG and does no
//! layout itself, so the positions and the edges' paths are all decided here.
//!
//! The definition may be anything a user sent (up to 1 MB), so the work is bounded: more
//! than [`MAX_NODES`] nodes, [`MAX_EDGES`] edges or Parallel/Map states nested deeper than
//! [`MAX_DEPTH`] are refused, and nothing here panics on input.

mod label;
mod layered;
mod layout;
mod read;

use serde::Serialize;
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The most nodes (states and the synthetic start, end and join nodes) a graph is drawn with.
pub const MAX_NODES: usize = 1_000;
/// The most edges a graph is drawn with; Choices and Catch lists are otherwise unbounded.
pub const MAX_EDGES: usize = 10_000;
/// How deep Parallel and Map states may nest.
pub const MAX_DEPTH: usize = 16;
/// The most bend points the long edges of a layout may need (one per layer they cross).
pub const MAX_BENDS: usize = 100_000;

/// A state machine laid out: nodes, edges and group boxes, in pixels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Graph {
    /// The states and the synthetic nodes.
    pub nodes: Vec<Node>,
    /// The transitions.
    pub edges: Vec<Edge>,
    /// The boxes of the Parallel and Map states, outer ones before the ones they hold.
    pub groups: Vec<Group>,
    /// The width of the drawing.
    pub width: f64,
    /// The height of the drawing.
    pub height: f64,
}

/// A state, or a synthetic node.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// The state's name (state names are unique across a whole state machine in ASL), or a
    /// synthetic id: "#start", "#end", and "<Parallel or Map state name>#join".
    pub id: String,
    /// What the node shows: the state's name, "Start", "End", or nothing for a join.
    pub label: String,
    /// "Task", "Choice", "Parallel", "Map", "Pass", "Wait", "Succeed", "Fail", or "start",
    /// "end", "join".
    pub kind: String,
    /// The enclosing Parallel or Map state, for states inside a branch or an item processor
    /// (a join node's is the state it joins).
    pub group: Option<String>,
    /// The left edge.
    pub x: f64,
    /// The top edge.
    pub y: f64,
    /// The width.
    pub width: f64,
    /// The height.
    pub height: f64,
}

/// A transition between two nodes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// The id of the node it leaves.
    pub from: String,
    /// The id of the node it enters.
    pub to: String,
    /// "next", "choice", "default", "catch", "branch" (Parallel → a branch's StartAt),
    /// "iterate" (Map → its processor's StartAt), "join" (a branch/processor end → the join
    /// node).
    pub kind: String,
    /// For choice edges a short rendering of the rule (or the JSONata `Condition`), for
    /// catch edges the ErrorEquals joined by ", "; both cut to about 40 characters.
    pub label: Option<String>,
    /// The path from the bottom-centre of `from` (the right side, for a catch leaving a
    /// Parallel or Map state's box) to the top-centre of `to`, for an SVG polyline. Edges
    /// back up to an earlier layer go round the right of the layout.
    pub points: Vec<(f64, f64)>,
}

/// The box of a Parallel or Map state: the state, its branches and its join node.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The Parallel or Map state.
    pub id: String,
    /// The left edge.
    pub x: f64,
    /// The top edge.
    pub y: f64,
    /// The width.
    pub width: f64,
    /// The height.
    pub height: f64,
}

/// Why a definition has no graph.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// A field the graph needs is absent.
    #[error("{at} has no {field}")]
    Missing {
        /// Where: "the definition", a state, a branch.
        at: String,
        /// The field.
        field: &'static str,
    },
    /// A field is not of the type ASL says.
    #[error("{at}: {field} is not {expected}")]
    Invalid {
        /// Where.
        at: String,
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// A transition names a state that is not in its States.
    #[error("{at}: {field} names the state {target:?}, which is not among its States")]
    UnknownState {
        /// The state (or branch) that names it.
        at: String,
        /// The field naming it.
        field: &'static str,
        /// The missing state.
        target: String,
    },
    /// A state's Type is not one of ASL's.
    #[error("state {state:?} has the unknown Type {kind:?}")]
    UnknownType {
        /// The state.
        state: String,
        /// Its Type.
        kind: String,
    },
    /// Two states share a name, or a state is named like a synthetic node.
    #[error("the state name {0:?} is used twice (or clashes with a synthetic node's id)")]
    Duplicate(String),
    /// Too many nodes to draw.
    #[error("the definition has more than {limit} states and synthetic nodes")]
    TooManyNodes {
        /// [`MAX_NODES`].
        limit: usize,
    },
    /// Too many edges to draw.
    #[error("the definition has more than {limit} transitions")]
    TooManyEdges {
        /// [`MAX_EDGES`].
        limit: usize,
    },
    /// Parallel and Map states nested too deep.
    #[error("Parallel and Map states are nested deeper than {limit} levels")]
    TooDeep {
        /// [`MAX_DEPTH`].
        limit: usize,
    },
    /// Edges spanning so many layers that their paths would be too long.
    #[error("the layout needs more than {limit} bend points for edges spanning many layers")]
    TooManyBends {
        /// [`MAX_BENDS`].
        limit: usize,
    },
    /// A fault of the layout itself, not of the definition.
    #[error("the layout failed: {0}")]
    Layout(String),
}

/// The graph of `definition`, laid out.
pub fn of_definition(definition: &Value) -> Result<Graph, GraphError> {
    let mut plan = read::plan(definition)?;
    // The layout has no known panic; should a bug hide one, the console shows an error
    // for this one graph instead of failing the request.
    let (width, height) = catch_unwind(AssertUnwindSafe(|| layout::run(&mut plan)))
        .map_err(|_| GraphError::Layout("it panicked".into()))??;
    let groups = plan
        .scopes
        .iter()
        .filter_map(|s| {
            let [x, y, width, height] = s.rect;
            s.group.map(|g| Group {
                id: plan.nodes[g].id.clone(),
                x,
                y,
                width,
                height,
            })
        })
        .collect();
    Ok(Graph {
        nodes: plan.nodes,
        edges: plan.edges,
        groups,
        width,
        height,
    })
}

#[cfg(test)]
mod tests;
