//! Transactions and savepoints run from prepared statements kept in the
//! connection's statement cache.
//!
//! rusqlite's `Transaction` and `Savepoint` send `BEGIN`, `SAVEPOINT`, `RELEASE`
//! and `COMMIT` through `execute_batch`, which parses the SQL every time. A
//! request on the service platform opens about twenty savepoints (every state
//! change inside a unit of work is one) and a read transaction per lookup, so the
//! parsing was a visible share of its SQL time. Here each control statement is
//! parsed once per connection.

use rusqlite::Connection;

/// The savepoint name every change inside a unit of work uses. Savepoints nest
/// strictly (each ends before the one it was opened in), and `RELEASE` /
/// `ROLLBACK TO` act on the innermost savepoint of that name, so one name serves
/// every level.
const SAVEPOINT: &str = "SAVEPOINT fapiao_change";
const RELEASE: &str = "RELEASE fapiao_change";
const ROLLBACK_TO: &str = "ROLLBACK TO fapiao_change";

/// Runs one transaction-control statement from the statement cache.
fn control(conn: &Connection, sql: &'static str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// `BEGIN IMMEDIATE`: a write transaction, holding the database's write lock
/// from the start (so it never fails to upgrade a read lock halfway).
pub(super) fn begin_write(conn: &Connection) -> rusqlite::Result<()> {
    control(conn, "BEGIN IMMEDIATE")
}

/// `COMMIT`.
pub(super) fn commit(conn: &Connection) -> rusqlite::Result<()> {
    control(conn, "COMMIT")
}

/// `ROLLBACK`. It fails only when SQLite has already rolled the transaction back
/// (after some errors it does so itself): then nothing is left to undo, so its
/// error is dropped.
pub(super) fn roll_back(conn: &Connection) {
    let _ = control(conn, "ROLLBACK");
}

/// A savepoint inside the connection's open transaction.
pub(super) fn savepoint(conn: &Connection) -> rusqlite::Result<()> {
    control(conn, SAVEPOINT)
}

/// Ends the innermost savepoint keeping its changes.
pub(super) fn release(conn: &Connection) -> rusqlite::Result<()> {
    control(conn, RELEASE)
}

/// Undoes and ends the innermost savepoint. Errors are dropped as in
/// [`roll_back`]: they mean the whole transaction is gone already.
pub(super) fn roll_back_savepoint(conn: &Connection) {
    let _ = control(conn, ROLLBACK_TO);
    let _ = control(conn, RELEASE);
}

/// What a [`Scope`] opened, and so how it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `BEGIN IMMEDIATE` or `BEGIN`: ended by `COMMIT` or `ROLLBACK`.
    Transaction,
    /// `SAVEPOINT`: ended by `RELEASE`, or `ROLLBACK TO` and `RELEASE`.
    Savepoint,
}

/// An open transaction or savepoint on a connection: [`Scope::commit`] ends it
/// keeping its changes; dropped otherwise (an error or a panic in the work it
/// guards), it is rolled back.
#[must_use = "a scope is rolled back unless committed"]
pub(super) struct Scope<'c> {
    conn: &'c Connection,
    kind: Kind,
    open: bool,
}

impl<'c> Scope<'c> {
    /// A write transaction ([`begin_write`]).
    pub(super) fn write(conn: &'c Connection) -> rusqlite::Result<Self> {
        begin_write(conn)?;
        Ok(Self::opened(conn, Kind::Transaction))
    }

    /// `BEGIN`: a read transaction, so that several statements see one snapshot.
    pub(super) fn read(conn: &'c Connection) -> rusqlite::Result<Self> {
        control(conn, "BEGIN")?;
        Ok(Self::opened(conn, Kind::Transaction))
    }

    /// A savepoint inside the connection's open transaction.
    pub(super) fn savepoint(conn: &'c Connection) -> rusqlite::Result<Self> {
        savepoint(conn)?;
        Ok(Self::opened(conn, Kind::Savepoint))
    }

    fn opened(conn: &'c Connection, kind: Kind) -> Self {
        Self {
            conn,
            kind,
            open: true,
        }
    }

    /// Ends the scope keeping its changes (`COMMIT` or `RELEASE`). When this
    /// fails the scope is still open, and dropping it rolls it back.
    pub(super) fn commit(mut self) -> rusqlite::Result<()> {
        match self.kind {
            Kind::Transaction => commit(self.conn)?,
            Kind::Savepoint => release(self.conn)?,
        }
        self.open = false;
        Ok(())
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        match self.kind {
            Kind::Transaction => roll_back(self.conn),
            Kind::Savepoint => roll_back_savepoint(self.conn),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        conn
    }

    fn count(conn: &Connection) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_committed_transaction_keeps_its_rows_and_a_dropped_one_does_not() {
        let conn = table();
        let scope = Scope::write(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        scope.commit().unwrap();
        let scope = Scope::write(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (2)", []).unwrap();
        drop(scope);
        assert_eq!(count(&conn), 1);
        assert!(conn.is_autocommit(), "no transaction left open");
    }

    #[test]
    fn nested_savepoints_of_one_name_end_innermost_first() {
        let conn = table();
        let outer = Scope::write(&conn).unwrap();
        let kept = Scope::savepoint(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let undone = Scope::savepoint(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (2)", []).unwrap();
        let inner_kept = Scope::savepoint(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (3)", []).unwrap();
        inner_kept.commit().unwrap();
        drop(undone); // rolls back 2 and 3, keeps 1
        assert_eq!(count(&conn), 1);
        kept.commit().unwrap();
        assert!(!conn.is_autocommit(), "the outer transaction is still open");
        outer.commit().unwrap();
        assert_eq!(count(&conn), 1);
        assert!(conn.is_autocommit());
    }

    #[test]
    fn a_read_transaction_ends_when_dropped() {
        let conn = table();
        let scope = Scope::read(&conn).unwrap();
        assert_eq!(count(&conn), 0);
        assert!(!conn.is_autocommit());
        drop(scope);
        assert!(conn.is_autocommit());
    }

    #[test]
    fn a_savepoint_outside_a_transaction_is_its_own_transaction() {
        // SQLite opens a transaction for a savepoint taken in autocommit mode;
        // releasing it commits. The store never does this, but a scope must
        // still leave the connection as it found it.
        let conn = table();
        let scope = Scope::savepoint(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        drop(scope);
        assert_eq!(count(&conn), 0);
        assert!(conn.is_autocommit());
    }
}
