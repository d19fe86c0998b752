//! `orderly serve` driven by the aws-sdk-rust clients the functions use: EventBridge,
//! Step Functions and SQS, pointed at the loopback server with dummy credentials.

use crate::serve_support;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use orderly_core::clock::{Clock, Stopwatch, SystemClock};
use serde_json::Value;
use serve_support::{Server, scenario};
use std::time::Duration;

const REGION: &str = "us-east-1";

struct Clients {
    events: aws_sdk_eventbridge::Client,
    sfn: aws_sdk_sfn::Client,
    sqs: aws_sdk_sqs::Client,
}

/// Clients configured by hand (no shared config files, no credential chain): nothing but
/// the server is ever contacted.
fn clients(server: &Server) -> Clients {
    let endpoint = server.endpoint.as_str();
    let events = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .http_client(orderly_aws::config::https_client())
        .region(aws_sdk_eventbridge::config::Region::new(REGION))
        .credentials_provider(aws_sdk_eventbridge::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .build();
    let sfn = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .http_client(orderly_aws::config::https_client())
        .region(aws_sdk_sfn::config::Region::new(REGION))
        .credentials_provider(aws_sdk_sfn::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .build();
    let sqs = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .http_client(orderly_aws::config::https_client())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .build();
    Clients {
        events: aws_sdk_eventbridge::Client::from_conf(events),
        sfn: aws_sdk_sfn::Client::from_conf(sfn),
        sqs: aws_sdk_sqs::Client::from_conf(sqs),
    }
}

/// The entries of `events/put-events/<name>.json` as SDK entries.
fn entries(name: &str) -> Vec<PutEventsRequestEntry> {
    let text = std::fs::read_to_string(scenario(name)).expect("scenario file");
    let raw: Vec<Value> = serde_json::from_str(&text).expect("scenario JSON");
    raw.iter()
        .map(|e| {
            PutEventsRequestEntry::builder()
                .set_source(e["Source"].as_str().map(str::to_owned))
                .set_detail_type(e["DetailType"].as_str().map(str::to_owned))
                .set_detail(e["Detail"].as_str().map(str::to_owned))
                .set_event_bus_name(e["EventBusName"].as_str().map(str::to_owned))
                .build()
        })
        .collect()
}

async fn put(c: &Clients, name: &str) {
    let out = c
        .events
        .put_events()
        .set_entries(Some(entries(name)))
        .send()
        .await
        .expect("PutEvents");
    assert_eq!(out.failed_entry_count(), 0, "{out:?}");
    assert!(out.entries()[0].event_id().is_some(), "{out:?}");
}

async fn machine_arn(c: &Clients) -> String {
    let machines = c
        .sfn
        .list_state_machines()
        .send()
        .await
        .expect("ListStateMachines");
    machines.state_machines()[0].state_machine_arn().to_owned()
}

async fn execution_for(c: &Clients, machine: &str, order_id: &str) -> String {
    let started = Stopwatch::start();
    loop {
        let list = c
            .sfn
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
            .expect("ListExecutions");
        for e in list.executions() {
            let described = c
                .sfn
                .describe_execution()
                .execution_arn(e.execution_arn())
                .send()
                .await
                .expect("DescribeExecution");
            if described.input().is_some_and(|i| i.contains(order_id)) {
                return e.execution_arn().to_owned();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no execution for {order_id}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_end(
    c: &Clients,
    execution: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let started = Stopwatch::start();
    loop {
        let described = c
            .sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .expect("DescribeExecution");
        if described.status() != &ExecutionStatus::Running {
            return described;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{execution} still running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn epoch_secs_now() -> i64 {
    SystemClock.now_ms().div_euclid(1000)
}

#[tokio::test]
async fn put_events_runs_the_order_and_describe_execution_reports_it() {
    let server = Server::start();
    let c = clients(&server);
    put(&c, "happy-path").await;
    let machine = machine_arn(&c).await;
    let execution = execution_for(&c, &machine, "o-happy-1").await;
    let described = wait_for_end(&c, &execution).await;
    assert_eq!(
        described.status(),
        &ExecutionStatus::Succeeded,
        "{described:?}"
    );
    // Dates travel as epoch seconds and come back as the wall-clock time of the run.
    let start = described.start_date().secs();
    let stop = described.stop_date().expect("stop date").secs();
    assert!((start - epoch_secs_now()).abs() < 120, "start {start}");
    assert!(stop >= start, "stop {stop} before start {start}");
    let output: Value =
        serde_json::from_str(described.output().expect("output")).expect("output is JSON");
    assert!(output.is_object(), "{output}");
}

#[tokio::test]
async fn send_task_success_answers_the_approval() {
    let server = Server::start();
    let c = clients(&server);
    put(&c, "approval-needed").await;
    let machine = machine_arn(&c).await;
    let execution = execution_for(&c, &machine, "o-approval-1").await;
    let started = Stopwatch::start();
    let token = loop {
        let history = c
            .sfn
            .get_execution_history()
            .execution_arn(&execution)
            .send()
            .await
            .expect("GetExecutionHistory");
        let token = history.events().iter().find_map(|e| {
            if e.r#type() != &HistoryEventType::TaskScheduled {
                return None;
            }
            let details = e.task_scheduled_event_details()?;
            let parameters: Value = serde_json::from_str(details.parameters()).ok()?;
            parameters["Payload"]["taskToken"]
                .as_str()
                .map(str::to_owned)
        });
        if let Some(token) = token {
            break token;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no task token");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    c.sfn
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .expect("SendTaskHeartbeat");
    c.sfn
        .send_task_success()
        .task_token(&token)
        .output(r#"{"approved": true, "approver": "ops@example.com"}"#)
        .send()
        .await
        .expect("SendTaskSuccess");
    let described = wait_for_end(&c, &execution).await;
    assert_eq!(
        described.status(),
        &ExecutionStatus::Succeeded,
        "{described:?}"
    );
    // The task has ended: its token no longer names a waiting task.
    let err = c
        .sfn
        .send_task_failure()
        .task_token(&token)
        .error("Late")
        .send()
        .await
        .expect_err("the task is done");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_task_does_not_exist()),
        "{err:?}"
    );
}

#[tokio::test]
async fn sfn_errors_map_to_the_sdk_error_variants() {
    let server = Server::start();
    let c = clients(&server);
    let machine = machine_arn(&c).await;
    let missing = machine.replace(":stateMachine:", ":execution:") + ":nope";
    let err = c
        .sfn
        .describe_execution()
        .execution_arn(&missing)
        .send()
        .await
        .expect_err("unknown execution");
    let service = err.into_service_error();
    assert!(service.is_execution_does_not_exist(), "{service:?}");
    assert!(
        service.to_string().contains("Execution Does Not Exist"),
        "{service}"
    );
    let err = c
        .sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input("{not json")
        .send()
        .await
        .expect_err("bad input");
    assert!(
        err.into_service_error().is_invalid_execution_input(),
        "InvalidExecutionInput"
    );
    let err = c
        .sfn
        .send_task_success()
        // Within TaskToken's 2048 characters, but longer than any token this cloud issues.
        .task_token("t".repeat(1025))
        .output("{}")
        .send()
        .await
        .expect_err("malformed token");
    assert!(err.into_service_error().is_invalid_token(), "InvalidToken");
}

#[tokio::test]
async fn list_queues_shows_the_template_queues() {
    let server = Server::start();
    let c = clients(&server);
    let listed = c.sqs.list_queues().send().await.expect("ListQueues");
    let urls = listed.queue_urls();
    assert!(urls.len() >= 8, "{urls:?}");
    assert!(
        urls.iter().all(|u| u.starts_with(&server.endpoint)),
        "{urls:?}"
    );
    let dlq = urls
        .iter()
        .find(|u| u.to_lowercase().contains("dlq"))
        .expect("a DLQ");
    let attributes = c
        .sqs
        .get_queue_attributes()
        .queue_url(dlq)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .expect("GetQueueAttributes");
    let attributes = attributes.attributes().expect("attributes");
    assert_eq!(
        attributes.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages),
        Some(&"0".to_owned())
    );
    let received = c
        .sqs
        .receive_message()
        .queue_url(dlq)
        .send()
        .await
        .expect("ReceiveMessage");
    assert!(received.messages().is_empty());
    let err = c
        .sqs
        .get_queue_url()
        .queue_name("no-such-queue")
        .send()
        .await
        .expect_err("unknown queue");
    let service = err.into_service_error();
    assert!(service.is_queue_does_not_exist(), "{service:?}");
}
