//! `POST /orders` and the Idempotency-Key header, as the IETF Idempotency-Key draft has it:
//! keys are scoped to the IAM caller, a key reused for another order is refused (422), a key
//! whose first request is still running waits its turn (409), and no error reply carries
//! what went wrong inside.

use async_trait::async_trait;
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::clock::{Clock, SystemClock};
use orderly_core::contracts::{OrderCreated, parse_detail};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::{MemoryIntake, MemoryOrders};
use orderly_core::ports::{InsertOutcome, OrderRecord, OrderWriter, PortError};
use place_order::{Deps, handler};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::{Notify, Semaphore};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB: &str = "arn:aws:iam::444455556666:user/bob";

/// The sample HTTP event, signed by `caller`, with `key` in the Idempotency-Key header.
fn post(caller: &str, key: &str) -> Value {
    let mut event: Value =
        serde_json::from_str(include_str!("../../../events/lambda/place-order-http.json")).unwrap();
    let account = caller.split(':').nth(4).unwrap();
    event["requestContext"]["authorizer"] = json!({"iam": {
        "accountId": account,
        "callerId": format!("AIDA{account}"),
        "userArn": caller,
        "userId": format!("AIDA{account}"),
    }});
    event["headers"]["idempotency-key"] = json!(key);
    event
}

/// `event` with its order's first line changed to `quantity` (and the total to match).
fn with_quantity(mut event: Value, quantity: i64) -> Value {
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["lines"][0]["quantity"] = json!(quantity);
    body["total"]["amount"] = json!(quantity * 1500 + 2500);
    event["body"] = body.to_string().into();
    event
}

fn engine() -> IdempotencyEngine {
    IdempotencyEngine::new(
        IdempotencyConfig::new("place-order"),
        Arc::new(InMemoryIdempotencyStore::new()),
    )
}

fn deps<O>(orders: O) -> Deps<O> {
    Deps {
        intake: Arc::new(MemoryIntake::default()),
        orders: Arc::new(orders),
        idempotency: engine(),
    }
}

fn memory() -> Deps<MemoryOrders> {
    deps(MemoryOrders::default())
}

/// The status and the parsed body of the reply to `event`.
async fn call<O>(deps: &Deps<O>, event: Value) -> (i64, Value)
where
    O: OrderWriter,
{
    // A deadline as Lambda gives one: the lock of a request is leased until it, so with
    // none (0) a request still running could be taken over at once.
    let mut context = Context::default();
    context.deadline = u64::try_from(SystemClock.now_ms() + 10_000).unwrap_or(u64::MAX);
    let reply = handler(deps, LambdaEvent::new(event, context))
        .await
        .unwrap();
    let body = serde_json::from_str(reply["body"].as_str().unwrap()).unwrap();
    (reply["statusCode"].as_i64().unwrap(), body)
}

/// The first line's quantity of each order the outbox announces, in order of quantity.
fn published_quantities(orders: &MemoryOrders) -> Vec<i64> {
    let mut quantities: Vec<i64> = orders
        .outbox()
        .unwrap()
        .iter()
        .map(|e| {
            parse_detail::<OrderCreated>(&e.detail)
                .unwrap()
                .data
                .0
                .lines[0]
                .quantity
        })
        .collect();
    quantities.sort_unstable();
    quantities
}

#[tokio::test]
async fn same_key_with_another_order_is_refused_with_422_and_only_the_first_is_placed() {
    let deps = memory();
    let (status, first) = call(&deps, post(ALICE, "k-1")).await;
    assert_eq!(status, 201, "{first}");

    let (status, body) = call(&deps, with_quantity(post(ALICE, "k-1"), 5)).await;

    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "IdempotencyKeyReused");
    assert_eq!(body["requestId"], "req-1");
    assert_eq!(deps.orders.len(), 1);
    let stored = deps
        .orders
        .get(first["orderId"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored["order"]["lines"][0]["quantity"], 2);
    assert_eq!(published_quantities(&deps.orders), [2]);
}

#[tokio::test]
async fn same_key_with_the_same_order_replays_the_first_reply() {
    let deps = memory();
    let (status, first) = call(&deps, post(ALICE, "k-1")).await;
    assert_eq!(status, 201, "{first}");
    // The same order, written differently: the fields are compared, not the bytes.
    let mut again = post(ALICE, "k-1");
    let body: Value = serde_json::from_str(again["body"].as_str().unwrap()).unwrap();
    again["body"] = serde_json::to_string_pretty(&body).unwrap().into();

    let (status, second) = call(&deps, again).await;

    assert_eq!(status, 201, "{second}");
    assert_eq!(second, first);
    assert_eq!(deps.orders.len(), 1);
    assert_eq!(deps.orders.outbox().unwrap().len(), 1);
}

#[tokio::test]
async fn same_key_from_two_callers_places_two_orders() {
    let deps = memory();
    let (alice_status, alice) = call(&deps, post(ALICE, "k-1")).await;
    let (bob_status, bob) = call(&deps, with_quantity(post(BOB, "k-1"), 7)).await;

    assert_eq!((alice_status, bob_status), (201, 201), "{alice} {bob}");
    assert_ne!(alice["orderId"], bob["orderId"]);
    assert_eq!(deps.orders.len(), 2);
    assert_eq!(published_quantities(&deps.orders), [2, 7]);
    // Consumers key on the event's idempotency key: it must differ too.
    let keys: Vec<String> = deps
        .orders
        .outbox()
        .unwrap()
        .iter()
        .map(|e| {
            parse_detail::<OrderCreated>(&e.detail)
                .unwrap()
                .metadata
                .idempotency_key
        })
        .collect();
    assert_ne!(keys[0], keys[1]);
    assert!(keys.iter().all(|k| !k.contains("arn:")), "{keys:?}");
}

/// An orders table whose writes wait at a gate, announcing when a write has reached it.
struct GatedOrders {
    inner: MemoryOrders,
    reached: Notify,
    gate: Semaphore,
}

#[async_trait]
impl OrderWriter for GatedOrders {
    async fn insert_order(
        &self,
        order: OrderRecord<'_>,
        status: &str,
    ) -> Result<InsertOutcome, PortError> {
        self.reached.notify_one();
        let _open = self
            .gate
            .acquire()
            .await
            .map_err(|e| PortError::Permanent(e.to_string()))?;
        self.inner.insert_order(order, status).await
    }
}

#[tokio::test]
async fn same_key_while_the_first_request_runs_is_409() {
    let orders = GatedOrders {
        inner: MemoryOrders::default(),
        reached: Notify::new(),
        gate: Semaphore::new(0),
    };
    let deps = deps(orders);

    let first = call(&deps, post(ALICE, "k-1"));
    let second = async {
        deps.orders.reached.notified().await;
        let reply = call(&deps, post(ALICE, "k-1")).await;
        deps.orders.gate.add_permits(1);
        reply
    };
    let ((first_status, first), (status, body)) = tokio::join!(first, second);

    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "RequestInProgress");
    assert_eq!(first_status, 201, "{first}");
    assert_eq!(deps.orders.inner.outbox().unwrap().len(), 1);
    // Once the first is done, the key replays it.
    let (status, replay) = call(&deps, post(ALICE, "k-1")).await;
    assert_eq!((status, &replay), (201, &first));
}

/// What an AWS adapter's error may say: a table, an account, an ARN.
const INTERNAL: &str = "ResourceNotFoundException: Requested resource not found: \
    arn:aws:dynamodb:eu-west-1:111122223333:table/orderly-orders";

struct BrokenOrders(PortError);

#[async_trait]
impl OrderWriter for BrokenOrders {
    async fn insert_order(&self, _: OrderRecord<'_>, _: &str) -> Result<InsertOutcome, PortError> {
        Err(self.0.clone())
    }
}

#[tokio::test]
async fn internal_failures_reply_with_a_code_and_the_request_id_only() {
    let failing_table = deps(BrokenOrders(PortError::Permanent(INTERNAL.into())));
    let (status, body) = call(&failing_table, post(ALICE, "k-1")).await;
    assert!(!body.to_string().contains("orderly-orders"), "{body}");
    assert_eq!(status, 500);
    assert_eq!(body, json!({"code": "InternalError", "requestId": "req-1"}));

    // A throttled table: worth a retry, and still nothing internal in the reply.
    let throttled = deps(BrokenOrders(PortError::Transient(INTERNAL.into())));
    let (status, body) = call(&throttled, post(ALICE, "k-1")).await;
    assert!(!body.to_string().contains("orderly-orders"), "{body}");
    assert!(!body.to_string().contains("arn:"), "{body}");
    assert_eq!(status, 503);
    assert_eq!(body["code"], "ServiceUnavailable");
    assert_eq!(body["requestId"], "req-1");
}

#[tokio::test]
async fn a_malformed_order_names_the_field_but_never_echoes_its_value() {
    let deps = memory();
    let mut event = post(ALICE, "k-1");
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["paymentToken"] = json!(4_111_111_111_111_111_u64);
    event["body"] = body.to_string().into();

    let (status, body) = call(&deps, event).await;

    assert!(!body.to_string().contains("4111111111111111"), "{body}");
    assert_eq!(status, 400);
    assert_eq!(body["code"], "InvalidRequest");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("expected a string"),
        "{body}"
    );
    assert!(deps.orders.outbox().unwrap().is_empty());
}
