//! The syntax tree of a JSONata expression.

use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Concat => "&",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

/// A user-defined function: `function($a, $b) { body }`.
#[derive(Debug)]
pub struct LambdaDef {
    /// Shared with each call's scope, which binds them without copying the names.
    pub params: Vec<Arc<str>>,
    /// `function($a)<n:n>{…}`: checked, and the arguments adjusted, on every call.
    pub signature: Option<super::signature::Signature>,
    pub body: Node,
}

/// The transform operator, `| pattern | update, delete |`: a function that copies its
/// argument and, in the copy, merges `update` into each object `pattern` selects and
/// removes the fields `delete` names.
#[derive(Debug)]
pub struct TransformDef {
    pub pattern: Node,
    pub update: Node,
    pub delete: Option<Node>,
}

#[derive(Debug, Clone)]
pub enum Node {
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Regex(Arc<regex_lite::Regex>),
    /// A field name step.
    Name(String),
    /// `*`: every value of an object.
    Wildcard,
    /// `**`: every value at any depth.
    Descendants,
    /// `$name`; `""` is the context `$`, `"$"` is the root `$$`.
    Var(String),
    /// `left.right`: `right` evaluated once per item of `left`.
    Path(Box<Node>, Box<Node>),
    /// `left[predicate]`.
    Filter(Box<Node>, Box<Node>),
    /// `left[]`: keep a singleton result as an array.
    KeepArray(Box<Node>),
    /// `left^(<a, >b)`: sort terms, `true` for descending.
    Sort(Box<Node>, Vec<(Node, bool)>),
    /// `left{key: value}` grouping.
    GroupBy(Box<Node>, Vec<(Node, Node)>),
    /// `{key: value}` standalone object constructor.
    Object(Vec<(Node, Node)>),
    /// `[a, b, 1..3]`.
    Array(Vec<Node>),
    Range(Box<Node>, Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Cond(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `a ?: b`: `a` when truthy, else `b`.
    Elvis(Box<Node>, Box<Node>),
    /// `a ?? b`: `a` when defined, else `b`.
    Coalesce(Box<Node>, Box<Node>),
    /// `(a; b; c)`: a new scope, the value of the last expression.
    Block(Vec<Node>),
    /// `$name := value`; the name shared with the scope it binds in.
    Bind(Arc<str>, Box<Node>),
    Call(Box<Node>, Vec<Node>),
    /// `?` in a call's arguments: `$f(?, 2)` is `$f` partially applied.
    Placeholder,
    /// `| pattern | update, delete |`: evaluates to the transform function.
    Transform(Arc<TransformDef>),
    /// `%`: the parent of the context item. A tuple path resolves it to the variable its
    /// ancestor step binds (`tuple_path.rs`); one left unresolved fails with S0217.
    Parent,
    /// `step#$i`: binds each result's position in the step to `$i`. Only inside a parsed
    /// expression on its way to a [`Node::Tuples`] path.
    Index(Box<Node>, Arc<str>),
    /// `step@$v`: binds each result to `$v` and keeps the context. As [`Node::Index`].
    Focus(Box<Node>, Arc<str>),
    /// A path with positional (`#`) or context (`@`) bindings, evaluated as a stream of
    /// tuples (`tuple_path.rs`).
    Tuples(Arc<super::tuple_path::TuplePath>),
    Lambda(Arc<LambdaDef>),
    /// `value ~> $f(args)`.
    Chain(Box<Node>, Box<Node>),
}
