//! EventBridge archives and replays of `orderly serve`, driven by the real AWS CLI: the
//! template's archive receives every order event, archives are made and changed through the
//! API, and a replay puts a window back on the bus for the rules it names, with AWS's
//! refusals where AWS refuses.

use crate::serve_support;

use serde_json::Value;
use serve_support::cli::{aws, is_service_error};
use serve_support::{Server, eventually, scenario};
use std::time::Duration;

const BUS_ARN: &str = "arn:aws:events:us-east-1:000000000000:event-bus/orders-bus";

fn archive(server: &Server, name: &str) -> Value {
    aws(
        server,
        &["events", "describe-archive", "--archive-name", name],
    )
    .json()
}

fn template_archive_name(server: &Server) -> String {
    let listed = aws(
        server,
        &["events", "list-archives", "--event-source-arn", BUS_ARN],
    )
    .json();
    listed["Archives"][0]["ArchiveName"]
        .as_str()
        .expect("the template's archive")
        .to_owned()
}

fn refused<S: AsRef<str>>(server: &Server, args: &[S], code: &str, words: &str) {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let out = aws(server, &args);
    assert!(is_service_error(out.code), "{args:?}: {}", out.stdout);
    assert!(
        out.stderr.contains(&format!("({code})")) && out.stderr.contains(words),
        "{args:?}: {}",
        out.stderr
    );
}

fn seconds(value: &Value) -> f64 {
    value.as_f64().expect("a timestamp in epoch seconds")
}

#[test]
fn archives_are_listed_described_created_updated_and_deleted() {
    let server = Server::start();
    let name = template_archive_name(&server);
    let described = archive(&server, &name);
    assert_eq!(described["EventSourceArn"], BUS_ARN, "{described}");
    assert_eq!(described["RetentionDays"], 30);
    assert_eq!(described["State"], "ENABLED");
    assert_eq!(
        described["EventPattern"], r#"{"source":[{"prefix":"com."}]}"#,
        "{described}"
    );

    let created = aws(
        &server,
        &[
            "events",
            "create-archive",
            "--archive-name",
            "created-orders",
            "--event-source-arn",
            BUS_ARN,
            "--event-pattern",
            r#"{"detail-type":["OrderCreated"]}"#,
            "--retention-days",
            "7",
        ],
    )
    .json();
    assert_eq!(
        created["ArchiveArn"],
        "arn:aws:events:us-east-1:000000000000:archive/created-orders"
    );
    let updated = aws(
        &server,
        &[
            "events",
            "update-archive",
            "--archive-name",
            "created-orders",
            "--description",
            "orders placed",
        ],
    )
    .json();
    assert_eq!(updated["State"], "ENABLED");
    assert_eq!(
        archive(&server, "created-orders")["Description"],
        "orders placed"
    );
    let by_prefix = aws(
        &server,
        &["events", "list-archives", "--name-prefix", "created-"],
    )
    .json();
    assert_eq!(by_prefix["Archives"].as_array().map(Vec::len), Some(1));

    refused(
        &server,
        &[
            "events",
            "create-archive",
            "--archive-name",
            "created-orders",
            "--event-source-arn",
            BUS_ARN,
        ],
        "ResourceAlreadyExistsException",
        "Archive created-orders already exists.",
    );
    refused(
        &server,
        &[
            "events",
            "create-archive",
            "--archive-name",
            "elsewhere",
            "--event-source-arn",
            "arn:aws:events:us-east-1:000000000000:event-bus/no-such-bus",
        ],
        "ResourceNotFoundException",
        "Event bus no-such-bus does not exist.",
    );
    refused(
        &server,
        &[
            "events",
            "create-archive",
            "--archive-name",
            "bad-pattern",
            "--event-source-arn",
            BUS_ARN,
            "--event-pattern",
            r#"{"source":"not-a-list"}"#,
        ],
        "InvalidEventPatternException",
        "Event pattern is not valid.",
    );
    refused(
        &server,
        &[
            "events",
            "list-archives",
            "--name-prefix",
            "c",
            "--state",
            "ENABLED",
        ],
        "ValidationException",
        "At most one filter is allowed for ListArchives.",
    );
    let deleted = aws(
        &server,
        &[
            "events",
            "delete-archive",
            "--archive-name",
            "created-orders",
        ],
    );
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    refused(
        &server,
        &[
            "events",
            "describe-archive",
            "--archive-name",
            "created-orders",
        ],
        "ResourceNotFoundException",
        "Archive created-orders does not exist.",
    );
}

#[test]
fn a_window_of_order_events_is_replayed_to_the_rules_named() {
    let server = Server::start();
    let name = template_archive_name(&server);
    let archive_arn = archive(&server, &name)["ArchiveArn"]
        .as_str()
        .expect("an ARN")
        .to_owned();
    let file = format!("file://{}", scenario("happy-path").display());
    let put = aws(&server, &["events", "put-events", "--entries", &file]).json();
    assert_eq!(put["FailedEntryCount"], 0, "{put}");
    // The order's events on orders-bus (OrderCreated, then the OrderConfirmed its workflow
    // publishes) are archived; ShipmentCreated is on shipping-bus.
    let archived = eventually(
        "the order's events archived",
        Duration::from_secs(30),
        || {
            let count = archive(&server, &name)["EventCount"].as_u64()?;
            (count >= 2).then_some(count)
        },
    );

    let rules = aws(
        &server,
        &["events", "list-rules", "--event-bus-name", "orders-bus"],
    )
    .json();
    let audit_rule_arn = rules["Rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["Name"] == "orders-to-audit"))
        .and_then(|r| r["Arn"].as_str())
        .expect("Audit's subscription on orders-bus")
        .to_owned();

    let start = "2000-01-01T00:00:00Z";
    let end = "2100-01-01T00:00:00Z";
    let started = aws(
        &server,
        &[
            "events",
            "start-replay",
            "--replay-name",
            "audit-again",
            "--event-source-arn",
            &archive_arn,
            "--event-start-time",
            start,
            "--event-end-time",
            end,
            "--destination",
            &format!(r#"{{"Arn":"{BUS_ARN}","FilterArns":["{audit_rule_arn}"]}}"#),
        ],
    )
    .json();
    assert_eq!(started["State"], "STARTING", "{started}");
    assert_eq!(
        started["ReplayArn"],
        "arn:aws:events:us-east-1:000000000000:replay/audit-again"
    );
    let done = eventually("the replay to complete", Duration::from_secs(30), || {
        let described = aws(
            &server,
            &["events", "describe-replay", "--replay-name", "audit-again"],
        )
        .json();
        (described["State"] == "COMPLETED").then_some(described)
    });
    assert_eq!(
        done["Destination"]["FilterArns"][0],
        audit_rule_arn.as_str()
    );
    assert_eq!(done["EventSourceArn"], archive_arn.as_str());
    assert!(seconds(&done["ReplayEndTime"]) >= seconds(&done["ReplayStartTime"]));
    assert!(done["EventLastReplayedTime"].is_number(), "{done}");
    assert!(
        archive(&server, &name)["EventCount"].as_u64() >= Some(archived),
        "the archive keeps its events"
    );
    let completed = aws(&server, &["events", "list-replays", "--state", "COMPLETED"]).json();
    assert_eq!(completed["Replays"][0]["ReplayName"], "audit-again");

    refused(
        &server,
        &["events", "cancel-replay", "--replay-name", "audit-again"],
        "IllegalStatusException",
        "Current state: COMPLETED.",
    );
    let replay_to = |replay: &str, destination: &str, from: &str, to: &str| {
        vec![
            "events".to_owned(),
            "start-replay".to_owned(),
            "--replay-name".to_owned(),
            replay.to_owned(),
            "--event-source-arn".to_owned(),
            archive_arn.clone(),
            "--event-start-time".to_owned(),
            from.to_owned(),
            "--event-end-time".to_owned(),
            to.to_owned(),
            "--destination".to_owned(),
            destination.to_owned(),
        ]
    };
    let args = replay_to(
        "audit-again",
        &format!(r#"{{"Arn":"{BUS_ARN}"}}"#),
        start,
        end,
    );
    refused(
        &server,
        &args,
        "ResourceAlreadyExistsException",
        "Replay audit-again already exists.",
    );
    let args = replay_to(
        "to-default",
        r#"{"Arn":"arn:aws:events:us-east-1:000000000000:event-bus/default"}"#,
        start,
        end,
    );
    refused(
        &server,
        &args,
        "ValidationException",
        "Cross event bus replay is not permitted.",
    );
    let args = replay_to(
        "backwards",
        &format!(r#"{{"Arn":"{BUS_ARN}"}}"#),
        end,
        start,
    );
    refused(
        &server,
        &args,
        "ValidationException",
        "EventStartTime must be before EventEndTime.",
    );
    refused(
        &server,
        &[
            "events",
            "describe-replay",
            "--replay-name",
            "never-started",
        ],
        "ResourceNotFoundException",
        "Replay never-started does not exist.",
    );
}
