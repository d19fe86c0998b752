//! The ports a function can declare, and the variables that name their resources.

use crate::items::KeyNames;

/// An adapter a function needs. Each port that stands for a resource of the template is
/// named by one environment variable; the others need none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    /// The orders table: writes, status reads and writes.
    Orders,
    /// The inventory table: stock reservations.
    Stock,
    /// The approvals table: task tokens of orders waiting for a person.
    ApprovalTokens,
    /// The audit table.
    AuditLog,
    /// The shipments table.
    Shipments,
    /// The payment provider's ledger (the payments table of the simulated provider).
    Payments,
    /// The event bus (PutEvents).
    Publisher,
    /// Step Functions' task-token callbacks.
    TaskCallbacks,
    /// Customer notifications.
    Notifier,
    /// The idempotency table.
    Idempotency,
    /// The order-intake state machine (StartSyncExecution).
    OrderIntake,
    /// One-time reminders on the bus (EventBridge Scheduler), made with the role its
    /// variable names.
    Reminders,
    /// A table of the function's own, as a generic item store
    /// ([`ItemStore`](crate::items::ItemStore)).
    Items(ItemsTable),
}

/// A table a function keeps items in through the generic item store: the variable that
/// names it, and the key the function reads it by (which the template's table must
/// have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemsTable {
    /// The environment variable that holds the table's name (`LOYALTY_TABLE`).
    pub variable: &'static str,
    /// The table's key attributes.
    pub key: KeyNames,
}

impl Port {
    /// Every port with no parameter: all but [`Port::Items`], one per table.
    pub const ALL: [Port; 12] = [
        Port::Orders,
        Port::Stock,
        Port::ApprovalTokens,
        Port::AuditLog,
        Port::Shipments,
        Port::Payments,
        Port::Publisher,
        Port::TaskCallbacks,
        Port::Notifier,
        Port::Idempotency,
        Port::OrderIntake,
        Port::Reminders,
    ];

    /// The environment variable that names this port's resource, if it has one.
    pub const fn variable(self) -> Option<&'static str> {
        match self {
            Port::Orders => Some("ORDERS_TABLE"),
            Port::Stock => Some("INVENTORY_TABLE"),
            Port::ApprovalTokens => Some("APPROVALS_TABLE"),
            Port::AuditLog => Some("AUDIT_TABLE"),
            Port::Shipments => Some("SHIPMENTS_TABLE"),
            Port::Payments => Some("PAYMENTS_TABLE"),
            Port::Publisher => Some("EVENT_BUS_NAME"),
            Port::Idempotency => Some("IDEMPOTENCY_TABLE"),
            Port::OrderIntake => Some("ORDER_INTAKE_STATE_MACHINE_ARN"),
            Port::Reminders => Some("REMINDER_ROLE_ARN"),
            Port::Items(table) => Some(table.variable),
            Port::TaskCallbacks | Port::Notifier => None,
        }
    }
}

/// An environment variable a function reads beyond its ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The variable.
    pub name: &'static str,
    /// Whether the function cannot start without it.
    pub required: bool,
}

impl Setting {
    /// A variable the function cannot start without.
    pub const fn required(name: &'static str) -> Self {
        Self {
            name,
            required: true,
        }
    }

    /// A variable with a default when unset.
    pub const fn optional(name: &'static str) -> Self {
        Self {
            name,
            required: false,
        }
    }
}
