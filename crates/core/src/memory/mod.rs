//! Embedded adapters of every port: the local cloud runs on them and handler tests use
//! them. Each keeps the conditional-write semantics of its DynamoDB twin in `orderly-aws`
//! (one lock per store, so every check-and-write is atomic).

mod stores;

pub use stores::{
    MemoryApprovalTokens, MemoryAuditLog, MemoryNotifier, MemoryOrders, MemoryPublisher,
    MemoryShipments, MemoryStock, RecordedCallback, RecordingCallbacks, SentNotification,
};
