//! DynamoDB's expressions: condition and filter expressions, key conditions, update and
//! projection expressions, parsed with their placeholders resolved and evaluated on an
//! item, as the DynamoDB developer guide's expression reference defines them.

mod bindings;
mod eval;
mod parse;
mod update;

pub use bindings::{Bindings, Kind};
pub use eval::{project, resolve};
pub use parse::{parse_condition, parse_projection};
pub use update::{Update, parse_update};

use super::value::Value;

/// One step of a document path: an attribute or map member by name, or a list element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `a`, `#a`, `.b`.
    Name(String),
    /// `[3]`.
    Index(usize),
}

/// A document path: `a.b[2].c`.
pub type Path = Vec<Step>;

/// A path as DynamoDB's messages print it: `[a, b, [2]]`.
pub fn path_text(path: &Path) -> String {
    let steps: Vec<String> = path
        .iter()
        .map(|s| match s {
            Step::Name(n) => n.clone(),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", steps.join(", "))
}

/// An operand of a comparison or function.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// An attribute of the item.
    Path(Path),
    /// An expression attribute value, resolved.
    Value(Value),
    /// `size(path)`.
    Size(Path),
}

/// A comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A condition: what condition, filter and key condition expressions hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `a <op> b`.
    Compare(Operand, Comparator, Operand),
    /// `a BETWEEN b AND c`.
    Between(Operand, Operand, Operand),
    /// `a IN (b, c, …)`.
    In(Operand, Vec<Operand>),
    /// `attribute_exists(path)`.
    Exists(Path),
    /// `attribute_not_exists(path)`.
    NotExists(Path),
    /// `attribute_type(path, :type)`.
    Type(Path, Operand),
    /// `begins_with(a, b)`.
    BeginsWith(Operand, Operand),
    /// `contains(a, b)`.
    Contains(Operand, Operand),
    /// `NOT c`.
    Not(Box<Condition>),
    /// `c AND d`.
    And(Box<Condition>, Box<Condition>),
    /// `c OR d`.
    Or(Box<Condition>, Box<Condition>),
}

impl Condition {
    /// Whether the condition holds for `item`.
    pub fn holds(&self, item: &super::value::Item) -> bool {
        eval::holds(self, item)
    }
}
