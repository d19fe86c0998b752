//! The place-order handler on the sample events in `events/lambda/`, direct and over HTTP:
//! one order and one OrderCreated per idempotency key, errors as status codes.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::contracts::{OrderCreated, parse_detail};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::intake::{Reason, Rejected};
use orderly_core::memory::{MemoryIntake, MemoryOrders};
use orderly_core::ports::PortError;
use place_order::{CallerScope, Deps, ScopedKey, handler, order_id_for};
use serde_json::{Value, json};
use std::sync::Arc;

fn direct() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/place-order.json")).unwrap()
}

fn http() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/place-order-http.json")).unwrap()
}

fn deps() -> Deps<MemoryOrders> {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        intake: Arc::new(MemoryIntake::default()),
        orders: Arc::new(MemoryOrders::default()),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("place-order"), store),
    }
}

/// The order id a direct invoke with `key` places.
fn direct_order_id(key: &str) -> String {
    order_id_for(&ScopedKey::new(CallerScope::Direct, key))
}

async fn call(
    deps: &Deps<MemoryOrders>,
    payload: Value,
) -> Result<Value, orderly_core::lambda::TaskError> {
    handler(deps, LambdaEvent::new(payload, Context::default())).await
}

#[tokio::test]
async fn direct_invoke_stores_the_order_and_publishes_order_created() {
    let deps = deps();
    let placed = call(&deps, direct()).await.unwrap();
    let order_id = direct_order_id("k-happy-1");
    assert_eq!(placed["orderId"], order_id.as_str());
    assert_eq!(
        deps.orders.get(&order_id).unwrap().unwrap()["status"],
        "PLACED"
    );
    let published = deps.orders.outbox().unwrap();
    assert_eq!(published.len(), 1);
    let detail = parse_detail::<OrderCreated>(&published[0].detail).unwrap();
    // Scoped: another caller's "k-happy-1" makes another event key.
    assert_eq!(detail.metadata.idempotency_key, "direct:k-happy-1");
    assert_eq!(detail.data.0.total.amount, 5500);
}

#[tokio::test]
async fn duplicate_request_has_no_second_order_or_event() {
    let deps = deps();
    let first = call(&deps, direct()).await.unwrap();
    let second = call(&deps, direct()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(deps.orders.len(), 1);
    assert_eq!(deps.orders.outbox().unwrap().len(), 1);
}

#[tokio::test]
async fn http_request_answers_201_with_the_order_id() {
    let deps = deps();
    let response = call(&deps, http()).await.unwrap();
    assert_eq!(response["statusCode"], 201);
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    // The sample is signed by an IAM user: the key is in that user's scope.
    let storefront = CallerScope::Iam {
        principal: "arn:aws:iam::123456789012:user/storefront".into(),
    };
    let key = ScopedKey::new(storefront, "k-http-1");
    assert_eq!(body["orderId"], order_id_for(&key).as_str());
    assert_eq!(
        body["correlationId"],
        "c0ffee00-0000-4000-8000-000000000002"
    );
}

/// A change to a sample HTTP event.
type Mutation = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn http_errors_name_what_is_wrong() {
    let cases: Vec<(Mutation, i64, &str)> = vec![
        (
            Box::new(|e| e["body"] = json!("{not json")),
            400,
            "invalid order request",
        ),
        (
            Box::new(|e| {
                e["headers"]
                    .as_object_mut()
                    .unwrap()
                    .remove("idempotency-key");
            }),
            400,
            "idempotency key is missing",
        ),
        (
            Box::new(|e| {
                let mut body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
                body["lines"] = json!([]);
                body["total"]["amount"] = json!(0);
                e["body"] = body.to_string().into();
            }),
            422,
            "order has no lines",
        ),
        (
            Box::new(|e| {
                let mut body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
                body["lines"][0]["quantity"] = json!(0);
                e["body"] = body.to_string().into();
            }),
            422,
            "quantity must be positive",
        ),
    ];
    for (mutate, status, needle) in cases {
        let deps = deps();
        let mut event = http();
        mutate(&mut event);
        let response = call(&deps, event).await.unwrap();
        assert_eq!(response["statusCode"], status, "{response}");
        let body = response["body"].as_str().unwrap();
        assert!(body.contains(needle), "{body} should contain {needle}");
        assert!(deps.orders.outbox().unwrap().is_empty());
    }
}

#[tokio::test]
async fn another_key_naming_a_taken_order_id_is_a_conflict() {
    let deps = deps();
    call(&deps, direct()).await.unwrap();
    let mut changed = direct();
    changed["lines"][0]["quantity"] = json!(3);
    changed["total"]["amount"] = json!(7000);
    // Another key, but the order id of the first order.
    changed["idempotencyKey"] = json!("k-other");
    changed["orderId"] = json!(direct_order_id("k-happy-1"));
    let err = call(&deps, changed).await.unwrap_err();
    assert_eq!(err.name(), "OrderIdConflict");
    assert_eq!(deps.orders.outbox().unwrap().len(), 1);
}

#[tokio::test]
async fn direct_invoke_reusing_a_key_for_another_order_is_refused() {
    let deps = deps();
    call(&deps, direct()).await.unwrap();
    let mut changed = direct();
    changed["lines"][0]["quantity"] = json!(3);
    changed["total"]["amount"] = json!(7000);
    let err = call(&deps, changed).await.unwrap_err();
    assert_eq!(err.name(), "IdempotencyKeyReused");
    assert_eq!(deps.orders.len(), 1);
    assert_eq!(deps.orders.outbox().unwrap().len(), 1);
}

fn deps_with(intake: MemoryIntake) -> Deps<MemoryOrders> {
    Deps {
        intake: Arc::new(intake),
        ..deps()
    }
}

fn body_of(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn an_order_the_intake_refuses_is_422_with_its_reasons_and_nothing_is_stored() {
    let reasons = vec![Reason {
        code: "FraudRisk".into(),
        field: "order".into(),
        message: "the order was refused by the risk check".into(),
    }];
    let deps = deps_with(MemoryIntake::refusing(Rejected {
        reasons: reasons.clone(),
        fraud_score: Some(80),
    }));
    let response = call(&deps, http()).await.unwrap();
    assert_eq!(response["statusCode"], 422, "{response}");
    let body = body_of(&response);
    assert_eq!(body["code"], "OrderRejected", "{body}");
    assert_eq!(body["reasons"], json!(reasons), "{body}");
    // The score is for the log, not the caller.
    assert!(!body.to_string().contains("80"), "{body}");
    assert_eq!(deps.orders.len(), 0);
    assert!(deps.orders.outbox().unwrap().is_empty());
    // A direct invoke is refused by the same name, the reasons as JSON.
    let err = call(&deps, direct()).await.unwrap_err();
    assert_eq!(err.name(), "OrderRejected");
}

#[tokio::test]
async fn an_accepted_order_is_201_with_the_intakes_price_and_a_replay_does_not_ask_again() {
    let intake = Arc::new(MemoryIntake::default());
    let deps = Deps {
        intake: intake.clone(),
        ..deps()
    };
    let response = call(&deps, http()).await.unwrap();
    assert_eq!(response["statusCode"], 201, "{response}");
    let body = body_of(&response);
    assert_eq!(
        body["price"]["subtotal"],
        json!({"amount": 5500, "currency": "EUR"}),
        "{body}"
    );
    assert_eq!(body["price"]["total"]["amount"], 5500, "{body}");
    assert_eq!(intake.calls(), 1);
    let again = call(&deps, http()).await.unwrap();
    assert_eq!(again, response);
    assert_eq!(intake.calls(), 1, "the replay answers the first reply");
    assert_eq!(deps.orders.outbox().unwrap().len(), 1);
}

#[tokio::test]
async fn an_intake_that_gives_no_decision_is_503_or_500_and_nothing_is_stored() {
    for (error, status) in [
        (PortError::Transient("order intake TIMED_OUT".into()), 503),
        (PortError::Permanent("order intake FAILED".into()), 500),
    ] {
        let deps = deps_with(MemoryIntake::failing(error));
        let response = call(&deps, http()).await.unwrap();
        assert_eq!(response["statusCode"], status, "{response}");
        assert!(
            !response["body"].as_str().unwrap().contains("intake"),
            "{response}"
        );
        assert_eq!(deps.orders.len(), 0);
    }
}
