//! The envelope every Orderly event travels in, as EventBridge carries it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

/// `event-version` of a contract that does not set its own [`Contract::VERSION`] (its
/// default, as text); consumers reject versions they do not know.
pub const EVENT_VERSION: &str = "1";

/// `detail.metadata`: what every event carries besides its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Stable across redeliveries and duplicate puts; each consumer derives its own key
    /// from it (consumer name + key).
    #[serde(rename = "idempotency-key")]
    pub idempotency_key: String,
    /// Follows one order through every hop.
    #[serde(rename = "correlation-id")]
    pub correlation_id: String,
    /// The contract version the data follows ("1", "2", …); consumers reject a version
    /// they do not read.
    #[serde(rename = "event-version")]
    pub event_version: String,
    /// UTC, RFC 3339.
    #[serde(rename = "occurred-at")]
    pub occurred_at: String,
}

impl Metadata {
    /// Metadata for an event caused by another one: same correlation id, its own key.
    pub fn caused_by(cause: &Metadata, idempotency_key: String, occurred_at: String) -> Self {
        Self {
            idempotency_key,
            correlation_id: cause.correlation_id.clone(),
            event_version: EVENT_VERSION.to_owned(),
            occurred_at,
        }
    }
}

/// `detail`: metadata plus the contract's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Detail<D> {
    /// Who sent the event and how to trace and deduplicate it.
    pub metadata: Metadata,
    /// The contract's own fields.
    pub data: D,
}

/// A contract: one event type with its source and detail-type.
pub trait Contract: Serialize + DeserializeOwned + JsonSchema {
    /// `com.<context>`.
    const SOURCE: &'static str;
    /// PastTense name.
    const DETAIL_TYPE: &'static str;
    /// The version of the contract these types are, written to `event-version`. A
    /// published version is frozen (`docs/versioning.md`): a change to what its schema
    /// accepts is a new version, published beside the old one.
    const VERSION: u32 = 1;
}

/// An event ready to publish on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEvent {
    /// The contract's `SOURCE`, e.g. `com.orders`.
    pub source: String,
    /// The contract's `DETAIL_TYPE`, its type name.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// The serialized `Detail`.
    pub detail: Value,
}

impl OutboundEvent {
    /// Wraps `data` and `metadata` into the event of contract `C`, with its source,
    /// detail-type and version (`metadata.event_version` is set to `C::VERSION`, so an
    /// event cannot claim a version its data does not follow).
    ///
    /// # Errors
    ///
    /// [`ContractError::Serialize`] if `data` cannot be turned into JSON.
    pub fn new<C: Contract>(mut metadata: Metadata, data: &C) -> Result<Self, ContractError> {
        metadata.event_version = C::VERSION.to_string();
        let detail = serde_json::to_value(Detail { metadata, data })
            .map_err(|e| ContractError::Serialize(C::DETAIL_TYPE, e.to_string()))?;
        Ok(Self {
            source: C::SOURCE.to_owned(),
            detail_type: C::DETAIL_TYPE.to_owned(),
            detail,
        })
    }
}

/// Why an event could not be read as a contract. The message names what is wrong, so
/// it can travel to a DLQ as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The event's `detail-type` is not the contract's.
    #[error("expected detail-type {expected}, got {actual}")]
    WrongDetailType {
        /// The contract's detail-type.
        expected: &'static str,
        /// The detail-type the event carried (empty if it had none).
        actual: String,
    },
    /// The event's `source` is not the contract's.
    #[error("expected source {expected}, got {actual}")]
    WrongSource {
        /// The contract's source.
        expected: &'static str,
        /// The source the event carried (empty if it had none).
        actual: String,
    },
    /// The event carries an `event-version` this consumer does not read.
    #[error("{detail_type}: unsupported event-version {version} (this consumer reads {reads})")]
    UnsupportedVersion {
        /// The contract whose event it was.
        detail_type: &'static str,
        /// The version the event carried.
        version: String,
        /// The version this consumer reads.
        reads: u32,
    },
    /// The detail does not deserialize as the contract: the detail-type and serde's message.
    #[error("{0}: malformed event: {1}")]
    Malformed(&'static str, String),
    /// The data could not be serialized: the detail-type and serde's message.
    #[error("{0}: cannot serialize: {1}")]
    Serialize(&'static str, String),
}

/// Reads the `detail` of an event as contract `C`, checking the version.
pub fn parse_detail<C: Contract>(detail: &Value) -> Result<Detail<C>, ContractError> {
    let parsed: Detail<C> = serde_json::from_value(detail.clone())
        .map_err(|e| ContractError::Malformed(C::DETAIL_TYPE, e.to_string()))?;
    if parsed.metadata.event_version != C::VERSION.to_string() {
        return Err(ContractError::UnsupportedVersion {
            detail_type: C::DETAIL_TYPE,
            version: parsed.metadata.event_version,
            reads: C::VERSION,
        });
    }
    Ok(parsed)
}

/// Reads a whole EventBridge event (`source`, `detail-type`, `detail`) as contract `C`.
pub fn parse_event<C: Contract>(event: &Value) -> Result<Detail<C>, ContractError> {
    let field = |name: &str| {
        event
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let detail_type = field("detail-type");
    if detail_type != C::DETAIL_TYPE {
        return Err(ContractError::WrongDetailType {
            expected: C::DETAIL_TYPE,
            actual: detail_type,
        });
    }
    let source = field("source");
    if source != C::SOURCE {
        return Err(ContractError::WrongSource {
            expected: C::SOURCE,
            actual: source,
        });
    }
    let detail = event
        .get("detail")
        .ok_or_else(|| ContractError::Malformed(C::DETAIL_TYPE, "missing field `detail`".into()))?;
    parse_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::ShipmentCreated;
    use serde_json::json;

    #[test]
    fn the_default_version_is_the_one_metadata_writes() {
        assert_eq!(ShipmentCreated::VERSION.to_string(), EVENT_VERSION);
    }

    fn event(detail_type: &str, version: &str, data: Value) -> Value {
        json!({"source": "com.shipping", "detail-type": detail_type, "detail": {
            "metadata": {"idempotency-key": "k", "correlation-id": "c", "event-version": version,
                         "occurred-at": "2026-11-26T12:00:00Z"},
            "data": data}})
    }

    #[test]
    fn parses_a_well_formed_event() {
        let parsed = parse_event::<ShipmentCreated>(&event(
            "ShipmentCreated",
            "1",
            json!({"orderId": "o-1", "shipmentId": "s-1"}),
        ))
        .unwrap();
        assert_eq!(parsed.data.shipment_id, "s-1");
        assert_eq!(parsed.metadata.correlation_id, "c");
    }

    #[test]
    fn rejections_name_what_is_wrong() {
        let cases = [
            (
                event("OrderCreated", "1", json!({})),
                "expected detail-type ShipmentCreated, got OrderCreated",
            ),
            (
                event(
                    "ShipmentCreated",
                    "2",
                    json!({"orderId": "o", "shipmentId": "s"}),
                ),
                "unsupported event-version 2",
            ),
            (
                event("ShipmentCreated", "1", json!({"orderId": "o"})),
                "missing field `shipmentId`",
            ),
            (
                event(
                    "ShipmentCreated",
                    "1",
                    json!({"orderId": 5, "shipmentId": "s"}),
                ),
                "invalid type",
            ),
        ];
        for (ev, needle) in cases {
            let err = parse_event::<ShipmentCreated>(&ev).unwrap_err().to_string();
            assert!(err.contains(needle), "{err:?} should contain {needle:?}");
        }
    }

    #[test]
    fn outbound_event_carries_source_and_detail_type() {
        let meta = Metadata {
            idempotency_key: "k".into(),
            correlation_id: "c".into(),
            event_version: EVENT_VERSION.into(),
            occurred_at: "2026-11-26T12:00:00Z".into(),
        };
        let out = OutboundEvent::new(
            meta,
            &ShipmentCreated {
                order_id: "o".into(),
                shipment_id: "s".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (out.source.as_str(), out.detail_type.as_str()),
            ("com.shipping", "ShipmentCreated")
        );
        assert_eq!(out.detail["data"]["orderId"], "o");
    }
}
