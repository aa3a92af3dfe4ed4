//! Units of work and the transactions under them.
//!
//! A unit of work binds one pooled connection, with its transaction open, to
//! the calling thread; every change and lookup that thread makes through the
//! store until the unit ends runs in that transaction. Outside a unit, a change
//! is a transaction of its own and a lookup one statement (or one read-only
//! snapshot).
//!
//! Every statement is a round trip to the server, so a unit spends as few as
//! it can on control statements: `BEGIN` and the commit, and nothing per
//! change. A change that fails inside a unit must still leave nothing of
//! itself when the unit goes on, which a savepoint per change would give at
//! the price of one round trip each. Instead, a change runs bare; when one
//! fails, the unit is marked *spoiled* (PostgreSQL has aborted the transaction,
//! or the change is half done), and when its work ends, however it ends, it is
//! rolled back and run again, this time with each change in a savepoint: the
//! unit then ends as savepoints make it end. Work that fails a change costs two
//! runs; work that fails none, the usual case, costs no savepoint at all. (The
//! work of a unit must bear running again in any case: a serialization
//! failure or a deadlock runs it again too.)

use std::collections::HashMap;
use std::sync::{MutexGuard, PoisonError};
use std::thread::ThreadId;

use super::codec::{self, During, pool_error};
use super::connection::Client;
use super::{Pooled, PostgresStore, back_off, contentions};
use crate::error::StoreError;

/// A thread's open unit of work.
pub(super) struct Unit {
    conn: Pooled,
    /// Whether each change runs in a savepoint of its own.
    savepoints: bool,
    /// Whether a change failed with no savepoint to undo it: the transaction
    /// may not commit as it stands.
    spoiled: bool,
}

/// The units of work open on a store, by thread.
pub(super) type Units = HashMap<ThreadId, Unit>;

impl PostgresStore {
    /// A connection from the pool; none in time is
    /// [`DatabaseFailure::Unavailable`](crate::store::DatabaseFailure::Unavailable).
    pub(super) fn connection(&self, operation: &'static str) -> Result<Pooled, StoreError> {
        // The pool says only that no connection came in time; the manager
        // noted why the last attempt to connect failed, if one did.
        self.pool
            .get()
            .map_err(|e| match self.connect_failures.last() {
                Some(failure) => failure.into_error(operation),
                None => pool_error(operation)(e),
            })
    }

    /// Runs `work` as one transaction: every state change it makes through this
    /// store, from this thread, commits together when `work` returns `Ok`, and
    /// none does when it returns `Err` or panics. A change that fails leaves
    /// nothing of itself even when `work` goes on (see the module's notes:
    /// `work` may then run a second time). A unit started inside another joins
    /// it (as a savepoint). When the transaction meets a serialization failure
    /// or a deadlock, it is rolled back and `work` runs again (at most
    /// [`PostgresOptions::retries`](super::PostgresOptions::retries) times).
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
        let mut savepoints = false;
        loop {
            let mut conn = self.connection(OP)?;
            conn.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                .during(OP)?;
            self.lock_units().insert(
                me,
                Unit {
                    conn,
                    savepoints,
                    spoiled: false,
                },
            );
            let mut unit = OpenUnit {
                store: self,
                thread: me,
            };
            let before = contentions();
            let worked = work();
            if unit.spoiled() {
                // Rolled back, and run again with a savepoint per change:
                // whether `work` went on to succeed or failed (perhaps on the
                // transaction the failed change aborted), the outcome is then
                // the one savepoints give.
                drop(unit);
                savepoints = true;
                continue;
            }
            let outcome = match worked {
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
        let spoiled_before = self.with_unit(OP, |client, unit| {
            client
                .batch_execute("SAVEPOINT fapiao_unit")
                .during(OP)
                .map(|()| unit.is_some_and(|unit| unit.spoiled))
        })??;
        match work() {
            // Kept, not released: the commit ends it (see `in_savepoint`).
            Ok(value) => Ok(value),
            Err(e) => {
                let _ = self.with_unit(OP, |client, unit| {
                    let undone = client.batch_execute(
                        "ROLLBACK TO SAVEPOINT fapiao_unit; RELEASE SAVEPOINT fapiao_unit",
                    );
                    // What failed inside is undone with the rest of it.
                    if let (Ok(()), Some(unit)) = (undone, unit) {
                        unit.spoiled = spoiled_before;
                    }
                });
                Err(e)
            }
        }
    }

    fn lock_units(&self) -> MutexGuard<'_, Units> {
        self.units.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether this thread has a unit of work open on this store.
    pub(super) fn in_unit(&self) -> bool {
        self.lock_units().contains_key(&std::thread::current().id())
    }

    /// Runs `f` on this thread's unit connection (`true`), or on a connection
    /// from the pool (`false`).
    pub(super) fn with_client<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Client, bool) -> T,
    ) -> Result<T, StoreError> {
        self.with_unit(operation, |client, unit| f(client, unit.is_some()))
    }

    /// Runs `f` on this thread's unit connection, with the unit, or on a
    /// connection from the pool.
    fn with_unit<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Client, Option<&mut UnitState>) -> T,
    ) -> Result<T, StoreError> {
        let me = std::thread::current().id();
        let unit = self.lock_units().remove(&me);
        match unit {
            Some(unit) => {
                // Put back however `f` ends, a panic included (the unit then
                // rolls back when it ends).
                let mut lease = UnitLease {
                    store: self,
                    thread: me,
                    unit: Some(unit),
                };
                match lease.unit.as_mut() {
                    Some(unit) => {
                        let mut state = UnitState {
                            savepoints: unit.savepoints,
                            spoiled: unit.spoiled,
                        };
                        let value = f(&mut unit.conn, Some(&mut state));
                        unit.spoiled = state.spoiled;
                        Ok(value)
                    }
                    None => Err(codec::lost_connection(operation)),
                }
            }
            None => {
                let mut conn = self.connection(operation)?;
                Ok(f(&mut conn, None))
            }
        }
    }

    /// Runs `f` as one state change: its own transaction, committed when `f`
    /// succeeds and rolled back otherwise, run again after a serialization
    /// failure or deadlock; inside this thread's unit of work, part of its
    /// transaction (see the module's notes for a change that fails there).
    pub(super) fn write<T, E: From<StoreError>>(
        &self,
        operation: &'static str,
        mut f: impl FnMut(&mut Client) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 0;
        loop {
            let before = contentions();
            let mut in_unit = false;
            let outcome = self.with_unit(operation, |client, unit| match unit {
                Some(unit) => {
                    in_unit = true;
                    if unit.savepoints {
                        in_savepoint(client, operation, &mut f)
                    } else {
                        let changed = f(client);
                        unit.spoiled |= changed.is_err();
                        changed
                    }
                }
                None => in_transaction(client, operation, &mut f),
            })?;
            match outcome {
                // Inside a unit the unit retries, as a whole.
                Err(_) if contentions() != before && attempt < self.retries && !in_unit => {
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
    pub(super) fn read_statement<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, E>,
    ) -> Result<T, E> {
        self.with_client("run a statement", |client, _| f(client))?
    }

    /// Runs `f` in one read-only `REPEATABLE READ` transaction, so that its
    /// statements see one snapshot (inside a unit of work: the unit's).
    pub(super) fn read<T>(
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

/// What a change running in a unit sees of it.
struct UnitState {
    savepoints: bool,
    spoiled: bool,
}

/// Runs `f` in a savepoint of the open transaction: when `f` fails, what it
/// changed is rolled back and the transaction goes on.
fn in_savepoint<T, E: From<StoreError>>(
    client: &mut Client,
    operation: &'static str,
    f: &mut impl FnMut(&mut Client) -> Result<T, E>,
) -> Result<T, E> {
    client
        .batch_execute("SAVEPOINT fapiao_change")
        .during(operation)?;
    match f(client) {
        // Not released: releasing would cost a round trip, and the commit
        // ends every savepoint. A later savepoint of the same name hides this
        // one, so a rollback to the name goes back to the latest.
        Ok(value) => Ok(value),
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

/// This thread's unit, taken out of the map while in use and put back when
/// dropped.
struct UnitLease<'s> {
    store: &'s PostgresStore,
    thread: ThreadId,
    unit: Option<Unit>,
}

impl Drop for UnitLease<'_> {
    fn drop(&mut self) {
        if let Some(unit) = self.unit.take() {
            self.store.lock_units().insert(self.thread, unit);
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
    /// Whether a change failed in this unit with no savepoint to undo it.
    fn spoiled(&self) -> bool {
        self.store
            .lock_units()
            .get(&self.thread)
            .is_some_and(|unit| unit.spoiled)
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        const OP: &str = "commit a unit of work";
        let unit = self.store.lock_units().remove(&self.thread);
        let Some(mut unit) = unit else {
            return Err(codec::lost_connection(OP));
        };
        // A statement that failed inside the unit outside a change (a lookup
        // that met a deadlock) leaves the transaction aborted, and PostgreSQL
        // answers COMMIT on an aborted transaction by rolling it back without
        // an error. `SELECT 1` fails on an aborted transaction, and the rest
        // of the batch is then not run: the unit fails instead of reporting a
        // commit that did not happen.
        let committed = unit.conn.batch_execute("SELECT 1; COMMIT").during(OP);
        if committed.is_err() {
            // The connection goes back to the pool outside any transaction.
            let _ = unit.conn.batch_execute("ROLLBACK");
        }
        committed
    }
}

impl Drop for OpenUnit<'_> {
    fn drop(&mut self) {
        let unit = self.store.lock_units().remove(&self.thread);
        if let Some(mut unit) = unit {
            // Fails only when the connection is gone, and the server rolled
            // the transaction back with it.
            let _ = unit.conn.batch_execute("ROLLBACK");
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
