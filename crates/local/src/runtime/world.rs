//! The embedded stores and adapters every in-process function runs on: the tables of
//! the template as in-memory stores with DynamoDB's conditional-write semantics, the bus
//! and the Step Functions callback API of this cloud behind the core ports.

use super::CloudInner;
use super::bus::PutEventsEntry;
use super::disk_tables::DiskTables;
use super::faults::{Faults, FaultyIdempotencyStore};
use async_trait::async_trait;
use orderly_core::clock::SharedClock;
use orderly_core::contracts::OutboundEvent;
use orderly_core::idempotency::IdempotencyStore;
use orderly_core::items::{ItemStore, KeyNames};
use orderly_core::memory::MemoryAdapters;
use orderly_core::memory::table::{Items, MemoryTables, TableError, TableSpace};
use orderly_core::ports::{
    ApprovalTokens, AuditLog, CallbackError, CustomerNotifier, EventPublisher, OrderIntake,
    OrderTable, PaymentGateway, PortError, Reminders, ShipmentWriter, StockReservations,
    TaskCallbacks, is_retryable_aws_code,
};
use orderly_core::shell::Adapters;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
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

/// Where a cloud's tables keep their items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TableStorage {
    /// In process memory: fast, for runs of bounded size (the demo, tests, chaos waves).
    #[default]
    Memory,
    /// In SQLite files made under `parent` (the system's temporary directory when
    /// `None`) and unlinked once open, so they go with the cloud or the process: memory
    /// stays flat however many orders pass (`orderly serve`).
    Disk {
        /// Where the directory is made.
        parent: Option<std::path::PathBuf>,
    },
}

/// The tables of a cloud, opened and seeded, before the bus and callbacks exist.
pub struct OpenedTables {
    stores: MemoryAdapters<(), ()>,
    answers: Items<(String, String)>,
    seed: Vec<(String, i64)>,
    disk: Option<DiskTables>,
}

impl OpenedTables {
    /// Opens every store's table in `storage` and writes the inventory's `seed`.
    pub fn open(
        storage: &TableStorage,
        seed: Vec<(String, i64)>,
        clock: SharedClock,
    ) -> Result<Self, TableError> {
        let disk = match storage {
            TableStorage::Memory => None,
            TableStorage::Disk { parent } => Some(DiskTables::create(parent.as_deref())?),
        };
        let space: &dyn TableSpace = match &disk {
            Some(disk) => disk,
            None => &MemoryTables,
        };
        let stores = MemoryAdapters::open(space, (), (), clock)?;
        for (sku, quantity) in &seed {
            stores.stock.set_available(sku, *quantity)?;
        }
        Ok(Self {
            stores,
            answers: Items::open(space, CALLBACK_ANSWERS)?,
            seed,
            disk,
        })
    }
}

/// Every store and adapter of one cloud, and the stock it started with. Reads through to
/// its [`Stores`] (`world.stock`, `world.payments`, …).
pub struct World {
    /// The stock the inventory started with (the seed file).
    pub seed: Vec<(String, i64)>,
    /// The stores, the bus, the callbacks and the clock.
    pub stores: Stores,
    /// The faults the functions' adapters inject (none but in the chaos harness).
    pub faults: Arc<dyn Faults>,
    /// The file of the tables when they are on disk; the last of it dropped frees it.
    pub disk: Option<DiskTables>,
    /// The cloud, whose Step Functions run the order intake.
    cloud: Weak<CloudInner>,
    /// The directory of the template, which the functions' `CodeUri`s are relative to.
    pub template_dir: std::path::PathBuf,
}

impl World {
    /// The world of a cloud: its opened `tables`, with the bus and callbacks of `cloud`.
    pub fn new(
        cloud: Weak<CloudInner>,
        tables: OpenedTables,
        faults: Arc<dyn Faults>,
        template_dir: std::path::PathBuf,
    ) -> Self {
        let OpenedTables {
            stores,
            answers,
            seed,
            disk,
        } = tables;
        let publisher = LocalPublisher {
            cloud: cloud.clone(),
            bus: None,
            role: None,
        };
        let callbacks = LocalCallbacks {
            cloud: cloud.clone(),
            answers: std::sync::Mutex::new(answers),
        };
        Self {
            seed,
            stores: stores.with_bus(publisher, callbacks),
            faults,
            disk,
            cloud,
            template_dir,
        }
    }

    /// The cloud this world belongs to.
    pub fn cloud(&self) -> Weak<CloudInner> {
        self.cloud.clone()
    }

    /// The source the cloud's functions are built from: the stores, with the idempotency
    /// table behind the faults of this cloud.
    pub fn adapters(&self) -> FaultyAdapters<'_> {
        FaultyAdapters {
            world: self,
            role: None,
        }
    }

    /// [`World::adapters`] for `function`: what it puts on a bus, it puts as its role.
    pub fn adapters_for(&self, function: &crate::template::Function) -> FaultyAdapters<'_> {
        FaultyAdapters {
            world: self,
            role: Some(function.role_arn.clone()),
        }
    }
}

/// The world's stores as an [`Adapters`] source whose idempotency table injects the
/// cloud's faults (transient errors, records a crashed invocation leaves in progress).
pub struct FaultyAdapters<'a> {
    world: &'a World,
    /// The role of the function being built, whose publisher puts as that role; `None`
    /// puts as the account's root.
    role: Option<String>,
}

impl Adapters for FaultyAdapters<'_> {
    fn orders(&self, table: &str) -> Arc<dyn OrderTable> {
        self.world.stores.orders(table)
    }
    fn stock(&self, table: &str) -> Arc<dyn StockReservations> {
        self.world.stores.stock(table)
    }
    fn approval_tokens(&self, table: &str) -> Arc<dyn ApprovalTokens> {
        self.world.stores.approval_tokens(table)
    }
    fn audit_log(&self, table: &str) -> Arc<dyn AuditLog> {
        self.world.stores.audit_log(table)
    }
    fn shipments(&self, table: &str) -> Arc<dyn ShipmentWriter> {
        self.world.stores.shipments(table)
    }
    fn payments(&self, table: &str) -> Arc<dyn PaymentGateway> {
        self.world.stores.payments(table)
    }
    fn publisher(&self, bus: &str) -> Arc<dyn EventPublisher> {
        // Each function puts on the bus its EVENT_BUS_NAME names: with a bus per context,
        // Shipping's publisher is not Orders'.
        Arc::new(LocalPublisher {
            cloud: self.world.cloud.clone(),
            bus: Some(bus.to_owned()),
            role: self.role.clone(),
        })
    }
    fn task_callbacks(&self) -> Arc<dyn TaskCallbacks> {
        self.world.stores.task_callbacks()
    }
    fn notifier(&self) -> Arc<dyn CustomerNotifier> {
        self.world.stores.notifier()
    }
    fn idempotency_store(&self, table: &str) -> Arc<dyn IdempotencyStore> {
        Arc::new(FaultyIdempotencyStore::new(
            self.world.stores.idempotency_store(table),
            self.world.faults.clone(),
            table,
        ))
    }
    /// The template's intake machine, run by this cloud's Step Functions.
    fn order_intake(&self, state_machine_arn: &str) -> Arc<dyn OrderIntake> {
        Arc::new(super::intake::LocalOrderIntake::new(
            self.world.cloud.clone(),
            state_machine_arn,
        ))
    }
    fn reminders(&self, role_arn: &str, bus: &str) -> Arc<dyn Reminders> {
        Arc::new(LocalReminders {
            cloud: self.world.cloud.clone(),
            role_arn: role_arn.to_owned(),
            bus: bus.to_owned(),
        })
    }
    /// The template's table of that name, in this cloud's DynamoDB.
    fn items(&self, table: &str, key: KeyNames) -> Arc<dyn ItemStore> {
        Arc::new(crate::dynamodb::item_store::LocalItems::new(
            self.world.cloud.clone(),
            table,
            key,
        ))
    }
    fn clock(&self) -> SharedClock {
        self.world.stores.clock()
    }
}

/// Reminders as one-time schedules of this cloud's Scheduler, made as the AWS adapter
/// makes them (`orderly_aws::scheduler`): `at()` UTC, the bus as target, deleted after
/// they ran.
pub struct LocalReminders {
    cloud: Weak<CloudInner>,
    role_arn: String,
    bus: String,
}

impl LocalReminders {
    fn cloud(&self) -> Result<Arc<CloudInner>, PortError> {
        self.cloud
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))
    }
}

#[async_trait]
impl Reminders for LocalReminders {
    async fn remind(
        &self,
        key: &str,
        at_epoch_s: i64,
        event: &OutboundEvent,
    ) -> Result<(), PortError> {
        use crate::scheduler::schedule::{self, SchedulerError};
        let cloud = self.cloud()?;
        let bus_arn = if self.bus.starts_with("arn:") {
            self.bus.clone()
        } else {
            crate::pseudo::event_bus_arn(&self.bus)
        };
        let body = serde_json::json!({
            "ScheduleExpression": orderly_core::ports::reminder_expression(at_epoch_s),
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": bus_arn,
                "RoleArn": self.role_arn,
                "Input": event.detail.to_string(),
                "EventBridgeParameters": {"Source": event.source, "DetailType": event.detail_type},
            },
        });
        let name = orderly_core::ports::reminder_name(key);
        let spec = body
            .as_object()
            .ok_or_else(|| PortError::Permanent("a schedule body".into()))
            .and_then(|b| {
                schedule::read(&name, b).map_err(|e| PortError::Permanent(e.to_string()))
            })?;
        match cloud
            .scheduler
            .create(spec, crate::scheduler::timestamp(cloud.clock.now_ms()))
        {
            Ok(_) | Err(SchedulerError::Conflict(_)) => Ok(()),
            Err(e) => Err(PortError::Permanent(format!("CreateSchedule: {e}"))),
        }
    }

    async fn cancel(&self, key: &str) -> Result<(), PortError> {
        use crate::scheduler::schedule::SchedulerError;
        let name = orderly_core::ports::reminder_name(key);
        match self
            .cloud()?
            .scheduler
            .delete(crate::scheduler::DEFAULT_GROUP, &name)
        {
            Ok(()) | Err(SchedulerError::NotFound(_)) => Ok(()),
            Err(e) => Err(PortError::Permanent(format!("DeleteSchedule: {e}"))),
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
    /// The bus it puts on: a function's `EVENT_BUS_NAME`, else the template's first bus.
    bus: Option<String>,
    /// The role it puts as (the function's), else the account's root.
    role: Option<String>,
}

#[async_trait]
impl EventPublisher for LocalPublisher {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        let cloud = self
            .cloud
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))?;
        let bus = self.bus.clone().or_else(|| cloud.model.home_bus.clone());
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
        let caller = cloud.caller_as(self.role.as_deref());
        let mut retryable = true;
        let failed: Vec<String> = cloud
            .put_events_as(&entries, &caller)
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.error_code.map(|code| {
                    retryable &= is_retryable_aws_code(&code);
                    format!("entry {i}: {code}: {}", r.error_message.unwrap_or_default())
                })
            })
            .collect();
        match (failed.is_empty(), retryable) {
            (true, _) => Ok(()),
            // InternalFailure or throttling: the same entries may go through later.
            (false, true) => Err(PortError::Transient(failed.join("; "))),
            (false, false) => Err(PortError::Permanent(failed.join("; "))),
        }
    }
}

/// The table of the answers executions accepted, by arrival.
const CALLBACK_ANSWERS: &str = "callback-answers";

/// SendTaskSuccess / Failure / Heartbeat on this cloud's executions.
pub struct LocalCallbacks {
    cloud: Weak<CloudInner>,
    /// Every answer an execution accepted, keyed by its arrival number: (task token,
    /// `success` or the error name).
    answers: std::sync::Mutex<Items<(String, String)>>,
}

impl LocalCallbacks {
    fn accepted(&self, task_token: &str, outcome: &str) -> Result<(), TableError> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        // Zero-padded, so key order is arrival order.
        let key = format!("{:020}", answers.len());
        answers.put(&key, &(task_token.to_owned(), outcome.to_owned()))
    }

    /// How many answers executions accepted.
    pub fn answers_len(&self) -> usize {
        self.answers.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Every answer an execution accepted, in order: (task token, `success` or the error).
    pub fn answers(&self) -> Result<Vec<(String, String)>, TableError> {
        let all = self
            .answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .all()?;
        Ok(all.into_iter().map(|(_, answer)| answer).collect())
    }

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
            .map_err(invalid)?;
        // The execution has the answer; only the record of it can fail now.
        self.accepted(task_token, "success")
            .map_err(PortError::from)?;
        Ok(())
    }
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        self.tokens()?
            .send_task_failure(task_token, error, cause)
            .map_err(invalid)?;
        self.accepted(task_token, error).map_err(PortError::from)?;
        Ok(())
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
