//! The contract every [`ItemStore`] meets, as a test suite each implementation runs: the
//! embedded one (`crates/core/tests/item_store_memory.rs`), the local cloud's and the
//! DynamoDB adapter's give the same answers to the same calls.
//!
//! Enabled by the `contract-tests` feature. An implementation writes one factory that
//! makes a fresh table keyed by [`CONTRACT_KEY`] (both attributes strings) and one macro
//! call:
//!
//! ```text
//! async fn store() -> Arc<dyn ItemStore> { … }
//! orderly_core::item_store_contract!(store);
//! // or, for one that needs a server: (#[ignore = "needs a server"] store)
//! ```

use super::{Expect, Item, ItemStore, KeyNames, Written};
use crate::ports::PortError;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs one contract case on a fresh store from `factory`: the idempotency suite's runner.
pub use crate::idempotency::contract::run_case;

/// The key of the contract's tables: partition `pk` and sort `sk`, both strings.
pub const CONTRACT_KEY: KeyNames = KeyNames::partition("pk").with_sort("sk");

/// Expands to one `#[test]` per contract case, each on a fresh store made by the given
/// async factory (`async fn() -> Arc<dyn ItemStore>`). Attributes written before the
/// factory (such as `#[ignore = "..."]`) are put on every test.
#[macro_export]
macro_rules! item_store_contract {
    ($(#[$attr:meta])* $factory:path) => {
        $crate::__item_case!([$(#[$attr])*] $factory, put_new_stores_once_and_answers_the_first_item);
        $crate::__item_case!([$(#[$attr])*] $factory, items_read_back_exactly_as_written);
        $crate::__item_case!([$(#[$attr])*] $factory, the_sort_key_tells_items_apart);
        $crate::__item_case!([$(#[$attr])*] $factory, a_version_check_refuses_a_stale_writer);
        $crate::__item_case!([$(#[$attr])*] $factory, delete_answers_the_item_it_removed);
        $crate::__item_case!([$(#[$attr])*] $factory, racing_first_writes_store_exactly_one);
        $crate::__item_case!([$(#[$attr])*] $factory, a_key_that_is_not_the_tables_is_refused);
        $crate::__item_case!([$(#[$attr])*] $factory, an_item_over_400_kb_is_refused_and_one_under_it_stored);
    };
}

/// One test of [`item_store_contract!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __item_case {
    ([$(#[$attr:meta])*] $factory:path, $case:ident) => {
        #[test]
        $(#[$attr])*
        fn $case() {
            $crate::items::contract::run_case($factory, $crate::items::contract::$case);
        }
    };
}

fn item(value: Value) -> Item {
    match value {
        Value::Object(item) => item,
        other => panic!("a contract item is an object, got {other}"),
    }
}

fn key(pk: &str, sk: &str) -> Item {
    item(json!({"pk": pk, "sk": sk}))
}

/// The first write stores; a second with the same key stores nothing and answers the
/// item that was there first.
pub async fn put_new_stores_once_and_answers_the_first_item(store: Arc<dyn ItemStore>) {
    let first = item(json!({"pk": "c-1", "sk": "points", "points": 10}));
    let second = item(json!({"pk": "c-1", "sk": "points", "points": 99}));

    assert_eq!(store.put_new(&first).await, Ok(Written::Stored));
    assert_eq!(
        store.put_new(&second).await,
        Ok(Written::Refused(Some(first.clone())))
    );
    assert_eq!(store.get(&key("c-1", "points")).await, Ok(Some(first)));
    assert_eq!(store.get(&key("c-2", "points")).await, Ok(None));
}

/// Every JSON shape comes back as it went in: integers past 2^53 exactly, decimals,
/// nested objects and arrays, booleans, null, text beyond ASCII.
pub async fn items_read_back_exactly_as_written(store: Arc<dyn ItemStore>) {
    let written = item(json!({
        "pk": "o-1", "sk": "line#1",
        "amount": 9_007_199_254_740_993_i64,
        "negative": -42,
        "rate": 12.5,
        "paid": true,
        "note": null,
        "name": "Zoë – 東京",
        "lines": [{"sku": "BOOK-1", "quantity": 2}, [1, 2, 3], "x"],
        "address": {"city": "Gent", "geo": {"lat": 51.05}}
    }));

    assert_eq!(store.put(&written, None).await, Ok(Written::Stored));
    assert_eq!(store.get(&key("o-1", "line#1")).await, Ok(Some(written)));
}

/// Two items with the same partition key and different sort keys are two items.
pub async fn the_sort_key_tells_items_apart(store: Arc<dyn ItemStore>) {
    let a = item(json!({"pk": "c-1", "sk": "a", "n": 1}));
    let b = item(json!({"pk": "c-1", "sk": "b", "n": 2}));

    assert_eq!(store.put_new(&a).await, Ok(Written::Stored));
    assert_eq!(store.put_new(&b).await, Ok(Written::Stored));
    assert_eq!(store.get(&key("c-1", "a")).await, Ok(Some(a)));
    assert_eq!(store.delete(&key("c-1", "b")).await, Ok(Some(b)));
    assert_eq!(store.get(&key("c-1", "b")).await, Ok(None));
    assert!(store.get(&key("c-1", "a")).await.expect("get").is_some());
}

/// Optimistic concurrency: a write that names the version it read lands only while that
/// version stands, numbers compared by value; an unconditional put replaces.
pub async fn a_version_check_refuses_a_stale_writer(store: Arc<dyn ItemStore>) {
    let v1 = item(json!({"pk": "c-1", "sk": "total", "version": 1, "points": 10}));
    let v2 = item(json!({"pk": "c-1", "sk": "total", "version": 2, "points": 25}));
    let stale = item(json!({"pk": "c-1", "sk": "total", "version": 2, "points": 13}));
    let absent = item(json!({"pk": "c-9", "sk": "total", "version": 1}));

    assert_eq!(store.put(&v1, None).await, Ok(Written::Stored));
    assert_eq!(
        store
            .put(&v2, Some(Expect::Equals("version", &json!(1.0))))
            .await,
        Ok(Written::Stored)
    );
    assert_eq!(
        store
            .put(&stale, Some(Expect::Equals("version", &json!(1))))
            .await,
        Ok(Written::Refused(Some(v2.clone())))
    );
    assert_eq!(
        store
            .put(&absent, Some(Expect::Equals("version", &json!(0))))
            .await,
        Ok(Written::Refused(None))
    );
    assert_eq!(store.get(&key("c-9", "total")).await, Ok(None));
    let replaced = item(json!({"pk": "c-1", "sk": "total", "points": 0}));
    assert_eq!(store.put(&replaced, None).await, Ok(Written::Stored));
    assert_eq!(store.get(&key("c-1", "total")).await, Ok(Some(replaced)));
}

/// Deleting answers the item removed, and nothing when there was none.
pub async fn delete_answers_the_item_it_removed(store: Arc<dyn ItemStore>) {
    let stored = item(json!({"pk": "s-1", "sk": "x", "kept": "yes"}));

    assert_eq!(store.delete(&key("s-1", "x")).await, Ok(None));
    assert_eq!(store.put_new(&stored).await, Ok(Written::Stored));
    assert_eq!(store.delete(&key("s-1", "x")).await, Ok(Some(stored)));
    assert_eq!(store.get(&key("s-1", "x")).await, Ok(None));
}

/// Sixteen writers race to write one key first: exactly one stores, and every other is
/// told which item won.
pub async fn racing_first_writes_store_exactly_one(store: Arc<dyn ItemStore>) {
    let writers: Vec<_> = (0..16)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let mine = item(json!({"pk": "race", "sk": "1", "writer": writer}));
                store.put_new(&mine).await
            })
        })
        .collect();
    let mut stored = 0;
    let mut told = Vec::new();
    for writer in writers {
        match writer.await.expect("writer task") {
            Ok(Written::Stored) => stored += 1,
            Ok(Written::Refused(Some(winner))) => told.push(winner),
            other => panic!("a racing first write answered {other:?}"),
        }
    }
    assert_eq!(stored, 1, "exactly one first write stores");
    let winner = store
        .get(&key("race", "1"))
        .await
        .expect("get")
        .expect("the winner is stored");
    assert!(
        told.iter().all(|t| *t == winner),
        "every loser is told the winner"
    );
    assert_eq!(told.len(), 15);
}

/// An item without its key attributes, a key with an attribute more, or a key of the
/// wrong type is refused as permanent: retrying would send the same mistake.
pub async fn a_key_that_is_not_the_tables_is_refused(store: Arc<dyn ItemStore>) {
    let permanent = |answer: Result<_, PortError>| matches!(answer, Err(PortError::Permanent(_)));

    assert!(permanent(
        store.put(&item(json!({"pk": "p"})), None).await.map(|_| ())
    ));
    assert!(permanent(
        store
            .put(&item(json!({"pk": "p", "sk": ["list"]})), None)
            .await
            .map(|_| ())
    ));
    assert!(permanent(
        store
            .put(&item(json!({"pk": "", "sk": "s"})), None)
            .await
            .map(|_| ())
    ));
    assert!(permanent(
        store
            .get(&item(json!({"pk": "p", "sk": "s", "extra": 1})))
            .await
            .map(|_| ())
    ));
    assert!(permanent(
        store.get(&item(json!({"pk": "p"}))).await.map(|_| ())
    ));
    assert!(permanent(
        store.delete(&item(json!({"sk": "s"}))).await.map(|_| ())
    ));
}

/// DynamoDB stores an item of up to 400 KB and refuses a larger one, whatever the write's
/// condition: the refusal is permanent and stores nothing. The two items stay clear of
/// the exact edge, which emulators place differently (moto refuses above 405,000 bytes).
pub async fn an_item_over_400_kb_is_refused_and_one_under_it_stored(store: Arc<dyn ItemStore>) {
    let under = item(json!({"pk": "p", "sk": "s", "blob": "x".repeat(390 * 1024)}));
    assert!(super::item_size(&under) < super::MAX_ITEM_BYTES);
    let stored = store.put(&under, None).await;
    assert!(matches!(stored, Ok(Written::Stored)), "{stored:?}");
    // A string counts its UTF-8 bytes: 2 for each é, 410,000 in all.
    let over = item(json!({"pk": "p", "sk": "t", "blob": "é".repeat(205_000)}));
    assert!(super::item_size(&over) > super::MAX_ITEM_BYTES);
    let answer = store.put(&over, Some(Expect::Absent)).await;
    assert!(
        matches!(&answer, Err(PortError::Permanent(why)) if why.contains("Item size has exceeded")),
        "{answer:?}"
    );
    let key = item(json!({"pk": "p", "sk": "t"}));
    assert_eq!(store.get(&key).await.expect("read"), None);
}
