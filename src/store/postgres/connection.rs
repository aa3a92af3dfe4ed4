//! A pooled connection that prepares each statement once.
//!
//! `postgres::Client::query` with SQL text parses, plans and describes the
//! statement on the server at every call, a round trip of its own before the
//! statement runs. The store's statements are a fixed set of SQL texts, so each
//! connection keeps the statements it prepared, by their text, and runs them
//! again by name: one round trip per statement, and no parsing on the server.
//! The cache lives and dies with its connection (a connection the pool drops
//! after a server restart takes its statements with it).
//!
//! The pool checks a connection it hands out with an empty query only when the
//! connection has been idle for [`IDLE_BEFORE_CHECK`]: a connection that
//! answered a moment ago is taken as alive, which saves a busy node one round
//! trip per unit of work. One that died in that moment fails its next
//! statement with a lost connection, the error a server lost mid-unit gives
//! anyway, and the pool drops it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Error, Row, Statement, Transaction};
use postgres_native_tls::MakeTlsConnector;
use r2d2_postgres::PostgresConnectionManager;

use super::codec::classify;
use crate::error::{DatabaseEngine, DatabaseFailure, StoreError};

/// The most statements one connection keeps; past it the cache starts over
/// (the store has far fewer distinct statements than this).
const MAX_STATEMENTS: usize = 512;

/// How long a connection may have been idle and still be handed out without
/// a check.
pub(crate) const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(1);

/// A connection to the server with its prepared statements.
pub(crate) struct Client {
    inner: postgres::Client,
    statements: HashMap<String, Statement>,
    /// When the server last answered on this connection.
    answered_at: Instant,
}

impl Client {
    /// Notes that the server answered when `outcome` is one (an error from
    /// the server is an answer too; a lost connection is not).
    fn answered<T>(&mut self, outcome: Result<T, Error>) -> Result<T, Error> {
        match &outcome {
            Err(e) if e.as_db_error().is_none() => {}
            _ => self.answered_at = Instant::now(),
        }
        outcome
    }

    /// The statement for `sql`, prepared on this connection once.
    fn prepared(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = self.inner.prepare(sql);
        let statement = self.answered(prepared)?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Runs `sql` with `params` and returns its rows.
    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let statement = self.prepared(sql)?;
        let outcome = self.inner.query(&statement, params);
        self.answered(outcome)
    }

    /// Runs `sql` with `params` and returns its one row (an error for none or
    /// several).
    pub(crate) fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error> {
        let statement = self.prepared(sql)?;
        let outcome = self.inner.query_one(&statement, params);
        self.answered(outcome)
    }

    /// Runs `sql` with `params` and returns its row, if any (an error for
    /// several).
    pub(crate) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        let statement = self.prepared(sql)?;
        let outcome = self.inner.query_opt(&statement, params);
        self.answered(outcome)
    }

    /// Runs `sql` with `params` and returns how many rows it changed.
    pub(crate) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        let statement = self.prepared(sql)?;
        let outcome = self.inner.execute(&statement, params);
        self.answered(outcome)
    }

    /// Runs `sql`, one or more statements without parameters, as it is.
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        let outcome = self.inner.batch_execute(sql);
        self.answered(outcome)
    }

    /// Begins a transaction on the connection itself (the migrations use it,
    /// outside the cache).
    pub(crate) fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.inner.transaction()
    }

    /// The driver's client, for what takes a `postgres::GenericClient`.
    pub(crate) fn raw(&mut self) -> &mut postgres::Client {
        &mut self.inner
    }
}

/// The pool's connection manager: the `r2d2_postgres` one, each connection
/// wrapped with its statement cache, noting each failure to connect in
/// [`ConnectFailures`].
pub(crate) struct Manager {
    inner: PostgresConnectionManager<MakeTlsConnector>,
    failures: ConnectFailures,
}

impl Manager {
    /// A manager connecting with `config` through `tls`, noting its failures
    /// in `failures`.
    pub(crate) fn new(
        config: postgres::Config,
        tls: MakeTlsConnector,
        failures: ConnectFailures,
    ) -> Self {
        Self {
            inner: PostgresConnectionManager::new(config, tls),
            failures,
        }
    }
}

/// Why the last attempt to connect failed.
#[derive(Clone, Debug)]
pub(crate) struct ConnectFailure {
    /// What kind of failure it is (a refused password or certificate is not
    /// a server that is down).
    pub kind: DatabaseFailure,
    /// The driver's error with every cause under it, in one line.
    pub message: String,
}

/// The last failure to connect, shared by the manager that notes it and the
/// store that reports it: the pool itself says only that no connection came
/// in time.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectFailures(Arc<Mutex<Option<ConnectFailure>>>);

impl ConnectFailure {
    /// The failure as the error of `operation`.
    pub(crate) fn into_error(self, operation: &'static str) -> StoreError {
        StoreError::Database {
            operation,
            engine: DatabaseEngine::Postgres,
            kind: self.kind,
            source: self.message.into(),
        }
    }
}

impl ConnectFailures {
    /// Why the last attempt to connect failed, unless one succeeded since.
    pub(crate) fn last(&self) -> Option<ConnectFailure> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn note(&self, failure: Option<ConnectFailure>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = failure;
    }
}

/// `error` and each of its causes, joined by `: `.
fn with_causes(error: &Error) -> String {
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

impl core::fmt::Debug for Manager {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Manager")
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Client;
    type Error = Error;

    fn connect(&self) -> Result<Client, Error> {
        let connected = self.inner.connect();
        self.failures
            .note(connected.as_ref().err().map(|e| ConnectFailure {
                kind: classify(e),
                message: with_causes(e),
            }));
        Ok(Client {
            inner: connected?,
            statements: HashMap::new(),
            answered_at: Instant::now(),
        })
    }

    fn is_valid(&self, client: &mut Client) -> Result<(), Error> {
        if client.answered_at.elapsed() < IDLE_BEFORE_CHECK {
            return Ok(());
        }
        let checked = self.inner.is_valid(&mut client.inner);
        client.answered(checked)
    }

    fn has_broken(&self, client: &mut Client) -> bool {
        self.inner.has_broken(&mut client.inner)
    }
}
