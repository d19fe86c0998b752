//! Evaluates a syntax tree: paths map over sequences and flatten, predicates filter or
//! index, operators follow JSONata's typing rules and errors.

use std::rc::Rc;

use super::ast::{BinOp, Node};
use super::env::Scope;
use super::error::{JsonataError, err};
use super::functions;
use super::value::{Flags, Func, Map, V, deep_equal, stringify, truthy};

/// Deepest evaluation recursion (nested calls, recursive functions) before failing with
/// JSONata's stack-overflow error instead of overflowing the thread's stack.
const MAX_DEPTH: usize = 200;

/// Largest array a range (`[1..n]`) may build, as in the reference implementation.
const MAX_RANGE: f64 = 10_000_000.0;

pub type Out = Result<Option<V>, JsonataError>;

pub struct Evaluator {
    depth: usize,
    /// Scopes created while evaluating, cleared at the end to break closure cycles.
    scopes: Vec<Rc<Scope>>,
}

impl Evaluator {
    pub fn new() -> Self {
        Evaluator {
            depth: 0,
            scopes: Vec::new(),
        }
    }

    pub fn finish(self) {
        for scope in self.scopes {
            scope.clear();
        }
    }

    pub fn scope(&mut self, parent: &Rc<Scope>) -> Rc<Scope> {
        let scope = Scope::child(parent);
        self.scopes.push(Rc::clone(&scope));
        scope
    }

    pub fn eval(&mut self, node: &Node, ctx: &Option<V>, env: &Rc<Scope>) -> Out {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        let result = self.eval_inner(node, ctx, env);
        self.depth -= 1;
        result
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
            Node::Descendants => Ok(ctx.as_ref().and_then(|c| {
                let mut out = Vec::new();
                descendants(c, &mut out);
                V::sequence(out, false)
            })),
            Node::Var(name) => Ok(match name.as_str() {
                "" => ctx.clone(),
                "$" => None,
                _ => env.lookup(name).or_else(|| functions::builtin(name)),
            }),
            Node::Path(left, right) => self.path(left, right, ctx, env, true),
            Node::Filter(base, predicate) => {
                let base = self.eval(base, ctx, env)?;
                self.filter(base, predicate, env)
            }
            Node::KeepArray(inner) => Ok(self.eval(inner, ctx, env)?.map(|v| {
                let items = v.items();
                V::Array(
                    Rc::new(items),
                    Flags {
                        sequence: true,
                        keep: true,
                    },
                )
            })),
            Node::Sort(base, terms) => {
                let base = self.eval(base, ctx, env)?;
                self.sort(base, terms, env)
            }
            Node::GroupBy(base, pairs) => {
                let Some(base) = self.eval(base, ctx, env)? else {
                    return Ok(None);
                };
                let items = base.items().into_iter().map(Some).collect();
                self.group(items, pairs, env)
            }
            Node::Object(pairs) => {
                let items = match ctx {
                    Some(V::Array(items, _)) => items.iter().cloned().map(Some).collect(),
                    other => vec![other.clone()],
                };
                self.group(items, pairs, env)
            }
            Node::Array(items) => {
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
                def: Rc::clone(def),
                scope: Rc::clone(env),
                context: ctx.clone(),
            })))),
            Node::Call(function, args) => {
                let function = self.eval(function, ctx, env)?;
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(self.arg(arg, ctx, env)?);
                }
                self.call(function, values, ctx)
            }
            Node::Chain(value, function) => {
                let value = self.eval(value, ctx, env)?;
                if let Node::Call(f, args) = function.as_ref() {
                    let f = self.eval(f, ctx, env)?;
                    let mut values = vec![Arg::Value(value)];
                    for arg in args {
                        values.push(self.arg(arg, ctx, env)?);
                    }
                    self.call(f, values, ctx)
                } else {
                    let f = self.eval(function, ctx, env)?;
                    self.call(f, vec![Arg::Value(value)], ctx)
                }
            }
        }
    }

    /// A call argument; regular expressions are passed as values only here.
    fn arg(&mut self, node: &Node, ctx: &Option<V>, env: &Rc<Scope>) -> Result<Arg, JsonataError> {
        match node {
            Node::Regex(r) => Ok(Arg::Regex(Rc::clone(r))),
            other => Ok(Arg::Value(self.eval(other, ctx, env)?)),
        }
    }

    pub fn call(&mut self, function: Option<V>, args: Vec<Arg>, ctx: &Option<V>) -> Out {
        let Some(V::Func(function)) = function else {
            return Err(err("T1006", "Attempted to invoke a non-function"));
        };
        match function.as_ref() {
            Func::Builtin(name) => functions::call(self, name, args, ctx),
            Func::Lambda {
                def,
                scope,
                context,
            } => {
                let frame = self.scope(scope);
                let mut args = args.into_iter();
                for param in &def.params {
                    match args.next() {
                        Some(Arg::Value(Some(v))) => frame.bind(param, v),
                        Some(Arg::Regex(_)) => {
                            return Err(err(
                                "T1010",
                                "A regular expression can only be passed to a built-in function",
                            ));
                        }
                        _ => {}
                    }
                }
                self.eval(&def.body, context, &frame)
            }
        }
    }

    /// Calls `function` with plain values (for higher-order functions).
    pub fn apply(&mut self, function: &V, args: Vec<Option<V>>) -> Out {
        let args = args.into_iter().map(Arg::Value).collect();
        self.call(Some(function.clone()), args, &None)
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
        for item in left.items() {
            results.extend(self.eval(right, &Some(item), env)?);
        }
        if last
            && !keep
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

    fn filter(&mut self, base: Option<V>, predicate: &Node, env: &Rc<Scope>) -> Out {
        let Some(base) = base else {
            return Ok(None);
        };
        let keep = matches!(base, V::Array(_, f) if f.keep);
        let items = base.items();
        let len = items.len() as i64;
        let index_of = |n: f64| {
            let i = n.floor() as i64;
            if i < 0 { len + i } else { i }
        };
        let mut out = Vec::new();
        if let Node::Num(n) = predicate {
            let i = index_of(*n);
            if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(item.clone());
            }
            return Ok(V::sequence(out, keep));
        }
        for (position, item) in items.iter().enumerate() {
            let result = self.eval(predicate, &Some(item.clone()), env)?;
            let selected = match &result {
                Some(V::Num(n)) => index_of(*n) == position as i64,
                Some(V::Array(values, _))
                    if !values.is_empty() && values.iter().all(|v| matches!(v, V::Num(_))) =>
                {
                    values
                        .iter()
                        .any(|v| matches!(v, V::Num(n) if index_of(*n) == position as i64))
                }
                other => truthy(other),
            };
            if selected {
                out.push(item.clone());
            }
        }
        Ok(V::sequence(out, keep))
    }

    fn sort(&mut self, base: Option<V>, terms: &[(Node, bool)], env: &Rc<Scope>) -> Out {
        let Some(base) = base else {
            return Ok(None);
        };
        let items = base.items();
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            let mut keys = Vec::with_capacity(terms.len());
            for (term, _) in terms {
                let key = self.eval(term, &Some(item.clone()), env)?;
                match &key {
                    None | Some(V::Num(_)) | Some(V::Str(_)) => keys.push(key),
                    Some(_) => {
                        return Err(err(
                            "T2008",
                            "The expressions within an order-by clause must evaluate to numeric or string values",
                        ));
                    }
                }
            }
            keyed.push((keys, item));
        }
        let mut mixed = false;
        keyed.sort_by(|(a, _), (b, _)| {
            for ((x, y), (_, descending)) in a.iter().zip(b.iter()).zip(terms.iter()) {
                let order = match (x, y) {
                    (Some(V::Num(p)), Some(V::Num(q))) => {
                        p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal)
                    }
                    (Some(V::Str(p)), Some(V::Str(q))) => p.cmp(q),
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, _) => std::cmp::Ordering::Greater,
                    (_, None) => std::cmp::Ordering::Less,
                    _ => {
                        mixed = true;
                        std::cmp::Ordering::Equal
                    }
                };
                let order = if *descending { order.reverse() } else { order };
                if order != std::cmp::Ordering::Equal {
                    return order;
                }
            }
            std::cmp::Ordering::Equal
        });
        if mixed {
            return Err(err(
                "T2007",
                "Type mismatch when comparing values in order-by clause",
            ));
        }
        Ok(V::sequence(
            keyed.into_iter().map(|(_, v)| v).collect(),
            false,
        ))
    }

    /// Object construction and grouping: each key expression is evaluated per item, items
    /// sharing a key are gathered, and the value expression runs over each group.
    fn group(&mut self, items: Vec<Option<V>>, pairs: &[(Node, Node)], env: &Rc<Scope>) -> Out {
        let mut groups: IndexGroups = Vec::new();
        for item in &items {
            for (pair_index, (key, _)) in pairs.iter().enumerate() {
                let key = match self.eval(key, item, env)? {
                    None => continue,
                    Some(V::Str(s)) => s.to_string(),
                    Some(other) => {
                        return Err(err(
                            "T1003",
                            &format!(
                                "Key in object structure must evaluate to a string; got: {}",
                                stringify(&other)
                            ),
                        ));
                    }
                };
                match groups.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, index, members)) => {
                        if *index != pair_index {
                            return Err(err(
                                "D1009",
                                &format!(
                                    "Multiple key definitions evaluate to same key: \"{key}\""
                                ),
                            ));
                        }
                        members.extend(item.clone());
                    }
                    None => groups.push((key, pair_index, item.clone().into_iter().collect())),
                }
            }
        }
        let mut out = Map::new();
        for (key, pair_index, members) in groups {
            let context = V::sequence(members, false);
            if let Some(value) = self.eval(&pairs[pair_index].1, &context, env)? {
                out.insert(key, value);
            }
        }
        Ok(Some(V::Object(Rc::new(out))))
    }

    fn range(
        &mut self,
        from: &Node,
        to: &Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
        out: &mut Vec<V>,
    ) -> Result<(), JsonataError> {
        let from = self.eval(from, ctx, env)?;
        let to = self.eval(to, ctx, env)?;
        let bound = |v: &Option<V>, code: &str, side: &str| match v {
            None => Ok(None),
            Some(V::Num(n)) if n.fract() == 0.0 => Ok(Some(*n)),
            Some(_) => Err(err(
                code,
                &format!("The {side} side of the range operator (..) must evaluate to an integer"),
            )),
        };
        let (Some(from), Some(to)) = (
            bound(&from, "T2003", "left")?,
            bound(&to, "T2004", "right")?,
        ) else {
            return Ok(());
        };
        if to - from >= MAX_RANGE {
            return Err(err(
                "D2014",
                &format!(
                    "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.",
                    to - from + 1.0
                ),
            ));
        }
        if from > to {
            return Ok(());
        }
        // Count rather than step a float, which stops advancing past 2^53.
        let count = (to - from) as u64 + 1;
        out.extend((0..count).map(|i| V::Num(from + i as f64)));
        Ok(())
    }

    fn binary(
        &mut self,
        op: BinOp,
        left: &Node,
        right: &Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
    ) -> Out {
        match op {
            BinOp::And => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Some(V::Bool(l && truthy(&self.eval(right, ctx, env)?))));
            }
            BinOp::Or => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Some(V::Bool(l || truthy(&self.eval(right, ctx, env)?))));
            }
            _ => {}
        }
        let l = self.eval(left, ctx, env)?;
        let r = self.eval(right, ctx, env)?;
        let symbol = op.symbol();
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let number = |v: &Option<V>, code: &str, side: &str| match v {
                    None => Ok(None),
                    Some(V::Num(n)) => Ok(Some(*n)),
                    Some(_) => Err(err(
                        code,
                        &format!(
                            "The {side} side of the \"{symbol}\" operator must evaluate to a number"
                        ),
                    )),
                };
                let (a, b) = (number(&l, "T2001", "left")?, number(&r, "T2002", "right")?);
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                let n = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                if !n.is_finite() {
                    return Err(err("D1001", &format!("Number out of range: {n}")));
                }
                Ok(Some(V::Num(n)))
            }
            BinOp::Concat => {
                let text = |v: &Option<V>| v.as_ref().map(stringify).unwrap_or_default();
                Ok(Some(V::str(&(text(&l) + &text(&r)))))
            }
            BinOp::Eq | BinOp::Ne => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                let equal = deep_equal(a, b);
                Ok(Some(V::Bool(if op == BinOp::Eq { equal } else { !equal })))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable =
                    |v: &Option<V>| matches!(v, None | Some(V::Num(_)) | Some(V::Str(_)));
                if !comparable(&l) || !comparable(&r) {
                    return Err(err(
                        "T2010",
                        &format!(
                            "The expressions either side of operator \"{symbol}\" must evaluate to numeric or string values"
                        ),
                    ));
                }
                let ordering = match (&l, &r) {
                    (Some(V::Num(a)), Some(V::Num(b))) => a.partial_cmp(b),
                    (Some(V::Str(a)), Some(V::Str(b))) => Some(a.cmp(b)),
                    (None, _) | (_, None) => return Ok(None),
                    _ => {
                        return Err(err(
                            "T2009",
                            &format!(
                                "The values {} and {} either side of operator \"{symbol}\" must be of the same data type",
                                l.as_ref().map(stringify).unwrap_or_default(),
                                r.as_ref().map(stringify).unwrap_or_default()
                            ),
                        ));
                    }
                };
                let Some(ordering) = ordering else {
                    return Ok(Some(V::Bool(false)));
                };
                Ok(Some(V::Bool(match op {
                    BinOp::Lt => ordering.is_lt(),
                    BinOp::Le => ordering.is_le(),
                    BinOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                })))
            }
            BinOp::In => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                Ok(Some(V::Bool(
                    b.items().iter().any(|item| deep_equal(a, item)),
                )))
            }
            BinOp::And | BinOp::Or => Ok(None),
        }
    }
}

type IndexGroups = Vec<(String, usize, Vec<V>)>;

/// A call argument: a value or a regular expression literal.
pub enum Arg {
    Value(Option<V>),
    Regex(Rc<regex_lite::Regex>),
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
