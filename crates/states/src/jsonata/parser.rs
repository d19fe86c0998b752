//! A Pratt parser for JSONata, with the operator binding powers of the reference
//! implementation.

use std::sync::Arc;

use super::ast::{BinOp, LambdaDef, Node, TransformDef};
use super::error::{JsonataError, err};
use super::lexer::{Tok, Token, tokenize};
use super::signature::Signature;
use super::tuple_path;

/// The deepest nesting of sub-expressions accepted; deeper input is rejected before it
/// can exhaust the stack.
const MAX_NESTING: usize = 100;

/// Parses an expression. Errors carry the character position of the token where they
/// were found (the end of the text when it ended too early).
pub fn parse(src: &str) -> Result<Node, JsonataError> {
    #[cfg(test)]
    counter::count();
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: src.chars().count(),
    };
    if parser.tokens.is_empty() {
        return Err(err("S0207", "Unexpected end of expression").at(parser.end));
    }
    let node = parser.expression(0).map_err(|e| e.at(parser.last_read()))?;
    if let Some(t) = parser.tokens.get(parser.pos) {
        return Err(err(
            "S0201",
            &format!("Syntax error: {} at position {}", describe(&t.tok), t.pos),
        )
        .at(t.pos));
    }
    tuple_path::rewrite(node)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The length of the text in characters: the position of "unexpected end" errors.
    end: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(n) => n.to_string(),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Name(n) => n.clone(),
        Tok::Var(v) => format!("${v}"),
        Tok::Regex(p, _) => format!("/{p}/"),
        Tok::Op(op) => (*op).to_string(),
    }
}

/// How tightly an operator binds its left operand (0: it ends an expression).
fn left_power(tok: &Tok) -> u8 {
    match tok {
        Tok::Op(op) => match *op {
            "[" | "(" | "#" | "@" => 80,
            "." => 75,
            "{" => 70,
            "*" | "/" | "%" => 60,
            "+" | "-" | "&" => 50,
            "=" | "!=" | "<" | "<=" | ">" | ">=" | "~>" | "^" => 40,
            "?" | "?:" | "??" | ".." => 20,
            ":=" => 10,
            _ => 0,
        },
        Tok::Name(n) => match n.as_str() {
            "and" => 30,
            "or" => 25,
            "in" => 40,
            _ => 0,
        },
        _ => 0,
    }
}

impl Parser {
    /// The position of the token read last, where an error found now is placed.
    fn last_read(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.pos)
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn next(&mut self) -> Result<Tok, JsonataError> {
        let tok = self
            .tokens
            .get(self.pos)
            .map(|t| t.tok.clone())
            .ok_or_else(|| err("S0207", "Unexpected end of expression").at(self.end))?;
        self.pos += 1;
        Ok(tok)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    fn expect(&mut self, op: &str) -> Result<(), JsonataError> {
        if self.peek().is_none() {
            return Err(err(
                "S0203",
                &format!("Expected \"{op}\" before end of expression"),
            )
            .at(self.end));
        }
        match self.next()? {
            Tok::Op(o) if o == op => Ok(()),
            other => Err(err(
                "S0202",
                &format!("Expected \"{op}\", got \"{}\"", describe(&other)),
            )),
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, JsonataError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err("U1001", "Expression is nested too deeply"));
        }
        let tok = self.next()?;
        let mut left = self.nud(tok)?;
        while let Some(tok) = self.peek() {
            if rbp >= left_power(tok) {
                break;
            }
            let tok = self.next()?;
            left = self.led(tok, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    /// Separated list up to `close`, e.g. call arguments or array items. In call
    /// arguments a `?` alone is a placeholder: the call is a partial application.
    fn list(&mut self, close: &str) -> Result<Vec<Node>, JsonataError> {
        let mut items = Vec::new();
        if self.is_op(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            let alone = matches!(
                self.tokens.get(self.pos + 1).map(|t| &t.tok),
                Some(Tok::Op(op)) if *op == "," || *op == close
            );
            if close == ")" && self.is_op("?") && alone {
                self.pos += 1;
                items.push(Node::Placeholder);
            } else {
                items.push(self.expression(0)?);
            }
            if self.is_op(",") {
                self.pos += 1;
                continue;
            }
            self.expect(close)?;
            return Ok(items);
        }
    }

    fn pairs(&mut self) -> Result<Vec<(Node, Node)>, JsonataError> {
        let mut pairs = Vec::new();
        if self.is_op("}") {
            self.pos += 1;
            return Ok(pairs);
        }
        loop {
            let key = self.expression(0)?;
            self.expect(":")?;
            let value = self.expression(0)?;
            pairs.push((key, value));
            if self.is_op(",") {
                self.pos += 1;
                continue;
            }
            self.expect("}")?;
            return Ok(pairs);
        }
    }

    fn nud(&mut self, tok: Tok) -> Result<Node, JsonataError> {
        Ok(match tok {
            Tok::Num(n) => Node::Num(n),
            Tok::Str(s) => Node::Str(s),
            Tok::Var(v) => Node::Var(v),
            Tok::Regex(pattern, flags) => {
                let mut builder = regex_lite::RegexBuilder::new(&pattern);
                builder.case_insensitive(flags.contains('i'));
                builder.multi_line(flags.contains('m'));
                let regex = builder
                    .build()
                    .map_err(|e| err("S0303", &format!("Invalid regular expression: {e}")))?;
                Node::Regex(Arc::new(regex))
            }
            Tok::Name(name) => match name.as_str() {
                "true" => Node::Bool(true),
                "false" => Node::Bool(false),
                "null" => Node::Null,
                "function" | "λ" if self.is_op("(") => self.lambda()?,
                _ => Node::Name(name),
            },
            Tok::Op(op) => match op {
                "(" => {
                    let mut items = Vec::new();
                    while !self.is_op(")") {
                        items.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.pos += 1;
                    }
                    self.expect(")")?;
                    Node::Block(items)
                }
                "[" => Node::Array(self.list("]")?),
                "{" => Node::Object(self.pairs()?),
                "-" => Node::Neg(Box::new(self.expression(70)?)),
                "*" => Node::Wildcard,
                "**" => Node::Descendants,
                "%" => Node::Parent,
                "|" => {
                    let pattern = self.expression(0)?;
                    self.expect("|")?;
                    let update = self.expression(0)?;
                    let delete = if self.is_op(",") {
                        self.pos += 1;
                        Some(self.expression(0)?)
                    } else {
                        None
                    };
                    self.expect("|")?;
                    Node::Transform(Arc::new(TransformDef {
                        pattern,
                        update,
                        delete,
                    }))
                }
                other => {
                    return Err(err(
                        "S0211",
                        &format!("The symbol {other} cannot be used as a unary operator"),
                    ));
                }
            },
        })
    }

    fn lambda(&mut self) -> Result<Node, JsonataError> {
        self.expect("(")?;
        let mut params = Vec::new();
        if !self.is_op(")") {
            loop {
                match self.next()? {
                    Tok::Var(v) if !v.is_empty() && v != "$" => params.push(Arc::from(v)),
                    other => {
                        return Err(err(
                            "S0208",
                            &format!(
                                "Parameter {} of function definition must be a variable name (start with $)",
                                describe(&other)
                            ),
                        ));
                    }
                }
                if self.is_op(",") {
                    self.pos += 1;
                    continue;
                }
                break;
            }
        }
        self.expect(")")?;
        let signature = if self.is_op("<") {
            Some(self.signature()?)
        } else {
            None
        };
        self.expect("{")?;
        let body = self.expression(0)?;
        self.expect("}")?;
        Ok(Node::Lambda(Arc::new(LambdaDef {
            params,
            signature,
            body,
        })))
    }

    /// A lambda's signature, `<n-s?:s>`: its tokens up to the `>` that closes the first
    /// `<`, written back as text, as the reference parser reads it.
    fn signature(&mut self) -> Result<Signature, JsonataError> {
        let start = self.tokens.get(self.pos).map_or(self.end, |t| t.pos);
        let mut text = String::new();
        let mut depth = 0usize;
        loop {
            let tok = self.next()?;
            let piece = describe(&tok);
            depth += piece.matches('<').count();
            depth = depth.saturating_sub(piece.matches('>').count());
            text.push_str(&piece);
            if depth == 0 {
                break;
            }
        }
        Signature::parse(&text).map_err(|e| e.at(start))
    }

    fn led(&mut self, tok: Tok, left: Node) -> Result<Node, JsonataError> {
        let boxed = Box::new(left);
        let binary =
            |p: &mut Parser, op: BinOp, bp: u8, left: Box<Node>| -> Result<Node, JsonataError> {
                Ok(Node::Binary(op, left, Box::new(p.expression(bp)?)))
            };
        match tok {
            Tok::Name(name) => match name.as_str() {
                "and" => binary(self, BinOp::And, 30, boxed),
                "or" => binary(self, BinOp::Or, 25, boxed),
                "in" => binary(self, BinOp::In, 40, boxed),
                _ => Err(err("S0201", &format!("Syntax error: {name}"))),
            },
            Tok::Op(op) => match op {
                // A string literal used as a step names a field: `"foo".**."fud"`.
                "." => {
                    let name = |node: Node| match node {
                        Node::Str(s) => Node::Name(s),
                        other => other,
                    };
                    let right = name(self.expression(75)?);
                    Ok(Node::Path(Box::new(name(*boxed)), Box::new(right)))
                }
                "[" => {
                    if self.is_op("]") {
                        self.pos += 1;
                        return Ok(Node::KeepArray(boxed));
                    }
                    if matches!(*boxed, Node::GroupBy(..)) {
                        return Err(err(
                            "S0209",
                            "A predicate cannot follow a grouping expression in a step",
                        ));
                    }
                    let predicate = self.expression(0)?;
                    self.expect("]")?;
                    Ok(Node::Filter(boxed, Box::new(predicate)))
                }
                "{" => {
                    if matches!(*boxed, Node::GroupBy(..)) {
                        return Err(err(
                            "S0210",
                            "Each step can only have one grouping expression",
                        ));
                    }
                    Ok(Node::GroupBy(boxed, self.pairs()?))
                }
                "(" => Ok(Node::Call(boxed, self.list(")")?)),
                "^" => {
                    self.expect("(")?;
                    let mut terms = Vec::new();
                    loop {
                        let descending = if self.is_op(">") {
                            self.pos += 1;
                            true
                        } else {
                            if self.is_op("<") {
                                self.pos += 1;
                            }
                            false
                        };
                        terms.push((self.expression(0)?, descending));
                        if self.is_op(",") {
                            self.pos += 1;
                            continue;
                        }
                        break;
                    }
                    self.expect(")")?;
                    Ok(Node::Sort(boxed, terms))
                }
                "+" => binary(self, BinOp::Add, 50, boxed),
                "-" => binary(self, BinOp::Sub, 50, boxed),
                "&" => binary(self, BinOp::Concat, 50, boxed),
                "*" => binary(self, BinOp::Mul, 60, boxed),
                "/" => binary(self, BinOp::Div, 60, boxed),
                "%" => binary(self, BinOp::Mod, 60, boxed),
                "=" => binary(self, BinOp::Eq, 40, boxed),
                "!=" => binary(self, BinOp::Ne, 40, boxed),
                "<" => binary(self, BinOp::Lt, 40, boxed),
                "<=" => binary(self, BinOp::Le, 40, boxed),
                ">" => binary(self, BinOp::Gt, 40, boxed),
                ">=" => binary(self, BinOp::Ge, 40, boxed),
                "~>" => Ok(Node::Chain(boxed, Box::new(self.expression(40)?))),
                ".." => Ok(Node::Range(boxed, Box::new(self.expression(20)?))),
                "?" => {
                    let then = self.expression(0)?;
                    let otherwise = if self.is_op(":") {
                        self.pos += 1;
                        Some(Box::new(self.expression(0)?))
                    } else {
                        None
                    };
                    Ok(Node::Cond(boxed, Box::new(then), otherwise))
                }
                "?:" => Ok(Node::Elvis(boxed, Box::new(self.expression(20)?))),
                "??" => Ok(Node::Coalesce(boxed, Box::new(self.expression(20)?))),
                ":=" => match *boxed {
                    Node::Var(name) if !name.is_empty() && name != "$" => {
                        Ok(Node::Bind(Arc::from(name), Box::new(self.expression(9)?)))
                    }
                    _ => Err(err(
                        "S0212",
                        "The left side of := must be a variable name (start with $)",
                    )),
                },
                "#" | "@" => {
                    let name = match self.next()? {
                        Tok::Var(name) if !name.is_empty() && name != "$" => Arc::from(name),
                        _ => {
                            return Err(err(
                                "S0214",
                                &format!(
                                    "The right side of {op} must be a variable name (start with $)"
                                ),
                            ));
                        }
                    };
                    Ok(if op == "#" {
                        Node::Index(boxed, name)
                    } else {
                        Node::Focus(boxed, name)
                    })
                }
                other => Err(err("S0201", &format!("Syntax error: \"{other}\""))),
            },
            other => Err(err("S0201", &format!("Syntax error: {}", describe(&other)))),
        }
    }
}

/// Counts parses on this thread, so tests can show an expression is parsed once.
#[cfg(test)]
pub(crate) mod counter {
    use std::cell::Cell;

    thread_local! {
        static PARSES: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count() {
        PARSES.with(|p| p.set(p.get() + 1));
    }

    /// Parses so far on this thread.
    pub(crate) fn parses() -> usize {
        PARSES.with(Cell::get)
    }
}
