//! [`SqliteStore`]: every store trait on one embedded SQLite database.
//!
//! SQLite is compiled in (rusqlite's `bundled` feature), so nothing needs to be
//! installed. A file database runs in WAL mode with `synchronous=FULL` by default
//! (a committed transaction survives a power loss; [`Durability::Normal`]
//! survives a process crash only, and is faster), foreign keys on, and a busy
//! timeout so that several processes may share the file. The schema is migrated
//! on open (`schema_version` table, ordered steps in `migrations.rs`). Each state
//! change is one `BEGIN IMMEDIATE` transaction; a connection is guarded by a
//! mutex, so a `SqliteStore` is shared between threads by reference or `Arc`.

mod cloud;
mod codec;
mod device;
mod integrity;
mod issuing;
mod migrations;
mod outbox;
mod peers;
mod qualification;
mod replay;

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use self::integrity::IntegrityProblem;
use super::StoreError;

/// How hard a commit works to survive a power loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: the WAL is synced at every commit. Survives power loss.
    #[default]
    Full,
    /// `synchronous=NORMAL`: synced at checkpoints. Survives a process crash; a
    /// power loss may undo the last commits.
    Normal,
}

/// Options for [`SqliteStore::open_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Commit durability.
    pub durability: Durability,
    /// How long to wait for another process's write lock.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The embedded store: SQLite, implementing [`DeviceStore`](crate::store::DeviceStore),
/// [`IssuingStore`](crate::store::IssuingStore), [`OutboxStore`](crate::store::OutboxStore),
/// [`CloudStore`](crate::store::CloudStore),
/// [`ReplayGuard`](crate::envelope::ReplayGuard),
/// [`PeerStore`](crate::pki::PeerStore) and
/// [`QualificationRegistry`](crate::qualification::QualificationRegistry).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    replay_writes: AtomicU64,
}

impl core::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with the default options,
    /// and migrates it to the latest schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the database at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(StoreError::db("open the database"))?;
        Self::setup(conn, options, true)
    }

    /// A fresh database in memory, for tests: gone when dropped.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(StoreError::db("open the database"))?;
        Self::setup(conn, StoreOptions::default(), false)
    }

    fn setup(mut conn: Connection, options: StoreOptions, file: bool) -> Result<Self, StoreError> {
        const OP: &str = "configure the database";
        conn.busy_timeout(options.busy_timeout)
            .map_err(StoreError::db(OP))?;
        if file {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(StoreError::db(OP))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Corrupt {
                    what: "journal mode",
                    source: super::CorruptValue::Column {
                        column: "journal_mode",
                        value: mode,
                    },
                });
            }
        }
        let synchronous = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
        .map_err(StoreError::db(OP))?;
        conn.set_prepared_statement_cache_capacity(64);
        migrations::migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            replay_writes: AtomicU64::new(0),
        })
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::current_version(&self.lock())
    }

    /// The newest schema version this library knows.
    pub fn latest_schema_version() -> i64 {
        migrations::latest()
    }

    /// A connection may be left locked by a thread that panicked; SQLite rolled
    /// back its transaction when the `Transaction` dropped, so the connection is
    /// consistent and taken over.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed when `f` succeeds
    /// and rolled back otherwise.
    fn write<T, E: From<StoreError>>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::db(operation))?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::db(operation))?;
        Ok(value)
    }

    /// Runs `f` in one read transaction, so that its statements see one snapshot.
    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(StoreError::db(operation))?;
        let value = f(&tx)?;
        // Ending a read transaction cannot lose anything; its error is moot.
        drop(tx);
        Ok(value)
    }
}
