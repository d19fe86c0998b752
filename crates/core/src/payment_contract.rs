//! The contract every [`PaymentGateway`] must meet, as a test suite any adapter crate runs:
//! the embedded ledger ([`SimulatedPayments`](crate::memory::SimulatedPayments)) and the
//! payments table adapter in `orderly-aws` give the same answers to the same calls.
//!
//! Enabled by the `contract-tests` feature. An adapter crate writes one factory and one
//! macro call in a test file:
//!
//! ```text
//! async fn gateway() -> Arc<dyn PaymentGateway> { Arc::new(MyGateway::new()) }
//! orderly_core::payment_gateway_contract!(gateway);
//! // or, for an adapter that needs a server: (#[ignore = "needs a server"] gateway)
//! ```
//!
//! Each case gets a fresh gateway from the factory and runs on its own multi-threaded
//! runtime. The cases observe the ledger through the port alone: whether a hold stands is
//! what the next [`void`](PaymentGateway::void) answers.

use std::sync::Arc;

use crate::domain::payment::{Authorization, PaymentError, authorization_id};
use crate::domain::{Currency, Money};
use crate::ports::{AuthorizeError, PaymentGateway};

/// Runs one contract case on a fresh gateway from `factory`: the idempotency suite's runner.
pub use crate::idempotency::contract::run_case;

/// Expands to one `#[test]` per contract case, each running on a fresh gateway made by the
/// given async factory (`async fn() -> Arc<dyn PaymentGateway>`). Attributes written before
/// the factory (such as `#[ignore = "..."]`) are put on every test.
#[macro_export]
macro_rules! payment_gateway_contract {
    ($(#[$attr:meta])* $factory:path) => {
        $crate::__payment_case!([$(#[$attr])*] $factory, authorize_then_void_releases_the_hold);
        $crate::__payment_case!([$(#[$attr])*] $factory, authorizing_twice_places_one_hold);
        $crate::__payment_case!([$(#[$attr])*] $factory, voiding_twice_is_a_no_op);
        $crate::__payment_case!([$(#[$attr])*] $factory, void_before_authorize_leaves_no_hold_and_refuses_the_authorization);
        $crate::__payment_case!([$(#[$attr])*] $factory, a_refused_authorization_places_no_hold);
        $crate::__payment_case!([$(#[$attr])*] $factory, an_unavailable_provider_places_no_hold_until_it_answers);
        $crate::__payment_case!([$(#[$attr])*] $factory, orders_are_held_and_voided_apart);
        $crate::__payment_case!([$(#[$attr])*] $factory, a_void_racing_its_authorization_never_leaves_a_hold);
    };
}

/// One test of [`payment_gateway_contract!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __payment_case {
    ([$(#[$attr:meta])*] $factory:path, $case:ident) => {
        #[test]
        $(#[$attr])*
        fn $case() {
            $crate::payment_contract::run_case($factory, $crate::payment_contract::$case);
        }
    };
}

fn eur(amount: i64) -> Money {
    Money::new(
        amount,
        Currency::try_from("EUR".to_owned()).expect("EUR is a currency"),
    )
}

/// An order id no other case (nor an earlier run on the same server) uses.
fn order(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4().simple())
}

async fn authorize(
    gateway: &Arc<dyn PaymentGateway>,
    order_id: &str,
    token: &str,
    amount: i64,
    attempt: u32,
) -> Result<Authorization, AuthorizeError> {
    gateway
        .authorize(order_id, token, &eur(amount), attempt)
        .await
}

async fn void(gateway: &Arc<dyn PaymentGateway>, order_id: &str) -> bool {
    gateway
        .void(order_id)
        .await
        .expect("void reaches the ledger")
}

/// A hold is placed with the order's authorization id and amount; a void releases it and
/// says so.
pub async fn authorize_then_void_releases_the_hold(gateway: Arc<dyn PaymentGateway>) {
    let order_id = order("o-release");
    let held = authorize(&gateway, &order_id, "tok_visa", 5500, 0).await;
    assert_eq!(
        held,
        Ok(Authorization {
            authorization_id: authorization_id(&order_id),
            amount: eur(5500),
        })
    );
    assert!(void(&gateway, &order_id).await, "the hold stood");
    assert!(!void(&gateway, &order_id).await, "and is released");
}

/// A second authorization of a held order returns the standing hold — its amount, not the
/// new one — and places no second hold.
pub async fn authorizing_twice_places_one_hold(gateway: Arc<dyn PaymentGateway>) {
    let order_id = order("o-twice");
    let first = authorize(&gateway, &order_id, "tok_visa", 5500, 0)
        .await
        .expect("first authorization");
    let second = authorize(&gateway, &order_id, "tok_visa", 9900, 1)
        .await
        .expect("second authorization");
    assert_eq!(second, first, "the standing hold comes back");
    assert_eq!(second.amount, eur(5500));
    assert!(void(&gateway, &order_id).await);
    assert!(!void(&gateway, &order_id).await, "there was one hold only");
}

/// Voiding twice releases once; the second void changes nothing and says there was no hold.
pub async fn voiding_twice_is_a_no_op(gateway: Arc<dyn PaymentGateway>) {
    let order_id = order("o-void-twice");
    authorize(&gateway, &order_id, "tok_visa", 100, 0)
        .await
        .expect("authorization");
    assert!(void(&gateway, &order_id).await);
    assert!(!void(&gateway, &order_id).await);
    assert!(!void(&gateway, &order_id).await);
    let again = authorize(&gateway, &order_id, "tok_visa", 100, 0).await;
    assert_eq!(
        again,
        Err(AuthorizeError::OrderCancelled {
            order_id: order_id.clone()
        }),
        "a voided order stays voided"
    );
}

/// Compensation first, the forward step late: the void finds nothing but leaves its marker,
/// and the late authorization is refused with a final error and places no hold.
pub async fn void_before_authorize_leaves_no_hold_and_refuses_the_authorization(
    gateway: Arc<dyn PaymentGateway>,
) {
    let order_id = order("o-late");
    assert!(!void(&gateway, &order_id).await, "nothing to void yet");
    let late = authorize(&gateway, &order_id, "tok_visa", 5500, 0).await;
    let Err(error) = late else {
        panic!("a late authorization was placed: {late:?}");
    };
    assert_eq!(
        error,
        AuthorizeError::OrderCancelled {
            order_id: order_id.clone()
        }
    );
    assert_eq!(error.name(), "OrderCancelled");
    assert!(!error.is_retryable(), "a retry must not place the hold");
    assert!(
        !void(&gateway, &order_id).await,
        "no hold stands after the late authorization"
    );
}

/// A declined card and an invalid token place nothing: a void afterwards finds no hold.
pub async fn a_refused_authorization_places_no_hold(gateway: Arc<dyn PaymentGateway>) {
    let declined = order("o-declined");
    assert_eq!(
        authorize(&gateway, &declined, "tok_declined", 100, 0).await,
        Err(AuthorizeError::Payment(PaymentError::Declined {
            order_id: declined.clone()
        }))
    );
    assert!(!void(&gateway, &declined).await);
    let invalid = order("o-invalid");
    assert_eq!(
        authorize(&gateway, &invalid, "visa", 100, 0).await,
        Err(AuthorizeError::Payment(PaymentError::InvalidToken))
    );
    assert!(!void(&gateway, &invalid).await);
}

/// An unavailable provider places no hold; the attempt that gets through places one.
pub async fn an_unavailable_provider_places_no_hold_until_it_answers(
    gateway: Arc<dyn PaymentGateway>,
) {
    let order_id = order("o-flaky");
    for attempt in 0..2 {
        let error = authorize(&gateway, &order_id, "tok_flaky_2", 100, attempt)
            .await
            .expect_err("the provider is down");
        assert!(error.is_retryable(), "{error:?}");
        assert_eq!(error.name(), "PaymentProviderUnavailable");
    }
    let held = authorize(&gateway, &order_id, "tok_flaky_2", 100, 2)
        .await
        .expect("the third attempt is authorized");
    assert_eq!(held.authorization_id, authorization_id(&order_id));
    assert!(void(&gateway, &order_id).await);
}

/// One order's void is no other order's: its neighbour's hold stands and can be placed.
pub async fn orders_are_held_and_voided_apart(gateway: Arc<dyn PaymentGateway>) {
    let (a, b, c) = (order("o-a"), order("o-b"), order("o-c"));
    authorize(&gateway, &a, "tok_visa", 100, 0)
        .await
        .expect("a is held");
    authorize(&gateway, &b, "tok_visa", 200, 0)
        .await
        .expect("b is held");
    assert!(void(&gateway, &a).await);
    assert!(!void(&gateway, &c).await, "c had nothing");
    assert_eq!(
        authorize(&gateway, &b, "tok_visa", 200, 0)
            .await
            .map(|h| h.amount),
        Ok(eur(200)),
        "b still stands"
    );
    assert!(void(&gateway, &b).await);
}

/// Authorization and compensation of the same order run at once, for many orders: whichever
/// lands first, no hold stands afterwards. Either the authorization came first and the void
/// released it, or the void came first and the authorization was refused.
pub async fn a_void_racing_its_authorization_never_leaves_a_hold(gateway: Arc<dyn PaymentGateway>) {
    let races: Vec<_> = (0..20)
        .map(|i| {
            let gateway = Arc::clone(&gateway);
            let order_id = order(&format!("o-race-{i}"));
            tokio::spawn(async move {
                let authorizing = {
                    let gateway = Arc::clone(&gateway);
                    let order_id = order_id.clone();
                    tokio::spawn(
                        async move { authorize(&gateway, &order_id, "tok_visa", 100, 0).await },
                    )
                };
                let voided = void(&gateway, &order_id).await;
                let authorized = authorizing.await.expect("authorize task");
                match &authorized {
                    Ok(_) => assert!(voided, "{order_id}: held, but the void did not release it"),
                    Err(e) => assert_eq!(
                        e,
                        &AuthorizeError::OrderCancelled {
                            order_id: order_id.clone()
                        }
                    ),
                }
                assert!(
                    !void(&gateway, &order_id).await,
                    "{order_id}: a hold stands after compensation"
                );
            })
        })
        .collect();
    for race in races {
        race.await.expect("race task");
    }
}
