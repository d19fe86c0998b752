//! A subset of the CloudWatch Logs Insights query language, run over the lines a cloud's
//! log groups keep: `fields`, `filter`, `sort`, `limit` and `stats … by`, each a command
//! after a `|`. What is served:
//!
//! - `fields f1, f2, …`: the fields each result shows (`@timestamp, @message` without it);
//! - `filter EXPR`: comparisons `f = v`, `!=`, `<`, `<=`, `>`, `>=` with a quoted string or
//!   a number, `f like "text"` (a substring), `f like /regex/`, `f not like …`,
//!   `ispresent(f)`, joined by `and`, `or`, `not` and parentheses;
//! - `sort f [asc|desc]` (desc by default, as Logs Insights sorts);
//! - `limit N`;
//! - `stats count(*)`, `count(f)`, `sum(f)`, `avg(f)`, `min(f)`, `max(f)` `[as name]`, …
//!   `[by f1, f2]`.
//!
//! Fields are `@timestamp`, `@message`, `@log`, `@logStream`, `@ptr`, and those of a JSON
//! message, nested ones named with dots (`detail.orderId`), as Logs Insights discovers
//! them. A query with any other command is refused with the command named.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

/// How deep nested JSON fields are discovered.
const FIELD_DEPTH: usize = 4;
/// How deep a filter may nest (`not`, parentheses): parsing, evaluating and dropping an
/// expression recurse once a level, so a crafted query cannot exhaust the stack.
const MAX_NESTING: usize = 64;

/// One log event as a query sees it: its fields by name.
#[derive(Debug, Clone, Default)]
pub struct Record {
    fields: Map<String, Value>,
}

impl Record {
    /// A line of `group` at `timestamp_ms`, `seq` its pointer.
    pub fn new(group: &str, account: &str, seq: u64, timestamp_ms: i64, text: &str) -> Self {
        let mut fields = Map::new();
        if let Ok(Value::Object(json)) = serde_json::from_str::<Value>(text) {
            flatten("", &json, 0, &mut fields);
        }
        let at = orderly_core::clock::utc_of_ms(timestamp_ms);
        let stamp = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        );
        fields.insert("@timestamp".into(), Value::String(stamp));
        fields.insert("@message".into(), Value::String(text.to_owned()));
        fields.insert("@log".into(), Value::String(format!("{account}:{group}")));
        fields.insert(
            "@logStream".into(),
            Value::String(crate::server::logs::STREAM.into()),
        );
        fields.insert("@ptr".into(), Value::String(format!("{group}/{seq}")));
        Self { fields }
    }

    fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }
}

fn flatten(prefix: &str, object: &Map<String, Value>, depth: usize, out: &mut Map<String, Value>) {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) if depth + 1 < FIELD_DEPTH => {
                flatten(&name, inner, depth + 1, out)
            }
            other => {
                out.insert(name, other.clone());
            }
        }
    }
}

/// A field's value as a result shows it: a string as is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug)]
enum Literal {
    Text(String),
    Number(f64),
}

#[derive(Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(String, &'static str, Literal),
    /// `f like …`, or with `true` `f not like …`: either way false where `f` is absent.
    Like(String, Regex, bool),
    Present(String),
}

impl Expr {
    fn holds(&self, record: &Record) -> bool {
        match self {
            Expr::And(a, b) => a.holds(record) && b.holds(record),
            Expr::Or(a, b) => a.holds(record) || b.holds(record),
            Expr::Not(e) => !e.holds(record),
            Expr::Present(f) => record.get(f).is_some_and(|v| !v.is_null()),
            Expr::Like(f, re, negated) => record
                .get(f)
                .is_some_and(|v| re.is_match(&text(v)) != *negated),
            Expr::Compare(f, op, literal) => {
                let Some(value) = record.get(f) else {
                    return false;
                };
                let ordering = match literal {
                    Literal::Number(n) => match value.as_f64().or_else(|| text(value).parse().ok())
                    {
                        Some(v) => v.partial_cmp(n),
                        None => return false,
                    },
                    Literal::Text(t) => Some(text(value).as_str().cmp(t.as_str())),
                };
                let Some(ordering) = ordering else {
                    return false;
                };
                match *op {
                    "=" => ordering == Ordering::Equal,
                    "!=" => ordering != Ordering::Equal,
                    "<" => ordering == Ordering::Less,
                    "<=" => ordering != Ordering::Greater,
                    ">" => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Function {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug)]
struct Aggregate {
    function: Function,
    field: Option<String>,
    name: String,
}

#[derive(Debug)]
enum Command {
    Fields(Vec<String>),
    Filter(Expr),
    Sort(String, bool),
    Limit(usize),
    Stats(Vec<Aggregate>, Vec<String>),
}

/// A parsed query.
#[derive(Debug)]
pub struct Query {
    commands: Vec<Command>,
}

/// One result row: (field, value) pairs in the order the query names them.
pub type Row = Vec<(String, String)>;

impl Query {
    /// Parses a query.
    ///
    /// # Errors
    ///
    /// What is malformed or not served, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let commands = split_outside_quotes(text, '|')
            .into_iter()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(command)
            .collect::<Result<Vec<_>, _>>()?;
        if commands.is_empty() {
            return Err("the query is empty".into());
        }
        Ok(Self { commands })
    }

    /// Runs the query over `records` (in time order); at most `limit` rows.
    pub fn run(&self, records: Vec<Record>, limit: usize) -> Vec<Row> {
        let mut records = records;
        let mut shown: Option<Vec<String>> = None;
        let mut limit = limit;
        let mut rows: Option<Vec<Row>> = None;
        for command in &self.commands {
            match command {
                Command::Fields(f) => shown = Some(f.clone()),
                Command::Filter(e) => records.retain(|r| e.holds(r)),
                Command::Sort(field, descending) => {
                    records.sort_by(|a, b| {
                        let ordering = compare(a.get(field), b.get(field));
                        if *descending {
                            ordering.reverse()
                        } else {
                            ordering
                        }
                    });
                }
                Command::Limit(n) => limit = limit.min(*n),
                Command::Stats(aggregates, by) => rows = Some(stats(&records, aggregates, by)),
            }
        }
        if let Some(mut rows) = rows {
            rows.truncate(limit);
            return rows;
        }
        let shown = shown.unwrap_or_else(|| vec!["@timestamp".into(), "@message".into()]);
        records
            .iter()
            .take(limit)
            .map(|r| {
                let mut row: Row = shown
                    .iter()
                    .filter_map(|f| r.get(f).map(|v| (f.clone(), text(v))))
                    .collect();
                if let Some(ptr) = r.get("@ptr") {
                    row.push(("@ptr".into(), text(ptr)));
                }
                row
            })
            .collect()
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => text(x).cmp(&text(y)),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

fn stats(records: &[Record], aggregates: &[Aggregate], by: &[String]) -> Vec<Row> {
    let mut groups: BTreeMap<Vec<String>, Vec<&Record>> = BTreeMap::new();
    for record in records {
        let key = by
            .iter()
            .map(|f| record.get(f).map(text).unwrap_or_default())
            .collect();
        groups.entry(key).or_default().push(record);
    }
    groups
        .into_iter()
        .map(|(key, members)| {
            let mut row: Row = by.iter().cloned().zip(key).collect();
            for aggregate in aggregates {
                row.push((aggregate.name.clone(), aggregate.over(&members)));
            }
            row
        })
        .collect()
}

impl Aggregate {
    fn over(&self, records: &[&Record]) -> String {
        let numbers = || {
            records.iter().filter_map(|r| {
                let v = r.get(self.field.as_deref()?)?;
                v.as_f64().or_else(|| text(v).parse().ok())
            })
        };
        let value = match self.function {
            Function::Count => match &self.field {
                None => records.len() as f64,
                Some(f) => records.iter().filter(|r| r.get(f).is_some()).count() as f64,
            },
            Function::Sum => numbers().sum(),
            Function::Avg => {
                let (sum, n) = numbers().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                if n == 0 {
                    return String::new();
                }
                sum / n as f64
            }
            Function::Min => match numbers().reduce(f64::min) {
                Some(v) => v,
                None => return String::new(),
            },
            Function::Max => match numbers().reduce(f64::max) {
                Some(v) => v,
                None => return String::new(),
            },
        };
        if value.fract() == 0.0 && value.abs() < 9.0e15 {
            format!("{}", value as i64)
        } else {
            value.to_string()
        }
    }
}

/// Splits `text` at `separator` where it is outside quotes and `/regex/` literals.
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '/' || c == '`' => quote = Some(c),
            None if c == separator => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn command(text: &str) -> Result<Command, String> {
    let (name, rest) = text
        .split_once(char::is_whitespace)
        .map_or((text, ""), |(n, r)| (n, r.trim()));
    match name.to_ascii_lowercase().as_str() {
        "fields" => Ok(Command::Fields(field_list(rest)?)),
        "filter" => {
            let tokens = tokens(rest)?;
            let mut parser = Parser {
                tokens,
                at: 0,
                depth: 0,
            };
            let expr = parser.or()?;
            if parser.at != parser.tokens.len() {
                return Err(format!(
                    "unexpected {:?} in filter",
                    parser.tokens[parser.at]
                ));
            }
            Ok(Command::Filter(expr))
        }
        "sort" => {
            let mut words = rest.split_whitespace();
            let field = words.next().ok_or("sort needs a field")?.to_owned();
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("desc") => true,
                Some("asc") => false,
                Some(other) => return Err(format!("sort order {other} is not asc or desc")),
            };
            Ok(Command::Sort(field, descending))
        }
        "limit" => rest
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .map(Command::Limit)
            .ok_or_else(|| format!("limit {rest} is not a number from 1 to 10000")),
        "stats" => stats_command(rest),
        other => Err(format!(
            "the command {other} is not served here (fields, filter, sort, limit, stats are)"
        )),
    }
}

fn field_list(text: &str) -> Result<Vec<String>, String> {
    let fields: Vec<String> = text
        .split(',')
        .map(|f| f.trim().trim_matches('`').to_owned())
        .collect();
    if fields
        .iter()
        .any(|f| f.is_empty() || f.contains(char::is_whitespace))
    {
        return Err(format!("{text:?} is not a list of fields"));
    }
    Ok(fields)
}

fn stats_command(text: &str) -> Result<Command, String> {
    let lower = text.to_ascii_lowercase();
    let (aggregates, by) = match lower.find(" by ") {
        Some(at) => (&text[..at], Some(&text[at + 4..])),
        None => (text, None),
    };
    let aggregates = split_outside_quotes(aggregates, ',')
        .into_iter()
        .map(|a| aggregate(a.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let by = by.map(field_list).transpose()?.unwrap_or_default();
    Ok(Command::Stats(aggregates, by))
}

fn aggregate(text: &str) -> Result<Aggregate, String> {
    let (call, alias) = match text.to_ascii_lowercase().find(" as ") {
        Some(at) => (text[..at].trim(), Some(text[at + 4..].trim().to_owned())),
        None => (text, None),
    };
    let (name, args) = call
        .strip_suffix(')')
        .and_then(|c| c.split_once('('))
        .ok_or_else(|| format!("{call:?} is not a function call"))?;
    let function = match name.trim().to_ascii_lowercase().as_str() {
        "count" => Function::Count,
        "sum" => Function::Sum,
        "avg" => Function::Avg,
        "min" => Function::Min,
        "max" => Function::Max,
        other => {
            return Err(format!(
                "the function {other} is not served here (count, sum, avg, min, max are)"
            ));
        }
    };
    let args = args.trim();
    let field = match args {
        "" | "*" if function == Function::Count => None,
        "" | "*" => return Err(format!("{name} needs a field")),
        field => Some(field.trim_matches('`').to_owned()),
    };
    Ok(Aggregate {
        function,
        field,
        name: alias.unwrap_or_else(|| call.to_owned()),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Pattern(String),
    Op(&'static str),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '"' | '\'' | '/' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| format!("unclosed {c} in filter"))?;
                let inner: String = chars[i + 1..i + 1 + end].iter().collect();
                out.push(if c == '/' {
                    Token::Pattern(inner)
                } else {
                    Token::Text(inner)
                });
                i += end + 2;
            }
            '=' | '!' | '<' | '>' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = match two.as_str() {
                    "!=" => "!=",
                    "<=" => "<=",
                    ">=" => ">=",
                    "==" => "=",
                    _ => match c {
                        '=' => "=",
                        '<' => "<",
                        '>' => ">",
                        _ => return Err("a lone ! in filter".into()),
                    },
                };
                i += if matches!(two.as_str(), "!=" | "<=" | ">=" | "==") {
                    2
                } else {
                    1
                };
                out.push(Token::Op(op));
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r()=!<>\"'".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.parse::<f64>() {
                    Ok(n) if !word.starts_with('@') => out.push(Token::Number(n)),
                    _ => out.push(Token::Word(word.trim_matches('`').to_owned())),
                }
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// `not`s and parentheses open around the token at `at`.
    depth: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        let expr = self.nested();
        self.depth -= 1;
        expr
    }

    fn nested(&mut self) -> Result<Expr, String> {
        if self.depth > MAX_NESTING {
            return Err(format!("the filter nests deeper than {MAX_NESTING} levels"));
        }
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a ( without its )".into()),
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("ispresent") => {
                match (self.next(), self.next(), self.next()) {
                    (Some(Token::Open), Some(Token::Word(f)), Some(Token::Close)) => {
                        Ok(Expr::Present(f))
                    }
                    _ => Err("ispresent takes one field".into()),
                }
            }
            Some(Token::Word(field)) => self.condition(field),
            other => Err(format!("expected a field, found {other:?}")),
        }
    }

    fn condition(&mut self, field: String) -> Result<Expr, String> {
        let negated = self.peek_word("not");
        if negated {
            self.at += 1;
        }
        if self.peek_word("like") {
            self.at += 1;
            let re = match self.next() {
                Some(Token::Text(t)) => Regex::new(&regex::escape(&t)),
                Some(Token::Pattern(p)) => Regex::new(&p),
                other => return Err(format!("like needs a string or /regex/, found {other:?}")),
            }
            .map_err(|e| format!("bad regex: {e}"))?;
            return Ok(Expr::Like(field, re, negated));
        }
        if negated {
            return Err("not must be followed by like here".into());
        }
        let Some(Token::Op(op)) = self.next() else {
            return Err(format!("expected a comparison after {field}"));
        };
        let literal = match self.next() {
            Some(Token::Text(t)) => Literal::Text(t),
            Some(Token::Number(n)) => Literal::Number(n),
            Some(Token::Word(w)) => Literal::Text(w),
            other => return Err(format!("expected a value after {op}, found {other:?}")),
        };
        Ok(Expr::Compare(field, op, literal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<Record> {
        [
            r#"{"level":"INFO","function_name":"audit","correlation_id":"c-1","detail":{"total":10}}"#,
            r#"{"level":"ERROR","function_name":"ship","correlation_id":"c-1","detail":{"total":30}}"#,
            r#"{"level":"INFO","function_name":"ship","correlation_id":"c-2"}"#,
            "plain text line c-2",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Record::new("/g", "000000000000", i as u64, 1_000 * i as i64, t))
        .collect()
    }

    fn run(query: &str) -> Vec<Row> {
        Query::parse(query).unwrap().run(records(), 10_000)
    }

    #[test]
    fn the_saved_correlation_query_runs() {
        let rows = run(
            "fields @timestamp, @log, @message\n| filter @message like \"c-1\"\n| sort @timestamp asc\n| limit 1000",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0][0],
            ("@timestamp".into(), "1970-01-01 00:00:00.000".into())
        );
        assert_eq!(rows[0][1], ("@log".into(), "000000000000:/g".into()));
        assert_eq!(rows[0][3].0, "@ptr");
    }

    #[test]
    fn filters_compare_match_and_combine() {
        assert_eq!(run("filter level = \"ERROR\"").len(), 1);
        assert_eq!(
            run("filter detail.total >= 10 and detail.total < 30").len(),
            1
        );
        assert_eq!(
            run("filter level != 'INFO'").len(),
            1,
            "absent fields never compare"
        );
        assert_eq!(
            run("filter @message like /c-[12]/ or ispresent(level)").len(),
            4
        );
        assert_eq!(run("filter not ispresent(level)").len(), 1);
        assert_eq!(run("filter function_name not like \"au\"").len(), 2);
        assert_eq!(
            run("filter (level = \"INFO\") and correlation_id = \"c-2\"").len(),
            1
        );
    }

    #[test]
    fn sort_limit_and_stats() {
        let rows = run("fields function_name | sort @timestamp | limit 2");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            vec![("@ptr".into(), "/g/3".into())],
            "newest first"
        );
        let rows = run("stats count(*) as n, max(detail.total) by function_name");
        assert_eq!(
            rows,
            vec![
                vec![
                    ("function_name".into(), String::new()),
                    ("n".into(), "1".into()),
                    ("max(detail.total)".into(), String::new()),
                ],
                vec![
                    ("function_name".into(), "audit".into()),
                    ("n".into(), "1".into()),
                    ("max(detail.total)".into(), "10".into()),
                ],
                vec![
                    ("function_name".into(), "ship".into()),
                    ("n".into(), "2".into()),
                    ("max(detail.total)".into(), "30".into()),
                ],
            ]
        );
    }

    #[test]
    fn what_is_not_served_is_refused_by_name() {
        for (query, words) in [
            ("parse @message \"* *\" as a, b", "parse"),
            ("stats pct(x, 50)", "pct"),
            ("filter x like", "like needs"),
            ("filter (a = 1", "("),
            ("limit 0", "limit"),
            ("sort x sideways", "sort order"),
            ("", "empty"),
            ("filter a = \"open", "unclosed"),
            (
                &format!("filter {}a = 1{}", "(".repeat(100_000), ")".repeat(100_000)),
                "nests",
            ),
            (&format!("filter {}a = 1", "not ".repeat(100_000)), "nests"),
        ] {
            let err = Query::parse(query).unwrap_err();
            assert!(err.contains(words), "{query}: {err}");
        }
    }
}
