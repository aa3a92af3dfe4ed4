//! [`DeviceStore`] on PostgreSQL: `number_segments` and `device_journal`.
//!
//! Several nodes number from the same segments: the segment row is locked
//! (`SELECT … FOR UPDATE`) before the journal is read and the number taken, so
//! a second node waits for the first to commit, then sees its journal entry
//! (the same command: the same invoice) or takes the next number.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{During, get, unique_as};
use crate::device::{AllocatedNumber, DeviceIssue, DeviceStore, JournalEntry, NextNumber};
use crate::device::{DeviceFailure, NumberSegment, SegmentState, number_span};
use crate::error::Error;
use crate::error::StoreError;
use crate::invoice::{InvoiceNumber, IssuedInvoice};
use crate::store::columns::{int, kind_key, number_key, to_json, uint};
use crate::store::number_segments::{
    StoredSegment, add_again, allocate, check_built, journal_entry, next_out_of_step,
    no_number_left, overlap, replayed, select_segments,
};
use crate::store::state_keys::format_key;

/// A row of [`select_segments!`]: the segment, checked again, and its next
/// sequence.
fn segment_state(row: &Row, op: &'static str) -> Result<(NumberSegment, u64), StoreError> {
    let stored = StoredSegment {
        segment_id: get(row, 0, op)?,
        device_id: get(row, 1, op)?,
        invoice_kind: get(row, 2, op)?,
        format: get(row, 3, op)?,
        prefix: get(row, 4, op)?,
        first: get(row, 5, op)?,
        last: get(row, 6, op)?,
    };
    Ok((stored.segment()?, uint(get(row, 7, op)?)))
}

fn to_entry(row: &Row, op: &'static str) -> Result<JournalEntry, StoreError> {
    journal_entry(
        get(row, 0, op)?,
        get(row, 1, op)?,
        get(row, 2, op)?,
        get(row, 3, op)?,
    )
}

/// The first usable segment of the device for the kind, locked. A segment
/// another node used up while this one waited for its lock drops out of the
/// `LIMIT 1` without the next one taking its place: the query then runs once
/// more, on what that node committed.
fn lock_usable_segment(
    client: &mut Client,
    op: &'static str,
    device_id: &str,
    kind: &str,
) -> Result<Option<(NumberSegment, u64)>, StoreError> {
    match lock_first_usable(client, op, device_id, kind)? {
        Some(found) => Ok(Some(found)),
        None => lock_first_usable(client, op, device_id, kind),
    }
}

fn lock_first_usable(
    client: &mut Client,
    op: &'static str,
    device_id: &str,
    kind: &str,
) -> Result<Option<(NumberSegment, u64)>, StoreError> {
    client
        .query_opt(
            select_segments!(
                "FROM number_segments
                 WHERE device_id = $1 AND invoice_kind = $2 AND next <= last
                 ORDER BY position LIMIT 1 FOR UPDATE"
            ),
            &[&device_id, &kind],
        )
        .during(op)?
        .map(|row| segment_state(&row, op))
        .transpose()
}

impl DeviceStore for PostgresStore {
    fn add_segment(&self, segment: &NumberSegment) -> Result<(), StoreError> {
        const OP: &str = "add a number segment";
        let (space, span_first, span_last) = segment.span();
        let (format, prefix) = format_key(segment.format());
        self.write(OP, |tx| {
            // Overlap is checked across rows: one segment added at a time.
            tx.batch_execute("LOCK TABLE number_segments IN SHARE ROW EXCLUSIVE MODE")
                .during(OP)?;
            let existing = tx
                .query_opt(
                    select_segments!("FROM number_segments WHERE segment_id = $1"),
                    &[&segment.segment_id()],
                )
                .during(OP)?;
            if let Some(row) = existing {
                return add_again(&segment_state(&row, OP)?.0, segment);
            }
            let overlapping = tx
                .query_opt(
                    "SELECT segment_id FROM number_segments
                     WHERE space = $1 AND span_first <= $3 AND span_last >= $2 LIMIT 1",
                    &[&space, &span_first, &span_last],
                )
                .during(OP)?;
            if let Some(row) = overlapping {
                return Err(overlap(segment, get(&row, 0, OP)?));
            }
            tx.execute(
                "INSERT INTO number_segments
                     (segment_id, device_id, invoice_kind, format, prefix, first, last, next,
                      space, span_first, span_last)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9, $10)",
                &[
                    &segment.segment_id(),
                    &segment.device_id(),
                    &kind_key(segment.invoice_kind()),
                    &format,
                    &prefix,
                    &int(segment.first()),
                    &int(segment.last()),
                    &space,
                    &span_first,
                    &span_last,
                ],
            )
            .during(OP)?;
            Ok(())
        })
    }

    fn segment_of(&self, number: &InvoiceNumber) -> Result<Option<NumberSegment>, StoreError> {
        const OP: &str = "find a number's segment";
        let (space, position) = number_span(number);
        self.read_statement(|client| {
            client
                .query_opt(
                    select_segments!(
                        "FROM number_segments
                         WHERE space = $1 AND span_first <= $2 AND span_last >= $2
                           AND length(span_first) = length($2)
                         LIMIT 1"
                    ),
                    &[&space, &position],
                )
                .during(OP)?
                .map(|row| segment_state(&row, OP).map(|(segment, _)| segment))
                .transpose()
        })
    }

    fn segments(&self, device_id: &str) -> Result<Vec<SegmentState>, StoreError> {
        const OP: &str = "list number segments";
        self.read_statement(|client| {
            client
                .query(
                    select_segments!("FROM number_segments WHERE device_id = $1 ORDER BY position"),
                    &[&device_id],
                )
                .during(OP)?
                .iter()
                .map(|row| {
                    let (segment, next) = segment_state(row, OP)?;
                    Ok(SegmentState { segment, next })
                })
                .collect()
        })
    }

    fn issue_next(
        &self,
        next: &NextNumber<'_>,
        build: &mut dyn FnMut(&AllocatedNumber) -> Result<IssuedInvoice, DeviceFailure>,
    ) -> Result<DeviceIssue, Error> {
        const OP: &str = "issue the next invoice number";
        let kind = kind_key(next.invoice_kind);
        self.write(OP, |tx| {
            // The segment first: a node numbering the same command, or the next
            // one, waits here until this transaction ends.
            let usable = lock_usable_segment(tx, OP, next.device_id, kind)?;
            let recorded = tx
                .query_opt(
                    "SELECT command_digest, invoice_json FROM device_journal
                     WHERE device_id = $1 AND command_id = $2",
                    &[&next.device_id, &next.command_id],
                )
                .during(OP)?;
            if let Some(row) = recorded {
                let digest: &[u8] = get(&row, 0, OP)?;
                return replayed(next, digest, get(&row, 1, OP)?);
            }
            let Some((segment, sequence)) = usable else {
                let any = tx
                    .query_one(
                        "SELECT COUNT(*) FROM number_segments
                         WHERE device_id = $1 AND invoice_kind = $2",
                        &[&next.device_id, &kind],
                    )
                    .during(OP)?;
                return Err(no_number_left(next, get(&any, 0, OP)?));
            };
            let allocated = allocate(&segment, sequence)?;
            let issued = build(&allocated)?;
            check_built(&issued, &allocated)?;
            // The segment moves on and the journal records the number in one
            // statement: the journal row is inserted from the segment row the
            // update returns, so none is inserted when the segment did not move.
            let key = number_key(&allocated.number);
            let journaled = tx
                .execute(
                    "WITH moved AS (
                         UPDATE number_segments SET next = next + 1
                         WHERE segment_id = $4 AND next = $5
                         RETURNING segment_id)
                     INSERT INTO device_journal
                         (device_id, command_id, command_digest, segment_id, sequence,
                          invoice_number, invoice_json)
                     SELECT $1, $2, $3, segment_id, $5, $6, $7 FROM moved",
                    &[
                        &next.device_id,
                        &next.command_id,
                        &&next.command_digest[..],
                        &allocated.segment_id,
                        &int(sequence),
                        &key,
                        &to_json("issued invoice", &issued)?,
                    ],
                )
                .map_err(unique_as(OP, "invoice number", &key))?;
            if journaled != 1 {
                return Err(next_out_of_step(sequence).into());
            }
            Ok(DeviceIssue {
                invoice: issued,
                replayed: false,
            })
        })
    }

    fn issued_for_command(
        &self,
        device_id: &str,
        command_id: &str,
    ) -> Result<Option<JournalEntry>, StoreError> {
        const OP: &str = "read the device journal";
        self.read_statement(|client| {
            client
                .query_opt(
                    "SELECT command_id, segment_id, sequence, invoice_json FROM device_journal
                     WHERE device_id = $1 AND command_id = $2",
                    &[&device_id, &command_id],
                )
                .during(OP)?
                .map(|row| to_entry(&row, OP))
                .transpose()
        })
    }

    fn journal(&self, device_id: &str) -> Result<Vec<JournalEntry>, StoreError> {
        const OP: &str = "read the device journal";
        self.read_statement(|client| {
            client
                .query(
                    "SELECT j.command_id, j.segment_id, j.sequence, j.invoice_json
                     FROM device_journal j JOIN number_segments s USING (segment_id)
                     WHERE j.device_id = $1 ORDER BY s.position, j.sequence",
                    &[&device_id],
                )
                .during(OP)?
                .iter()
                .map(|row| to_entry(row, OP))
                .collect()
        })
    }
}
