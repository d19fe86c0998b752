//! The embedded stores and adapters every in-process function runs on: the tables of
//! the template as in-memory stores with DynamoDB's conditional-write semantics, the bus
//! and the Step Functions callback API of this cloud behind the core ports.

use super::CloudInner;
use super::bus::PutEventsEntry;
use async_trait::async_trait;
use orderly_core::clock::SharedClock;
use orderly_core::contracts::OutboundEvent;
use orderly_core::memory::{MemoryAdapters, MemoryStock};
use orderly_core::ports::{CallbackError, EventPublisher, PortError, TaskCallbacks};
use serde_json::Value;
use std::path::Path;
use std::sync::Weak;

/// Where the inventory seed lives, beside the template: the file the deploy script writes
/// to the inventory table on AWS (`aws dynamodb batch-write-item --request-items`).
pub const SEED_FILE: &str = "events/seed/inventory.json";

/// Why the seed file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct SeedError {
    path: String,
    reason: String,
}

/// The stock levels of a seed file: every `PutRequest` item's `sku` (S) and `available`
/// (N), in file order, whatever table key holds them.
pub fn parse_seed(text: &str) -> Result<Vec<(String, i64)>, String> {
    let file: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let tables = file
        .as_object()
        .ok_or("not an object of request items by table")?;
    let mut levels = Vec::new();
    for (table, requests) in tables {
        let requests = requests
            .as_array()
            .ok_or_else(|| format!("{table}: not a list of write requests"))?;
        for (i, request) in requests.iter().enumerate() {
            let item = request
                .pointer("/PutRequest/Item")
                .ok_or_else(|| format!("{table}[{i}]: no PutRequest.Item"))?;
            let sku = item
                .pointer("/sku/S")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{table}[{i}]: no sku (S)"))?;
            let available = item
                .pointer("/available/N")
                .and_then(Value::as_str)
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| format!("{table}[{i}]: available (N) is not a whole number"))?;
            levels.push((sku.to_owned(), available));
        }
    }
    Ok(levels)
}

/// The seed of the template in `template_dir`; none when the file is absent.
pub fn read_seed(template_dir: &Path) -> Result<Vec<(String, i64)>, SeedError> {
    let path = template_dir.join(SEED_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SeedError {
                path: path.display().to_string(),
                reason: e.to_string(),
            });
        }
    };
    parse_seed(&text).map_err(|reason| SeedError {
        path: path.display().to_string(),
        reason,
    })
}

/// The stores and adapters of one cloud, as the source every function of the cloud is built
/// from: one store of each kind (so the resource names the template gives are not needed),
/// the bus and callbacks of this cloud, and its clock.
pub type Stores = MemoryAdapters<LocalPublisher, LocalCallbacks>;

/// Every store and adapter of one cloud, and the stock it started with. Reads through to
/// its [`Stores`] (`world.stock`, `world.payments`, …).
pub struct World {
    /// The stock the inventory started with (the seed file).
    pub seed: Vec<(String, i64)>,
    /// The stores, the bus, the callbacks and the clock.
    pub stores: Stores,
}

impl World {
    /// The stores of a new cloud: empty, but for the inventory's `seed`.
    pub fn new(cloud: Weak<CloudInner>, seed: Vec<(String, i64)>, clock: SharedClock) -> Self {
        let stock = MemoryStock::with_stock(seed.iter().map(|(sku, n)| (sku.as_str(), *n)));
        let publisher = LocalPublisher {
            cloud: cloud.clone(),
        };
        Self {
            seed,
            stores: MemoryAdapters::new(stock, publisher, LocalCallbacks { cloud }, clock),
        }
    }
}

impl std::ops::Deref for World {
    type Target = Stores;

    fn deref(&self) -> &Stores {
        &self.stores
    }
}

/// PutEvents on the local bus; fails when any entry is refused, as the EventBridge
/// adapter does.
pub struct LocalPublisher {
    cloud: Weak<CloudInner>,
}

#[async_trait]
impl EventPublisher for LocalPublisher {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        let cloud = self
            .cloud
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))?;
        let bus = cloud.model.buses.values().next().map(|b| b.name.clone());
        let entries: Vec<PutEventsEntry> = events
            .iter()
            .map(|e| PutEventsEntry {
                source: Some(e.source.clone()),
                detail_type: Some(e.detail_type.clone()),
                detail: Some(e.detail.to_string()),
                event_bus_name: bus.clone(),
                ..Default::default()
            })
            .collect();
        let failed: Vec<String> = cloud
            .put_events(&entries)
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.error_code.map(|code| {
                    format!("entry {i}: {code}: {}", r.error_message.unwrap_or_default())
                })
            })
            .collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(PortError::Permanent(failed.join("; ")))
        }
    }
}

/// SendTaskSuccess / Failure / Heartbeat on this cloud's executions.
pub struct LocalCallbacks {
    cloud: Weak<CloudInner>,
}

impl LocalCallbacks {
    fn tokens(&self) -> Result<orderly_states::TaskTokens, CallbackError> {
        self.cloud
            .upgrade()
            .map(|c| c.sfn.tokens.clone())
            .ok_or_else(|| {
                CallbackError::Port(PortError::Transient("the local cloud has stopped".into()))
            })
    }
}

fn invalid(e: orderly_states::CallbackError) -> CallbackError {
    CallbackError::InvalidToken(e.to_string())
}

#[async_trait]
impl TaskCallbacks for LocalCallbacks {
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_success(task_token, output.clone())
            .map_err(invalid)
    }
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_failure(task_token, error, cause)
            .map_err(invalid)
    }
    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_heartbeat(task_token)
            .map_err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_file_is_the_inventory_the_cloud_starts_with() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let seed = read_seed(&dir).expect("the repository's seed file reads");
        assert!(seed.iter().any(|(sku, n)| sku == "BOOK-0001" && *n > 0));
        assert!(
            seed.iter()
                .any(|(sku, n)| sku == "OUT-OF-STOCK-1" && *n == 0)
        );
    }

    #[test]
    fn a_malformed_seed_names_the_item_at_fault() {
        let text = r#"{"InventoryTable": [
            {"PutRequest": {"Item": {"sku": {"S": "A"}, "available": {"N": "3"}}}},
            {"PutRequest": {"Item": {"sku": {"S": "B"}, "available": {"N": "many"}}}}]}"#;
        let error = parse_seed(text).unwrap_err();
        assert!(error.contains("InventoryTable[1]"), "{error}");
        assert!(error.contains("available"), "{error}");
        assert_eq!(
            parse_seed(
                r#"{"T": [{"PutRequest": {"Item": {"sku": {"S": "A"}, "available": {"N": "3"}}}}]}"#
            ),
            Ok(vec![("A".to_owned(), 3)])
        );
    }
}
