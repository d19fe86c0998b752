//! Rules made while the cloud runs (PutRule, PutTargets, …), held to the bus's
//! subscription policy as EventBridge holds them: a rule on another context's bus needs
//! its grant (`events:creatorAccount`, `events:source`), an explicit Deny refuses, and a
//! rule that is made routes from the next event on.

use orderly_local::iam::Caller;
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::NoFaults;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::rule_admin::{RuleError, RuleSpec};
use orderly_local::runtime::{CloudInner, LocalCloud};
use orderly_local::scenarios::{ScenarioEnv, start_cloud_retaining, wait_until};
use orderly_local::template::{RetryPolicy, RuleTarget};
use std::path::PathBuf;
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const STRANGER: &str = "111122223333";

/// The repository's template running.
fn app_cloud() -> LocalCloud {
    start_cloud_retaining(
        &ScenarioEnv::at(root()),
        Arc::new(NoFaults),
        Retention::keeping_orders(10),
    )
    .expect("the template starts")
}

fn spec(bus: &str, name: &str, pattern: &str) -> RuleSpec {
    RuleSpec {
        name: name.to_owned(),
        bus: bus.to_owned(),
        event_pattern: Some(pattern.to_owned()),
        enabled: true,
        ..RuleSpec::default()
    }
}

fn refusal(result: Result<String, RuleError>) -> String {
    match result {
        Ok(arn) => format!("made {arn}"),
        Err(e) => format!("{}: {e}", e.code()),
    }
}

/// The repository's template: every bus's subscription policy grants rules of the stack's
/// own account only, so a rule from another account is refused on each context's bus,
/// and the account's own are made.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rule_from_another_account_needs_the_bus_owners_grant() {
    let cloud = app_cloud();
    let inner = &cloud.inner;
    let stranger = Caller::root(STRANGER);
    let pattern = r#"{"source": ["com.shipping"]}"#;
    for bus in ["orders-bus", "shipping-bus", "audit-bus"] {
        let refused = refusal(inner.put_rule(spec(bus, "eavesdrop", pattern), &stranger));
        assert_eq!(
            refused,
            format!(
                "AccessDeniedException: User: arn:aws:iam::{STRANGER}:root is not authorized to \
                 perform: events:PutRule on resource: arn:aws:events:us-east-1:000000000000:rule/{bus}/eavesdrop \
                 because no resource-based policy allows the events:PutRule action"
            )
        );
        assert!(inner.rule_named(bus, "eavesdrop").is_err(), "nothing made");
    }
    let made = inner.put_rule(spec("shipping-bus", "own", pattern), &inner.root_caller());
    assert_eq!(
        made,
        Ok("arn:aws:events:us-east-1:000000000000:rule/shipping-bus/own".to_owned())
    );
    // Another account cannot change, read or remove the account's rule either.
    assert!(matches!(
        inner.set_rule_state("shipping-bus", "own", false, &stranger),
        Err(RuleError::AccessDenied(_))
    ));
    assert!(matches!(
        inner.read_rule("events:DescribeRule", "shipping-bus", "own", &stranger),
        Err(RuleError::AccessDenied(_))
    ));
    assert!(matches!(
        inner.delete_rule("shipping-bus", "own", &stranger),
        Err(RuleError::AccessDenied(_))
    ));
    assert!(
        inner
            .rule_named("shipping-bus", "own")
            .is_ok_and(|r| r.enabled)
    );
}

/// A publisher's bus with the Unicorn Properties subscription policy: account
/// 111122223333 may subscribe with rules of its own that select Contracts' events only.
/// Nobody may subscribe to its drafts: a rule must name its detail-types, and none may be
/// ContractDrafted (a rule naming none would receive drafts too).
const CONTRACTS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  ContractsBus:
    Type: AWS::Events::EventBus
    Properties: {Name: contracts-bus}
  Sink:
    Type: AWS::SQS::Queue
  PropertiesMaySubscribe:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref ContractsBus
      StatementId: PropertiesMaySubscribe
      Statement:
        Effect: Allow
        Principal: {AWS: arn:aws:iam::111122223333:root}
        Action: events:PutRule
        Resource: !Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/contracts-bus/*
        Condition:
          StringEqualsIfExists:
            events:creatorAccount: "111122223333"
          ForAllValues:StringEquals:
            events:source: [com.contracts]
          "Null":
            events:source: "false"
  PropertiesManageTheirRules:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref ContractsBus
      StatementId: PropertiesManageTheirRules
      Statement:
        Effect: Allow
        Principal: {AWS: arn:aws:iam::111122223333:root}
        Action: [events:PutTargets, events:DeleteRule, events:RemoveTargets, events:DescribeRule]
        Resource: !Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/contracts-bus/*
        Condition:
          StringEqualsIfExists:
            events:creatorAccount: "111122223333"
  NoSubscriptionToDrafts:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref ContractsBus
      StatementId: NoSubscriptionToDrafts
      Statement:
        Effect: Deny
        Principal: "*"
        Action: events:PutRule
        Resource: "*"
        Condition:
          ForAnyValue:StringEquals:
            events:detail-type: [ContractDrafted]
  RulesNameTheirDetailTypes:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref ContractsBus
      StatementId: RulesNameTheirDetailTypes
      Statement:
        Effect: Deny
        Principal: "*"
        Action: events:PutRule
        Resource: "*"
        Condition:
          "Null":
            events:detail-type: "true"
"#;

fn contracts() -> (LocalCloud, tempfile::TempDir) {
    crate::functionless::start(CONTRACTS)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_subscription_policy_grants_what_it_names_and_nothing_else() {
    let (cloud, _dir) = contracts();
    let inner = &cloud.inner;
    let properties = Caller::root(STRANGER);
    let outcome = |name: &str, pattern: &str, caller: &Caller| match inner
        .put_rule(spec("contracts-bus", name, pattern), caller)
    {
        Ok(_) => "made".to_owned(),
        Err(e) => e.code().to_owned(),
    };
    let denied = "AccessDeniedException";
    let signed = r#""detail-type": ["ContractSigned"]"#;
    // The grant: its own rules, on Contracts' events.
    for (name, pattern) in [
        ("a", format!(r#"{{"source": ["com.contracts"], {signed}}}"#)),
        (
            "b",
            r#"{"source": ["com.contracts"], "detail-type": ["ContractSigned", "ContractEnded"]}"#
                .to_owned(),
        ),
    ] {
        assert_eq!(outcome(name, &pattern, &properties), "made", "{pattern}");
    }
    // Not another source beside it, not a rule without a source, not a source it cannot
    // see (a matcher), not another account.
    for (name, pattern, caller) in [
        (
            "c",
            format!(r#"{{"source": ["com.contracts", "com.payments"], {signed}}}"#),
            &properties,
        ),
        ("d", format!("{{{signed}}}"), &properties),
        (
            "e",
            format!(r#"{{"source": [{{"prefix": "com."}}], {signed}}}"#),
            &properties,
        ),
        (
            "f",
            format!(r#"{{"source": ["com.contracts"], {signed}}}"#),
            &Caller::root("444455556666"),
        ),
    ] {
        assert_eq!(outcome(name, &pattern, caller), denied, "{pattern}");
    }
    // The Deny holds for everyone, the bus owner's own account included, however the
    // detail-type is written: alone, beside another, as a matcher, or left out.
    for drafts in [
        r#"{"source": ["com.contracts"], "detail-type": ["ContractDrafted"]}"#,
        r#"{"source": ["com.contracts"], "detail-type": ["ContractSigned", "ContractDrafted"]}"#,
        r#"{"source": ["com.contracts"], "detail-type": [{"prefix": "ContractDraft"}]}"#,
        r#"{"source": ["com.contracts"]}"#,
    ] {
        assert_eq!(outcome("g", drafts, &properties), denied, "{drafts}");
        assert_eq!(
            outcome("g", drafts, &inner.root_caller()),
            denied,
            "{drafts}"
        );
    }
    let drafts = r#"{"source": ["com.contracts"], "detail-type": ["ContractDrafted"]}"#;
    let explicit =
        refusal(inner.put_rule(spec("contracts-bus", "g", drafts), &inner.root_caller()));
    assert!(
        explicit.ends_with("with an explicit deny in a resource-based policy"),
        "{explicit}"
    );
    // What the grant allows, it allows on the rule: its targets and its removal.
    let sink = inner.model.queues["Sink"].arn.clone();
    let failed = inner
        .put_targets(
            "contracts-bus",
            "a",
            vec![target("t", inner, &sink)],
            Vec::new(),
            &properties,
        )
        .expect("the grant names PutTargets");
    assert!(failed.is_empty());
    assert!(
        matches!(
            inner.set_rule_state("contracts-bus", "a", false, &properties),
            Err(RuleError::AccessDenied(_))
        ),
        "the grant does not name DisableRule"
    );
    assert_eq!(
        inner.rule_named("contracts-bus", "a").map(|r| r.created_by),
        Ok(Some(STRANGER.to_owned()))
    );
    // The grant is for its own rules (`events:creatorAccount`): the bus owner's rule
    // cannot be rewritten, given targets or removed by it.
    let owners = format!(r#"{{"source": ["com.contracts"], {signed}}}"#);
    inner
        .put_rule(
            spec("contracts-bus", "owners", &owners),
            &inner.root_caller(),
        )
        .expect("the owner's rule");
    assert_eq!(outcome("owners", &owners, &properties), denied);
    assert!(matches!(
        inner.put_targets(
            "contracts-bus",
            "owners",
            vec![target("t", inner, &sink)],
            Vec::new(),
            &properties
        ),
        Err(RuleError::AccessDenied(_))
    ));
    assert!(matches!(
        inner.delete_rule("contracts-bus", "owners", &properties),
        Err(RuleError::AccessDenied(_))
    ));
}

fn target(id: &str, inner: &CloudInner, arn: &str) -> RuleTarget {
    RuleTarget {
        id: id.to_owned(),
        target: inner
            .model
            .resource_by_arn(arn)
            .expect("a resource of the stack"),
        input: None,
        input_path: None,
        input_transformer: None,
        retry_policy: RetryPolicy::default(),
        dead_letter_queue: None,
        sqs_message_group_id: None,
        kinesis_partition_key_path: None,
        role_arn: None,
    }
}

fn probe(n: usize) -> PutEventsEntry {
    PutEventsEntry {
        source: Some("com.contracts".to_owned()),
        detail_type: Some("ContractSigned".to_owned()),
        detail: Some(format!(r#"{{"n": {n}}}"#)),
        event_bus_name: Some("contracts-bus".to_owned()),
        ..Default::default()
    }
}

/// A rule made at run time routes from the next event on; disabled it routes nothing; it
/// cannot be deleted while it has targets.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rule_made_at_run_time_routes_until_disabled() {
    let (cloud, _dir) = contracts();
    let inner = &cloud.inner;
    let owner = inner.root_caller();
    let sink_arn = inner.model.queues["Sink"].arn.clone();
    let sink = inner.sqs.queue_by_arn(&sink_arn).expect("the sink");

    // Before the rule: nothing goes to the sink.
    inner.put_events(&[probe(0)]);
    inner
        .put_rule(
            spec(
                "contracts-bus",
                "to-sink",
                r#"{"source": ["com.contracts"], "detail-type": ["ContractSigned"]}"#,
            ),
            &owner,
        )
        .expect("made");
    inner
        .put_targets(
            "contracts-bus",
            "to-sink",
            vec![target("sink", inner, &sink_arn)],
            Vec::new(),
            &owner,
        )
        .expect("targets set");
    inner.put_events(&[probe(1)]);
    assert!(wait_until(inner, |_| !sink.is_empty()).await);
    let got: Vec<serde_json::Value> = sink
        .peek_all()
        .iter()
        .map(|m| serde_json::from_str(&m.body).expect("JSON"))
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0]["detail"]["n"], 1,
        "the event put before the rule is not routed"
    );

    assert_eq!(
        inner.delete_rule("contracts-bus", "to-sink", &owner),
        Err(RuleError::Validation(
            "Rule can't be deleted since it has targets.".to_owned()
        ))
    );
    inner
        .set_rule_state("contracts-bus", "to-sink", false, &owner)
        .expect("disabled");
    inner.put_events(&[probe(2)]);
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(sink.peek_all().len(), 1, "a disabled rule routes nothing");

    let failed = inner
        .remove_targets(
            "contracts-bus",
            "to-sink",
            &["sink".to_owned(), "nope".to_owned()],
            &owner,
        )
        .expect("removed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, "nope");
    inner
        .delete_rule("contracts-bus", "to-sink", &owner)
        .expect("deleted");
    assert!(inner.rule_named("contracts-bus", "to-sink").is_err());
    // DeleteRule is idempotent.
    assert_eq!(
        inner.delete_rule("contracts-bus", "to-sink", &owner),
        Ok(())
    );
}

/// Over the wire, through the real AWS CLI: another account's PutRule on a context's bus
/// is refused; the account's own rule is made, described, given a target and removed.
#[test]
fn the_cli_manages_rules_held_to_the_subscription_policy() {
    use crate::serve_support::Server;
    use crate::serve_support::cli::{aws, aws_as, is_service_error};
    let server = Server::start();
    let refused = aws_as(
        &server,
        STRANGER,
        &[
            "events",
            "put-rule",
            "--name",
            "eavesdrop",
            "--event-bus-name",
            "shipping-bus",
            "--event-pattern",
            r#"{"source": ["com.shipping"]}"#,
        ],
    );
    assert!(
        is_service_error(refused.code) && refused.stderr.contains("AccessDeniedException"),
        "{}",
        refused.stderr
    );
    let made = aws(
        &server,
        &[
            "events",
            "put-rule",
            "--name",
            "loyalty",
            "--event-bus-name",
            "orders-bus",
            "--event-pattern",
            r#"{"source": ["com.orders"], "detail-type": ["OrderConfirmed"], "detail": {"metadata": {"event-version": ["2"]}}}"#,
        ],
    );
    assert_eq!(
        made.json()["RuleArn"],
        "arn:aws:events:us-east-1:000000000000:rule/orders-bus/loyalty"
    );
    let described = aws(
        &server,
        &[
            "events",
            "describe-rule",
            "--name",
            "loyalty",
            "--event-bus-name",
            "orders-bus",
        ],
    );
    assert_eq!(described.json()["State"], "ENABLED");
    let bus = "arn:aws:events:us-east-1:000000000000:event-bus/audit-bus";
    let targets = aws(
        &server,
        &[
            "events",
            "put-targets",
            "--rule",
            "loyalty",
            "--event-bus-name",
            "orders-bus",
            "--targets",
            &format!(
                r#"[{{"Id": "b", "Arn": "{bus}"}}, {{"Id": "x", "Arn": "arn:aws:sns:us-east-1:000000000000:topic"}}]"#
            ),
        ],
    );
    let targets = targets.json();
    assert_eq!(targets["FailedEntryCount"], 1, "{targets}");
    assert_eq!(targets["FailedEntries"][0]["TargetId"], "x", "{targets}");
    let listed = aws(
        &server,
        &[
            "events",
            "list-targets-by-rule",
            "--rule",
            "loyalty",
            "--event-bus-name",
            "orders-bus",
        ],
    );
    assert_eq!(listed.json()["Targets"][0]["Arn"], bus);
    let busy = aws(
        &server,
        &[
            "events",
            "delete-rule",
            "--name",
            "loyalty",
            "--event-bus-name",
            "orders-bus",
        ],
    );
    assert!(
        is_service_error(busy.code)
            && busy
                .stderr
                .contains("Rule can't be deleted since it has targets."),
        "{}",
        busy.stderr
    );
}

/// A subscription the receiving bus's policy refuses: rule `first-to-second` crosses as its
/// role, which `second` denies.
const REFUSED_CROSSING: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  FirstBus:
    Type: AWS::Events::EventBus
    Properties: {Name: first}
  SecondBus:
    Type: AWS::Events::EventBus
    Properties: {Name: second}
  RulesDlq:
    Type: AWS::SQS::Queue
  Received:
    Type: AWS::SQS::Queue
  FirstToSecond:
    Type: AWS::Events::Rule
    Properties:
      Name: first-to-second
      EventBusName: !Ref FirstBus
      EventPattern: {source: [com.first]}
      Targets:
        - Id: second
          Arn: !GetAtt SecondBus.Arn
          RoleArn: arn:aws:iam::000000000000:role/first-to-second
          DeadLetterConfig: {Arn: !GetAtt RulesDlq.Arn}
          RetryPolicy: {MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600}
  SecondToReceived:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref SecondBus
      EventPattern: {source: [com.first]}
      Targets: [{Id: received, Arn: !GetAtt Received.Arn}]
  SecondRefusesFirst:
    Type: AWS::Events::EventBusPolicy
    Properties:
      EventBusName: !Ref SecondBus
      StatementId: SecondRefusesFirst
      Statement:
        Effect: Deny
        Principal: "*"
        Action: events:PutEvents
        Resource: "*"
        Condition:
          ArnEquals:
            aws:PrincipalArn: arn:aws:iam::000000000000:role/first-to-second
"#;

/// A crossing the receiving bus refuses is not retried (every attempt would fail until the
/// policy changes): the event goes to the rule's DLQ at once, with `NO_PERMISSIONS` and the
/// refusal in EventBridge's words, and nothing reaches the other bus.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_refused_crossing_goes_to_the_rules_dlq_at_once() {
    let (cloud, _dir) = crate::functionless::start(REFUSED_CROSSING);
    let inner = &cloud.inner;
    let queue = |id: &str| {
        inner
            .sqs
            .queue_by_arn(&inner.model.queues[id].arn)
            .expect("the queue")
    };
    let (dlq, received) = (queue("RulesDlq"), queue("Received"));
    let started = inner.clock.now_ms();
    let put = inner.put_events(&[PutEventsEntry {
        source: Some("com.first".to_owned()),
        detail_type: Some("Probe".to_owned()),
        detail: Some("{}".to_owned()),
        event_bus_name: Some("first".to_owned()),
        ..Default::default()
    }]);
    let id = put[0].event_id.clone().expect("accepted by the first bus");
    assert!(wait_until(inner, |_| !dlq.is_empty()).await);
    assert!(
        inner.clock.now_ms() - started < 1_000,
        "dead-lettered without the retries' back-off"
    );
    let letters = dlq.peek_all();
    assert_eq!(letters.len(), 1);
    let attribute = |name: &str| {
        letters[0]
            .message_attributes
            .get(name)
            .and_then(|a| a.string_value.clone())
            .unwrap_or_default()
    };
    assert_eq!(attribute("ERROR_CODE"), "NO_PERMISSIONS");
    assert_eq!(attribute("RETRY_ATTEMPTS"), "0");
    assert_eq!(
        attribute("RULE_ARN"),
        "arn:aws:events:us-east-1:000000000000:rule/first/first-to-second"
    );
    assert!(
        attribute("ERROR_MESSAGE").starts_with(
            "AccessDeniedException: User: arn:aws:iam::000000000000:role/first-to-second is not authorized"
        ),
        "{}",
        attribute("ERROR_MESSAGE")
    );
    let body: serde_json::Value = serde_json::from_str(&letters[0].body).expect("the event");
    assert_eq!(body["id"], id.as_str(), "the event itself is kept");
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert!(received.is_empty(), "nothing crossed");
    assert_eq!(dlq.peek_all().len(), 1, "dead-lettered once");
}

/// A rule made at run time cannot borrow a subscription's role: `OrdersToShippingRole`
/// trusts `orders-to-shipping` only, and `shipping-bus` lets that role in. A rule that
/// names it to carry any event across is refused delivery, straight to its DLQ, and
/// nothing crosses.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_made_rule_cannot_borrow_a_subscriptions_role() {
    let cloud = app_cloud();
    let inner = &cloud.inner;
    let owner = inner.root_caller();
    let borrowed = inner.model.rules["OrdersToShippingRule"].targets[0]
        .role_arn
        .clone()
        .expect("the subscription's role");
    inner
        .put_rule(
            spec(
                "orders-bus",
                "smuggle",
                r#"{"source": ["com.orders"], "detail-type": ["Smuggled"]}"#,
            ),
            &owner,
        )
        .expect("made");
    let shipping_bus = inner.model.buses["ShippingBus"].arn.clone();
    let dlq_arn = inner.model.queues["RulesDlq"].arn.clone();
    let mut across = target("across", inner, &shipping_bus);
    across.role_arn = Some(borrowed);
    across.dead_letter_queue = inner.model.resource_by_arn(&dlq_arn);
    inner
        .put_targets("orders-bus", "smuggle", vec![across], Vec::new(), &owner)
        .expect("targets set");
    let put = inner.put_events(&[PutEventsEntry {
        source: Some("com.orders".to_owned()),
        detail_type: Some("Smuggled".to_owned()),
        detail: Some(r#"{"metadata": {"correlation-id": "smuggled"}}"#.to_owned()),
        event_bus_name: Some("orders-bus".to_owned()),
        ..Default::default()
    }]);
    assert!(put[0].error_code.is_none(), "{put:?}");
    let dlq = inner.sqs.queue_by_arn(&dlq_arn).expect("RulesDlq");
    assert!(wait_until(inner, |_| !dlq.is_empty()).await);
    let letter = &dlq.peek_all()[0];
    let code = letter.message_attributes["ERROR_CODE"].string_value.clone();
    assert_eq!(code.as_deref(), Some("NO_PERMISSIONS"));
    let crossed = inner
        .trace
        .of("smuggled")
        .iter()
        .filter(|h| {
            matches!(
                h.kind,
                orderly_local::runtime::trace::HopKind::EventCrossed { .. }
            )
        })
        .count();
    assert_eq!(crossed, 0, "nothing reached shipping-bus");
}

/// A bus takes 300 rules, EventBridge's quota; the next is refused, and changing one it
/// has is not a new rule.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_bus_takes_three_hundred_rules() {
    let (cloud, _dir) = contracts();
    let inner = &cloud.inner;
    let owner = inner.root_caller();
    let pattern = r#"{"source": ["com.contracts"], "detail-type": ["ContractSigned"]}"#;
    for n in 0..orderly_local::runtime::rule_admin::MAX_RULES_PER_BUS {
        inner
            .put_rule(spec("contracts-bus", &format!("r{n}"), pattern), &owner)
            .expect("under the quota");
    }
    assert!(matches!(
        inner.put_rule(spec("contracts-bus", "one-more", pattern), &owner),
        Err(RuleError::LimitExceeded(_))
    ));
    assert!(
        inner
            .put_rule(spec("contracts-bus", "r0", pattern), &owner)
            .is_ok()
    );
}
