//! [`IssuingStore`] on PostgreSQL: `requests`, `invoices`, `commands`, and the
//! `outbox` rows they add.
//!
//! The same request may reach two nodes at once. Inside a unit of work,
//! [`IssuingStore::find_request`] first takes a transaction-scoped advisory
//! lock on the request's seller and serial number, so the second node waits
//! until the first commits and then finds its record (and answers with it).
//! Outside one, the unique keys decide: a request record is inserted with
//! `ON CONFLICT DO NOTHING` and read back, as in the SQLite store. Queued
//! commands are handed out with `FOR UPDATE SKIP LOCKED`: two pulls running at
//! once never get the same command.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{During, get, unique_as};
use crate::error::StoreError;
use crate::invoice::{InvoiceNumber, IssuedInvoice};
use crate::invoice::{Reversal, Reversed};
use crate::platform::{
    CommandOutcome, Completion, IssuingStore, NewCommand, QueuedCommand, Recorded, RequestDigest,
    RequestRecord, TicketRecord,
};
use crate::store::columns::{
    corrupt_column, digest32, int, invoice, limit, number_from_key, number_key, to_json, uint,
};
use crate::store::request_records::{self, NewRequest, Settlement, held_quota, same_seller};
use crate::store::state_keys::{
    COMMAND_QUEUED, request_state_from_key, request_state_key, ticket_state_from_key,
};

/// Reads a request's record.
fn load_request(
    client: &mut Client,
    op: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
) -> Result<Option<RequestRecord>, StoreError> {
    let row = client
        .query_opt(
            "SELECT digest, state, response_json, invoice_number, ticket FROM requests
             WHERE seller_tax_id = $1 AND serial_number = $2",
            &[&seller_tax_id, &serial_number],
        )
        .during(op)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let number: Option<&str> = get(&row, 3, op)?;
    Ok(Some(RequestRecord {
        seller_tax_id: seller_tax_id.to_owned(),
        serial_number: serial_number.to_owned(),
        digest: RequestDigest(digest32("requests.digest", get(&row, 0, op)?)?),
        state: request_state_from_key(get(&row, 1, op)?)?,
        response_json: get(&row, 2, op)?,
        invoice_number: number.map(number_from_key).transpose()?,
        ticket: get(&row, 4, op)?,
    }))
}

/// Records an invoice and its outbox entry.
fn insert_invoice(
    client: &mut Client,
    op: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
    issued: &IssuedInvoice,
) -> Result<(), StoreError> {
    let key = number_key(&issued.invoice_number);
    let json = to_json("issued invoice", issued)?;
    // One statement, one round trip: the outbox entry is inserted from the
    // invoice row the first insert returns.
    let queued = client
        .execute(
            "WITH invoice AS (
                 INSERT INTO invoices (invoice_number, seller_tax_id, serial_number, invoice_json)
                 VALUES ($1, $2, $3, $4)
                 RETURNING invoice_number)
             INSERT INTO outbox (invoice_number, state, attempts, next_attempt_at)
             SELECT invoice_number, 'PENDING', 0, 0 FROM invoice",
            &[&key, &seller_tax_id, &serial_number, &json],
        )
        .map_err(unique_as(op, "invoice number", &key))?;
    if queued != 1 {
        return Err(corrupt_column("outbox.invoice_number", &key));
    }
    Ok(())
}

/// Inserts a request record, or finds the one already there under its seller
/// and serial number (the same request again, `fresh` false), or refuses
/// another request under that serial number ([`StoreError::Conflict`]).
fn insert_request(
    client: &mut Client,
    op: &'static str,
    new: &NewRequest<'_>,
) -> Result<Recorded, StoreError> {
    let reverses = new.reverses;
    let (what, key) = new.unique_key();
    let inserted = client
        .execute(
            "INSERT INTO requests
                 (seller_tax_id, serial_number, digest, state, response_json, invoice_number,
                  ticket, reverses, reversal_total_fen, reversal_amount_fen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (seller_tax_id, serial_number) DO NOTHING",
            &[
                &new.seller_tax_id,
                &new.serial_number,
                &&new.digest.0[..],
                &request_state_key(new.state),
                &new.response_json,
                &new.invoice_number,
                &new.ticket,
                &reverses.map(|r| number_key(&r.original)),
                &reverses.map(|r| r.total_fen),
                &reverses.map(|r| r.amount_fen),
            ],
        )
        .map_err(unique_as(op, what, key))?;
    if inserted == 1 {
        return new.inserted();
    }
    // The row the insert met was committed by another transaction (the insert
    // waited for it): this statement sees it.
    new.already_there(load_request(
        client,
        op,
        new.seller_tax_id,
        new.serial_number,
    )?)
}

/// The invoice recorded under `number` (`FOR UPDATE` when `lock`), if any.
fn load_invoice(
    client: &mut Client,
    op: &'static str,
    number: &InvoiceNumber,
    lock: bool,
) -> Result<Option<IssuedInvoice>, StoreError> {
    let sql = if lock {
        "SELECT invoice_json FROM invoices WHERE invoice_number = $1 FOR UPDATE"
    } else {
        "SELECT invoice_json FROM invoices WHERE invoice_number = $1"
    };
    client
        .query_opt(sql, &[&number_key(number)])
        .during(op)?
        .map(|row| invoice(get(&row, 0, op)?))
        .transpose()
}

/// The sums of the reversals recorded against `original` by requests issued or
/// accepted (pending).
fn load_reversed(
    client: &mut Client,
    op: &'static str,
    original: &InvoiceNumber,
) -> Result<Reversed, StoreError> {
    let row = client
        .query_one(
            "SELECT COALESCE(SUM(reversal_total_fen), 0)::BIGINT,
                    COALESCE(SUM(reversal_amount_fen), 0)::BIGINT
             FROM requests
             WHERE reverses = $1 AND state IN ('ISSUED', 'ACCEPTED')",
            &[&number_key(original)],
        )
        .during(op)?;
    Ok(Reversed {
        total_fen: get(&row, 0, op)?,
        amount_fen: get(&row, 1, op)?,
    })
}

/// Checks a red request's reversal just inserted by this transaction against
/// its original and the reds before it. The original's row is locked first,
/// so reds against one original are checked one transaction at a time, each
/// seeing the ones committed before it.
fn check_inserted_reversal(
    client: &mut Client,
    op: &'static str,
    seller_tax_id: &str,
    reversal: &Reversal,
) -> Result<(), StoreError> {
    let original = load_invoice(client, op, &reversal.original, true)?;
    let with_this = load_reversed(client, op, &reversal.original)?;
    request_records::check_inserted_reversal(seller_tax_id, reversal, original.as_ref(), with_this)
}

/// Reads a ticket with its current answer.
fn load_ticket(
    client: &mut Client,
    op: &'static str,
    ticket: &str,
) -> Result<Option<TicketRecord>, StoreError> {
    let row = client
        .query_opt(
            "SELECT c.command_id, c.seller_tax_id, c.serial_number, c.state, r.response_json,
                    i.invoice_json, c.platform
             FROM commands c
             JOIN requests r USING (seller_tax_id, serial_number)
             LEFT JOIN invoices i ON i.invoice_number = r.invoice_number
             WHERE c.ticket = $1",
            &[&ticket],
        )
        .during(op)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let json: Option<&str> = get(&row, 5, op)?;
    Ok(Some(TicketRecord {
        ticket: ticket.to_owned(),
        command_id: get(&row, 0, op)?,
        seller_tax_id: get(&row, 1, op)?,
        serial_number: get(&row, 2, op)?,
        state: ticket_state_from_key(get(&row, 3, op)?)?,
        response_json: get(&row, 4, op)?,
        invoice: json.map(invoice).transpose()?,
        platform: get(&row, 6, op)?,
    }))
}

/// A queued command from a row of `command_id, seller_tax_id, serial_number,
/// ticket, command_bytes, deadline`.
fn queued(row: &Row, op: &'static str) -> Result<QueuedCommand, StoreError> {
    Ok(QueuedCommand {
        command_id: get(row, 0, op)?,
        seller_tax_id: get(row, 1, op)?,
        serial_number: get(row, 2, op)?,
        ticket: get(row, 3, op)?,
        command_bytes: get(row, 4, op)?,
        deadline_unix: uint(get(row, 5, op)?),
    })
}

impl IssuingStore for PostgresStore {
    fn find_request(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        const OP: &str = "find a request";
        self.with_client(OP, |client, in_unit| {
            if in_unit {
                // Until this unit ends, no other node handles this request.
                client
                    .execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 1))",
                        &[&seller_tax_id, &serial_number],
                    )
                    .during(OP)?;
            }
            load_request(client, OP, seller_tax_id, serial_number)
        })?
    }

    fn record_issued(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        digest: &RequestDigest,
        issued: &IssuedInvoice,
        response_json: &[u8],
        reverses: Option<&Reversal>,
    ) -> Result<Recorded, StoreError> {
        const OP: &str = "record an issued invoice";
        same_seller(seller_tax_id, issued)?;
        let key = number_key(&issued.invoice_number);
        self.write(OP, |tx| {
            let recorded = insert_request(
                tx,
                OP,
                &NewRequest::issued(
                    (seller_tax_id, serial_number, digest),
                    response_json,
                    &key,
                    reverses,
                ),
            )?;
            if recorded.fresh {
                if let Some(reversal) = reverses {
                    check_inserted_reversal(tx, OP, seller_tax_id, reversal)?;
                }
                insert_invoice(tx, OP, seller_tax_id, serial_number, issued)?;
            }
            Ok(recorded)
        })
    }

    fn record_refused(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        digest: &RequestDigest,
        response_json: &[u8],
    ) -> Result<Recorded, StoreError> {
        const OP: &str = "record a refused request";
        self.write(OP, |tx| {
            insert_request(
                tx,
                OP,
                &NewRequest::refused((seller_tax_id, serial_number, digest), response_json),
            )
        })
    }

    fn enqueue_command(&self, command: &NewCommand<'_>) -> Result<Recorded, StoreError> {
        const OP: &str = "queue a command";
        let (seller, serial) = (command.seller_tax_id, command.serial_number);
        self.write(OP, |tx| {
            let recorded = insert_request(tx, OP, &NewRequest::accepted(command))?;
            if !recorded.fresh {
                return Ok(recorded);
            }
            if let Some(reversal) = command.reverses {
                check_inserted_reversal(tx, OP, seller, reversal)?;
            }
            let quota = command.quota.as_ref();
            tx.execute(
                "INSERT INTO commands
                     (command_id, seller_tax_id, serial_number, ticket, command_bytes, state,
                      quota_reservation_id, quota_month, quota_fen, deadline, platform)
                 VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, $7, $8, $9, $10)",
                &[
                    &command.command_id,
                    &seller,
                    &serial,
                    &command.ticket,
                    &command.command_bytes,
                    &quota.map(|q| int(q.reservation_id)),
                    &quota.map(|q| q.month.to_string()),
                    &quota.map(|q| q.amount_fen),
                    &int(command.deadline_unix),
                    &command.platform,
                ],
            )
            .map_err(unique_as(OP, "command", command.command_id))?;
            Ok(recorded)
        })
    }

    fn pending_commands(
        &self,
        seller_tax_id: &str,
        max: usize,
    ) -> Result<Vec<QueuedCommand>, StoreError> {
        const OP: &str = "list queued commands";
        // Locked until this pull's transaction ends: a pull on another node
        // meanwhile skips them.
        self.read_statement(|client| {
            client
                .query(
                    "SELECT command_id, seller_tax_id, serial_number, ticket, command_bytes,
                            deadline
                     FROM commands WHERE seller_tax_id = $1 AND state = 'QUEUED'
                     ORDER BY queued LIMIT $2 FOR UPDATE SKIP LOCKED",
                    &[&seller_tax_id, &limit(max)],
                )
                .during(OP)?
                .iter()
                .map(|row| queued(row, OP))
                .collect()
        })
    }

    fn queued_past_deadline(&self, now: u64, max: usize) -> Result<Vec<QueuedCommand>, StoreError> {
        const OP: &str = "list queued commands past their deadline";
        self.read_statement(|client| {
            client
                .query(
                    "SELECT command_id, seller_tax_id, serial_number, ticket, command_bytes,
                            deadline
                     FROM commands
                     WHERE state = 'QUEUED' AND deadline > 0 AND deadline < $1
                     ORDER BY queued LIMIT $2 FOR UPDATE SKIP LOCKED",
                    &[&int(now), &limit(max)],
                )
                .during(OP)?
                .iter()
                .map(|row| queued(row, OP))
                .collect()
        })
    }

    fn queued_command(&self, command_id: &str) -> Result<Option<QueuedCommand>, StoreError> {
        const OP: &str = "read a queued command";
        self.read_statement(|client| {
            client
                .query_opt(
                    "SELECT command_id, seller_tax_id, serial_number, ticket, command_bytes,
                            deadline
                     FROM commands WHERE command_id = $1",
                    &[&command_id],
                )
                .during(OP)?
                .map(|row| queued(&row, OP))
                .transpose()
        })
    }

    fn complete_command(
        &self,
        command_id: &str,
        outcome: CommandOutcome<'_>,
    ) -> Result<Completion, StoreError> {
        const OP: &str = "complete a command";
        self.write(OP, |tx| {
            let row = tx
                .query_opt(
                    "SELECT seller_tax_id, serial_number, ticket, state,
                            quota_reservation_id, quota_month, quota_fen
                     FROM commands WHERE command_id = $1 FOR UPDATE",
                    &[&command_id],
                )
                .during(OP)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    what: "queued command",
                    key: command_id.to_owned(),
                });
            };
            let seller: String = get(&row, 0, OP)?;
            let serial: String = get(&row, 1, OP)?;
            let ticket: String = get(&row, 2, OP)?;
            let first_time = get::<&str>(&row, 3, OP)? == COMMAND_QUEUED;
            let held = (get(&row, 4, OP)?, get(&row, 5, OP)?, get(&row, 6, OP)?);
            let quota = held_quota(first_time, held)?;
            if first_time {
                let Settlement {
                    command_state,
                    request_state,
                    response_json,
                    issued,
                } = Settlement::of(outcome);
                if let Some(issued) = issued {
                    same_seller(&seller, issued)?;
                }
                tx.execute(
                    "UPDATE commands SET state = $2 WHERE command_id = $1",
                    &[&command_id, &command_state],
                )
                .during(OP)?;
                let number = issued.map(|i| number_key(&i.invoice_number));
                tx.execute(
                    "UPDATE requests SET state = $3, response_json = $4, invoice_number = $5
                     WHERE seller_tax_id = $1 AND serial_number = $2",
                    &[
                        &seller,
                        &serial,
                        &request_state_key(request_state),
                        &response_json,
                        &number,
                    ],
                )
                .map_err(unique_as(
                    OP,
                    "invoice number",
                    number.as_deref().unwrap_or(""),
                ))?;
                if let Some(issued) = issued {
                    insert_invoice(tx, OP, &seller, &serial, issued)?;
                }
            }
            let ticket = load_ticket(tx, OP, &ticket)?.ok_or_else(|| StoreError::NotFound {
                what: "ticket",
                key: ticket.clone(),
            })?;
            Ok(Completion {
                ticket,
                first_time,
                quota,
            })
        })
    }

    fn ticket(&self, ticket: &str) -> Result<Option<TicketRecord>, StoreError> {
        const OP: &str = "read a ticket";
        self.read_statement(|client| load_ticket(client, OP, ticket))
    }

    fn original_invoice(
        &self,
        number: &InvoiceNumber,
    ) -> Result<Option<IssuedInvoice>, StoreError> {
        const OP: &str = "read an original invoice";
        self.read_statement(|client| load_invoice(client, OP, number, false))
    }

    fn reversed_so_far(&self, original: &InvoiceNumber) -> Result<Reversed, StoreError> {
        const OP: &str = "sum the reversals of an invoice";
        self.read_statement(|client| load_reversed(client, OP, original))
    }
}
