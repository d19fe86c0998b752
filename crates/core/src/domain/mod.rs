//! Domain rules of the Orders context, free of any transport.

pub mod approval;
pub mod money;
pub mod order;
pub mod payment;

pub use money::{Currency, Money};
pub use order::{
    Address, ApprovalPolicy, Customer, CustomerRef, FulfillmentOrder, Order, OrderError, OrderLine,
    lines_total,
};
