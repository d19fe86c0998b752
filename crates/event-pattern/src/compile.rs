//! Pattern text to sub-rules, checked as EventBridge checks it.
//!
//! A pattern compiles to one or more sub-rules (one per branch of its `$or`s); a sub-rule maps
//! each field path to its alternatives, and matches when every path matches. The walk follows
//! the reference compiler step by step, so the same pattern fails with the same reason at the
//! same parser location, and a key given twice keeps its last value.

use crate::cidr::IpRange;
use crate::error::PatternError;
use crate::hash::FxSet;
use crate::number;
use crate::tokens::{Token, Tokens};
use crate::value::{AnythingBut, Bound, Keyword, ValuePattern};
use crate::wildcard::Wildcard;
use crate::work::{Exhausted, FIELD_UNITS, Work};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The alternatives of one field, shared by every sub-rule that holds the field: `$or`
/// copies a field into each of its branches, and a shared list makes that copy one
/// reference count, not a copy of the list.
pub(crate) type Alternatives = Arc<Vec<ValuePattern>>;

/// Field path (keys joined by `.`) to the alternatives for it.
pub(crate) type SubRule = BTreeMap<Arc<str>, Alternatives>;

const OR: &str = "$or";

/// Names that may not be field names inside `$or`.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

/// Compiles pattern text, spending `work` as it goes (see `work.rs`).
pub(crate) fn compile(text: &str, work: &mut Work) -> Result<Vec<SubRule>, PatternError> {
    // Reading the text is linear in it.
    work.spend(text.len())?;
    let mut c = Compiler {
        t: Tokens::new(text),
        path: Vec::new(),
        work,
    };
    if c.t.next_token()? != Token::StartObject {
        return Err(c.t.error("Filter is not an object"));
    }
    let mut rules = Vec::new();
    c.object(&mut rules, false)?;
    // Text after the pattern's object is not read, as in the reference compiler.
    check_wildcard_complexity(&rules, c.work)?;
    Ok(rules)
}

struct Compiler<'a, 'w> {
    t: Tokens<'a>,
    path: Vec<String>,
    work: &'w mut Work,
}

impl From<Exhausted> for PatternError {
    fn from(_: Exhausted) -> Self {
        too_complex()
    }
}

/// The text the reference parser gives for a token.
fn token_text(token: &Token) -> String {
    match token {
        Token::StartObject => "{".into(),
        Token::EndObject => "}".into(),
        Token::StartArray => "[".into(),
        Token::EndArray => "]".into(),
        Token::FieldName(s) | Token::String(s) | Token::Number(s) => s.clone(),
        Token::True => "true".into(),
        Token::False => "false".into(),
        Token::Null => "null".into(),
        Token::Eof => "null".into(),
    }
}

impl Compiler<'_, '_> {
    fn barf(&self, message: impl Into<String>) -> PatternError {
        self.t.error(message)
    }

    /// Errors raised inside the reference compiler's list loops are wrapped once more, so
    /// their location is appended twice.
    fn barf_twice(&self, message: impl Into<String>) -> PatternError {
        let inner = self.t.error(message);
        self.t.error(inner.to_string())
    }

    fn extended(&self, step: &str) -> String {
        if self.path.is_empty() {
            step.to_owned()
        } else {
            format!("{}.{step}", self.path.join("."))
        }
    }

    fn object(&mut self, rules: &mut Vec<SubRule>, in_or: bool) -> Result<(), PatternError> {
        let mut fields = false;
        loop {
            let name = match self.t.next_token()? {
                Token::EndObject => break,
                Token::FieldName(name) => name,
                other => return Err(self.barf(format!("Unexpected token {}", token_text(&other)))),
            };
            fields = true;
            if name == OR {
                self.or(rules)?;
                continue;
            }
            if in_or && RESERVED_IN_OR.contains(&name.as_str()) {
                return Err(self.barf(format!(
                    "{name} is Ruler reserved fieldName which cannot be used inside {OR}."
                )));
            }
            match self.t.next_token()? {
                Token::StartObject => {
                    self.path.push(name);
                    self.object(rules, in_or)?;
                    self.path.pop();
                }
                Token::StartArray => {
                    let full = self.extended(&name);
                    self.values(rules, full)?;
                }
                _ => return Err(self.barf(format!("\"{name}\" must be an object or an array"))),
            }
        }
        if !fields {
            return Err(self.barf("Empty objects are not allowed"));
        }
        Ok(())
    }

    fn or(&mut self, rules: &mut Vec<SubRule>) -> Result<(), PatternError> {
        let current = std::mem::take(rules);
        if self.t.next_token()? != Token::StartArray {
            return Err(self.barf(format!("It must be an Array followed with {OR}.")));
        }
        let mut branches = 0;
        loop {
            match self.t.next_token()? {
                Token::EndArray => break,
                Token::StartObject => {
                    branches += 1;
                    // Each branch starts from a copy of the sub-rules so far.
                    self.work
                        .spend(FIELD_UNITS * current.iter().map(|r| 1 + r.len()).sum::<usize>())?;
                    let mut branch = current.clone();
                    if branch.is_empty() {
                        branch.push(SubRule::new());
                    }
                    self.object(&mut branch, true)?;
                    rules.extend(branch);
                    if rules.len() > MAX_SUB_RULES {
                        return Err(too_complex());
                    }
                }
                _ => {
                    return Err(self.barf(format!(
                        "Only JSON object is allowed in array of {OR} relationship."
                    )));
                }
            }
        }
        if branches < 2 {
            return Err(self.barf(format!(
                "There must have at least 2 Objects in {OR} relationship."
            )));
        }
        Ok(())
    }

    /// The array of alternatives for one field.
    fn values(&mut self, rules: &mut Vec<SubRule>, name: String) -> Result<(), PatternError> {
        let mut values = Vec::new();
        loop {
            match self.t.next_token()? {
                Token::EndArray => break,
                Token::StartObject => values.push(self.match_expression()?),
                Token::String(s) => {
                    self.t.finish_string();
                    values.push(match IpRange::single(&s) {
                        Some(ip) => ValuePattern::Ip(ip),
                        None => ValuePattern::Exact(s),
                    });
                }
                Token::Number(text) => values.push(ValuePattern::Number {
                    value: number::comparable(&text),
                    text,
                }),
                Token::Null => values.push(ValuePattern::Keyword(Keyword::Null)),
                Token::True => values.push(ValuePattern::Keyword(Keyword::True)),
                Token::False => values.push(ValuePattern::Keyword(Keyword::False)),
                _ => {
                    return Err(
                        self.barf("Match value must be String, number, true, false, or null")
                    );
                }
            }
        }
        if values.is_empty() {
            return Err(self.barf("Empty arrays are not allowed"));
        }
        if rules.is_empty() {
            rules.push(SubRule::new());
        }
        self.work.spend(FIELD_UNITS * rules.len())?;
        let name: Arc<str> = name.into();
        let values: Alternatives = Arc::new(values);
        for rule in rules.iter_mut() {
            rule.insert(name.clone(), values.clone());
        }
        Ok(())
    }

    fn end_object(&mut self) -> Result<(), PatternError> {
        if self.t.next_token()? != Token::EndObject {
            return Err(self.barf("Only one key allowed in match expression"));
        }
        Ok(())
    }

    fn string_operand(&mut self, wrong_type: &str) -> Result<String, PatternError> {
        match self.t.next_token()? {
            Token::String(s) => {
                self.t.finish_string();
                Ok(s)
            }
            _ => Err(self.barf(wrong_type)),
        }
    }

    fn match_expression(&mut self) -> Result<ValuePattern, PatternError> {
        let Token::FieldName(kind) = self.t.next_token()? else {
            return Err(self.barf("Match expression name not found"));
        };
        let pattern = match kind.as_str() {
            "exactly" => {
                let s = self.string_operand("exact match pattern must be a string")?;
                self.end_object()?;
                ValuePattern::Exact(s)
            }
            "prefix" | "suffix" => {
                let is_prefix = kind == "prefix";
                match self.t.next_token()? {
                    Token::StartObject => return self.ignore_case_affix(is_prefix),
                    Token::String(s) => {
                        self.t.finish_string();
                        self.end_object()?;
                        if is_prefix {
                            ValuePattern::Prefix(s)
                        } else {
                            ValuePattern::Suffix(s)
                        }
                    }
                    _ => return Err(self.barf(format!("{kind} match pattern must be a string"))),
                }
            }
            "numeric" => {
                if self.t.next_token()? != Token::StartArray {
                    return Err(self.barf("Value of numeric must be an array."));
                }
                let range = self.numeric()?;
                if self.t.next_token()? != Token::EndObject {
                    return Err(self.barf("Too many elements in numeric expression"));
                }
                range
            }
            "anything-but" => self.anything_but()?,
            "exists" => {
                let pattern = match self.t.next_token()? {
                    Token::True => ValuePattern::Exists,
                    Token::False => ValuePattern::Absent,
                    _ => {
                        return Err(self.barf("exists match pattern must be either true or false."));
                    }
                };
                self.end_object()?;
                pattern
            }
            "cidr" => {
                let s = self.string_operand("prefix match pattern must be a string")?;
                // Malformed ranges are reported without a parser location.
                let range = IpRange::cidr(&s).map_err(PatternError::invalid)?;
                self.end_object()?;
                ValuePattern::Cidr(range)
            }
            "equals-ignore-case" => {
                let s = self.string_operand("equals-ignore-case match pattern must be a string")?;
                self.end_object()?;
                ValuePattern::EqualsIgnoreCase(s.to_lowercase())
            }
            "wildcard" => {
                let s = self.string_operand("wildcard match pattern must be a string")?;
                let w = Wildcard::parse(&s).map_err(|e| self.barf(e))?;
                self.end_object()?;
                ValuePattern::Wildcard(w)
            }
            _ => return Err(self.barf(format!("Unrecognized match type {kind}"))),
        };
        Ok(pattern)
    }

    /// `{"prefix": {"equals-ignore-case": …}}` and the suffix form, after the inner `{`.
    fn ignore_case_affix(&mut self, is_prefix: bool) -> Result<ValuePattern, PatternError> {
        let (label, upper) = if is_prefix {
            ("prefix", "Prefix")
        } else {
            ("suffix", "Suffix")
        };
        let Token::FieldName(op) = self.t.next_token()? else {
            return Err(self.barf(format!("{upper} expression name not found")));
        };
        if op != "equals-ignore-case" {
            return Err(self.barf(format!("Unsupported {label} pattern: {op}")));
        }
        let s = self.string_operand("equals-ignore-case match pattern must be a string")?;
        self.end_object()?;
        self.end_object()?;
        let lower = s.to_lowercase();
        Ok(if is_prefix {
            ValuePattern::PrefixIgnoreCase(lower)
        } else {
            ValuePattern::SuffixIgnoreCase(lower)
        })
    }

    fn anything_but(&mut self) -> Result<ValuePattern, PatternError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Kind {
            Plain,
            IgnoreCase,
            Prefix,
            Suffix,
            Wildcard,
        }
        let mut kind = Kind::Plain;
        let mut token = self.t.next_token()?;
        if token == Token::StartObject {
            let Token::FieldName(op) = self.t.next_token()? else {
                return Err(self.barf("Anything-But expression name not found"));
            };
            kind = match op.as_str() {
                "equals-ignore-case" => Kind::IgnoreCase,
                "prefix" => Kind::Prefix,
                "suffix" => Kind::Suffix,
                "wildcard" => Kind::Wildcard,
                _ => return Err(self.barf(format!("Unsupported anything-but pattern: {op}"))),
            };
            token = self.t.next_token()?;
        }
        if !matches!(
            token,
            Token::StartArray | Token::String(_) | Token::Number(_)
        ) {
            return Err(
                self.barf("Value of anything-but must be an array or single string/number value.")
            );
        }
        let wrong_type = match kind {
            Kind::IgnoreCase => {
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
            }
            Kind::Wildcard => "wildcard match pattern must be a string",
            _ => "prefix/suffix match pattern must be a string",
        };
        let affix = matches!(kind, Kind::Prefix | Kind::Suffix);

        let pattern = if kind == Kind::Plain {
            let mut strings = FxSet::default();
            let mut numbers = Vec::new();
            match token {
                Token::StartArray => loop {
                    match self.t.next_token()? {
                        Token::EndArray => break,
                        Token::String(s) => {
                            self.t.finish_string();
                            strings.insert(s);
                        }
                        Token::Number(text) => match number::comparable(&text) {
                            Some(n) => numbers.push(n),
                            None => {
                                return Err(self.barf(format!("Cannot compare number : {text}")));
                            }
                        },
                        _ => {
                            return Err(self.barf_twice(
                                "Inside anything but list, start|null|boolean is not supported.",
                            ));
                        }
                    }
                },
                Token::String(s) => {
                    self.t.finish_string();
                    strings.insert(s);
                }
                Token::Number(text) => match number::comparable(&text) {
                    Some(n) => numbers.push(n),
                    // Thrown past the compiler's handlers, so no location.
                    None => {
                        return Err(PatternError::invalid(format!(
                            "Cannot compare number : {text}"
                        )));
                    }
                },
                _ => unreachable_token()?,
            }
            if strings.is_empty() == numbers.is_empty() {
                return Err(self.barf(
                    "Inside anything but list, either all values are number or string, mixed type is not supported",
                ));
            }
            if numbers.is_empty() {
                AnythingBut::Strings(strings)
            } else {
                AnythingBut::Numbers(numbers)
            }
        } else {
            let mut texts = Vec::new();
            match token {
                Token::StartArray => loop {
                    match self.t.next_token()? {
                        Token::EndArray => break,
                        Token::String(s) => {
                            self.t.finish_string();
                            if affix && s.is_empty() {
                                return Err(self.barf_twice("Null prefix/suffix not allowed"));
                            }
                            texts.push(s);
                        }
                        _ => return Err(self.barf_twice(wrong_type)),
                    }
                },
                Token::String(s) => {
                    self.t.finish_string();
                    if affix && s.is_empty() {
                        return Err(self.barf("Null prefix/suffix not allowed"));
                    }
                    texts.push(s);
                }
                _ => return Err(self.barf(wrong_type)),
            }
            match kind {
                Kind::IgnoreCase => {
                    AnythingBut::IgnoreCase(texts.iter().map(|s| s.to_lowercase()).collect())
                }
                Kind::Prefix => AnythingBut::Prefixes(texts),
                Kind::Suffix => AnythingBut::Suffixes(texts),
                _ => {
                    let mut wildcards = Vec::with_capacity(texts.len());
                    for s in &texts {
                        wildcards.push(Wildcard::parse(s).map_err(|e| self.barf(e))?);
                    }
                    AnythingBut::Wildcards(wildcards)
                }
            }
        };
        if self.t.next_token()? != Token::EndObject {
            return Err(self.barf("Too many elements in numeric expression"));
        }
        if kind != Kind::Plain && self.t.next_token()? != Token::EndObject {
            return Err(self.barf("Too many elements in numeric expression"));
        }
        Ok(ValuePattern::AnythingBut(pattern))
    }

    fn numeric_operand(&mut self, op: &str) -> Result<String, PatternError> {
        match self.t.next_token()? {
            Token::Number(text) => Ok(text),
            _ => Err(self.barf(format!("Value of {op} must be numeric"))),
        }
    }

    fn bound(&self, text: &str, open: bool) -> Result<Bound, PatternError> {
        match number::comparable(text) {
            Some(value) => Ok(Bound { value, open }),
            None => Err(self.barf(format!("Cannot compare number : {text}"))),
        }
    }

    /// The inside of `"numeric": [ … ]`.
    fn numeric(&mut self) -> Result<ValuePattern, PatternError> {
        let op = match self.t.next_token()? {
            Token::String(s) => {
                self.t.finish_string();
                s
            }
            other => {
                return Err(self.barf(format!(
                    "Invalid member in numeric match: {}",
                    token_text(&other)
                )));
            }
        };
        let op_shown = if op == "=" { "equals" } else { op.as_str() };
        let first = match self.t.next_token()? {
            Token::Number(text) if matches!(op.as_str(), "=" | ">=" | ">" | "<=" | "<") => text,
            _ if !matches!(op.as_str(), "=" | ">=" | ">" | "<=" | "<") => {
                return Err(self.barf(format!("Unrecognized numeric range operator: {op}")));
            }
            _ => return Err(self.barf(format!("Value of {op_shown} must be numeric"))),
        };
        match op.as_str() {
            "=" | "<=" | "<" => {
                if self.t.next_token()? != Token::EndArray {
                    return Err(self.barf("Too many elements in numeric expression"));
                }
                let b = self.bound(&first, op == "<")?;
                Ok(if op == "=" {
                    ValuePattern::Numeric {
                        low: Some(Bound {
                            value: b.value,
                            open: false,
                        }),
                        high: Some(Bound {
                            value: b.value,
                            open: false,
                        }),
                    }
                } else {
                    ValuePattern::Numeric {
                        low: None,
                        high: Some(b),
                    }
                })
            }
            _ => {
                let low = self.bound(&first, op == ">")?;
                let token = self.t.next_token()?;
                if token == Token::EndArray {
                    return Ok(ValuePattern::Numeric {
                        low: Some(low),
                        high: None,
                    });
                }
                let Token::String(top_op) = token else {
                    return Err(self.barf(format!(
                        "Bad value in numeric range: {}",
                        token_text(&token)
                    )));
                };
                self.t.finish_string();
                let open_top = match top_op.as_str() {
                    "<" => true,
                    "<=" => false,
                    _ => return Err(self.barf(format!("Bad numeric range operator: {top_op}"))),
                };
                let top = self.numeric_operand(&top_op)?;
                if self.t.next_token()? != Token::EndArray {
                    return Err(self.barf("Too many terms in numeric range expression"));
                }
                let high = self.bound(&top, open_top)?;
                if low.value >= high.value {
                    return Err(self.barf("Bottom must be less than top"));
                }
                Ok(ValuePattern::Numeric {
                    low: Some(low),
                    high: Some(high),
                })
            }
        }
    }
}

fn unreachable_token() -> Result<(), PatternError> {
    Err(PatternError::invalid(
        "Value of anything-but must be an array or single string/number value.",
    ))
}

/// More `$or` branches than this make a pattern too complex to evaluate in one pass.
const MAX_SUB_RULES: usize = 1024;

/// Highest complexity a pattern's wildcards may reach on one field: the most matcher
/// positions one value can keep alive at once, summed over the field's wildcard patterns.
const MAX_WILDCARD_COMPLEXITY: usize = 10;

fn too_complex() -> PatternError {
    PatternError::invalid(
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
    )
}

/// Patterns whose wildcards can keep too many matcher positions alive at once on one field
/// are refused, once the whole pattern has compiled (as EventBridge checks them).
fn check_wildcard_complexity(rules: &[SubRule], work: &mut Work) -> Result<(), PatternError> {
    // Every wildcard counts at least 1, so a field with more distinct wildcards than the
    // limit is refused before any is measured; a list shared by many sub-rules is read once.
    let mut per_field: BTreeMap<&str, (FxSet<*const Vec<ValuePattern>>, FxSet<&Wildcard>)> =
        BTreeMap::new();
    for rule in rules {
        work.spend(rule.len())?;
        for (path, alternatives) in rule {
            let (lists, wildcards) = per_field.entry(path.as_ref()).or_default();
            if !lists.insert(Arc::as_ptr(alternatives)) {
                continue;
            }
            work.spend(alternatives.len())?;
            for alt in alternatives.iter() {
                match alt {
                    ValuePattern::Wildcard(w) => {
                        wildcards.insert(w);
                    }
                    ValuePattern::AnythingBut(AnythingBut::Wildcards(ws)) => {
                        wildcards.extend(ws.iter());
                    }
                    _ => continue,
                }
                if wildcards.len() > MAX_WILDCARD_COMPLEXITY {
                    return Err(too_complex());
                }
            }
        }
    }
    for (_, wildcards) in per_field.values() {
        let mut total = 0usize;
        for w in wildcards {
            total += w.complexity(MAX_WILDCARD_COMPLEXITY + 1, work)?;
            if total > MAX_WILDCARD_COMPLEXITY {
                return Err(too_complex());
            }
        }
    }
    Ok(())
}
