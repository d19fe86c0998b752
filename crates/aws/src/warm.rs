//! Cold-start work moved out of the first invocation: one HTTPS connector for every SDK
//! client, built once, and a warm-up that opens the connection to each service a function
//! calls while Lambda's init phase runs at full CPU.
//!
//! Without it, the first SDK call of a cold start pays for the credential chain, loading the
//! trusted roots into a TLS configuration, DNS, the TCP connect and the TLS handshake. The
//! SDK's hyper client pools connections per connector and per host, so one request to a
//! service's endpoint through the same client leaves a connection that the handler's first
//! call reuses.

use crate::config::AwsAdapters;
use aws_sdk_dynamodb::config::{HttpClient, RuntimeComponents, SharedHttpClient};
use aws_smithy_runtime_api::client::http::{HttpConnectorSettings, SharedHttpConnector};
use orderly_core::clock::Stopwatch;
use orderly_core::shell::Port;
use std::time::Duration;

/// The whole warm-up's time budget: a cold start never waits longer than this for it.
pub const WARM_UP_BUDGET: Duration = Duration::from_secs(1);

/// An AWS service a function calls, whose connection [`warm_up`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// DynamoDB: every table adapter and the idempotency store.
    DynamoDb,
    /// EventBridge: the publisher.
    EventBridge,
    /// Step Functions: the task callbacks.
    StepFunctions,
    /// Step Functions' synchronous endpoint (`sync-states.<region>…`, another host):
    /// StartSyncExecution of the order intake.
    StepFunctionsSync,
    /// SQS: queues.
    Sqs,
}

impl Service {
    /// The services a function declaring `ports` calls: the table ports, the item tables,
    /// the idempotency store and the simulated payment provider's ledger use DynamoDB, the
    /// publisher EventBridge, the task callbacks Step Functions and the order intake its
    /// synchronous endpoint; the logging notifier calls nothing.
    pub fn of_ports(ports: &[Port]) -> Vec<Service> {
        let mut services = Vec::new();
        for port in ports {
            let service = match port {
                Port::Orders
                | Port::Stock
                | Port::ApprovalTokens
                | Port::AuditLog
                | Port::Shipments
                | Port::Payments
                | Port::Idempotency
                | Port::Items(_) => Service::DynamoDb,
                Port::Publisher => Service::EventBridge,
                Port::TaskCallbacks => Service::StepFunctions,
                Port::OrderIntake => Service::StepFunctionsSync,
                // Reminders are made once per approval: not worth a warm connection.
                Port::Notifier | Port::Reminders => continue,
            };
            if !services.contains(&service) {
                services.push(service);
            }
        }
        services
    }
}

/// What [`warm_up`] did, for a log line and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmUp {
    /// The services whose request got an answer from the service (any answer, an error
    /// response included: the connection is open).
    pub answered: Vec<Service>,
    /// The services whose request failed before an answer (connection refused, TLS error,
    /// no credentials) or did not finish within [`WARM_UP_BUDGET`].
    pub failed: Vec<Service>,
    /// How long the warm-up took.
    pub elapsed: Duration,
}

/// Opens the connection to each of `services`, resolving the credentials on the way, and
/// returns within [`WARM_UP_BUDGET`] whatever happens. Call it during init, after the
/// adapters are built and before the runtime loop: the first invocation then finds a
/// pooled TLS connection and cached credentials.
///
/// Each service gets one cheap request that changes nothing; an error answer (access
/// denied, validation) is as good as a success for this purpose. Failures are logged at
/// debug level and never fail init: the handler's own call retries as usual.
///
/// | service | request |
/// | --- | --- |
/// | DynamoDB | `DescribeEndpoints` |
/// | EventBridge | `PutEvents` with no entries (rejected, nothing is published) |
/// | Step Functions | `SendTaskHeartbeat` with a token that is not one (rejected) |
/// | Step Functions, synchronous | `StartSyncExecution` of the order intake with input that is not JSON (rejected before any execution starts) |
/// | SQS | `ListQueues` for at most one queue |
pub async fn warm_up(adapters: &AwsAdapters, services: &[Service]) -> WarmUp {
    warm_up_within(adapters, services, WARM_UP_BUDGET).await
}

/// [`warm_up`] with another time budget.
pub async fn warm_up_within(
    adapters: &AwsAdapters,
    services: &[Service],
    budget: Duration,
) -> WarmUp {
    let started = Stopwatch::start();
    let mut unique: Vec<Service> = Vec::with_capacity(services.len());
    for service in services {
        if !unique.contains(service) {
            unique.push(*service);
        }
    }
    let requests = unique.iter().map(|&service| async move {
        let outcome = tokio::time::timeout(budget, touch(adapters, service)).await;
        let answered = match outcome {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                tracing::debug!(?service, %error, "warm-up request failed");
                false
            }
            Err(_) => {
                tracing::debug!(?service, ?budget, "warm-up request timed out");
                false
            }
        };
        (service, answered)
    });
    let outcomes = futures::future::join_all(requests).await;
    let (answered, failed): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(|(_, ok)| *ok);
    let report = WarmUp {
        answered: answered.into_iter().map(|(s, _)| s).collect(),
        failed: failed.into_iter().map(|(s, _)| s).collect(),
        elapsed: started.elapsed(),
    };
    tracing::debug!(?report, "connections warmed");
    report
}

/// The warm-up's StartSyncExecution input: not JSON, so Step Functions refuses it
/// (`InvalidExecutionInput`) and starts nothing.
const NOT_JSON: &str = "{orderly warm-up";

/// One request to `service`. `Ok` when the service answered, even with an error.
async fn touch(adapters: &AwsAdapters, service: Service) -> Result<(), String> {
    fn answered<E, R>(
        result: Result<impl Sized, aws_sdk_dynamodb::error::SdkError<E, R>>,
    ) -> Result<(), String>
    where
        E: std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        use aws_sdk_dynamodb::error::SdkError;
        match result {
            Ok(_) | Err(SdkError::ServiceError(_)) => Ok(()),
            Err(error) => Err(aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string()),
        }
    }
    match service {
        Service::DynamoDb => answered(adapters.dynamodb().describe_endpoints().send().await),
        Service::EventBridge => answered(
            adapters
                .eventbridge()
                .put_events()
                .set_entries(Some(Vec::new()))
                .send()
                .await,
        ),
        Service::StepFunctions => answered(
            adapters
                .sfn()
                .send_task_heartbeat()
                .task_token("orderly-warm-up")
                .send()
                .await,
        ),
        Service::StepFunctionsSync => {
            // The function's own machine, which its role may start: another ARN would be
            // an AccessDenied in CloudTrail on every cold start.
            let arn = adapters
                .intake_arn()
                .ok_or("no order intake was built: nothing to warm")?;
            let started = adapters
                .sfn()
                .start_sync_execution()
                .state_machine_arn(arn)
                .input(NOT_JSON)
                .send()
                .await;
            if started.is_ok() {
                // Step Functions refuses the input; an endpoint that ran it is not AWS.
                tracing::warn!("the warm-up's StartSyncExecution was not refused");
            }
            answered(started)
        }
        Service::Sqs => answered(adapters.sqs().list_queues().max_results(1).send().await),
    }
}

/// Wraps the SDK's HTTPS client so that building an SDK client does not build a TLS
/// connector. The hyper client checks its configuration when each SDK client is built by
/// making a connector and throwing it away — a rustls configuration with every trusted
/// root parsed, once per SDK client (four in [`AwsAdapters`]) — and then builds the one it
/// keeps on the first request. Wrapped, the connector is built once, on the first request
/// (the warm-up's, during init).
pub fn connector_on_first_use(client: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(OnFirstUse(client))
}

#[derive(Debug)]
struct OnFirstUse(SharedHttpClient);

impl HttpClient for OnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_warms_the_services_of_its_ports_once_each() {
        let callbacks = [Port::ApprovalTokens, Port::TaskCallbacks, Port::Idempotency];
        assert_eq!(
            Service::of_ports(&callbacks),
            [Service::DynamoDb, Service::StepFunctions]
        );
        let publisher = [Port::Shipments, Port::Publisher, Port::Idempotency];
        assert_eq!(
            Service::of_ports(&publisher),
            [Service::DynamoDb, Service::EventBridge]
        );
        assert_eq!(
            Service::of_ports(&[Port::Payments, Port::Idempotency]),
            [Service::DynamoDb]
        );
        assert_eq!(Service::of_ports(&[Port::Notifier]), Vec::<Service>::new());
        assert_eq!(
            Service::of_ports(&[Port::OrderIntake, Port::TaskCallbacks]),
            [Service::StepFunctionsSync, Service::StepFunctions]
        );
    }
}
