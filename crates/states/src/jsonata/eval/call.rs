//! Function calls: built-ins, lambdas, partial applications (`$f(?, 2)`) and compositions
//! (`$f ~> $g`), with tail calls run in a loop rather than by recursion.
//!
//! A lambda whose body ends in a call (in a condition's branch or a block's last
//! expression too) does not evaluate that call inside its own frame: the call is handed
//! back and the caller's loop runs it, as the reference implementation does by returning
//! a thunk. Mutually recursive functions (`$odd(6555)` through `$even`) then run in
//! constant depth, where nested calls would reach the depth bound.

use std::rc::Rc;
use std::sync::Arc;

use super::super::ast::Node;
use super::super::env::Scope;
use super::super::error::{JsonataError, err};
use super::super::functions;
use super::super::value::{Func, V, truthy};
use super::{Arg, Evaluator, Out};

/// The stack a function call needs left before it runs its body, and what is added when
/// less is left ([`stacker::maybe_grow`]): a body nests at most the parser's 100 levels,
/// each a few frames of a few kilobytes in an unoptimised build.
const STACK_RED_ZONE: usize = 1024 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// A call whose function and arguments are evaluated, not yet made.
pub(super) struct PendingCall<'n> {
    pub function: Option<V>,
    pub args: Vec<Arg>,
    /// The name the call site uses (`sum` for `$sum(…)`), for signature errors.
    pub callee: Option<&'n str>,
}

/// What a call expression evaluates to before the call: a value already (a partial
/// application is a new function), or the call to make.
pub(super) enum Prepared<'n> {
    Value(Option<V>),
    Call(PendingCall<'n>),
}

/// What a lambda's body evaluates to: a value, or the call in its tail position.
enum Tail<'n> {
    Value(Option<V>),
    Call(PendingCall<'n>, Option<V>),
}

impl Evaluator {
    /// Evaluates a call's function and arguments.
    pub(super) fn prepare_call<'n>(
        &mut self,
        function: &'n Node,
        args: &'n [Node],
        ctx: &Option<V>,
        env: &Rc<Scope>,
    ) -> Result<Prepared<'n>, JsonataError> {
        let callee = callee_name(function);
        let value = self.eval(function, ctx, env)?;
        let partial = args.iter().any(|a| matches!(a, Node::Placeholder));
        if !matches!(value, Some(V::Func(_))) {
            return Err(not_a_function(function, env, partial));
        }
        if partial {
            let mut given = Vec::with_capacity(args.len());
            for arg in args {
                given.push(match arg {
                    Node::Placeholder => None,
                    other => Some(self.arg(other, ctx, env)?),
                });
            }
            let function = value.unwrap_or(V::Null);
            return Ok(Prepared::Value(Some(V::Func(Rc::new(Func::Partial {
                function,
                args: given,
            })))));
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.arg(arg, ctx, env)?);
        }
        Ok(Prepared::Call(PendingCall {
            function: value,
            args: values,
            callee,
        }))
    }

    pub fn call(&mut self, function: Option<V>, args: Vec<Arg>, ctx: &Option<V>) -> Out {
        self.call_as(function, args, ctx, None)
    }

    /// Calls `function`, called by name at the call site as `callee` (`$f(…)`): the name
    /// its signature errors give, as JSONata names the function as it was called.
    pub(super) fn call_as(
        &mut self,
        function: Option<V>,
        args: Vec<Arg>,
        ctx: &Option<V>,
        callee: Option<&str>,
    ) -> Out {
        let Some(V::Func(function)) = function else {
            return Err(err("T1006", "Attempted to invoke a non-function"));
        };
        match function.as_ref() {
            Func::Builtin(index) => functions::call(self, *index, callee, args, ctx),
            Func::Partial {
                function,
                args: given,
            } => {
                let mut supplied = args.into_iter();
                let mut args = Vec::with_capacity(given.len());
                for arg in given {
                    args.push(match arg {
                        Some(Arg::Value(v)) => Arg::Value(v.clone()),
                        Some(Arg::Regex(r)) => Arg::Regex(Arc::clone(r)),
                        None => supplied.next().unwrap_or(Arg::Value(None)),
                    });
                }
                self.call_as(Some(function.clone()), args, ctx, callee)
            }
            Func::Transform { def, scope } => {
                let mut args = args.into_iter();
                match args.next() {
                    None | Some(Arg::Value(None)) => Ok(None),
                    Some(Arg::Value(Some(value @ (V::Object(_) | V::Array(..))))) => {
                        if args.next().is_some() {
                            return Err(err(
                                "T0410",
                                "Argument 2 of function \"transform\" does not match function signature",
                            ));
                        }
                        self.transform(def, scope, value)
                    }
                    Some(_) => Err(err(
                        "T0410",
                        "Argument 1 of function \"transform\" does not match function signature",
                    )),
                }
            }
            Func::Composed(first, second) => {
                let inner = self.call(Some(first.clone()), args, ctx)?;
                self.call(Some(second.clone()), vec![Arg::Value(inner)], ctx)
            }
            Func::Lambda { .. } => {
                let callee = callee.filter(|_| signed(&function)).map(str::to_owned);
                self.call_lambda(function, args, ctx, callee)
            }
        }
    }

    /// Runs a lambda, and each lambda its body calls in tail position, in one loop.
    fn call_lambda(
        &mut self,
        mut function: Rc<Func>,
        mut args: Vec<Arg>,
        ctx: &Option<V>,
        mut callee: Option<String>,
    ) -> Out {
        let mut ctx = ctx.clone();
        loop {
            let Func::Lambda {
                def,
                scope,
                context,
            } = function.as_ref()
            else {
                return self.call_as(Some(V::Func(function)), args, &ctx, callee.as_deref());
            };
            let args_now = match &def.signature {
                Some(signature) => {
                    signature.validate(callee.as_deref().unwrap_or("lambda"), args, &ctx)?
                }
                None => args,
            };
            let frame = self.scope(scope);
            let mut given = args_now.into_iter();
            for param in &def.params {
                match given.next() {
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
            // A function's body is where evaluation recurses without bound in the tree
            // (a recursive function): the depth bound ends it, but the frames before
            // that bound can outgrow a thread's stack in an unoptimised build (2 MiB
            // for a test or tokio thread). The stack grows instead of overflowing.
            let body = Arc::clone(def);
            let context = context.clone();
            let tail = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
                self.eval_tail(&body.body, &context, &frame)
            })?;
            match tail {
                Tail::Value(value) => return Ok(value),
                Tail::Call(call, call_ctx) => match call.function {
                    Some(V::Func(next)) if matches!(next.as_ref(), Func::Lambda { .. }) => {
                        // The name is kept only where a signature error can use it.
                        callee = call.callee.filter(|_| signed(&next)).map(str::to_owned);
                        function = next;
                        args = call.args;
                        ctx = call_ctx;
                    }
                    other => {
                        return self.call_as(other, call.args, &call_ctx, call.callee);
                    }
                },
            }
        }
    }

    /// Evaluates `node` in a lambda's tail position: a call there is returned, not made.
    /// The node counts one level of depth while it is evaluated, as any node does.
    fn eval_tail<'n>(
        &mut self,
        node: &'n Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
    ) -> Result<Tail<'n>, JsonataError> {
        if !matches!(node, Node::Call(..) | Node::Cond(..) | Node::Block(_)) {
            return Ok(Tail::Value(self.eval(node, ctx, env)?));
        }
        self.enter()?;
        let tail = self.eval_tail_inner(node, ctx, env);
        self.depth -= 1;
        tail
    }

    fn eval_tail_inner<'n>(
        &mut self,
        node: &'n Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
    ) -> Result<Tail<'n>, JsonataError> {
        match node {
            Node::Call(function, args) => {
                Ok(match self.prepare_call(function, args, ctx, env)? {
                    Prepared::Value(value) => Tail::Value(value),
                    Prepared::Call(call) => Tail::Call(call, ctx.clone()),
                })
            }
            Node::Cond(cond, then, otherwise) => {
                if truthy(&self.eval(cond, ctx, env)?) {
                    self.eval_tail(then, ctx, env)
                } else if let Some(otherwise) = otherwise {
                    self.eval_tail(otherwise, ctx, env)
                } else {
                    Ok(Tail::Value(None))
                }
            }
            Node::Block(items) if !items.is_empty() => {
                let scope = self.scope(env);
                let (last, first) = items.split_last().expect("not empty");
                for item in first {
                    self.eval(item, ctx, &scope)?;
                }
                self.eval_tail(last, ctx, &scope)
            }
            other => Ok(Tail::Value(self.eval(other, ctx, env)?)),
        }
    }

    /// Calls `function` with plain values (for higher-order functions).
    pub fn apply(&mut self, function: &V, args: Vec<Option<V>>) -> Out {
        let args = args.into_iter().map(Arg::Value).collect();
        self.call(Some(function.clone()), args, &None)
    }
}

/// The error of a call whose function is not one: JSONata's hint (T1005, or T1007 for a
/// partial application) when the call names a field where a function of that name exists,
/// as in `sum(…)` for `$sum(…)`.
fn not_a_function(function: &Node, env: &Rc<Scope>, partial: bool) -> JsonataError {
    let name = match function {
        Node::Name(name) => Some(name.as_str()),
        Node::Path(first, _) => match first.as_ref() {
            Node::Name(name) => Some(name.as_str()),
            _ => None,
        },
        _ => None,
    };
    match name {
        Some(name) if env.lookup(name).is_some() || functions::builtin(name).is_some() => {
            let (code, what) = if partial {
                ("T1007", "Attempted to partially apply a non-function")
            } else {
                ("T1005", "Attempted to invoke a non-function")
            };
            err(code, &format!("{what}. Did you mean ${name}?"))
        }
        _ if partial => err("T1008", "Attempted to partially apply a non-function"),
        _ => err("T1006", "Attempted to invoke a non-function"),
    }
}

/// Whether `function` is a lambda that declares a signature.
fn signed(function: &Func) -> bool {
    matches!(function, Func::Lambda { def, .. } if def.signature.is_some())
}

/// The name a call names its function by: `$sum(…)` calls `sum`.
pub(super) fn callee_name(function: &Node) -> Option<&str> {
    match function {
        Node::Var(name) if !name.is_empty() => Some(name),
        _ => None,
    }
}
