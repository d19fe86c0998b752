//! Evaluates a syntax tree: paths map over sequences and flatten, predicates filter or
//! index, operators follow JSONata's typing rules and errors.

mod call;
mod operators;
mod shape;
mod transform;
mod tuple;

use call::{Prepared, callee_name};

use std::rc::Rc;
use std::sync::Arc;

use super::ast::Node;
use super::env::Scope;
use super::error::{JsonataError, err};
use super::functions;
use super::value::{Flags, Func, V, truthy};

/// Deepest evaluation recursion (nested calls, recursive functions) before failing with
/// JSONata's stack-overflow error. A recursive function that is not tail-recursive
/// nests three evaluations a call (its body, the operator around the call, the call),
/// as the reference counts them: the reference suite's bound, under which a factorial of
/// 99 completes and one of 100 fails. Calls in tail position do not nest at all
/// (`eval/call.rs`). The stack grows as needed (`stacker`), so the bound is about
/// runaway recursion, not the thread's stack.
const MAX_DEPTH: usize = 302;

/// How many scopes the evaluator holds before it first lets go of those nothing else
/// holds.
const MIN_COMPACT_AT: usize = 1024;

/// Largest array a range (`[1..n]`) may build, as in the reference implementation.
const MAX_RANGE: f64 = 10_000_000.0;

/// The work one evaluation may do, counted as nodes evaluated plus the items ranges
/// build: room for the largest range and then some, while `[1..9999999].[1..9999999]` or
/// a map over a map fails in about a second instead of taking the worker and gigabytes
/// of memory for hours. The reference implementation has no bound (its test suite
/// times expressions out with this same U1001 error); Step Functions documents none, and
/// no payload it accepts (256 KiB) needs this much work.
pub(crate) const MAX_STEPS: u64 = 20_000_000;

/// What building one array or object costs against the budget beyond evaluating its
/// parts: each is an allocation held until the evaluation ends, several times a step's
/// memory, so a path that builds one per item of a large range
/// (`[0..4404402].[1021]`, found by the fuzz target as an out-of-memory) runs out of
/// budget before it runs out of memory.
pub(super) const CONSTRUCTED_STEPS: u64 = 4;

pub type Out = Result<Option<V>, JsonataError>;

pub struct Evaluator {
    depth: usize,
    /// Work done so far, against [`MAX_STEPS`].
    steps: u64,
    /// Scopes created while evaluating, cleared at the end to break closure cycles.
    scopes: Vec<Rc<Scope>>,
    /// How many scopes may be held before those nothing else holds are let go
    /// ([`Evaluator::scope`]).
    compact_at: usize,
    /// What `$now()` and `$millis()` answer: one instant for the whole evaluation, as
    /// JSONata specifies, read from the execution's clock.
    now_ms: i64,
    /// `$$`: the input the evaluation started from (none in Step Functions, whose
    /// fields are evaluated without a context value).
    root: Option<V>,
}

impl Evaluator {
    /// An evaluator whose `$$` is `root`.
    pub fn with_root(now_ms: i64, root: Option<V>) -> Self {
        Evaluator {
            depth: 0,
            steps: 0,
            scopes: Vec::new(),
            compact_at: MIN_COMPACT_AT,
            now_ms,
            root,
        }
    }

    /// The instant `$now()` and `$millis()` answer, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn finish(self) {
        for scope in self.scopes {
            scope.clear();
        }
    }

    pub fn scope(&mut self, parent: &Rc<Scope>) -> Rc<Scope> {
        let scope = Scope::child(parent);
        self.scopes.push(Rc::clone(&scope));
        if self.scopes.len() > self.compact_at {
            // A scope only this list holds is in no cycle (a closure that captured it
            // would hold it too) and no evaluation uses it any more: letting it go frees
            // it. Without this a tail-recursive loop keeps every call's frame until the
            // end: millions of frames, gigabytes, within the step budget (found by the
            // jsonata fuzz target). Doubling the threshold keeps the cost amortised O(1).
            self.scopes.retain(|held| Rc::strong_count(held) > 1);
            self.compact_at = (self.scopes.len() * 2).max(MIN_COMPACT_AT);
        }
        scope
    }

    /// How many scopes the evaluator holds for the clearing at its end.
    #[cfg(test)]
    pub(crate) fn held_scopes(&self) -> usize {
        self.scopes.len()
    }

    /// Counts `steps` of work against the evaluation's budget.
    pub(super) fn charge(&mut self, steps: u64) -> Result<(), JsonataError> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > MAX_STEPS {
            return Err(err(
                "U1001",
                "Expression evaluation timeout: Check for infinite loop",
            ));
        }
        Ok(())
    }

    /// An array constructor. Apart from [`Evaluator::eval`], whose stack frame every
    /// nested call adds to.
    #[inline(never)]
    fn array(&mut self, items: &[Node], ctx: &Option<V>, env: &Rc<Scope>) -> Out {
        self.charge(CONSTRUCTED_STEPS)?;
        let mut out = Vec::new();
        for item in items {
            if let Node::Range(from, to) = item {
                self.range(from, to, ctx, env, &mut out)?;
                continue;
            }
            match self.eval(item, ctx, env)? {
                None => {}
                // A nested constructor stays an array; any other array splices in.
                Some(V::Array(inner, _)) if !matches!(item, Node::Array(_)) => {
                    out.extend(inner.iter().cloned());
                }
                Some(v) => out.push(v),
            }
        }
        Ok(Some(V::array(out)))
    }

    pub fn eval(&mut self, node: &Node, ctx: &Option<V>, env: &Rc<Scope>) -> Out {
        self.enter()?;
        let result = self.eval_inner(node, ctx, env);
        self.depth -= 1;
        result
    }

    /// Counts one evaluation of a node against the work budget and one level against
    /// [`MAX_DEPTH`]; the caller gives the level back when the node is evaluated.
    fn enter(&mut self) -> Result<(), JsonataError> {
        self.charge(1)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        Ok(())
    }

    fn eval_inner(&mut self, node: &Node, ctx: &Option<V>, env: &Rc<Scope>) -> Out {
        match node {
            Node::Num(n) => Ok(Some(V::Num(*n))),
            Node::Str(s) => Ok(Some(V::str(s))),
            Node::Bool(b) => Ok(Some(V::Bool(*b))),
            Node::Null => Ok(Some(V::Null)),
            Node::Regex(_) => Err(err(
                "T1010",
                "A regular expression can only be passed to a function",
            )),
            Node::Name(name) => Ok(ctx.as_ref().and_then(|c| lookup_field(c, name))),
            Node::Wildcard => Ok(ctx.as_ref().and_then(wildcard)),
            // The context itself first, then everything below it (XPath's `//*`).
            Node::Descendants => Ok(ctx.as_ref().and_then(|c| {
                let mut out = Vec::new();
                if !matches!(c, V::Array(..)) {
                    out.push(c.clone());
                }
                descendants(c, &mut out);
                V::sequence(out, false)
            })),
            Node::Var(name) => Ok(match name.as_str() {
                "" => ctx.clone(),
                "$" => self.root.clone(),
                _ => env.lookup(name).or_else(|| functions::builtin(name)),
            }),
            Node::Path(left, right) => self.path(left, right, ctx, env, true),
            Node::Filter(base, predicate) => {
                let base = self.eval(base, ctx, env)?;
                self.filter(base, predicate, env)
            }
            Node::KeepArray(inner) => Ok(self.eval(inner, ctx, env)?.map(|v| match v {
                V::Array(items, flags) => V::Array(
                    items,
                    Flags {
                        keep: true,
                        ..flags
                    },
                ),
                other => V::Array(
                    Rc::new(vec![other]),
                    Flags {
                        sequence: true,
                        keep: true,
                    },
                ),
            })),
            Node::Sort(base, terms) => {
                let base = self.eval(base, ctx, env)?;
                self.sort(base, terms, env)
            }
            Node::GroupBy(base, pairs) => {
                // Grouping nothing still builds an (empty) object, as the reference does.
                let items = match self.eval(base, ctx, env)? {
                    None => vec![None],
                    Some(V::Array(items, _)) if items.is_empty() => vec![None],
                    Some(v) => v.items().into_iter().map(Some).collect(),
                };
                self.group(items, pairs, env)
            }
            Node::Object(pairs) => {
                let items = match ctx {
                    Some(V::Array(items, _)) => items.iter().cloned().map(Some).collect(),
                    other => vec![other.clone()],
                };
                self.group(items, pairs, env)
            }
            Node::Array(items) => self.array(items, ctx, env),
            Node::Range(..) => Err(err(
                "S0201",
                "A range (..) can only be used inside an array constructor",
            )),
            Node::Binary(op, left, right) => self.binary(*op, left, right, ctx, env),
            Node::Neg(inner) => match self.eval(inner, ctx, env)? {
                None => Ok(None),
                Some(V::Num(n)) => Ok(Some(V::Num(-n))),
                Some(_) => Err(err("D1002", "Cannot negate a non-numeric value")),
            },
            Node::Cond(cond, then, otherwise) => {
                if truthy(&self.eval(cond, ctx, env)?) {
                    self.eval(then, ctx, env)
                } else if let Some(otherwise) = otherwise {
                    self.eval(otherwise, ctx, env)
                } else {
                    Ok(None)
                }
            }
            Node::Elvis(a, b) => {
                let value = self.eval(a, ctx, env)?;
                if truthy(&value) {
                    Ok(value)
                } else {
                    self.eval(b, ctx, env)
                }
            }
            Node::Coalesce(a, b) => match self.eval(a, ctx, env)? {
                Some(v) => Ok(Some(v)),
                None => self.eval(b, ctx, env),
            },
            Node::Block(items) => {
                let scope = self.scope(env);
                let mut last = None;
                for item in items {
                    last = self.eval(item, ctx, &scope)?;
                }
                Ok(last)
            }
            Node::Bind(name, value) => {
                let value = self.eval(value, ctx, env)?;
                if let Some(v) = &value {
                    env.bind(name, v.clone());
                }
                Ok(value)
            }
            Node::Lambda(def) => Ok(Some(V::Func(Rc::new(Func::Lambda {
                def: Arc::clone(def),
                scope: Rc::clone(env),
                context: ctx.clone(),
            })))),
            Node::Call(function, args) => match self.prepare_call(function, args, ctx, env)? {
                Prepared::Value(value) => Ok(value),
                Prepared::Call(call) => self.call_as(call.function, call.args, ctx, call.callee),
            },
            Node::Tuples(path) => self.tuple_path(path, ctx, env),
            Node::Transform(def) => Ok(Some(V::Func(Rc::new(Func::Transform {
                def: Arc::clone(def),
                scope: Rc::clone(env),
            })))),
            Node::Parent => Err(err(
                "S0217",
                "The object representing the 'parent' cannot be derived from this expression",
            )),
            // The parser makes every `#` and `@` part of a tuple path.
            Node::Index(..) | Node::Focus(..) => Err(err(
                "S0201",
                "Syntax error: a variable binding outside a path",
            )),
            Node::Placeholder => Err(err(
                "S0211",
                "The symbol ? cannot be used as a unary operator",
            )),
            Node::Chain(value, function) => {
                let value = self.eval(value, ctx, env)?;
                if let Node::Call(f, args) = function.as_ref() {
                    let callee = callee_name(f);
                    let f = self.eval(f, ctx, env)?;
                    let mut values = vec![Arg::Value(value)];
                    for arg in args {
                        values.push(self.arg(arg, ctx, env)?);
                    }
                    self.call_as(f, values, ctx, callee)
                } else {
                    let f = self.eval(function, ctx, env)?;
                    match (value, f) {
                        // Chaining two functions composes them.
                        (Some(first @ V::Func(_)), Some(second @ V::Func(_))) => {
                            Ok(Some(V::Func(Rc::new(Func::Composed(first, second)))))
                        }
                        (value, f) => self.call(f, vec![Arg::Value(value)], ctx),
                    }
                }
            }
        }
    }

    /// A call argument; regular expressions are passed as values only here.
    fn arg(&mut self, node: &Node, ctx: &Option<V>, env: &Rc<Scope>) -> Result<Arg, JsonataError> {
        match node {
            Node::Regex(r) => Ok(Arg::Regex(Arc::clone(r))),
            other => Ok(Arg::Value(self.eval(other, ctx, env)?)),
        }
    }

    /// `left.right`. `last` is true for the final step of a whole path: as in the reference
    /// implementation, a final step that selects one array from the data returns that
    /// array as it is (so `$states.input.items` stays an array even with one item).
    fn path(
        &mut self,
        left: &Node,
        right: &Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
        last: bool,
    ) -> Out {
        let left = match left {
            Node::Path(l, r) => self.path(l, r, ctx, env, false)?,
            other => self.eval(other, ctx, env)?,
        };
        let Some(left) = left else {
            return Ok(None);
        };
        // `[]` anywhere in a path keeps the whole path's result an array.
        let mut keep = matches!(&left, V::Array(_, flags) if flags.keep);
        let mut results = Vec::new();
        if let V::Array(items, _) = &left {
            for item in items.iter() {
                results.extend(self.eval(right, &Some(item.clone()), env)?);
            }
        } else {
            results.extend(self.eval(right, &Some(left), env)?);
        }
        if last
            && results.len() == 1
            && let Some(V::Array(_, flags)) = results.first()
            && !flags.sequence
        {
            return Ok(results.pop());
        }
        // An array constructor used as a step (`a.[b, c]`) yields one item per input.
        let constructor = matches!(right, Node::Array(_));
        let mut out = Vec::new();
        for result in results {
            match result {
                V::Array(items, flags) if !constructor => {
                    keep |= flags.keep;
                    out.extend(items.iter().cloned());
                }
                v => out.push(v),
            }
        }
        // Each item a step yields is held until the path ends: counted against the budget
        // as a range's items are, so a path that multiplies a large range
        // (`[0..4404402].[].[1021]`) fails with U1001 instead of taking gigabytes.
        self.charge(out.len() as u64)?;
        if last || out.is_empty() {
            Ok(V::sequence(out, keep))
        } else {
            // Mid-path the sequence stays whole: one array item must not be opened up.
            Ok(Some(V::Array(
                Rc::new(out),
                Flags {
                    sequence: true,
                    keep,
                },
            )))
        }
    }
}

/// A call argument: a value or a regular expression literal.
#[derive(Debug)]
pub enum Arg {
    Value(Option<V>),
    Regex(Arc<regex_lite::Regex>),
}

fn lookup_field(value: &V, name: &str) -> Option<V> {
    match value {
        V::Object(map) => map.get(name).cloned(),
        V::Array(items, _) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match lookup_field(item, name) {
                    Some(V::Array(inner, _)) => out.extend(inner.iter().cloned()),
                    Some(v) => out.push(v),
                    None => {}
                }
            }
            V::sequence(out, false)
        }
        _ => None,
    }
}

fn wildcard(value: &V) -> Option<V> {
    let mut out = Vec::new();
    match value {
        V::Object(map) => {
            for v in map.values() {
                match v {
                    V::Array(items, _) => out.extend(items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
        }
        V::Array(items, _) => {
            for item in items.iter() {
                out.extend(wildcard(item).map(|v| v.items()).unwrap_or_default());
            }
        }
        _ => {}
    }
    V::sequence(out, false)
}

fn descendants(value: &V, out: &mut Vec<V>) {
    match value {
        V::Object(map) => {
            for v in map.values() {
                if !matches!(v, V::Array(..)) {
                    out.push(v.clone());
                }
                descendants(v, out);
            }
        }
        V::Array(items, _) => {
            for item in items.iter() {
                if !matches!(item, V::Array(..)) {
                    out.push(item.clone());
                }
                descendants(item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod scope_tests {
    use super::*;
    use crate::jsonata::{ast::Node, env, parser};

    fn run(expression: &str) -> (Out, usize) {
        let tree: Node = parser::parse(expression).expect("parses");
        let root = env::Scope::root(Default::default());
        let mut evaluator = Evaluator::with_root(0, None);
        let result = evaluator.eval(&tree, &None, &root);
        let held = evaluator.held_scopes();
        evaluator.finish();
        root.clear();
        (result, held)
    }

    /// A tail-recursive loop of 200,000 calls ends holding a few frames, not one per call.
    #[test]
    fn a_tail_loop_does_not_hold_every_frame() {
        let (result, held) =
            run("($f := function($n) { $n = 0 ? 'done' : $f($n - 1) }; $f(200000))");
        assert_eq!(
            result.expect("evaluates").and_then(|v| v.to_json()),
            Some(serde_json::json!("done"))
        );
        assert!(held < 2 * MIN_COMPACT_AT + 10, "{held} scopes held");
    }

    /// Closures that capture their scopes still work after the scopes are compacted.
    #[test]
    fn closures_keep_their_scopes_through_compaction() {
        let (result, _) = run(
            "($adders := $map([1..3000], function($x) { function($y) { $x + $y } }); \
             $sum($map($adders, function($add) { $add(1) })))",
        );
        let expected: i64 = (1..=3000).map(|x| x + 1).sum();
        assert_eq!(
            result.expect("evaluates").and_then(|v| v.to_json()),
            Some(serde_json::json!(expected))
        );
    }
}
