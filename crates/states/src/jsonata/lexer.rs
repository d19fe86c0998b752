//! Splits a JSONata expression into tokens.

use super::error::{JsonataError, err};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(f64),
    Str(String),
    /// A field name (plain or in backticks).
    Name(String),
    /// `$name`; `$` alone is `""` and `$$` is `"$"`.
    Var(String),
    /// A regular expression literal `/pattern/flags`.
    Regex(String, String),
    /// An operator or punctuation: `.` `[` `]` `(` `)` `{` `}` `,` `;` `:` `?` `+` `-` `*`
    /// `/` `%` `&` `=` `!=` `<` `<=` `>` `>=` `:=` `~>` `..` `^` `#` `@` `**` `?:` `??`.
    Op(&'static str),
}

/// A token and the character offset where it starts (for error positions).
#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const OPERATORS: [&str; 34] = [
    "..", ":=", "!=", "<=", ">=", "~>", "**", "?:", "??", ".", "[", "]", "(", ")", "{", "}", ",",
    ";", ":", "?", "+", "-", "*", "/", "%", "&", "=", "<", ">", "^", "#", "@", "|", "!",
];

pub fn tokenize(src: &str) -> Result<Vec<Token>, JsonataError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let end = find(&chars, i + 2, &['*', '/'])
                .ok_or_else(|| err("S0106", "Comment has no closing tag").at(i))?;
            i = end + 2;
            continue;
        }
        let pos = i;
        // A `/` where an operand is expected starts a regular expression.
        if c == '/' && expects_operand(out.last()) {
            let (pattern, flags, next) = regex(&chars, i + 1).map_err(|e| e.at(pos))?;
            out.push(Token {
                tok: Tok::Regex(pattern, flags),
                pos,
            });
            i = next;
            continue;
        }
        if c == '"' || c == '\'' {
            let (s, next) = string(&chars, i).map_err(|e| e.at(pos))?;
            out.push(Token {
                tok: Tok::Str(s),
                pos,
            });
            i = next;
            continue;
        }
        if c == '`' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '`')
                .ok_or_else(|| {
                    err(
                        "S0105",
                        "Quoted property name must be terminated with a backquote (`)",
                    )
                    .at(pos)
                })?;
            let name: String = chars[i + 1..i + 1 + end].iter().collect();
            out.push(Token {
                tok: Tok::Name(name),
                pos,
            });
            i += end + 2;
            continue;
        }
        if c.is_ascii_digit() {
            let (n, next) = number(&chars, i).map_err(|e| e.at(pos))?;
            out.push(Token {
                tok: Tok::Num(n),
                pos,
            });
            i = next;
            continue;
        }
        if c == '$' {
            let mut j = i + 1;
            if chars.get(j) == Some(&'$') {
                out.push(Token {
                    tok: Tok::Var("$".into()),
                    pos,
                });
                i = j + 1;
                continue;
            }
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Var(chars[i + 1..j].iter().collect()),
                pos,
            });
            i = j;
            continue;
        }
        if let Some(op) = OPERATORS.iter().find(|op| starts_with(&chars, i, op)) {
            out.push(Token {
                tok: Tok::Op(op),
                pos,
            });
            i += op.chars().count();
            continue;
        }
        if is_name_char(c) {
            let mut j = i;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Name(chars[i..j].iter().collect()),
                pos,
            });
            i = j;
            continue;
        }
        return Err(err(
            "S0204",
            &format!("Unknown operator: \"{c}\" at position {pos}"),
        )
        .at(pos));
    }
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !"./[](){},;:?+-*%&=!<>^#@|~\"'`$".contains(c) && c != '/'
}

fn starts_with(chars: &[char], i: usize, op: &str) -> bool {
    op.chars()
        .enumerate()
        .all(|(k, oc)| chars.get(i + k) == Some(&oc))
}

fn find(chars: &[char], from: usize, pat: &[char]) -> Option<usize> {
    (from..chars.len()).find(|&k| {
        pat.iter()
            .enumerate()
            .all(|(n, p)| chars.get(k + n) == Some(p))
    })
}

/// After an operand (a value, name, `)` or `]`), `/` divides; otherwise it opens a regex.
/// Whether the token after `prev` stands where an operand is expected: a `/` there
/// starts a regular expression, a `%` is the parent operator.
pub(crate) fn expects_operand(prev: Option<&Token>) -> bool {
    match prev.map(|t| &t.tok) {
        None => true,
        Some(Tok::Num(_) | Tok::Str(_) | Tok::Name(_) | Tok::Var(_) | Tok::Regex(..)) => false,
        Some(Tok::Op(op)) => !matches!(*op, ")" | "]" | "}"),
    }
}

fn string(chars: &[char], start: usize) -> Result<(String, usize), JsonataError> {
    let quote = chars[start];
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == quote {
            return Ok((out, i + 1));
        }
        if c == '\\' {
            let e = chars.get(i + 1).ok_or_else(|| {
                err(
                    "S0101",
                    "String literal must be terminated by a matching quote",
                )
            })?;
            match e {
                '"' | '\\' | '/' | '\'' => out.push(*e),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars
                        .get(i + 2..i + 6)
                        .map(|h| h.iter().collect())
                        .unwrap_or_default();
                    let code = u32::from_str_radix(&hex, 16).map_err(|_| {
                        err(
                            "S0104",
                            "The escape sequence \\u must be followed by 4 hex digits",
                        )
                    })?;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    i += 4;
                }
                other => {
                    return Err(err(
                        "S0103",
                        &format!("Unsupported escape sequence: \\{other}"),
                    ));
                }
            }
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Err(err(
        "S0101",
        "String literal must be terminated by a matching quote",
    ))
}

fn number(chars: &[char], start: usize) -> Result<(f64, usize), JsonataError> {
    let mut i = start;
    let digits = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
    };
    digits(&mut i);
    // `1..5` is a range, not a fraction.
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i += 1;
        digits(&mut i);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            i = j;
            digits(&mut i);
        }
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, i)),
        _ => Err(err("S0102", &format!("Number out of range: {text}"))),
    }
}

fn regex(chars: &[char], start: usize) -> Result<(String, String, usize), JsonataError> {
    let mut i = start;
    let mut pattern = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                pattern.push('\\');
                if let Some(&n) = chars.get(i + 1) {
                    pattern.push(n);
                }
                i += 2;
            }
            '/' => {
                if pattern.is_empty() {
                    return Err(err("S0301", "Empty regular expressions are not allowed"));
                }
                let mut j = i + 1;
                let mut flags = String::new();
                while j < chars.len() && matches!(chars[j], 'i' | 'm') {
                    flags.push(chars[j]);
                    j += 1;
                }
                return Ok((pattern, flags, j));
            }
            c => {
                pattern.push(c);
                i += 1;
            }
        }
    }
    Err(err("S0302", "No terminating / in regular expression"))
}
