//! JSONPath as Step Functions reads it (Jayway's dialect): `$` the state input, `$$` the
//! context object, `$name` a variable; dot and bracket children, indexes, wildcards, deep
//! scan, unions, slices, filters and `length()`.
//!
//! A path is parsed once when the definition is parsed. A *definite* path (children and
//! indexes only) yields one value or nothing; an indefinite one yields an array of every
//! match, as Jayway does.

use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a path text is not a JSONPath.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid JSONPath '{path}': {reason}")]
pub struct PathSyntaxError {
    /// The text as written.
    pub path: String,
    /// What is wrong with it, and where.
    pub reason: String,
}

/// What a path is evaluated against.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `$`: the current payload.
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Child(String),
    Index(i64),
    Wildcard,
    DeepChild(String),
    DeepWildcard,
    Names(Vec<String>),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    Filter(Box<Filter>),
    Length,
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Exists(Operand),
    Compare(Operand, CompareOp, Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Current(JsonPath),
    Root(JsonPath),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    root: Root,
    segments: Vec<Segment>,
    definite: bool,
}

/// The values a path may be evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The value `$` reads: the state's payload at that point (raw input, effective input
    /// or result, depending on the field).
    pub input: &'a Value,
    /// The value `$$` reads: the context object.
    pub context: &'a Value,
    /// The workflow variables `$name` reads; `None` where variables are not in scope, so
    /// every variable path finds nothing.
    pub variables: Option<&'a serde_json::Map<String, Value>>,
}

impl<'a> Scope<'a> {
    /// A scope of input and context object, with no variables.
    pub fn new(input: &'a Value, context: &'a Value) -> Self {
        Self {
            input,
            context,
            variables: None,
        }
    }
}

impl JsonPath {
    /// Parses a path as Step Functions does, once, when the definition is parsed.
    pub fn parse(text: &str) -> Result<Self, PathSyntaxError> {
        Parser::new(text).parse_path()
    }

    /// The text the path was written as.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where the path starts: `$`, `$$` or a variable.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Whether the path names at most one node (children and indexes only).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// Whether the path is a *reference path* (children and indexes only, no functions),
    /// the form ResultPath, ItemsPath and the Choice `Variable` are held to.
    pub fn is_reference(&self) -> bool {
        self.definite
            && self
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Child(_) | Segment::Index(_)))
    }

    /// The path as Jayway renders it in error messages: `$['a']['b'][0]`.
    pub fn normalized(&self) -> String {
        let mut out = match &self.root {
            Root::Input => "$".to_owned(),
            Root::Context => "$$".to_owned(),
            Root::Variable(name) => format!("${name}"),
        };
        for segment in &self.segments {
            match segment {
                Segment::Child(name) | Segment::DeepChild(name) => {
                    if matches!(segment, Segment::DeepChild(_)) {
                        out.push_str("..");
                    }
                    let _ = write!(out, "['{name}']");
                }
                Segment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Segment::Wildcard => out.push_str("[*]"),
                Segment::DeepWildcard => out.push_str("..[*]"),
                Segment::Names(names) => {
                    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
                    let _ = write!(out, "[{}]", quoted.join(","));
                }
                Segment::Indexes(indexes) => {
                    let list: Vec<String> = indexes.iter().map(|i| i.to_string()).collect();
                    let _ = write!(out, "[{}]", list.join(","));
                }
                Segment::Slice(a, b, _) => {
                    let a = a.map(|v| v.to_string()).unwrap_or_default();
                    let b = b.map(|v| v.to_string()).unwrap_or_default();
                    let _ = write!(out, "[{a}:{b}]");
                }
                Segment::Filter(_) => out.push_str("[?]"),
                Segment::Length => out.push_str(".length()"),
            }
        }
        out
    }

    /// The components of a reference path, for writing into a payload (ResultPath).
    pub fn reference_steps(&self) -> Option<Vec<Step<'_>>> {
        if !self.is_reference() {
            return None;
        }
        Some(
            self.segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Child(name) => Some(Step::Key(name)),
                    Segment::Index(i) => Some(Step::Index(*i)),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Where a definite path that found nothing stopped short of its last step: the
    /// normalized path up to the first property missing from an object on the way
    /// (`$['no']` for `$.no.such` on `{}`). `None` when only the last step is missing,
    /// or the path stopped for another reason. Jayway, which Step Functions' paths follow,
    /// words the two apart: "Missing property in path $['no']" against "No results for
    /// path: $['no']['such']" (both recorded on AWS).
    pub fn missing_property(&self, scope: Scope<'_>) -> Option<String> {
        if !self.definite {
            return None;
        }
        let mut current: &Value = match &self.root {
            Root::Input => scope.input,
            Root::Context => scope.context,
            Root::Variable(name) => scope.variables?.get(name)?,
        };
        let last = self.segments.len().checked_sub(1)?;
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Child(name) => {
                    let object = current.as_object()?;
                    match crate::object::field(object, name) {
                        Some(next) => current = next,
                        None if i < last => {
                            let prefix = JsonPath {
                                text: String::new(),
                                root: self.root.clone(),
                                segments: self.segments[..=i].to_vec(),
                                definite: true,
                            };
                            return Some(prefix.normalized());
                        }
                        None => return None,
                    }
                }
                Segment::Index(index) => {
                    let array = current.as_array()?;
                    current = array.get(resolve_index(*index, array.len())?)?;
                }
                _ => return None,
            }
        }
        None
    }

    /// Evaluates the path. `None` means a definite path found nothing; an indefinite path
    /// always yields an array (possibly empty).
    pub fn evaluate<'a>(&self, scope: Scope<'a>) -> Option<Cow<'a, Value>> {
        let start: &'a Value = match &self.root {
            Root::Input => scope.input,
            Root::Context => scope.context,
            Root::Variable(name) => scope.variables?.get(name)?,
        };
        if self.definite {
            let mut current = start;
            for (i, segment) in self.segments.iter().enumerate() {
                match segment {
                    Segment::Child(name) => {
                        current = crate::object::field(current.as_object()?, name)?
                    }
                    Segment::Index(index) => {
                        let array = current.as_array()?;
                        current = array.get(resolve_index(*index, array.len())?)?;
                    }
                    Segment::Length => {
                        let _ = i;
                        return length_of(current).map(Cow::Owned);
                    }
                    _ => return None,
                }
            }
            return Some(Cow::Borrowed(current));
        }
        let mut nodes: Vec<&'a Value> = vec![start];
        for segment in &self.segments {
            if let Segment::Length = segment {
                // length() of an indefinite result is the number of matches.
                return Some(Cow::Owned(Value::from(nodes.len())));
            }
            let mut next = Vec::new();
            for node in nodes {
                apply_segment(segment, node, scope, &mut next);
            }
            nodes = next;
        }
        Some(Cow::Owned(Value::Array(
            nodes.into_iter().cloned().collect(),
        )))
    }
}

/// One component of a reference path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step<'a> {
    /// `.key` or `['key']`: an object member.
    Key(&'a str),
    /// `[n]`: an array index as written. Reading counts a negative one from the end;
    /// ResultPath refuses it.
    Index(i64),
}

fn length_of(value: &Value) -> Option<Value> {
    match value {
        Value::Array(a) => Some(Value::from(a.len())),
        Value::String(s) => Some(Value::from(s.chars().count())),
        Value::Object(o) => Some(Value::from(o.len())),
        _ => None,
    }
}

fn resolve_index(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok()
    } else {
        let back = usize::try_from(index.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}

fn apply_segment<'a>(
    segment: &Segment,
    node: &'a Value,
    scope: Scope<'a>,
    out: &mut Vec<&'a Value>,
) {
    match segment {
        Segment::Child(name) => {
            if let Some(v) = node.as_object().and_then(|o| crate::object::field(o, name)) {
                out.push(v);
            }
        }
        Segment::Index(index) => {
            if let Some(a) = node.as_array()
                && let Some(v) = resolve_index(*index, a.len()).and_then(|i| a.get(i))
            {
                out.push(v);
            }
        }
        Segment::Wildcard => match node {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        },
        Segment::DeepChild(name) => deep_scan(node, &mut |v| {
            if let Some(found) = v.as_object().and_then(|o| o.get(name)) {
                out.push(found);
            }
        }),
        Segment::DeepWildcard => deep_scan(node, &mut |v| match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        }),
        Segment::Names(names) => {
            if let Some(o) = node.as_object() {
                out.extend(names.iter().filter_map(|n| o.get(n)));
            }
        }
        Segment::Indexes(indexes) => {
            if let Some(a) = node.as_array() {
                out.extend(
                    indexes
                        .iter()
                        .filter_map(|i| resolve_index(*i, a.len()).and_then(|i| a.get(i))),
                );
            }
        }
        Segment::Slice(start, end, step) => {
            if let Some(a) = node.as_array() {
                let len = a.len() as i64;
                let clamp = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
                let from = start.map(clamp).unwrap_or(0);
                let to = end.map(clamp).unwrap_or(len);
                let step = step.unwrap_or(1).max(1);
                let mut i = from;
                while i < to {
                    if let Some(v) = a.get(i as usize) {
                        out.push(v);
                    }
                    i += step;
                }
            }
        }
        Segment::Filter(filter) => match node {
            Value::Array(a) => out.extend(a.iter().filter(|item| filter.test(item, scope))),
            other => {
                if filter.test(other, scope) {
                    out.push(other);
                }
            }
        },
        Segment::Length => {}
    }
}

/// Visits a node and every node below it, depth first.
fn deep_scan<'a>(node: &'a Value, visit: &mut dyn FnMut(&'a Value)) {
    visit(node);
    match node {
        Value::Array(a) => a.iter().for_each(|v| deep_scan(v, visit)),
        Value::Object(o) => o.values().for_each(|v| deep_scan(v, visit)),
        _ => {}
    }
}

impl Filter {
    fn test(&self, current: &Value, scope: Scope<'_>) -> bool {
        match self {
            Filter::Or(a, b) => a.test(current, scope) || b.test(current, scope),
            Filter::And(a, b) => a.test(current, scope) && b.test(current, scope),
            Filter::Not(f) => !f.test(current, scope),
            Filter::Exists(operand) => operand.resolve(current, scope).is_some(),
            Filter::Compare(left, op, right) => {
                let (Some(l), Some(r)) =
                    (left.resolve(current, scope), right.resolve(current, scope))
                else {
                    return false;
                };
                compare(&l, *op, &r)
            }
        }
    }
}

impl Operand {
    fn resolve<'a>(&'a self, current: &'a Value, scope: Scope<'a>) -> Option<Cow<'a, Value>> {
        match self {
            Operand::Current(path) => path.evaluate(Scope {
                input: current,
                ..scope
            }),
            Operand::Root(path) => path.evaluate(scope),
            Operand::Literal(v) => Some(Cow::Borrowed(v)),
        }
    }
}

fn compare(l: &Value, op: CompareOp, r: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (l, r) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        CompareOp::Eq => ordering.map_or(l == r, |o| o == Ordering::Equal),
        CompareOp::Ne => ordering.map_or(l != r, |o| o != Ordering::Equal),
        CompareOp::Lt => ordering == Some(Ordering::Less),
        CompareOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => ordering == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// How deeply filter expressions may nest (`!`, parentheses, a filter inside a filter's
/// path). The parser recurses once per level, so without a bound a long enough path
/// overflows the stack; Step Functions documents no bound, and real paths nest a few
/// levels at most.
const MAX_FILTER_NESTING: usize = 64;

struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    pos: usize,
    /// Filter expressions open around the current position.
    depth: usize,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
        }
    }

    fn error(&self, reason: impl Into<String>) -> PathSyntaxError {
        PathSyntaxError {
            path: self.text.to_owned(),
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn parse_path(mut self) -> Result<JsonPath, PathSyntaxError> {
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        let root = if self.eat('$') {
            Root::Context
        } else if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                self.pos += 1;
            }
            Root::Variable(self.chars[start..self.pos].iter().collect())
        } else {
            Root::Input
        };
        let segments = self.parse_segments(&[])?;
        if self.pos < self.chars.len() {
            return Err(self.error(format!("unexpected '{}'", self.chars[self.pos])));
        }
        let definite = segments
            .iter()
            .all(|s| matches!(s, Segment::Child(_) | Segment::Index(_) | Segment::Length));
        Ok(JsonPath {
            text: self.text.to_owned(),
            root,
            segments,
            definite,
        })
    }

    /// Parses segments until the end or one of `stops` (used inside filters).
    fn parse_segments(&mut self, stops: &[char]) -> Result<Vec<Segment>, PathSyntaxError> {
        let mut segments = Vec::new();
        while let Some(c) = self.peek() {
            if stops.contains(&c) || c.is_whitespace() && !stops.is_empty() {
                break;
            }
            match c {
                '.' => {
                    self.pos += 1;
                    if self.eat('.') {
                        if self.eat('*') {
                            segments.push(Segment::DeepWildcard);
                        } else if self.peek() == Some('[') {
                            // `..[...]`: a bracket applied at every depth.
                            let inner = self.parse_bracket()?;
                            segments.push(match inner {
                                Segment::Names(n) if n.len() == 1 => {
                                    Segment::DeepChild(n.into_iter().next().unwrap_or_default())
                                }
                                Segment::Wildcard => Segment::DeepWildcard,
                                _ => return Err(self.error("unsupported deep-scan bracket")),
                            });
                        } else {
                            let name = self.parse_name(stops)?;
                            segments.push(Segment::DeepChild(name));
                        }
                    } else if self.eat('*') {
                        segments.push(Segment::Wildcard);
                    } else {
                        let name = self.parse_name(stops)?;
                        if name == "length()" {
                            segments.push(Segment::Length);
                        } else {
                            segments.push(Segment::Child(name));
                        }
                    }
                }
                '[' => {
                    let segment = self.parse_bracket()?;
                    segments.push(match segment {
                        Segment::Names(mut n) if n.len() == 1 => Segment::Child(n.remove(0)),
                        Segment::Indexes(i) if i.len() == 1 => Segment::Index(i[0]),
                        other => other,
                    });
                }
                _ => return Err(self.error(format!("unexpected '{c}'"))),
            }
        }
        Ok(segments)
    }

    fn parse_name(&mut self, stops: &[char]) -> Result<String, PathSyntaxError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '.'
                || c == '['
                || stops.contains(&c)
                || (!stops.is_empty() && c.is_whitespace())
            {
                break;
            }
            if !stops.is_empty() && matches!(c, '=' | '!' | '<' | '>' | '&' | '|') {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("empty name after '.'"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn parse_bracket(&mut self) -> Result<Segment, PathSyntaxError> {
        self.pos += 1; // '['
        self.skip_ws();
        let segment = match self.peek() {
            Some('*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some('?') => {
                self.pos += 1;
                self.skip_ws();
                if !self.eat('(') {
                    return Err(self.error("expected '(' after '?'"));
                }
                let filter = self.parse_or()?;
                self.skip_ws();
                if !self.eat(')') {
                    return Err(self.error("expected ')' to close the filter"));
                }
                Segment::Filter(Box::new(filter))
            }
            Some('\'' | '"') => {
                let mut names = vec![self.parse_quoted()?];
                self.skip_ws();
                while self.eat(',') {
                    self.skip_ws();
                    names.push(self.parse_quoted()?);
                    self.skip_ws();
                }
                Segment::Names(names)
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.parse_indexes()?,
            _ => return Err(self.error("unexpected content in brackets")),
        };
        self.skip_ws();
        if !self.eat(']') {
            return Err(self.error("expected ']'"));
        }
        Ok(segment)
    }

    fn parse_quoted(&mut self) -> Result<String, PathSyntaxError> {
        let Some(quote) = self.peek().filter(|c| *c == '\'' || *c == '"') else {
            return Err(self.error("expected a quoted name"));
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated quoted name")),
                // A backslash escapes the delimiting quote; before anything else it is
                // kept (recorded on AWS: `$['Test\""Name"']` selects the key
                // `Test\""Name"`).
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) if c == quote => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => out.push('\\'),
                    }
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn parse_int(&mut self) -> Result<Option<i64>, PathSyntaxError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse()
            .map(Some)
            .map_err(|_| self.error(format!("bad index '{text}'")))
    }

    fn parse_indexes(&mut self) -> Result<Segment, PathSyntaxError> {
        let first = self.parse_int()?;
        self.skip_ws();
        if self.eat(':') {
            let end = self.parse_int()?;
            self.skip_ws();
            let step = if self.eat(':') {
                self.parse_int()?
            } else {
                None
            };
            return Ok(Segment::Slice(first, end, step));
        }
        let Some(first) = first else {
            return Err(self.error("expected an index"));
        };
        let mut indexes = vec![first];
        self.skip_ws();
        while self.eat(',') {
            match self.parse_int()? {
                Some(i) => indexes.push(i),
                None => return Err(self.error("expected an index after ','")),
            }
            self.skip_ws();
        }
        Ok(Segment::Indexes(indexes))
    }

    fn parse_or(&mut self) -> Result<Filter, PathSyntaxError> {
        let mut left = self.parse_and()?;
        loop {
            self.skip_ws();
            if self.peek() == Some('|') && self.peek_at(1) == Some('|') {
                self.pos += 2;
                let right = self.parse_and()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn parse_and(&mut self) -> Result<Filter, PathSyntaxError> {
        let mut left = self.parse_unary()?;
        loop {
            self.skip_ws();
            if self.peek() == Some('&') && self.peek_at(1) == Some('&') {
                self.pos += 2;
                let right = self.parse_unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    /// Every level of nesting passes through here, so this is where depth is counted.
    fn parse_unary(&mut self) -> Result<Filter, PathSyntaxError> {
        if self.depth >= MAX_FILTER_NESTING {
            return Err(self.error(format!(
                "filters are nested deeper than {MAX_FILTER_NESTING} levels"
            )));
        }
        self.depth += 1;
        let filter = self.parse_unary_here();
        self.depth -= 1;
        filter
    }

    fn parse_unary_here(&mut self) -> Result<Filter, PathSyntaxError> {
        self.skip_ws();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.parse_unary()?)));
        }
        if self.eat('(') {
            let inner = self.parse_or()?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.error("expected ')'"));
            }
            return Ok(inner);
        }
        let left = self.parse_operand()?;
        self.skip_ws();
        let op = match (self.peek(), self.peek_at(1)) {
            (Some('='), Some('=')) => Some((CompareOp::Eq, 2)),
            (Some('!'), Some('=')) => Some((CompareOp::Ne, 2)),
            (Some('<'), Some('=')) => Some((CompareOp::Le, 2)),
            (Some('>'), Some('=')) => Some((CompareOp::Ge, 2)),
            (Some('<'), _) => Some((CompareOp::Lt, 1)),
            (Some('>'), _) => Some((CompareOp::Gt, 1)),
            (Some('='), Some('~')) => {
                return Err(self.error("unsupported: regular expressions in filters"));
            }
            _ => None,
        };
        match op {
            Some((op, width)) => {
                self.pos += width;
                let right = self.parse_operand()?;
                Ok(Filter::Compare(left, op, right))
            }
            None => Ok(Filter::Exists(left)),
        }
    }

    fn parse_operand(&mut self) -> Result<Operand, PathSyntaxError> {
        self.skip_ws();
        match self.peek() {
            Some('@') => {
                self.pos += 1;
                let segments = self.parse_segments(&[')', ']', ','])?;
                Ok(Operand::Current(relative_path(segments)))
            }
            Some('$') => {
                self.pos += 1;
                let root = if self.eat('$') {
                    Root::Context
                } else {
                    Root::Input
                };
                let segments = self.parse_segments(&[')', ']', ','])?;
                let mut path = relative_path(segments);
                path.root = root;
                Ok(Operand::Root(path))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.parse_quoted()?))),
            Some(_) => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | '_'))
                {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                serde_json::from_str::<Value>(&word)
                    .map(Operand::Literal)
                    .map_err(|_| self.error(format!("bad filter operand '{word}'")))
            }
            None => Err(self.error("unterminated filter")),
        }
    }
}

fn relative_path(segments: Vec<Segment>) -> JsonPath {
    let definite = segments
        .iter()
        .all(|s| matches!(s, Segment::Child(_) | Segment::Index(_) | Segment::Length));
    JsonPath {
        text: String::new(),
        root: Root::Input,
        segments,
        definite,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(path: &str, input: &Value) -> Option<Value> {
        let context = json!({"Execution": {"Id": "arn:x"}});
        JsonPath::parse(path)
            .unwrap_or_else(|e| panic!("{e}"))
            .evaluate(Scope::new(input, &context))
            .map(Cow::into_owned)
    }

    /// Recorded on AWS: inside a quoted bracket name, a backslash escapes only the
    /// delimiting quote and is otherwise part of the name.
    #[test]
    fn a_backslash_in_a_quoted_name_escapes_only_its_quote() {
        let input = json!({"Test\\\"\"Name\"": "found", "it's": 1, "a\\b": 2});
        assert_eq!(eval(r#"$['Test\""Name"']"#, &input), Some(json!("found")));
        assert_eq!(eval(r"$['it\'s']", &input), Some(json!(1)));
        assert_eq!(eval(r"$['a\b']", &input), Some(json!(2)));
    }

    #[test]
    fn evaluates_the_jayway_dialect() {
        let input = json!({
            "a": {"b": [1, 2, 3], "c d": "x"},
            "items": [{"n": 1, "t": "a"}, {"n": 5, "t": "b"}, {"n": 9}],
            "nul": null
        });
        let cases: &[(&str, Option<Value>)] = &[
            ("$", Some(input.clone())),
            ("$.a.b", Some(json!([1, 2, 3]))),
            ("$.a.b[1]", Some(json!(2))),
            ("$.a.b[-1]", Some(json!(3))),
            ("$['a']['c d']", Some(json!("x"))),
            ("$.a.missing", None),
            ("$.a.b[7]", None),
            ("$.nul", Some(Value::Null)),
            ("$.nul.x", None),
            ("$.items[*].n", Some(json!([1, 5, 9]))),
            ("$.items[0,2].n", Some(json!([1, 9]))),
            ("$.items[1:].n", Some(json!([5, 9]))),
            ("$.items[:2].n", Some(json!([1, 5]))),
            ("$..n", Some(json!([1, 5, 9]))),
            ("$.items[?(@.n > 2)].n", Some(json!([5, 9]))),
            ("$.items[?(@.t == 'b')].n", Some(json!([5]))),
            ("$.items[?(@.t)].n", Some(json!([1, 5]))),
            ("$.items[?(@.n >= 5 && @.t)].n", Some(json!([5]))),
            ("$.items[?(@.n < 2 || @.n > 8)].n", Some(json!([1, 9]))),
            ("$.missing[*]", Some(json!([]))),
            ("$.a.b.length()", Some(json!(3))),
            ("$$.Execution.Id", Some(json!("arn:x"))),
        ];
        for (path, expected) in cases {
            assert_eq!(&eval(path, &input), expected, "{path}");
        }
    }

    #[test]
    fn variables_resolve_from_the_scope() {
        let mut vars = serde_json::Map::new();
        vars.insert("order".into(), json!({"id": 7}));
        let path = JsonPath::parse("$order.id").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(path.root(), &Root::Variable("order".into()));
        let scope = Scope {
            input: &Value::Null,
            context: &Value::Null,
            variables: Some(&vars),
        };
        assert_eq!(path.evaluate(scope).map(Cow::into_owned), Some(json!(7)));
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["", "a.b", "$.", "$[", "$['a'", "$.a[?(@.x =~ /a/)]", "$[x]"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }

    /// Found by the jsonpath fuzz target: thousands of nested `!`, `(` or filters inside
    /// filters overflowed the parser's stack and took the process down.
    #[test]
    fn deeply_nested_filters_are_refused_not_a_stack_overflow() {
        let deep = [
            format!("$[?({}@.a)]", "!".repeat(100_000)),
            format!("$[?({}@.a{})]", "(".repeat(100_000), ")".repeat(100_000)),
            format!("${}", "[?(@".repeat(100_000)),
        ];
        for path in &deep {
            let e = JsonPath::parse(path).expect_err("too deep");
            assert!(e.reason.contains("nested deeper than 64"), "{}", e.reason);
        }
        let nested = format!("$[?({}@.a{})]", "(".repeat(60), ")".repeat(60));
        assert!(JsonPath::parse(&nested).is_ok());
        assert!(JsonPath::parse("$[?(@.a[?(@.b[?(!@.c)])])]").is_ok());
    }

    #[test]
    fn renders_the_normalized_form() {
        let path = JsonPath::parse("$.a.b[0]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(path.normalized(), "$['a']['b'][0]");
        assert!(path.is_reference());
        assert!(
            !JsonPath::parse("$.a[*]")
                .unwrap_or_else(|e| panic!("{e}"))
                .is_reference()
        );
    }
}
