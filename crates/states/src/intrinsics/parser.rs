//! Parses an intrinsic expression such as `States.Format('{} x', $.a, States.UUID())`
//! into a tree of calls, literals and paths.
//!
//! The grammar follows the Amazon States Language: arguments are single-quoted strings
//! (with `\'`, `\{`, `\}` and `\\` as the only escapes), JSON numbers, `true`, `false`,
//! `null`, paths (`$`, `$.x`, `$$.Execution.Id`, `$variable`) and nested calls.
//!
//! A backslash followed by anything else is an open escape, which the developer guide
//! makes a run-time failure ("If an open escape backslash \ is found in the intrinsic
//! invocation string, the interpreter will return a runtime error"): the literal parses
//! as [`Expr::OpenEscape`] and fails only when it is evaluated.

use serde_json::{Number, Value};

use super::functions::Function;
use super::path::ArgPath;

/// The deepest nesting of calls a field may hold ("You can nest up to 10 intrinsic
/// functions within a field").
pub const MAX_NESTING: usize = 10;

/// One parsed argument or call.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Call {
        function: Function,
        args: Vec<Expr>,
    },
    /// A string literal; `chars` keeps which characters were escaped, because an
    /// escaped `\{` or `\}` in a `States.Format` template is a literal brace.
    Str {
        chars: Vec<(char, bool)>,
        /// The literal's value, escapes removed.
        value: Value,
    },
    /// A number, boolean or null literal.
    Literal(Value),
    /// A string literal holding an open escape (a backslash not followed by `'`, `{`, `}`
    /// or `\`): evaluating it is a runtime error, explained by the text it keeps.
    OpenEscape(String),
    /// `$...` (input), `$$...` (context) or `$name...` (variable); resolved at evaluation.
    Path(ArgPath),
}

/// Parses a whole expression; anything left over after the top-level call is an error.
pub fn parse(expression: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        chars: expression.chars().collect(),
        pos: 0,
    };
    parser.skip_space();
    let expr = parser.expr(0)?;
    parser.skip_space();
    if parser.pos != parser.chars.len() {
        return Err(format!("unexpected text at position {}", parser.pos));
    }
    match expr {
        Expr::Call { .. } => Ok(expr),
        _ => Err("the expression is not an intrinsic function call".to_string()),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, String> {
        match self.peek() {
            None => Err("missing argument at end of expression".to_string()),
            Some('\'') => self.string(),
            Some('$') => Ok(Expr::Path(ArgPath::parse(&self.path()))),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.word(depth),
            Some(c) => Err(format!(
                "unexpected character '{c}' at position {}",
                self.pos
            )),
        }
    }

    fn word(&mut self, depth: usize) -> Result<Expr, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.as_str() {
            "true" => return Ok(Expr::Literal(Value::Bool(true))),
            "false" => return Ok(Expr::Literal(Value::Bool(false))),
            "null" => return Ok(Expr::Literal(Value::Null)),
            _ => {}
        }
        let function = Function::from_name(&word)
            .ok_or_else(|| format!("unknown intrinsic function '{word}'"))?;
        if depth >= MAX_NESTING {
            return Err(format!(
                "intrinsic functions are nested deeper than {MAX_NESTING} levels"
            ));
        }
        self.skip_space();
        if self.peek() != Some('(') {
            return Err(format!("expected '(' after {word}"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_space();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Expr::Call { function, args });
        }
        loop {
            self.skip_space();
            args.push(self.expr(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Expr::Call { function, args });
                }
                Some(c) => {
                    return Err(format!(
                        "unexpected character '{c}' at position {}",
                        self.pos
                    ));
                }
                None => return Err(format!("missing ')' to close {word}")),
            }
        }
    }

    fn string(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        self.pos += 1;
        let mut chars = Vec::new();
        let mut open_escape = None;
        loop {
            match self.peek() {
                None => return Err(format!("unterminated string starting at position {start}")),
                Some('\'') => {
                    self.pos += 1;
                    if let Some(detail) = open_escape {
                        return Ok(Expr::OpenEscape(detail));
                    }
                    let value = Value::String(chars.iter().map(|(c, _)| *c).collect());
                    return Ok(Expr::Str { chars, value });
                }
                Some('\\') => {
                    let escaped = self.chars.get(self.pos + 1).copied();
                    if let Some(c @ ('\'' | '{' | '}' | '\\')) = escaped {
                        chars.push((c, true));
                        self.pos += 2;
                    } else {
                        // Keep reading to the closing quote; the literal fails when run.
                        open_escape.get_or_insert_with(|| {
                            format!(
                                "open escape backslash at position {}: only \\' \\{{ \\}} and \\\\ are escapes",
                                self.pos
                            )
                        });
                        self.pos += 1;
                    }
                }
                Some(c) => {
                    chars.push((c, false));
                    self.pos += 1;
                }
            }
        }
    }

    /// A path runs up to the `,` or `)` that ends the argument; commas and parentheses
    /// inside brackets or quotes (`$['a,b']`) belong to the path.
    fn path(&mut self) -> String {
        let start = self.pos;
        let mut brackets = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
            } else {
                match c {
                    '\'' | '"' if brackets > 0 => quote = Some(c),
                    '[' => brackets += 1,
                    ']' => brackets = brackets.saturating_sub(1),
                    ',' | ')' if brackets == 0 => break,
                    c if c.is_whitespace() && brackets == 0 => break,
                    _ => {}
                }
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        self.digits();
        let int_len = self.pos - int_start;
        if int_len == 0 || (int_len > 1 && self.chars[int_start] == '0') {
            return Err(format!("invalid number at position {start}"));
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(format!("invalid number at position {start}"));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(format!("invalid number at position {start}"));
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        parse_number(&text)
            .map(|n| Expr::Literal(Value::Number(n)))
            .ok_or_else(|| format!("number out of range at position {start}"))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }
}

/// Integers stay integers (so results print without `.0`); others become finite floats.
fn parse_number(text: &str) -> Option<Number> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Number::from(u));
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}
