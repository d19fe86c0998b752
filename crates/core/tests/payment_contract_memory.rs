//! The payment gateway contract, run against the embedded ledger (the local cloud's and the
//! handler tests' provider).

use std::sync::Arc;

use orderly_core::memory::SimulatedPayments;
use orderly_core::ports::PaymentGateway;

async fn simulated_payments() -> Arc<dyn PaymentGateway> {
    Arc::new(SimulatedPayments::default())
}

orderly_core::payment_gateway_contract!(simulated_payments);
