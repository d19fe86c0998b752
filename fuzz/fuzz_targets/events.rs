//! PutEvents entries (the `events/put-events/*.json` shape: a JSON list of entries) as the
//! local bus reads them: each entry is checked and made into an event; the rules the bus
//! routes it to are exactly those whose pattern the reference evaluator matches, and every
//! target's input is built from it.
#![no_main]

use event_pattern::{Pattern, RuleContext, reference_matches};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::Local;
use orderly_local::runtime::bus::{PutEventsEntry, bus_name};
use serde_json::Value;
use std::sync::LazyLock;

/// One cloud for every input: checking an entry and matching it changes nothing in it.
static LOCAL: LazyLock<Local> = LazyLock::new(Local::start);

/// The template's enabled rules: logical id, bus, and the pattern parsed apart from the
/// bus's compiled matcher.
static RULES: LazyLock<Vec<(String, String, Pattern)>> = LazyLock::new(|| {
    LOCAL
        .cloud
        .inner
        .model
        .rules
        .values()
        .filter(|r| r.enabled)
        .map(|r| {
            let pattern = Pattern::parse(&r.event_pattern).expect("the template's patterns parse");
            (r.logical_id.clone(), r.event_bus_name.clone(), pattern)
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(entries) = serde_json::from_slice::<Vec<PutEventsEntry>>(data) else {
        return;
    };
    let cloud = &LOCAL.cloud.inner;
    for entry in entries.iter().take(10) {
        let (event, text) = match cloud.accept(entry) {
            Ok(accepted) => accepted,
            Err(refused) => {
                assert!(refused.error_code.is_some(), "{refused:?}");
                continue;
            }
        };
        let reread: Value = serde_json::from_str(&text).expect("the event's text is JSON");
        assert_eq!(reread, event);
        let bus = bus_name(entry.event_bus_name.as_deref());
        let routed: Vec<String> = cloud
            .buses
            .matching(&bus, &event)
            .iter()
            .map(|r| r.rule.logical_id.clone())
            .collect();
        let mut expected: Vec<String> = RULES
            .iter()
            .filter(|(_, b, p)| *b == bus && reference_matches(p, &event))
            .map(|(id, _, _)| id.clone())
            .collect();
        expected.sort();
        assert_eq!(routed, expected, "event {text}");
        for rule in cloud.buses.matching(&bus, &event) {
            let ctx = RuleContext {
                rule_name: &rule.rule.name,
                rule_arn: &rule.rule.arn,
                ingestion_time: None,
            };
            for (target, input) in &rule.targets {
                let body = input.apply(&text, &ctx);
                if let Ok(body) = body {
                    // The template's targets all receive JSON.
                    assert!(
                        serde_json::from_str::<Value>(&body).is_ok(),
                        "{} target {}: {body}",
                        rule.rule.logical_id,
                        target.id
                    );
                }
            }
        }
    }
});
