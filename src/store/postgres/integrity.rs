//! [`PostgresStore::check_integrity`]: the invariants the store promises,
//! checked on the data with the engines' shared `integrity_checks`; here is
//! PostgreSQL's own SQL: the segments' counts and the journal check's JSON
//! operators.

use super::Client;

use super::PostgresStore;
use super::codec::{During, get};
use crate::error::StoreError;
use crate::store::integrity_checks::{
    DUPLICATE_NUMBERS, INVOICE_COUNT, duplicate_number, numbering_gap, report, row_checks,
};
use crate::store::{IntegrityProblem, IntegrityReport};

/// Invoices of a device of this store (not an enterprise's own, registered in
/// its qualification record) that are not in the device journal.
const INVOICE_NOT_IN_JOURNAL: &str = "SELECT i.invoice_number, '' FROM invoices i
                 WHERE (i.invoice_json::jsonb ->> 'device_id')
                       IN (SELECT device_id FROM number_segments)
                   AND (i.invoice_json::jsonb ->> 'device_id') NOT IN
                       (SELECT d ->> 'device_id' FROM enterprises e,
                            jsonb_array_elements(COALESCE(e.record_json::jsonb -> 'devices',
                                                          '[]'::jsonb)) d
                        WHERE d ->> 'device_id' IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM device_journal j
                                   WHERE j.invoice_number = i.invoice_number)";

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
                let given_out = (get(row, 1, OP)?, get(row, 2, OP)?);
                let recorded = (get(row, 4, OP)?, get(row, 5, OP)?);
                let count = get(row, 3, OP)?;
                problems.extend(numbering_gap(get(row, 0, OP)?, given_out, count, recorded));
            }
            for check in row_checks(INVOICE_NOT_IN_JOURNAL) {
                for (first, second) in pairs(client, OP, check.sql)? {
                    problems.push((check.problem)(first, second));
                }
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
                problems.push(duplicate_number(get(&row, 0, OP)?, get(&row, 1, OP)?));
            }
            let row = client.query_one(INVOICE_COUNT, &[]).during(OP)?;
            get(&row, 0, OP)
        })?;
        Ok(report(invoices, problems))
    }
}
