//! [`OutboxStore`] on SQLite: the `outbox` table, joined to `invoices`.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::codec::During;
use crate::error::StoreError;
use crate::invoice::InvoiceNumber;
use crate::store::columns::{int, limit, number_key, to_json};
use crate::store::outbox_entries::{EntryRow, check_requeue, entries_where, missing, to_entry};
use crate::tax::TaxReceipt;
use crate::tax::{OutboxEntry, OutboxStore};

/// Runs `sql`, an [`entries_where!`] query, and decodes its rows.
fn entries(
    conn: &Connection,
    operation: &'static str,
    sql: &'static str,
    values: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).during(operation)?;
    let rows = stmt
        .query_map(values, |row| EntryRow::try_from(row))
        .during(operation)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .during(operation)?;
    rows.into_iter().map(to_entry).collect()
}

/// Runs an update of one outbox row; no row is a [`StoreError::NotFound`].
fn update_one(
    conn: &Connection,
    operation: &'static str,
    sql: &str,
    key: &str,
    values: impl rusqlite::Params,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached(sql)
        .during(operation)?
        .execute(values)
        .during(operation)?;
    if changed == 0 {
        let exists: Option<i64> = conn
            .prepare_cached("SELECT 1 FROM outbox WHERE invoice_number = ?1")
            .during(operation)?
            .query_row([key], |row| row.get(0))
            .optional()
            .during(operation)?;
        if exists.is_none() {
            return Err(missing(key));
        }
    }
    Ok(())
}

impl OutboxStore for SqliteStore {
    fn due_uploads(&self, now: u64, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "list due uploads";
        self.read(OP, |conn| {
            entries(
                conn,
                OP,
                entries_where!(
                    "WHERE o.state = 'PENDING' AND o.next_attempt_at <= ?1
                     ORDER BY o.next_attempt_at, o.rowid LIMIT ?2"
                ),
                params![int(now), limit(max)],
            )
        })
    }

    fn mark_uploaded(
        &self,
        invoice_number: &InvoiceNumber,
        receipt: &TaxReceipt,
        now: u64,
    ) -> Result<(), StoreError> {
        const OP: &str = "record an upload";
        let key = number_key(invoice_number);
        let receipt = to_json("tax receipt", receipt)?;
        self.write(OP, |tx| {
            update_one(
                tx,
                OP,
                "UPDATE outbox SET state = 'UPLOADED', receipt_json = ?2, updated_at = ?3
                 WHERE invoice_number = ?1 AND state <> 'UPLOADED'",
                &key,
                params![key, receipt, int(now)],
            )
        })
    }

    fn schedule_retry(
        &self,
        invoice_number: &InvoiceNumber,
        attempts: u32,
        next_attempt_at: u64,
        error: &str,
    ) -> Result<(), StoreError> {
        const OP: &str = "schedule an upload retry";
        let key = number_key(invoice_number);
        self.write(OP, |tx| {
            update_one(
                tx,
                OP,
                "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4
                 WHERE invoice_number = ?1 AND state = 'PENDING'",
                &key,
                params![key, attempts, int(next_attempt_at), error],
            )
        })
    }

    fn park(
        &self,
        invoice_number: &InvoiceNumber,
        attempts: u32,
        reason: &str,
        now: u64,
    ) -> Result<(), StoreError> {
        const OP: &str = "park an upload";
        let key = number_key(invoice_number);
        self.write(OP, |tx| {
            update_one(
                tx,
                OP,
                "UPDATE outbox SET state = 'PARKED', attempts = ?2, last_error = ?3, updated_at = ?4
                 WHERE invoice_number = ?1 AND state = 'PENDING'",
                &key,
                params![key, attempts, reason, int(now)],
            )
        })
    }

    fn requeue(&self, invoice_number: &InvoiceNumber, now: u64) -> Result<(), StoreError> {
        const OP: &str = "requeue a parked upload";
        let key = number_key(invoice_number);
        self.write(OP, |tx| {
            let state: Option<String> = tx
                .prepare_cached("SELECT state FROM outbox WHERE invoice_number = ?1")
                .during(OP)?
                .query_row([&key], |row| row.get(0))
                .optional()
                .during(OP)?;
            check_requeue(&key, state.as_deref())?;
            tx.prepare_cached(
                "UPDATE outbox SET state = 'PENDING', attempts = 0, next_attempt_at = ?2,
                 updated_at = ?2 WHERE invoice_number = ?1",
            )
            .during(OP)?
            .execute(params![key, int(now)])
            .during(OP)?;
            Ok(())
        })
    }

    fn outbox_entry(
        &self,
        invoice_number: &InvoiceNumber,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        const OP: &str = "read an outbox entry";
        let key = number_key(invoice_number);
        self.read(OP, |conn| {
            Ok(entries(
                conn,
                OP,
                entries_where!("WHERE o.invoice_number = ?1"),
                [key],
            )?
            .pop())
        })
    }

    fn parked(&self, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "list parked uploads";
        self.read(OP, |conn| {
            entries(
                conn,
                OP,
                entries_where!("WHERE o.state = 'PARKED' ORDER BY o.rowid LIMIT ?1"),
                [limit(max)],
            )
        })
    }

    fn uploaded(&self, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "list uploaded invoices";
        self.read(OP, |conn| {
            entries(
                conn,
                OP,
                entries_where!("WHERE o.state = 'UPLOADED' ORDER BY o.rowid LIMIT ?1"),
                [limit(max)],
            )
        })
    }

    fn compact_uploaded(&self, uploaded_before: u64, max: usize) -> Result<usize, StoreError> {
        const OP: &str = "compact uploaded outbox entries";
        self.write(OP, |tx| {
            // The partial index `outbox_uploaded` finds the oldest uploads.
            let compacted = tx
                .prepare_cached(
                    "DELETE FROM outbox WHERE invoice_number IN (
                         SELECT invoice_number FROM outbox
                         WHERE state = 'UPLOADED' AND updated_at < ?1
                         ORDER BY updated_at LIMIT ?2)
                     RETURNING invoice_number, updated_at",
                )
                .during(OP)?
                .query_map(params![int(uploaded_before), limit(max)], |row| {
                    <(String, i64)>::try_from(row)
                })
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            let mut note = tx
                .prepare_cached("UPDATE invoices SET uploaded_at = ?2 WHERE invoice_number = ?1")
                .during(OP)?;
            for (key, uploaded_at) in &compacted {
                note.execute(params![key, uploaded_at]).during(OP)?;
            }
            Ok(compacted.len())
        })
    }
}
