//! Reading a definition into a [`Plan`]: a node per state, the synthetic start, end and
//! join nodes, an edge per transition, and a scope per Parallel/Map box.

use super::label::{cut, rule_text};
use super::layout::{Plan, Scope};
use super::{Edge, GraphError, MAX_DEPTH, MAX_EDGES, MAX_NODES, Node};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The plan of `definition`, not laid out yet.
pub(super) fn plan(definition: &Value) -> Result<Plan, GraphError> {
    Builder::default().build(definition)
}

/// Where End: true and Succeed states lead in one States map: `#end` by a "next" edge at
/// the top level, the join node by a "join" edge in a branch or item processor.
#[derive(Clone, Copy)]
struct Exit {
    node: usize,
    kind: &'static str,
}

/// A state of one States map, kept between creating the nodes (so that transitions can
/// name states defined further down) and adding its edges.
struct Pending<'a> {
    name: &'a str,
    state: &'a Map<String, Value>,
    kind: &'a str,
    node: usize,
    /// For a Parallel or Map state: its join node and the scope of its box.
    group: Option<(usize, usize)>,
}

/// Reads a definition into a [`Plan`]: nodes, edges and the scopes (the top level and each
/// Parallel/Map box) the layout nests.
#[derive(Default)]
struct Builder {
    plan: Plan,
    ids: HashMap<String, usize>,
}

impl Builder {
    fn build(mut self, definition: &Value) -> Result<Plan, GraphError> {
        let top = self.add_scope(None);
        let start = self.add_node("#start", "Start", "start", None, top)?;
        let end = self.add_node("#end", "End", "end", None, top)?;
        (self.plan.scopes[top].first, self.plan.scopes[top].last) = (start, end);
        let exit = Exit {
            node: end,
            kind: "next",
        };
        let first = self.states(definition, "the definition", top, exit, 0)?;
        self.add_edge(start, first, "next", None)?;
        Ok(self.plan)
    }

    /// Adds one States map (the definition, a branch, an item processor) and answers the
    /// node of its StartAt.
    fn states(
        &mut self,
        branch: &Value,
        at: &str,
        scope: usize,
        exit: Exit,
        depth: usize,
    ) -> Result<usize, GraphError> {
        let branch = object(branch, at, "the branch")?;
        let start_at = string(branch, "StartAt", at)?;
        let states = branch
            .get("States")
            .ok_or_else(|| missing(at, "States"))?
            .as_object()
            .ok_or_else(|| invalid(at, "States", "an object"))?;
        let mut pending = Vec::with_capacity(states.len());
        for (name, state) in states {
            pending.push(self.state(name, state, scope, depth)?);
        }
        let local: HashMap<&str, usize> = pending.iter().map(|p| (p.name, p.node)).collect();
        for p in &pending {
            self.transitions(p, &local, exit, depth)?;
        }
        resolve(&local, start_at, at, "StartAt")
    }

    /// Adds a state's node, and for a Parallel or Map state its box's scope and join node.
    fn state<'a>(
        &mut self,
        name: &'a str,
        state: &'a Value,
        scope: usize,
        depth: usize,
    ) -> Result<Pending<'a>, GraphError> {
        let at = format!("state {name:?}");
        let state = object(state, &at, "the state")?;
        let kind = string(state, "Type", &at)?;
        const KINDS: [&str; 8] = [
            "Task", "Choice", "Parallel", "Map", "Pass", "Wait", "Succeed", "Fail",
        ];
        if !KINDS.contains(&kind) {
            let (state, kind) = (name.to_string(), kind.to_string());
            return Err(GraphError::UnknownType { state, kind });
        }
        let enclosing = self.plan.scopes[scope]
            .group
            .map(|g| self.plan.nodes[g].id.clone());
        if !matches!(kind, "Parallel" | "Map") {
            let node = self.add_node(name, name, kind, enclosing, scope)?;
            return Ok(Pending {
                name,
                state,
                kind,
                node,
                group: None,
            });
        }
        if depth >= MAX_DEPTH {
            return Err(GraphError::TooDeep { limit: MAX_DEPTH });
        }
        let inner = self.add_scope(Some(scope));
        let node = self.add_node(name, name, kind, enclosing, inner)?;
        let join = self.add_node(
            &format!("{name}#join"),
            "",
            "join",
            Some(name.into()),
            inner,
        )?;
        let box_scope = &mut self.plan.scopes[inner];
        (box_scope.group, box_scope.first, box_scope.last) = (Some(node), node, join);
        Ok(Pending {
            name,
            state,
            kind,
            node,
            group: Some((join, inner)),
        })
    }

    /// Adds the edges leaving one state, and a Parallel or Map state's branches.
    fn transitions(
        &mut self,
        p: &Pending,
        local: &HashMap<&str, usize>,
        exit: Exit,
        depth: usize,
    ) -> Result<(), GraphError> {
        let at = format!("state {:?}", p.name);
        // A Parallel or Map state is left, on success, from its join node.
        let leaves = p.group.map_or(p.node, |(join, _)| join);
        match p.kind {
            "Choice" => self.choices(p, local, &at)?,
            "Succeed" => self.add_edge(p.node, exit.node, exit.kind, None)?,
            // A Fail ends the execution: the end node at the top level; in a branch it fails
            // the branch, which does not reach the join.
            "Fail" if exit.kind == "next" => self.add_edge(p.node, exit.node, "next", None)?,
            "Fail" => {}
            _ => match (p.state.get("Next"), p.state.get("End")) {
                (Some(next), _) => {
                    let next = next
                        .as_str()
                        .ok_or_else(|| invalid(&at, "Next", "a string"))?;
                    let to = resolve(local, next, &at, "Next")?;
                    self.add_edge(leaves, to, "next", None)?;
                }
                (None, Some(Value::Bool(true))) => {
                    self.add_edge(leaves, exit.node, exit.kind, None)?
                }
                _ => return Err(missing(&at, "Next, nor End: true")),
            },
        }
        if matches!(p.kind, "Task" | "Parallel" | "Map") {
            self.catches(p, local, &at)?;
        }
        let Some((join, inner)) = p.group else {
            return Ok(());
        };
        let exit = Exit {
            node: join,
            kind: "join",
        };
        if p.kind == "Parallel" {
            let branches = p
                .state
                .get("Branches")
                .ok_or_else(|| missing(&at, "Branches"))?;
            let branches = branches
                .as_array()
                .ok_or_else(|| invalid(&at, "Branches", "a list"))?;
            for (i, branch) in branches.iter().enumerate() {
                let where_ = format!("branch {i} of {at}");
                let first = self.states(branch, &where_, inner, exit, depth + 1)?;
                self.add_edge(p.node, first, "branch", None)?;
            }
        } else {
            let processor = (p
                .state
                .get("ItemProcessor")
                .or_else(|| p.state.get("Iterator")))
            .ok_or_else(|| missing(&at, "ItemProcessor"))?;
            let where_ = format!("the item processor of {at}");
            let first = self.states(processor, &where_, inner, exit, depth + 1)?;
            self.add_edge(p.node, first, "iterate", None)?;
        }
        Ok(())
    }

    /// A Choice state's rules ("choice" edges, labelled) and its Default.
    fn choices(
        &mut self,
        p: &Pending,
        local: &HashMap<&str, usize>,
        at: &str,
    ) -> Result<(), GraphError> {
        let choices = p
            .state
            .get("Choices")
            .ok_or_else(|| missing(at, "Choices"))?;
        let choices = choices
            .as_array()
            .ok_or_else(|| invalid(at, "Choices", "a list"))?;
        for rule in choices {
            let rule = object(rule, at, "each of Choices")?;
            let to = resolve(local, string(rule, "Next", at)?, at, "Choices[].Next")?;
            let label = cut(&rule_text(rule, 0));
            self.add_edge(p.node, to, "choice", Some(label))?;
        }
        if let Some(default) = p.state.get("Default") {
            let default = default
                .as_str()
                .ok_or_else(|| invalid(at, "Default", "a string"))?;
            let to = resolve(local, default, at, "Default")?;
            self.add_edge(p.node, to, "default", None)?;
        }
        Ok(())
    }

    /// A Task, Parallel or Map state's Catch list, each a "catch" edge labelled with its
    /// errors.
    fn catches(
        &mut self,
        p: &Pending,
        local: &HashMap<&str, usize>,
        at: &str,
    ) -> Result<(), GraphError> {
        let Some(catch) = p.state.get("Catch") else {
            return Ok(());
        };
        let catch = catch
            .as_array()
            .ok_or_else(|| invalid(at, "Catch", "a list"))?;
        for catcher in catch {
            let catcher = object(catcher, at, "each of Catch")?;
            let to = resolve(local, string(catcher, "Next", at)?, at, "Catch[].Next")?;
            let errors = catcher.get("ErrorEquals").and_then(Value::as_array);
            let errors: Vec<&str> = errors
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            self.add_edge(p.node, to, "catch", Some(cut(&errors.join(", "))))?;
        }
        Ok(())
    }

    fn add_scope(&mut self, parent: Option<usize>) -> usize {
        let index = self.plan.scopes.len();
        self.plan.scopes.push(Scope {
            parent,
            ..Scope::default()
        });
        if let Some(parent) = parent {
            self.plan.scopes[parent].children.push(index);
        }
        index
    }

    fn add_node(
        &mut self,
        id: &str,
        label: &str,
        kind: &str,
        group: Option<String>,
        scope: usize,
    ) -> Result<usize, GraphError> {
        if self.plan.nodes.len() >= MAX_NODES {
            return Err(GraphError::TooManyNodes { limit: MAX_NODES });
        }
        let index = self.plan.nodes.len();
        if self.ids.insert(id.to_string(), index).is_some() {
            return Err(GraphError::Duplicate(id.to_string()));
        }
        // Workflow Studio's boxes fit their names; circles for the synthetic nodes. The
        // name's length is capped so that a very long one cannot widen the whole drawing.
        let chars = label.chars().take(80).count() as f64;
        let (width, height) = match kind {
            "start" | "end" | "join" => (24.0, 24.0),
            _ => ((chars * 7.5 + 32.0).max(120.0), 40.0),
        };
        let (id, label, kind) = (id.to_string(), label.to_string(), kind.to_string());
        let (x, y) = (0.0, 0.0);
        self.plan.nodes.push(Node {
            id,
            label,
            kind,
            group,
            x,
            y,
            width,
            height,
        });
        self.plan.scope_of.push(scope);
        self.plan.scopes[scope].members.push(index);
        Ok(index)
    }

    fn add_edge(
        &mut self,
        from: usize,
        to: usize,
        kind: &str,
        label: Option<String>,
    ) -> Result<(), GraphError> {
        if self.plan.edges.len() >= MAX_EDGES {
            return Err(GraphError::TooManyEdges { limit: MAX_EDGES });
        }
        let (from_id, to_id) = (
            self.plan.nodes[from].id.clone(),
            self.plan.nodes[to].id.clone(),
        );
        let kind = kind.to_string();
        self.plan.edges.push(Edge {
            from: from_id,
            to: to_id,
            kind,
            label,
            points: Vec::new(),
        });
        self.plan.ends.push((from, to));
        Ok(())
    }
}

fn resolve(
    local: &HashMap<&str, usize>,
    target: &str,
    at: &str,
    field: &'static str,
) -> Result<usize, GraphError> {
    local
        .get(target)
        .copied()
        .ok_or_else(|| GraphError::UnknownState {
            at: at.to_string(),
            field,
            target: target.to_string(),
        })
}

fn object<'a>(
    value: &'a Value,
    at: &str,
    what: &'static str,
) -> Result<&'a Map<String, Value>, GraphError> {
    value
        .as_object()
        .ok_or_else(|| invalid(at, what, "an object"))
}

fn string<'a>(
    object: &'a Map<String, Value>,
    field: &'static str,
    at: &str,
) -> Result<&'a str, GraphError> {
    let value = object.get(field).ok_or_else(|| missing(at, field))?;
    value.as_str().ok_or_else(|| invalid(at, field, "a string"))
}

fn missing(at: &str, field: &'static str) -> GraphError {
    GraphError::Missing {
        at: at.to_string(),
        field,
    }
}

fn invalid(at: &str, field: &'static str, expected: &'static str) -> GraphError {
    GraphError::Invalid {
        at: at.to_string(),
        field,
        expected,
    }
}
