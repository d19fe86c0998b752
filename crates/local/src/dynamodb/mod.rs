//! DynamoDB over the local cloud's tables: the template's tables, whose items are the
//! app's embedded stores seen in the shape the AWS adapters write, and tables made through
//! the API. Expressions, conditions and errors follow the DynamoDB developer guide and API
//! reference.

pub mod error;
pub mod expr;
pub mod item_store;
pub mod item_table_storage;
pub mod items;
pub mod number;
pub mod reads;
pub mod streams;
pub mod table;
pub mod template_tables;
pub mod value;

use error::DbError;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use table::Table;

/// Every table of a cloud, by name.
#[derive(Default)]
pub struct Tables {
    tables: RwLock<BTreeMap<String, Arc<Table>>>,
    /// Taken shared by each write of the API, and exclusively by a transaction, so no API
    /// write lands between a transaction's checks and its writes.
    transactions: RwLock<()>,
}

impl Tables {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Table>>> {
        self.tables.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Table>>> {
        self.tables.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Held while one API write (or a batch of independent ones) runs.
    pub fn single_write(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.transactions.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Held while a transaction checks and writes.
    pub fn transaction(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.transactions.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The table `name` (or ARN).
    pub fn get(&self, name: &str) -> Result<Arc<Table>, DbError> {
        let tables = self.read();
        tables
            .get(name)
            .or_else(|| tables.values().find(|t| t.arn == name))
            .cloned()
            .ok_or_else(|| DbError::no_table(name))
    }

    /// Adds `table`, refusing a name in use.
    pub fn create(&self, table: Table) -> Result<Arc<Table>, DbError> {
        let mut tables = self.write();
        if tables.contains_key(&table.name) {
            return Err(DbError::InUse(format!(
                "Table already exists: {}",
                table.name
            )));
        }
        let table = Arc::new(table);
        tables.insert(table.name.clone(), table.clone());
        Ok(table)
    }

    /// Removes the table `name`, which must have been made through the API: the template's
    /// tables hold the app's stores, which the cloud keeps while it runs.
    pub fn delete(&self, name: &str) -> Result<Arc<Table>, DbError> {
        let table = self.get(name)?;
        if table.from_template {
            return Err(DbError::InUse(format!(
                "Table {} is declared by the template and holds the app's items; the local \
                 cloud keeps it while it runs",
                table.name
            )));
        }
        self.write().remove(&table.name);
        Ok(table)
    }

    /// Every table's stream.
    pub fn streams(&self) -> Vec<Arc<streams::TableStream>> {
        self.read()
            .values()
            .filter_map(|t| t.stream.clone())
            .collect()
    }

    /// The stream of an ARN.
    pub fn stream_by_arn(&self, arn: &str) -> Option<Arc<streams::TableStream>> {
        use crate::runtime::streams::StreamSource;
        self.streams().into_iter().find(|s| s.arn() == arn)
    }

    /// Every table name, in order.
    pub fn names(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }
}
