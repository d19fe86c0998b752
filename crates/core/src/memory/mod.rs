//! Embedded adapters of every port: the local cloud runs on them and handler tests use
//! them. Each keeps the conditional-write semantics of its DynamoDB twin in `orderly-aws`
//! (one lock per store, so every check-and-write is atomic), and keeps its items in a
//! [`table`]: in memory for tests, on disk in the local cloud.

mod adapters;
pub mod dynamo_layout;
mod intake;
pub mod key_locks;
mod payments;
mod reminders;
mod stores;
pub mod table;

pub use adapters::MemoryAdapters;
pub use intake::MemoryIntake;
pub use payments::SimulatedPayments;
pub use reminders::MemoryReminders;

pub use stores::{
    APPROVALS, AUDIT, INVENTORY, MemoryApprovalTokens, MemoryAuditLog, MemoryNotifier,
    MemoryOrders, MemoryPublisher, MemoryShipments, MemoryStock, NOTIFICATIONS, ORDERS,
    RESERVATIONS, RecordedCallback, RecordingCallbacks, SHIPMENTS, SentNotification,
};
