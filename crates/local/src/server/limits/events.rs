//! EventBridge's request constraints (API reference, `events-2015-10-07`), per operation.

use super::{Check, Member};
use crate::server::wire::{ApiError, Input};

/// `EventBusNameOrArn`: a bus name or ARN.
const BUS_NAME_OR_ARN: &[Check] = &[
    Check::Length(1, 1600),
    Check::Pattern(
        r"(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+",
    ),
];

/// `RuleName`.
const RULE_NAME: &[Check] = &[Check::Length(1, 64), Check::Pattern(r"[\.\-_A-Za-z0-9]+")];

const PUT_EVENTS: &[Member] = &[
    Member::new("Entries", "entries", &[Check::Items(1, 10)]).required(),
    Member::new(
        "EndpointId",
        "endpointId",
        &[
            Check::Length(1, 50),
            Check::Pattern(r"^[A-Za-z0-9\-]+[\.][A-Za-z0-9\-]+$"),
        ],
    ),
];

/// The members of each PutEvents entry; messages name them `entries.N.member.x`.
const PUT_EVENTS_ENTRY: &[Member] = &[
    Member::new(
        "EventBusName",
        "eventBusName",
        &[
            Check::Length(1, 1600),
            Check::Pattern(
                r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\/\.\-_A-Za-z0-9]+",
            ),
        ],
    ),
    Member::new("TraceHeader", "traceHeader", &[Check::Length(1, 500)]),
];

const TEST_EVENT_PATTERN: &[Member] = &[
    Member::new("EventPattern", "eventPattern", &[Check::Length(0, 4096)]).required(),
    Member::new("Event", "event", &[]).required(),
];

const LIST_RULES: &[Member] = &[
    Member::new("NamePrefix", "namePrefix", RULE_NAME),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
    Member::new("NextToken", "nextToken", &[Check::Length(1, 2048)]),
    Member::new("Limit", "limit", &[Check::Range(1, 100)]),
];

const DESCRIBE_RULE: &[Member] = &[
    Member::new("Name", "name", RULE_NAME).required(),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
];

/// The members of `operation`, or none for an operation this table does not know.
pub fn members(operation: &str) -> &'static [Member] {
    match operation {
        "PutEvents" => PUT_EVENTS,
        "TestEventPattern" => TEST_EVENT_PATTERN,
        "ListRules" => LIST_RULES,
        "DescribeRule" => DESCRIBE_RULE,
        _ => &[],
    }
}

/// Checks an EventBridge request against its operation's constraints, entries included.
pub fn check_request(operation: &str, input: &Input) -> Result<(), ApiError> {
    let mut found = super::violations(input, members(operation));
    if operation == "PutEvents" {
        found.extend(entry_violations(input));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(super::validation_error(&found))
    }
}

/// Broken constraints of each entry's members, named as Coral names list members.
fn entry_violations(input: &Input) -> Vec<String> {
    let Ok(Some(entries)) = input.list("Entries") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(map) = entry.as_object() {
            let prefix = format!("entries.{}.member.", i + 1);
            found.extend(super::violations_at(
                &Input::from_map(map.clone()),
                PUT_EVENTS_ENTRY,
                &prefix,
            ));
        }
    }
    found
}
