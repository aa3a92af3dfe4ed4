//! [`IssuingStore`] on SQLite: `requests`, `invoices`, `commands`, and the
//! `outbox` rows they add.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::codec::{During, unique_as};
use crate::error::StoreError;
use crate::invoice::{InvoiceNumber, IssuedInvoice};
use crate::invoice::{Reversal, Reversed};
use crate::platform::{
    CommandOutcome, Completion, IssuingStore, NewCommand, QueuedCommand, Recorded, RequestDigest,
    RequestRecord, TicketRecord,
};
use crate::store::columns::{
    digest32, int, invoice, limit, number_from_key, number_key, to_json, uint,
};
use crate::store::request_records::{self, NewRequest, Settlement, held_quota, same_seller};
use crate::store::state_keys::{
    COMMAND_QUEUED, request_state_from_key, request_state_key, ticket_state_from_key,
};

/// Reads a request's record.
fn load_request(
    conn: &Connection,
    operation: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
) -> Result<Option<RequestRecord>, StoreError> {
    type Row = (Vec<u8>, String, Vec<u8>, Option<String>, Option<String>);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT digest, state, response_json, invoice_number, ticket FROM requests
             WHERE seller_tax_id = ?1 AND serial_number = ?2",
        )
        .during(operation)?
        .query_row([seller_tax_id, serial_number], |row| row.try_into())
        .optional()
        .during(operation)?;
    let Some((digest, state, response_json, number, ticket)) = row else {
        return Ok(None);
    };
    Ok(Some(RequestRecord {
        seller_tax_id: seller_tax_id.to_owned(),
        serial_number: serial_number.to_owned(),
        digest: RequestDigest(digest32("requests.digest", &digest)?),
        state: request_state_from_key(&state)?,
        response_json,
        invoice_number: number.as_deref().map(number_from_key).transpose()?,
        ticket,
    }))
}

/// Records an invoice and its outbox entry.
fn insert_invoice(
    conn: &Connection,
    operation: &'static str,
    seller_tax_id: &str,
    serial_number: &str,
    issued: &IssuedInvoice,
) -> Result<(), StoreError> {
    let key = number_key(&issued.invoice_number);
    let json = to_json("issued invoice", issued)?;
    conn.prepare_cached(
        "INSERT INTO invoices (invoice_number, seller_tax_id, serial_number, invoice_json)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .during(operation)?
    .execute(params![key, seller_tax_id, serial_number, json])
    .map_err(unique_as(operation, "invoice number", &key))?;
    conn.prepare_cached(
        "INSERT INTO outbox (invoice_number, state, attempts, next_attempt_at)
         VALUES (?1, 'PENDING', 0, 0)",
    )
    .during(operation)?
    .execute([&key])
    .map_err(unique_as(operation, "outbox entry", &key))?;
    Ok(())
}

/// Inserts a new request record, or finds the one already there under its
/// seller and serial number (the same request again, `fresh` false), or
/// refuses another request under that serial number
/// ([`StoreError::Conflict`]). Inserting first spares the common case, a new
/// request, the lookup before the insert.
fn insert_request(
    conn: &Connection,
    operation: &'static str,
    new: &NewRequest<'_>,
) -> Result<Recorded, StoreError> {
    let reverses = new.reverses;
    let (what, key) = new.unique_key();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO requests
                 (seller_tax_id, serial_number, digest, state, response_json, invoice_number, ticket,
                  reverses, reversal_total_fen, reversal_amount_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (seller_tax_id, serial_number) DO NOTHING",
        )
        .during(operation)?
        .execute(params![
            new.seller_tax_id,
            new.serial_number,
            &new.digest.0[..],
            request_state_key(new.state),
            new.response_json,
            new.invoice_number,
            new.ticket,
            reverses.map(|r| number_key(&r.original)),
            reverses.map(|r| r.total_fen),
            reverses.map(|r| r.amount_fen),
        ])
        .map_err(unique_as(operation, what, key))?;
    if inserted == 1 {
        return new.inserted();
    }
    new.already_there(load_request(
        conn,
        operation,
        new.seller_tax_id,
        new.serial_number,
    )?)
}

/// The invoice recorded under `number`, if any.
fn load_invoice(
    conn: &Connection,
    operation: &'static str,
    number: &InvoiceNumber,
) -> Result<Option<IssuedInvoice>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT invoice_json FROM invoices WHERE invoice_number = ?1")
        .during(operation)?
        .query_row([number_key(number)], |row| row.get(0))
        .optional()
        .during(operation)?;
    json.as_deref().map(invoice).transpose()
}

/// The sums of the reversals recorded against `original` by requests issued or
/// accepted (pending).
fn load_reversed(
    conn: &Connection,
    operation: &'static str,
    original: &InvoiceNumber,
) -> Result<Reversed, StoreError> {
    let (total_fen, amount_fen) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(reversal_total_fen), 0), COALESCE(SUM(reversal_amount_fen), 0)
             FROM requests
             WHERE reverses = ?1 AND state IN ('ISSUED', 'ACCEPTED')",
        )
        .during(operation)?
        .query_row([number_key(original)], |row| Ok((row.get(0)?, row.get(1)?)))
        .during(operation)?;
    Ok(Reversed {
        total_fen,
        amount_fen,
    })
}

/// Checks a red request's reversal just inserted by this transaction (so that
/// it counts in the sums) against its original and the reds before it; the
/// error rolls the insert back with the transaction.
fn check_inserted_reversal(
    conn: &Connection,
    operation: &'static str,
    seller_tax_id: &str,
    reversal: &Reversal,
) -> Result<(), StoreError> {
    let original = load_invoice(conn, operation, &reversal.original)?;
    let with_this = load_reversed(conn, operation, &reversal.original)?;
    request_records::check_inserted_reversal(seller_tax_id, reversal, original.as_ref(), with_this)
}

/// Reads a ticket with its current answer.
fn load_ticket(
    conn: &Connection,
    operation: &'static str,
    ticket: &str,
) -> Result<Option<TicketRecord>, StoreError> {
    type Row = (
        String,
        String,
        String,
        String,
        Vec<u8>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT c.command_id, c.seller_tax_id, c.serial_number, c.state, r.response_json,
                    i.invoice_json, c.platform
             FROM commands c
             JOIN requests r USING (seller_tax_id, serial_number)
             LEFT JOIN invoices i ON i.invoice_number = r.invoice_number
             WHERE c.ticket = ?1",
        )
        .during(operation)?
        .query_row([ticket], |row| row.try_into())
        .optional()
        .during(operation)?;
    let Some((command_id, seller_tax_id, serial_number, state, response_json, json, platform)) =
        row
    else {
        return Ok(None);
    };
    Ok(Some(TicketRecord {
        ticket: ticket.to_owned(),
        command_id,
        seller_tax_id,
        serial_number,
        state: ticket_state_from_key(&state)?,
        response_json,
        invoice: json.as_deref().map(invoice).transpose()?,
        platform,
    }))
}

impl IssuingStore for SqliteStore {
    fn find_request(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        const OP: &str = "find a request";
        self.read_statement(|conn| load_request(conn, OP, seller_tax_id, serial_number))
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
        self.write(OP, |tx| {
            same_seller(seller_tax_id, issued)?;
            let key = number_key(&issued.invoice_number);
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
        self.write(OP, |tx| {
            let (seller, serial) = (command.seller_tax_id, command.serial_number);
            let recorded = insert_request(tx, OP, &NewRequest::accepted(command))?;
            if !recorded.fresh {
                return Ok(recorded);
            }
            if let Some(reversal) = command.reverses {
                check_inserted_reversal(tx, OP, seller, reversal)?;
            }
            let quota = command.quota.as_ref();
            tx.prepare_cached(
                "INSERT INTO commands
                     (command_id, seller_tax_id, serial_number, ticket, command_bytes, state,
                      quota_reservation_id, quota_month, quota_fen, deadline, platform)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'QUEUED', ?6, ?7, ?8, ?9, ?10)",
            )
            .during(OP)?
            .execute(params![
                command.command_id,
                seller,
                serial,
                command.ticket,
                command.command_bytes,
                quota.map(|q| int(q.reservation_id)),
                quota.map(|q| q.month.to_string()),
                quota.map(|q| q.amount_fen),
                int(command.deadline_unix),
                command.platform,
            ])
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
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT command_id, serial_number, ticket, command_bytes, deadline FROM commands
                     WHERE seller_tax_id = ?1 AND state = 'QUEUED' ORDER BY rowid LIMIT ?2",
                )
                .during(OP)?;
            stmt.query_map(params![seller_tax_id, limit(max)], |row| {
                Ok(QueuedCommand {
                    command_id: row.get(0)?,
                    seller_tax_id: seller_tax_id.to_owned(),
                    serial_number: row.get(1)?,
                    ticket: row.get(2)?,
                    command_bytes: row.get(3)?,
                    deadline_unix: uint(row.get(4)?),
                })
            })
            .during(OP)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .during(OP)
        })
    }

    fn queued_past_deadline(&self, now: u64, max: usize) -> Result<Vec<QueuedCommand>, StoreError> {
        const OP: &str = "list queued commands past their deadline";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT command_id, seller_tax_id, serial_number, ticket, command_bytes, deadline
                     FROM commands
                     WHERE state = 'QUEUED' AND deadline > 0 AND deadline < ?1
                     ORDER BY rowid LIMIT ?2",
                )
                .during(OP)?;
            stmt.query_map(params![int(now), limit(max)], |row| {
                Ok(QueuedCommand {
                    command_id: row.get(0)?,
                    seller_tax_id: row.get(1)?,
                    serial_number: row.get(2)?,
                    ticket: row.get(3)?,
                    command_bytes: row.get(4)?,
                    deadline_unix: uint(row.get(5)?),
                })
            })
            .during(OP)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .during(OP)
        })
    }

    fn queued_command(&self, command_id: &str) -> Result<Option<QueuedCommand>, StoreError> {
        const OP: &str = "read a queued command";
        self.read(OP, |conn| {
            conn.prepare_cached(
                "SELECT seller_tax_id, serial_number, ticket, command_bytes, deadline
                 FROM commands WHERE command_id = ?1",
            )
            .during(OP)?
            .query_row([command_id], |row| {
                Ok(QueuedCommand {
                    command_id: command_id.to_owned(),
                    seller_tax_id: row.get(0)?,
                    serial_number: row.get(1)?,
                    ticket: row.get(2)?,
                    command_bytes: row.get(3)?,
                    deadline_unix: uint(row.get(4)?),
                })
            })
            .optional()
            .during(OP)
        })
    }

    fn complete_command(
        &self,
        command_id: &str,
        outcome: CommandOutcome<'_>,
    ) -> Result<Completion, StoreError> {
        const OP: &str = "complete a command";
        self.write(OP, |tx| {
            type Row = (
                String,
                String,
                String,
                String,
                Option<i64>,
                Option<String>,
                Option<i64>,
            );
            let row: Option<Row> = tx
                .prepare_cached(
                    "SELECT seller_tax_id, serial_number, ticket, state,
                            quota_reservation_id, quota_month, quota_fen
                     FROM commands WHERE command_id = ?1",
                )
                .during(OP)?
                .query_row([command_id], |row| row.try_into())
                .optional()
                .during(OP)?;
            let Some((seller, serial, ticket, state, reservation_id, month, quota_fen)) = row
            else {
                return Err(StoreError::NotFound {
                    what: "queued command",
                    key: command_id.to_owned(),
                });
            };
            let first_time = state == COMMAND_QUEUED;
            let quota = held_quota(first_time, (reservation_id, month, quota_fen))?;
            if first_time {
                let Settlement {
                    command_state,
                    request_state,
                    response_json,
                    issued,
                } = Settlement::of(outcome);
                tx.prepare_cached("UPDATE commands SET state = ?2 WHERE command_id = ?1")
                    .during(OP)?
                    .execute([command_id, command_state])
                    .during(OP)?;
                if let Some(issued) = issued {
                    same_seller(&seller, issued)?;
                }
                let number = issued.map(|i| number_key(&i.invoice_number));
                tx.prepare_cached(
                    "UPDATE requests SET state = ?3, response_json = ?4, invoice_number = ?5
                     WHERE seller_tax_id = ?1 AND serial_number = ?2",
                )
                .during(OP)?
                .execute(params![
                    seller,
                    serial,
                    request_state_key(request_state),
                    response_json,
                    number,
                ])
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
        self.read(OP, |conn| load_ticket(conn, OP, ticket))
    }

    fn original_invoice(
        &self,
        number: &InvoiceNumber,
    ) -> Result<Option<IssuedInvoice>, StoreError> {
        const OP: &str = "read an original invoice";
        self.read_statement(|conn| load_invoice(conn, OP, number))
    }

    fn reversed_so_far(&self, original: &InvoiceNumber) -> Result<Reversed, StoreError> {
        const OP: &str = "sum the reversals of an invoice";
        self.read_statement(|conn| load_reversed(conn, OP, original))
    }
}
