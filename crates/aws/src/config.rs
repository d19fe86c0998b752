//! SDK clients built once per process, and the AWS adapters of every port handed out from
//! them: the [`Adapters`] source the Lambda binaries build their functions from.

use crate::dynamodb::{
    DynamoApprovalTokens, DynamoAuditLog, DynamoItems, DynamoOrders, DynamoPayments,
    DynamoShipments, DynamoStock,
};
use crate::eventbridge::EventBridgePublisher;
use crate::idempotency::DynamoDbIdempotencyStore;
use crate::lambda_env::LambdaEnvError;
use crate::notifier::LoggingNotifier;
use crate::sfn::{SfnOrderIntake, SfnTaskCallbacks};
use crate::sqs::SqsQueue;
use aws_types::SdkConfig;
use aws_types::sdk_config::SharedHttpClient;
use orderly_core::clock::{SharedClock, SystemClock};
use orderly_core::idempotency::IdempotencyStore;
use orderly_core::items::{ItemStore, KeyNames};
use orderly_core::ports::{
    ApprovalTokens, AuditLog, CustomerNotifier, EventPublisher, OrderIntake, OrderTable,
    PaymentGateway, Reminders, ShipmentWriter, StockReservations, TaskCallbacks,
};
use orderly_core::shell::Adapters;
use std::sync::{Arc, OnceLock};

/// SDK clients, each built the first time an adapter needs it (a function that calls
/// DynamoDB only never builds the other three); hands out the adapters. Build it once,
/// outside the handler, so warm invocations reuse the clients and their connections.
#[derive(Debug, Clone)]
pub struct AwsAdapters {
    sdk: SdkConfig,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    eventbridge: OnceLock<aws_sdk_eventbridge::Client>,
    sfn: OnceLock<aws_sdk_sfn::Client>,
    /// The order intake's state machine, once [`Adapters::order_intake`] has built it:
    /// what the warm-up starts (and is refused) on the synchronous endpoint.
    intake_arn: OnceLock<String>,
    /// Whether operations keep their host prefix (`sync-` for StartSyncExecution).
    host_prefix: bool,
    sqs: OnceLock<aws_sdk_sqs::Client>,
    scheduler: OnceLock<aws_sdk_scheduler::Client>,
    /// The system clock: the one clock of a Lambda function.
    pub clock: SharedClock,
}

impl AwsAdapters {
    /// The clients of the SDK configuration Lambda's variables make
    /// ([`crate::lambda_env`]). Where they are missing (outside Lambda), builds with the
    /// `default-chain` feature load the SDK's default chain (profile files, IMDS, SSO …)
    /// instead; builds without it fail, naming the variable.
    pub async fn from_env() -> Result<Self, LambdaEnvError> {
        let http = https_client();
        let adapters = match crate::lambda_env::sdk_config(http.clone()) {
            Ok(sdk) => Self::new(&sdk),
            Err(missing) => Self::from_default_chain(http, missing).await?,
        };
        let var = |name: &str| std::env::var(name);
        if crate::lambda_env::host_prefix_disabled(&var)? {
            return Ok(adapters.without_host_prefix());
        }
        Ok(adapters)
    }

    #[cfg(feature = "default-chain")]
    async fn from_default_chain(
        http: SharedHttpClient,
        missing: LambdaEnvError,
    ) -> Result<Self, LambdaEnvError> {
        tracing::debug!(%missing, "not the Lambda environment: the SDK's default chain");
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http)
            .load()
            .await;
        Ok(Self::new(&sdk))
    }

    #[cfg(not(feature = "default-chain"))]
    async fn from_default_chain(
        _http: SharedHttpClient,
        missing: LambdaEnvError,
    ) -> Result<Self, LambdaEnvError> {
        Err(missing)
    }

    /// The clients of `sdk`, built when first asked for.
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            sdk: sdk.clone(),
            dynamodb: OnceLock::new(),
            eventbridge: OnceLock::new(),
            sfn: OnceLock::new(),
            intake_arn: OnceLock::new(),
            host_prefix: true,
            sqs: OnceLock::new(),
            scheduler: OnceLock::new(),
            clock: SystemClock::shared(),
        }
    }

    /// The DynamoDB client.
    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.dynamodb
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.sdk))
    }

    /// The EventBridge client.
    pub fn eventbridge(&self) -> &aws_sdk_eventbridge::Client {
        self.eventbridge
            .get_or_init(|| aws_sdk_eventbridge::Client::new(&self.sdk))
    }

    /// These clients with host prefix injection off ([`crate::lambda_env::DISABLE_HOST_PREFIX_VAR`]).
    pub fn without_host_prefix(mut self) -> Self {
        self.host_prefix = false;
        self.sfn = OnceLock::new();
        self
    }

    /// The Step Functions client; without the `sync-` host prefix of StartSyncExecution
    /// when host prefix injection is off.
    pub fn sfn(&self) -> &aws_sdk_sfn::Client {
        self.sfn.get_or_init(|| {
            let mut config = aws_sdk_sfn::config::Builder::from(&self.sdk);
            if !self.host_prefix {
                config = config.interceptor(crate::host_prefix::NoHostPrefix);
            }
            aws_sdk_sfn::Client::from_conf(config.build())
        })
    }

    /// The state machine of the order intake, once it is built.
    pub fn intake_arn(&self) -> Option<&str> {
        self.intake_arn.get().map(String::as_str)
    }

    /// The SQS client.
    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs.get_or_init(|| aws_sdk_sqs::Client::new(&self.sdk))
    }

    /// The EventBridge Scheduler client.
    pub fn scheduler(&self) -> &aws_sdk_scheduler::Client {
        self.scheduler
            .get_or_init(|| aws_sdk_scheduler::Client::new(&self.sdk))
    }

    /// The queue at `url`.
    pub fn queue(&self, url: impl Into<String>) -> SqsQueue {
        SqsQueue::new(self.sqs().clone(), url)
    }
}

impl Adapters for AwsAdapters {
    fn orders(&self, table: &str) -> Arc<dyn OrderTable> {
        Arc::new(DynamoOrders::new(self.dynamodb().clone(), table))
    }
    fn stock(&self, table: &str) -> Arc<dyn StockReservations> {
        Arc::new(DynamoStock::new(self.dynamodb().clone(), table))
    }
    fn approval_tokens(&self, table: &str) -> Arc<dyn ApprovalTokens> {
        Arc::new(
            DynamoApprovalTokens::new(self.dynamodb().clone(), table)
                .with_clock(self.clock.clone()),
        )
    }
    fn audit_log(&self, table: &str) -> Arc<dyn AuditLog> {
        Arc::new(DynamoAuditLog::new(self.dynamodb().clone(), table))
    }
    fn shipments(&self, table: &str) -> Arc<dyn ShipmentWriter> {
        Arc::new(DynamoShipments::new(self.dynamodb().clone(), table))
    }
    /// The simulated provider, its ledger in the payments table: every function and every
    /// process shares it, so a void finds the hold another process placed.
    fn payments(&self, table: &str) -> Arc<dyn PaymentGateway> {
        Arc::new(DynamoPayments::new(self.dynamodb().clone(), table))
    }
    fn publisher(&self, bus: &str) -> Arc<dyn EventPublisher> {
        Arc::new(EventBridgePublisher::new(self.eventbridge().clone(), bus))
    }
    fn task_callbacks(&self) -> Arc<dyn TaskCallbacks> {
        Arc::new(SfnTaskCallbacks::new(self.sfn().clone()))
    }
    fn notifier(&self) -> Arc<dyn CustomerNotifier> {
        Arc::new(LoggingNotifier)
    }
    fn idempotency_store(&self, table: &str) -> Arc<dyn IdempotencyStore> {
        Arc::new(DynamoDbIdempotencyStore::new(
            self.dynamodb().clone(),
            table,
        ))
    }
    fn order_intake(&self, state_machine_arn: &str) -> Arc<dyn OrderIntake> {
        let _ = self.intake_arn.set(state_machine_arn.to_owned());
        Arc::new(SfnOrderIntake::new(self.sfn().clone(), state_machine_arn))
    }
    fn reminders(&self, role_arn: &str, bus: &str) -> Arc<dyn Reminders> {
        let region = self.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Arc::new(crate::scheduler::SchedulerReminders::new(
            self.scheduler().clone(),
            role_arn,
            bus,
            &region,
        ))
    }
    fn items(&self, table: &str, key: KeyNames) -> Arc<dyn ItemStore> {
        Arc::new(DynamoItems::new(self.dynamodb().clone(), table, key))
    }
    fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
}

/// The one HTTP client of every SDK client: hyper 1 with rustls on ring (the SDK's
/// default client is turned off in the workspace manifest; see there why), whose TLS
/// connector is built on first use ([`crate::warm::connector_on_first_use`]).
pub fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    crate::warm::connector_on_first_use(
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https(),
    )
}
