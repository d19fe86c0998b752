//! SDK clients built once per process, and the AWS adapters of every port handed out from
//! them: the [`Adapters`] source the Lambda binaries build their functions from.

use crate::dynamodb::{
    DynamoApprovalTokens, DynamoAuditLog, DynamoOrders, DynamoShipments, DynamoStock,
};
use crate::eventbridge::EventBridgePublisher;
use crate::idempotency::DynamoDbIdempotencyStore;
use crate::notifier::LoggingNotifier;
use crate::sfn::SfnTaskCallbacks;
use crate::sqs::SqsQueue;
use aws_config::SdkConfig;
use orderly_core::clock::{SharedClock, SystemClock};
use orderly_core::idempotency::IdempotencyStore;
use orderly_core::memory::SimulatedPayments;
use orderly_core::ports::{
    ApprovalTokens, AuditLog, CustomerNotifier, EventPublisher, OrderTable, PaymentGateway,
    ShipmentWriter, StockReservations, TaskCallbacks,
};
use orderly_core::shell::Adapters;
use std::sync::Arc;

/// SDK clients; hands out the adapters. Build it once, outside the handler, so warm
/// invocations reuse the connections.
#[derive(Debug, Clone)]
pub struct AwsAdapters {
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// EventBridge.
    pub eventbridge: aws_sdk_eventbridge::Client,
    /// Step Functions.
    pub sfn: aws_sdk_sfn::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// The system clock: the one clock of a Lambda function.
    pub clock: SharedClock,
}

impl AwsAdapters {
    /// Loads the SDK configuration (region, credentials) the standard way.
    pub async fn from_env() -> Self {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(https_client())
            .load()
            .await;
        Self::new(&sdk)
    }

    /// The clients of `sdk`.
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
            sfn: aws_sdk_sfn::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            clock: SystemClock::shared(),
        }
    }

    /// The queue at `url`.
    pub fn queue(&self, url: impl Into<String>) -> SqsQueue {
        SqsQueue::new(self.sqs.clone(), url)
    }
}

impl Adapters for AwsAdapters {
    fn orders(&self, table: &str) -> Arc<dyn OrderTable> {
        Arc::new(DynamoOrders::new(self.dynamodb.clone(), table))
    }
    fn stock(&self, table: &str) -> Arc<dyn StockReservations> {
        Arc::new(DynamoStock::new(self.dynamodb.clone(), table))
    }
    fn approval_tokens(&self, table: &str) -> Arc<dyn ApprovalTokens> {
        Arc::new(
            DynamoApprovalTokens::new(self.dynamodb.clone(), table).with_clock(self.clock.clone()),
        )
    }
    fn audit_log(&self, table: &str) -> Arc<dyn AuditLog> {
        Arc::new(DynamoAuditLog::new(self.dynamodb.clone(), table))
    }
    fn shipments(&self, table: &str) -> Arc<dyn ShipmentWriter> {
        Arc::new(DynamoShipments::new(self.dynamodb.clone(), table))
    }
    /// The simulated provider: each process keeps its own ledger.
    fn payments(&self) -> Arc<dyn PaymentGateway> {
        Arc::new(SimulatedPayments::default())
    }
    fn publisher(&self, bus: &str) -> Arc<dyn EventPublisher> {
        Arc::new(EventBridgePublisher::new(self.eventbridge.clone(), bus))
    }
    fn task_callbacks(&self) -> Arc<dyn TaskCallbacks> {
        Arc::new(SfnTaskCallbacks::new(self.sfn.clone()))
    }
    fn notifier(&self) -> Arc<dyn CustomerNotifier> {
        Arc::new(LoggingNotifier)
    }
    fn idempotency_store(&self, table: &str) -> Arc<dyn IdempotencyStore> {
        Arc::new(DynamoDbIdempotencyStore::new(self.dynamodb.clone(), table))
    }
    fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
}

/// The one HTTP client of every SDK client: hyper 1 with rustls on ring (the SDK's
/// default client is turned off in the workspace manifest; see there why), whose TLS
/// connector is built on first use ([`crate::warm::connector_on_first_use`]).
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    crate::warm::connector_on_first_use(
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https(),
    )
}
