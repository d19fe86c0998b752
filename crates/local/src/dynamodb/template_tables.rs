//! The template's tables as DynamoDB tables: each one a function names through a domain
//! port's variable (`ORDERS_TABLE: !Ref OrdersTable`) is a view of that port's embedded
//! store, in the layout the AWS adapters write; any other (a function's own item table,
//! `Port::Items`) starts empty, with its key schema and TTL, in the cloud's table space:
//! on disk when the cloud's tables are.

use super::Tables;
use super::error::DbError;
use super::item_table_storage::ItemTableStorage;
use super::streams::{Streamed, TableStream};
use super::table::{Change, Key, KeyPart, KeySchema, Storage, Table};
use super::value::{Item, item_from_json, item_to_json};
use crate::runtime::world::Stores;
use crate::template::Model;
use orderly_core::clock::SharedClock;
use orderly_core::memory::dynamo_layout::{ChangeWatcher, DynamoLayout, JsonItem, LayoutError};
use orderly_core::memory::table::TableSpace;
use orderly_core::shell::Port;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A store, seen through its layout, as a table's storage.
pub struct LayoutStorage {
    layout: Arc<dyn DynamoLayout>,
    key: KeySchema,
}

fn parse(item: &JsonItem) -> Result<Item, DbError> {
    item_from_json(item).map_err(|e| DbError::Internal(format!("a stored item does not read: {e}")))
}

impl LayoutStorage {
    /// The partition key as the store's key; the template's tables are keyed by one string.
    fn store_key(key: &Key) -> Result<&str, DbError> {
        match key {
            (KeyPart::S(text), None) => Ok(text),
            _ => Err(DbError::validation(
                "The provided key element does not match the schema",
            )),
        }
    }
}

impl Storage for LayoutStorage {
    fn get(&self, key: &Key) -> Result<Option<Item>, DbError> {
        self.layout
            .get(Self::store_key(key)?)?
            .as_ref()
            .map(parse)
            .transpose()
    }

    fn items(&self) -> Result<Vec<Item>, DbError> {
        let mut items = self
            .layout
            .scan()?
            .iter()
            .map(parse)
            .collect::<Result<Vec<_>, _>>()?;
        items.sort_by_cached_key(|item| self.key.key_of_stored(item));
        Ok(items)
    }

    fn write(
        &self,
        key: &Key,
        decide: &mut dyn FnMut(Option<&Item>) -> Result<Change, DbError>,
    ) -> Result<Option<Item>, DbError> {
        // The decision's own error (a failed condition) rides out beside the store's.
        let mut refusal: Option<DbError> = None;
        let result = self.layout.write(Self::store_key(key)?, &mut |old| {
            let decided = old
                .map(parse)
                .transpose()
                .and_then(|old| decide(old.as_ref()));
            match decided {
                Ok(Change::Put(item)) => match item_to_json(&item) {
                    serde_json::Value::Object(map) => Ok(Some(map)),
                    _ => Ok(None),
                },
                Ok(Change::Delete) => Ok(None),
                Err(e) => {
                    refusal = Some(e);
                    Err(LayoutError::Declined)
                }
            }
        });
        match result {
            Ok(old) => old.as_ref().map(parse).transpose(),
            Err(LayoutError::Declined) => Err(refusal.unwrap_or_else(|| {
                DbError::Internal("a write was declined without a reason".into())
            })),
            Err(LayoutError::Unfit(reason)) => Err(DbError::invalid(format!(
                "the local cloud keeps this table in the app's store: {reason}"
            ))),
            Err(LayoutError::Table(e)) => Err(e.into()),
        }
    }
}

/// Records an app store's changes in its table's stream.
struct StreamWatcher {
    stream: Arc<TableStream>,
    clock: SharedClock,
}

impl ChangeWatcher for StreamWatcher {
    fn changed(&self, before: Option<&JsonItem>, after: Option<&JsonItem>) {
        self.stream.record(before, after, self.clock.now_ms());
    }
}

/// The store behind `port`, if it is a table's.
fn layout_of(stores: &Stores, port: Port) -> Option<Arc<dyn DynamoLayout>> {
    Some(match port {
        Port::Orders => stores.orders.clone(),
        Port::Stock => stores.stock.clone(),
        Port::ApprovalTokens => stores.approvals.clone(),
        Port::AuditLog => stores.audit.clone(),
        Port::Shipments => stores.shipments.clone(),
        Port::Payments => stores.payments.clone(),
        Port::Idempotency => stores.idempotency.clone(),
        Port::Publisher
        | Port::TaskCallbacks
        | Port::Notifier
        | Port::OrderIntake
        | Port::Reminders
        | Port::Items(_) => {
            return None;
        }
    })
}

/// The port each table of the template stands for, by table name, from the functions'
/// variables.
fn ports_by_table(model: &Model) -> BTreeMap<String, Port> {
    let mut ports = BTreeMap::new();
    for function in model.functions.values() {
        for port in Port::ALL {
            if let Some(variable) = port.variable()
                && let Some(table) = function.environment.get(variable)
            {
                ports.insert(table.clone(), port);
            }
        }
    }
    ports
}

/// Registers every table of the template in `tables`; the tables no domain store stands
/// for keep their items in `space`, expiring on `clock`.
pub fn register(
    tables: &Tables,
    model: &Model,
    stores: &Stores,
    space: &dyn TableSpace,
    clock: &SharedClock,
) -> Result<(), DbError> {
    let created_s = clock.now_ms() / 1000;
    let ports = ports_by_table(model);
    for table in model.tables.values() {
        let key = KeySchema {
            partition: table.partition_key.clone(),
            sort: table.sort_key.clone(),
        };
        let layout = ports
            .get(&table.name)
            .and_then(|port| layout_of(stores, *port))
            .filter(|layout| {
                key.sort.is_none()
                    && key.partition.attribute_type == crate::template::AttributeType::S
                    && layout.key_attribute() == key.partition.name
            });
        let stream = table.stream_view_type.map(|view| {
            Arc::new(TableStream::new(
                &table.name,
                &table.arn,
                view,
                key.attributes().map(|a| a.name.clone()).collect(),
                key.describe(),
                clock.now_ms(),
            ))
        });
        let storage: Arc<dyn Storage> = match layout {
            Some(layout) => {
                if let Some(stream) = &stream {
                    let watcher = Arc::new(StreamWatcher {
                        stream: stream.clone(),
                        clock: clock.clone(),
                    });
                    if !layout.watch(watcher) {
                        return Err(DbError::invalid(format!(
                            "table {} has a stream, but the store the local cloud keeps it in \
                             records no changes; only the orders table's store does",
                            table.name
                        )));
                    }
                }
                Arc::new(LayoutStorage {
                    layout,
                    key: key.clone(),
                })
            }
            None => {
                let items: Arc<dyn Storage> = Arc::new(ItemTableStorage::new(
                    space.table(&format!("table:{}", table.name))?,
                    key.clone(),
                    table.ttl_attribute.clone(),
                    clock.clone(),
                ));
                match &stream {
                    Some(stream) => Arc::new(Streamed::new(items, stream.clone(), clock.clone())),
                    None => items,
                }
            }
        };
        tables.create(Table {
            name: table.name.clone(),
            arn: table.arn.clone(),
            key,
            global_indexes: table.global_secondary_indexes.clone(),
            local_indexes: table.local_secondary_indexes.clone(),
            ttl_attribute: std::sync::RwLock::new(table.ttl_attribute.clone()),
            created_s,
            from_template: true,
            storage,
            stream,
        })?;
    }
    Ok(())
}
