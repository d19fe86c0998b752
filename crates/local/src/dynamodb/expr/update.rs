//! Update expressions: `SET`, `REMOVE`, `ADD` and `DELETE` clauses, each at most once, their
//! right-hand sides read from the item as it was before the update.

use super::bindings::{Bindings, Kind};
use super::eval::resolve;
use super::parse::{Parser, Tok};
use super::{Operand, Path, Step, path_text};
use crate::dynamodb::error::DbError;
use crate::dynamodb::value::{Item, Value};

/// The most operators and functions an update expression may use.
pub const MAX_OPERATORS: usize = 300;

/// A value a `SET` assigns.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// A path, a value, or a function.
    Operand(SetOperand),
    /// `a + b`, numbers.
    Plus(SetOperand, SetOperand),
    /// `a - b`, numbers.
    Minus(SetOperand, SetOperand),
}

/// An operand of a `SET` value.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOperand {
    /// An attribute, or a value.
    Plain(Operand),
    /// `if_not_exists(path, value)`.
    IfNotExists(Path, Box<SetOperand>),
    /// `list_append(a, b)`.
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

/// A parsed update expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    set: Vec<(Path, SetValue)>,
    remove: Vec<Path>,
    add: Vec<(Path, Value)>,
    delete: Vec<(Path, Value)>,
}

/// Parses an update expression.
pub fn parse_update(text: &str, bindings: &Bindings) -> Result<Update, DbError> {
    let mut parser = Parser::new(text, Kind::Update, bindings)?;
    let mut update = Update::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut operators = 0;
    while !parser.at_end() {
        let clause = ["SET", "REMOVE", "ADD", "DELETE"]
            .into_iter()
            .find(|c| parser.at_keyword(c))
            .ok_or_else(|| parser.syntax())?;
        if seen.contains(&clause) {
            return Err(Kind::Update.error(format!(
                "The \"{clause}\" section can only be used once in an update expression;"
            )));
        }
        seen.push(clause);
        parser.eat_keyword(clause);
        loop {
            let path = parser.path()?;
            match clause {
                "SET" => {
                    parser.expect_symbol("=")?;
                    let value = set_value(&mut parser, &mut operators)?;
                    update.set.push((path, value));
                }
                "REMOVE" => update.remove.push(path),
                _ => {
                    let Operand::Value(value) = parser.value()? else {
                        return Err(parser.syntax());
                    };
                    let fits = if clause == "ADD" {
                        matches!(
                            value,
                            Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_)
                        )
                    } else {
                        matches!(value, Value::Ss(_) | Value::Ns(_) | Value::Bs(_))
                    };
                    if !fits {
                        return Err(Kind::Update.error(format!(
                            "Incorrect operand type for operator or function; operator: {clause}, \
                             operand type: {}",
                            long_type_name(&value)
                        )));
                    }
                    if clause == "ADD" {
                        update.add.push((path, value));
                    } else {
                        update.delete.push((path, value));
                    }
                }
            }
            operators += 1;
            if !parser.eat_symbol(",") {
                break;
            }
        }
        if operators > MAX_OPERATORS {
            return Err(Kind::Update.error(format!(
                "The expression contains too many operators; operator count: {operators}"
            )));
        }
    }
    let targets: Vec<Path> = update
        .set
        .iter()
        .map(|(p, _)| p.clone())
        .chain(update.remove.iter().cloned())
        .chain(update.add.iter().map(|(p, _)| p.clone()))
        .chain(update.delete.iter().map(|(p, _)| p.clone()))
        .collect();
    check_overlaps(&targets, Kind::Update)?;
    Ok(update)
}

fn long_type_name(value: &Value) -> &'static str {
    match value {
        Value::S(_) => "STRING",
        Value::N(_) => "NUMBER",
        Value::B(_) => "BINARY",
        Value::Ss(_) => "STRING SET",
        Value::Ns(_) => "NUMBER SET",
        Value::Bs(_) => "BINARY SET",
        Value::M(_) => "MAP",
        Value::L(_) => "LIST",
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
    }
}

fn set_value(parser: &mut Parser<'_>, operators: &mut usize) -> Result<SetValue, DbError> {
    let left = set_operand(parser, operators, 0)?;
    if parser.eat_symbol("+") {
        *operators += 1;
        return Ok(SetValue::Plus(left, set_operand(parser, operators, 0)?));
    }
    if parser.eat_symbol("-") {
        *operators += 1;
        return Ok(SetValue::Minus(left, set_operand(parser, operators, 0)?));
    }
    Ok(SetValue::Operand(left))
}

fn set_operand(
    parser: &mut Parser<'_>,
    operators: &mut usize,
    depth: usize,
) -> Result<SetOperand, DbError> {
    if depth > super::parse::MAX_NESTING {
        return Err(Kind::Update.error(format!(
            "The expression nests more than {} levels of functions",
            super::parse::MAX_NESTING
        )));
    }
    if let Some(function) = parser.at_function() {
        *operators += 1;
        // Past the name and its parenthesis.
        parser.eat_keyword(&function);
        parser.expect_symbol("(")?;
        let operand = match function.as_str() {
            "if_not_exists" => {
                let path = parser.path()?;
                parser.expect_symbol(",")?;
                let fallback = set_operand(parser, operators, depth + 1)?;
                SetOperand::IfNotExists(path, Box::new(fallback))
            }
            "list_append" => {
                let a = set_operand(parser, operators, depth + 1)?;
                parser.expect_symbol(",")?;
                let b = set_operand(parser, operators, depth + 1)?;
                SetOperand::ListAppend(Box::new(a), Box::new(b))
            }
            "attribute_exists"
            | "attribute_not_exists"
            | "attribute_type"
            | "begins_with"
            | "contains"
            | "size" => {
                return Err(Kind::Update.error(format!(
                    "The function is not allowed in an update expression; function: {function}"
                )));
            }
            other => {
                return Err(Kind::Update.error(format!("Invalid function name; function: {other}")));
            }
        };
        parser.expect_symbol(")")?;
        return Ok(operand);
    }
    match parser.peek() {
        Some(Tok::ValuePlaceholder(_)) => Ok(SetOperand::Plain(parser.value()?)),
        _ => Ok(SetOperand::Plain(Operand::Path(parser.path()?))),
    }
}

/// Refuses two paths of which one is the other or lies inside it.
pub fn check_overlaps(paths: &[Path], kind: Kind) -> Result<(), DbError> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[..i] {
            let shorter = a.len().min(b.len());
            if a[..shorter] == b[..shorter] {
                return Err(kind.error(format!(
                    "Two document paths overlap with each other; must remove or rewrite one of \
                     these paths; path one: {}, path two: {}",
                    path_text(b),
                    path_text(a)
                )));
            }
        }
    }
    Ok(())
}

fn wrong_type() -> DbError {
    DbError::validation("An operand in the update expression has an incorrect data type")
}

fn invalid_path() -> DbError {
    DbError::validation("The document path provided in the update expression is invalid for update")
}

impl Update {
    /// Whether the update adds anything (`SET` or `ADD`): one that only removes does not
    /// make an item that is not there.
    pub fn creates(&self) -> bool {
        !self.set.is_empty() || !self.add.is_empty()
    }

    /// Every path the update writes or removes.
    pub fn targets(&self) -> impl Iterator<Item = &Path> {
        self.set
            .iter()
            .map(|(p, _)| p)
            .chain(&self.remove)
            .chain(self.add.iter().map(|(p, _)| p))
            .chain(self.delete.iter().map(|(p, _)| p))
    }

    /// The item after the update: values read from `item` as it was, then each clause
    /// applied in turn.
    pub fn apply(&self, item: &Item) -> Result<Item, DbError> {
        let values = self
            .set
            .iter()
            .map(|(_, v)| evaluate(v, item))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = item.clone();
        for ((path, _), value) in self.set.iter().zip(values) {
            assign(&mut out, path, value)?;
        }
        // Removing the highest list index first keeps the others where they were.
        let mut removals: Vec<&Path> = self.remove.iter().collect();
        removals.sort_by(|a, b| b.cmp_index(a));
        for path in removals {
            remove(&mut out, path);
        }
        for (path, value) in &self.add {
            let current = resolve(&out, path).cloned();
            let next = match (current, value) {
                (None, v) => v.clone(),
                (Some(Value::N(a)), Value::N(b)) => {
                    Value::N(a.add(b).map_err(|e| DbError::validation(e.to_string()))?)
                }
                (Some(Value::Ss(a)), Value::Ss(b)) => Value::Ss(union(a, b)),
                (Some(Value::Ns(a)), Value::Ns(b)) => Value::Ns(union(a, b)),
                (Some(Value::Bs(a)), Value::Bs(b)) => Value::Bs(union(a, b)),
                _ => return Err(wrong_type()),
            };
            assign(&mut out, path, next)?;
        }
        for (path, value) in &self.delete {
            let Some(current) = resolve(&out, path).cloned() else {
                continue;
            };
            let next = match (current, value) {
                (Value::Ss(a), Value::Ss(b)) => minus(a, b).map(Value::Ss),
                (Value::Ns(a), Value::Ns(b)) => minus(a, b).map(Value::Ns),
                (Value::Bs(a), Value::Bs(b)) => minus(a, b).map(Value::Bs),
                _ => return Err(wrong_type()),
            };
            match next {
                Some(v) => assign(&mut out, path, v)?,
                None => remove(&mut out, path),
            }
        }
        Ok(out)
    }
}

trait IndexOrder {
    fn cmp_index(&self, other: &Self) -> std::cmp::Ordering;
}

impl IndexOrder for &Path {
    fn cmp_index(&self, other: &Self) -> std::cmp::Ordering {
        let key = |p: &Path| -> Vec<(u8, usize, String)> {
            p.iter()
                .map(|s| match s {
                    Step::Name(n) => (0, 0, n.clone()),
                    Step::Index(i) => (1, *i, String::new()),
                })
                .collect()
        };
        key(self).cmp(&key(other))
    }
}

fn union<T: Clone + Eq + std::hash::Hash>(mut a: Vec<T>, b: &[T]) -> Vec<T> {
    let mut seen: std::collections::HashSet<T> = a.iter().cloned().collect();
    for x in b {
        if seen.insert(x.clone()) {
            a.push(x.clone());
        }
    }
    a
}

/// `a` without `b`'s members; `None` when nothing is left (the attribute goes).
fn minus<T: Eq + std::hash::Hash>(a: Vec<T>, b: &[T]) -> Option<Vec<T>> {
    let b: std::collections::HashSet<&T> = b.iter().collect();
    let rest: Vec<T> = a.into_iter().filter(|x| !b.contains(x)).collect();
    (!rest.is_empty()).then_some(rest)
}

fn evaluate(value: &SetValue, item: &Item) -> Result<Value, DbError> {
    let number = |op: &SetOperand| match operand(op, item)? {
        Value::N(n) => Ok(n),
        _ => Err(wrong_type()),
    };
    Ok(match value {
        SetValue::Operand(op) => operand(op, item)?,
        SetValue::Plus(a, b) => Value::N(
            number(a)?
                .add(&number(b)?)
                .map_err(|e| DbError::validation(e.to_string()))?,
        ),
        SetValue::Minus(a, b) => Value::N(
            number(a)?
                .sub(&number(b)?)
                .map_err(|e| DbError::validation(e.to_string()))?,
        ),
    })
}

fn operand(op: &SetOperand, item: &Item) -> Result<Value, DbError> {
    match op {
        SetOperand::Plain(Operand::Value(v)) => Ok(v.clone()),
        SetOperand::Plain(Operand::Path(p)) => resolve(item, p).cloned().ok_or_else(|| {
            DbError::validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        SetOperand::Plain(Operand::Size(_)) => Err(wrong_type()),
        SetOperand::IfNotExists(path, fallback) => match resolve(item, path) {
            Some(v) => Ok(v.clone()),
            None => operand(fallback, item),
        },
        SetOperand::ListAppend(a, b) => match (operand(a, item)?, operand(b, item)?) {
            (Value::L(mut a), Value::L(b)) => {
                a.extend(b);
                Ok(Value::L(a))
            }
            _ => Err(wrong_type()),
        },
    }
}

/// Writes `value` at `path`; the path's parent must exist. A list index past the end
/// appends.
fn assign(item: &mut Item, path: &Path, value: Value) -> Result<(), DbError> {
    let Some((Step::Name(first), rest)) = path.split_first() else {
        return Err(invalid_path());
    };
    let Some((last, middle)) = rest.split_last() else {
        item.insert(first.clone(), value);
        return Ok(());
    };
    let mut parent = item.get_mut(first).ok_or_else(invalid_path)?;
    for step in middle {
        parent = match (step, parent) {
            (Step::Name(n), Value::M(m)) => m.get_mut(n).ok_or_else(invalid_path)?,
            (Step::Index(i), Value::L(l)) => l.get_mut(*i).ok_or_else(invalid_path)?,
            _ => return Err(invalid_path()),
        };
    }
    match (last, parent) {
        (Step::Name(n), Value::M(m)) => {
            m.insert(n.clone(), value);
        }
        (Step::Index(i), Value::L(l)) => match l.get_mut(*i) {
            Some(slot) => *slot = value,
            None => l.push(value),
        },
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// Removes what `path` names, if it is there.
fn remove(item: &mut Item, path: &Path) {
    let Some((Step::Name(first), rest)) = path.split_first() else {
        return;
    };
    let Some((last, middle)) = rest.split_last() else {
        item.remove(first);
        return;
    };
    let Some(mut parent) = item.get_mut(first) else {
        return;
    };
    for step in middle {
        let next = match (step, parent) {
            (Step::Name(n), Value::M(m)) => m.get_mut(n),
            (Step::Index(i), Value::L(l)) => l.get_mut(*i),
            _ => None,
        };
        let Some(next) = next else {
            return;
        };
        parent = next;
    }
    match (last, parent) {
        (Step::Name(n), Value::M(m)) => {
            m.remove(n);
        }
        (Step::Index(i), Value::L(l)) if *i < l.len() => {
            l.remove(*i);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::{item_from_json, item_to_json};
    use serde_json::{Value as Json, json};

    fn run(text: &str, item: Json) -> Result<Json, DbError> {
        let values = json!({
            ":one": {"N": "1"}, ":two": {"N": "2"}, ":s": {"S": "x"},
            ":tags": {"SS": ["b", "c"]}, ":l": {"L": [{"N": "9"}]}
        });
        let bindings = Bindings::read(json!({"#s": "status"}).as_object(), values.as_object())?;
        let update = parse_update(text, &bindings)?;
        let item = item_from_json(item.as_object().unwrap())?;
        Ok(item_to_json(&update.apply(&item)?))
    }

    #[test]
    fn each_clause_does_what_the_reference_says() {
        let item = json!({
            "id": {"S": "k"}, "n": {"N": "5"}, "tags": {"SS": ["a", "b"]},
            "l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]}, "m": {"M": {}}
        });
        let out = run(
            "SET n = n - :two, m.x = :s, #s = if_not_exists(#s, :s), l = list_append(l, :l) \
             ADD tags :tags, visits :one DELETE gone :tags",
            item.clone(),
        )
        .unwrap();
        assert_eq!(out["n"], json!({"N": "3"}));
        assert_eq!(out["m"], json!({"M": {"x": {"S": "x"}}}));
        assert_eq!(out["status"], json!({"S": "x"}));
        assert_eq!(out["l"]["L"].as_array().unwrap().len(), 4);
        assert_eq!(out["tags"], json!({"SS": ["a", "b", "c"]}));
        assert_eq!(out["visits"], json!({"N": "1"}));
        let out = run("REMOVE l[0], l[2] DELETE tags :tags", item.clone()).unwrap();
        assert_eq!(out["l"], json!({"L": [{"N": "1"}]}));
        assert_eq!(out["tags"], json!({"SS": ["a"]}));
        let out = run("DELETE tags :tags", json!({"tags": {"SS": ["b"]}})).unwrap();
        assert_eq!(out, json!({}), "a set emptied by DELETE goes");
    }

    #[test]
    fn right_hand_sides_read_the_item_before_the_update() {
        let out = run(
            "SET a = b, b = a",
            json!({"a": {"N": "1"}, "b": {"N": "2"}}),
        )
        .unwrap();
        assert_eq!(out, json!({"a": {"N": "2"}, "b": {"N": "1"}}));
    }

    #[test]
    fn bad_updates_are_refused_with_dynamodbs_words() {
        let error = |text: &str, item: Json| run(text, item).unwrap_err().to_string();
        assert!(
            error("SET a = :one SET b = :one", json!({}))
                .contains("\"SET\" section can only be used once")
        );
        assert!(error("SET a = :one REMOVE a", json!({})).contains("path one: [a], path two: [a]"));
        assert!(error("SET a.b = :one, a = :two", json!({})).contains("overlap"));
        assert!(error("SET a = a + :one", json!({})).contains("does not exist in the item"));
        assert!(error("SET a = :s + :one", json!({})).contains("incorrect data type"));
        assert!(error("SET a.b.c = :one", json!({})).contains("invalid for update"));
        assert!(error("ADD a :s", json!({})).contains("operator: ADD, operand type: STRING"));
        assert!(error("ADD n :one", json!({"n": {"S": "x"}})).contains("incorrect data type"));
        assert!(
            error("SET a = size(b)", json!({})).contains("not allowed in an update expression")
        );
        assert!(error("SET a = :one, ", json!({})).contains("<EOF>"));
    }
}
