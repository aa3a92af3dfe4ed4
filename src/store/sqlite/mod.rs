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
//!
//! [`SqliteStore::atomically`] (and the [`UnitOfWork`](crate::platform::UnitOfWork)
//! trait) groups several state changes into one transaction: inside it, each
//! change runs in a savepoint of the open transaction instead of committing on its
//! own, so the group costs one commit (one WAL sync under [`Durability::Full`])
//! and lands whole or not at all.

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
mod scope;

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use rusqlite::Connection;

use self::scope::Scope;
use super::parsed::ParsedCache;

use super::StoreError;
use crate::pki::Certificate;
use crate::qualification::QualificationRecord;

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

/// The embedded store: SQLite, implementing [`DeviceStore`](crate::device::DeviceStore),
/// [`IssuingStore`](crate::platform::IssuingStore), [`OutboxStore`](crate::tax::OutboxStore),
/// [`CloudStore`](crate::platform::CloudStore),
/// [`ReplayGuard`](crate::envelope::ReplayGuard),
/// [`PeerStore`](crate::exchange::PeerStore),
/// [`QualificationRegistry`](crate::qualification::QualificationRegistry) and
/// [`UnitOfWork`](crate::platform::UnitOfWork).
pub struct SqliteStore {
    inner: Mutex<Inner>,
    /// Signalled when a unit of work ends, for threads waiting to write.
    unit_ended: Condvar,
    replay_writes: AtomicU64,
    /// Pinned certificates already parsed, by their exact DER (peers.rs).
    certificates: ParsedCache<Certificate>,
    /// Qualification records already parsed, by their exact JSON
    /// (qualification.rs).
    records: ParsedCache<QualificationRecord>,
}

/// The connection, and the thread whose unit of work holds its transaction open.
struct Inner {
    conn: Connection,
    unit_owner: Option<ThreadId>,
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
            Durability::Full => "PRAGMA synchronous = FULL;",
            Durability::Normal => "PRAGMA synchronous = NORMAL;",
        };
        // temp_store=MEMORY: a unit of work's savepoints keep their sub-journal
        // (the pages to restore on a rollback to a savepoint) in memory; on
        // file, SQLite spills it to a temporary file past 64 KiB, which a batch
        // of messages in one unit (group commit) passes: two writes per page.
        // It is only needed until the transaction ends.
        conn.execute_batch(synchronous)
            .and_then(|()| {
                conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
            })
            .map_err(StoreError::db(OP))?;
        conn.set_prepared_statement_cache_capacity(64);
        migrations::migrate(&mut conn)?;
        Ok(Self {
            inner: Mutex::new(Inner {
                conn,
                unit_owner: None,
            }),
            unit_ended: Condvar::new(),
            replay_writes: AtomicU64::new(0),
            certificates: ParsedCache::new(),
            records: ParsedCache::new(),
        })
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::current_version(&self.lock().conn)
    }

    /// The newest schema version this library knows.
    pub fn latest_schema_version() -> i64 {
        migrations::latest()
    }

    /// Runs `work` as one transaction: every state change it makes through this
    /// store, from this thread, commits together when `work` returns `Ok`, and
    /// none does when it returns `Err` or panics. Each change inside runs in a
    /// savepoint, so a change that fails leaves nothing of itself even when `work`
    /// goes on. Other threads using this store wait until the unit ends. A unit
    /// started inside another joins it (as a savepoint).
    ///
    /// Inside `work`, do not use a *second* `SqliteStore` opened on the same file:
    /// this unit holds the file's write lock, so the other connection's write
    /// waits for its busy timeout and fails with `Busy`/`Locked`.
    ///
    /// ```
    /// use fapiao::platform::{IssuingStore, RequestDigest};
    /// use fapiao::store::{SqliteStore, StoreError};
    ///
    /// let store = SqliteStore::open_in_memory()?;
    /// let seller = "91350200776049653A";
    /// let result = store.atomically(|| {
    ///     store.record_refused(seller, "S-1", &RequestDigest([1; 32]), b"{}")?;
    ///     // Another request under the same serial number: a conflict.
    ///     store.record_refused(seller, "S-1", &RequestDigest([2; 32]), b"{}")
    /// });
    /// assert!(matches!(result, Err(StoreError::Conflict { .. })));
    /// assert!(store.find_request(seller, "S-1")?.is_none(), "nothing of the unit is left");
    /// # Ok::<(), fapiao::Error>(())
    /// ```
    pub fn atomically<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        const OP: &str = "run a unit of work";
        let me = std::thread::current().id();
        let mut inner = self.lock();
        if inner.unit_owner == Some(me) {
            drop(inner);
            // Nested: a savepoint of the open unit.
            return self.nested(work);
        }
        // The transaction outlives this lock guard (other calls on this thread
        // lock again); `OpenUnit` ends it.
        scope::begin_write(&inner.conn).map_err(StoreError::db(OP))?;
        inner.unit_owner = Some(me);
        drop(inner);
        // Ends the unit however `work` ends: rolled back unless committed.
        let mut unit = OpenUnit {
            store: self,
            committed: false,
        };
        let value = work()?;
        unit.commit()?;
        Ok(value)
    }

    /// Runs `work` inside a savepoint of this thread's open unit.
    fn nested<T, E: From<StoreError>>(&self, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        const OP: &str = "run a nested unit of work";
        // `work` locks the store itself, so the savepoint is opened and ended
        // under short locks of its own.
        scope::savepoint(&self.lock().conn).map_err(StoreError::db(OP))?;
        match work() {
            Ok(value) => {
                scope::release(&self.lock().conn).map_err(StoreError::db(OP))?;
                Ok(value)
            }
            Err(e) => {
                scope::roll_back_savepoint(&self.lock().conn);
                Err(e)
            }
        }
    }

    /// The connection, once no other thread's unit of work holds it. A connection
    /// may be left locked by a thread that panicked; SQLite rolled back its
    /// transaction when the statement guard dropped, so the connection is
    /// consistent and taken over.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        let me = std::thread::current().id();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        while inner.unit_owner.is_some_and(|owner| owner != me) {
            inner = self
                .unit_ended
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
        }
        inner
    }

    /// Whether this thread has a unit of work open on this store (what it writes
    /// now commits or rolls back with that unit).
    fn in_unit(&self) -> bool {
        self.lock().unit_owner.is_some()
    }

    /// Runs `f` as one state change: its own `BEGIN IMMEDIATE` transaction,
    /// committed when `f` succeeds and rolled back otherwise; inside this thread's
    /// unit of work, a savepoint of it.
    fn write<T, E: From<StoreError>>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let inner = self.lock();
        let scope = if inner.unit_owner.is_some() {
            Scope::savepoint(&inner.conn)
        } else {
            Scope::write(&inner.conn)
        }
        .map_err(StoreError::db(operation))?;
        let value = f(&inner.conn)?;
        scope.commit().map_err(StoreError::db(operation))?;
        Ok(value)
    }

    /// Runs `f`, whose only *writing* statement is one (it may read before it):
    /// SQLite undoes a statement that fails as a whole, so the change needs
    /// neither the savepoint nor the transaction of [`write`](Self::write)
    /// around it. Inside a unit of work it runs in the unit's transaction (no
    /// `SAVEPOINT`/`RELEASE`, and no sub-journal copy of the pages it changes);
    /// outside one, the statement is its own transaction, and a writing
    /// statement takes the write lock when it starts, as `BEGIN IMMEDIATE`
    /// does. A change that may grow a second writing statement goes through
    /// `write`.
    fn write_statement<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        f(&self.lock().conn)
    }

    /// Runs `f`, which runs exactly one statement: in SQLite a statement is its
    /// own read transaction, so it sees one snapshot without the `BEGIN` and
    /// `ROLLBACK` of [`read`](Self::read) around it (inside a unit of work: the
    /// unit's). A lookup that may grow a second statement goes through `read`.
    fn read_statement<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&self.lock().conn)
    }

    /// Runs `f` in one read transaction, so that its statements see one snapshot
    /// (inside a unit of work: the unit's).
    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let inner = self.lock();
        if inner.unit_owner.is_some() {
            return f(&inner.conn);
        }
        let scope = Scope::read(&inner.conn).map_err(StoreError::db(operation))?;
        let value = f(&inner.conn)?;
        // Ending a read transaction (a rollback) cannot lose anything.
        drop(scope);
        Ok(value)
    }
}

/// A unit of work's open transaction: committed by [`OpenUnit::commit`], rolled
/// back when dropped otherwise (an error or a panic in the work). Either way the
/// store is handed to waiting threads.
struct OpenUnit<'a> {
    store: &'a SqliteStore,
    committed: bool,
}

impl OpenUnit<'_> {
    fn commit(&mut self) -> Result<(), StoreError> {
        let inner = self.store.lock();
        scope::commit(&inner.conn).map_err(StoreError::db("commit a unit of work"))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OpenUnit<'_> {
    fn drop(&mut self) {
        let mut inner = self
            .store
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !self.committed {
            // Fails only when SQLite already rolled back (then there is nothing
            // left to undo).
            scope::roll_back(&inner.conn);
        }
        inner.unit_owner = None;
        drop(inner);
        self.store.unit_ended.notify_all();
    }
}

impl crate::platform::UnitOfWork for SqliteStore {
    fn run_atomically(
        &self,
        work: &mut dyn FnMut() -> Result<(), crate::error::Error>,
    ) -> Result<(), crate::error::Error> {
        self.atomically(work)
    }
}
