//! [`SqliteStore::check_integrity`]: the invariants the store promises, checked on
//! the data (after a crash, by an operator, by the crash-safety test). The
//! checks and their reasoning are the engines' shared `integrity_checks`; here
//! are SQLite's own: `quick_check`, and the journal check's JSON functions.

use rusqlite::Connection;

use super::SqliteStore;
use super::codec::During;
use crate::error::StoreError;
use crate::store::integrity_checks::{
    DUPLICATE_NUMBERS, INVOICE_COUNT, duplicate_number, numbering_gap, report, row_checks,
};
use crate::store::{IntegrityProblem, IntegrityReport};

/// Invoices of a device of this store (not an enterprise's own, registered in
/// its qualification record) that are not in the device journal.
const INVOICE_NOT_IN_JOURNAL: &str = "SELECT i.invoice_number, '' FROM invoices i
                 WHERE json_extract(i.invoice_json, '$.device_id')
                       IN (SELECT device_id FROM number_segments)
                   AND json_extract(i.invoice_json, '$.device_id') NOT IN
                       (SELECT json_extract(d.value, '$.device_id')
                        FROM enterprises e, json_each(e.record_json, '$.devices') d)
                   AND NOT EXISTS (SELECT 1 FROM device_journal j
                                   WHERE j.invoice_number = i.invoice_number)";

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
                problems.extend(numbering_gap(segment_id, (first, next), count, (min, max)));
            }
            for check in row_checks(INVOICE_NOT_IN_JOURNAL) {
                for (first, second) in strings(conn, OP, check.sql)? {
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
                problems.push(duplicate_number(invoice_number, requests));
            }
            conn.query_row(INVOICE_COUNT, [], |row| row.get(0))
                .during(OP)
        })?;
        Ok(report(invoices, problems))
    }
}
