//! Request shape and error mapping of the DynamoDB adapters, with the SDK's mock client.
//! Cases moto cannot produce (conflicting transactions) are covered here.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::{PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsInput,
};
use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ReturnValuesOnConditionCheckFailure,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use orderly_aws::dynamodb::{DynamoOrders, DynamoStock};
use orderly_core::domain::Order;
use orderly_core::ports::{OrderWriter, PortError, StockError, StockReservations};
use serde_json::json;
use std::sync::{Arc, Mutex};

fn reason(code: &str, available: Option<i64>) -> CancellationReason {
    CancellationReason::builder()
        .code(code)
        .set_item(available.map(|a| {
            [
                ("sku".to_owned(), AttributeValue::S("SKU-1".into())),
                ("available".to_owned(), AttributeValue::N(a.to_string())),
            ]
            .into()
        }))
        .build()
}

/// A stock adapter whose transactions are cancelled with `reasons`; returns the requests.
fn cancelled_stock(
    reasons: Vec<CancellationReason>,
) -> (DynamoStock, Arc<Mutex<Vec<TransactWriteItemsInput>>>) {
    let calls: Arc<Mutex<Vec<TransactWriteItemsInput>>> = Arc::default();
    let log = calls.clone();
    let rule = mock!(Client::transact_write_items)
        .match_requests(move |input| {
            log.lock().expect("log").push(input.clone());
            true
        })
        .then_error(move || {
            TransactWriteItemsError::TransactionCanceledException(
                TransactionCanceledException::builder()
                    .message("Transaction cancelled")
                    .set_cancellation_reasons(Some(reasons.clone()))
                    .build(),
            )
        });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
    (DynamoStock::new(client, "inventory"), calls)
}

#[tokio::test]
async fn reserve_is_one_transaction_of_a_conditional_put_and_a_guarded_decrement() {
    let (stock, calls) = cancelled_stock(vec![
        reason("ConditionalCheckFailed", None),
        reason("None", None),
    ]);

    assert_eq!(
        stock.reserve("o-1", "SKU-1", 2).await,
        Ok(()),
        "existing reservation: no-op"
    );

    let calls = calls.lock().expect("calls");
    let items = calls[0].transact_items();
    assert_eq!(items.len(), 2);
    let put = items[0].put().expect("reservation put");
    assert_eq!(
        put.item().get("sku"),
        Some(&AttributeValue::S("RES#o-1#SKU-1".into()))
    );
    assert_eq!(
        put.item().get("quantity"),
        Some(&AttributeValue::N("2".into()))
    );
    assert_eq!(
        put.condition_expression(),
        Some("attribute_not_exists(#key)")
    );
    let update = items[1].update().expect("stock update");
    assert_eq!(
        update.key().get("sku"),
        Some(&AttributeValue::S("SKU-1".into()))
    );
    assert_eq!(
        update.condition_expression(),
        Some("attribute_exists(#key) AND #available >= :qty")
    );
    assert_eq!(
        update.return_values_on_condition_check_failure(),
        Some(&ReturnValuesOnConditionCheckFailure::AllOld)
    );
}

#[tokio::test]
async fn cancellation_reasons_map_to_stock_errors() {
    let cases: Vec<(Vec<CancellationReason>, Result<(), StockError>)> = vec![
        (
            vec![
                reason("None", None),
                reason("ConditionalCheckFailed", Some(1)),
            ],
            Err(StockError::OutOfStock {
                sku: "SKU-1".into(),
                wanted: 2,
                available: 1,
            }),
        ),
        (
            vec![reason("None", None), reason("ConditionalCheckFailed", None)],
            Err(StockError::UnknownSku("SKU-1".into())),
        ),
        (
            vec![
                reason("ConditionalCheckFailed", None),
                reason("ConditionalCheckFailed", Some(0)),
            ],
            Ok(()),
        ),
    ];
    for (reasons, expected) in cases {
        let (stock, _) = cancelled_stock(reasons.clone());
        assert_eq!(
            stock.reserve("o-1", "SKU-1", 2).await,
            expected,
            "{reasons:?}"
        );
    }
}

#[tokio::test]
async fn a_conflicting_transaction_is_transient_and_a_validation_failure_is_not() {
    let (stock, _) = cancelled_stock(vec![
        reason("TransactionConflict", None),
        reason("None", None),
    ]);
    let result = stock.reserve("o-1", "SKU-1", 2).await;
    assert!(
        matches!(&result, Err(StockError::Port(PortError::Transient(m))) if m.contains("TransactionConflict")),
        "{result:?}"
    );

    let (stock, _) = cancelled_stock(vec![reason("ValidationError", None), reason("None", None)]);
    let result = stock.reserve("o-1", "SKU-1", 2).await;
    assert!(
        matches!(result, Err(StockError::Port(PortError::Permanent(_)))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_non_positive_quantity_is_refused_without_a_call() {
    let (stock, calls) = cancelled_stock(vec![]);
    for quantity in [0, -3] {
        let result = stock.reserve("o-1", "SKU-1", quantity).await;
        assert!(
            matches!(result, Err(StockError::Port(PortError::Permanent(_)))),
            "{result:?}"
        );
    }
    assert!(calls.lock().expect("calls").is_empty());
}

#[tokio::test]
async fn an_order_insert_is_conditional_and_asks_for_the_old_item() {
    let seen: Arc<Mutex<Vec<PutItemInput>>> = Arc::default();
    let log = seen.clone();
    let rule = mock!(Client::put_item)
        .match_requests(move |input| {
            log.lock().expect("log").push(input.clone());
            true
        })
        .then_output(|| PutItemOutput::builder().build());
    let orders = DynamoOrders::new(
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]),
        "orders",
    );
    let order: Order = serde_json::from_value(json!({
        "orderId": "o-1",
        "customer": {"customerId": "c-1", "email": "c@example.com", "name": "C"},
        "lines": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}],
        "total": {"amount": 2500, "currency": "EUR"},
        "paymentToken": "tok-ok",
        "shippingAddress": {"line1": "1 Road", "city": "Town", "postcode": "1000", "country": "BE"},
        "placedAt": "2026-11-26T12:00:00Z"
    }))
    .expect("order");

    orders
        .insert_order((&order).into(), "PENDING")
        .await
        .expect("insert");

    let seen = seen.lock().expect("seen");
    let input = &seen[0];
    assert_eq!(
        input.condition_expression(),
        Some("attribute_not_exists(#key)")
    );
    assert_eq!(
        input
            .expression_attribute_names()
            .and_then(|n| n.get("#key"))
            .map(String::as_str),
        Some("orderId")
    );
    assert_eq!(
        input.return_values_on_condition_check_failure(),
        Some(&ReturnValuesOnConditionCheckFailure::AllOld)
    );
    let item = input.item().expect("item");
    assert_eq!(
        item.get("status"),
        Some(&AttributeValue::S("PENDING".into()))
    );
    let total = item
        .get("total")
        .and_then(|t| t.as_m().ok())
        .expect("total map");
    assert_eq!(total.get("amount"), Some(&AttributeValue::N("2500".into())));
}
