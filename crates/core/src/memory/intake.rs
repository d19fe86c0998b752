//! The embedded order intake, for handler tests: the domain's order rules stand in for the
//! state machine's, and a test may script the answer. The machine's own rules (tax,
//! fraud score, every reason) are tested against the machine in the local cloud
//! (`crates/local/tests/order_intake.rs`).

use crate::domain::{Currency, Money, Order};
use crate::intake::{IntakeError, Priced, Rejected, Tax};
use crate::ports::{OrderIntake, PortError};
use async_trait::async_trait;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Accepts what [`Order::validate`] accepts, at no tax and a fraud score of 0; refuses the
/// rest with the domain's first reason. [`refusing`](Self::refusing) and
/// [`failing`](Self::failing) script every later answer instead.
#[derive(Debug, Default)]
pub struct MemoryIntake {
    scripted: Mutex<Option<IntakeError>>,
    calls: AtomicUsize,
}

impl MemoryIntake {
    /// An intake that refuses every order with `rejected`.
    pub fn refusing(rejected: Rejected) -> Self {
        Self {
            scripted: Mutex::new(Some(IntakeError::Rejected(rejected))),
            calls: AtomicUsize::new(0),
        }
    }

    /// An intake that answers no decision, with `error`.
    pub fn failing(error: PortError) -> Self {
        Self {
            scripted: Mutex::new(Some(IntakeError::Port(error))),
            calls: AtomicUsize::new(0),
        }
    }

    /// How many orders it was asked about.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl OrderIntake for MemoryIntake {
    async fn validate(&self, order: &Order, _correlation_id: &str) -> Result<Priced, IntakeError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(scripted) = self
            .scripted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Err(scripted);
        }
        order
            .validate()
            .map_err(|e| IntakeError::Rejected(Rejected::from(&e)))?;
        let currency: Currency = order.currency().clone();
        Ok(Priced {
            subtotal: order.total.clone(),
            tax: Tax {
                amount: 0,
                currency: currency.clone(),
                country: order.shipping_address.country.clone(),
                basis_points: 0,
            },
            total: Money::new(order.total.amount, currency),
            fraud_score: 0,
        })
    }
}
