//! [`DeviceStore`] on PostgreSQL: `number_segments` and `device_journal`.
//!
//! Several nodes number from the same segments: the segment row is locked
//! (`SELECT … FOR UPDATE`) before the journal is read and the number taken, so
//! a second node waits for the first to commit, then sees its journal entry
//! (the same command: the same invoice) or takes the next number.

use postgres::Row;

use super::Client;

use super::PostgresStore;
use super::codec::{
    During, corrupt_column, digest32, get, int, invoice, kind_from_key, kind_key, number_key,
    to_json, uint, unique_as,
};
use crate::device::{
    AllocatedNumber, DeviceFailure, NumberFormat, NumberSegment, SegmentState, number_span,
};
use crate::device::{DeviceIssue, DeviceStore, JournalEntry, NextNumber};
use crate::error::Error;
use crate::error::StoreError;
use crate::invoice::{InvoiceNumber, IssuedInvoice};

/// `SELECT` with a segment's columns (`segment_state` reads them), then `$rest`.
macro_rules! select_segments {
    ($rest:literal) => {
        concat!(
            "SELECT segment_id, device_id, invoice_kind, format, prefix, first, last, next ",
            $rest
        )
    };
}

fn segment_state(row: &Row, op: &'static str) -> Result<(NumberSegment, u64), StoreError> {
    let kind = kind_from_key(&get::<String>(row, 2, op)?)?;
    let prefix: String = get(row, 4, op)?;
    let format = match get::<String>(row, 3, op)?.as_str() {
        "DIGITAL" => NumberFormat::Digital { prefix },
        "LEGACY" => NumberFormat::Legacy {
            invoice_code: prefix,
        },
        other => return Err(corrupt_column("format", other)),
    };
    let segment_id: String = get(row, 0, op)?;
    let segment = NumberSegment::new(
        &segment_id,
        &get::<String>(row, 1, op)?,
        kind,
        format,
        uint(get(row, 5, op)?),
        uint(get(row, 6, op)?),
    )
    .map_err(|_| corrupt_column("segment_id", &segment_id))?;
    Ok((segment, uint(get(row, 7, op)?)))
}

fn to_entry(row: &Row, op: &'static str) -> Result<JournalEntry, StoreError> {
    Ok(JournalEntry {
        command_id: get(row, 0, op)?,
        segment_id: get(row, 1, op)?,
        sequence: uint(get(row, 2, op)?),
        invoice: invoice(&get::<String>(row, 3, op)?)?,
    })
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
        let (format, prefix) = match segment.format() {
            NumberFormat::Digital { prefix } => ("DIGITAL", prefix.as_str()),
            NumberFormat::Legacy { invoice_code } => ("LEGACY", invoice_code.as_str()),
        };
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
                if segment_state(&row, OP)?.0 == *segment {
                    return Ok(());
                }
                return Err(StoreError::Duplicate {
                    what: "number segment",
                    key: segment.segment_id().to_owned(),
                });
            }
            let overlapping = tx
                .query_opt(
                    "SELECT segment_id FROM number_segments
                     WHERE space = $1 AND span_first <= $3 AND span_last >= $2 LIMIT 1",
                    &[&space, &span_first, &span_last],
                )
                .during(OP)?;
            if let Some(row) = overlapping {
                return Err(StoreError::SegmentOverlap {
                    segment_id: segment.segment_id().to_owned(),
                    existing: get(&row, 0, OP)?,
                });
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
                let digest: Vec<u8> = get(&row, 0, OP)?;
                if digest32("command_digest", &digest)? != *next.command_digest {
                    return Err(DeviceFailure::CommandConflict {
                        command_id: next.command_id.to_owned(),
                    }
                    .into());
                }
                return Ok(DeviceIssue {
                    invoice: invoice(&get::<String>(&row, 1, OP)?)?,
                    replayed: true,
                });
            }
            let Some((segment, sequence)) = usable else {
                let any = tx
                    .query_one(
                        "SELECT COUNT(*) FROM number_segments
                         WHERE device_id = $1 AND invoice_kind = $2",
                        &[&next.device_id, &kind],
                    )
                    .during(OP)?;
                let any: i64 = get(&any, 0, OP)?;
                let device_id = next.device_id.to_owned();
                let invoice_kind = next.invoice_kind;
                return Err(Error::Device(if any == 0 {
                    DeviceFailure::NoSegment {
                        device_id,
                        invoice_kind,
                    }
                } else {
                    DeviceFailure::SegmentExhausted {
                        device_id,
                        invoice_kind,
                    }
                }));
            };
            let number = segment
                .number(sequence)
                .ok_or_else(|| corrupt_column("next", &sequence.to_string()))?;
            let allocated = AllocatedNumber {
                segment_id: segment.segment_id().to_owned(),
                sequence,
                number,
            };
            let issued = build(&allocated)?;
            if issued.invoice_number != allocated.number {
                return Err(DeviceFailure::InvalidCommand {
                    problem: "the invoice does not carry the number allocated to it",
                }
                .into());
            }
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
                return Err(corrupt_column("next", &sequence.to_string()).into());
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
