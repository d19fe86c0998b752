//! The simulated payment provider as an embedded adapter, the twin of the payments table
//! adapter in `orderly-aws`: decisions come from [`crate::domain::payment::decide`]; the
//! ledger keeps one entry per order id, as a real provider keyed by order id would, so a
//! repeated authorization never places a second hold, and a void leaves a marker that a late
//! authorization is refused by (see [`PaymentGateway`]). Both pass the contract suite in
//! `orderly_core::payment_contract` (feature `contract-tests`).

use super::table::{Items, TableError, TableSpace};
use crate::domain::Money;
use crate::domain::payment::{Authorization, decide};
use crate::ports::{AuthorizeError, PaymentGateway, PortError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// The table name the provider's ledger opens in a [`TableSpace`].
pub const PAYMENTS: &str = "payments";

/// The ledger's entry of one order.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The authorization while the hold stands.
    pub(crate) hold: Option<Authorization>,
    /// Whether the order was voided, with or without a hold: the marker a late
    /// authorization is refused by.
    pub(crate) voided: bool,
    /// Holds ever placed: the "at most one authorization" check reads this.
    pub(crate) authorizations: u32,
    pub(crate) voids: u32,
    /// Calls that reached the provider, including failed ones.
    pub(crate) attempts: u32,
}

/// The simulated provider with a ledger, so tests can count holds, voids and attempts.
pub struct SimulatedPayments {
    pub(crate) ledger: Mutex<Items<Entry>>,
}

impl Default for SimulatedPayments {
    fn default() -> Self {
        Self::on(Items::memory(PAYMENTS))
    }
}

impl SimulatedPayments {
    fn on(items: Items<Entry>) -> Self {
        Self {
            ledger: Mutex::new(items),
        }
    }
    /// The provider keeping its ledger in `space`'s payments table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, PAYMENTS)?))
    }
    fn ledger(&self) -> std::sync::MutexGuard<'_, Items<Entry>> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn entry(&self, order_id: &str) -> Result<Entry, TableError> {
        Ok(self.ledger().get(order_id)?.unwrap_or_default())
    }
    /// How many orders the ledger has an entry for: authorized (or tried to) or voided.
    pub fn len(&self) -> usize {
        self.ledger().len()
    }
    /// Whether no order reached the provider.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Holds ever placed for the order.
    pub fn authorizations(&self, order_id: &str) -> Result<u32, TableError> {
        Ok(self.entry(order_id)?.authorizations)
    }
    /// Holds released for the order.
    pub fn voids(&self, order_id: &str) -> Result<u32, TableError> {
        Ok(self.entry(order_id)?.voids)
    }
    /// Calls that reached the provider for the order, failed ones included.
    pub fn attempts(&self, order_id: &str) -> Result<u32, TableError> {
        Ok(self.entry(order_id)?.attempts)
    }
    /// Whether a hold stands for the order.
    pub fn holds(&self, order_id: &str) -> Result<bool, TableError> {
        Ok(self.entry(order_id)?.hold.is_some())
    }
    /// Whether the order was voided (compensated), with or without a hold.
    pub fn voided(&self, order_id: &str) -> Result<bool, TableError> {
        Ok(self.entry(order_id)?.voided)
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
        let ledger = self.ledger();
        let mut entry = ledger
            .get(order_id)
            .map_err(PortError::from)?
            .unwrap_or_default();
        entry.attempts += 1;
        // The decision first, then the ledger's condition, in the order the table adapter
        // must take them (it decides, then puts conditionally).
        let decided = decide(order_id, payment_token, amount, attempt);
        let outcome = match (decided, &entry.hold) {
            (Err(e), _) => Err(AuthorizeError::from(e)),
            (Ok(_), Some(existing)) => Ok(existing.clone()),
            (Ok(_), None) if entry.voided => Err(AuthorizeError::OrderCancelled {
                order_id: order_id.to_owned(),
            }),
            (Ok(authorization), None) => {
                entry.hold = Some(authorization.clone());
                entry.authorizations += 1;
                Ok(authorization)
            }
        };
        ledger.put(order_id, &entry).map_err(PortError::from)?;
        outcome
    }

    async fn void(&self, order_id: &str) -> Result<bool, PortError> {
        let ledger = self.ledger();
        let mut entry = ledger.get(order_id)?.unwrap_or_default();
        entry.voided = true;
        let had_hold = entry.hold.take().is_some();
        if had_hold {
            entry.voids += 1;
        }
        ledger.put(order_id, &entry)?;
        Ok(had_hold)
    }
}
