//! [`CloudStore`] on SQLite: `cloud_invoices`, `cloud_tickets` and the
//! submission journal `cloud_submissions`.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::codec::{During, unique_as};
use crate::error::StoreError;
use crate::invoice::IssuedInvoice;
use crate::platform::{
    CloudStore, CloudSubmission, CloudTicket, CloudTicketState, NewSubmission, StoredInvoice,
    SubmissionState, TicketResolution,
};
use crate::store::columns::{corrupt_column, int, invoice, limit, number_key, to_json, uint};

/// `SELECT` with a ticket's columns (`ticket_row` reads them), then `$rest`:
/// one literal, so the statement cache gets the same text without formatting it.
macro_rules! select_tickets {
    ($rest:literal) => {
        concat!(
            "SELECT ticket, seller_tax_id, serial_number, recorded_at, state, response_json ",
            $rest
        )
    };
}

type TicketRow = (String, String, String, i64, String, Option<Vec<u8>>);

fn ticket_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
    TicketRow::try_from(row)
}

fn to_ticket(
    (ticket, seller_tax_id, serial_number, recorded_at, state, response_json): TicketRow,
) -> Result<CloudTicket, StoreError> {
    Ok(CloudTicket {
        ticket,
        seller_tax_id,
        serial_number,
        recorded_at: uint(recorded_at),
        state: match state.as_str() {
            "OUTSTANDING" => CloudTicketState::Outstanding,
            "ISSUED" => CloudTicketState::Issued,
            "FAILED" => CloudTicketState::Failed,
            other => return Err(corrupt_column("cloud_tickets.state", other)),
        },
        response_json,
    })
}

/// `SELECT` with a submission's columns (`submission_row` reads them), then
/// `$rest`.
macro_rules! select_submissions {
    ($rest:literal) => {
        concat!(
            "SELECT seller_tax_id, serial_number, order_der, submitted_at, ",
            "last_sent_at, attempts, state, position ",
            $rest
        )
    };
}

type SubmissionRow = (String, String, Option<Vec<u8>>, i64, i64, i64, String, i64);

fn submission_row(row: &Row<'_>) -> rusqlite::Result<SubmissionRow> {
    SubmissionRow::try_from(row)
}

fn to_submission(
    (
        seller_tax_id,
        serial_number,
        order_der,
        submitted_at,
        last_sent_at,
        attempts,
        state,
        position,
    ): SubmissionRow,
) -> Result<CloudSubmission, StoreError> {
    Ok(CloudSubmission {
        seller_tax_id,
        serial_number,
        order_der,
        submitted_at: uint(submitted_at),
        last_sent_at: uint(last_sent_at),
        attempts: uint(attempts),
        state: SubmissionState::from_name(&state)
            .ok_or_else(|| corrupt_column("cloud_submissions.state", &state))?,
        position: uint(position),
    })
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
    if invoice(&existing)? == *issued {
        return Ok(false);
    }
    Err(StoreError::Conflict {
        seller_tax_id: seller_tax_id.to_owned(),
        serial_number: serial_number.to_owned(),
    })
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
                Some((seller, serial)) if seller == seller_tax_id && serial == serial_number => {
                    Ok(())
                }
                Some(_) => Err(StoreError::Duplicate {
                    what: "ticket",
                    key: ticket.to_owned(),
                }),
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
            if current.state != CloudTicketState::Outstanding {
                return Ok(false);
            }
            let (state, response_json, seller) = match resolution {
                TicketResolution::Issued {
                    invoice: issued,
                    response_json,
                } => {
                    // The invoice names its seller (a ticket recorded after a
                    // restart may not know it).
                    let seller = issued.seller_tax_id.as_str();
                    if !current.seller_tax_id.is_empty() && current.seller_tax_id != seller {
                        return Err(StoreError::Mismatch {
                            what: "the invoice's seller against the ticket's",
                            expected: current.seller_tax_id.clone(),
                            found: seller.to_owned(),
                        });
                    }
                    put_invoice(
                        tx,
                        OP,
                        seller,
                        &current.serial_number,
                        issued,
                        response_json,
                    )?;
                    ("ISSUED", response_json, seller)
                }
                TicketResolution::Failed { response_json } => {
                    ("FAILED", response_json, current.seller_tax_id.as_str())
                }
            };
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
        if state == SubmissionState::Outstanding {
            return Err(StoreError::WrongState {
                what: "submission",
                key: serial_number.to_owned(),
                state: "OUTSTANDING",
                expected: "a closing state",
            });
        }
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
