//! Embedded adapters of every port: the local cloud runs on them and handler tests use
//! them. Each keeps the conditional-write semantics of its DynamoDB twin in `orderly-aws`
//! (one lock per store, so every check-and-write is atomic).

mod adapters;
mod payments;
mod stores;

pub use adapters::MemoryAdapters;
pub use payments::SimulatedPayments;

pub use stores::{
    MemoryApprovalTokens, MemoryAuditLog, MemoryNotifier, MemoryOrders, MemoryPublisher,
    MemoryShipments, MemoryStock, RecordedCallback, RecordingCallbacks, SentNotification,
};
