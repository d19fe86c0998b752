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

const RULE_STATE: &[Check] = &[Check::Enum(&[
    "ENABLED",
    "DISABLED",
    "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
])];

const PUT_RULE: &[Member] = &[
    Member::new("Name", "name", RULE_NAME).required(),
    Member::new(
        "ScheduleExpression",
        "scheduleExpression",
        &[Check::Length(0, 256)],
    ),
    Member::new("EventPattern", "eventPattern", &[Check::Length(0, 4096)]),
    Member::new("State", "state", RULE_STATE),
    Member::new("Description", "description", &[Check::Length(0, 512)]),
    Member::new("RoleArn", "roleArn", &[Check::Length(1, 1600)]),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
];

const PUT_TARGETS: &[Member] = &[
    Member::new("Rule", "rule", RULE_NAME).required(),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
    Member::new("Targets", "targets", &[Check::Items(1, 10)]).required(),
];

const REMOVE_TARGETS: &[Member] = &[
    Member::new("Rule", "rule", RULE_NAME).required(),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
    Member::new("Ids", "ids", &[Check::Items(1, 100)]).required(),
];

/// DeleteRule, EnableRule and DisableRule.
const NAMED_RULE: &[Member] = &[
    Member::new("Name", "name", RULE_NAME).required(),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
];

const LIST_TARGETS_BY_RULE: &[Member] = &[
    Member::new("Rule", "rule", RULE_NAME).required(),
    Member::new("EventBusName", "eventBusName", BUS_NAME_OR_ARN),
    Member::new("NextToken", "nextToken", &[Check::Length(1, 2048)]),
    Member::new("Limit", "limit", &[Check::Range(1, 100)]),
];

/// `ArchiveName`.
const ARCHIVE_NAME: &[Check] = &[Check::Length(1, 48), Check::Pattern(r"[\.\-_A-Za-z0-9]+")];
/// `ArchiveArn` and `EventBusArn`, which share their constraints.
const ARCHIVE_OR_BUS_ARN: &[Check] = &[
    Check::Length(1, 1600),
    Check::Pattern(r"^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:.+\/.+$"),
];
/// `ReplayName`.
const REPLAY_NAME: &[Check] = &[Check::Length(1, 64), Check::Pattern(r"[\.\-_A-Za-z0-9]+")];
const DESCRIPTION: &[Check] = &[Check::Length(0, 512)];
const PATTERN: &[Check] = &[Check::Length(0, 4096)];
const RETENTION_DAYS: &[Check] = &[Check::Range(0, i32::MAX as i64)];
const KMS_KEY: &[Check] = &[
    Check::Length(0, 2048),
    Check::Pattern(r"^[a-zA-Z0-9_\-/:]*$"),
];
const NEXT_TOKEN: &[Check] = &[Check::Length(1, 2048)];
const LIMIT: &[Check] = &[Check::Range(1, 100)];
const ARCHIVE_STATE: &[Check] = &[Check::Enum(&[
    "ENABLED",
    "DISABLED",
    "CREATING",
    "UPDATING",
    "CREATE_FAILED",
    "UPDATE_FAILED",
])];
const REPLAY_STATE: &[Check] = &[Check::Enum(&[
    "STARTING",
    "RUNNING",
    "CANCELLING",
    "COMPLETED",
    "CANCELLED",
    "FAILED",
])];

const CREATE_ARCHIVE: &[Member] = &[
    Member::new("ArchiveName", "archiveName", ARCHIVE_NAME).required(),
    Member::new("EventSourceArn", "eventSourceArn", ARCHIVE_OR_BUS_ARN).required(),
    Member::new("Description", "description", DESCRIPTION),
    Member::new("EventPattern", "eventPattern", PATTERN),
    Member::new("RetentionDays", "retentionDays", RETENTION_DAYS),
    Member::new("KmsKeyIdentifier", "kmsKeyIdentifier", KMS_KEY),
];

const UPDATE_ARCHIVE: &[Member] = &[
    Member::new("ArchiveName", "archiveName", ARCHIVE_NAME).required(),
    Member::new("Description", "description", DESCRIPTION),
    Member::new("EventPattern", "eventPattern", PATTERN),
    Member::new("RetentionDays", "retentionDays", RETENTION_DAYS),
    Member::new("KmsKeyIdentifier", "kmsKeyIdentifier", KMS_KEY),
];

/// DescribeArchive and DeleteArchive.
const NAMED_ARCHIVE: &[Member] =
    &[Member::new("ArchiveName", "archiveName", ARCHIVE_NAME).required()];

const LIST_ARCHIVES: &[Member] = &[
    Member::new("NamePrefix", "namePrefix", ARCHIVE_NAME),
    Member::new("EventSourceArn", "eventSourceArn", ARCHIVE_OR_BUS_ARN),
    Member::new("State", "state", ARCHIVE_STATE),
    Member::new("NextToken", "nextToken", NEXT_TOKEN),
    Member::new("Limit", "limit", LIMIT),
];

const START_REPLAY: &[Member] = &[
    Member::new("ReplayName", "replayName", REPLAY_NAME).required(),
    Member::new("Description", "description", DESCRIPTION),
    Member::new("EventSourceArn", "eventSourceArn", ARCHIVE_OR_BUS_ARN).required(),
    Member::new("EventStartTime", "eventStartTime", &[]).required(),
    Member::new("EventEndTime", "eventEndTime", &[]).required(),
    Member::new("Destination", "destination", &[]).required(),
];

/// DescribeReplay and CancelReplay.
const NAMED_REPLAY: &[Member] = &[Member::new("ReplayName", "replayName", REPLAY_NAME).required()];

const LIST_REPLAYS: &[Member] = &[
    Member::new("NamePrefix", "namePrefix", REPLAY_NAME),
    Member::new("State", "state", REPLAY_STATE),
    Member::new("EventSourceArn", "eventSourceArn", ARCHIVE_OR_BUS_ARN),
    Member::new("NextToken", "nextToken", NEXT_TOKEN),
    Member::new("Limit", "limit", LIMIT),
];

/// The members of `operation`, or none for an operation this table does not know.
pub fn members(operation: &str) -> &'static [Member] {
    match operation {
        "PutEvents" => PUT_EVENTS,
        "TestEventPattern" => TEST_EVENT_PATTERN,
        "ListRules" => LIST_RULES,
        "DescribeRule" => DESCRIBE_RULE,
        "PutRule" => PUT_RULE,
        "PutTargets" => PUT_TARGETS,
        "RemoveTargets" => REMOVE_TARGETS,
        "DeleteRule" | "EnableRule" | "DisableRule" => NAMED_RULE,
        "ListTargetsByRule" => LIST_TARGETS_BY_RULE,
        "CreateArchive" => CREATE_ARCHIVE,
        "UpdateArchive" => UPDATE_ARCHIVE,
        "DescribeArchive" | "DeleteArchive" => NAMED_ARCHIVE,
        "ListArchives" => LIST_ARCHIVES,
        "StartReplay" => START_REPLAY,
        "DescribeReplay" | "CancelReplay" => NAMED_REPLAY,
        "ListReplays" => LIST_REPLAYS,
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
