//! The payments table: the simulated provider's ledger, one item per order, shared by
//! authorize-payment and void-payment (each Lambda process keeping its own ledger would let
//! a void never find its hold).
//!
//! Item: `orderId`, `status` = `HELD` with `authorizationId`, `amount` (N, minor units) and
//! `currency` while the hold stands; `status` = `VOIDED` once compensation voided the order,
//! with the old hold's attributes if it had one. A `VOIDED` item with no hold is the
//! cancellation marker: a void that found nothing leaves it, and the authorization's
//! conditional put refuses to replace it.
//!
//! | call      | request                                                         | IAM action            |
//! |-----------|-----------------------------------------------------------------|-----------------------|
//! | authorize | `PutItem` if `attribute_not_exists(orderId)`, `ALL_OLD` on failure | `dynamodb:PutItem`    |
//! | void      | `UpdateItem SET status = VOIDED`, `ReturnValues = ALL_OLD`          | `dynamodb:UpdateItem` |
//!
//! One request each, no read: a lost race returns the item it lost to.

use super::tables::PAYMENTS_KEY;
use crate::attributes::{Item, int_attr, string_attr};
use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use orderly_core::domain::payment::{Authorization, decide};
use orderly_core::domain::{Currency, Money};
use orderly_core::ports::{AuthorizeError, PaymentGateway, PortError};

/// The state of an order's payment (S): [`HELD`] or [`VOIDED`].
pub const STATUS_ATTRIBUTE: &str = "status";
/// A hold stands.
pub const HELD: &str = "HELD";
/// Compensation voided the order: its hold, if it had one, is released, and no hold can be
/// placed any more.
pub const VOIDED: &str = "VOIDED";
/// The hold's id (S).
pub const AUTHORIZATION_ATTRIBUTE: &str = "authorizationId";
/// The amount held, in minor units (N).
pub const AMOUNT_ATTRIBUTE: &str = "amount";
/// ISO 4217 code of the amount (S).
pub const CURRENCY_ATTRIBUTE: &str = "currency";

/// [`PaymentGateway`] on the payments table: the decision of
/// [`decide`], the ledger in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoPayments {
    client: Client,
    table: String,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

impl DynamoPayments {
    /// The ledger in `table`, using `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The order's payment as stored: its status and, if it was held, the hold (tools and
    /// tests; the functions never read).
    pub async fn entry(
        &self,
        order_id: &str,
    ) -> Result<Option<(String, Option<Authorization>)>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PAYMENTS_KEY, s(order_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(&format!("GetItem {}", self.table), &e))?;
        output
            .item()
            .map(|item| {
                let status = string_attr(item, STATUS_ATTRIBUTE).unwrap_or_default();
                Ok((status.to_owned(), self.hold_of(item)?))
            })
            .transpose()
    }

    /// The hold an item records, if it records one.
    fn hold_of(&self, item: &Item) -> Result<Option<Authorization>, PortError> {
        let Some(authorization_id) = string_attr(item, AUTHORIZATION_ATTRIBUTE) else {
            return Ok(None);
        };
        let broken = |what: &str| {
            PortError::Permanent(format!(
                "{}: payment item of authorization {authorization_id}: {what}",
                self.table
            ))
        };
        let amount = int_attr(item, AMOUNT_ATTRIBUTE).ok_or_else(|| broken("no amount"))?;
        let currency = string_attr(item, CURRENCY_ATTRIBUTE)
            .ok_or_else(|| broken("no currency"))
            .and_then(|c| Currency::try_from(c.to_owned()).map_err(|e| broken(&e.to_string())))?;
        Ok(Some(Authorization {
            authorization_id: authorization_id.to_owned(),
            amount: Money::new(amount, currency),
        }))
    }

    /// What a refused put lost to: the standing hold, or the order's void.
    fn standing(
        &self,
        order_id: &str,
        old: Option<&Item>,
    ) -> Result<Authorization, AuthorizeError> {
        let Some(old) = old else {
            return Err(AuthorizeError::Port(PortError::Permanent(format!(
                "PutItem {}: refused for order {order_id} without the item it lost to",
                self.table
            ))));
        };
        match string_attr(old, STATUS_ATTRIBUTE) {
            Some(HELD) => self.hold_of(old)?.ok_or_else(|| {
                AuthorizeError::Port(PortError::Permanent(format!(
                    "{}: order {order_id} is held without an authorization",
                    self.table
                )))
            }),
            Some(VOIDED) => Err(AuthorizeError::OrderCancelled {
                order_id: order_id.to_owned(),
            }),
            other => Err(AuthorizeError::Port(PortError::Permanent(format!(
                "{}: order {order_id} has an unknown payment status {other:?}",
                self.table
            )))),
        }
    }
}

#[async_trait]
impl PaymentGateway for DynamoPayments {
    async fn authorize(
        &self,
        order_id: &str,
        payment_token: &str,
        amount: &Money,
        attempt: u32,
    ) -> Result<Authorization, AuthorizeError> {
        let authorization = decide(order_id, payment_token, amount, attempt)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PAYMENTS_KEY, s(order_id))
            .item(STATUS_ATTRIBUTE, s(HELD))
            .item(AUTHORIZATION_ATTRIBUTE, s(&authorization.authorization_id))
            .item(
                AMOUNT_ATTRIBUTE,
                AttributeValue::N(authorization.amount.amount.to_string()),
            )
            .item(
                CURRENCY_ATTRIBUTE,
                s(authorization.amount.currency.as_str()),
            )
            // One entry per order: a hold already standing, or the void's marker, wins.
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", PAYMENTS_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(authorization),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    self.standing(order_id, failed.item())
                }
                _ => Err(AuthorizeError::Port(port_error(
                    &format!("PutItem {}", self.table),
                    &err,
                ))),
            },
        }
    }

    async fn void(&self, order_id: &str) -> Result<bool, PortError> {
        // Unconditional: a held order is released, an order with no item gets the marker,
        // a voided one stays voided. The old item says which it was.
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PAYMENTS_KEY, s(order_id))
            .update_expression("SET #status = :voided")
            .expression_attribute_names("#status", STATUS_ATTRIBUTE)
            .expression_attribute_values(":voided", s(VOIDED))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| port_error(&format!("UpdateItem {}", self.table), &e))?;
        let was = output
            .attributes()
            .and_then(|old| string_attr(old, STATUS_ATTRIBUTE));
        Ok(was == Some(HELD))
    }
}
