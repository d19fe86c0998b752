//! DynamoDB expressions as a request brings them: `kind expression`, where the first byte
//! picks a condition, key condition, update or projection expression, parsed with a fixed
//! set of placeholders and evaluated on a fixed item. Any text either parses or is refused
//! with DynamoDB's words, never a panic; an update either applies or is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_local::dynamodb::expr::{
    Bindings, Kind, parse_condition, parse_projection, parse_update, project,
};
use orderly_local::dynamodb::value::{Item, item_from_json};
use serde_json::json;
use std::sync::LazyLock;

static ITEM: LazyLock<Item> = LazyLock::new(|| {
    let item = json!({
        "id": {"S": "o-1"}, "n": {"N": "5"}, "s": {"S": "héllo"}, "b": {"B": "AQI="},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
        "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": [{"NULL": true}]}]},
        "m": {"M": {"deep": {"M": {"v": {"N": "-2"}}}, "w": {"BOOL": true}}}
    });
    item_from_json(item.as_object().expect("an object")).expect("a valid item")
});

fn bindings() -> Bindings {
    let names = json!({"#a": "n", "#b": "m", "#c": "l", "#d": "ss"});
    let values = json!({
        ":s": {"S": "x"}, ":n": {"N": "1E+125"}, ":z": {"N": "-0.000001"},
        ":l": {"L": [{"S": "y"}]}, ":ss": {"SS": ["b", "c"]}, ":ns": {"NS": ["9"]},
        ":m": {"M": {"k": {"BOOL": false}}}, ":t": {"S": "N"}, ":b": {"B": "AQ=="}
    });
    Bindings::read(names.as_object(), values.as_object()).expect("valid bindings")
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let bindings = bindings();
    match kind % 4 {
        0 => {
            if let Ok(condition) = parse_condition(text, Kind::Condition, &bindings) {
                let _ = condition.holds(&ITEM);
                let _ = condition.holds(&Item::new());
            }
        }
        1 => {
            let _ = parse_condition(text, Kind::KeyCondition, &bindings);
        }
        2 => {
            if let Ok(update) = parse_update(text, &bindings) {
                if let Ok(next) = update.apply(&ITEM) {
                    let _ = update.apply(&next);
                }
                let _ = update.apply(&Item::new());
            }
        }
        _ => {
            if let Ok(paths) = parse_projection(text, &bindings) {
                let _ = project(&ITEM, &paths);
            }
        }
    }
    let _ = bindings.check_all_used();
});
