//! Event pattern text and event text, as `TestEventPattern` and a rule's `EventPattern`
//! take them: `pattern 0xFF event`. A pattern that compiles matches the event exactly when
//! the reference evaluator says it does, whether the event is given parsed or as text. Text
//! that names a key twice in one object is read with every member, which no parsed value
//! can hold, so only its parsed form is compared there.
#![no_main]

use event_pattern::{Pattern, reference_matches, test_event_pattern};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::{has_duplicate_keys, split};

fuzz_target!(|data: &[u8]| {
    let (pattern, event) = split(data);
    let (Ok(pattern), Ok(event)) = (std::str::from_utf8(pattern), std::str::from_utf8(event))
    else {
        return;
    };
    let _ = test_event_pattern(pattern, event);
    let Ok(compiled) = Pattern::parse(pattern) else {
        return;
    };
    let parsed = serde_json::from_str::<serde_json::Value>(event);
    let from_text = compiled.matches_text(event);
    if let Ok(value) = parsed {
        let expected = reference_matches(&compiled, &value);
        assert_eq!(compiled.matches(&value), expected, "parsed event {value}");
        match from_text {
            Ok(_) if has_duplicate_keys(event) => {}
            Ok(matched) => assert_eq!(matched, expected, "event text {event}"),
            Err(e) => panic!("serde_json reads the event but the matcher does not: {e}"),
        }
    }
});
