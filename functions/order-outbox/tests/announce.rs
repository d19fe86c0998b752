//! order-outbox on the sample batch in `events/lambda/order-outbox.json` (the outbox pipe's
//! enrichment input): each record reads back as the order and its OrderCreated metadata,
//! in order, and a record that does not read fails the batch naming the record, never a
//! value of the order.

use order_outbox::announce;
use orderly_core::contracts::{OrderCreated, parse_detail};
use serde_json::Value;

fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/order-outbox.json"))
        .expect("the sample batch")
}

#[test]
fn each_record_announces_its_order_in_the_batchs_order() {
    let announced = announce(&sample()).expect("announced");
    assert_eq!(announced.len(), 2);
    assert_eq!(announced[0].order.order_id, "o-outbox-1");
    assert_eq!(announced[1].order.order_id, "o-outbox-2");
    for a in &announced {
        let event = a.event().expect("an event");
        // What the pipe's input template builds is the contract's detail, as consumers read it.
        let detail = parse_detail::<OrderCreated>(&event.detail).expect("OrderCreated");
        assert_eq!(detail.data.0, a.order);
        assert!(!a.event_id.is_empty());
    }
    assert_eq!(announced[0].metadata.correlation_id, "corr-outbox-1");
}

#[test]
fn a_record_that_does_not_read_fails_the_batch_without_showing_the_order() {
    for token in ["4111111111111111", "41111111111111111111111111"] {
        let mut batch = sample();
        batch[1]["dynamodb"]["NewImage"]["paymentToken"] = serde_json::json!({ "N": token });
        let e = announce(&batch).expect_err("refused").to_string();
        assert!(e.contains("record 1"), "{e}");
        assert!(!e.contains(token), "{e}");
    }
    assert!(
        announce(&serde_json::json!({"Records": []})).is_err(),
        "a pipe gives an array"
    );
}
