//! [`CloudStore`] on PostgreSQL: `cloud_invoices`, `cloud_tickets` and the
//! submission journal `cloud_submissions`.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{During, get, unique_as};
use crate::error::StoreError;
use crate::invoice::IssuedInvoice;
use crate::platform::{
    CloudStore, CloudSubmission, CloudTicket, CloudTicketState, NewSubmission, StoredInvoice,
    SubmissionState, TicketResolution,
};
use crate::store::columns::{corrupt_column, int, invoice, limit, number_key, to_json, uint};

/// `SELECT` with a ticket's columns (`to_ticket` reads them), then `$rest`.
macro_rules! select_tickets {
    ($rest:literal) => {
        concat!(
            "SELECT ticket, seller_tax_id, serial_number, recorded_at, state, response_json ",
            $rest
        )
    };
}

fn to_ticket(row: &Row, op: &'static str) -> Result<CloudTicket, StoreError> {
    Ok(CloudTicket {
        ticket: get(row, 0, op)?,
        seller_tax_id: get(row, 1, op)?,
        serial_number: get(row, 2, op)?,
        recorded_at: uint(get(row, 3, op)?),
        state: match get::<&str>(row, 4, op)? {
            "OUTSTANDING" => CloudTicketState::Outstanding,
            "ISSUED" => CloudTicketState::Issued,
            "FAILED" => CloudTicketState::Failed,
            other => return Err(corrupt_column("cloud_tickets.state", other)),
        },
        response_json: get(row, 5, op)?,
    })
}

/// `SELECT` with a submission's columns (`to_submission` reads them), then
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

fn to_submission(row: &Row, op: &'static str) -> Result<CloudSubmission, StoreError> {
    let state: &str = get(row, 6, op)?;
    Ok(CloudSubmission {
        seller_tax_id: get(row, 0, op)?,
        serial_number: get(row, 1, op)?,
        order_der: get(row, 2, op)?,
        submitted_at: uint(get(row, 3, op)?),
        last_sent_at: uint(get(row, 4, op)?),
        attempts: uint(get(row, 5, op)?),
        state: SubmissionState::from_name(state)
            .ok_or_else(|| corrupt_column("cloud_submissions.state", state))?,
        position: uint(get(row, 7, op)?),
    })
}

/// Stores an invoice unless the same one is there; `true` when stored.
fn put_invoice(
    client: &mut Client,
    op: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
    issued: &IssuedInvoice,
    response_json: &[u8],
) -> Result<bool, StoreError> {
    let key = number_key(&issued.invoice_number);
    let inserted = client
        .execute(
            "INSERT INTO cloud_invoices
                 (seller_tax_id, serial_number, invoice_number, invoice_json, response_json)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (seller_tax_id, serial_number) DO NOTHING",
            &[
                &seller_tax_id,
                &serial_number,
                &key,
                &to_json("issued invoice", issued)?,
                &response_json,
            ],
        )
        .map_err(unique_as(op, "invoice number", &key))?;
    if inserted == 1 {
        return Ok(true);
    }
    let row = client
        .query_one(
            "SELECT invoice_json FROM cloud_invoices WHERE seller_tax_id = $1 AND serial_number = $2",
            &[&seller_tax_id, &serial_number],
        )
        .during(op)?;
    if invoice(get(&row, 0, op)?)? == *issued {
        return Ok(false);
    }
    Err(StoreError::Conflict {
        seller_tax_id: seller_tax_id.to_owned(),
        serial_number: serial_number.to_owned(),
    })
}

impl CloudStore for PostgresStore {
    fn store_invoice(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        issued: &IssuedInvoice,
        response_json: &[u8],
    ) -> Result<bool, StoreError> {
        const OP: &str = "store a received invoice";
        self.write(OP, |tx| {
            put_invoice(tx, OP, seller_tax_id, serial_number, issued, response_json)
        })
    }

    fn invoice_by_serial(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<StoredInvoice>, StoreError> {
        const OP: &str = "read a received invoice";
        self.read_statement(|client| {
            let row = client
                .query_opt(
                    "SELECT invoice_json, response_json FROM cloud_invoices
                     WHERE seller_tax_id = $1 AND serial_number = $2",
                    &[&seller_tax_id, &serial_number],
                )
                .during(OP)?;
            row.map(|row| {
                Ok(StoredInvoice {
                    seller_tax_id: seller_tax_id.to_owned(),
                    serial_number: serial_number.to_owned(),
                    invoice: invoice(get(&row, 0, OP)?)?,
                    response_json: get(&row, 1, OP)?,
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
            let inserted = tx
                .execute(
                    "INSERT INTO cloud_tickets
                         (ticket, seller_tax_id, serial_number, recorded_at, state)
                     VALUES ($1, $2, $3, $4, 'OUTSTANDING')
                     ON CONFLICT (ticket) DO NOTHING",
                    &[&ticket, &seller_tax_id, &serial_number, &int(now)],
                )
                .during(OP)?;
            if inserted == 1 {
                return Ok(());
            }
            let row = tx
                .query_one(
                    "SELECT seller_tax_id, serial_number FROM cloud_tickets WHERE ticket = $1",
                    &[&ticket],
                )
                .during(OP)?;
            let (seller, serial): (&str, &str) = (get(&row, 0, OP)?, get(&row, 1, OP)?);
            if seller == seller_tax_id && serial == serial_number {
                return Ok(());
            }
            Err(StoreError::Duplicate {
                what: "ticket",
                key: ticket.to_owned(),
            })
        })
    }

    fn outstanding_tickets(&self, max: usize) -> Result<Vec<CloudTicket>, StoreError> {
        const OP: &str = "list outstanding tickets";
        self.read_statement(|client| {
            client
                .query(
                    select_tickets!(
                        "FROM cloud_tickets WHERE state = 'OUTSTANDING'
                         ORDER BY recorded_at, added LIMIT $1"
                    ),
                    &[&limit(max)],
                )
                .during(OP)?
                .iter()
                .map(|row| to_ticket(row, OP))
                .collect()
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
                .query_opt(
                    select_tickets!("FROM cloud_tickets WHERE ticket = $1 FOR UPDATE"),
                    &[&ticket],
                )
                .during(OP)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    what: "ticket",
                    key: ticket.to_owned(),
                });
            };
            let current = to_ticket(&row, OP)?;
            if current.state != CloudTicketState::Outstanding {
                return Ok(false);
            }
            let (state, response_json, seller) = match &resolution {
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
                    ("ISSUED", *response_json, seller)
                }
                TicketResolution::Failed { response_json } => {
                    ("FAILED", *response_json, current.seller_tax_id.as_str())
                }
            };
            tx.execute(
                "UPDATE cloud_tickets SET state = $2, response_json = $3, seller_tax_id = $4
                 WHERE ticket = $1",
                &[&ticket, &state, &response_json, &seller],
            )
            .during(OP)?;
            Ok(true)
        })
    }

    fn outstanding_tickets_for_serial(
        &self,
        serial_number: &str,
    ) -> Result<Vec<CloudTicket>, StoreError> {
        const OP: &str = "list a request's outstanding tickets";
        self.read_statement(|client| {
            client
                .query(
                    select_tickets!(
                        "FROM cloud_tickets
                         WHERE serial_number = $1 AND state = 'OUTSTANDING'
                         ORDER BY recorded_at, added"
                    ),
                    &[&serial_number],
                )
                .during(OP)?
                .iter()
                .map(|row| to_ticket(row, OP))
                .collect()
        })
    }

    fn cloud_ticket(&self, ticket: &str) -> Result<Option<CloudTicket>, StoreError> {
        const OP: &str = "read a ticket";
        self.read_statement(|client| {
            client
                .query_opt(
                    select_tickets!("FROM cloud_tickets WHERE ticket = $1"),
                    &[&ticket],
                )
                .during(OP)?
                .map(|row| to_ticket(&row, OP))
                .transpose()
        })
    }

    fn record_submission(&self, new: NewSubmission<'_>) -> Result<(), StoreError> {
        const OP: &str = "journal a submission";
        self.read_statement(|client| {
            client
                .execute(
                    "INSERT INTO cloud_submissions
                         (seller_tax_id, serial_number, order_der, submitted_at,
                          last_sent_at, attempts, state)
                     VALUES ($1, $2, $3, $4, $4, 1, 'OUTSTANDING')
                     ON CONFLICT (seller_tax_id, serial_number) DO UPDATE SET
                         order_der = excluded.order_der,
                         last_sent_at = excluded.last_sent_at,
                         attempts = cloud_submissions.attempts + 1,
                         state = 'OUTSTANDING',
                         closed_at = NULL",
                    &[
                        &new.seller_tax_id,
                        &new.serial_number,
                        &new.order_der,
                        &int(new.now),
                    ],
                )
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
        self.read_statement(|client| {
            let changed = client
                .execute(
                    "UPDATE cloud_submissions SET state = $3, closed_at = $4
                     WHERE serial_number = $2 AND state = 'OUTSTANDING'
                       AND ($1::TEXT IS NULL OR seller_tax_id = $1)",
                    &[&seller_tax_id, &serial_number, &state.as_str(), &int(now)],
                )
                .during(OP)?;
            Ok(usize::try_from(changed).unwrap_or(usize::MAX))
        })
    }

    fn submission(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<CloudSubmission>, StoreError> {
        const OP: &str = "read a submission";
        self.read_statement(|client| {
            client
                .query_opt(
                    select_submissions!(
                        "FROM cloud_submissions WHERE seller_tax_id = $1 AND serial_number = $2"
                    ),
                    &[&seller_tax_id, &serial_number],
                )
                .during(OP)?
                .map(|row| to_submission(&row, OP))
                .transpose()
        })
    }

    fn compact_closed_submissions(&self, before: u64, max: usize) -> Result<usize, StoreError> {
        const OP: &str = "compact closed submissions";
        self.read_statement(|client| {
            let changed = client
                .execute(
                    "UPDATE cloud_submissions SET order_der = NULL
                     WHERE position IN (
                         SELECT position FROM cloud_submissions
                         WHERE order_der IS NOT NULL AND state != 'OUTSTANDING'
                           AND closed_at < $1
                         LIMIT $2 FOR UPDATE SKIP LOCKED)",
                    &[&int(before), &limit(max)],
                )
                .during(OP)?;
            Ok(usize::try_from(changed).unwrap_or(usize::MAX))
        })
    }

    fn outstanding_submissions(
        &self,
        after: u64,
        max: usize,
    ) -> Result<Vec<CloudSubmission>, StoreError> {
        const OP: &str = "list outstanding submissions";
        self.read_statement(|client| {
            client
                .query(
                    select_submissions!(
                        "FROM cloud_submissions WHERE state = 'OUTSTANDING' AND position > $1
                         ORDER BY position LIMIT $2"
                    ),
                    &[&int(after), &limit(max)],
                )
                .during(OP)?
                .iter()
                .map(|row| to_submission(row, OP))
                .collect()
        })
    }
}
