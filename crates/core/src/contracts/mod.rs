//! The published language of the system: the envelope and every event, versioned.

pub mod compat;
pub mod envelope;
pub mod events;
pub mod messages;
pub mod schema;

pub use envelope::{
    Contract, ContractError, Detail, EVENT_VERSION, Metadata, OutboundEvent, parse_detail,
    parse_event,
};
pub use events::*;
pub use messages::CustomerNotification;
