//! `States.Format` and `States.StringSplit`.

use serde_json::Value;

use super::Arg;
use super::text::write;

/// `States.Format(template, values...)`: each `{}` takes the next value in text form.
/// The template must hold exactly as many `{}` as there are values; a `{` not followed by
/// `}` or a lone `}` is rejected unless escaped (`\{`, `\}`) in a string literal.
pub fn format(args: Vec<Arg<'_>>) -> Option<Value> {
    let (template, args) = args.split_first()?;
    let owned: Vec<(char, bool)>;
    let chars: &[(char, bool)] = match (template.literal, template.value.as_ref()) {
        (Some(chars), _) => chars,
        (None, Value::String(s)) => {
            owned = s.chars().map(|c| (c, false)).collect();
            &owned
        }
        _ => return None,
    };
    let mut out = String::with_capacity(chars.len() + 8 * args.len());
    let mut values = args.iter();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            ('{', false) => {
                if chars.get(i + 1) != Some(&('}', false)) {
                    return None;
                }
                write(&values.next()?.value, &mut out);
                i += 2;
            }
            ('}', false) => return None,
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    if values.next().is_some() {
        return None;
    }
    Some(Value::String(out))
}

/// `States.StringSplit(text, delimiters)`: every character of `delimiters` separates
/// tokens, and empty tokens are dropped — the service splits like Java's
/// `StringTokenizer`, so `'a,,b'` gives `["a","b"]` and `''` gives `[]`.
pub fn split(args: &[Value]) -> Option<Value> {
    let [Value::String(text), Value::String(delimiters)] = args else {
        return None;
    };
    let tokens = text
        .split(|c: char| delimiters.contains(c))
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_string()))
        .collect();
    Some(Value::Array(tokens))
}
