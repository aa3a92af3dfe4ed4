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
//! that thread makes through this store until the unit ends runs in it
//! (`unit.rs`). A serialization failure (40001) or a deadlock (40P01) rolls the
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
mod tls;
mod unit;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use self::connection::{Client, ConnectFailures, Manager};

use self::codec::During;
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
    /// Why the pool's last attempt to connect failed.
    connect_failures: ConnectFailures,
    /// Each thread's unit of work: its connection, with the transaction open.
    units: Mutex<unit::Units>,
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
    /// string; `sslmode=disable|prefer|require|verify-ca|verify-full` is
    /// honoured, `prefer` by default, and `sslrootcert=FILE` names the CA
    /// certificates to trust instead of the system's) and opens `schema` (created if needed, migrated to the latest
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
        let (url, tls) = tls::take_tls_settings(url)?;
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
        let connect_failures = ConnectFailures::default();
        let manager = Manager::new(config, tls::connector(&tls)?, connect_failures.clone());
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
            connect_failures,
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
}
