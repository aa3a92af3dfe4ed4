//! [`PostgresStore::check_integrity`]: the invariants the store promises,
//! checked on the data, as the SQLite store checks them.

use super::Client;

use super::PostgresStore;
use super::codec::{During, get, uint};
use crate::error::StoreError;
use crate::store::integrity::{DUPLICATE_NUMBERS, INVOICE_COUNT};
use crate::store::sqlite::integrity::report;
use crate::store::{IntegrityProblem, IntegrityReport};

/// The pairs of text a check query returns.
fn pairs(
    client: &mut Client,
    op: &'static str,
    sql: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    client
        .query(sql, &[])
        .during(op)?
        .iter()
        .map(|row| Ok((get(row, 0, op)?, get(row, 1, op)?)))
        .collect()
}

impl PostgresStore {
    /// Checks the store's invariants and lists what is broken (nothing, normally):
    /// every number given out has exactly one journal entry, every issued request
    /// has its invoice and every invoice its request, every invoice is in the
    /// outbox, every accepted request has its queued command, and command and
    /// request states agree. Reads one snapshot; cost grows with the data.
    pub fn check_integrity(&self) -> Result<Vec<IntegrityProblem>, StoreError> {
        const OP: &str = "check integrity";
        self.read(OP, |client| {
            let mut problems = Vec::new();
            let segments = client
                .query(
                    "SELECT s.segment_id, s.first, s.next, COUNT(j.sequence),
                            COALESCE(MIN(j.sequence), s.first),
                            COALESCE(MAX(j.sequence), s.next - 1)
                     FROM number_segments s LEFT JOIN device_journal j USING (segment_id)
                     GROUP BY s.segment_id ORDER BY MIN(s.position)",
                    &[],
                )
                .during(OP)?;
            for row in &segments {
                let (first, next, count): (i64, i64, i64) =
                    (get(row, 1, OP)?, get(row, 2, OP)?, get(row, 3, OP)?);
                let (min, max): (i64, i64) = (get(row, 4, OP)?, get(row, 5, OP)?);
                let given_out = uint(next - first);
                if uint(count) != given_out || min != first || max != next - 1 {
                    problems.push(IntegrityProblem::NumberingGap {
                        segment_id: get(row, 0, OP)?,
                        given_out,
                        recorded: uint(count),
                    });
                }
            }
            for (invoice_number, _) in pairs(
                client,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE (i.invoice_json::jsonb ->> 'device_id')
                       IN (SELECT device_id FROM number_segments)
                   AND (i.invoice_json::jsonb ->> 'device_id') NOT IN
                       (SELECT d ->> 'device_id' FROM enterprises e,
                            jsonb_array_elements(COALESCE(e.record_json::jsonb -> 'devices',
                                                          '[]'::jsonb)) d
                        WHERE d ->> 'device_id' IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM device_journal j
                                   WHERE j.invoice_number = i.invoice_number)",
            )? {
                problems.push(IntegrityProblem::InvoiceNotInJournal { invoice_number });
            }
            for (seller_tax_id, serial_number) in pairs(
                client,
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
            for (invoice_number, _) in pairs(
                client,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE NOT EXISTS (SELECT 1 FROM requests r
                                   WHERE r.invoice_number = i.invoice_number AND r.state = 'ISSUED')",
            )? {
                problems.push(IntegrityProblem::InvoiceWithoutRequest { invoice_number });
            }
            for (invoice_number, _) in pairs(
                client,
                OP,
                "SELECT i.invoice_number, '' FROM invoices i
                 WHERE i.uploaded_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invoice_number = i.invoice_number)",
            )? {
                problems.push(IntegrityProblem::InvoiceNotInOutbox { invoice_number });
            }
            for (invoice_number, _) in pairs(
                client,
                OP,
                "SELECT invoice_number, '' FROM outbox
                 WHERE state = 'UPLOADED' AND receipt_json IS NULL",
            )? {
                problems.push(IntegrityProblem::UploadedWithoutReceipt { invoice_number });
            }
            for (seller_tax_id, serial_number) in pairs(
                client,
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
            for (command_id, _) in pairs(
                client,
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
        let invoices: i64 = self.read(OP, |client| {
            for row in client.query(DUPLICATE_NUMBERS, &[]).during(OP)? {
                problems.push(IntegrityProblem::DuplicateNumber {
                    invoice_number: get(&row, 0, OP)?,
                    requests: uint(get(&row, 1, OP)?),
                });
            }
            let row = client.query_one(INVOICE_COUNT, &[]).during(OP)?;
            get(&row, 0, OP)
        })?;
        Ok(report(uint(invoices), problems))
    }
}
