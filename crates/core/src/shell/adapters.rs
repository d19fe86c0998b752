//! A source of adapters: the one trait both the AWS SDK adapters and the local cloud's
//! embedded stores implement, so a function's dependencies are built the same way on both.

use crate::clock::SharedClock;
use crate::idempotency::IdempotencyStore;
use crate::items::{ItemStore, KeyNames};
use crate::ports::{
    ApprovalTokens, AuditLog, CustomerNotifier, EventPublisher, OrderIntake, OrderTable,
    PaymentGateway, Reminders, ShipmentWriter, StockReservations, TaskCallbacks,
};
use std::sync::Arc;

/// Hands out the adapter of each [`Port`](super::Port). A resource is named by the value of
/// the port's variable (a table or bus name); a source with one store per kind (the local
/// cloud) may ignore it.
pub trait Adapters: Send + Sync {
    /// The orders table `table`.
    fn orders(&self, table: &str) -> Arc<dyn OrderTable>;
    /// The inventory table `table`.
    fn stock(&self, table: &str) -> Arc<dyn StockReservations>;
    /// The approvals table `table`.
    fn approval_tokens(&self, table: &str) -> Arc<dyn ApprovalTokens>;
    /// The audit table `table`.
    fn audit_log(&self, table: &str) -> Arc<dyn AuditLog>;
    /// The shipments table `table`.
    fn shipments(&self, table: &str) -> Arc<dyn ShipmentWriter>;
    /// The payment provider, keeping its ledger in the payments table `table`.
    fn payments(&self, table: &str) -> Arc<dyn PaymentGateway>;
    /// PutEvents on the bus `bus`.
    fn publisher(&self, bus: &str) -> Arc<dyn EventPublisher>;
    /// Step Functions' task-token callbacks.
    fn task_callbacks(&self) -> Arc<dyn TaskCallbacks>;
    /// Customer notifications.
    fn notifier(&self) -> Arc<dyn CustomerNotifier>;
    /// The idempotency table `table`.
    fn idempotency_store(&self, table: &str) -> Arc<dyn IdempotencyStore>;
    /// The order-intake state machine `state_machine_arn`.
    fn order_intake(&self, state_machine_arn: &str) -> Arc<dyn OrderIntake>;
    /// Reminders put on the bus `bus` by a scheduler assuming the role `role_arn`.
    fn reminders(&self, role_arn: &str, bus: &str) -> Arc<dyn Reminders>;
    /// The table `table` as a generic item store, read by `key` (the key the function
    /// declares; a store checks it against the table's where it can).
    fn items(&self, table: &str, key: KeyNames) -> Arc<dyn ItemStore>;
    /// The one clock every function of this source reads time from.
    fn clock(&self) -> SharedClock;
}
