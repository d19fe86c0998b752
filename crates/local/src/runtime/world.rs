//! The embedded stores and adapters every in-process function runs on: the tables of
//! the template as in-memory stores with DynamoDB's conditional-write semantics, the bus
//! and the Step Functions callback API of this cloud behind the core ports.

use super::CloudInner;
use super::bus::PutEventsEntry;
use crate::template::Model;
use async_trait::async_trait;
use orderly_core::contracts::OutboundEvent;
use orderly_core::idempotency::InMemoryIdempotencyStore;
use orderly_core::memory::{
    MemoryApprovalTokens, MemoryAuditLog, MemoryNotifier, MemoryOrders, MemoryShipments,
    MemoryStock, SimulatedPayments,
};
use orderly_core::ports::{CallbackError, EventPublisher, PortError, TaskCallbacks};
use serde_json::Value;
use std::sync::{Arc, Weak};

/// Stock the local inventory starts with (the deploy script seeds the same on AWS).
pub const SEED_STOCK: &[(&str, i64)] = &[
    ("BOOK-0001", 1000),
    ("TOY-0001", 1000),
    ("TECH-0001", 50),
    ("OUT-OF-STOCK-1", 0),
];

/// Every store and adapter of one cloud.
pub struct World {
    pub orders: Arc<MemoryOrders>,
    pub stock: Arc<MemoryStock>,
    pub approvals: Arc<MemoryApprovalTokens>,
    pub audit: Arc<MemoryAuditLog>,
    pub shipments: Arc<MemoryShipments>,
    pub payments: Arc<SimulatedPayments>,
    pub notifier: Arc<MemoryNotifier>,
    /// The idempotency table, shared by every function as on AWS (keys carry the
    /// function's name).
    pub idempotency: Arc<InMemoryIdempotencyStore>,
    pub publisher: Arc<LocalPublisher>,
    pub callbacks: Arc<LocalCallbacks>,
}

impl World {
    pub fn new(cloud: Weak<CloudInner>, _model: &Model) -> Self {
        Self {
            orders: Arc::new(MemoryOrders::default()),
            stock: Arc::new(MemoryStock::with_stock(SEED_STOCK.iter().copied())),
            approvals: Arc::new(MemoryApprovalTokens::default()),
            audit: Arc::new(MemoryAuditLog::default()),
            shipments: Arc::new(MemoryShipments::default()),
            payments: Arc::new(SimulatedPayments::default()),
            notifier: Arc::new(MemoryNotifier::default()),
            idempotency: Arc::new(InMemoryIdempotencyStore::new()),
            publisher: Arc::new(LocalPublisher {
                cloud: cloud.clone(),
            }),
            callbacks: Arc::new(LocalCallbacks { cloud }),
        }
    }
}

/// PutEvents on the local bus; fails when any entry is refused, as the EventBridge
/// adapter does.
pub struct LocalPublisher {
    cloud: Weak<CloudInner>,
}

#[async_trait]
impl EventPublisher for LocalPublisher {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        let cloud = self
            .cloud
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))?;
        let bus = cloud.model.buses.values().next().map(|b| b.name.clone());
        let entries: Vec<PutEventsEntry> = events
            .iter()
            .map(|e| PutEventsEntry {
                source: Some(e.source.clone()),
                detail_type: Some(e.detail_type.clone()),
                detail: Some(e.detail.to_string()),
                event_bus_name: bus.clone(),
                ..Default::default()
            })
            .collect();
        let failed: Vec<String> = cloud
            .put_events(&entries)
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.error_code.map(|code| {
                    format!("entry {i}: {code}: {}", r.error_message.unwrap_or_default())
                })
            })
            .collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(PortError::Permanent(failed.join("; ")))
        }
    }
}

/// SendTaskSuccess / Failure / Heartbeat on this cloud's executions.
pub struct LocalCallbacks {
    cloud: Weak<CloudInner>,
}

impl LocalCallbacks {
    fn tokens(&self) -> Result<orderly_states::TaskTokens, CallbackError> {
        self.cloud
            .upgrade()
            .map(|c| c.sfn.tokens.clone())
            .ok_or_else(|| {
                CallbackError::Port(PortError::Transient("the local cloud has stopped".into()))
            })
    }
}

fn invalid(e: orderly_states::CallbackError) -> CallbackError {
    CallbackError::InvalidToken(e.to_string())
}

#[async_trait]
impl TaskCallbacks for LocalCallbacks {
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_success(task_token, output.clone())
            .map_err(invalid)
    }
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_failure(task_token, error, cause)
            .map_err(invalid)
    }
    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_heartbeat(task_token)
            .map_err(invalid)
    }
}
