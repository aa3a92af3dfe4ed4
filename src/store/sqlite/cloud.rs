//! [`CloudStore`] on SQLite: `cloud_invoices`, `cloud_tickets` and the
//! submission journal `cloud_submissions`.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::codec::{During, unique_as};
use crate::error::StoreError;
use crate::invoice::IssuedInvoice;
use crate::platform::{
    CloudStore, CloudSubmission, CloudTicket, NewSubmission, StoredInvoice, SubmissionState,
    TicketResolution,
};
use crate::store::cloud_records::{
    ResolvedTicket, SubmissionRow, TicketRow, check_closing, is_outstanding, received_again,
    record_again, resolve, select_submissions, select_tickets, to_submission, to_ticket,
};
use crate::store::columns::{int, invoice, limit, number_key, to_json};

fn ticket_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
    TicketRow::try_from(row)
}

fn submission_row(row: &Row<'_>) -> rusqlite::Result<SubmissionRow> {
    SubmissionRow::try_from(row)
}

/// Stores an invoice unless the same one is there; `true` when stored. The
/// insert comes first (one statement for a new invoice, the common case); only
/// when a row is already there under the seller and serial number is it read
/// and compared.
fn put_invoice(
    conn: &Connection,
    operation: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
    issued: &IssuedInvoice,
    response_json: &[u8],
) -> Result<bool, StoreError> {
    let key = number_key(&issued.invoice_number);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO cloud_invoices
                 (seller_tax_id, serial_number, invoice_number, invoice_json, response_json)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (seller_tax_id, serial_number) DO NOTHING",
        )
        .during(operation)?
        .execute(params![
            seller_tax_id,
            serial_number,
            key,
            to_json("issued invoice", issued)?,
            response_json
        ])
        .map_err(unique_as(operation, "invoice number", &key))?;
    if inserted == 1 {
        return Ok(true);
    }
    let existing: String = conn
        .prepare_cached(
            "SELECT invoice_json FROM cloud_invoices WHERE seller_tax_id = ?1 AND serial_number = ?2",
        )
        .during(operation)?
        .query_row([seller_tax_id, serial_number], |row| row.get(0))
        .during(operation)?;
    received_again(&existing, issued, seller_tax_id, serial_number)
}

impl CloudStore for SqliteStore {
    fn store_invoice(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        issued: &IssuedInvoice,
        response_json: &[u8],
    ) -> Result<bool, StoreError> {
        const OP: &str = "store a received invoice";
        // One writing statement: the insert.
        self.write_statement(|tx| {
            put_invoice(tx, OP, seller_tax_id, serial_number, issued, response_json)
        })
    }

    fn invoice_by_serial(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<StoredInvoice>, StoreError> {
        const OP: &str = "read a received invoice";
        self.read(OP, |conn| {
            let row: Option<(String, Vec<u8>)> = conn
                .prepare_cached(
                    "SELECT invoice_json, response_json FROM cloud_invoices
                     WHERE seller_tax_id = ?1 AND serial_number = ?2",
                )
                .during(OP)?
                .query_row([seller_tax_id, serial_number], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .during(OP)?;
            row.map(|(json, response_json)| {
                Ok(StoredInvoice {
                    seller_tax_id: seller_tax_id.to_owned(),
                    serial_number: serial_number.to_owned(),
                    invoice: invoice(&json)?,
                    response_json,
                })
            })
            .transpose()
        })
    }

    fn record_ticket(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        ticket: &str,
        now: u64,
    ) -> Result<(), StoreError> {
        const OP: &str = "record a ticket";
        self.write(OP, |tx| {
            let existing: Option<(String, String)> = tx
                .prepare_cached(
                    "SELECT seller_tax_id, serial_number FROM cloud_tickets WHERE ticket = ?1",
                )
                .during(OP)?
                .query_row([ticket], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .during(OP)?;
            match existing {
                Some((seller, serial)) => {
                    record_again(ticket, (&seller, &serial), seller_tax_id, serial_number)
                }
                None => {
                    tx.prepare_cached(
                        "INSERT INTO cloud_tickets
                             (ticket, seller_tax_id, serial_number, recorded_at, state)
                         VALUES (?1, ?2, ?3, ?4, 'OUTSTANDING')",
                    )
                    .during(OP)?
                    .execute(params![ticket, seller_tax_id, serial_number, int(now)])
                    .during(OP)?;
                    Ok(())
                }
            }
        })
    }

    fn outstanding_tickets(&self, max: usize) -> Result<Vec<CloudTicket>, StoreError> {
        const OP: &str = "list outstanding tickets";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(select_tickets!(
                    "FROM cloud_tickets WHERE state = 'OUTSTANDING'
                     ORDER BY recorded_at, rowid LIMIT ?1"
                ))
                .during(OP)?;
            let rows = stmt
                .query_map([limit(max)], ticket_row)
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter().map(to_ticket).collect()
        })
    }

    fn complete_ticket(
        &self,
        ticket: &str,
        resolution: TicketResolution<'_>,
    ) -> Result<bool, StoreError> {
        const OP: &str = "complete a ticket";
        self.write(OP, |tx| {
            let row = tx
                .prepare_cached(select_tickets!("FROM cloud_tickets WHERE ticket = ?1"))
                .during(OP)?
                .query_row([ticket], ticket_row)
                .optional()
                .during(OP)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    what: "ticket",
                    key: ticket.to_owned(),
                });
            };
            let current = to_ticket(row)?;
            if !is_outstanding(&current) {
                return Ok(false);
            }
            let ResolvedTicket {
                state,
                response_json,
                seller,
                issued,
            } = resolve(&current, &resolution)?;
            if let Some(issued) = issued {
                put_invoice(
                    tx,
                    OP,
                    seller,
                    &current.serial_number,
                    issued,
                    response_json,
                )?;
            }
            tx.prepare_cached(
                "UPDATE cloud_tickets SET state = ?2, response_json = ?3, seller_tax_id = ?4
                 WHERE ticket = ?1",
            )
            .during(OP)?
            .execute(params![ticket, state, response_json, seller])
            .during(OP)?;
            Ok(true)
        })
    }

    fn outstanding_tickets_for_serial(
        &self,
        serial_number: &str,
    ) -> Result<Vec<CloudTicket>, StoreError> {
        const OP: &str = "list a request's outstanding tickets";
        self.read_statement(|conn| {
            let mut stmt = conn
                .prepare_cached(select_tickets!(
                    "FROM cloud_tickets
                     WHERE serial_number = ?1 AND state = 'OUTSTANDING'
                     ORDER BY recorded_at, rowid"
                ))
                .during(OP)?;
            let rows = stmt
                .query_map([serial_number], ticket_row)
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter().map(to_ticket).collect()
        })
    }

    fn cloud_ticket(&self, ticket: &str) -> Result<Option<CloudTicket>, StoreError> {
        const OP: &str = "read a ticket";
        self.read(OP, |conn| {
            conn.prepare_cached(select_tickets!("FROM cloud_tickets WHERE ticket = ?1"))
                .during(OP)?
                .query_row([ticket], ticket_row)
                .optional()
                .during(OP)?
                .map(to_ticket)
                .transpose()
        })
    }

    fn record_submission(&self, new: NewSubmission<'_>) -> Result<(), StoreError> {
        const OP: &str = "journal a submission";
        // One writing statement: the upsert.
        self.write_statement(|conn| {
            conn.prepare_cached(
                "INSERT INTO cloud_submissions
                     (seller_tax_id, serial_number, order_der, submitted_at,
                      last_sent_at, attempts, state)
                 VALUES (?1, ?2, ?3, ?4, ?4, 1, 'OUTSTANDING')
                 ON CONFLICT (seller_tax_id, serial_number) DO UPDATE SET
                     order_der = excluded.order_der,
                     last_sent_at = excluded.last_sent_at,
                     attempts = attempts + 1,
                     state = 'OUTSTANDING',
                     closed_at = NULL",
            )
            .during(OP)?
            .execute(params![
                new.seller_tax_id,
                new.serial_number,
                new.order_der,
                int(new.now)
            ])
            .during(OP)?;
            Ok(())
        })
    }

    fn close_submission(
        &self,
        seller_tax_id: Option<&str>,
        serial_number: &str,
        state: SubmissionState,
        now: u64,
    ) -> Result<usize, StoreError> {
        const OP: &str = "close a submission";
        check_closing(state, serial_number)?;
        self.write_statement(|conn| {
            conn.prepare_cached(
                "UPDATE cloud_submissions SET state = ?3, closed_at = ?4
                 WHERE serial_number = ?2 AND state = 'OUTSTANDING'
                   AND (?1 IS NULL OR seller_tax_id = ?1)",
            )
            .during(OP)?
            .execute(params![
                seller_tax_id,
                serial_number,
                state.as_str(),
                int(now)
            ])
            .during(OP)
        })
    }

    fn submission(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<CloudSubmission>, StoreError> {
        const OP: &str = "read a submission";
        self.read(OP, |conn| {
            conn.prepare_cached(select_submissions!(
                "FROM cloud_submissions WHERE seller_tax_id = ?1 AND serial_number = ?2"
            ))
            .during(OP)?
            .query_row([seller_tax_id, serial_number], submission_row)
            .optional()
            .during(OP)?
            .map(to_submission)
            .transpose()
        })
    }

    fn compact_closed_submissions(&self, before: u64, max: usize) -> Result<usize, StoreError> {
        const OP: &str = "compact closed submissions";
        self.write_statement(|conn| {
            conn.prepare_cached(
                "UPDATE cloud_submissions SET order_der = NULL
                 WHERE position IN (
                     SELECT position FROM cloud_submissions
                     WHERE order_der IS NOT NULL AND state != 'OUTSTANDING'
                       AND closed_at < ?1
                     LIMIT ?2)",
            )
            .during(OP)?
            .execute(params![int(before), limit(max)])
            .during(OP)
        })
    }

    fn outstanding_submissions(
        &self,
        after: u64,
        max: usize,
    ) -> Result<Vec<CloudSubmission>, StoreError> {
        const OP: &str = "list outstanding submissions";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(select_submissions!(
                    "FROM cloud_submissions WHERE state = 'OUTSTANDING' AND position > ?1
                     ORDER BY position LIMIT ?2"
                ))
                .during(OP)?;
            let rows = stmt
                .query_map([int(after), limit(max)], submission_row)
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter().map(to_submission).collect()
        })
    }
}
