//! [`PostgresStore`]: every store trait on a PostgreSQL server, for several
//! platform nodes sharing one database.
//!
//! A store is a pool of connections to one server and one schema: each party
//! (a service platform, a cloud platform, a front end) keeps its tables in a
//! schema of its own, and every node of that party opens the same schema. The
//! schema migrates itself on open (`schema_version`, one transaction per step,
//! under a transaction-scoped advisory lock so that nodes starting together
//! migrate once).
//!
//! Each state change is one transaction at `READ COMMITTED`; where a read
//! decides a write, the rows read are locked first (`SELECT … FOR UPDATE`, or
//! one `INSERT … ON CONFLICT` / `UPDATE … RETURNING`), so two nodes never take
//! the same invoice number, quota or command. A unit of work
//! ([`PostgresStore::atomically`], [`UnitOfWork`](crate::platform::UnitOfWork))
//! binds one connection and its transaction to the calling thread: every change
//! that thread makes through this store until the unit ends runs in it, each in
//! a savepoint. A serialization failure (40001) or a deadlock (40P01) rolls the
//! transaction back and runs it again, a bounded number of times; a lost
//! connection is a [`DatabaseFailure::Unavailable`](crate::store::DatabaseFailure::Unavailable) error and leaves nothing
//! half-written (the server rolls back what did not commit).

mod cloud;
mod codec;
mod connection;
mod device;
mod integrity;
mod issuing;
mod migrations;
mod outbox;
mod peers;
mod qualification;
mod replay;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use postgres_native_tls::MakeTlsConnector;
use r2d2_postgres::PostgresConnectionManager;

use self::connection::{Client, Manager};

use self::codec::{During, pool_error};
use super::parsed::ParsedCache;
use crate::error::StoreError;
use crate::pki::Certificate;
use crate::qualification::QualificationRecord;

type Pooled = r2d2::PooledConnection<Manager>;

/// Options for [`PostgresStore::open_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Most connections this store keeps open (each thread in a unit of work
    /// holds one until the unit ends).
    pub max_connections: u32,
    /// How long to wait for a connection (to the server, or from a full pool)
    /// before failing with [`DatabaseFailure::Unavailable`](crate::store::DatabaseFailure::Unavailable).
    pub connect_timeout: Duration,
    /// How many times a transaction that met a serialization failure or a
    /// deadlock is run again before the failure is returned.
    pub retries: u32,
}

impl Default for PostgresOptions {
    /// 16 connections, 5 s to connect, 8 retries.
    fn default() -> Self {
        Self {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            retries: 8,
        }
    }
}

/// The server store: PostgreSQL, implementing [`DeviceStore`](crate::device::DeviceStore),
/// [`IssuingStore`](crate::platform::IssuingStore), [`OutboxStore`](crate::tax::OutboxStore),
/// [`CloudStore`](crate::platform::CloudStore),
/// [`ReplayGuard`](crate::envelope::ReplayGuard),
/// [`PeerStore`](crate::exchange::PeerStore),
/// [`QualificationRegistry`](crate::qualification::QualificationRegistry) and
/// [`UnitOfWork`](crate::platform::UnitOfWork), as
/// [`SqliteStore`](crate::store::SqliteStore) does. Several stores (in one
/// process or in several) may open the same schema at once.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    schema: String,
    retries: u32,
    /// Each thread's unit of work: its connection, with the transaction open.
    units: Mutex<HashMap<ThreadId, Pooled>>,
    replay_writes: AtomicU64,
    /// Pinned certificates already parsed, by their exact DER (peers.rs).
    certificates: ParsedCache<Certificate>,
    /// Qualification records already parsed, by their exact JSON.
    records: ParsedCache<QualificationRecord>,
}

impl core::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// Serialization failures and deadlocks met on this thread: a transaction
    /// that ends in an error after this count moved is run again.
    static CONTENTIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts a serialization failure or deadlock on this thread (codec.rs).
fn note_contention() {
    CONTENTIONS.with(|c| c.set(c.get().wrapping_add(1)));
}

fn contentions() -> u64 {
    CONTENTIONS.with(Cell::get)
}

/// Waits a little longer after each contended attempt.
fn back_off(attempt: u32) {
    std::thread::sleep(Duration::from_millis(2u64 << attempt.min(8)));
}

/// Whether `schema` is a plain lower-case identifier PostgreSQL takes unquoted.
fn is_schema_name(schema: &str) -> bool {
    let mut chars = schema.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && schema.len() <= 63
        && !schema.starts_with("pg_")
}

impl PostgresStore {
    /// Connects to the server at `url` (a `postgres://` URL or `key=value`
    /// string; `sslmode=disable|prefer|require` is honoured, `prefer` by
    /// default) and opens `schema` (created if needed, migrated to the latest
    /// version), with the default options.
    pub fn open(url: &str, schema: &str) -> Result<Self, StoreError> {
        Self::open_with(url, schema, PostgresOptions::default())
    }

    /// [`open`](Self::open) with `options`.
    pub fn open_with(
        url: &str,
        schema: &str,
        options: PostgresOptions,
    ) -> Result<Self, StoreError> {
        const OP: &str = "connect to the server";
        if !is_schema_name(schema) {
            return Err(StoreError::InvalidSetting {
                setting: "schema",
                problem: "not a lower-case identifier of at most 63 characters ([a-z_][a-z0-9_]*, not pg_…)".into(),
            });
        }
        let mut config: postgres::Config = url.parse().map_err(|_| StoreError::InvalidSetting {
            setting: "connection string",
            problem: "not a PostgreSQL URL or key=value connection string".into(),
        })?;
        let search_path = format!("-c search_path={schema}");
        let options_text = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {search_path}"),
            _ => search_path,
        };
        config.options(&options_text);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        let tls = native_tls::TlsConnector::new().map_err(|e| StoreError::InvalidSetting {
            setting: "TLS",
            problem: e.to_string(),
        })?;
        let manager = Manager(PostgresConnectionManager::new(
            config,
            MakeTlsConnector::new(tls),
        ));
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        let store = Self {
            pool,
            schema: schema.to_owned(),
            retries: options.retries,
            units: Mutex::new(HashMap::new()),
            replay_writes: AtomicU64::new(0),
            certificates: ParsedCache::new(),
            records: ParsedCache::new(),
        };
        let mut conn = store.connection(OP)?;
        migrations::migrate(&mut conn, schema)?;
        Ok(store)
    }

    /// The schema this store keeps its tables in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Drops this store's schema and everything in it, for a throwaway schema
    /// (a test, a trial run). Other stores open on the schema fail from then
    /// on.
    pub fn drop_schema(self) -> Result<(), StoreError> {
        const OP: &str = "drop the schema";
        let mut conn = self.connection(OP)?;
        // The schema name is checked to be a plain identifier on open.
        conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .during(OP)
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read_statement(migrations::current_version)
    }

    /// The newest schema version this library knows.
    pub fn latest_schema_version() -> i64 {
        migrations::latest()
    }

    /// A connection from the pool; none in time is
    /// [`DatabaseFailure::Unavailable`](crate::store::DatabaseFailure::Unavailable).
    fn connection(&self, operation: &'static str) -> Result<Pooled, StoreError> {
        self.pool.get().map_err(pool_error(operation))
    }

    /// Runs `work` as one transaction: every state change it makes through this
    /// store, from this thread, commits together when `work` returns `Ok`, and
    /// none does when it returns `Err` or panics. Each change inside runs in a
    /// savepoint, so a change that fails leaves nothing of itself even when
    /// `work` goes on. A unit started inside another joins it (as a
    /// savepoint). When the transaction meets a serialization failure or a
    /// deadlock, it is rolled back and `work` runs again (at most
    /// [`PostgresOptions::retries`] times).
    ///
    /// Other threads, and other nodes, run their own transactions meanwhile;
    /// rows this unit locked (a number segment, a month's quota) wait for it.
    pub fn atomically<T, E: From<StoreError>>(
        &self,
        mut work: impl FnMut() -> Result<T, E>,
    ) -> Result<T, E> {
        const OP: &str = "run a unit of work";
        let me = std::thread::current().id();
        if self.in_unit() {
            return self.nested(work);
        }
        let mut attempt = 0;
        loop {
            let mut conn = self.connection(OP)?;
            conn.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                .during(OP)?;
            self.lock_units().insert(me, conn);
            let mut unit = OpenUnit {
                store: self,
                thread: me,
            };
            let before = contentions();
            let outcome = match work() {
                Ok(value) => unit.commit().map(|()| value).map_err(E::from),
                Err(e) => Err(e),
            };
            drop(unit);
            match outcome {
                Err(_) if contentions() != before && attempt < self.retries => {
                    back_off(attempt);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs `work` inside a savepoint of this thread's open unit.
    fn nested<T, E: From<StoreError>>(
        &self,
        mut work: impl FnMut() -> Result<T, E>,
    ) -> Result<T, E> {
        const OP: &str = "run a nested unit of work";
        self.with_client(OP, |client, _| {
            client.batch_execute("SAVEPOINT fapiao_unit").during(OP)
        })??;
        match work() {
            Ok(value) => {
                self.with_client(OP, |client, _| {
                    client
                        .batch_execute("RELEASE SAVEPOINT fapiao_unit")
                        .during(OP)
                })??;
                Ok(value)
            }
            Err(e) => {
                let _ = self.with_client(OP, |client, _| {
                    client.batch_execute(
                        "ROLLBACK TO SAVEPOINT fapiao_unit; RELEASE SAVEPOINT fapiao_unit",
                    )
                });
                Err(e)
            }
        }
    }

    fn lock_units(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, Pooled>> {
        self.units.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether this thread has a unit of work open on this store.
    fn in_unit(&self) -> bool {
        self.lock_units().contains_key(&std::thread::current().id())
    }

    /// Runs `f` on this thread's unit connection (`true`), or on a connection
    /// from the pool (`false`).
    fn with_client<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Client, bool) -> T,
    ) -> Result<T, StoreError> {
        let me = std::thread::current().id();
        let unit = self.lock_units().remove(&me);
        match unit {
            Some(conn) => {
                // Put back however `f` ends, a panic included (the unit then
                // rolls back when it ends).
                let mut lease = UnitLease {
                    store: self,
                    thread: me,
                    conn: Some(conn),
                };
                match lease.conn.as_deref_mut() {
                    Some(client) => Ok(f(client, true)),
                    None => Err(codec::lost_connection(operation)),
                }
            }
            None => {
                let mut conn = self.connection(operation)?;
                Ok(f(&mut conn, false))
            }
        }
    }

    /// Runs `f` as one state change: its own transaction, committed when `f`
    /// succeeds and rolled back otherwise, run again after a serialization
    /// failure or deadlock; inside this thread's unit of work, a savepoint of
    /// it.
    fn write<T, E: From<StoreError>>(
        &self,
        operation: &'static str,
        mut f: impl FnMut(&mut Client) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 0;
        loop {
            let before = contentions();
            let outcome = self.with_client(operation, |client, in_unit| {
                if in_unit {
                    in_savepoint(client, operation, &mut f)
                } else {
                    in_transaction(client, operation, &mut f)
                }
            })?;
            match outcome {
                // Inside a unit the unit retries, as a whole.
                Err(_) if contentions() != before && attempt < self.retries && !self.in_unit() => {
                    back_off(attempt);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs `f`, exactly one statement (a lookup, or a change whose only
    /// writing statement is one): a statement is atomic on its own, so it needs
    /// no transaction around it (inside a unit of work: the unit's).
    fn read_statement<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, E>,
    ) -> Result<T, E> {
        self.with_client("run a statement", |client, _| f(client))?
    }

    /// Runs `f` in one read-only `REPEATABLE READ` transaction, so that its
    /// statements see one snapshot (inside a unit of work: the unit's).
    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_client(operation, |client, in_unit| {
            if in_unit {
                return f(client);
            }
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .during(operation)?;
            // Ended by a rollback however `f` ends (a read-only transaction
            // has nothing to lose).
            let open = OpenTransaction { client, open: true };
            f(open.client)
        })?
    }
}

/// Runs `f` in a savepoint of the open transaction.
fn in_savepoint<T, E: From<StoreError>>(
    client: &mut Client,
    operation: &'static str,
    f: &mut impl FnMut(&mut Client) -> Result<T, E>,
) -> Result<T, E> {
    client
        .batch_execute("SAVEPOINT fapiao_change")
        .during(operation)?;
    match f(client) {
        Ok(value) => {
            client
                .batch_execute("RELEASE SAVEPOINT fapiao_change")
                .during(operation)?;
            Ok(value)
        }
        Err(e) => {
            let _ = client.batch_execute(
                "ROLLBACK TO SAVEPOINT fapiao_change; RELEASE SAVEPOINT fapiao_change",
            );
            Err(e)
        }
    }
}

/// Runs `f` in a transaction of its own.
fn in_transaction<T, E: From<StoreError>>(
    client: &mut Client,
    operation: &'static str,
    f: &mut impl FnMut(&mut Client) -> Result<T, E>,
) -> Result<T, E> {
    client
        .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        .during(operation)?;
    // Rolled back unless committed, a panic in `f` included.
    let mut open = OpenTransaction { client, open: true };
    let value = f(open.client)?;
    open.client.batch_execute("COMMIT").during(operation)?;
    open.open = false;
    Ok(value)
}

/// A transaction of a pooled connection: rolled back when dropped open, so no
/// connection goes back to the pool inside a transaction.
struct OpenTransaction<'c> {
    client: &'c mut Client,
    open: bool,
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

/// This thread's unit connection, taken out of the map while in use and put
/// back when dropped.
struct UnitLease<'s> {
    store: &'s PostgresStore,
    thread: ThreadId,
    conn: Option<Pooled>,
}

impl Drop for UnitLease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.store.lock_units().insert(self.thread, conn);
        }
    }
}

/// A unit of work's open transaction: committed by [`OpenUnit::commit`],
/// rolled back when dropped otherwise; either way its connection goes back to
/// the pool.
struct OpenUnit<'s> {
    store: &'s PostgresStore,
    thread: ThreadId,
}

impl OpenUnit<'_> {
    fn commit(&mut self) -> Result<(), StoreError> {
        const OP: &str = "commit a unit of work";
        let conn = self.store.lock_units().remove(&self.thread);
        let Some(mut conn) = conn else {
            return Err(codec::lost_connection(OP));
        };
        // A statement that failed inside the unit outside a savepoint (a
        // lookup that met a deadlock) leaves the transaction aborted, and
        // PostgreSQL answers COMMIT on an aborted transaction by rolling it
        // back without an error. `SELECT 1` fails on an aborted transaction,
        // and the rest of the batch is then not run: the unit fails instead of
        // reporting a commit that did not happen.
        let committed = conn.batch_execute("SELECT 1; COMMIT").during(OP);
        if committed.is_err() {
            // The connection goes back to the pool outside any transaction.
            let _ = conn.batch_execute("ROLLBACK");
        }
        committed
    }
}

impl Drop for OpenUnit<'_> {
    fn drop(&mut self) {
        let conn = self.store.lock_units().remove(&self.thread);
        if let Some(mut conn) = conn {
            // Fails only when the connection is gone, and the server rolled
            // the transaction back with it.
            let _ = conn.batch_execute("ROLLBACK");
        }
    }
}

impl crate::platform::UnitOfWork for PostgresStore {
    fn run_atomically(
        &self,
        work: &mut dyn FnMut() -> Result<(), crate::error::Error>,
    ) -> Result<(), crate::error::Error> {
        self.atomically(work)
    }
}
