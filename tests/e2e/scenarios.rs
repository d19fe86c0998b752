//! Every scenario of `events/put-events` end to end on the local cloud, on paused
//! virtual time: the final order state and the side effects each one expects.

use orderly_core::clock::{Clock, SystemClock};
use orderly_local::scenarios::{self, Outcome, ScenarioEnv, ScenarioRun};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn run(name: &str) -> ScenarioRun {
    let scenario = scenarios::by_name(name).unwrap_or_else(|| panic!("no scenario {name}"));
    scenarios::run(scenario, &ScenarioEnv::at(root()))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_passed(outcome: &Outcome) {
    assert!(
        outcome.passed,
        "{} ended as {}:\n{}",
        outcome.scenario,
        outcome.final_state,
        outcome.details.join("\n")
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn happy_path_confirms_and_ships() {
    let run = run("happy-path").await;
    assert_passed(&run.outcome);
    assert_eq!(run.outcome.final_state, "OrderConfirmed");
}

/// One test per scenario: it passes its own checks and ends in the expected state.
macro_rules! scenario_test {
    ($test:ident, $name:literal, $state:literal) => {
        #[tokio::test(flavor = "current_thread", start_paused = true)]
        async fn $test() {
            let run = run($name).await;
            assert_passed(&run.outcome);
            assert_eq!(run.outcome.final_state, $state);
        }
    };
}

scenario_test!(
    approval_needed_waits_then_confirms,
    "approval-needed",
    "OrderConfirmed"
);
scenario_test!(
    approval_timeout_fails_the_order,
    "approval-timeout",
    "OrderFailed (ApprovalTimedOut)"
);
scenario_test!(
    payment_declined_compensates,
    "payment-declined",
    "OrderFailed (PaymentDeclined)"
);
scenario_test!(
    out_of_stock_compensates,
    "out-of-stock",
    "OrderFailed (OutOfStock)"
);
scenario_test!(flaky_payment_is_retried, "payment-flaky", "OrderConfirmed");
scenario_test!(
    duplicate_delivery_has_one_effect,
    "duplicate-delivery",
    "OrderConfirmed"
);
scenario_test!(
    poison_message_ends_in_its_dlq,
    "poison-message",
    "in AuditDlq"
);

/// Every lease the idempotency engine asks for is the time left of its invocation — at
/// most the function's timeout — even after virtual time has jumped a day: the engine
/// reads the cloud's clock, the clock the invocation's deadline was set on. (With the
/// engine on the wall clock, a lease after the approval timeout's jump was about a day.)
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn leases_stay_within_the_function_timeout_after_a_day_of_virtual_time() {
    let run = run("approval-timeout").await;
    assert_passed(&run.outcome);
    let cloud = run.cloud.inner.clone();
    let ahead_ms = cloud.clock.now_ms() - SystemClock.now_ms();
    assert!(
        ahead_ms > 12 * 3_600_000,
        "the approval timeout moved virtual time ahead of the wall clock ({ahead_ms} ms)"
    );
    let env = ScenarioEnv::at(root());
    let happy = scenarios::entries(&env.root, "happy-path").expect("happy-path entries");
    let results = cloud.put_events(&happy);
    assert!(
        results.iter().all(|r| r.error_code.is_none()),
        "{results:?}"
    );
    assert!(scenarios::wait_until(&cloud, scenarios::settled).await);
    let longest_timeout_ms = cloud
        .model
        .functions
        .values()
        .map(|f| i64::from(f.timeout_secs) * 1000)
        .max()
        .expect("the template has functions");
    let lease = cloud.world.idempotency.longest_lease_ms();
    assert!(lease > 0, "the engine took leases");
    assert!(
        lease <= longest_timeout_ms,
        "a lease of {lease} ms outlasts every function's timeout ({longest_timeout_ms} ms)"
    );
}
