//! The local cloud's tables on disk: each table is a SQLite file of its own, so the items
//! the functions write cost disk, not process memory, whatever the volume (DynamoDB keeps
//! its tables off the function's memory too). SQLite's page cache is bounded per table.
//! A file a table, each with its connection and its lock, so writers of different tables
//! never wait for each other: with one file for all, the front door's place-order waited on
//! every table write of the workflows behind it.
//!
//! A file is made in a fresh directory and unlinked, with the directory, as soon as it is
//! open: its one connection keeps it, and the operating system frees it when the tables
//! are dropped or the process ends, however it ends (a server killed with SIGKILL leaves
//! nothing behind). Nothing else ever opens it: no journal, temporary files in memory.
//!
//! Durability is not wanted (the tables live as long as the process), so the file is
//! written without a journal or a sync, held locked by its one connection, and writes are
//! grouped: the connection stays in a transaction that commits every
//! [`WRITES_PER_COMMIT`] writes, so a write changes pages in SQLite's cache and a commit
//! writes each changed page once. A transaction reads its own writes, so the stores see
//! every write at once.

use orderly_core::memory::table::{ItemTable, TableError, TableSpace};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// How much of a table's file SQLite keeps in memory, in KiB.
const CACHE_KIB: i64 = 4 * 1024;

/// The statements each table prepares ([`Statements`]).
const STATEMENTS_PER_TABLE: usize = 6;

/// Writes grouped into one commit: enough that a commit writes each hot page (a table's
/// last leaf, its index) once for many items, few enough that the changed pages fit the
/// cache.
const WRITES_PER_COMMIT: u32 = 500;

/// Every table of one cloud, each in an unlinked SQLite file of its own. A table's space
/// is freed when the last handle on it is dropped.
pub struct DiskTables {
    parent: Option<PathBuf>,
    /// The files opened so far, by table name: opening a table again reads the same file.
    files: Mutex<HashMap<String, Arc<File>>>,
}

/// One table's open, unlinked file.
struct File {
    connection: Mutex<Connection>,
    /// Writes since the last commit; changed only with the connection locked.
    writes: AtomicU32,
}

impl File {
    /// Counts a write made through `connection`, committing the open transaction and
    /// beginning the next one every [`WRITES_PER_COMMIT`] writes.
    fn written(&self, connection: &Connection, table: &str) -> Result<(), TableError> {
        if self.writes.fetch_add(1, Ordering::Relaxed) + 1 < WRITES_PER_COMMIT {
            return Ok(());
        }
        self.writes.store(0, Ordering::Relaxed);
        connection
            .execute_batch("COMMIT; BEGIN")
            .map_err(|e| TableError::new(table, format!("commit: {e}")))
    }

    /// A new, empty file for table `name` in a fresh directory under `parent` (the
    /// system's temporary directory when `None`), unlinked once open.
    fn create(parent: Option<&Path>, name: &str, cache_kib: i64) -> Result<Self, TableError> {
        let fail = |e: &dyn std::fmt::Display| TableError::new(name, e);
        let dir = fresh_dir(parent)
            .map_err(|e| fail(&format!("cannot create a directory for the tables: {e}")))?;
        let path = dir.path().join("table.sqlite");
        let connection = Connection::open(&path)
            .map_err(|e| fail(&format!("cannot open {}: {e}", path.display())))?;
        connection
            .execute_batch(&format!(
                "PRAGMA journal_mode = OFF;
                 PRAGMA synchronous = OFF;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA locking_mode = EXCLUSIVE;
                 PRAGMA cache_size = -{cache_kib};
                 BEGIN;"
            ))
            .map_err(|e| fail(&e))?;
        connection.set_prepared_statement_cache_capacity(STATEMENTS_PER_TABLE);
        // The connection holds the file open from here on (SQLite opened it in `open`, and
        // the pragmas have read its header): it needs no name any more.
        dir.close()
            .map_err(|e| fail(&format!("cannot unlink the table's file: {e}")))?;
        Ok(Self {
            connection: Mutex::new(connection),
            writes: AtomicU32::new(0),
        })
    }
}

fn fresh_dir(parent: Option<&Path>) -> std::io::Result<tempfile::TempDir> {
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("orderly-tables-");
        b
    };
    match parent {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
}

impl DiskTables {
    /// Tables whose files go in fresh directories under `parent` (the system's temporary
    /// directory when `None`), each unlinked once open. Fails at once when no directory
    /// can be made there.
    pub fn create(parent: Option<&Path>) -> Result<Self, TableError> {
        fresh_dir(parent)
            .and_then(tempfile::TempDir::close)
            .map_err(|e| {
                TableError::new(
                    "*",
                    format!("cannot create a directory for the tables: {e}"),
                )
            })?;
        Ok(Self {
            parent: parent.map(Path::to_path_buf),
            files: Mutex::new(HashMap::new()),
        })
    }
}

/// The SQL name of table `name`: its characters that are not ASCII letters or digits
/// become `_`, behind a prefix, so any name gives a valid identifier.
fn sql_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("t_{safe}")
}

/// How many files a table is spread over: the tables the front door writes for each new
/// order (the idempotency table, which every function also writes twice an invocation,
/// and the orders table, which the workflows read and update) over [`FRONT_DOOR_SHARDS`]
/// (by key), so the front door's writes and the workflows' seldom queue on one
/// connection, whose holder may be a background thread the kernel has put aside; every
/// other table over one.
fn shards_of(name: &str) -> usize {
    if name == orderly_core::idempotency::IDEMPOTENCY || name == orderly_core::memory::ORDERS {
        FRONT_DOOR_SHARDS
    } else {
        1
    }
}

/// The files of each table the front door writes: with 4, the front door's threads
/// still waited on these tables' connections in 6 % of their context switches; 16 were
/// 3 % faster in six paired runs of `scripts/http-load fresh` (mean 5,010 against 4,860
/// requests/s).
const FRONT_DOOR_SHARDS: usize = 16;

/// SQLite's cache for each file of table `name`, in KiB: [`CACHE_KIB`] for a table in one
/// file; a table over more files shares four times that among them, so a sharded table
/// caches as much as four plain ones, however many files it has.
fn cache_kib_of(name: &str) -> i64 {
    match shards_of(name) {
        0 | 1 => CACHE_KIB,
        n => CACHE_KIB * 4 / i64::try_from(n).unwrap_or(i64::MAX),
    }
}

impl TableSpace for DiskTables {
    fn table(&self, name: &str) -> Result<Arc<dyn ItemTable>, TableError> {
        match shards_of(name) {
            0 | 1 => self.one_file(name, name),
            n => {
                let shards = (0..n)
                    .map(|i| self.one_file(name, &format!("{name}#{i}")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Arc::new(Sharded { shards }))
            }
        }
    }
}

impl DiskTables {
    /// Table `name` in the file `file` (opened the first time it is named).
    fn one_file(&self, name: &str, file: &str) -> Result<Arc<dyn ItemTable>, TableError> {
        let file = {
            let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
            match files.get(file) {
                Some(open) => open.clone(),
                None => {
                    let open = Arc::new(File::create(
                        self.parent.as_deref(),
                        name,
                        cache_kib_of(name),
                    )?);
                    files.insert(file.to_owned(), open.clone());
                    open
                }
            }
        };
        let sql = sql_name(name);
        let connection = lock(&file.connection);
        connection
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {sql} (
                     key TEXT PRIMARY KEY NOT NULL,
                     item BLOB NOT NULL,
                     expires INTEGER
                 ) WITHOUT ROWID;
                 CREATE INDEX IF NOT EXISTS {sql}_expires ON {sql} (expires)
                     WHERE expires IS NOT NULL;"
            ))
            .map_err(|e| TableError::new(name, e))?;
        let count: i64 = connection
            .query_row(&format!("SELECT count(*) FROM {sql}"), [], |row| row.get(0))
            .map_err(|e| TableError::new(name, e))?;
        drop(connection);
        Ok(Arc::new(DiskTable {
            file,
            name: name.to_owned(),
            sql: Statements::of(&sql),
            count: AtomicUsize::new(usize::try_from(count).unwrap_or(0)),
        }))
    }
}

/// One table over several files, each key in the file its hash picks.
struct Sharded {
    shards: Vec<Arc<dyn ItemTable>>,
}

impl Sharded {
    fn shard(&self, key: &str) -> &dyn ItemTable {
        let at = orderly_core::memory::key_locks::part_of(key, self.shards.len());
        self.shards[at].as_ref()
    }
}

impl ItemTable for Sharded {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, TableError> {
        self.shard(key).get(key)
    }

    fn expiry(&self, key: &str) -> Result<Option<i64>, TableError> {
        self.shard(key).expiry(key)
    }

    fn put(&self, key: &str, item: &[u8], expires_at_s: Option<i64>) -> Result<(), TableError> {
        self.shard(key).put(key, item, expires_at_s)
    }

    fn delete(&self, key: &str) -> Result<bool, TableError> {
        self.shard(key).delete(key)
    }

    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    fn purge_expired(&self, now_s: i64) -> Result<usize, TableError> {
        self.shards.iter().map(|s| s.purge_expired(now_s)).sum()
    }

    /// Each shard's next `limit` items after `after`, merged in key order: the first
    /// `limit` of them are the table's.
    fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, TableError> {
        let mut all = Vec::new();
        for shard in &self.shards {
            all.extend(shard.scan(after, limit)?);
        }
        all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        all.truncate(limit);
        Ok(all)
    }
}

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A statement either ran or did not; a panic elsewhere leaves the file consistent.
    connection.lock().unwrap_or_else(|p| p.into_inner())
}

/// One table of a [`DiskTables`] file. Its item count is kept beside it, since SQLite
/// counts by reading every row.
struct DiskTable {
    file: Arc<File>,
    name: String,
    sql: Statements,
    count: AtomicUsize,
}

/// A table's SQL, written once: the text is the statement cache's key.
struct Statements {
    get: String,
    insert: String,
    update: String,
    delete: String,
    purge: String,
    scan: String,
    expiry: String,
}

impl Statements {
    fn of(table: &str) -> Self {
        Self {
            get: format!("SELECT item FROM {table} WHERE key = ?1"),
            expiry: format!("SELECT expires FROM {table} WHERE key = ?1"),
            insert: format!(
                "INSERT OR IGNORE INTO {table} (key, item, expires) VALUES (?1, ?2, ?3)"
            ),
            update: format!("UPDATE {table} SET item = ?2, expires = ?3 WHERE key = ?1"),
            delete: format!("DELETE FROM {table} WHERE key = ?1"),
            purge: format!("DELETE FROM {table} WHERE expires IS NOT NULL AND expires < ?1"),
            scan: format!(
                "SELECT key, item FROM {table} WHERE ?1 IS NULL OR key > ?1 ORDER BY key LIMIT ?2"
            ),
        }
    }
}

impl DiskTable {
    fn fail(&self, e: rusqlite::Error) -> TableError {
        TableError::new(&self.name, e)
    }
}

impl ItemTable for DiskTable {
    fn expiry(&self, key: &str) -> Result<Option<i64>, TableError> {
        let connection = lock(&self.file.connection);
        let mut statement = connection
            .prepare_cached(&self.sql.expiry)
            .map_err(|e| self.fail(e))?;
        let expiry: Option<Option<i64>> = statement
            .query_row(params![key], |row| row.get(0))
            .optional()
            .map_err(|e| self.fail(e))?;
        Ok(expiry.flatten())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, TableError> {
        let connection = lock(&self.file.connection);
        let mut statement = connection
            .prepare_cached(&self.sql.get)
            .map_err(|e| self.fail(e))?;
        statement
            .query_row(params![key], |row| row.get(0))
            .optional()
            .map_err(|e| self.fail(e))
    }

    fn put(&self, key: &str, item: &[u8], expires_at_s: Option<i64>) -> Result<(), TableError> {
        let connection = lock(&self.file.connection);
        // An insert that finds the key taken changes nothing; then the item is replaced.
        // Two statements, so the count knows a new key from a replaced one.
        let inserted = connection
            .prepare_cached(&self.sql.insert)
            .and_then(|mut s| s.execute(params![key, item, expires_at_s]))
            .map_err(|e| self.fail(e))?;
        if inserted == 1 {
            self.count.fetch_add(1, Ordering::Relaxed);
        } else {
            connection
                .prepare_cached(&self.sql.update)
                .and_then(|mut s| s.execute(params![key, item, expires_at_s]))
                .map_err(|e| self.fail(e))?;
        }
        self.file.written(&connection, &self.name)
    }

    fn delete(&self, key: &str) -> Result<bool, TableError> {
        let connection = lock(&self.file.connection);
        let deleted = connection
            .prepare_cached(&self.sql.delete)
            .and_then(|mut s| s.execute(params![key]))
            .map_err(|e| self.fail(e))?;
        self.count.fetch_sub(deleted, Ordering::Relaxed);
        self.file.written(&connection, &self.name)?;
        Ok(deleted > 0)
    }

    fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    fn purge_expired(&self, now_s: i64) -> Result<usize, TableError> {
        let connection = lock(&self.file.connection);
        let purged = connection
            .prepare_cached(&self.sql.purge)
            .and_then(|mut s| s.execute(params![now_s]))
            .map_err(|e| self.fail(e))?;
        self.count.fetch_sub(purged, Ordering::Relaxed);
        if purged > 0 {
            self.file.written(&connection, &self.name)?;
        }
        Ok(purged)
    }

    fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, TableError> {
        let connection = lock(&self.file.connection);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Keys compare as bytes (SQLite's BINARY collation), the order the memory table
        // keeps.
        let mut statement = connection
            .prepare_cached(&self.sql.scan)
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![after, limit], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderly_core::memory::table::contract;

    #[test]
    fn a_disk_table_keeps_the_table_contract() {
        let tables = DiskTables::create(None).unwrap();
        contract::check(tables.table("contract").unwrap().as_ref());
    }

    #[test]
    fn the_front_doors_tables_are_sharded_and_keep_the_table_contract() {
        for name in [
            orderly_core::idempotency::IDEMPOTENCY,
            orderly_core::memory::ORDERS,
        ] {
            let tables = DiskTables::create(None).unwrap();
            assert!(shards_of(name) > 1, "{name}");
            // However many files, a sharded table caches what four plain ones do.
            assert_eq!(
                cache_kib_of(name) * shards_of(name) as i64,
                4 * CACHE_KIB,
                "{name}"
            );
            contract::check(tables.table(name).unwrap().as_ref());
        }
        assert_eq!(cache_kib_of("inventory"), CACHE_KIB);
    }

    #[test]
    fn tables_are_apart_and_leave_no_file_behind() {
        let parent = tempfile::tempdir().unwrap();
        let tables = DiskTables::create(Some(parent.path())).unwrap();
        let left = || std::fs::read_dir(parent.path()).unwrap().count();
        assert_eq!(left(), 0, "the file is unlinked once open");
        let a = tables.table("orders").unwrap();
        let b = tables.table("order's \"table\"; DROP").unwrap();
        a.put("old", b"x", None).unwrap();
        // Opening a table again sees its items and their count.
        assert_eq!(tables.table("orders").unwrap().len(), 1);
        a.delete("old").unwrap();
        drop(tables);
        a.put("k", b"a", None).unwrap();
        assert_eq!(b.get("k").unwrap(), None);
        b.put("k", b"b", None).unwrap();
        assert_eq!(a.get("k").unwrap().as_deref(), Some(&b"a"[..]));
        // Past many commits, the unlinked file still takes writes and reads them back.
        for i in 0..(3 * WRITES_PER_COMMIT) {
            a.put(&format!("n{i:05}"), &[7; 600], None).unwrap();
        }
        assert_eq!(a.len(), 1 + 3 * WRITES_PER_COMMIT as usize);
        assert_eq!(a.scan(Some("n01499"), 2).unwrap().len(), 0);
        assert_eq!(a.get("n00777").unwrap().map(|v| v.len()), Some(600));
        assert_eq!(left(), 0);
    }
}
