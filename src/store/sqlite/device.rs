//! [`DeviceStore`] on SQLite: `number_segments` and `device_journal`.

use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use super::codec::{During, unique_as};
use crate::device::{AllocatedNumber, DeviceFailure, NumberSegment, SegmentState, number_span};
use crate::device::{DeviceIssue, DeviceStore, JournalEntry, NextNumber};
use crate::error::Error;
use crate::error::StoreError;
use crate::invoice::{InvoiceNumber, IssuedInvoice};
use crate::store::columns::{int, kind_key, number_key, to_json, uint};
use crate::store::number_segments::{
    StoredSegment, add_again, allocate, check_built, journal_entry, next_out_of_step,
    no_number_left, overlap, replayed, select_segments,
};
use crate::store::state_keys::format_key;

/// A row of [`select_segments!`]: the segment as stored and its next sequence.
fn segment_state(row: &Row<'_>) -> rusqlite::Result<(StoredSegment, u64)> {
    Ok((
        StoredSegment {
            segment_id: row.get(0)?,
            device_id: row.get(1)?,
            invoice_kind: row.get(2)?,
            format: row.get(3)?,
            prefix: row.get(4)?,
            first: row.get(5)?,
            last: row.get(6)?,
        },
        uint(row.get(7)?),
    ))
}

fn journal_row(row: &Row<'_>) -> rusqlite::Result<(String, String, i64, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn to_entry(
    (command_id, segment_id, sequence, json): (String, String, i64, String),
) -> Result<JournalEntry, StoreError> {
    journal_entry(command_id, segment_id, sequence, &json)
}

impl DeviceStore for SqliteStore {
    fn add_segment(&self, segment: &NumberSegment) -> Result<(), StoreError> {
        const OP: &str = "add a number segment";
        let (space, span_first, span_last) = segment.span();
        let (format, prefix) = format_key(segment.format());
        self.write(OP, |tx| {
            let existing = tx
                .prepare_cached(select_segments!(
                    "FROM number_segments WHERE segment_id = ?1"
                ))
                .during(OP)?
                .query_row([segment.segment_id()], segment_state)
                .optional()
                .during(OP)?;
            if let Some((row, _)) = existing {
                return add_again(&row.segment()?, segment);
            }
            let overlapping: Option<String> = tx
                .prepare_cached(
                    "SELECT segment_id FROM number_segments
                     WHERE space = ?1 AND span_first <= ?3 AND span_last >= ?2 LIMIT 1",
                )
                .during(OP)?
                .query_row([&space, &span_first, &span_last], |row| row.get(0))
                .optional()
                .during(OP)?;
            if let Some(existing) = overlapping {
                return Err(overlap(segment, existing));
            }
            tx.prepare_cached(
                "INSERT INTO number_segments
                     (segment_id, device_id, invoice_kind, format, prefix, first, last, next,
                      space, span_first, span_last, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8, ?9, ?10,
                         (SELECT COALESCE(MAX(position), 0) + 1 FROM number_segments))",
            )
            .during(OP)?
            .execute(params![
                segment.segment_id(),
                segment.device_id(),
                kind_key(segment.invoice_kind()),
                format,
                prefix,
                int(segment.first()),
                int(segment.last()),
                space,
                span_first,
                span_last,
            ])
            .during(OP)?;
            Ok(())
        })
    }

    fn segment_of(&self, number: &InvoiceNumber) -> Result<Option<NumberSegment>, StoreError> {
        const OP: &str = "find a number's segment";
        let (space, position) = number_span(number);
        self.read(OP, |conn| {
            let found = conn
                .prepare_cached(select_segments!(
                    "FROM number_segments
                     WHERE space = ?1 AND span_first <= ?2 AND span_last >= ?2
                       AND length(span_first) = length(?2)
                     LIMIT 1"
                ))
                .during(OP)?
                .query_row([&space, &position], segment_state)
                .optional()
                .during(OP)?;
            found.map(|(row, _)| row.segment()).transpose()
        })
    }

    fn segments(&self, device_id: &str) -> Result<Vec<SegmentState>, StoreError> {
        const OP: &str = "list number segments";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(select_segments!(
                    "FROM number_segments WHERE device_id = ?1 ORDER BY position"
                ))
                .during(OP)?;
            let rows = stmt
                .query_map([device_id], segment_state)
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter()
                .map(|(row, next)| {
                    Ok(SegmentState {
                        segment: row.segment()?,
                        next,
                    })
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
        self.write(OP, |tx| {
            let recorded: Option<(Vec<u8>, String)> = tx
                .prepare_cached(
                    "SELECT command_digest, invoice_json FROM device_journal
                     WHERE device_id = ?1 AND command_id = ?2",
                )
                .during(OP)?
                .query_row([next.device_id, next.command_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .during(OP)?;
            if let Some((digest, json)) = recorded {
                return replayed(next, &digest, &json);
            }
            let kind = kind_key(next.invoice_kind);
            let usable = tx
                .prepare_cached(select_segments!(
                    "FROM number_segments
                     WHERE device_id = ?1 AND invoice_kind = ?2 AND next <= last
                     ORDER BY position LIMIT 1"
                ))
                .during(OP)?
                .query_row([next.device_id, kind], segment_state)
                .optional()
                .during(OP)?;
            let Some((row, sequence)) = usable else {
                let any: i64 = tx
                    .prepare_cached(
                        "SELECT COUNT(*) FROM number_segments
                         WHERE device_id = ?1 AND invoice_kind = ?2",
                    )
                    .during(OP)?
                    .query_row([next.device_id, kind], |row| row.get(0))
                    .during(OP)?;
                return Err(no_number_left(next, any));
            };
            let allocated = allocate(&row.segment()?, sequence)?;
            let issued = build(&allocated)?;
            check_built(&issued, &allocated)?;
            let moved = tx
                .prepare_cached(
                    "UPDATE number_segments SET next = next + 1
                     WHERE segment_id = ?1 AND next = ?2",
                )
                .during(OP)?
                .execute(params![allocated.segment_id, int(sequence)])
                .during(OP)?;
            if moved != 1 {
                return Err(next_out_of_step(sequence).into());
            }
            let json = to_json("issued invoice", &issued)?;
            tx.prepare_cached(
                "INSERT INTO device_journal
                     (device_id, command_id, command_digest, segment_id, sequence,
                      invoice_number, invoice_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .during(OP)?
            .execute(params![
                next.device_id,
                next.command_id,
                &next.command_digest[..],
                allocated.segment_id,
                int(sequence),
                number_key(&allocated.number),
                json,
            ])
            .map_err(unique_as(
                OP,
                "invoice number",
                &number_key(&allocated.number),
            ))?;
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
        self.read(OP, |conn| {
            conn.prepare_cached(
                "SELECT command_id, segment_id, sequence, invoice_json FROM device_journal
                 WHERE device_id = ?1 AND command_id = ?2",
            )
            .during(OP)?
            .query_row([device_id, command_id], journal_row)
            .optional()
            .during(OP)?
            .map(to_entry)
            .transpose()
        })
    }

    fn journal(&self, device_id: &str) -> Result<Vec<JournalEntry>, StoreError> {
        const OP: &str = "read the device journal";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT j.command_id, j.segment_id, j.sequence, j.invoice_json
                     FROM device_journal j JOIN number_segments s USING (segment_id)
                     WHERE j.device_id = ?1 ORDER BY s.position, j.sequence",
                )
                .during(OP)?;
            let rows = stmt
                .query_map([device_id], journal_row)
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter().map(to_entry).collect()
        })
    }
}
