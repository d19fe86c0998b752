//! The outbox scenario: `POST /orders` whose place-order dies right after its write, so the
//! client sees an error; the orders table's stream still carries the insert, and the outbox
//! pipe announces it, delivering its record twice. The client's retry finds the order
//! stored. One order, one OrderCreated effect: one workflow confirms it, one payment, one
//! shipment.

use super::checks::Checks;
use super::front_door::post_order;
use super::runner::{settled, wait_until};
use crate::runtime::CloudInner;
use crate::runtime::trace::HopKind;
use std::path::Path;
use std::time::Duration;

/// How long the client waits before it retries: past the crashed call's lease on its
/// idempotency key (the function's timeout).
const RETRY_AFTER: Duration = Duration::from_secs(120);

/// Posts the order, lets the crash happen and the pipe announce it, then retries.
pub(super) async fn place_with_a_crash(
    cloud: &CloudInner,
    root: &Path,
    order_id: &str,
    correlation_id: &str,
    checks: &mut Checks,
) {
    let first = post_order(cloud, root, "order", order_id, correlation_id).await;
    match first {
        Ok(answer) => checks.check(
            answer.status >= 500,
            format!(
                "place-order dies after its write: the client sees {}",
                answer.status
            ),
        ),
        Err(e) => checks.check(false, format!("POST /orders: {e}")),
    }
    checks.check(
        wait_until(cloud, settled).await,
        "the stored order is announced and its workflow ends, with no answer sent",
    );
    tokio::time::sleep(RETRY_AFTER).await;
    match post_order(cloud, root, "order", order_id, correlation_id).await {
        Ok(answer) => {
            checks.equal(answer.status, 201, "the retry's status");
            checks.equal(
                answer.body["orderId"].as_str().map(str::to_owned),
                Some(order_id.to_owned()),
                "the retry names the stored order",
            );
        }
        Err(e) => checks.check(false, format!("POST /orders (retry): {e}")),
    }
}

/// How many times OrderCreated of `correlation_id` reached the bus.
pub(super) fn announcements(cloud: &CloudInner, correlation_id: &str) -> usize {
    cloud
        .trace
        .of(correlation_id)
        .iter()
        .filter(|h| {
            matches!(&h.kind, HopKind::EventPut { detail_type, .. } if detail_type == "OrderCreated")
        })
        .count()
}
