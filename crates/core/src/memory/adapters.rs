//! The embedded adapters as one [`Adapters`] source, for building a declared function in a
//! test exactly as its hosts do.

use super::table::{TableError, TableSpace};
use super::{
    MemoryApprovalTokens, MemoryAuditLog, MemoryIntake, MemoryNotifier, MemoryOrders,
    MemoryPublisher, MemoryShipments, MemoryStock, RecordingCallbacks, SimulatedPayments,
};
use crate::clock::{ManualClock, SharedClock};
use crate::idempotency::{IdempotencyStore, InMemoryIdempotencyStore};
use crate::items::{ItemStore, KeyNames, MemoryItems};
use crate::ports::{
    ApprovalTokens, AuditLog, CustomerNotifier, EventPublisher, OrderIntake, OrderTable,
    PaymentGateway, Reminders, ShipmentWriter, StockReservations, TaskCallbacks,
};
use crate::shell::Adapters;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One embedded store of each kind and one clock; every resource name maps to the same
/// store, and the fields stay reachable so a test can look inside. The bus and the task
/// callbacks are type parameters: tests record them ([`MemoryPublisher`],
/// [`RecordingCallbacks`]), the local cloud routes them to its bus and its executions.
pub struct MemoryAdapters<P = MemoryPublisher, C = RecordingCallbacks> {
    /// The orders table.
    pub orders: Arc<MemoryOrders>,
    /// The inventory table.
    pub stock: Arc<MemoryStock>,
    /// The approvals table.
    pub approvals: Arc<MemoryApprovalTokens>,
    /// The audit table.
    pub audit: Arc<MemoryAuditLog>,
    /// The shipments table.
    pub shipments: Arc<MemoryShipments>,
    /// The payment provider's ledger (the payments table).
    pub payments: Arc<SimulatedPayments>,
    /// The bus.
    pub publisher: Arc<P>,
    /// Step Functions' callbacks.
    pub callbacks: Arc<C>,
    /// Notifications, recorded.
    pub notifier: Arc<MemoryNotifier>,
    /// The idempotency table.
    pub idempotency: Arc<InMemoryIdempotencyStore>,
    /// The order intake: the domain's rules, no tax (the local cloud runs the machine).
    pub intake: Arc<MemoryIntake>,
    /// Reminders, recorded.
    pub reminders: Arc<super::MemoryReminders>,
    /// The tables of the generic item store, by name: each made empty when a function
    /// first asks for it.
    pub items: Arc<std::sync::Mutex<BTreeMap<String, Arc<MemoryItems>>>>,
    /// The clock every function built from this source reads.
    pub clock: SharedClock,
}

impl<P, C> MemoryAdapters<P, C> {
    /// The stores in `space`'s tables (empty for a new space), with `publisher`,
    /// `callbacks` and `clock`.
    pub fn open(
        space: &dyn TableSpace,
        publisher: P,
        callbacks: C,
        clock: SharedClock,
    ) -> Result<Self, TableError> {
        Ok(Self {
            orders: Arc::new(MemoryOrders::open(space)?),
            stock: Arc::new(MemoryStock::open(space)?),
            approvals: Arc::new(MemoryApprovalTokens::open(space)?),
            audit: Arc::new(MemoryAuditLog::open(space)?),
            shipments: Arc::new(MemoryShipments::open(space)?),
            payments: Arc::new(SimulatedPayments::open(space)?),
            publisher: Arc::new(publisher),
            callbacks: Arc::new(callbacks),
            notifier: Arc::new(MemoryNotifier::open(space)?),
            idempotency: Arc::new(InMemoryIdempotencyStore::open(space)?),
            intake: Arc::default(),
            reminders: Arc::default(),
            items: Arc::default(),
            clock,
        })
    }

    /// The same stores and clock with another bus and other callbacks: a host opens its
    /// tables first and wires in the bus and callbacks once they exist.
    pub fn with_bus<P2, C2>(self, publisher: P2, callbacks: C2) -> MemoryAdapters<P2, C2> {
        MemoryAdapters {
            orders: self.orders,
            stock: self.stock,
            approvals: self.approvals,
            audit: self.audit,
            shipments: self.shipments,
            payments: self.payments,
            publisher: Arc::new(publisher),
            callbacks: Arc::new(callbacks),
            notifier: self.notifier,
            idempotency: self.idempotency,
            intake: self.intake,
            reminders: self.reminders,
            items: self.items,
            clock: self.clock,
        }
    }

    /// Empty stores in memory, but for `stock`, with `publisher`, `callbacks` and `clock`.
    pub fn new(stock: MemoryStock, publisher: P, callbacks: C, clock: SharedClock) -> Self {
        Self {
            orders: Arc::default(),
            stock: Arc::new(stock),
            approvals: Arc::default(),
            audit: Arc::default(),
            shipments: Arc::default(),
            payments: Arc::default(),
            publisher: Arc::new(publisher),
            callbacks: Arc::new(callbacks),
            notifier: Arc::default(),
            idempotency: Arc::default(),
            intake: Arc::default(),
            reminders: Arc::default(),
            items: Arc::default(),
            clock,
        }
    }
}

/// Empty stores with a recording bus and recording callbacks, on a [`ManualClock`] at 0.
impl Default for MemoryAdapters {
    fn default() -> Self {
        Self::new(
            MemoryStock::default(),
            MemoryPublisher::default(),
            RecordingCallbacks::default(),
            Arc::new(ManualClock::new(0)),
        )
    }
}

impl<P, C> Adapters for MemoryAdapters<P, C>
where
    P: EventPublisher + 'static,
    C: TaskCallbacks + 'static,
{
    fn orders(&self, _table: &str) -> Arc<dyn OrderTable> {
        self.orders.clone()
    }
    fn stock(&self, _table: &str) -> Arc<dyn StockReservations> {
        self.stock.clone()
    }
    fn approval_tokens(&self, _table: &str) -> Arc<dyn ApprovalTokens> {
        self.approvals.clone()
    }
    fn audit_log(&self, _table: &str) -> Arc<dyn AuditLog> {
        self.audit.clone()
    }
    fn shipments(&self, _table: &str) -> Arc<dyn ShipmentWriter> {
        self.shipments.clone()
    }
    fn payments(&self, _table: &str) -> Arc<dyn PaymentGateway> {
        self.payments.clone()
    }
    fn publisher(&self, _bus: &str) -> Arc<dyn EventPublisher> {
        self.publisher.clone()
    }
    fn task_callbacks(&self) -> Arc<dyn TaskCallbacks> {
        self.callbacks.clone()
    }
    fn notifier(&self) -> Arc<dyn CustomerNotifier> {
        self.notifier.clone()
    }
    fn idempotency_store(&self, _table: &str) -> Arc<dyn IdempotencyStore> {
        self.idempotency.clone()
    }
    fn order_intake(&self, _state_machine_arn: &str) -> Arc<dyn OrderIntake> {
        self.intake.clone()
    }
    fn reminders(&self, _role_arn: &str, _bus: &str) -> Arc<dyn Reminders> {
        self.reminders.clone()
    }
    fn items(&self, table: &str, key: KeyNames) -> Arc<dyn ItemStore> {
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(table.to_owned())
            .or_insert_with(|| Arc::new(MemoryItems::new(key)))
            .clone()
    }
    fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
}
