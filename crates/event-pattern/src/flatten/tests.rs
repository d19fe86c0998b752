//! The text reader against the parsed-value walk (the reference for what is kept) and
//! against serde_json (the reference for what is JSON).

use super::*;
use proptest::prelude::*;
use serde_json::Value;

const KEYS: &[&str] = &["a", "b", "c.d", "c", "d", "e\"q", "é"];
const PATHS: &[&str] = &["a", "b", "a.b", "c.d", "c.d.a", "e\"q", "é.a", "b.b.b"];

/// Strings that exercise escapes, multi-byte characters and the eight-byte scan.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "",
                "x",
                "a.b",
                "quote\"in",
                "back\\slash",
                "tab\there",
                "\u{1}\u{1f}",
                "é€😀",
                "0123456789abcdef",
                "/"
            ][..]
        )
        .prop_map(str::to_owned),
        "[ -~é\u{1}\n\"\\\\]{0,20}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn value(depth: u32) -> BoxedStrategy<Value> {
    if depth == 0 {
        return scalar().boxed();
    }
    prop_oneof![
        3 => scalar(),
        1 => prop::collection::vec(value(depth - 1), 0..4).prop_map(Value::Array),
        2 => prop::collection::btree_map(prop::sample::select(KEYS), value(depth - 1), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
    .boxed()
}

fn trie(paths: &[&str]) -> PathTrie {
    let mut t = PathTrie::new();
    for p in paths {
        t.intern(p);
    }
    t
}

/// Every kept leaf as (path, leaf, array positions), array ids renumbered by first
/// appearance so two readers that number arrays differently compare equal.
/// A kept leaf as compared: path id, leaf, array positions.
type Kept = (u32, String, Vec<(u32, u32)>);

fn kept(trie: &PathTrie, flat: &FlatEvent) -> Vec<Kept> {
    let mut ids: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for path in 0..trie.path_count() as u32 {
        for f in flat.fields(path) {
            let members = flat
                .members(f)
                .iter()
                .map(|&(arr, idx)| {
                    let n = ids.iter().position(|&a| a == arr).unwrap_or_else(|| {
                        ids.push(arr);
                        ids.len() - 1
                    });
                    (n as u32, idx)
                })
                .collect();
            out.push((path, format!("{:?}", f.probe.leaf), members));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Reading text keeps exactly the leaves the parsed-value walk keeps, escapes undone.
    #[test]
    fn text_reader_keeps_what_the_value_walk_keeps(
        event in value(4),
        paths in prop::collection::vec(prop::sample::select(PATHS), 0..5),
        pretty in any::<bool>(),
    ) {
        let t = trie(&paths);
        let text = if pretty {
            serde_json::to_string_pretty(&event)
        } else {
            serde_json::to_string(&event)
        }.expect("a value serializes");
        let mut buffers = FlatBuffers::default();
        let expected = kept(&t, &flatten_value(&t, &event, &mut FlatBuffers::default()));
        let flat = flatten_text(&t, &text, &mut buffers).expect("serde_json output is JSON");
        prop_assert_eq!(kept(&t, &flat), expected, "{}", text);
        // Buffers taken back and reused give the same result.
        buffers.put(flat);
        let again = flatten_text(&t, &text, &mut buffers).expect("JSON");
        prop_assert_eq!(kept(&t, &again), kept(&t, &flatten_value(&t, &event, &mut FlatBuffers::default())));
    }

    /// Text is accepted exactly when serde_json accepts it, whether or not rules look
    /// at the damaged part.
    #[test]
    fn text_reader_accepts_exactly_json(
        event in value(3),
        paths in prop::collection::vec(prop::sample::select(PATHS), 0..4),
        cut in 0usize..400,
        remove in 0usize..3,
        insert in prop::sample::select(&["", "{", "}", "[", "]", ",", ":", "\"", "\\", "-", "1e", "0", ".", "tru", "n", "\u{1}", " ", "é", "\\u00e9", "\\x"][..]),
    ) {
        let t = trie(&paths);
        let text = event.to_string();
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + remove).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mangled = format!("{}{}{}", &text[..at], insert, &text[end..]);
        let json = serde_json::from_str::<Value>(&mangled);
        // serde_json also refuses numbers beyond a double's range; the reader keeps number
        // text as written, so those are JSON to it.
        prop_assume!(!json.as_ref().is_err_and(|e| e.to_string().contains("number out of range")));
        let json_ok = json.is_ok();
        let ours = flatten_text(&t, &mangled, &mut FlatBuffers::default());
        prop_assert_eq!(ours.is_ok(), json_ok, "{} -> {:?}", mangled, ours.err());
    }
}

/// No value may sit deeper than 512 containers, whether rules look there or not.
#[test]
fn nesting_limit_is_the_same_for_kept_and_skipped_values() {
    for paths in [&[][..], &["a"][..], &["a.a.a"][..]] {
        let t = trie(paths);
        for (depth, ok) in [(511, true), (512, true), (513, false)] {
            for (open, close) in [("[", "]"), ("{\"a\": ", "}")] {
                for inner in ["1", "[]", "{}"] {
                    let text = format!("{}{inner}{}", open.repeat(depth), close.repeat(depth));
                    // An empty container adds no value below it.
                    let got = flatten_text(&t, &text, &mut FlatBuffers::default()).is_ok();
                    assert_eq!(got, ok, "{paths:?} {depth} {open} {inner}");
                }
            }
        }
    }
}

/// Texts of events that share most of their member names, in changing orders: what the
/// reader remembers of one event's names meets the next event's.
fn similar_events() -> impl Strategy<Value = Vec<Value>> {
    let object = || {
        let name =
            prop::sample::select(&["a", "ab", "b", "c.d", "c", "e\"q", "é", "a.b", "bb"][..]);
        prop::collection::vec((name, scalar()), 0..5)
    };
    let event = (
        object(),
        object(),
        prop::sample::select(&["a", "b", "c"][..]),
    )
        .prop_map(|(outer, inner, nest)| {
            let mut map = serde_json::Map::new();
            for (k, v) in outer {
                map.insert(k.to_owned(), v);
            }
            let inner: serde_json::Map<String, Value> =
                inner.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            map.insert(nest.to_owned(), Value::Object(inner.clone()));
            map.insert(
                "arr".to_owned(),
                Value::Array(vec![Value::Object(inner); 2]),
            );
            Value::Object(map)
        });
    prop::collection::vec(event, 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Reading events one after another with the same buffers (so member names are
    /// guessed from the previous event) keeps exactly what reading each alone keeps.
    #[test]
    fn remembered_names_never_change_what_is_kept(
        events in similar_events(),
        paths in prop::collection::vec(
            prop::sample::select(&["a", "ab", "b", "c.d", "a.b", "b.a", "arr.a", "arr.ab", "c.c.d", "e\"q"][..]),
            1..5,
        ),
    ) {
        let t = trie(&paths);
        let mut shared = FlatBuffers::default();
        for value in &events {
            let text = value.to_string();
            let expected = kept(&t, &flatten_value(&t, value, &mut FlatBuffers::default()));
            let flat = flatten_text(&t, &text, &mut shared).expect("JSON");
            prop_assert_eq!(kept(&t, &flat), expected, "{}", text);
            shared.put(flat);
        }
    }

    /// After a valid event has been read, a damaged one with the same names is still
    /// refused exactly when serde_json refuses it.
    #[test]
    fn remembered_names_never_accept_what_is_not_json(
        events in similar_events(),
        paths in prop::collection::vec(prop::sample::select(&["a", "ab", "b", "arr.a"][..]), 1..3),
        cut in 0usize..200,
        insert in prop::sample::select(&["\"", "\\", "\u{1}", "x", ":", ",", "\"\"", "\\u00e9"][..]),
    ) {
        let t = trie(&paths);
        let mut shared = FlatBuffers::default();
        for value in &events {
            let text = value.to_string();
            if let Ok(flat) = flatten_text(&t, &text, &mut shared) {
                shared.put(flat);
            }
            let mut at = cut.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mangled = format!("{}{}{}", &text[..at], insert, &text[at..]);
            let json = serde_json::from_str::<Value>(&mangled);
            // As in `text_reader_accepts_exactly_json`: numbers beyond a double's range are
            // JSON to the reader.
            if json.as_ref().is_err_and(|e| e.to_string().contains("number out of range")) {
                continue;
            }
            let json_ok = json.is_ok();
            let ours = flatten_text(&t, &mangled, &mut shared);
            prop_assert_eq!(ours.is_ok(), json_ok, "{}", mangled);
            if let Ok(flat) = ours {
                shared.put(flat);
            }
        }
    }
}

/// Names remembered while reading with one trie are forgotten when the buffers are used
/// with another.
#[test]
fn remembered_names_belong_to_their_trie() {
    let text = r#"{"a": 1, "b": 2}"#;
    let mut shared = FlatBuffers::default();
    let first = trie(&["a"]);
    let flat = flatten_text(&first, text, &mut shared).expect("JSON");
    assert_eq!(
        kept(&first, &flat),
        vec![(0, "Num(\"1\")".to_owned(), vec![])]
    );
    shared.put(flat);
    let second = trie(&["b"]);
    let flat = flatten_text(&second, text, &mut shared).expect("JSON");
    assert_eq!(
        kept(&second, &flat),
        vec![(0, "Num(\"2\")".to_owned(), vec![])]
    );
    shared.put(flat);
    // A trie that grows is another trie too.
    let mut growing = trie(&["a"]);
    let flat = flatten_text(&growing, text, &mut shared).expect("JSON");
    shared.put(flat);
    growing.intern("b");
    let flat = flatten_text(&growing, text, &mut shared).expect("JSON");
    assert_eq!(kept(&growing, &flat).len(), 2);
}
