//! [`OutboxStore`] on PostgreSQL: the `outbox` table, joined to `invoices`.
//!
//! Several nodes may drain one outbox. [`OutboxStore::due_uploads`] claims
//! what it hands out: the due rows are locked with `FOR UPDATE SKIP LOCKED`
//! (another node's drain skips them instead of waiting) and their next attempt
//! is moved [`CLAIM_SECS`] ahead in the same statement, so no other drain finds
//! them due while this one uploads. The drain then records the upload, the
//! retry or the parking as usual; a node that stops in between leaves the
//! entry due again once the claim has run out.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{During, columns, get};
use crate::error::StoreError;
use crate::invoice::InvoiceNumber;
use crate::store::columns::{int, limit, number_key, to_json};
use crate::store::outbox_entries::{self, check_requeue, entries_where, missing};
use crate::tax::TaxReceipt;
use crate::tax::{OutboxEntry, OutboxStore};

/// How long an entry handed out by `due_uploads` stays claimed, in seconds.
pub(super) const CLAIM_SECS: u64 = 300;

/// An entry from a row whose first columns are those of [`entries_where!`].
fn to_entry(row: &Row, op: &'static str) -> Result<OutboxEntry, StoreError> {
    outbox_entries::to_entry(columns(row, op)?)
}

/// Runs an update of one outbox row; no row is a [`StoreError::NotFound`].
fn update_one(
    client: &mut Client,
    op: &'static str,
    sql: &str,
    key: &str,
    values: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<(), StoreError> {
    let changed = client.execute(sql, values).during(op)?;
    if changed == 0 {
        let exists = client
            .query_opt("SELECT 1 FROM outbox WHERE invoice_number = $1", &[&key])
            .during(op)?;
        if exists.is_none() {
            return Err(missing(key));
        }
    }
    Ok(())
}

fn entries(rows: &[Row], op: &'static str) -> Result<Vec<OutboxEntry>, StoreError> {
    rows.iter().map(|row| to_entry(row, op)).collect()
}

impl OutboxStore for PostgresStore {
    fn due_uploads(&self, now: u64, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "claim due uploads";
        let claimed_until = int(now.saturating_add(CLAIM_SECS));
        self.write(OP, |tx| {
            let rows = tx
                .query(
                    "WITH due AS (
                         SELECT invoice_number, next_attempt_at AS was, added FROM outbox
                         WHERE state = 'PENDING' AND next_attempt_at <= $1
                         ORDER BY next_attempt_at, added LIMIT $2
                         FOR UPDATE SKIP LOCKED)
                     UPDATE outbox o SET next_attempt_at = $3
                     FROM due, invoices i
                     WHERE o.invoice_number = due.invoice_number
                       AND i.invoice_number = o.invoice_number
                     RETURNING i.invoice_json, o.state, o.attempts, due.was, o.last_error,
                               o.receipt_json, due.added",
                    &[&int(now), &limit(max), &claimed_until],
                )
                .during(OP)?;
            let mut ordered = Vec::with_capacity(rows.len());
            for row in &rows {
                let was: i64 = get(row, 3, OP)?;
                let added: i64 = get(row, 6, OP)?;
                ordered.push(((was, added), to_entry(row, OP)?));
            }
            ordered.sort_by_key(|(order, _)| *order);
            Ok(ordered.into_iter().map(|(_, entry)| entry).collect())
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
                "UPDATE outbox SET state = 'UPLOADED', receipt_json = $2, updated_at = $3
                 WHERE invoice_number = $1 AND state <> 'UPLOADED'",
                &key,
                &[&key, &receipt, &int(now)],
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
                "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4
                 WHERE invoice_number = $1 AND state = 'PENDING'",
                &key,
                &[&key, &i64::from(attempts), &int(next_attempt_at), &error],
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
                "UPDATE outbox SET state = 'PARKED', attempts = $2, last_error = $3, updated_at = $4
                 WHERE invoice_number = $1 AND state = 'PENDING'",
                &key,
                &[&key, &i64::from(attempts), &reason, &int(now)],
            )
        })
    }

    fn requeue(&self, invoice_number: &InvoiceNumber, now: u64) -> Result<(), StoreError> {
        const OP: &str = "requeue a parked upload";
        let key = number_key(invoice_number);
        self.write(OP, |tx| {
            let state = tx
                .query_opt(
                    "SELECT state FROM outbox WHERE invoice_number = $1 FOR UPDATE",
                    &[&key],
                )
                .during(OP)?
                .map(|row| get::<String>(&row, 0, OP))
                .transpose()?;
            check_requeue(&key, state.as_deref())?;
            tx.execute(
                "UPDATE outbox SET state = 'PENDING', attempts = 0, next_attempt_at = $2,
                 updated_at = $2 WHERE invoice_number = $1",
                &[&key, &int(now)],
            )
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
        self.read_statement(|client| {
            let rows = client
                .query(entries_where!("WHERE o.invoice_number = $1"), &[&key])
                .during(OP)?;
            Ok(entries(&rows, OP)?.pop())
        })
    }

    fn parked(&self, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "list parked uploads";
        self.read_statement(|client| {
            let rows = client
                .query(
                    entries_where!("WHERE o.state = 'PARKED' ORDER BY o.added LIMIT $1"),
                    &[&limit(max)],
                )
                .during(OP)?;
            entries(&rows, OP)
        })
    }

    fn uploaded(&self, max: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        const OP: &str = "list uploaded invoices";
        self.read_statement(|client| {
            let rows = client
                .query(
                    entries_where!("WHERE o.state = 'UPLOADED' ORDER BY o.added LIMIT $1"),
                    &[&limit(max)],
                )
                .during(OP)?;
            entries(&rows, OP)
        })
    }

    fn compact_uploaded(&self, uploaded_before: u64, max: usize) -> Result<usize, StoreError> {
        const OP: &str = "compact uploaded outbox entries";
        self.write(OP, |tx| {
            // One statement: the entries go and their invoices note the upload.
            let rows = tx
                .query(
                    "WITH gone AS (
                         DELETE FROM outbox WHERE invoice_number IN (
                             SELECT invoice_number FROM outbox
                             WHERE state = 'UPLOADED' AND updated_at < $1
                             ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                         RETURNING invoice_number, updated_at)
                     UPDATE invoices i SET uploaded_at = gone.updated_at
                     FROM gone WHERE i.invoice_number = gone.invoice_number
                     RETURNING i.invoice_number",
                    &[&int(uploaded_before), &limit(max)],
                )
                .during(OP)?;
            Ok(rows.len())
        })
    }
}
