//! DynamoDB adapters against an AWS-compatible server (moto's).

mod common;

use orderly_aws::dynamodb::tables::{
    APPROVALS_KEY, AUDIT_KEY, INVENTORY_KEY, ORDERS_KEY, SHIPMENTS_KEY,
};
use orderly_aws::dynamodb::{
    DynamoApprovalTokens, DynamoAuditLog, DynamoOrders, DynamoShipments, DynamoStock,
};
use orderly_core::clock::{Clock, SystemClock};
use orderly_core::domain::Order;
use orderly_core::domain::approval::ApprovalDecision;
use orderly_core::ports::{
    ApprovalTokens, AuditEntry, AuditLog, InsertOutcome, OrderStatusReader, OrderStatusWriter,
    OrderWriter, PortError, ShipmentWriter, StockError, StockReservations,
};
use serde_json::json;

fn order(order_id: &str) -> Order {
    serde_json::from_value(json!({
        "orderId": order_id,
        "customer": {"customerId": "c-1", "email": "c@example.com", "name": "C"},
        "lines": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}],
        "total": {"amount": 2500, "currency": "EUR"},
        "paymentToken": "tok-ok",
        "shippingAddress": {"line1": "1 Road", "city": "Town", "postcode": "1000", "country": "BE"},
        "placedAt": "2026-11-26T12:00:00Z"
    }))
    .expect("valid order")
}

async fn stock() -> DynamoStock {
    let client = common::dynamodb().await;
    let table = common::table(&client, "inventory", INVENTORY_KEY).await;
    DynamoStock::new(client, table)
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn second_insert_of_an_order_fails_and_returns_the_stored_order() {
    let client = common::dynamodb().await;
    let orders = DynamoOrders::new(
        client.clone(),
        common::table(&client, "orders", ORDERS_KEY).await,
    );
    let first = order("o-1");

    assert_eq!(
        orders.insert_order((&first).into(), "PENDING").await,
        Ok(InsertOutcome::Inserted)
    );
    let mut second = first.clone();
    second.payment_token = "tok-other".into();
    let outcome = orders
        .insert_order((&second).into(), "APPROVED")
        .await
        .expect("insert");

    let InsertOutcome::AlreadyExists(old) = outcome else {
        panic!("second insert should have failed, got {outcome:?}")
    };
    assert_eq!(old["status"], "PENDING");
    assert_eq!(old["paymentToken"], "tok-ok");
    assert_eq!(old["total"], json!({"amount": 2500, "currency": "EUR"}));
    // The stored order reads back as the order that was written.
    let mut stored = old.clone();
    stored.as_object_mut().expect("object").remove("status");
    assert_eq!(
        serde_json::from_value::<Order>(stored).expect("order"),
        first
    );
    assert_eq!(orders.status("o-1").await, Ok(Some("PENDING".into())));
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn status_moves_only_for_stored_orders() {
    let client = common::dynamodb().await;
    let orders = DynamoOrders::new(
        client.clone(),
        common::table(&client, "orders", ORDERS_KEY).await,
    );
    orders
        .insert_order((&order("o-1")).into(), "PENDING")
        .await
        .expect("insert");

    orders
        .set_status("o-1", "CONFIRMED")
        .await
        .expect("set status");
    assert_eq!(orders.status("o-1").await, Ok(Some("CONFIRMED".into())));

    let missing = orders.set_status("o-404", "CONFIRMED").await;
    assert!(
        matches!(&missing, Err(PortError::Permanent(m)) if m.contains("o-404")),
        "{missing:?}"
    );
    assert_eq!(
        orders.status("o-404").await,
        Ok(None),
        "no status-only item was created"
    );
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn reserve_takes_stock_once_and_release_gives_it_back_once() {
    let stock = stock().await;
    stock.put_stock("SKU-1", 5).await.expect("seed");

    stock.reserve("o-1", "SKU-1", 3).await.expect("reserve");
    assert_eq!(stock.available("SKU-1").await, Ok(Some(2)));
    // A redelivered reserve for the same order and SKU takes nothing more.
    stock
        .reserve("o-1", "SKU-1", 3)
        .await
        .expect("repeat reserve");
    assert_eq!(stock.available("SKU-1").await, Ok(Some(2)));
    assert_eq!(stock.reserved("o-1", "SKU-1").await, Ok(Some(3)));

    assert_eq!(stock.release("o-1", "SKU-1").await, Ok(3));
    assert_eq!(stock.available("SKU-1").await, Ok(Some(5)));
    assert_eq!(
        stock.release("o-1", "SKU-1").await,
        Ok(0),
        "second release is a no-op"
    );
    assert_eq!(stock.available("SKU-1").await, Ok(Some(5)));
    assert_eq!(stock.reserved("o-1", "SKU-1").await, Ok(None));
}

/// Compensation racing the forward step: a reserve arriving after the release of the same
/// (order, sku) — released with nothing reserved, or after a reservation — takes nothing.
#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_reserve_after_its_release_takes_nothing() {
    let stock = stock().await;
    stock.put_stock("SKU-1", 5).await.expect("seed");

    assert_eq!(stock.release("o-late", "SKU-1").await, Ok(0));
    stock
        .reserve("o-late", "SKU-1", 3)
        .await
        .expect("late reserve");
    assert_eq!(
        stock.available("SKU-1").await,
        Ok(Some(5)),
        "the late reserve took nothing"
    );
    assert_eq!(stock.reserved("o-late", "SKU-1").await, Ok(None));

    stock.reserve("o-again", "SKU-1", 2).await.expect("reserve");
    assert_eq!(stock.release("o-again", "SKU-1").await, Ok(2));
    stock
        .reserve("o-again", "SKU-1", 2)
        .await
        .expect("late reserve");
    assert_eq!(stock.available("SKU-1").await, Ok(Some(5)));
    assert_eq!(stock.release("o-again", "SKU-1").await, Ok(0));
    assert_eq!(stock.available("SKU-1").await, Ok(Some(5)));
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn reserving_more_than_available_fails_and_takes_nothing() {
    let stock = stock().await;
    stock.put_stock("SKU-1", 2).await.expect("seed");

    let result = stock.reserve("o-2", "SKU-1", 3).await;

    assert_eq!(
        result,
        Err(StockError::OutOfStock {
            sku: "SKU-1".into(),
            wanted: 3,
            available: 2
        })
    );
    assert_eq!(stock.available("SKU-1").await, Ok(Some(2)));
    assert_eq!(
        stock.reserved("o-2", "SKU-1").await,
        Ok(None),
        "no reservation left behind"
    );
    assert_eq!(stock.release("o-2", "SKU-1").await, Ok(0));
    assert_eq!(stock.available("SKU-1").await, Ok(Some(2)));
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn unknown_skus_are_named() {
    let stock = stock().await;
    assert_eq!(
        stock.reserve("o-1", "SKU-NONE", 1).await,
        Err(StockError::UnknownSku("SKU-NONE".into()))
    );
    assert_eq!(
        stock.available("SKU-NONE").await,
        Ok(None),
        "no stock item was created"
    );
    assert_eq!(stock.release("o-1", "SKU-NONE").await, Ok(0));
}

/// Sequential on purpose: moto rolls a cancelled transaction back by restoring the whole
/// table as it was when that transaction began, which undoes transactions that succeeded
/// concurrently. Against DynamoDB the condition holds under concurrency as well.
#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn reserves_beyond_the_stock_are_refused_and_stock_never_goes_below_zero() {
    let stock = stock().await;
    stock.put_stock("SKU-1", 5).await.expect("seed");

    let mut results = Vec::new();
    for i in 0..12 {
        results.push(stock.reserve(&format!("o-{i}"), "SKU-1", 1).await);
    }

    let reserved = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StockError::OutOfStock { available: 0, .. })))
        .count();
    assert_eq!((reserved, refused), (5, 7), "{results:?}");
    assert_eq!(stock.available("SKU-1").await, Ok(Some(0)));
    assert_eq!(stock.reserved("o-5", "SKU-1").await, Ok(None));
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_task_token_is_taken_once_and_not_after_it_expired() {
    let client = common::dynamodb().await;
    let tokens = DynamoApprovalTokens::new(
        client.clone(),
        common::table(&client, "approvals", APPROVALS_KEY).await,
    );
    let in_an_hour = SystemClock.now_ms().div_euclid(1000) + 3600;
    let decision = ApprovalDecision {
        approved: true,
        decided_by: "approver-17".into(),
        comment: Some("Known customer.".into()),
    };

    assert_eq!(tokens.save("o-1", "token-1", in_an_hour).await, Ok(None));
    assert_eq!(tokens.save("o-1", "token-2", in_an_hour).await, Ok(None));
    assert_eq!(
        tokens.decide("o-1", &decision, in_an_hour).await,
        Ok(Some("token-2".into()))
    );
    assert_eq!(
        tokens.decide("o-1", &decision, in_an_hour).await,
        Ok(None),
        "a token is taken once"
    );
    // A token saved after the decision (a retried attempt) finds it.
    assert_eq!(
        tokens.save("o-1", "token-3", in_an_hour).await,
        Ok(Some(decision.clone()))
    );

    assert_eq!(tokens.save("o-2", "token-old", 1_000).await, Ok(None));
    assert_eq!(
        tokens.decide("o-2", &decision, in_an_hour).await,
        Ok(None),
        "expired tokens are not handed out"
    );
    let rejected = ApprovalDecision {
        approved: false,
        decided_by: "approver-9".into(),
        comment: None,
    };
    assert_eq!(tokens.decide("o-3", &rejected, in_an_hour).await, Ok(None));
    assert_eq!(
        tokens.save("o-3", "token-1", in_an_hour).await,
        Ok(Some(rejected)),
        "a decision without a comment comes back as it was made"
    );
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn an_event_is_audited_once_per_event_id() {
    let client = common::dynamodb().await;
    let audit = DynamoAuditLog::new(
        client.clone(),
        common::table(&client, "audit", AUDIT_KEY).await,
    );
    let entry = AuditEntry {
        event_id: "ev-1".into(),
        correlation_id: "corr-1".into(),
        source: "com.orders".into(),
        detail_type: "OrderCreated".into(),
        time: "2026-11-26T12:00:00Z".into(),
        order_id: "o-1".into(),
        facts: json!({"orderId": "o-1", "total": {"amount": 2500}, "": "empty key"}),
        expires_at_epoch_s: 1_800_000_000,
    };

    assert_eq!(audit.append(&entry).await, Ok(InsertOutcome::Inserted));
    let again = audit.append(&entry).await.expect("append again");

    let InsertOutcome::AlreadyExists(old) = again else {
        panic!("redelivery should be refused, got {again:?}")
    };
    assert_eq!(old["facts"], entry.facts);
    assert_eq!(old["correlationId"], "corr-1");
    assert_eq!(
        old["expiresAt"], 1_800_000_000,
        "the TTL attribute is a number"
    );
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn an_order_ships_once() {
    let client = common::dynamodb().await;
    let shipments = DynamoShipments::new(
        client.clone(),
        common::table(&client, "shipments", SHIPMENTS_KEY).await,
    );

    assert_eq!(
        shipments.create_shipment("o-1", "s-1").await,
        Ok(InsertOutcome::Inserted)
    );
    assert_eq!(
        shipments.create_shipment("o-1", "s-2").await,
        Ok(InsertOutcome::AlreadyExists(
            json!({"orderId": "o-1", "shipmentId": "s-1"})
        ))
    );
}
