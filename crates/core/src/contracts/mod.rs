//! The published language of the system: the envelope and every event, versioned.

pub mod compat;
pub mod envelope;
pub mod events;
pub mod messages;
pub mod order_confirmed_v2;
pub mod schema;

pub use envelope::{
    Contract, ContractError, Detail, EVENT_VERSION, Metadata, OutboundEvent, parse_detail,
    parse_event,
};
pub use events::*;
pub use messages::CustomerNotification;
pub use order_confirmed_v2::{OrderConfirmedV2, PricedLine};
