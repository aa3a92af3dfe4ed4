//! The rules of a device's number segments and journal (`DeviceStore`),
//! whichever engine keeps them: a segment read back is checked again as when
//! it was added, a segment added twice must be the same, a command numbered
//! before gets its journaled invoice (or a conflict), the number taken is the
//! segment's next, and the invoice built must carry it.
//!
//! Each engine keeps its own SQL and locking around these: SQLite numbers one
//! transaction at a time, PostgreSQL locks the segment row first.

use super::columns::{corrupt_column, digest32, invoice, kind_from_key, uint};
use super::state_keys::format_from_key;
use crate::device::NumberSegment;
use crate::device::{AllocatedNumber, DeviceFailure, DeviceIssue, JournalEntry, NextNumber};
use crate::error::{Error, StoreError};
use crate::invoice::IssuedInvoice;

/// `SELECT` with a segment's columns ([`StoredSegment`] and the next
/// sequence, in this order), then `$rest`: one literal, so a statement cache
/// gets the same text without formatting it.
macro_rules! select_segments {
    ($rest:literal) => {
        concat!(
            "SELECT segment_id, device_id, invoice_kind, format, prefix, first, last, next ",
            $rest
        )
    };
}
pub(in crate::store) use select_segments;

/// A segment as stored, checked again when read.
pub(in crate::store) struct StoredSegment {
    /// `segment_id`.
    pub segment_id: String,
    /// `device_id`.
    pub device_id: String,
    /// `invoice_kind`, the kind's stored name.
    pub invoice_kind: String,
    /// `format`, the number format's stored name.
    pub format: String,
    /// `prefix`: the digital prefix, or the legacy invoice code.
    pub prefix: String,
    /// `first`, the first sequence.
    pub first: i64,
    /// `last`, the last sequence.
    pub last: i64,
}

impl StoredSegment {
    /// The segment, or the column that does not read back.
    pub(in crate::store) fn segment(self) -> Result<NumberSegment, StoreError> {
        let kind = kind_from_key(&self.invoice_kind)?;
        let format = format_from_key(&self.format, self.prefix)?;
        NumberSegment::new(
            &self.segment_id,
            &self.device_id,
            kind,
            format,
            uint(self.first),
            uint(self.last),
        )
        .map_err(|_| corrupt_column("segment_id", &self.segment_id))
    }
}

/// Adding `segment` again when `existing` is stored under its id: nothing to
/// do when they are the same, else a [`StoreError::Duplicate`].
pub(in crate::store) fn add_again(
    existing: &NumberSegment,
    segment: &NumberSegment,
) -> Result<(), StoreError> {
    if existing == segment {
        return Ok(());
    }
    Err(StoreError::Duplicate {
        what: "number segment",
        key: segment.segment_id().to_owned(),
    })
}

/// The refusal of `segment`, whose numbers overlap those of the stored
/// segment `existing`.
pub(in crate::store) fn overlap(segment: &NumberSegment, existing: String) -> StoreError {
    StoreError::SegmentOverlap {
        segment_id: segment.segment_id().to_owned(),
        existing,
    }
}

/// The answer to a command already in the journal, from its row's
/// `command_digest` and `invoice_json`: its invoice again when the command is
/// the same, else a [`DeviceFailure::CommandConflict`].
pub(in crate::store) fn replayed(
    next: &NextNumber<'_>,
    digest: &[u8],
    json: &str,
) -> Result<DeviceIssue, Error> {
    if digest32("command_digest", digest)? != *next.command_digest {
        return Err(DeviceFailure::CommandConflict {
            command_id: next.command_id.to_owned(),
        }
        .into());
    }
    Ok(DeviceIssue {
        invoice: invoice(json)?,
        replayed: true,
    })
}

/// Why no number can be given out when no segment of the device for the kind
/// has one left: it has none (`segments` is 0), or all are used up.
pub(in crate::store) fn no_number_left(next: &NextNumber<'_>, segments: i64) -> Error {
    let device_id = next.device_id.to_owned();
    let invoice_kind = next.invoice_kind;
    Error::Device(if segments == 0 {
        DeviceFailure::NoSegment {
            device_id,
            invoice_kind,
        }
    } else {
        DeviceFailure::SegmentExhausted {
            device_id,
            invoice_kind,
        }
    })
}

/// The number at `sequence` of `segment`, its next.
pub(in crate::store) fn allocate(
    segment: &NumberSegment,
    sequence: u64,
) -> Result<AllocatedNumber, StoreError> {
    let number = segment
        .number(sequence)
        .ok_or_else(|| next_out_of_step(sequence))?;
    Ok(AllocatedNumber {
        segment_id: segment.segment_id().to_owned(),
        sequence,
        number,
    })
}

/// Refuses an invoice built on `allocated` that carries another number.
pub(in crate::store) fn check_built(
    issued: &IssuedInvoice,
    allocated: &AllocatedNumber,
) -> Result<(), DeviceFailure> {
    if issued.invoice_number != allocated.number {
        return Err(DeviceFailure::InvalidCommand {
            problem: "the invoice does not carry the number allocated to it",
        });
    }
    Ok(())
}

/// A segment's `next` that is not the sequence it was read at (or not one of
/// its numbers).
pub(in crate::store) fn next_out_of_step(sequence: u64) -> StoreError {
    corrupt_column("next", &sequence.to_string())
}

/// A journal entry from its row's `command_id`, `segment_id`, `sequence` and
/// `invoice_json`.
pub(in crate::store) fn journal_entry(
    command_id: String,
    segment_id: String,
    sequence: i64,
    json: &str,
) -> Result<JournalEntry, StoreError> {
    Ok(JournalEntry {
        command_id,
        segment_id,
        sequence: uint(sequence),
        invoice: invoice(json)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::NumberFormat;
    use crate::invoice::InvoiceKind;

    fn stored(format: &str) -> StoredSegment {
        StoredSegment {
            segment_id: "SEG-1".into(),
            device_id: "DEV-1".into(),
            invoice_kind: crate::store::columns::kind_key(InvoiceKind::ALL[0]).into(),
            format: format.into(),
            prefix: "24".into(),
            first: 1,
            last: 100,
        }
    }

    #[test]
    fn a_stored_segment_reads_back_or_names_its_bad_column() {
        let segment = stored("DIGITAL").segment().unwrap();
        assert_eq!(segment.segment_id(), "SEG-1");
        assert!(matches!(segment.format(), NumberFormat::Digital { .. }));
        assert!(add_again(&segment, &segment).is_ok());
        let error = stored("OTHER").segment().unwrap_err();
        assert!(error.to_string().contains("column format"), "{error}");
        let mut backwards = stored("DIGITAL");
        backwards.first = 200;
        let error = backwards.segment().unwrap_err();
        assert!(error.to_string().contains("column segment_id"), "{error}");
    }

    #[test]
    fn no_number_left_tells_no_segment_from_used_up() {
        let digest = [0; 32];
        let next = NextNumber {
            device_id: "DEV-1",
            command_id: "C-1",
            command_digest: &digest,
            invoice_kind: InvoiceKind::ALL[0],
        };
        assert!(matches!(
            no_number_left(&next, 0),
            Error::Device(DeviceFailure::NoSegment { .. })
        ));
        assert!(matches!(
            no_number_left(&next, 2),
            Error::Device(DeviceFailure::SegmentExhausted { .. })
        ));
        let other = [1; 32];
        let conflict = replayed(&next, &other, "{}").unwrap_err();
        assert!(matches!(
            conflict,
            Error::Device(DeviceFailure::CommandConflict { .. })
        ));
    }
}
