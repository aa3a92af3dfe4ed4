//! [`CloudStore`] on PostgreSQL: `cloud_invoices`, `cloud_tickets` and the
//! submission journal `cloud_submissions`.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{During, columns, get, unique_as};
use crate::error::StoreError;
use crate::invoice::IssuedInvoice;
use crate::platform::{
    CloudStore, CloudSubmission, CloudTicket, NewSubmission, StoredInvoice, SubmissionState,
    TicketResolution,
};
use crate::store::cloud_records::{
    self, ResolvedTicket, check_closing, is_outstanding, received_again, record_again, resolve,
    select_submissions, select_tickets,
};
use crate::store::columns::{int, invoice, limit, number_key, to_json};

/// A ticket from a row of [`select_tickets!`].
fn to_ticket(row: &Row, op: &'static str) -> Result<CloudTicket, StoreError> {
    cloud_records::to_ticket(columns(row, op)?)
}

/// A journal entry from a row of [`select_submissions!`].
fn to_submission(row: &Row, op: &'static str) -> Result<CloudSubmission, StoreError> {
    cloud_records::to_submission(columns(row, op)?)
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
    received_again(get(&row, 0, op)?, issued, seller_tax_id, serial_number)
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
            let holder = (get(&row, 0, OP)?, get(&row, 1, OP)?);
            record_again(ticket, holder, seller_tax_id, serial_number)
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
        check_closing(state, serial_number)?;
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
