//! Event leaf values and the per-value tests of the pattern language.

use crate::cidr::{IpRange, ip_bytes};
use crate::number;
use crate::wildcard::Wildcard;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashSet;

/// A leaf of an event: the only values patterns look at (objects and arrays are structure).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf<'a> {
    Str(Cow<'a, str>),
    /// A number with its source text.
    Num(Cow<'a, str>),
    True,
    False,
    Null,
}

/// A leaf with the derived forms some tests need, computed once and only when asked for.
pub(crate) struct Probe<'l, 'a> {
    pub(crate) leaf: &'l Leaf<'a>,
    number: OnceCell<Option<f64>>,
    ip: OnceCell<Option<Vec<u8>>>,
    lower: OnceCell<Option<String>>,
}

impl<'l, 'a> Probe<'l, 'a> {
    pub(crate) fn new(leaf: &'l Leaf<'a>) -> Self {
        Probe {
            leaf,
            number: OnceCell::new(),
            ip: OnceCell::new(),
            lower: OnceCell::new(),
        }
    }

    pub(crate) fn str(&self) -> Option<&str> {
        match self.leaf {
            Leaf::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when the leaf is a number that a double holds exactly.
    pub(crate) fn number(&self) -> Option<f64> {
        *self.number.get_or_init(|| match self.leaf {
            Leaf::Num(text) => number::comparable(text),
            _ => None,
        })
    }

    pub(crate) fn ip(&self) -> Option<&[u8]> {
        self.ip
            .get_or_init(|| self.str().and_then(|s| ip_bytes(s).ok()))
            .as_deref()
    }

    pub(crate) fn lower(&self) -> Option<&str> {
        self.lower
            .get_or_init(|| self.str().map(str::to_lowercase))
            .as_deref()
    }
}

/// A literal JSON keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Keyword {
    True,
    False,
    Null,
}

/// An inclusive or exclusive numeric bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    pub(crate) value: f64,
    pub(crate) open: bool,
}

/// One alternative of a pattern field: the pattern matches a leaf if any alternative does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValuePattern {
    /// A string literal or `{"exactly": …}`.
    Exact(String),
    /// A string literal that is an IP address: matches any spelling of that address.
    Ip(IpRange),
    /// A number literal: numerically equal numbers, or the same text for numbers a double
    /// cannot hold.
    Number {
        value: Option<f64>,
        text: String,
    },
    Keyword(Keyword),
    Prefix(String),
    /// Lower-cased prefix.
    PrefixIgnoreCase(String),
    Suffix(String),
    SuffixIgnoreCase(String),
    /// Lower-cased value.
    EqualsIgnoreCase(String),
    Wildcard(Wildcard),
    Numeric {
        low: Option<Bound>,
        high: Option<Bound>,
    },
    Cidr(IpRange),
    AnythingBut(AnythingBut),
    /// `{"exists": true}`: any leaf.
    Exists,
    /// `{"exists": false}`: no leaf at this path (decided by the path, never by a value).
    Absent,
}

/// The forms of `anything-but`. Each matches every leaf that its values do not exclude;
/// a leaf of another type than the values (a number for strings, `null`, …) always matches.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Strings(HashSet<String>),
    Numbers(Vec<f64>),
    /// Lower-cased values.
    IgnoreCase(HashSet<String>),
    Prefixes(Vec<String>),
    Suffixes(Vec<String>),
    Wildcards(Vec<Wildcard>),
}

impl ValuePattern {
    /// Whether this alternative accepts the leaf. `Absent` accepts no leaf.
    pub(crate) fn matches(&self, p: &Probe) -> bool {
        match self {
            ValuePattern::Exact(s) => p.str() == Some(s.as_str()),
            ValuePattern::Ip(range) | ValuePattern::Cidr(range) => {
                p.ip().is_some_and(|ip| range.contains(ip))
            }
            ValuePattern::Number { value, text } => match p.leaf {
                Leaf::Num(leaf_text) => match p.number() {
                    Some(n) => *value == Some(n),
                    None => leaf_text == text,
                },
                _ => false,
            },
            ValuePattern::Keyword(k) => matches!(
                (k, p.leaf),
                (Keyword::True, Leaf::True)
                    | (Keyword::False, Leaf::False)
                    | (Keyword::Null, Leaf::Null)
            ),
            ValuePattern::Prefix(pre) => p.str().is_some_and(|s| s.starts_with(pre.as_str())),
            ValuePattern::PrefixIgnoreCase(pre) => {
                p.lower().is_some_and(|s| s.starts_with(pre.as_str()))
            }
            ValuePattern::Suffix(suf) => p.str().is_some_and(|s| s.ends_with(suf.as_str())),
            ValuePattern::SuffixIgnoreCase(suf) => {
                p.lower().is_some_and(|s| s.ends_with(suf.as_str()))
            }
            ValuePattern::EqualsIgnoreCase(v) => p.lower() == Some(v.as_str()),
            ValuePattern::Wildcard(w) => p.str().is_some_and(|s| w.matches(s)),
            ValuePattern::Numeric { low, high } => {
                p.number().is_some_and(|n| in_range(n, *low, *high))
            }
            ValuePattern::AnythingBut(ab) => ab.matches(p),
            ValuePattern::Exists => true,
            ValuePattern::Absent => false,
        }
    }
}

pub(crate) fn in_range(n: f64, low: Option<Bound>, high: Option<Bound>) -> bool {
    let above = match low {
        Some(b) if b.open => n > b.value,
        Some(b) => n >= b.value,
        None => true,
    };
    let below = match high {
        Some(b) if b.open => n < b.value,
        Some(b) => n <= b.value,
        None => true,
    };
    above && below
}

impl AnythingBut {
    pub(crate) fn matches(&self, p: &Probe) -> bool {
        match self {
            AnythingBut::Numbers(values) => match p.number() {
                Some(n) => !values.contains(&n),
                None => true,
            },
            // A number that takes part in numeric matching is never compared as a string.
            AnythingBut::Strings(values) => match p.str() {
                Some(s) => !values.contains(s),
                None => true,
            },
            AnythingBut::IgnoreCase(values) => match p.lower() {
                Some(s) => !values.contains(s),
                None => true,
            },
            AnythingBut::Prefixes(values) => match p.str() {
                Some(s) => !values.iter().any(|v| s.starts_with(v.as_str())),
                None => true,
            },
            AnythingBut::Suffixes(values) => match p.str() {
                Some(s) => !values.iter().any(|v| s.ends_with(v.as_str())),
                None => true,
            },
            AnythingBut::Wildcards(values) => match p.str() {
                Some(s) => !values.iter().any(|w| w.matches(s)),
                None => true,
            },
        }
    }
}
