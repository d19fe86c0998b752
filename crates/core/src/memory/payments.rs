//! The simulated payment provider as an embedded adapter, the twin of the payments table
//! adapter in `orderly-aws`: decisions come from [`crate::domain::payment::decide`]; the
//! ledger keeps one entry per order id, as a real provider keyed by order id would, so a
//! repeated authorization never places a second hold, and a void leaves a marker that a late
//! authorization is refused by (see [`PaymentGateway`]). Both pass the contract suite in
//! `orderly_core::payment_contract` (feature `contract-tests`).

use crate::domain::Money;
use crate::domain::payment::{Authorization, decide};
use crate::ports::{AuthorizeError, PaymentGateway, PortError};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Default)]
struct Ledger {
    /// order id → authorization, while the hold stands.
    holds: HashMap<String, Authorization>,
    /// Orders voided, with or without a hold: the marker a late authorization is refused by.
    voided: HashSet<String>,
    /// Holds ever placed, per order: the "at most one authorization" check reads this.
    authorizations: HashMap<String, u32>,
    voids: HashMap<String, u32>,
    /// Calls that reached the provider, per order, including failed ones.
    attempts: HashMap<String, u32>,
}

/// The simulated provider with a ledger, so tests can count holds, voids and attempts.
#[derive(Default)]
pub struct SimulatedPayments {
    ledger: Mutex<Ledger>,
}

impl SimulatedPayments {
    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// How many orders the ledger knows (reached the provider at least once).
    pub fn len(&self) -> usize {
        self.ledger().attempts.len()
    }
    /// Whether no order reached the provider.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Holds ever placed for the order.
    pub fn authorizations(&self, order_id: &str) -> u32 {
        self.ledger()
            .authorizations
            .get(order_id)
            .copied()
            .unwrap_or(0)
    }
    /// Holds released for the order.
    pub fn voids(&self, order_id: &str) -> u32 {
        self.ledger().voids.get(order_id).copied().unwrap_or(0)
    }
    /// Calls that reached the provider for the order, failed ones included.
    pub fn attempts(&self, order_id: &str) -> u32 {
        self.ledger().attempts.get(order_id).copied().unwrap_or(0)
    }
    /// Whether a hold stands for the order.
    pub fn holds(&self, order_id: &str) -> bool {
        self.ledger().holds.contains_key(order_id)
    }
    /// Whether the order was voided (compensated), with or without a hold.
    pub fn voided(&self, order_id: &str) -> bool {
        self.ledger().voided.contains(order_id)
    }
}

#[async_trait]
impl PaymentGateway for SimulatedPayments {
    async fn authorize(
        &self,
        order_id: &str,
        payment_token: &str,
        amount: &Money,
        attempt: u32,
    ) -> Result<Authorization, AuthorizeError> {
        let mut ledger = self.ledger();
        *ledger.attempts.entry(order_id.to_owned()).or_insert(0) += 1;
        // The decision first, then the ledger's condition, in the order the table adapter
        // must take them (it decides, then puts conditionally).
        let authorization = decide(order_id, payment_token, amount, attempt)?;
        if let Some(existing) = ledger.holds.get(order_id) {
            return Ok(existing.clone());
        }
        if ledger.voided.contains(order_id) {
            return Err(AuthorizeError::OrderCancelled {
                order_id: order_id.to_owned(),
            });
        }
        ledger
            .holds
            .insert(order_id.to_owned(), authorization.clone());
        *ledger
            .authorizations
            .entry(order_id.to_owned())
            .or_insert(0) += 1;
        Ok(authorization)
    }

    async fn void(&self, order_id: &str) -> Result<bool, PortError> {
        let mut ledger = self.ledger();
        ledger.voided.insert(order_id.to_owned());
        let had_hold = ledger.holds.remove(order_id).is_some();
        if had_hold {
            *ledger.voids.entry(order_id.to_owned()).or_insert(0) += 1;
        }
        Ok(had_hold)
    }
}
