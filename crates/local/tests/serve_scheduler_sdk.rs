//! The app's reminder adapter (`orderly_aws::scheduler`, the Rust SDK's Scheduler client)
//! against `orderly serve`: a reminder is a one-time schedule on the bus, scheduling twice
//! keeps one, cancelling removes it, and cancelling again is not an error.

use crate::serve_support;

use aws_sdk_scheduler::Client;
use orderly_aws::scheduler::SchedulerReminders;
use orderly_core::contracts::OutboundEvent;
use orderly_core::ports::{Reminders, reminder_name};
use serde_json::json;
use serve_support::Server;

fn client(server: &Server) -> Client {
    let config = aws_sdk_scheduler::Config::builder()
        .behavior_version(aws_sdk_scheduler::config::BehaviorVersion::latest())
        .endpoint_url(&server.endpoint)
        .http_client(orderly_aws::config::https_client())
        .region(aws_sdk_scheduler::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_scheduler::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .build();
    Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_is_a_self_deleting_schedule_on_the_bus_until_cancelled() {
    let server = Server::start();
    let client = client(&server);
    let reminders = SchedulerReminders::new(
        client.clone(),
        "arn:aws:iam::000000000000:role/orderly-ApprovalReminderRole",
        "orders-bus",
        "us-east-1",
    );
    let event = OutboundEvent {
        source: "com.approvals".into(),
        detail_type: "ApprovalReminder".into(),
        detail: json!({"data": {"orderId": "o-1"}}),
    };
    let at = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    reminders.remind("o-1", at, &event).await.unwrap();
    reminders
        .remind("o-1", at, &event)
        .await
        .expect("a reminder already scheduled is not an error");
    let name = reminder_name("o-1");
    let schedule = client.get_schedule().name(&name).send().await.unwrap();
    assert_eq!(
        schedule.target().map(|t| t.arn()),
        Some("arn:aws:events:us-east-1:000000000000:event-bus/orders-bus")
    );
    assert_eq!(
        schedule.action_after_completion().map(|a| a.as_str()),
        Some("DELETE")
    );
    let listed = client.list_schedules().send().await.unwrap();
    assert_eq!(listed.schedules().len(), 1);

    reminders.cancel("o-1").await.unwrap();
    reminders
        .cancel("o-1")
        .await
        .expect("a reminder already gone is not an error");
    let gone = client.get_schedule().name(&name).send().await.unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{gone:?}"
    );
}
