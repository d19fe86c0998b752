//! `orderly serve`'s DynamoDB driven by the Rust SDK and by the app's own DynamoDB
//! adapters (`orderly-aws`): the adapters read and write the template's tables, which are
//! the app's embedded stores, in the layout they write on AWS; and the app's writes are
//! what the adapters read back.

use crate::serve_support;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use orderly_aws::dynamodb::{
    DynamoApprovalTokens, DynamoAuditLog, DynamoOrders, DynamoPayments, DynamoShipments,
    DynamoStock,
};
use orderly_core::domain::approval::ApprovalDecision;
use orderly_core::domain::{Currency, Money, Order};
use orderly_core::ports::{
    ApprovalTokens, AuditEntry, AuditLog, InsertOutcome, OrderRecord, OrderStatusReader,
    OrderStatusWriter, OrderWriter, PaymentGateway, ShipmentWriter, StockError, StockReservations,
};
use serde_json::json;
use serve_support::cli::aws;
use serve_support::{Server, eventually, scenario};
use std::time::Duration;

fn client(server: &Server) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(&server.endpoint)
        .http_client(orderly_aws::config::https_client())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .build();
    Client::from_conf(config)
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn order(order_id: &str) -> Order {
    serde_json::from_value(json!({
        "orderId": order_id,
        "customer": {"customerId": "c-1", "email": "c@example.com", "name": "C"},
        "lines": [{"sku": "BOOK-0001", "quantity": 2, "unitPrice": 1250}],
        "total": {"amount": 2500, "currency": "EUR"},
        "paymentToken": "tok-ok",
        "shippingAddress": {"line1": "1 Road", "city": "Town", "postcode": "1000", "country": "BE"},
        "placedAt": "2026-11-26T12:00:00Z"
    }))
    .expect("valid order")
}

async fn available(client: &Client, sku: &str) -> Option<String> {
    let item = client
        .get_item()
        .table_name("orderly-InventoryTable")
        .key("sku", s(sku))
        .send()
        .await
        .expect("GetItem")
        .item
        .unwrap_or_default();
    item.get("available").and_then(|v| v.as_n().ok()).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_adapters_read_and_write_the_apps_own_tables() {
    let server = Server::start();
    let client = client(&server);

    // The seed file's stock is what the adapters see, and what they take is gone.
    let stock = DynamoStock::new(client.clone(), "orderly-InventoryTable");
    let before: i64 = available(&client, "BOOK-0001")
        .await
        .expect("seeded")
        .parse()
        .unwrap();
    stock.reserve("o-sdk-1", "BOOK-0001", 3).await.unwrap();
    stock.reserve("o-sdk-1", "BOOK-0001", 3).await.unwrap();
    assert_eq!(
        available(&client, "BOOK-0001").await,
        Some((before - 3).to_string()),
        "one reservation, however often asked"
    );
    assert!(matches!(
        stock.reserve("o-sdk-2", "BOOK-0001", before + 1).await,
        Err(StockError::OutOfStock { .. })
    ));
    assert_eq!(stock.release("o-sdk-1", "BOOK-0001").await.unwrap(), 3);
    assert_eq!(stock.release("o-sdk-1", "BOOK-0001").await.unwrap(), 0);
    assert_eq!(
        available(&client, "BOOK-0001").await,
        Some(before.to_string())
    );

    let orders = DynamoOrders::new(client.clone(), "orderly-OrdersTable");
    let o = order("o-sdk-1");
    assert_eq!(
        orders
            .insert_order(OrderRecord::from(&o), "PLACED")
            .await
            .unwrap(),
        InsertOutcome::Inserted
    );
    assert!(matches!(
        orders.insert_order(OrderRecord::from(&o), "PLACED").await.unwrap(),
        InsertOutcome::AlreadyExists(stored) if stored["status"] == "PLACED"
    ));
    orders.set_status("o-sdk-1", "CONFIRMED").await.unwrap();
    assert_eq!(
        orders.status("o-sdk-1").await.unwrap().as_deref(),
        Some("CONFIRMED")
    );
    assert!(
        orders.set_status("o-never", "CONFIRMED").await.is_err(),
        "a status moves only for a stored order"
    );

    let shipments = DynamoShipments::new(client.clone(), "orderly-ShipmentsTable");
    assert_eq!(
        shipments.create_shipment("o-sdk-1", "s-1").await.unwrap(),
        InsertOutcome::Inserted
    );
    assert!(matches!(
        shipments.create_shipment("o-sdk-1", "s-2").await.unwrap(),
        InsertOutcome::AlreadyExists(_)
    ));

    let approvals = DynamoApprovalTokens::new(client.clone(), "orderly-ApprovalsTable");
    let later = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    assert_eq!(
        approvals.save("o-sdk-1", "tok-1", later).await.unwrap(),
        None
    );
    let decision = ApprovalDecision {
        approved: true,
        decided_by: "ops".into(),
        comment: Some("fine".into()),
    };
    assert_eq!(
        approvals
            .decide("o-sdk-1", &decision, later)
            .await
            .unwrap()
            .as_deref(),
        Some("tok-1")
    );
    assert_eq!(
        approvals.decide("o-sdk-1", &decision, later).await.unwrap(),
        None
    );
    assert_eq!(
        approvals.save("o-sdk-1", "tok-2", later).await.unwrap(),
        Some(decision)
    );

    let audit = DynamoAuditLog::new(client.clone(), "orderly-AuditTable");
    let entry = AuditEntry {
        event_id: "e-sdk-1".into(),
        correlation_id: "corr-sdk".into(),
        source: "com.orders".into(),
        detail_type: "OrderCreated".into(),
        time: "2026-12-05T00:00:00Z".into(),
        order_id: "o-sdk-1".into(),
        facts: json!({"total": 2500}),
        expires_at_epoch_s: later,
    };
    assert_eq!(audit.append(&entry).await.unwrap(), InsertOutcome::Inserted);
    assert!(matches!(
        audit.append(&entry).await.unwrap(),
        InsertOutcome::AlreadyExists(facts) if facts["facts"]["total"] == 2500
    ));
    let uncorrelated = AuditEntry {
        event_id: "e-sdk-2".into(),
        correlation_id: String::new(),
        ..entry.clone()
    };
    assert_eq!(
        audit.append(&uncorrelated).await.unwrap(),
        InsertOutcome::Inserted,
        "an event without a correlation id stays out of the index, as DynamoDB requires"
    );
    let by_correlation = client
        .query()
        .table_name("orderly-AuditTable")
        .index_name("byCorrelation")
        .key_condition_expression("correlationId = :c")
        .expression_attribute_values(":c", s("corr-sdk"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_correlation.count, 1);

    let payments = DynamoPayments::new(client.clone(), "orderly-PaymentsTable");
    let amount = Money::new(2500, Currency::try_from("EUR".to_owned()).unwrap());
    let hold = payments
        .authorize("o-sdk-1", "tok_visa", &amount, 1)
        .await
        .unwrap();
    assert_eq!(
        payments
            .authorize("o-sdk-1", "tok_visa", &amount, 2)
            .await
            .unwrap(),
        hold,
        "one hold per order"
    );
    assert!(payments.void("o-sdk-1").await.unwrap());
    assert!(
        payments
            .authorize("o-sdk-1", "tok_visa", &amount, 3)
            .await
            .is_err()
    );

    let store = orderly_aws::idempotency::DynamoDbIdempotencyStore::new(
        client.clone(),
        "orderly-IdempotencyTable",
    );
    let engine = orderly_core::idempotency::IdempotencyEngine::new(
        orderly_core::idempotency::IdempotencyConfig::new("sdk"),
        std::sync::Arc::new(store),
    );
    let runs = std::sync::atomic::AtomicUsize::new(0);
    let event = json!({"detail": {"metadata": {"idempotency-key": "k-sdk"}}});
    for _ in 0..2 {
        let answer = engine
            .run(&event, Duration::from_secs(30), || async {
                runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, String>(7)
            })
            .await;
        assert_eq!(answer.ok(), Some(7));
    }
    assert_eq!(
        runs.into_inner(),
        1,
        "the second call replays the stored response"
    );

    // The app's writes are what the adapters read: an order placed on the bus runs to its
    // shipment, and the adapters see its status and shipment.
    let file = format!("file://{}", scenario("happy-path").display());
    aws(&server, &["events", "put-events", "--entries", &file]).json();
    eventually("o-happy-1 shipped", Duration::from_secs(30), || {
        let runtime = tokio::runtime::Handle::current();
        let shipped = tokio::task::block_in_place(|| {
            runtime.block_on(shipments.create_shipment("o-happy-1", "s-probe"))
        });
        matches!(shipped, Ok(InsertOutcome::AlreadyExists(_))).then_some(())
    });
    let status = orders.status("o-happy-1").await.unwrap();
    assert!(status.is_some(), "the app stored the order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_conditions_answer_as_dynamodb_does() {
    let server = Server::start();
    let client = client(&server);
    let table = "orderly-ShipmentsTable";
    let put = || {
        client
            .put_item()
            .table_name(table)
            .item("orderId", s("o-c"))
            .item("shipmentId", s("s-1"))
            .condition_expression("attribute_not_exists(orderId)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    };
    put().send().await.unwrap();
    let error = put().send().await.unwrap_err();
    let Some(PutItemError::ConditionalCheckFailedException(failed)) = error.as_service_error()
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        failed.item().and_then(|i| i.get("shipmentId")),
        Some(&s("s-1")),
        "the item the condition failed on comes back"
    );

    let action = |order: &str| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(table)
                    .item("orderId", s(order))
                    .item("shipmentId", s("s-t"))
                    .condition_expression("attribute_not_exists(orderId)")
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let error = client
        .transact_write_items()
        .transact_items(action("o-new"))
        .transact_items(action("o-c"))
        .send()
        .await
        .unwrap_err();
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        error.as_service_error()
    else {
        panic!("{error:?}")
    };
    let codes: Vec<_> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["None", "ConditionalCheckFailed"]);
    let written = client
        .get_item()
        .table_name(table)
        .key("orderId", s("o-new"))
        .send()
        .await
        .unwrap();
    assert!(
        written.item.is_none(),
        "a cancelled transaction writes nothing"
    );

    // A transaction or a batch one of whose items the app's store cannot keep writes none.
    let stock = |sku: &str, extra: Option<&str>| {
        let mut put = Put::builder()
            .table_name("orderly-InventoryTable")
            .item("sku", s(sku))
            .item("available", AttributeValue::N("10".into()));
        if let Some(extra) = extra {
            put = put.item(extra, s("red"));
        }
        TransactWriteItem::builder()
            .put(put.build().unwrap())
            .build()
    };
    let half = client
        .transact_write_items()
        .transact_items(stock("TX-1", None))
        .transact_items(stock("TX-2", Some("colour")))
        .send()
        .await;
    assert!(half.is_err(), "the second item cannot be kept");
    let batch = client
        .batch_write_item()
        .request_items(
            "orderly-InventoryTable",
            ["BW-1", "BW-2"]
                .iter()
                .map(|sku| {
                    let mut put = aws_sdk_dynamodb::types::PutRequest::builder()
                        .item("sku", s(sku))
                        .item("available", AttributeValue::N("1".into()));
                    if *sku == "BW-2" {
                        put = put.item("colour", s("red"));
                    }
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(put.build().unwrap())
                        .build()
                })
                .collect(),
        )
        .send()
        .await;
    assert!(batch.is_err());
    for sku in ["TX-1", "BW-1"] {
        let read = client
            .get_item()
            .table_name("orderly-InventoryTable")
            .key("sku", s(sku))
            .send()
            .await
            .unwrap();
        assert!(
            read.item.is_none(),
            "{sku} was written by a request that failed"
        );
    }

    let refused = client
        .put_item()
        .table_name(table)
        .item("orderId", s("o-x"))
        .item("shipmentId", s("s-x"))
        .item("carrier", s("post"))
        .send()
        .await
        .unwrap_err();
    let message = format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&refused));
    assert!(
        message.contains("ValidationException") && message.contains("carrier"),
        "an attribute the app's store cannot keep is named: {message}"
    );
}
