//! [`SqliteStore::check_integrity`]: the invariants the store promises, checked on
//! the data (after a crash, by an operator, by the crash-safety test).

use rusqlite::Connection;

use super::SqliteStore;
use super::codec::{During, uint};
use crate::error::StoreError;
use crate::store::integrity::{DUPLICATE_NUMBERS, INVOICE_COUNT};
use crate::store::{IntegrityProblem, IntegrityReport};

/// A report of `invoices` and `problems`, counting the duplicate numbers.
pub(in crate::store) fn report(invoices: u64, problems: Vec<IntegrityProblem>) -> IntegrityReport {
    let duplicate_numbers = problems
        .iter()
        .filter(|p| matches!(p, IntegrityProblem::DuplicateNumber { .. }))
        .count() as u64;
    IntegrityReport {
        invoices,
        duplicate_numbers,
        problems,
    }
}

fn strings(
    conn: &Connection,
    operation: &'static str,
    sql: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare(sql).during(operation)?;
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .during(operation)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .during(operation)
}

impl SqliteStore {
    /// Checks the store's invariants and lists what is broken (nothing, normally):
    /// every number given out has exactly one journal entry, every issued request
    /// has its invoice and every invoice its request, every invoice is in the
    /// outbox, every accepted request has its queued command, and command and
    /// request states agree. Reads one snapshot; cost grows with the data.
    pub fn check_integrity(&self) -> Result<Vec<IntegrityProblem>, StoreError> {
        const OP: &str = "check integrity";
        self.read(OP, |conn| {
            let mut problems = Vec::new();
            let quick: String = conn
                .query_row("PRAGMA quick_check", [], |row| row.get(0))
                .during(OP)?;
            if quick != "ok" {
                problems.push(IntegrityProblem::Database { message: quick });
            }
            let mut stmt = conn
                .prepare(
                    "SELECT s.segment_id, s.first, s.next, COUNT(j.sequence),
                            COALESCE(MIN(j.sequence), s.first), COALESCE(MAX(j.sequence), s.next - 1)
                     FROM number_segments s LEFT JOIN device_journal j USING (segment_id)
                     GROUP BY s.segment_id ORDER BY s.position",
                )
                .during(OP)?;
            let segments = stmt
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                })
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            for (segment_id, first, next, count, min, max) in segments {
                let given_out = uint(next - first);
                if uint(count) != given_out || min != first || max != next - 1 {
                    problems.push(IntegrityProblem::NumberingGap {
                        segment_id,
                        given_out,
                        recorded: uint(count),
                    });
                }
            }
            for (invoice_number, _) in strings(
                conn,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE json_extract(i.invoice_json, '$.device_id')
                       IN (SELECT device_id FROM number_segments)
                   AND json_extract(i.invoice_json, '$.device_id') NOT IN
                       (SELECT json_extract(d.value, '$.device_id')
                        FROM enterprises e, json_each(e.record_json, '$.devices') d)
                   AND NOT EXISTS (SELECT 1 FROM device_journal j
                                   WHERE j.invoice_number = i.invoice_number)",
            )? {
                problems.push(IntegrityProblem::InvoiceNotInJournal { invoice_number });
            }
            for (seller_tax_id, serial_number) in strings(
                conn,
                OP,
                "SELECT r.seller_tax_id, r.serial_number FROM requests r
                 WHERE r.state = 'ISSUED' AND NOT EXISTS (
                     SELECT 1 FROM invoices i WHERE i.invoice_number = r.invoice_number
                       AND i.seller_tax_id = r.seller_tax_id AND i.serial_number = r.serial_number)",
            )? {
                problems.push(IntegrityProblem::RequestWithoutInvoice {
                    seller_tax_id,
                    serial_number,
                });
            }
            for (invoice_number, _) in strings(
                conn,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE NOT EXISTS (SELECT 1 FROM requests r
                                   WHERE r.invoice_number = i.invoice_number AND r.state = 'ISSUED')",
            )? {
                problems.push(IntegrityProblem::InvoiceWithoutRequest { invoice_number });
            }
            for (invoice_number, _) in strings(
                conn,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE i.uploaded_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invoice_number = i.invoice_number)",
            )? {
                problems.push(IntegrityProblem::InvoiceNotInOutbox { invoice_number });
            }
            for (invoice_number, _) in strings(
                conn,
                OP,
                "SELECT invoice_number, '' FROM outbox WHERE state = 'UPLOADED' AND receipt_json IS NULL",
            )? {
                problems.push(IntegrityProblem::UploadedWithoutReceipt { invoice_number });
            }
            for (seller_tax_id, serial_number) in strings(
                conn,
                OP,
                "SELECT r.seller_tax_id, r.serial_number FROM requests r
                 WHERE r.state = 'ACCEPTED' AND NOT EXISTS (
                     SELECT 1 FROM commands c WHERE c.seller_tax_id = r.seller_tax_id
                       AND c.serial_number = r.serial_number AND c.state = 'QUEUED')",
            )? {
                problems.push(IntegrityProblem::AcceptedWithoutCommand {
                    seller_tax_id,
                    serial_number,
                });
            }
            for (command_id, _) in strings(
                conn,
                OP,
                "SELECT c.command_id, '' FROM commands c
                 LEFT JOIN requests r USING (seller_tax_id, serial_number)
                 WHERE r.state IS NULL
                    OR (c.state = 'QUEUED' AND r.state <> 'ACCEPTED')
                    OR (c.state = 'ISSUED' AND r.state <> 'ISSUED')
                    OR (c.state = 'FAILED' AND r.state <> 'FAILED')",
            )? {
                problems.push(IntegrityProblem::CommandStateMismatch { command_id });
            }
            Ok(problems)
        })
    }

    /// [`check_integrity`](Self::check_integrity), plus one check across
    /// tables (an invoice number recorded for more than one request among the
    /// invoices, the device journal, whose command ids are `seller:serial`, and
    /// the invoices a cloud platform received), with the counts an operator
    /// reads first: the invoices held and the numbers recorded twice.
    pub fn integrity_report(&self) -> Result<IntegrityReport, StoreError> {
        const OP: &str = "check integrity";
        let mut problems = self.check_integrity()?;
        let invoices: i64 = self.read(OP, |conn| {
            let mut stmt = conn.prepare(DUPLICATE_NUMBERS).during(OP)?;
            let duplicates = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            for (invoice_number, requests) in duplicates {
                problems.push(IntegrityProblem::DuplicateNumber {
                    invoice_number,
                    requests: uint(requests),
                });
            }
            conn.query_row(INVOICE_COUNT, [], |row| row.get(0))
                .during(OP)
        })?;
        Ok(report(uint(invoices), problems))
    }
}
