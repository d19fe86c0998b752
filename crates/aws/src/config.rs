//! Resource names from the environment and SDK clients built once per process.
//!
//! Each function gets only the variables of the resources it uses, so a variable is
//! required when its adapter is asked for, and the error names the missing variable.

use crate::dynamodb::{
    DynamoApprovalTokens, DynamoAuditLog, DynamoOrders, DynamoShipments, DynamoStock,
};
use crate::eventbridge::EventBridgePublisher;
use crate::sfn::SfnTaskCallbacks;
use crate::sqs::SqsQueue;
use aws_config::SdkConfig;

pub const ORDERS_TABLE: &str = "ORDERS_TABLE";
pub const INVENTORY_TABLE: &str = "INVENTORY_TABLE";
pub const APPROVALS_TABLE: &str = "APPROVALS_TABLE";
pub const AUDIT_TABLE: &str = "AUDIT_TABLE";
pub const SHIPMENTS_TABLE: &str = "SHIPMENTS_TABLE";
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
pub const IDEMPOTENCY_TABLE: &str = "IDEMPOTENCY_TABLE";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set (or is empty)")]
    Missing(&'static str),
}

/// Table and bus names. Unset names stay `None` until an adapter needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub orders_table: Option<String>,
    pub inventory_table: Option<String>,
    pub approvals_table: Option<String>,
    pub audit_table: Option<String>,
    pub shipments_table: Option<String>,
    pub event_bus_name: Option<String>,
    pub idempotency_table: Option<String>,
}

impl AwsSettings {
    /// Reads every name from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every name through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name| lookup(name).filter(|v| !v.trim().is_empty());
        Self {
            orders_table: get(ORDERS_TABLE),
            inventory_table: get(INVENTORY_TABLE),
            approvals_table: get(APPROVALS_TABLE),
            audit_table: get(AUDIT_TABLE),
            shipments_table: get(SHIPMENTS_TABLE),
            event_bus_name: get(EVENT_BUS_NAME),
            idempotency_table: get(IDEMPOTENCY_TABLE),
        }
    }

    pub fn orders_table(&self) -> Result<&str, ConfigError> {
        required(&self.orders_table, ORDERS_TABLE)
    }
    pub fn inventory_table(&self) -> Result<&str, ConfigError> {
        required(&self.inventory_table, INVENTORY_TABLE)
    }
    pub fn approvals_table(&self) -> Result<&str, ConfigError> {
        required(&self.approvals_table, APPROVALS_TABLE)
    }
    pub fn audit_table(&self) -> Result<&str, ConfigError> {
        required(&self.audit_table, AUDIT_TABLE)
    }
    pub fn shipments_table(&self) -> Result<&str, ConfigError> {
        required(&self.shipments_table, SHIPMENTS_TABLE)
    }
    pub fn event_bus_name(&self) -> Result<&str, ConfigError> {
        required(&self.event_bus_name, EVENT_BUS_NAME)
    }
    pub fn idempotency_table(&self) -> Result<&str, ConfigError> {
        required(&self.idempotency_table, IDEMPOTENCY_TABLE)
    }
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, ConfigError> {
    value.as_deref().ok_or(ConfigError::Missing(name))
}

/// SDK clients and resource names; hands out the adapters. Build it once, outside the
/// handler, so warm invocations reuse the connections.
#[derive(Debug, Clone)]
pub struct AwsAdapters {
    pub settings: AwsSettings,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl AwsAdapters {
    /// Loads the SDK configuration (region, credentials) the standard way and reads the
    /// resource names from the environment.
    pub async fn from_env() -> Self {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(https_client())
            .load()
            .await;
        Self::new(&sdk, AwsSettings::from_env())
    }

    pub fn new(sdk: &SdkConfig, settings: AwsSettings) -> Self {
        Self {
            settings,
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
            sfn: aws_sdk_sfn::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
        }
    }

    /// Orders table: [`OrderWriter`](orderly_core::ports::OrderWriter), status reader and writer.
    pub fn orders(&self) -> Result<DynamoOrders, ConfigError> {
        Ok(DynamoOrders::new(
            self.dynamodb.clone(),
            self.settings.orders_table()?,
        ))
    }
    pub fn stock(&self) -> Result<DynamoStock, ConfigError> {
        Ok(DynamoStock::new(
            self.dynamodb.clone(),
            self.settings.inventory_table()?,
        ))
    }
    pub fn approval_tokens(&self) -> Result<DynamoApprovalTokens, ConfigError> {
        Ok(DynamoApprovalTokens::new(
            self.dynamodb.clone(),
            self.settings.approvals_table()?,
        ))
    }
    pub fn audit_log(&self) -> Result<DynamoAuditLog, ConfigError> {
        Ok(DynamoAuditLog::new(
            self.dynamodb.clone(),
            self.settings.audit_table()?,
        ))
    }
    pub fn shipments(&self) -> Result<DynamoShipments, ConfigError> {
        Ok(DynamoShipments::new(
            self.dynamodb.clone(),
            self.settings.shipments_table()?,
        ))
    }
    pub fn publisher(&self) -> Result<EventBridgePublisher, ConfigError> {
        Ok(EventBridgePublisher::new(
            self.eventbridge.clone(),
            self.settings.event_bus_name()?,
        ))
    }
    /// The idempotency table: the store of `orderly_core::idempotency`.
    pub fn idempotency_store(
        &self,
    ) -> Result<crate::idempotency::DynamoDbIdempotencyStore, ConfigError> {
        Ok(crate::idempotency::DynamoDbIdempotencyStore::new(
            self.dynamodb.clone(),
            self.settings.idempotency_table()?,
        ))
    }
    pub fn task_callbacks(&self) -> SfnTaskCallbacks {
        SfnTaskCallbacks::new(self.sfn.clone())
    }
    pub fn queue(&self, url: impl Into<String>) -> SqsQueue {
        SqsQueue::new(self.sqs.clone(), url)
    }
}

/// The one HTTP client of every SDK client: hyper 1 with rustls on ring (the SDK's
/// default client is turned off in the workspace manifest; see there why).
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_empty_names_are_reported_by_variable() {
        let settings = AwsSettings::from_lookup(|name| match name {
            ORDERS_TABLE => Some("orders".into()),
            AUDIT_TABLE => Some("  ".into()),
            _ => None,
        });
        assert_eq!(settings.orders_table(), Ok("orders"));
        let cases: [(Result<&str, ConfigError>, &str); 6] = [
            (settings.inventory_table(), INVENTORY_TABLE),
            (settings.approvals_table(), APPROVALS_TABLE),
            (settings.audit_table(), AUDIT_TABLE),
            (settings.shipments_table(), SHIPMENTS_TABLE),
            (settings.event_bus_name(), EVENT_BUS_NAME),
            (settings.idempotency_table(), IDEMPOTENCY_TABLE),
        ];
        for (result, name) in cases {
            let message = result.unwrap_err().to_string();
            assert!(message.contains(name), "{message}");
        }
    }
}
