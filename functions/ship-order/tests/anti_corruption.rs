//! Shipping's anti-corruption layer over generated OrderConfirmed events: what Shipping
//! does not read never reaches it, and what it reads always does. The events are made as
//! Orders makes them: a version 1 confirmation and its version 2 (`From`). Shipping reads
//! both; what it asks for is checked against the version 1 fields, and both versions of
//! one confirmation make the same request.

use orderly_core::contracts::{
    Detail, Metadata, OrderConfirmed, OrderConfirmedV2, ShippingQuote, ShippingService,
};
use orderly_core::domain::{Currency, Money, OrderLine};
use proptest::prelude::*;
use ship_order::anti_corruption::{Service, shipment_requested, translate};

fn money() -> impl Strategy<Value = Money> {
    (
        0i64..10_000_000,
        prop::sample::select(vec!["EUR", "GBP", "USD"]),
    )
        .prop_map(|(amount, code)| {
            Money::new(
                amount,
                Currency::try_from(code.to_owned()).expect("an ISO code"),
            )
        })
}

fn line() -> impl Strategy<Value = OrderLine> {
    ("[A-Z]{3}-[0-9]{1,3}", 1i64..50, 0i64..100_000).prop_map(|(sku, quantity, unit_price)| {
        OrderLine {
            sku,
            quantity,
            unit_price,
        }
    })
}

fn quote() -> impl Strategy<Value = Option<ShippingQuote>> {
    prop::option::of(
        (any::<bool>(), 1u32..40, money()).prop_map(|(freight, parcels, cost)| ShippingQuote {
            service: if freight {
                ShippingService::Freight
            } else {
                ShippingService::Standard
            },
            parcels,
            cost,
        }),
    )
}

fn confirmed() -> impl Strategy<Value = Detail<OrderConfirmed>> {
    (
        "o-[a-z0-9]{1,12}",
        "c-[a-z0-9]{1,8}",
        money(),
        "auth-[a-z0-9]{1,8}",
        prop::collection::vec(line(), 1..6),
        quote(),
        "k-[a-z0-9]{1,12}",
        "corr-[a-z0-9]{1,8}",
    )
        .prop_map(
            |(order_id, customer_id, total, authorization_id, lines, shipping, key, corr)| Detail {
                metadata: Metadata {
                    idempotency_key: key,
                    correlation_id: corr,
                    event_version: "1".to_owned(),
                    occurred_at: "2026-12-06T12:00:00Z".to_owned(),
                },
                data: OrderConfirmed {
                    order_id,
                    customer_id,
                    total,
                    authorization_id,
                    lines,
                    shipping,
                },
            },
        )
}

/// Version 2 of a version 1 confirmation, as Orders publishes it beside version 1.
fn v2(event: &Detail<OrderConfirmed>) -> Detail<OrderConfirmedV2> {
    Detail {
        metadata: Metadata {
            event_version: "2".to_owned(),
            ..event.metadata.clone()
        },
        data: OrderConfirmedV2::from(&event.data),
    }
}

/// The fields of OrderConfirmed Shipping does not read, changed: the customer, the total,
/// the payment hold, each line's price, the quote's cost and when the event occurred.
fn unread_changed(
    mut event: Detail<OrderConfirmedV2>,
    customer: String,
    total: Money,
    hold: String,
    price: Money,
    cost: Money,
) -> Detail<OrderConfirmedV2> {
    event.data.customer_id = customer;
    event.data.total = total;
    event.data.authorization_id = hold;
    for line in &mut event.data.lines {
        line.unit_price = price.clone();
    }
    if let Some(quote) = &mut event.data.shipping {
        quote.cost = cost;
    }
    event.metadata.occurred_at = "2027-01-01T00:00:00Z".to_owned();
    event
}

fn bytes(event: &Detail<OrderConfirmedV2>) -> Vec<u8> {
    serde_json::to_vec(&translate(event)).expect("serializes")
}

proptest! {
    #[test]
    fn a_change_to_what_shipping_does_not_read_leaves_the_request_byte_identical(
        event in confirmed(),
        customer in "c-[a-z0-9]{1,8}",
        total in money(),
        hold in "auth-[a-z0-9]{1,8}",
        price in money(),
        cost in money(),
    ) {
        let event = v2(&event);
        let before = bytes(&event);
        let after = bytes(&unread_changed(event, customer, total, hold, price, cost));
        prop_assert_eq!(before, after);
    }

    #[test]
    fn a_change_to_what_shipping_reads_reaches_the_request(
        event in confirmed(),
        which in 0usize..4,
    ) {
        let event = v2(&event);
        let mut changed = event.clone();
        match which {
            0 => changed.data.order_id.push('x'),
            1 => changed.data.lines[0].quantity += 1,
            2 => changed.data.lines[0].sku.push('x'),
            _ => changed.metadata.correlation_id.push('x'),
        }
        prop_assert_ne!(bytes(&event), bytes(&changed));
    }

    /// Orders publishes each confirmation in both versions; Shipping reads both while
    /// version 1 lasts, and they must make the same request, to the byte.
    #[test]
    fn both_versions_of_one_confirmation_make_the_same_request(event in confirmed()) {
        let envelope = |detail: serde_json::Value| serde_json::json!({
            "source": "com.orders", "detail-type": "OrderConfirmed", "detail": detail,
        });
        let v1 = envelope(serde_json::to_value(&event).expect("serializes"));
        let v2 = envelope(serde_json::to_value(v2(&event)).expect("serializes"));
        let from_v1 = serde_json::to_vec(&shipment_requested(&v1).expect("version 1 is read")).expect("serializes");
        let from_v2 = serde_json::to_vec(&shipment_requested(&v2).expect("version 2 is read")).expect("serializes");
        prop_assert_eq!(from_v1, from_v2);
    }

    #[test]
    fn every_unit_of_every_sku_is_requested(event in confirmed()) {
        let request = translate(&v2(&event));
        for line in &event.data.lines {
            let units: i64 = event.data.lines.iter().filter(|l| l.sku == line.sku).map(|l| l.quantity).sum();
            let item = request.items.iter().find(|i| i.sku == line.sku).expect("the sku is requested");
            prop_assert_eq!(item.units, units);
        }
        prop_assert_eq!(request.order_ref, event.data.order_id.clone());
        match &event.data.shipping {
            None => prop_assert_eq!((request.service, request.parcels), (Service::Standard, None)),
            Some(q) => prop_assert_eq!(request.parcels, Some(q.parcels)),
        }
    }
}

#[test]
fn the_sample_event_translates_and_another_contract_is_refused() {
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../../../events/lambda/ship-order.json"))
            .expect("sample");
    let body: serde_json::Value =
        serde_json::from_str(sample["Records"][0]["body"].as_str().expect("body"))
            .expect("body is JSON");
    let request = shipment_requested(&body).expect("an OrderConfirmed");
    assert!(!request.items.is_empty());
    let mut v3 = body.clone();
    v3["detail"]["metadata"]["event-version"] = "3".into();
    let refused = shipment_requested(&v3).expect_err("version 3");
    assert!(
        refused
            .to_string()
            .contains("unsupported event-version 3 (this consumer reads 2)"),
        "{refused}"
    );
    let mut other = body.clone();
    other["detail-type"] = "OrderFailed".into();
    let refused = shipment_requested(&other).expect_err("not OrderConfirmed");
    assert!(
        refused
            .to_string()
            .contains("expected detail-type OrderConfirmed"),
        "{refused}"
    );
}
