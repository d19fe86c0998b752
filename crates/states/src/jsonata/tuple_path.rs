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

use super::ast::{LambdaDef, Node};
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
    if is_path_like(&node) && has_bindings(&node) {
        return tuple_path(node);
    }
    children(node)
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
