//! A pooled connection that prepares each statement once.
//!
//! `postgres::Client::query` with SQL text parses, plans and describes the
//! statement on the server at every call, a round trip of its own before the
//! statement runs. The store's statements are a fixed set of SQL texts, so each
//! connection keeps the statements it prepared, by their text, and runs them
//! again by name: one round trip per statement, and no parsing on the server.
//! The cache lives and dies with its connection (a connection the pool drops
//! after a server restart takes its statements with it).

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Error, Row, Statement, Transaction};
use postgres_native_tls::MakeTlsConnector;
use r2d2_postgres::PostgresConnectionManager;

/// The most statements one connection keeps; past it the cache starts over
/// (the store has far fewer distinct statements than this).
const MAX_STATEMENTS: usize = 512;

/// A connection to the server with its prepared statements.
pub(crate) struct Client {
    inner: postgres::Client,
    statements: HashMap<String, Statement>,
}

impl Client {
    /// The statement for `sql`, prepared on this connection once.
    fn prepared(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.inner.prepare(sql)?;
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
        self.inner.query(&statement, params)
    }

    /// Runs `sql` with `params` and returns its one row (an error for none or
    /// several).
    pub(crate) fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error> {
        let statement = self.prepared(sql)?;
        self.inner.query_one(&statement, params)
    }

    /// Runs `sql` with `params` and returns its row, if any (an error for
    /// several).
    pub(crate) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        let statement = self.prepared(sql)?;
        self.inner.query_opt(&statement, params)
    }

    /// Runs `sql` with `params` and returns how many rows it changed.
    pub(crate) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        let statement = self.prepared(sql)?;
        self.inner.execute(&statement, params)
    }

    /// Runs `sql`, one or more statements without parameters, as it is.
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.inner.batch_execute(sql)
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
/// wrapped with its statement cache.
pub(crate) struct Manager(pub(crate) PostgresConnectionManager<MakeTlsConnector>);

impl core::fmt::Debug for Manager {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Manager")
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Client;
    type Error = Error;

    fn connect(&self) -> Result<Client, Error> {
        Ok(Client {
            inner: self.0.connect()?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, client: &mut Client) -> Result<(), Error> {
        self.0.is_valid(&mut client.inner)
    }

    fn has_broken(&self, client: &mut Client) -> bool {
        self.0.has_broken(&mut client.inner)
    }
}
