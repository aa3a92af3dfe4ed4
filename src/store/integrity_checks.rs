//! The store's integrity checks, as both engines run them: the queries that
//! list the rows breaking an invariant, and the reasoning over what they
//! return. Each engine runs them on one snapshot of its data and reports the
//! same [`IntegrityProblem`]s in the same order; only the check that reads
//! JSON inside a column (which devices an enterprise registered) is written
//! in each engine's own functions.

use super::columns::uint;
use super::integrity::{IntegrityProblem, IntegrityReport};

/// A check whose query returns two text columns, one row a broken
/// invariant, and the problem each row is.
pub(in crate::store) struct RowCheck {
    /// The query (the same text on both engines but for the journal check).
    pub sql: &'static str,
    /// The problem a row of it is.
    pub problem: fn(String, String) -> IntegrityProblem,
}

/// Every row check, in the order the problems are reported; the engine gives
/// the query of invoices of a device of this store missing from its journal.
pub(in crate::store) fn row_checks(invoice_not_in_journal: &'static str) -> [RowCheck; 7] {
    [
        RowCheck {
            sql: invoice_not_in_journal,
            problem: |invoice_number, _| IntegrityProblem::InvoiceNotInJournal { invoice_number },
        },
        RowCheck {
            sql: "SELECT r.seller_tax_id, r.serial_number FROM requests r
                 WHERE r.state = 'ISSUED' AND NOT EXISTS (
                     SELECT 1 FROM invoices i WHERE i.invoice_number = r.invoice_number
                       AND i.seller_tax_id = r.seller_tax_id AND i.serial_number = r.serial_number)",
            problem: |seller_tax_id, serial_number| IntegrityProblem::RequestWithoutInvoice {
                seller_tax_id,
                serial_number,
            },
        },
        RowCheck {
            sql: "SELECT i.invoice_number, '' FROM invoices i
                 WHERE NOT EXISTS (SELECT 1 FROM requests r
                                   WHERE r.invoice_number = i.invoice_number AND r.state = 'ISSUED')",
            problem: |invoice_number, _| IntegrityProblem::InvoiceWithoutRequest { invoice_number },
        },
        RowCheck {
            sql: "SELECT i.invoice_number, '' FROM invoices i
                 WHERE i.uploaded_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invoice_number = i.invoice_number)",
            problem: |invoice_number, _| IntegrityProblem::InvoiceNotInOutbox { invoice_number },
        },
        RowCheck {
            sql: "SELECT invoice_number, '' FROM outbox
                 WHERE state = 'UPLOADED' AND receipt_json IS NULL",
            problem: |invoice_number, _| IntegrityProblem::UploadedWithoutReceipt { invoice_number },
        },
        RowCheck {
            sql: "SELECT r.seller_tax_id, r.serial_number FROM requests r
                 WHERE r.state = 'ACCEPTED' AND NOT EXISTS (
                     SELECT 1 FROM commands c WHERE c.seller_tax_id = r.seller_tax_id
                       AND c.serial_number = r.serial_number AND c.state = 'QUEUED')",
            problem: |seller_tax_id, serial_number| IntegrityProblem::AcceptedWithoutCommand {
                seller_tax_id,
                serial_number,
            },
        },
        RowCheck {
            sql: "SELECT c.command_id, '' FROM commands c
                 LEFT JOIN requests r USING (seller_tax_id, serial_number)
                 WHERE r.state IS NULL
                    OR (c.state = 'QUEUED' AND r.state <> 'ACCEPTED')
                    OR (c.state = 'ISSUED' AND r.state <> 'ISSUED')
                    OR (c.state = 'FAILED' AND r.state <> 'FAILED')",
            problem: |command_id, _| IntegrityProblem::CommandStateMismatch { command_id },
        },
    ]
}

/// A segment's numbers against its journal: `first..next` given out,
/// `count` journal entries whose sequences run from `min` to `max` (the
/// query reads `first` and `next - 1` for a segment without entries). A
/// [`IntegrityProblem::NumberingGap`] unless there is exactly one entry a
/// number.
pub(in crate::store) fn numbering_gap(
    segment_id: String,
    (first, next): (i64, i64),
    count: i64,
    (min, max): (i64, i64),
) -> Option<IntegrityProblem> {
    let given_out = uint(next - first);
    if uint(count) != given_out || min != first || max != next - 1 {
        return Some(IntegrityProblem::NumberingGap {
            segment_id,
            given_out,
            recorded: uint(count),
        });
    }
    None
}

/// An invoice number recorded for `requests` requests (a row of
/// [`DUPLICATE_NUMBERS`]).
pub(in crate::store) fn duplicate_number(
    invoice_number: String,
    requests: i64,
) -> IntegrityProblem {
    IntegrityProblem::DuplicateNumber {
        invoice_number,
        requests: uint(requests),
    }
}

/// A report of `invoices` (the row of [`INVOICE_COUNT`]) and `problems`,
/// counting the duplicate numbers.
pub(in crate::store) fn report(invoices: i64, problems: Vec<IntegrityProblem>) -> IntegrityReport {
    let duplicate_numbers = problems
        .iter()
        .filter(|p| matches!(p, IntegrityProblem::DuplicateNumber { .. }))
        .count() as u64;
    IntegrityReport {
        invoices: uint(invoices),
        duplicate_numbers,
        problems,
    }
}

/// The invoice numbers recorded for more than one request, with how many.
/// The same text runs on both engines.
pub(in crate::store) const DUPLICATE_NUMBERS: &str =
    "SELECT invoice_number, COUNT(DISTINCT request) FROM (
     SELECT invoice_number, seller_tax_id || ':' || serial_number AS request FROM invoices
     UNION ALL SELECT invoice_number, command_id FROM device_journal
     UNION ALL SELECT invoice_number, seller_tax_id || ':' || serial_number FROM cloud_invoices
 ) AS numbers GROUP BY invoice_number HAVING COUNT(DISTINCT request) > 1 ORDER BY invoice_number";

/// Distinct invoice numbers the store holds. The same text runs on both
/// engines.
pub(in crate::store) const INVOICE_COUNT: &str = "SELECT COUNT(*) FROM (
     SELECT invoice_number FROM invoices
     UNION SELECT invoice_number FROM device_journal
     UNION SELECT invoice_number FROM cloud_invoices
 ) AS numbers";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_whole_with_one_entry_a_number_given_out() {
        assert_eq!(numbering_gap("S".into(), (1, 4), 3, (1, 3)), None);
        assert_eq!(numbering_gap("S".into(), (1, 1), 0, (1, 0)), None);
        let skipped = numbering_gap("S".into(), (1, 4), 3, (1, 4));
        assert_eq!(
            skipped,
            Some(IntegrityProblem::NumberingGap {
                segment_id: "S".into(),
                given_out: 3,
                recorded: 3,
            })
        );
        assert!(numbering_gap("S".into(), (1, 4), 2, (1, 3)).is_some());
    }

    #[test]
    fn a_report_counts_the_duplicate_numbers() {
        let problems = vec![
            IntegrityProblem::InvoiceWithoutRequest {
                invoice_number: "1".into(),
            },
            duplicate_number("2".into(), 2),
        ];
        let report = report(5, problems);
        assert_eq!((report.invoices, report.duplicate_numbers), (5, 1));
        assert!(!report.holds());
    }

    #[test]
    fn each_row_check_makes_its_own_problem() {
        let checks = row_checks("SELECT 1");
        assert_eq!(checks[0].sql, "SELECT 1");
        let made: Vec<String> = checks
            .iter()
            .map(|check| (check.problem)("a".into(), "b".into()).to_string())
            .collect();
        let names: Vec<&str> = made
            .iter()
            .filter_map(|line| line.split(' ').next())
            .collect();
        assert_eq!(
            names,
            [
                "invoice-not-in-journal",
                "request-without-invoice",
                "invoice-without-request",
                "invoice-not-in-outbox",
                "uploaded-without-receipt",
                "accepted-without-command",
                "command-state-mismatch",
            ]
        );
    }
}
