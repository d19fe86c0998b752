//! Paths with positional (`Order#$i`) and context (`Order@$o`) variable bindings.
//!
//! Such a path is evaluated as a stream of tuples, as the reference implementation does
//! (`evaluateTupleStep` in jsonata-js): each tuple is a context value and the variables
//! the steps so far bound, so a later step, predicate, sort term or group expression can
//! read `$i` or `$o`. `#$i` binds the position of each result within its step (within
//! the step's whole stream when a predicate comes first: `Order[Total > 0]#$i`); `@$o`
//! binds the result and leaves the context where it was, which is how joins are
//! written (`Account.Order@$o.Product@$p[$p.OrderID = $o.ID]`).
//!
//! The parser builds `#` and `@` as [`Node::Index`] and [`Node::Focus`] around a step;
//! [`rewrite`] then turns each path that holds one into a [`Node::Tuples`], once, when the
//! expression is parsed. Paths without them are left as they were and evaluated as
//! before. Step predicates in a tuple path filter the step's whole stream (the
//! reference's stages), and `^(…)` and `{…}` after the path see the tuples' variables.

use std::sync::Arc;

use super::ast::{LambdaDef, Node, TransformDef};
use super::error::{JsonataError, err};

/// A path evaluated as a tuple stream.
#[derive(Debug)]
pub struct TuplePath {
    pub steps: Vec<TupleStep>,
    /// `{key: value}` grouping after the path.
    pub group: Option<Vec<(Node, Node)>>,
    /// `[]` on a step: the result stays an array even with one item.
    pub keep_array: bool,
}

/// One step of a tuple path.
#[derive(Debug)]
pub struct TupleStep {
    pub kind: StepKind,
    /// `@$v`: each result is bound to `$v`, and the context stays.
    pub focus: Option<Arc<str>>,
    /// `#$i`: each result's position among the step's results for one input tuple.
    pub index: Option<Arc<str>>,
    /// Predicates and positional bindings after them, in order, over the whole stream.
    pub stages: Vec<Stage>,
    /// The variables each result binds to this step's input, the context it came from:
    /// what a `%` after this step reads (one label per `%` that resolves here).
    pub ancestors: Vec<Arc<str>>,
}

#[derive(Debug)]
pub enum StepKind {
    /// An expression evaluated once per input tuple.
    Expr(Node),
    /// `^(…)`: the stream sorted by its terms, `true` for descending.
    Sort(Vec<(Node, bool)>),
}

#[derive(Debug)]
pub enum Stage {
    Filter(Node),
    /// `#$i` after a predicate: the position in the filtered stream.
    Index(Arc<str>),
}

/// Rewrites every path of `node` that binds `#` or `@` into a [`Node::Tuples`].
pub fn rewrite(node: Node) -> Result<Node, JsonataError> {
    // As in the reference, `@` on an expression that is not a path (`$@$v`) binds
    // nothing: the expression is evaluated as it is.
    let node = match node {
        Node::Focus(inner, _) if !is_path_like(&inner) && !matches!(*inner, Node::Name(_)) => {
            return rewrite(*inner);
        }
        other => other,
    };
    if is_path_like(&node) && (has_bindings(&node) || parent_inside(&node)) {
        return tuple_path(node);
    }
    children(node)
}

/// Whether a step after the first (or a predicate, sort term or group expression) reads
/// `%`, which the path itself then has to resolve. A `%` in the first step looks above
/// the path, to the one it is part of.
fn parent_inside(node: &Node) -> bool {
    match node {
        // After a chain of `%` (`%.%`), a `%` is one more level above this path.
        Node::Path(left, right) => {
            parent_inside(left) || (parent_chain(left).is_none() && step_reaches_parent(right))
        }
        Node::Filter(inner, predicate) => parent_inside(inner) || reaches_parent(predicate),
        Node::Sort(inner, terms) => {
            parent_inside(inner) || terms.iter().any(|(t, _)| reaches_parent(t))
        }
        Node::GroupBy(inner, pairs) => {
            parent_inside(inner)
                || pairs
                    .iter()
                    .any(|(k, v)| reaches_parent(k) || reaches_parent(v))
        }
        Node::Index(inner, _) | Node::Focus(inner, _) | Node::KeepArray(inner) => {
            parent_inside(inner)
        }
        _ => false,
    }
}

fn step_reaches_parent(step: &Node) -> bool {
    match step {
        Node::Filter(inner, predicate) => step_reaches_parent(inner) || reaches_parent(predicate),
        Node::Index(inner, _) | Node::Focus(inner, _) | Node::KeepArray(inner) => {
            step_reaches_parent(inner)
        }
        other => reaches_parent(other),
    }
}

/// Whether `node` reads a `%` of its own context: through expressions that keep the
/// context (operators, constructors, arguments, blocks, conditions) and along a path
/// that starts with `%` (`%.%.OrderID`), not into predicates or other paths' later steps.
fn reaches_parent(node: &Node) -> bool {
    let mut found = false;
    let mut probe = node.clone();
    let _ = resolve_in(&mut probe, 0, &mut |_| {
        found = true;
        Ok(Arc::from("!"))
    });
    found
}

/// How many `%` steps `node` is, when it is nothing but them (`%`, `%.%`).
fn parent_chain(node: &Node) -> Option<usize> {
    match node {
        Node::Parent => Some(1),
        Node::Path(left, right) => Some(parent_chain(left)? + parent_chain(right)?),
        _ => None,
    }
}

/// Replaces each `%` that `node` reads of its own context (see [`reaches_parent`]) by
/// the variable `resolve` gives for its level: 1 for the parent, 2 for the grandparent.
/// `base` counts the `%` steps already taken on the way (`%.%` is level 2 at its second).
fn resolve_in(
    node: &mut Node,
    base: usize,
    resolve: &mut dyn FnMut(usize) -> Result<Arc<str>, JsonataError>,
) -> Result<(), JsonataError> {
    if matches!(node, Node::Parent) {
        *node = Node::Var(resolve(base + 1)?.to_string());
        return Ok(());
    }
    match node {
        Node::Path(left, right) => {
            let chain = parent_chain(left);
            resolve_in(left, base, resolve)?;
            if let Some(n) = chain {
                resolve_in(right, base + n, resolve)?;
            }
        }
        Node::Binary(_, a, b)
        | Node::Range(a, b)
        | Node::Elvis(a, b)
        | Node::Coalesce(a, b)
        | Node::Chain(a, b) => {
            resolve_in(a, base, resolve)?;
            resolve_in(b, base, resolve)?;
        }
        Node::Neg(a) | Node::Bind(_, a) => resolve_in(a, base, resolve)?,
        Node::Filter(inner, _)
        | Node::Sort(inner, _)
        | Node::GroupBy(inner, _)
        | Node::KeepArray(inner) => resolve_in(inner, base, resolve)?,
        Node::Cond(c, t, e) => {
            resolve_in(c, base, resolve)?;
            resolve_in(t, base, resolve)?;
            if let Some(e) = e {
                resolve_in(e, base, resolve)?;
            }
        }
        Node::Object(pairs) => {
            for (k, v) in pairs {
                resolve_in(k, base, resolve)?;
                resolve_in(v, base, resolve)?;
            }
        }
        Node::Array(items) | Node::Block(items) => {
            for item in items {
                resolve_in(item, base, resolve)?;
            }
        }
        Node::Call(function, args) => {
            resolve_in(function, base, resolve)?;
            for arg in args {
                resolve_in(arg, base, resolve)?;
            }
        }
        Node::Tuples(path) => {
            // Only the first step of a nested path reads this context.
            if let Some(StepKind::Expr(first)) = Arc::get_mut(path)
                .and_then(|p| p.steps.first_mut())
                .map(|s| &mut s.kind)
            {
                resolve_in(first, base, resolve)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The S0217 error: a `%` with no step to take its parent from.
fn no_parent() -> JsonataError {
    err(
        "S0217",
        "The object representing the 'parent' cannot be derived from this expression",
    )
}

/// The label of the step `level` name or wildcard steps back from `start`, taking one
/// if it has none: the variable that step binds to its input for each result.
fn ancestor(
    steps: &mut [TupleStep],
    start: Option<usize>,
    level: usize,
    labels: &mut usize,
) -> Result<Arc<str>, JsonataError> {
    let mut level = level;
    let mut at = start;
    while let Some(j) = at {
        let step = &mut steps[j];
        match &step.kind {
            StepKind::Expr(Node::Name(_) | Node::Wildcard) => {
                level -= 1;
                if level == 0 {
                    if let Some(label) = step.ancestors.first() {
                        return Ok(Arc::clone(label));
                    }
                    let label: Arc<str> = Arc::from(format!("!{labels}"));
                    *labels += 1;
                    step.ancestors.push(Arc::clone(&label));
                    return Ok(label);
                }
            }
            // A `%` step, already resolved: one level further up.
            StepKind::Expr(Node::Var(name)) if name.starts_with('!') => level += 1,
            _ => return Err(no_parent()),
        }
        at = j.checked_sub(1);
    }
    Err(no_parent())
}

/// Resolves the `%` read in each step of `path` to a variable that an earlier step binds
/// to its input: a `%` in step k's expression is the input of step k-1 (the step whose
/// result step k reads), one in step k's predicates or sort terms the input of step k.
/// Each level up goes one name or wildcard step further back; a `%` step on the way adds
/// a level, and any other step has no parent to give.
fn resolve_parents(path: &mut TuplePath) -> Result<(), JsonataError> {
    let mut labels = 0usize;
    for k in 0..path.steps.len() {
        // The step's own expression and sort terms read the input of the step before;
        // its predicates read its own input. Each part is taken out while it is
        // resolved, so the steps it resolves against can take a label.
        let mut kind = std::mem::replace(&mut path.steps[k].kind, StepKind::Expr(Node::Null));
        let resolved = match &mut kind {
            StepKind::Expr(expr) => resolve_in(expr, 0, &mut |level| {
                ancestor(&mut path.steps, k.checked_sub(1), level, &mut labels)
            }),
            StepKind::Sort(terms) => terms.iter_mut().try_for_each(|(term, _)| {
                resolve_in(term, 0, &mut |level| {
                    ancestor(&mut path.steps, k.checked_sub(1), level, &mut labels)
                })
            }),
        };
        path.steps[k].kind = kind;
        resolved?;
        let mut stages = std::mem::take(&mut path.steps[k].stages);
        let resolved = stages.iter_mut().try_for_each(|stage| match stage {
            Stage::Filter(predicate) => resolve_in(predicate, 0, &mut |level| {
                ancestor(&mut path.steps, Some(k), level, &mut labels)
            }),
            Stage::Index(_) => Ok(()),
        });
        path.steps[k].stages = stages;
        resolved?;
    }
    // A group-by's expressions run over whole groups, which have no one parent.
    if let Some(pairs) = &mut path.group {
        for (key, value) in pairs {
            resolve_in(key, 0, &mut |_| Err(no_parent()))?;
            resolve_in(value, 0, &mut |_| Err(no_parent()))?;
        }
    }
    Ok(())
}

fn is_path_like(node: &Node) -> bool {
    matches!(
        node,
        Node::Path(..)
            | Node::Index(..)
            | Node::Focus(..)
            | Node::Filter(..)
            | Node::Sort(..)
            | Node::GroupBy(..)
            | Node::KeepArray(_)
    )
}

/// Whether one of the path's own steps (not an expression inside a step) binds.
fn has_bindings(node: &Node) -> bool {
    match node {
        Node::Index(..) | Node::Focus(..) => true,
        Node::Path(left, right) => has_bindings(left) || has_bindings(right),
        Node::Filter(inner, _)
        | Node::Sort(inner, _)
        | Node::GroupBy(inner, _)
        | Node::KeepArray(inner) => has_bindings(inner),
        _ => false,
    }
}

fn tuple_path(node: Node) -> Result<Node, JsonataError> {
    let mut path = TuplePath {
        steps: Vec::new(),
        group: None,
        keep_array: false,
    };
    push(node, &mut path)?;
    resolve_parents(&mut path)?;
    Ok(Node::Tuples(Arc::new(path)))
}

/// Appends `node`'s steps to `path`, left to right. A binding, predicate or `[]` applies
/// to the step pushed last, as it follows that step in the text.
fn push(node: Node, path: &mut TuplePath) -> Result<(), JsonataError> {
    match node {
        Node::Path(left, right) => {
            push(*left, path)?;
            push(*right, path)?;
        }
        Node::GroupBy(inner, pairs) => {
            push(*inner, path)?;
            let mut rewritten = Vec::with_capacity(pairs.len());
            for (key, value) in pairs {
                rewritten.push((rewrite(key)?, rewrite(value)?));
            }
            path.group = Some(rewritten);
        }
        Node::Sort(inner, terms) => {
            push(*inner, path)?;
            let mut rewritten = Vec::with_capacity(terms.len());
            for (term, descending) in terms {
                rewritten.push((rewrite(term)?, descending));
            }
            path.steps.push(TupleStep::of(StepKind::Sort(rewritten)));
        }
        Node::Index(inner, name) => {
            let step = last(*inner, path)?;
            if step.stages.is_empty() {
                step.index = Some(name);
            } else {
                step.stages.push(Stage::Index(name));
            }
        }
        Node::Focus(inner, name) => {
            let step = last(*inner, path)?;
            if !step.stages.is_empty() {
                return Err(err(
                    "S0215",
                    "A context variable binding must precede any predicates on a step",
                ));
            }
            if matches!(step.kind, StepKind::Sort(_)) {
                return Err(err(
                    "S0216",
                    "A context variable binding must precede the 'order-by' clause on a step",
                ));
            }
            step.focus = Some(name);
        }
        Node::Filter(inner, predicate) => {
            let predicate = rewrite(*predicate)?;
            last(*inner, path)?.stages.push(Stage::Filter(predicate));
        }
        Node::KeepArray(inner) => {
            path.keep_array = true;
            push(*inner, path)?;
        }
        other => path
            .steps
            .push(TupleStep::of(StepKind::Expr(rewrite(other)?))),
    }
    Ok(())
}

/// Pushes `inner` and returns the step it ended with.
fn last(inner: Node, path: &mut TuplePath) -> Result<&mut TupleStep, JsonataError> {
    push(inner, path)?;
    path.steps
        .last_mut()
        .ok_or_else(|| err("S0201", "Syntax error: a variable binding needs a step"))
}

impl TupleStep {
    fn of(kind: StepKind) -> Self {
        TupleStep {
            kind,
            focus: None,
            index: None,
            stages: Vec::new(),
            ancestors: Vec::new(),
        }
    }
}

/// `node` with each child rewritten.
fn children(node: Node) -> Result<Node, JsonataError> {
    let boxed = |n: Box<Node>| -> Result<Box<Node>, JsonataError> { Ok(Box::new(rewrite(*n)?)) };
    let pairs = |pairs: Vec<(Node, Node)>| -> Result<Vec<(Node, Node)>, JsonataError> {
        pairs
            .into_iter()
            .map(|(k, v)| Ok((rewrite(k)?, rewrite(v)?)))
            .collect()
    };
    let list = |items: Vec<Node>| -> Result<Vec<Node>, JsonataError> {
        items.into_iter().map(rewrite).collect()
    };
    Ok(match node {
        Node::Path(l, r) => Node::Path(boxed(l)?, boxed(r)?),
        Node::Filter(l, r) => Node::Filter(boxed(l)?, boxed(r)?),
        Node::KeepArray(n) => Node::KeepArray(boxed(n)?),
        Node::Sort(n, terms) => Node::Sort(
            boxed(n)?,
            terms
                .into_iter()
                .map(|(t, d)| Ok((rewrite(t)?, d)))
                .collect::<Result<_, JsonataError>>()?,
        ),
        Node::GroupBy(n, p) => Node::GroupBy(boxed(n)?, pairs(p)?),
        Node::Object(p) => Node::Object(pairs(p)?),
        Node::Array(items) => Node::Array(list(items)?),
        Node::Range(l, r) => Node::Range(boxed(l)?, boxed(r)?),
        Node::Binary(op, l, r) => Node::Binary(op, boxed(l)?, boxed(r)?),
        Node::Neg(n) => Node::Neg(boxed(n)?),
        Node::Cond(c, t, e) => Node::Cond(
            boxed(c)?,
            boxed(t)?,
            match e {
                Some(e) => Some(boxed(e)?),
                None => None,
            },
        ),
        Node::Elvis(l, r) => Node::Elvis(boxed(l)?, boxed(r)?),
        Node::Coalesce(l, r) => Node::Coalesce(boxed(l)?, boxed(r)?),
        Node::Block(items) => Node::Block(list(items)?),
        Node::Bind(name, value) => Node::Bind(name, boxed(value)?),
        Node::Call(f, args) => Node::Call(boxed(f)?, list(args)?),
        Node::Chain(l, r) => Node::Chain(boxed(l)?, boxed(r)?),
        Node::Transform(def) => match Arc::try_unwrap(def) {
            Ok(TransformDef {
                pattern,
                update,
                delete,
            }) => Node::Transform(Arc::new(TransformDef {
                pattern: rewrite(pattern)?,
                update: rewrite(update)?,
                delete: match delete {
                    Some(d) => Some(rewrite(d)?),
                    None => None,
                },
            })),
            Err(shared) => Node::Transform(shared),
        },
        Node::Lambda(def) => match Arc::try_unwrap(def) {
            Ok(LambdaDef {
                params,
                signature,
                body,
            }) => Node::Lambda(Arc::new(LambdaDef {
                params,
                signature,
                body: rewrite(body)?,
            })),
            Err(shared) => Node::Lambda(shared),
        },
        // Bindings are handled by `rewrite` before it comes here.
        node @ (Node::Index(..) | Node::Focus(..)) => tuple_path(node)?,
        leaf => leaf,
    })
}
