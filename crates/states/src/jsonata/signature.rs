//! Function signatures: `<s-nn?:s>` for `$substring`, `<a<n>:n>` for `$sum`, and the
//! ones a lambda declares (`function($x)<n:n>{…}`).
//!
//! A signature says which arguments a function takes, and checking it does three things
//! JSONata's functions rely on: it refuses arguments of the wrong type or number (T0410),
//! puts the context value in place of a missing argument marked `-` (`$uppercase()` on
//! a string; T0411 when the context is not of the type), and turns a single value into an
//! array where an array is wanted (`$count(5)` counts `[5]`; T0412 when an array's items
//! are not of the type its subtype names).
//!
//! The rules are JSONata 2.0.6's (`src/signature.js` of the reference implementation): each
//! parameter matches one type symbol of the supplied arguments, a missing (undefined)
//! argument matches any parameter but a function, `?` makes a parameter optional, `+`
//! repeats it, and the arguments are matched greedily from the left, as the reference's
//! regular expression matches them. Written here as a small backtracking matcher over the
//! parameter list rather than a regular expression: a signature has a handful of
//! parameters, and no regex is built per function.

use super::error::{JsonataError, err};
use super::eval::Arg;
use super::value::V;

/// The type symbols, one bit each: `s`tring, `n`umber, `b`oolean, nu`l`l, `a`rray,
/// `o`bject, `f`unction, and `m`issing (an undefined argument).
const S: u8 = 1;
const N: u8 = 1 << 1;
const B: u8 = 1 << 2;
const L: u8 = 1 << 3;
const A: u8 = 1 << 4;
const O: u8 = 1 << 5;
const F: u8 = 1 << 6;
const M: u8 = 1 << 7;

/// One parameter of a signature.
#[derive(Debug, Clone, PartialEq)]
struct Param {
    /// The symbols an argument in this place may have.
    accepts: u8,
    /// `a`: a single value is made an array of one.
    array: bool,
    /// What `a<…>` says the items are (`n` for `a<n>`), checked on the first character.
    subtype: Option<String>,
    /// `-`: the context value when the argument is missing.
    context: bool,
    /// `?` (or `-`): may match no argument.
    optional: bool,
    /// `+`: matches one argument or more.
    repeated: bool,
}

/// A parsed signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    params: Vec<Param>,
}

/// How many arguments and parameters are checked without a heap allocation.
const INLINE: usize = 8;

fn arg_symbol(arg: &Arg) -> u8 {
    match arg {
        Arg::Regex(_) => F,
        Arg::Value(v) => symbol(v.as_ref()),
    }
}

/// An argument's type symbol.
fn symbol(value: Option<&V>) -> u8 {
    match value {
        None => M,
        Some(V::Str(_)) => S,
        Some(V::Num(_)) => N,
        Some(V::Bool(_)) => B,
        Some(V::Null) => L,
        Some(V::Array(..)) => A,
        Some(V::Object(_)) => O,
        Some(V::Func(_)) => F,
    }
}

fn symbol_of(c: char) -> Option<u8> {
    Some(match c {
        's' => S,
        'n' => N,
        'b' => B,
        'l' => L,
        'a' => A,
        'o' => O,
        'f' => F,
        _ => return None,
    })
}

/// The plural JSONata names an array subtype with in T0412's message (which quotes it,
/// as it quotes every value its messages hold).
fn plural(subtype: &str) -> &'static str {
    match subtype.chars().next() {
        Some('a') => "arrays",
        Some('b') => "booleans",
        Some('f') => "functions",
        Some('n') => "numbers",
        Some('o') => "objects",
        Some('s') => "strings",
        _ => "values",
    }
}

/// The index of the bracket that closes the one at `open` (`chars[open]`), or the end.
fn closing(chars: &[char], open: usize, opener: char, closer: char) -> usize {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        if c == opener {
            depth += 1;
        } else if c == closer {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    chars.len()
}

impl Signature {
    /// Parses `<…>`, the angle brackets included. The return type after `:` is read past:
    /// JSONata does not check it.
    pub fn parse(text: &str) -> Result<Signature, JsonataError> {
        let chars: Vec<char> = text.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut at = 1;
        while at + 1 < chars.len() {
            let c = chars[at];
            let base = |accepts: u8, array: bool| Param {
                accepts,
                array,
                subtype: None,
                context: false,
                optional: false,
                repeated: false,
            };
            match c {
                ':' => break,
                's' | 'n' | 'b' | 'l' | 'o' => {
                    let own = symbol_of(c).unwrap_or(0);
                    params.push(base(own | M, false));
                }
                'a' => params.push(base(S | N | B | L | A | O | F | M, true)),
                'f' => params.push(base(F, false)),
                'j' => params.push(base(S | N | B | L | A | O | M, false)),
                'x' => params.push(base(S | N | B | L | A | O | F | M, false)),
                '-' => {
                    if let Some(last) = params.last_mut() {
                        last.context = true;
                        last.optional = true;
                    }
                }
                '?' => {
                    if let Some(last) = params.last_mut() {
                        last.optional = true;
                    }
                }
                '+' => {
                    if let Some(last) = params.last_mut() {
                        last.repeated = true;
                    }
                }
                '(' => {
                    let end = closing(&chars, at, '(', ')');
                    let choice: String = chars[at + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(err(
                            "S0402",
                            &format!(
                                "Choice groups containing parameterized types are not supported: {choice}"
                            ),
                        ));
                    }
                    let accepts = choice.chars().filter_map(symbol_of).fold(M, |a, s| a | s);
                    params.push(base(accepts, false));
                    at = end;
                }
                '<' => {
                    let end = closing(&chars, at, '<', '>');
                    match params.last_mut() {
                        Some(last) if last.array || last.accepts == F => {
                            if last.array {
                                last.subtype =
                                    Some(chars[at + 1..end.min(chars.len())].iter().collect());
                            }
                        }
                        _ => {
                            let of = chars.get(at.wrapping_sub(1)).copied().unwrap_or('?');
                            return Err(err(
                                "S0401",
                                &format!(
                                    "Type parameters can only be applied to functions and arrays: {of}"
                                ),
                            ));
                        }
                    }
                    at = end;
                }
                _ => {}
            }
            at += 1;
        }
        Ok(Signature { params })
    }

    /// How many arguments each parameter takes, matching `symbols` from the left as
    /// JSONata's anchored regular expression does (greedy, backtracking); `whole` asks
    /// for every symbol to be used. `None` when nothing matches.
    fn matching(&self, symbols: &[u8], whole: bool) -> Option<Vec<usize>> {
        let mut taken = vec![0; self.params.len()];
        self.match_from(0, symbols, whole, &mut taken)
            .then_some(taken)
    }

    /// Matches parameters `p..` against `symbols`, writing each one's count to `taken[p]`.
    fn match_from(&self, p: usize, symbols: &[u8], whole: bool, taken: &mut [usize]) -> bool {
        let Some(param) = self.params.get(p) else {
            return !whole || symbols.is_empty();
        };
        let most = if param.repeated {
            symbols
                .iter()
                .take_while(|&&s| param.accepts & s != 0)
                .count()
        } else {
            usize::from(symbols.first().is_some_and(|&s| param.accepts & s != 0))
        };
        let least = usize::from(!param.optional);
        for count in (least..=most).rev() {
            taken[p] = count;
            if self.match_from(p + 1, &symbols[count..], whole, taken) {
                return true;
            }
        }
        false
    }

    /// The arguments as the function receives them: the context in place of a missing
    /// `-` argument, single values made arrays where an array is wanted. `name` is the
    /// function's, for the error messages. A regular expression is a function to the
    /// signature, as in JSONata, where a regex literal evaluates to a matcher function.
    pub fn validate(
        &self,
        name: &str,
        mut args: Vec<Arg>,
        context: &Option<V>,
    ) -> Result<Vec<Arg>, JsonataError> {
        // Every built-in call passes here: the symbols and the counts live on the stack
        // for the usual handful of arguments, and the arguments are adjusted in place.
        let mut symbol_buf = [0u8; INLINE];
        let symbol_heap: Vec<u8>;
        let symbols: &[u8] = if args.len() <= INLINE {
            for (slot, arg) in symbol_buf.iter_mut().zip(&args) {
                *slot = arg_symbol(arg);
            }
            &symbol_buf[..args.len()]
        } else {
            symbol_heap = args.iter().map(arg_symbol).collect();
            &symbol_heap
        };
        let mut taken_buf = [0usize; INLINE];
        let mut taken_heap: Vec<usize>;
        let taken: &mut [usize] = if self.params.len() <= INLINE {
            &mut taken_buf[..self.params.len()]
        } else {
            taken_heap = vec![0; self.params.len()];
            &mut taken_heap
        };
        if !self.match_from(0, symbols, true, taken) {
            return Err(self.mismatch(name, symbols));
        }
        let mut at = 0;
        let mut index = 0;
        for (param, &count) in self.params.iter().zip(taken.iter()) {
            if count == 0 {
                if param.context {
                    if param.accepts & symbol(context.as_ref()) == 0 {
                        return Err(err(
                            "T0411",
                            &format!(
                                "Context value is not a compatible type with argument {} of function \"{name}\"",
                                index + 1
                            ),
                        ));
                    }
                    args.insert(at, Arg::Value(context.clone()));
                } else {
                    // As the reference does: an optional parameter that took nothing
                    // still takes the argument in its place.
                    if at == args.len() {
                        args.push(Arg::Value(None));
                    }
                    index += 1;
                }
                at += 1;
                continue;
            }
            for _ in 0..count {
                if at == args.len() {
                    args.push(Arg::Value(None));
                }
                if param.array
                    && let Some(Arg::Value(value)) = args.get_mut(at)
                {
                    *value = as_array(param, value.take(), name, index)?;
                }
                at += 1;
                index += 1;
            }
        }
        Ok(args)
    }

    /// T0410 at the first argument the signature cannot take: the longest run of
    /// parameters that still matches a prefix of the arguments ends where it went wrong.
    fn mismatch(&self, name: &str, symbols: &[u8]) -> JsonataError {
        let mut good = 0;
        for end in 1..=self.params.len() {
            let prefix = Signature {
                params: self.params[..end].to_vec(),
            };
            match prefix.matching(symbols, false) {
                Some(taken) => good = taken.iter().sum(),
                None => break,
            }
        }
        err(
            "T0410",
            &format!(
                "Argument {} of function \"{name}\" does not match function signature",
                good + 1
            ),
        )
    }
}

/// An argument for an `a` parameter: undefined stays undefined, an array's items are
/// checked against the subtype, a single value is checked and made an array of one.
fn as_array(
    param: &Param,
    arg: Option<V>,
    name: &str,
    index: usize,
) -> Result<Option<V>, JsonataError> {
    let Some(value) = arg else {
        return Ok(None);
    };
    if let Some(subtype) = &param.subtype {
        let want = subtype.chars().next().and_then(symbol_of).unwrap_or(0);
        let ok = match &value {
            V::Array(items, _) => match items.first() {
                None => true,
                Some(first) => {
                    let kind = symbol(Some(first));
                    kind == want && items.iter().all(|item| symbol(Some(item)) == kind)
                }
            },
            // JSONata compares the one symbol matched with the whole subtype text.
            single => subtype.chars().count() == 1 && symbol(Some(single)) == want,
        };
        if !ok {
            return Err(err(
                "T0412",
                &format!(
                    "Argument {} of function \"{name}\" must be an array of \"{}\"",
                    index + 1,
                    plural(subtype)
                ),
            ));
        }
    }
    Ok(Some(match value {
        array @ V::Array(..) => array,
        single => V::array(vec![single]),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(text: &str) -> Signature {
        Signature::parse(text).expect("parses")
    }

    fn symbols(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| {
                if c == 'm' {
                    M
                } else {
                    symbol_of(c).expect("symbol")
                }
            })
            .collect()
    }

    #[test]
    fn arguments_match_greedily_from_the_left_as_the_reference_regex_does() {
        // $substring: `<s-nn?:s>`. Two numbers leave the string to the context.
        let substring = sig("<s-nn?:s>");
        assert_eq!(
            substring.matching(&symbols("snn"), true),
            Some(vec![1, 1, 1])
        );
        assert_eq!(
            substring.matching(&symbols("sn"), true),
            Some(vec![1, 1, 0])
        );
        assert_eq!(
            substring.matching(&symbols("nn"), true),
            Some(vec![0, 1, 1])
        );
        assert_eq!(substring.matching(&symbols("ss"), true), None);
        // `+` takes as many as it can: $zip `<a+>`.
        assert_eq!(sig("<a+>").matching(&symbols("aaa"), true), Some(vec![3]));
        // A missing argument matches any type but a function.
        assert_eq!(sig("<af>").matching(&symbols("mf"), true), Some(vec![1, 1]));
        assert_eq!(sig("<af>").matching(&symbols("am"), true), None);
    }

    #[test]
    fn the_mismatch_names_the_first_argument_that_does_not_fit() {
        let count = sig("<a:n>");
        let args = vec![Arg::Value(Some(V::Num(1.0))), Arg::Value(Some(V::Num(2.0)))];
        let e = count.validate("count", args, &None);
        assert_eq!(
            e.expect_err("two arguments").to_string(),
            "T0410: Argument 2 of function \"count\" does not match function signature"
        );
    }

    #[test]
    fn a_single_value_becomes_an_array_and_items_must_be_the_subtype() {
        let sum = sig("<a<n>:n>");
        let out = sum
            .validate("sum", vec![Arg::Value(Some(V::Num(3.0)))], &None)
            .expect("valid");
        assert!(matches!(&out[0], Arg::Value(Some(V::Array(items, _))) if items.len() == 1));
        let mixed = V::array(vec![V::Num(1.0), V::str("x")]);
        let e = sum
            .validate("sum", vec![Arg::Value(Some(mixed))], &None)
            .expect_err("mixed");
        assert_eq!(e.code, Some("T0412"));
    }

    #[test]
    fn the_context_fills_a_missing_dash_argument_when_its_type_fits() {
        let upper = sig("<s-:s>");
        let out = upper
            .validate("uppercase", vec![], &Some(V::str("a")))
            .expect("valid");
        assert!(matches!(&out[0], Arg::Value(Some(V::Str(s))) if &**s == "a"));
        let e = upper
            .validate("uppercase", vec![], &Some(V::Num(1.0)))
            .expect_err("a number is no string");
        assert_eq!(e.code, Some("T0411"));
    }

    #[test]
    fn type_parameters_apply_to_arrays_and_functions_only() {
        assert!(Signature::parse("<a<n>f<n:n>>").is_ok());
        assert_eq!(
            Signature::parse("<n<n>>").expect_err("n<").code,
            Some("S0401")
        );
        assert_eq!(
            Signature::parse("<(sa<n>)>").expect_err("choice").code,
            Some("S0402")
        );
    }
}
