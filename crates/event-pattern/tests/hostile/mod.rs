//! Hand-made worst cases for pattern compilation, each as long as the API accepts (4,096
//! characters): shared by the work-budget tests and the compile benches.

use event_pattern::{MAX_PATTERN_LENGTH, Pattern};

/// Characters that take two, three and four bytes in UTF-8.
pub const WIDE: &[char] = &['é', 'ß', 'Ж', 'ש', '中', '文', '字', '€', '😀', '🚀'];

/// A deterministic generator, so every run builds the same patterns.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `{"a": [{"wildcard": "<body>"}]}`, with `body` cut to fill the length limit.
pub fn wildcard_pattern(body: impl Iterator<Item = char>) -> String {
    let head = r#"{"a": [{"wildcard": ""#;
    let tail = r#""}]}"#;
    let room = MAX_PATTERN_LENGTH - head.chars().count() - tail.chars().count();
    let body: String = body.take(room).collect();
    format!("{head}{body}{tail}")
}

/// `{"o0": {"$or": [..2..]}, … "o9": …}` (1,024 sub-rules), then up to `fields` fields as
/// long as the pattern fits the length limit.
pub fn or_fields(fields: usize) -> String {
    let mut or = String::from("{");
    for i in 0..10 {
        or.push_str(&format!(
            r#""o{i}": {{"$or": [{{"a": [1]}}, {{"b": [2]}}]}}, "#
        ));
    }
    let mut i = 0;
    while i < fields && or.chars().count() + 30 < MAX_PATTERN_LENGTH {
        or.push_str(&format!(r#""f{i}": [{i}], "#));
        i += 1;
    }
    or.push_str(r#""z": [0]}"#);
    or
}

/// The named worst cases.
pub fn cases() -> Vec<(&'static str, String)> {
    let mut r = Lcg(7);
    let mut out = Vec::new();
    // Mostly multi-byte characters drawn from a few dozen distinct ones, after a wildcard:
    // thousands of distinct matcher positions.
    let mut alphabet: Vec<char> = WIDE.to_vec();
    alphabet.extend(('a'..='z').take(26));
    let random: Vec<char> = (0..MAX_PATTERN_LENGTH)
        .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
        .collect();
    out.push((
        "wildcard-wide-random",
        wildcard_pattern(std::iter::once('*').chain(random.iter().copied())),
    ));
    // The same with a wildcard every 40 characters.
    out.push((
        "wildcard-wide-stars",
        wildcard_pattern(random.iter().enumerate().flat_map(|(i, &c)| {
            let star = (i % 40 == 0).then_some('*');
            star.into_iter().chain(std::iter::once(c))
        })),
    ));
    // One wide character repeated: every position overlaps every other.
    out.push((
        "wildcard-wide-repeat",
        wildcard_pattern(std::iter::once('*').chain(std::iter::repeat('😀'))),
    ));
    // A few stars, then long segments that almost repeat.
    out.push((
        "wildcard-near-repeat",
        wildcard_pattern(
            "*ab*"
                .chars()
                .chain((0..).map(|i| if i % 97 == 96 { 'b' } else { 'a' })),
        ),
    ));
    // 2^10 sub-rules by `$or`, then as many fields as fit, each copied into every sub-rule;
    // then as many as the work budget allows.
    out.push(("or-1024-times-fields", or_fields(usize::MAX)));
    let (mut low, mut high) = (0, 400);
    while low + 1 < high {
        let mid = (low + high) / 2;
        match Pattern::parse(&or_fields(mid)) {
            Ok(_) => low = mid,
            Err(_) => high = mid,
        }
    }
    out.push(("or-1024-times-fields-in-budget", or_fields(low)));
    // 2^10 sub-rules, then one field with as many values as fit.
    let mut or = String::from("{");
    for i in 0..10 {
        or.push_str(&format!(
            r#""o{i}": {{"$or": [{{"a": [1]}}, {{"b": [2]}}]}}, "#
        ));
    }
    or.push_str(r#""v": [0"#);
    let mut i = 1;
    while or.chars().count() + 8 < MAX_PATTERN_LENGTH {
        or.push_str(&format!(",{}", i % 10));
        i += 1;
    }
    or.push_str("]}");
    out.push(("or-1024-times-values", or));
    // Long lists of every kind.
    for (name, open, item, close) in [
        (
            "anything-but-strings",
            r#"{"a": [{"anything-but": ["#,
            "\"x{}\"",
            "]}]}",
        ),
        (
            "anything-but-numbers",
            r#"{"a": [{"anything-but": ["#,
            "{}",
            "]}]}",
        ),
        (
            "anything-but-prefixes",
            r#"{"a": [{"anything-but": {"prefix": ["#,
            "\"p{}\"",
            "]}}]}",
        ),
        (
            "anything-but-wildcards",
            r#"{"a": [{"anything-but": {"wildcard": ["#,
            "\"w{}\"",
            "]}}]}",
        ),
        ("prefixes", r#"{"a": ["#, "{\"prefix\": \"p{}\"}", "]}"),
        (
            "numeric-ranges",
            r#"{"a": ["#,
            "{\"numeric\": [\">\", {}, \"<\", 1e9]}",
            "]}",
        ),
        ("cidrs", r#"{"a": ["#, "{\"cidr\": \"10.{}.0.0/16\"}", "]}"),
        (
            "wildcards-plain",
            r#"{"a": ["#,
            "{\"wildcard\": \"x{}*\"}",
            "]}",
        ),
    ] {
        let mut text = open.to_owned();
        let mut i = 0;
        loop {
            let next = item.replace("{}", &(i % 250).to_string());
            let sep = if i == 0 { "" } else { "," };
            if text.chars().count() + sep.len() + next.chars().count() + close.len()
                > MAX_PATTERN_LENGTH
            {
                break;
            }
            text.push_str(sep);
            text.push_str(&next);
            i += 1;
        }
        text.push_str(close);
        out.push((name, text));
    }
    // Nesting as deep as the length allows.
    let depth = (MAX_PATTERN_LENGTH - 10) / 7;
    out.push((
        "nesting",
        format!(
            "{}{{\"z\": [1]}}{}",
            "{\"a\": ".repeat(depth),
            "}".repeat(depth)
        ),
    ));
    out
}
