//! The notifier the Lambda uses: it records that a message went out, without its
//! content or the customer's contact details. A real deployment swaps in e-mail or SMS,
//! passing the message id as the provider's idempotency key.

use async_trait::async_trait;
use orderly_core::ports::{CustomerNotifier, PortError};

#[derive(Debug, Default, Clone, Copy)]
/// Logs that a notification went out.
pub struct LoggingNotifier;

#[async_trait]
impl CustomerNotifier for LoggingNotifier {
    async fn notify(
        &self,
        message_id: &str,
        customer_id: &str,
        subject: &str,
        _body: &str,
    ) -> Result<(), PortError> {
        tracing::info!(message_id, customer_id, subject, "notification sent");
        Ok(())
    }
}
