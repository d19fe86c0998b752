//! A streaming JSON tokenizer for pattern text that reports errors and locations the way
//! EventBridge does.
//!
//! EventBridge compiles patterns with a streaming parser and appends the parser's location to
//! every reason (`... at [Source: (String)"..."; line: 1, column: 13]`). The column depends on
//! how far that parser has read when the check fails: a field name is read together with the
//! first token of its value, and a string value is only read past its closing quote once its
//! text is asked for. This tokenizer keeps the same read position so the reasons match.

use crate::error::PatternError;

/// One token of the pattern text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    StartObject,
    EndObject,
    StartArray,
    EndArray,
    FieldName(String),
    String(String),
    /// A number with its source text.
    Number(String),
    True,
    False,
    Null,
    /// End of input.
    Eof,
}

/// What a container expects next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ctx {
    Root { done: bool },
    Array { first: bool, start: usize },
    Object { first: bool, start: usize },
}

pub(crate) struct Tokens<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    stack: Vec<Ctx>,
    /// A value token read ahead together with its field name.
    pending: Option<(Token, Pending)>,
    /// Where the current string token's text ends, until its text is read.
    lazy_string_end: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Read position after the value's first token (opening quote for strings).
    pos: usize,
    /// End of the whole string token when the value is a string.
    string_end: Option<usize>,
}

const NESTING_LIMIT: usize = 1000;

impl<'a> Tokens<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Tokens {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            stack: vec![Ctx::Root { done: false }],
            pending: None,
            lazy_string_end: None,
        }
    }

    /// An error at the current read position, worded as EventBridge words it.
    pub(crate) fn error(&self, message: impl Into<String>) -> PatternError {
        self.error_at(message, self.pos)
    }

    fn error_at(&self, message: impl Into<String>, pos: usize) -> PatternError {
        PatternError::invalid(format!("{}\n at {}", message.into(), self.location(pos)))
    }

    /// `[Source: (String)"..."; line: L, column: C]` for a byte offset.
    pub(crate) fn location(&self, pos: usize) -> String {
        let pos = pos.min(self.bytes.len());
        let before = &self.src[..floor_char_boundary(self.src, pos)];
        let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
        let row_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        // Columns count UTF-16 units, as the reference parser's strings do.
        let column = 1 + before[row_start..].encode_utf16().count();
        format!("{}; line: {line}, column: {column}]", source_desc(self.src))
    }

    /// The text of the current string token; reading it moves past its closing quote.
    pub(crate) fn finish_string(&mut self) {
        if let Some(end) = self.lazy_string_end.take() {
            self.pos = end;
        }
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, PatternError> {
        // Moving on skips the rest of a string whose text was not read.
        self.finish_string();
        if let Some((token, pending)) = self.pending.take() {
            self.pos = pending.pos;
            self.lazy_string_end = pending.string_end;
            if matches!(token, Token::StartArray | Token::StartObject) {
                self.push(&token)?;
            }
            return Ok(token);
        }
        let Some(ctx) = self.stack.last().copied() else {
            return Ok(Token::Eof);
        };
        match ctx {
            Ctx::Root { done } => {
                if done {
                    return Ok(Token::Eof);
                }
                let Some(c) = self.skip_ws() else {
                    return Ok(Token::Eof);
                };
                if let Some(Ctx::Root { done }) = self.stack.last_mut() {
                    *done = true;
                }
                self.value_token(c)
            }
            Ctx::Array { first, start } => {
                let Some(mut c) = self.skip_ws() else {
                    return Err(self.eof_in_container("Array", start));
                };
                if c == b']' {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(Token::EndArray);
                }
                if !first {
                    if c != b',' {
                        self.pos += 1;
                        return Err(self
                            .unexpected_char(c, "was expecting comma to separate Array entries"));
                    }
                    self.pos += 1;
                    c = match self.skip_ws() {
                        Some(c) => c,
                        None => return Err(self.eof_in_container("Array", start)),
                    };
                }
                if let Some(Ctx::Array { first, .. }) = self.stack.last_mut() {
                    *first = false;
                }
                self.value_token(c)
            }
            Ctx::Object { first, start } => {
                let Some(mut c) = self.skip_ws() else {
                    return Err(self.eof_in_container("Object", start));
                };
                if c == b'}' {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(Token::EndObject);
                }
                if !first {
                    if c != b',' {
                        self.pos += 1;
                        return Err(self
                            .unexpected_char(c, "was expecting comma to separate Object entries"));
                    }
                    self.pos += 1;
                    c = match self.skip_ws() {
                        Some(c) => c,
                        None => return Err(self.eof_in_container("Object", start)),
                    };
                }
                if let Some(Ctx::Object { first, .. }) = self.stack.last_mut() {
                    *first = false;
                }
                if c != b'"' {
                    self.pos += 1;
                    return Err(
                        self.unexpected_char(c, "was expecting double-quote to start field name")
                    );
                }
                let (name, _) = self.string_body()?;
                match self.skip_ws() {
                    Some(b':') => self.pos += 1,
                    Some(c) => {
                        self.pos += 1;
                        return Err(self.unexpected_char(
                            c,
                            "was expecting a colon to separate field name and value",
                        ));
                    }
                    None => return Err(self.eof_in_container("Object", start)),
                }
                // The value's first token is read with the name, as the reference parser does.
                let Some(c) = self.skip_ws() else {
                    return Err(self.eof_in_container("Object", start));
                };
                let token = self.scan_value(c)?;
                let string_end = self.lazy_string_end.take();
                self.pending = Some((
                    token,
                    Pending {
                        pos: self.pos,
                        string_end,
                    },
                ));
                Ok(Token::FieldName(name))
            }
        }
    }

    fn push(&mut self, token: &Token) -> Result<(), PatternError> {
        if self.stack.len() > NESTING_LIMIT {
            return Err(self.error(format!(
                "Document nesting depth exceeds the maximum allowed ({NESTING_LIMIT})"
            )));
        }
        let start = self.pos.saturating_sub(1);
        self.stack.push(match token {
            Token::StartArray => Ctx::Array { first: true, start },
            _ => Ctx::Object { first: true, start },
        });
        Ok(())
    }

    fn value_token(&mut self, c: u8) -> Result<Token, PatternError> {
        let token = self.scan_value(c)?;
        if matches!(token, Token::StartArray | Token::StartObject) {
            self.push(&token)?;
        }
        Ok(token)
    }

    /// Reads the first token of a value starting with byte `c` at the read position.
    fn scan_value(&mut self, c: u8) -> Result<Token, PatternError> {
        match c {
            b'{' => {
                self.pos += 1;
                Ok(Token::StartObject)
            }
            b'[' => {
                self.pos += 1;
                Ok(Token::StartArray)
            }
            b'"' => {
                let open = self.pos;
                let (text, end) = self.string_body()?;
                // Only the opening quote counts as read until the text is asked for.
                self.pos = open + 1;
                self.lazy_string_end = Some(end);
                Ok(Token::String(text))
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' | b'f' | b'n' => {
                let word = self.word();
                let token = match word {
                    "true" => Token::True,
                    "false" => Token::False,
                    "null" => Token::Null,
                    _ => return Err(self.unrecognized_token(word)),
                };
                Ok(token)
            }
            c if c.is_ascii_alphanumeric() || c >= 0x80 => {
                let word = self.word();
                Err(self.unrecognized_token(word))
            }
            c => {
                self.pos += 1;
                Err(self.unexpected_char(c, "expected a value"))
            }
        }
    }

    /// Reads a run of identifier characters (for literals and for error messages).
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        let rest = &self.src[start..];
        let len = rest
            .char_indices()
            .find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_' || *ch == '$'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        self.pos = start + len;
        &self.src[start..start + len]
    }

    fn unrecognized_token(&self, word: &str) -> PatternError {
        self.error(format!(
            "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        ))
    }

    /// An unexpected character, located at that character (the read position minus one).
    fn unexpected_char(&self, c: u8, what: &str) -> PatternError {
        let at = self.pos.saturating_sub(1);
        let ch = self.src[floor_char_boundary(self.src, at)..]
            .chars()
            .next()
            .unwrap_or(c as char);
        self.error_at(
            format!("Unexpected character ({}): {what}", char_desc(ch)),
            at,
        )
    }

    fn eof_in_container(&self, kind: &str, start: usize) -> PatternError {
        let start_loc = self.location(start);
        self.error(format!(
            "Unexpected end-of-input: expected close marker for {kind} (start marker at {start_loc})"
        ))
    }

    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Reads a string whose opening quote is at the read position. Leaves the read position
    /// after the opening quote for values (see `lazy_string_end`) and returns where it ends.
    fn string_body(&mut self) -> Result<(String, usize), PatternError> {
        let open = self.pos;
        let mut i = open + 1;
        let mut out = String::new();
        let mut run_start = i;
        loop {
            let Some(&b) = self.bytes.get(i) else {
                self.pos = i;
                return Err(self.error(
                    "Unexpected end-of-input: was expecting closing quote for a string value",
                ));
            };
            match b {
                b'"' => {
                    out.push_str(&self.src[run_start..i]);
                    i += 1;
                    break;
                }
                b'\\' => {
                    out.push_str(&self.src[run_start..i]);
                    let esc = self.bytes.get(i + 1).copied();
                    i += 2;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let (ch, next) = self.unicode_escape(i)?;
                            out.push(ch);
                            i = next;
                        }
                        Some(other) => {
                            self.pos = i;
                            let ch = self.src[floor_char_boundary(self.src, i - 1)..]
                                .chars()
                                .next()
                                .unwrap_or(other as char);
                            return Err(self.error(format!(
                                "Unrecognized character escape {}",
                                char_desc(ch)
                            )));
                        }
                        None => {
                            self.pos = self.bytes.len();
                            return Err(self.error(
                                "Unexpected end-of-input: was expecting closing quote for a string value",
                            ));
                        }
                    }
                    run_start = i;
                }
                0..=0x1f => {
                    self.pos = i + 1;
                    return Err(self.error(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in string value",
                        char_desc(b as char)
                    )));
                }
                _ => i += 1,
            }
        }
        self.pos = i;
        Ok((out, i))
    }

    /// Reads the four hex digits of a `\u` escape starting at byte `i`, joining surrogate pairs.
    fn unicode_escape(&mut self, i: usize) -> Result<(char, usize), PatternError> {
        let unit = |at: usize| -> Option<u32> {
            let hex = self.bytes.get(at..at + 4)?;
            let hex = std::str::from_utf8(hex).ok()?;
            u32::from_str_radix(hex, 16).ok()
        };
        let Some(first) = unit(i) else {
            self.pos = (i + 4).min(self.bytes.len());
            return Err(self.error(
                "Unexpected character in character escape sequence: expected a hex-digit for character escape sequence",
            ));
        };
        let mut next = i + 4;
        let code = if (0xD800..0xDC00).contains(&first)
            && self.bytes.get(next) == Some(&b'\\')
            && self.bytes.get(next + 1) == Some(&b'u')
        {
            match unit(next + 2) {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    next += 6;
                    0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                }
                _ => first,
            }
        } else {
            first
        };
        // A lone surrogate has no UTF-8 form; it becomes the replacement character.
        Ok((char::from_u32(code).unwrap_or('\u{FFFD}'), next))
    }

    /// Reads a number at the read position, checked against the JSON grammar.
    fn number(&mut self) -> Result<Token, PatternError> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == int_start {
            self.pos = i + 1;
            let ch = self.src[floor_char_boundary(self.src, i)..].chars().next();
            return Err(match ch {
                Some(ch) => self.error(format!(
                    "Unexpected character ({}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
                    char_desc(ch)
                )),
                None => self.error("Unexpected end-of-input in numeric value"),
            });
        }
        if b[int_start] == b'0' && i - int_start > 1 {
            self.pos = i;
            return Err(self.error("Invalid numeric value: Leading zeroes not allowed"));
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == frac {
                self.pos = i + 1;
                return Err(self.error(
                    "Unexpected character in numeric value: Decimal point not followed by a digit",
                ));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exp = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == exp {
                self.pos = i + 1;
                return Err(self.error(
                    "Unexpected character in numeric value: Exponent indicator not followed by a digit",
                ));
            }
        }
        self.pos = i;
        Ok(Token::Number(self.src[start..i].to_owned()))
    }
}

/// How the reference parser names a character in its messages.
fn char_desc(ch: char) -> String {
    let code = ch as u32;
    if ch.is_control() {
        format!("(CTRL-CHAR, code {code})")
    } else if code > 255 {
        format!("'{ch}' (code {code} / 0x{code:x})")
    } else {
        format!("'{ch}' (code {code})")
    }
}

/// `[Source: (String)"..."`, cut after 500 characters as the reference parser does.
fn source_desc(src: &str) -> String {
    const SNIPPET: usize = 500;
    let units: Vec<u16> = src.encode_utf16().collect();
    if units.len() <= SNIPPET {
        format!("[Source: (String)\"{src}\"")
    } else {
        let head = String::from_utf16_lossy(&units[..SNIPPET]);
        format!(
            "[Source: (String)\"{head}\"[truncated {} chars]",
            units.len() - SNIPPET
        )
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
