//! The transactional outbox of the orders table: place-order writes the order and, in the
//! same conditional put, the metadata of the OrderCreated that announces it
//! ([`OUTBOX_ATTRIBUTE`]). The table's stream carries the insert to a pipe, whose
//! enrichment reads each record's new image with [`announcement`] and whose input template
//! builds OrderCreated's `{metadata, data}` from it. A crash after the write loses nothing:
//! the stream has the insert. A redelivered record announces the same order with the same
//! idempotency key, which every consumer keys its work on.

use crate::contracts::{Metadata, OrderCreated, OutboundEvent};
use crate::domain::Order;
use crate::memory::dynamo_layout::attribute_to_json;
use crate::ports::OUTBOX_ATTRIBUTE;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The orders table's status attribute, which is not part of the order.
const STATUS: &str = "status";

/// Why a stream record announces nothing. Its words name what is wrong, never a value of
/// the order (which holds personal data and the payment token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboxError {
    /// The record has no new image (a REMOVE, or a stream without NEW_IMAGE).
    #[error("the record has no NewImage: the stream must carry new images")]
    NoImage,
    /// An attribute of the image is not one the orders table keeps (named; its value, which
    /// may be personal data, is not shown).
    #[error("attribute {0} of the image is of a type or size the orders table does not keep")]
    Image(String),
    /// The item has no outbox entry: it was not written by place-order.
    #[error("the item has no {OUTBOX_ATTRIBUTE} entry")]
    NoOutbox,
    /// The outbox entry is not OrderCreated's metadata.
    #[error("the {OUTBOX_ATTRIBUTE} entry is not event metadata: {0}")]
    Metadata(String),
    /// The item's order fields are not an order.
    #[error("the item is not an order: {0}")]
    Order(String),
}

/// What the outbox enrichment hands the pipe for one record: the order and the metadata
/// of its OrderCreated, which the pipe's input template makes into `{metadata, data}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// The stream record's `eventID`: Pipes match an item failure to its record by it.
    #[serde(rename = "eventID", default, skip_serializing_if = "String::is_empty")]
    pub event_id: String,
    /// The metadata OrderCreated carries.
    pub metadata: Metadata,
    /// The order, as OrderCreated's data.
    pub order: Order,
}

impl Announcement {
    /// The event the pipe puts: OrderCreated with this metadata and order.
    ///
    /// # Errors
    ///
    /// When the order does not serialize (it always does).
    pub fn event(&self) -> Result<OutboundEvent, crate::contracts::ContractError> {
        OutboundEvent::new(self.metadata.clone(), &OrderCreated(self.order.clone()))
    }
}

/// The item a DynamoDB image holds, as plain JSON (`{"S": "a"}` becomes `"a"`).
///
/// # Errors
///
/// [`OutboxError::Image`] for an attribute type the orders table does not keep.
pub fn image_to_json(image: &Map<String, Value>) -> Result<Map<String, Value>, OutboxError> {
    image
        .iter()
        .map(|(name, value)| {
            attribute_to_json(name, value)
                .map(|v| (name.clone(), v))
                // The layout's own message quotes the value: only the name goes out.
                .map_err(|_| OutboxError::Image(name.clone()))
        })
        .collect()
}

/// The announcement of an orders-table item (plain JSON): its outbox entry and its order.
///
/// # Errors
///
/// [`OutboxError`] naming what the item lacks.
pub fn announcement_of_item(mut item: Map<String, Value>) -> Result<Announcement, OutboxError> {
    let outbox = item.remove(OUTBOX_ATTRIBUTE).ok_or(OutboxError::NoOutbox)?;
    item.remove(STATUS);
    let metadata: Metadata = serde_path_to_error::deserialize(outbox)
        .map_err(|e| OutboxError::Metadata(field_only(&e)))?;
    let order: Order = serde_path_to_error::deserialize(Value::Object(item))
        .map_err(|e| OutboxError::Order(field_only(&e)))?;
    Ok(Announcement {
        event_id: String::new(),
        metadata,
        order,
    })
}

/// The announcement a DynamoDB stream record (as Lambda and Pipes hand it) makes.
///
/// # Errors
///
/// [`OutboxError`] naming what the record lacks.
pub fn announcement(record: &Value) -> Result<Announcement, OutboxError> {
    let image = record
        .pointer("/dynamodb/NewImage")
        .and_then(Value::as_object)
        .ok_or(OutboxError::NoImage)?;
    let mut out = announcement_of_item(image_to_json(image)?)?;
    out.event_id = record
        .get("eventID")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(out)
}

/// Where a value did not deserialize and why, without the value: serde quotes a wrong
/// value (`invalid type: integer `4111…``), which may be personal data or a payment token.
fn field_only(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let text = e.inner().to_string();
    let text = text.split(" at line ").next().unwrap_or_default();
    let why = if text.starts_with("missing field") {
        text.to_owned()
    } else if text.starts_with("unknown field") {
        text.split(',').next().unwrap_or_default().to_owned()
    } else if let Some((_, expected)) = text.split_once(", expected ") {
        format!("expected {expected}")
    } else {
        "a value of the wrong type or form".to_owned()
    };
    if path == "." {
        why
    } else {
        format!("{path}: {why}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::dynamo_layout::json_to_attribute;
    use serde_json::json;

    /// The orders-table image of the happy path's order, with its outbox entry.
    fn image() -> Value {
        let entries: Value =
            serde_json::from_str(include_str!("../../../events/put-events/happy-path.json"))
                .expect("the sample");
        let detail: Value =
            serde_json::from_str(entries[0]["Detail"].as_str().expect("a detail")).expect("JSON");
        let mut item = Map::new();
        for (name, value) in detail["data"].as_object().expect("the order") {
            item.insert(name.clone(), json_to_attribute(value));
        }
        item.insert("status".into(), json!({"S": "PLACED"}));
        item.insert(
            OUTBOX_ATTRIBUTE.into(),
            json_to_attribute(&detail["metadata"]),
        );
        Value::Object(item)
    }

    #[test]
    fn an_insert_announces_its_order_with_the_outbox_metadata() {
        let record =
            json!({"eventID": "e-1", "eventName": "INSERT", "dynamodb": {"NewImage": image()}});
        let a = announcement(&record).expect("an announcement");
        assert_eq!(a.event_id, "e-1");
        assert_eq!(a.metadata.correlation_id, "corr-happy-1");
        assert_eq!(a.order.order_id, "o-happy-1");
        let event = a.event().expect("an event");
        assert_eq!(event.detail_type, "OrderCreated");
        assert_eq!(event.detail["data"]["lines"][0]["quantity"], 2);
    }

    #[test]
    fn a_record_that_announces_nothing_says_why_without_its_values() {
        assert_eq!(
            announcement(&json!({"dynamodb": {}})),
            Err(OutboxError::NoImage)
        );
        let mut no_outbox = image();
        no_outbox.as_object_mut().map(|m| m.remove("outbox"));
        assert_eq!(
            announcement(&json!({"dynamodb": {"NewImage": no_outbox}})),
            Err(OutboxError::NoOutbox)
        );
        // A value of the wrong type, a number longer than JSON keeps exactly, a binary:
        // each refused by name, its value never shown.
        for (value, secret) in [
            (json!({"N": "12345"}), "12345"),
            (
                json!({"N": "4111111111111111111111111"}),
                "4111111111111111111111111",
            ),
            (json!({"B": "c2VjcmV0"}), "c2VjcmV0"),
        ] {
            let mut bad = image();
            bad["paymentToken"] = value;
            let e = announcement(&json!({"dynamodb": {"NewImage": bad}})).expect_err("refused");
            assert!(!e.to_string().contains(secret), "{e}");
            assert!(e.to_string().contains("paymentToken"), "{e}");
        }
    }
}
