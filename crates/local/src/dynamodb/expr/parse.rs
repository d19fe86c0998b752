//! The expression grammar of the DynamoDB developer guide ("Comparison operator and
//! function reference", "Update expressions", "Projection expressions"), by recursive
//! descent, with DynamoDB's syntax errors (`Syntax error; token: "x", near: "a x"`).

use super::bindings::{Bindings, Kind};
use super::{Comparator, Condition, Operand, Path, Step};
use crate::dynamodb::error::DbError;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The longest expression DynamoDB takes, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// The most operands an `IN` takes.
pub const MAX_IN_OPERANDS: usize = 100;
/// How deep parentheses and `NOT`s nest here. DynamoDB publishes no such bound; the 4 KB
/// length allows about 2,000 levels, which recursion must not have to follow.
pub const MAX_NESTING: usize = 64;

/// DynamoDB's reserved words, which an expression must not use as a bare attribute name
/// (the developer guide's "Reserved words in DynamoDB").
static RESERVED: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../reserved_words.txt").lines().collect());

/// A token and where it sits in the expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub kind: Tok,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    NamePlaceholder(String),
    ValuePlaceholder(String),
    Integer(String),
    Symbol(&'static str),
}

fn lex(text: &str, kind: Kind) -> Result<Vec<Token>, DbError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let word = |i: usize| {
        let mut end = i;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        end
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind_of = match b {
            b'#' | b':' => {
                let end = word(i + 1);
                if end == i + 1 {
                    return Err(syntax_at(text, kind, start, i + 1, &tokens));
                }
                i = end;
                let body = text[start..end].to_owned();
                if b == b'#' {
                    Tok::NamePlaceholder(body)
                } else {
                    Tok::ValuePlaceholder(body)
                }
            }
            b'0'..=b'9' => {
                i = word(i);
                let body = &text[start..i];
                if !body.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(syntax_at(text, kind, start, i, &tokens));
                }
                Tok::Integer(body.to_owned())
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                i = word(i);
                Tok::Word(text[start..i].to_owned())
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or_default();
                let symbol = match two {
                    "<>" | "<=" | ">=" => {
                        i += 2;
                        match two {
                            "<>" => "<>",
                            "<=" => "<=",
                            _ => ">=",
                        }
                    }
                    _ => {
                        i += 1;
                        match b {
                            b'(' => "(",
                            b')' => ")",
                            b'[' => "[",
                            b']' => "]",
                            b',' => ",",
                            b'.' => ".",
                            b'=' => "=",
                            b'<' => "<",
                            b'>' => ">",
                            b'+' => "+",
                            b'-' => "-",
                            _ => {
                                let end = text[start..]
                                    .char_indices()
                                    .nth(1)
                                    .map_or(text.len(), |(n, _)| start + n);
                                return Err(DbError::validation(format!(
                                    "Invalid {}: Invalid token; token: \"{}\"",
                                    kind.member(),
                                    &text[start..end]
                                )));
                            }
                        }
                    }
                };
                Tok::Symbol(symbol)
            }
        };
        tokens.push(Token {
            kind: kind_of,
            start,
            end: i,
        });
    }
    Ok(tokens)
}

fn syntax_at(text: &str, kind: Kind, start: usize, end: usize, before: &[Token]) -> DbError {
    let near_start = before.last().map_or(start, |t| t.start);
    kind.error(format!(
        "Syntax error; token: \"{}\", near: \"{}\"",
        &text[start..end],
        &text[near_start..end]
    ))
}

/// A cursor over an expression's tokens.
pub(super) struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    pub kind: Kind,
    pub bindings: &'a Bindings,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str, kind: Kind, bindings: &'a Bindings) -> Result<Self, DbError> {
        if text.len() > MAX_EXPRESSION_BYTES {
            return Err(kind.error(format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                text.len()
            )));
        }
        let tokens = lex(text, kind)?;
        if tokens.is_empty() {
            return Err(DbError::validation(format!(
                "Invalid {}: The expression can not be empty;",
                kind.member()
            )));
        }
        Ok(Self {
            text,
            tokens,
            at: 0,
            kind,
            bindings,
            depth: 0,
        })
    }

    pub fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.kind)
    }

    fn peek_at(&self, offset: usize) -> Option<&Tok> {
        self.tokens.get(self.at + offset).map(|t| &t.kind)
    }

    pub fn at_end(&self) -> bool {
        self.at >= self.tokens.len()
    }

    /// Whether the next token is the keyword `word`, in any case.
    pub fn at_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    pub fn eat_keyword(&mut self, word: &str) -> bool {
        let at = self.at_keyword(word);
        if at {
            self.at += 1;
        }
        at
    }

    pub fn at_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Tok::Symbol(s)) if *s == symbol)
    }

    pub fn eat_symbol(&mut self, symbol: &str) -> bool {
        let at = self.at_symbol(symbol);
        if at {
            self.at += 1;
        }
        at
    }

    pub fn expect_symbol(&mut self, symbol: &str) -> Result<(), DbError> {
        if self.eat_symbol(symbol) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    /// The syntax error at the current token.
    pub fn syntax(&self) -> DbError {
        let near_start = self
            .at
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.start);
        match self.tokens.get(self.at) {
            Some(t) => self.kind.error(format!(
                "Syntax error; token: \"{}\", near: \"{}\"",
                &self.text[t.start..t.end],
                &self.text[near_start.unwrap_or(t.start)..t.end]
            )),
            None => {
                let near = near_start.map_or("", |s| &self.text[s..]);
                self.kind.error(format!(
                    "Syntax error; token: \"<EOF>\", near: \"{}\"",
                    near.trim_end()
                ))
            }
        }
    }

    /// Fails unless every token was read.
    pub fn finish(&self) -> Result<(), DbError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn enter(&mut self) -> Result<(), DbError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.kind.error(format!(
                "The expression nests more than {MAX_NESTING} levels of parentheses or NOT"
            )));
        }
        Ok(())
    }

    /// A function name at the cursor: a word followed by `(`.
    pub fn at_function(&self) -> Option<String> {
        match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Word(w)), Some(Tok::Symbol("("))) => Some(w.clone()),
            _ => None,
        }
    }

    /// A document path.
    pub fn path(&mut self) -> Result<Path, DbError> {
        let mut path = vec![Step::Name(self.name()?)];
        loop {
            if self.eat_symbol(".") {
                path.push(Step::Name(self.name()?));
            } else if self.eat_symbol("[") {
                let index = match self.peek() {
                    Some(Tok::Integer(digits)) => digits.parse::<usize>().map_err(|_| {
                        self.kind.error(format!(
                            "List index is not within the allowable range; index: {digits}"
                        ))
                    })?,
                    _ => return Err(self.syntax()),
                };
                self.at += 1;
                self.expect_symbol("]")?;
                path.push(Step::Index(index));
            } else {
                return Ok(path);
            }
        }
    }

    fn name(&mut self) -> Result<String, DbError> {
        let name = match self.peek() {
            Some(Tok::NamePlaceholder(p)) => self.bindings.name(p, self.kind)?,
            Some(Tok::Word(w)) => {
                if RESERVED.contains(w.to_ascii_uppercase().as_str()) {
                    return Err(self.kind.error(format!(
                        "Attribute name is a reserved keyword; reserved keyword: {w}"
                    )));
                }
                w.clone()
            }
            _ => return Err(self.syntax()),
        };
        self.at += 1;
        Ok(name)
    }

    /// A value placeholder, resolved.
    pub fn value(&mut self) -> Result<Operand, DbError> {
        match self.peek() {
            Some(Tok::ValuePlaceholder(p)) => {
                let value = self.bindings.value(p, self.kind)?;
                self.at += 1;
                Ok(Operand::Value(value))
            }
            _ => Err(self.syntax()),
        }
    }

    /// An operand: a path, a value, or `size(path)`.
    pub fn operand(&mut self) -> Result<Operand, DbError> {
        if let Some(function) = self.at_function() {
            if function != "size" {
                return Err(self.misused(&function));
            }
            self.at += 2;
            let path = self.path()?;
            self.expect_symbol(")")?;
            return Ok(Operand::Size(path));
        }
        match self.peek() {
            Some(Tok::ValuePlaceholder(_)) => self.value(),
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    fn misused(&self, function: &str) -> DbError {
        if FUNCTIONS.contains(&function) {
            self.kind.error(format!(
                "The function is not allowed to be used this way in an expression; function: \
                 {function}"
            ))
        } else {
            self.kind
                .error(format!("Invalid function name; function: {function}"))
        }
    }

    /// A whole condition.
    pub fn condition(&mut self) -> Result<Condition, DbError> {
        let mut left = self.conjunction()?;
        while self.eat_keyword("OR") {
            let right = self.conjunction()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Condition, DbError> {
        let mut left = self.negation()?;
        while self.eat_keyword("AND") {
            let right = self.negation()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn negation(&mut self) -> Result<Condition, DbError> {
        if self.eat_keyword("NOT") {
            self.enter()?;
            let inner = self.negation()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, DbError> {
        if self.eat_symbol("(") {
            self.enter()?;
            let inner = self.condition()?;
            self.depth -= 1;
            self.expect_symbol(")")?;
            return Ok(inner);
        }
        if let Some(function) = self.at_function()
            && function != "size"
        {
            return self.function(&function);
        }
        let left = self.operand()?;
        if self.eat_keyword("BETWEEN") {
            let low = self.operand()?;
            if !self.eat_keyword("AND") {
                return Err(self.syntax());
            }
            let high = self.operand()?;
            if let (Operand::Value(a), Operand::Value(b)) = (&low, &high) {
                match a.compare(b) {
                    None => {
                        return Err(self.kind.error(format!(
                            "The BETWEEN operator requires same data type for lower and upper \
                             bounds; lower bound operand: AttributeValue: {{{}}}, upper bound \
                             operand: AttributeValue: {{{}}}",
                            a.type_name(),
                            b.type_name()
                        )));
                    }
                    Some(std::cmp::Ordering::Greater) => {
                        return Err(self.kind.error(
                            "The BETWEEN operator requires upper bound to be greater than or \
                             equal to lower bound",
                        ));
                    }
                    _ => {}
                }
            }
            return Ok(Condition::Between(left, low, high));
        }
        if self.eat_keyword("IN") {
            self.expect_symbol("(")?;
            let mut options = vec![self.operand()?];
            while self.eat_symbol(",") {
                options.push(self.operand()?);
            }
            self.expect_symbol(")")?;
            if options.len() > MAX_IN_OPERANDS {
                return Err(self.kind.error(format!(
                    "The IN operator is provided with too many operands; number of operands: {}",
                    options.len()
                )));
            }
            return Ok(Condition::In(left, options));
        }
        let comparator = match self.peek() {
            Some(Tok::Symbol(s)) => match *s {
                "=" => Comparator::Eq,
                "<>" => Comparator::Ne,
                "<" => Comparator::Lt,
                "<=" => Comparator::Le,
                ">" => Comparator::Gt,
                ">=" => Comparator::Ge,
                _ => return Err(self.syntax()),
            },
            _ => return Err(self.syntax()),
        };
        self.at += 1;
        let right = self.operand()?;
        Ok(Condition::Compare(left, comparator, right))
    }

    fn function(&mut self, name: &str) -> Result<Condition, DbError> {
        if !FUNCTIONS.contains(&name) {
            return Err(self.misused(name));
        }
        self.at += 2;
        let condition = match name {
            "attribute_exists" => Condition::Exists(self.path()?),
            "attribute_not_exists" => Condition::NotExists(self.path()?),
            "attribute_type" => {
                let path = self.path()?;
                self.expect_symbol(",")?;
                let kind = self.operand()?;
                if let Operand::Value(v) = &kind {
                    let ok = matches!(v, crate::dynamodb::value::Value::S(t) if TYPES.contains(&t.as_str()));
                    if !ok {
                        return Err(self.kind.error(format!(
                            "Invalid attribute type name found in type condition; type: {}",
                            match v {
                                crate::dynamodb::value::Value::S(t) => t.clone(),
                                other => other.type_name().to_owned(),
                            }
                        )));
                    }
                }
                Condition::Type(path, kind)
            }
            "begins_with" | "contains" => {
                let subject = self.operand()?;
                self.expect_symbol(",")?;
                let operand = self.operand()?;
                if name == "begins_with"
                    && let Operand::Value(v) = &operand
                    && !matches!(v.type_name(), "S" | "B")
                {
                    return Err(self.kind.error(format!(
                        "Incorrect operand type for operator or function; operator or \
                         function: begins_with, operand type: {}",
                        v.type_name()
                    )));
                }
                if name == "begins_with" {
                    Condition::BeginsWith(subject, operand)
                } else {
                    Condition::Contains(subject, operand)
                }
            }
            _ => return Err(self.misused(name)),
        };
        self.expect_symbol(")")?;
        Ok(condition)
    }
}

/// The functions a condition may call.
const FUNCTIONS: &[&str] = &[
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
];

/// The type names `attribute_type` takes.
const TYPES: &[&str] = &["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// Parses a condition, filter or key condition expression.
pub fn parse_condition(text: &str, kind: Kind, bindings: &Bindings) -> Result<Condition, DbError> {
    let mut parser = Parser::new(text, kind, bindings)?;
    let condition = parser.condition()?;
    parser.finish()?;
    Ok(condition)
}

/// Parses a projection expression: paths separated by commas.
pub fn parse_projection(text: &str, bindings: &Bindings) -> Result<Vec<Path>, DbError> {
    let mut parser = Parser::new(text, Kind::Projection, bindings)?;
    let mut paths = vec![parser.path()?];
    while parser.eat_symbol(",") {
        paths.push(parser.path()?);
    }
    parser.finish()?;
    super::update::check_overlaps(&paths, Kind::Projection)?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::Value;
    use serde_json::json;

    fn bindings() -> Bindings {
        let names = json!({"#s": "status", "#k": "id"});
        let values =
            json!({":a": {"S": "A"}, ":n": {"N": "5"}, ":m": {"N": "9"}, ":t": {"S": "N"}});
        Bindings::read(names.as_object(), values.as_object()).unwrap()
    }

    fn error(text: &str) -> String {
        parse_condition(text, Kind::Condition, &bindings())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tighter_than_both() {
        let b = bindings();
        let c = parse_condition("a = :a OR NOT b = :a AND c = :a", Kind::Condition, &b).unwrap();
        let Condition::Or(_, right) = c else {
            panic!("OR at the top: {c:?}")
        };
        assert!(matches!(*right, Condition::And(ref l, _) if matches!(**l, Condition::Not(_))));
    }

    #[test]
    fn every_form_parses_and_resolves_its_placeholders() {
        let b = bindings();
        for text in [
            "attribute_not_exists(#k) OR #s <> :a",
            "a.b[2].c BETWEEN :n AND :m",
            "size(l) >= :n AND attribute_type(x, :t)",
            "begins_with(s, :a) and contains(#s, :a)",
            "x IN (:a, :n)",
            "((a = :a))",
        ] {
            parse_condition(text, Kind::Condition, &b).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        let c = parse_condition("#s = :a", Kind::Condition, &b).unwrap();
        assert_eq!(
            c,
            Condition::Compare(
                Operand::Path(vec![Step::Name("status".into())]),
                Comparator::Eq,
                Operand::Value(Value::S("A".into()))
            )
        );
    }

    #[test]
    fn mistakes_are_named_as_dynamodb_names_them() {
        assert!(error("status = :a").contains("reserved keyword; reserved keyword: status"));
        assert!(error("a = :nope").contains("attribute value: :nope"));
        assert!(error("#nope = :a").contains("attribute name: #nope"));
        assert!(error("a = ").contains("token: \"<EOF>\""));
        assert!(error("a = :a b").contains("token: \"b\", near: \":a b\""));
        assert!(error("foo(a)").contains("Invalid function name; function: foo"));
        assert!(error("size(a)").contains("Syntax error; token: \"<EOF>\""));
        assert!(error("a = attribute_exists(b)").contains("not allowed to be used this way"));
        assert!(error("a BETWEEN :m AND :n").contains("upper bound to be greater"));
        assert!(error("a BETWEEN :a AND :n").contains("same data type"));
        assert!(error("begins_with(a, :n)").contains("operand type: N"));
        assert!(error("a = :a ; drop").contains("Invalid token; token: \";\""));
        assert!(error(&"x".repeat(4097)).contains("expression size: 4097"));
    }

    #[test]
    fn nesting_is_bounded_without_exhausting_the_stack() {
        let deep = format!("{}a = :a{}", "(".repeat(2000), ")".repeat(2000));
        assert!(error(&deep).contains("nests more than 64"));
        let nots = format!("{}a = :a", "NOT ".repeat(1000));
        assert!(error(&nots).contains("nests more than 64"));
        let fine = format!("{}a = :a{}", "(".repeat(60), ")".repeat(60));
        parse_condition(&fine, Kind::Condition, &bindings()).unwrap();
    }

    #[test]
    fn an_in_takes_at_most_a_hundred_operands() {
        let list = |n: usize| vec![":a"; n].join(", ");
        parse_condition(
            &format!("a IN ({})", list(100)),
            Kind::Condition,
            &bindings(),
        )
        .unwrap();
        assert!(error(&format!("a IN ({})", list(101))).contains("number of operands: 101"));
    }
}
