//! CloudWatch Logs filter patterns, as FilterLogEvents applies them to a log event's
//! message: terms, and JSON patterns over JSON messages. What is served:
//!
//! - **Terms**: `ERROR` (the message contains it, case-sensitive), `"quoted phrase"`,
//!   several terms (all must appear), `-term` (must not appear). `?` starts a term group:
//!   `?ERROR MainThread ?WARN Deadlock` matches a message with both terms of either group.
//!   An empty pattern matches every event.
//! - **JSON patterns**: `{ $.level = "ERROR" }`, with `=` and `!=` on strings and numbers,
//!   `<`, `>`, `<=`, `>=` on numbers, `IS TRUE`, `IS FALSE`, `IS NULL`, `NOT EXISTS`,
//!   joined by `&&` and `||` in parentheses as needed. A string value, quoted or not, may
//!   begin or end with `*` to match any text before or after it; `= *` matches any string
//!   or number; a `*` inside the value is itself. A selector is `$.` and a path of names
//!   and `[index]`es. A message that is not JSON matches no JSON pattern.
//!
//! Space-delimited patterns (`[ip, user, …]`) and regular expressions (`%…%`) are refused
//! with an error that says so.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern(Kind);

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Term matching: a message passes when one group passes (no group: every message).
    Terms(Vec<TermGroup>),
    /// A JSON pattern.
    Json(Expr),
}

/// Terms that must all appear, and terms that must not.
#[derive(Debug, Clone, PartialEq, Default)]
struct TermGroup {
    all: Vec<String>,
    none: Vec<String>,
}

impl TermGroup {
    fn passes(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

/// A JSON pattern's expression.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Test(Selector, Test),
}

/// A path into the message: `$.a.b[0]`.
#[derive(Debug, Clone, PartialEq)]
struct Selector(Vec<Step>);

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
}

/// What is asked of the selected value.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Compare(Op, Operand),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Number(f64),
    /// A string, with a leading or trailing `*` a wildcard.
    Text(String),
}

/// Why a pattern cannot be used, in words for `InvalidParameterException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid filter pattern: {0}")]
pub struct PatternError(String);

/// The longest pattern CloudWatch Logs accepts.
const MAX_PATTERN_CHARS: usize = 1024;

impl FilterPattern {
    /// Parses `text`.
    ///
    /// # Errors
    ///
    /// A pattern that is too long, malformed, or of a kind not served.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        if text.chars().count() > MAX_PATTERN_CHARS {
            return Err(PatternError(format!(
                "the pattern is longer than {MAX_PATTERN_CHARS} characters"
            )));
        }
        let trimmed = text.trim();
        if trimmed.starts_with('{') {
            let inner = trimmed
                .strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .ok_or_else(|| PatternError("a JSON pattern must end with }".into()))?;
            let tokens = lex(inner)?;
            let mut parser = Parser { tokens, at: 0 };
            let expr = parser.or()?;
            if parser.at != parser.tokens.len() {
                return Err(PatternError(format!(
                    "unexpected {:?} in the JSON pattern",
                    parser.tokens[parser.at]
                )));
            }
            return Ok(Self(Kind::Json(expr)));
        }
        if trimmed.starts_with('[') {
            return Err(PatternError(
                "space-delimited patterns ([…]) are not served by the local cloud".into(),
            ));
        }
        if trimmed.starts_with('%') {
            return Err(PatternError(
                "regular expression patterns (%…%) are not served by the local cloud".into(),
            ));
        }
        terms(trimmed)
    }

    /// Whether the event whose message is `message` passes.
    pub fn matches(&self, message: &str) -> bool {
        match &self.0 {
            Kind::Terms(groups) => groups.is_empty() || groups.iter().any(|g| g.passes(message)),
            Kind::Json(expr) => match serde_json::from_str::<Value>(message) {
                Ok(value) => expr.holds(&value),
                Err(_) => false,
            },
        }
    }
}

fn terms(text: &str) -> Result<FilterPattern, PatternError> {
    let mut groups: Vec<TermGroup> = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let prefix = matches!(first, '?' | '-').then(|| {
            chars.next();
            first
        });
        if prefix == Some('?') || groups.is_empty() {
            groups.push(TermGroup::default());
        }
        // A `?` or `-` may stand apart from its term.
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let term = if chars.next_if_eq(&'"').is_some() {
            quoted(&mut chars, "term")?
        } else {
            let mut term = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                term.push(c);
            }
            term
        };
        if term.is_empty() {
            return Err(PatternError(match prefix {
                Some(p) => format!("{p} is not followed by a term"),
                None => "an empty term".into(),
            }));
        }
        let Some(group) = groups.last_mut() else {
            break;
        };
        if prefix == Some('-') {
            group.none.push(term);
        } else {
            group.all.push(term);
        }
    }
    Ok(FilterPattern(Kind::Terms(groups)))
}

/// The text up to the closing `"` (the opening one read), `\\` escaping the next
/// character; `what` names it when the quote is not closed.
fn quoted(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    what: &str,
) -> Result<String, PatternError> {
    let mut text = String::new();
    loop {
        match chars.next() {
            Some('"') => return Ok(text),
            Some('\\') => text.extend(chars.next()),
            Some(c) => text.push(c),
            None => return Err(PatternError(format!("a quoted {what} is not closed"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Selector(Selector),
    Op(Op),
    And,
    Or,
    Open,
    Close,
    Word(String),
    Quoted(String),
}

fn lex(text: &str) -> Result<Vec<Token>, PatternError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '&' | '|' => {
                chars.next();
                if chars.next() != Some(c) {
                    return Err(PatternError(format!("expected {c}{c}")));
                }
                tokens.push(if c == '&' { Token::And } else { Token::Or });
            }
            '=' | '!' | '<' | '>' => {
                chars.next();
                let eq = chars.next_if_eq(&'=').is_some();
                tokens.push(Token::Op(match (c, eq) {
                    ('=', _) => Op::Eq,
                    ('!', true) => Op::Ne,
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    ('>', true) => Op::Ge,
                    _ => return Err(PatternError("expected != ".into())),
                }));
            }
            '"' => {
                chars.next();
                tokens.push(Token::Quoted(quoted(&mut chars, "value")?));
            }
            '$' => {
                let mut text = String::new();
                while let Some(c) = chars.next_if(|c| {
                    !c.is_whitespace() && !matches!(c, '=' | '!' | '<' | '>' | ')' | '(')
                }) {
                    text.push(c);
                }
                tokens.push(Token::Selector(selector(&text)?));
            }
            _ => {
                let mut text = String::new();
                while let Some(c) = chars.next_if(|c| {
                    !c.is_whitespace()
                        && !matches!(c, '=' | '!' | '<' | '>' | ')' | '(' | '&' | '|')
                }) {
                    text.push(c);
                }
                tokens.push(Token::Word(text));
            }
        }
    }
    Ok(tokens)
}

fn selector(text: &str) -> Result<Selector, PatternError> {
    let bad = || PatternError(format!("{text} is not a selector ($.name, $.a.b[0])"));
    let mut rest = text.strip_prefix('$').ok_or_else(bad)?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return Err(bad());
            }
            steps.push(Step::Field(after[..end].to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(bad)?;
            let index = after[..end].parse().map_err(|_| bad())?;
            steps.push(Step::Index(index));
            rest = &after[end + 1..];
        } else {
            return Err(bad());
        }
    }
    if steps.is_empty() {
        return Err(bad());
    }
    Ok(Selector(steps))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Expr, PatternError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, PatternError> {
        let mut left = self.primary()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, PatternError> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(PatternError("a ( is not closed".into())),
                }
            }
            Some(Token::Selector(selector)) => Ok(Expr::Test(selector, self.test()?)),
            other => Err(PatternError(format!(
                "expected a selector ($.name) or (, found {other:?}"
            ))),
        }
    }

    fn test(&mut self) -> Result<Test, PatternError> {
        match self.next() {
            Some(Token::Op(op)) => {
                let operand = match self.next() {
                    Some(Token::Quoted(text)) => Operand::Text(text),
                    Some(Token::Word(word)) => match word.parse::<f64>() {
                        Ok(n) if n.is_finite() => Operand::Number(n),
                        _ => Operand::Text(word),
                    },
                    other => {
                        return Err(PatternError(format!("expected a value, found {other:?}")));
                    }
                };
                if matches!(operand, Operand::Text(_)) && !matches!(op, Op::Eq | Op::Ne) {
                    return Err(PatternError("<, >, <= and >= compare numbers only".into()));
                }
                Ok(Test::Compare(op, operand))
            }
            Some(Token::Word(word)) if word == "IS" => match self.next() {
                Some(Token::Word(w)) if w == "TRUE" => Ok(Test::IsTrue),
                Some(Token::Word(w)) if w == "FALSE" => Ok(Test::IsFalse),
                Some(Token::Word(w)) if w == "NULL" => Ok(Test::IsNull),
                other => Err(PatternError(format!(
                    "expected TRUE, FALSE or NULL after IS, found {other:?}"
                ))),
            },
            Some(Token::Word(word)) if word == "NOT" => match self.next() {
                Some(Token::Word(w)) if w == "EXISTS" => Ok(Test::NotExists),
                other => Err(PatternError(format!(
                    "expected EXISTS after NOT, found {other:?}"
                ))),
            },
            other => Err(PatternError(format!(
                "expected an operator after the selector, found {other:?}"
            ))),
        }
    }
}

impl Expr {
    fn holds(&self, message: &Value) -> bool {
        match self {
            Self::And(a, b) => a.holds(message) && b.holds(message),
            Self::Or(a, b) => a.holds(message) || b.holds(message),
            Self::Test(selector, test) => test.holds(selector.select(message)),
        }
    }
}

impl Selector {
    fn select<'a>(&self, mut value: &'a Value) -> Option<&'a Value> {
        for step in &self.0 {
            value = match step {
                Step::Field(name) => value.get(name.as_str())?,
                Step::Index(i) => value.get(*i)?,
            };
        }
        Some(value)
    }
}

impl Test {
    fn holds(&self, value: Option<&Value>) -> bool {
        match (self, value) {
            (Self::NotExists, found) => found.is_none(),
            (Self::IsTrue, Some(Value::Bool(b))) => *b,
            (Self::IsFalse, Some(Value::Bool(b))) => !*b,
            (Self::IsNull, Some(Value::Null)) => true,
            (Self::Compare(op, operand), Some(value)) => compare(*op, operand, value),
            _ => false,
        }
    }
}

fn compare(op: Op, operand: &Operand, value: &Value) -> bool {
    match operand {
        Operand::Number(n) => {
            let Some(v) = value.as_f64() else {
                return false;
            };
            match op {
                Op::Eq => v == *n,
                Op::Ne => v != *n,
                Op::Lt => v < *n,
                Op::Gt => v > *n,
                Op::Le => v <= *n,
                Op::Ge => v >= *n,
            }
        }
        Operand::Text(text) => {
            let equal = if text == "*" {
                // Any value there: a string or a number.
                value.is_string() || value.is_number()
            } else {
                value.as_str().is_some_and(|v| text_matches(text, v))
            };
            match op {
                Op::Eq => equal,
                Op::Ne => !equal,
                _ => false,
            }
        }
    }
}

/// Whether `value` matches `pattern`: a `*` at its start or end stands for any text
/// there; anywhere else it is itself. Linear in the value.
fn text_matches(pattern: &str, value: &str) -> bool {
    let lead = pattern.starts_with('*');
    let trail = pattern.len() > 1 && pattern.ends_with('*');
    let core = &pattern[usize::from(lead)..pattern.len() - usize::from(trail)];
    match (lead, trail) {
        (true, true) => value.contains(core),
        (true, false) => value.ends_with(core),
        (false, true) => value.starts_with(core),
        (false, false) => value == core,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passes(pattern: &str, message: &str) -> bool {
        FilterPattern::parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(message)
    }

    #[test]
    fn terms_must_all_appear_in_one_group_and_excluded_ones_not() {
        let line = r#"{"level":"ERROR","message":"payment declined","order_id":"o-1"}"#;
        assert!(passes("", line));
        assert!(passes("ERROR", line));
        assert!(passes("ERROR o-1", line));
        assert!(!passes("ERROR o-2", line));
        assert!(passes("\"payment declined\"", line));
        assert!(!passes("\"declined payment\"", line));
        assert!(passes("?WARN ?ERROR", line));
        assert!(!passes("?WARN ?INFO", line));
        assert!(!passes("ERROR -declined", line));
        assert!(!passes("ERROR - declined", line), "a - may stand apart");
        assert!(passes("ERROR -approved", line));
        assert!(!passes("error", line), "terms are case-sensitive");
        // `?` opens a group; a group passes when all its terms appear.
        assert!(passes("?ERROR o-1 ?WARN o-2", line));
        assert!(!passes("?ERROR o-2 ?WARN o-1", line));
        assert!(passes("?ERROR o-2 ?payment declined", line));
    }

    #[test]
    fn json_patterns_select_fields_and_compare_strings_and_numbers() {
        let line = r#"{"level":"ERROR","correlation_id":"c-42","duration_ms":125.5,
            "cold":true,"gone":null,"lines":[{"sku":"B-1"},{"sku":"B-2"}]}"#;
        assert!(passes(r#"{ $.correlation_id = "c-42" }"#, line));
        assert!(!passes(r#"{ $.correlation_id = "c-4" }"#, line));
        assert!(passes("{ $.correlation_id = c-* }", line));
        assert!(
            passes(r#"{ $.correlation_id = "c-*" }"#, line),
            "quoted or not"
        );
        assert!(passes("{ $.correlation_id = *42 }", line));
        assert!(passes("{ $.correlation_id = *-4* }", line));
        assert!(
            !passes("{ $.correlation_id = c*2 }", line),
            "a * inside is itself"
        );
        assert!(
            passes("{ $.duration_ms = * }", line),
            "= * is any string or number"
        );
        assert!(!passes("{ $.cold = * }", line));
        assert!(!passes("{ $.missing = * }", line));
        assert!(passes("{ $.level != INFO }", line));
        assert!(passes(
            "{ $.duration_ms > 100 && $.duration_ms <= 125.5 }",
            line
        ));
        assert!(!passes("{ $.duration_ms < 100 }", line));
        assert!(passes("{ $.duration_ms < 100 || $.level = ERROR }", line));
        assert!(passes(
            "{ ($.level = WARN || $.level = ERROR) && $.cold IS TRUE }",
            line
        ));
        assert!(passes("{ $.gone IS NULL }", line));
        assert!(passes("{ $.missing NOT EXISTS }", line));
        assert!(!passes("{ $.level NOT EXISTS }", line));
        assert!(passes("{ $.lines[1].sku = B-2 }", line));
        assert!(!passes("{ $.lines[2].sku = B-2 }", line));
        assert!(!passes("{ $.level = ERROR }", "ERROR, but no JSON"));
    }

    #[test]
    fn malformed_and_unserved_patterns_are_refused_with_the_reason() {
        for (pattern, words) in [
            ("{ $.level = ERROR", "must end with }"),
            ("{ level = ERROR }", "selector"),
            ("{ $.level = }", "expected a value"),
            ("{ $.level > ERROR }", "numbers only"),
            ("{ ($.level = ERROR }", "not closed"),
            ("{ $.a = 1 & $.b = 2 }", "&&"),
            ("\"open", "not closed"),
            ("ERROR -", "- is not followed by a term"),
            ("?", "? is not followed by a term"),
            ("[ip, user]", "space-delimited"),
            ("%ERR.*%", "regular expression"),
        ] {
            let error = FilterPattern::parse(pattern).expect_err(pattern);
            assert!(error.to_string().contains(words), "{pattern}: {error}");
        }
        assert!(FilterPattern::parse(&"a".repeat(1025)).is_err());
    }

    #[test]
    fn a_wildcard_matches_before_or_after_the_text_only() {
        for (pattern, value, expected) in [
            ("*", "", true),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("*b*", "abc", true),
            ("a*c", "abc", false),
            ("a*c", "a*c", true),
            ("abc", "abc", true),
            ("abc", "abcd", false),
        ] {
            assert_eq!(
                text_matches(pattern, value),
                expected,
                "{pattern} ~ {value}"
            );
        }
    }
}
