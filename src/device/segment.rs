//! [`NumberSegment`]: a range of invoice numbers a device may issue, and how its
//! numbers are written.
//!
//! # Number formats
//!
//! * Fully digital invoices ([`InvoiceKind::is_digital`]) have a 20-digit number:
//!   the segment's digit `prefix` followed by the sequence, zero-padded to fill the
//!   20 digits. The tax authority's layout, which a segment should follow, is a
//!   5-digit prefix (the year's last two digits, a 2-digit region code and a
//!   1-digit issuing channel) and a 15-digit sequence: prefix `26350` and sequence
//!   `42` give `26350000000000000042`. Prefixes of 2 to 19 digits are accepted.
//! * Legacy invoices have an invoice code (发票代码, 10 or 12 digits) and an
//!   8-digit number (发票号码): the sequence, zero-padded.
//!
//! A segment gives out `first..=last` in order; a number is never given twice
//! (the store enforces it) and none is skipped without a record.

use super::is_identifier;
use crate::error::DeviceFailure;
use crate::invoice::{InvoiceKind, InvoiceNumber};

/// Length of a fully digital invoice number.
pub const DIGITAL_NUMBER_LEN: usize = 20;
/// Length of a legacy invoice number (without its code).
pub const LEGACY_NUMBER_LEN: usize = 8;

/// How a segment writes its numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NumberFormat {
    /// A 20-digit number: `prefix` then the zero-padded sequence.
    Digital {
        /// 2 to 19 digits (normally 5: year, region, channel).
        prefix: String,
    },
    /// An invoice code and an 8-digit number.
    Legacy {
        /// The invoice code, 10 or 12 digits.
        invoice_code: String,
    },
}

/// A range of invoice numbers allotted to one device for one kind of invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberSegment {
    segment_id: String,
    device_id: String,
    invoice_kind: InvoiceKind,
    format: NumberFormat,
    first: u64,
    last: u64,
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

impl NumberSegment {
    /// A segment of 20-digit numbers for a fully digital kind.
    pub fn digital(
        segment_id: &str,
        device_id: &str,
        invoice_kind: InvoiceKind,
        prefix: &str,
        first: u64,
        last: u64,
    ) -> Result<Self, DeviceFailure> {
        let format = NumberFormat::Digital {
            prefix: prefix.to_owned(),
        };
        Self::new(segment_id, device_id, invoice_kind, format, first, last)
    }

    /// A segment of legacy numbers (an invoice code and 8 digits).
    pub fn legacy(
        segment_id: &str,
        device_id: &str,
        invoice_kind: InvoiceKind,
        invoice_code: &str,
        first: u64,
        last: u64,
    ) -> Result<Self, DeviceFailure> {
        let format = NumberFormat::Legacy {
            invoice_code: invoice_code.to_owned(),
        };
        Self::new(segment_id, device_id, invoice_kind, format, first, last)
    }

    /// A segment, checked: ids of 1 to 64 of `A-Z a-z 0-9 _ - . :`, a format that
    /// fits the kind, `first <= last`, and `last` within the sequence's digits.
    pub fn new(
        segment_id: &str,
        device_id: &str,
        invoice_kind: InvoiceKind,
        format: NumberFormat,
        first: u64,
        last: u64,
    ) -> Result<Self, DeviceFailure> {
        let invalid = |problem| DeviceFailure::InvalidSegment {
            segment_id: segment_id.to_owned(),
            problem,
        };
        if !is_identifier(segment_id, 64) {
            return Err(invalid(
                "the segment id must be 1 to 64 of A-Z a-z 0-9 _ - . :",
            ));
        }
        if !is_identifier(device_id, 64) {
            return Err(invalid(
                "the device id must be 1 to 64 of A-Z a-z 0-9 _ - . :",
            ));
        }
        match &format {
            NumberFormat::Digital { prefix } => {
                if !invoice_kind.is_digital() {
                    return Err(invalid("a legacy invoice kind needs a legacy segment"));
                }
                if !digits(prefix) || !(2..DIGITAL_NUMBER_LEN).contains(&prefix.len()) {
                    return Err(invalid("the prefix must be 2 to 19 digits"));
                }
            }
            NumberFormat::Legacy { invoice_code } => {
                if invoice_kind.is_digital() {
                    return Err(invalid(
                        "a fully digital invoice kind needs a digital segment",
                    ));
                }
                if !digits(invoice_code) || !matches!(invoice_code.len(), 10 | 12) {
                    return Err(invalid("the invoice code must be 10 or 12 digits"));
                }
            }
        }
        let segment = Self {
            segment_id: segment_id.to_owned(),
            device_id: device_id.to_owned(),
            invoice_kind,
            format,
            first,
            last,
        };
        if first > last {
            return Err(invalid("the first number is after the last"));
        }
        if segment.format_sequence(last).is_none() {
            return Err(invalid("the last number has more digits than the sequence"));
        }
        Ok(segment)
    }

    /// The segment's id.
    pub fn segment_id(&self) -> &str {
        &self.segment_id
    }

    /// The device it is allotted to.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The kind of invoice it numbers.
    pub fn invoice_kind(&self) -> InvoiceKind {
        self.invoice_kind
    }

    /// How its numbers are written.
    pub fn format(&self) -> &NumberFormat {
        &self.format
    }

    /// The first sequence number.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// The last sequence number (inclusive).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// How many numbers it holds.
    pub fn capacity(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Digits of the sequence part: 20 minus the prefix, or 8.
    pub fn width(&self) -> usize {
        match &self.format {
            NumberFormat::Digital { prefix } => DIGITAL_NUMBER_LEN - prefix.len(),
            NumberFormat::Legacy { .. } => LEGACY_NUMBER_LEN,
        }
    }

    fn format_sequence(&self, sequence: u64) -> Option<String> {
        let text = format!("{sequence:0width$}", width = self.width());
        (text.len() == self.width()).then_some(text)
    }

    /// The invoice number of `sequence`; `None` outside `first..=last`.
    pub fn number(&self, sequence: u64) -> Option<InvoiceNumber> {
        if !(self.first..=self.last).contains(&sequence) {
            return None;
        }
        let tail = self.format_sequence(sequence)?;
        match &self.format {
            NumberFormat::Digital { prefix } => {
                InvoiceNumber::digital(&format!("{prefix}{tail}")).ok()
            }
            NumberFormat::Legacy { invoice_code } => {
                InvoiceNumber::legacy(invoice_code, &tail).ok()
            }
        }
    }

    /// The numbering space the segment lives in and its first and last number in
    /// it, written with a fixed width so that text order is numeric order: two
    /// segments overlap when their spaces are equal and their ranges intersect.
    pub(crate) fn span(&self) -> (String, String, String) {
        let first = self.format_sequence(self.first).unwrap_or_default();
        let last = self.format_sequence(self.last).unwrap_or_default();
        match &self.format {
            NumberFormat::Digital { prefix } => (
                "DIGITAL".to_owned(),
                format!("{prefix}{first}"),
                format!("{prefix}{last}"),
            ),
            NumberFormat::Legacy { invoice_code } => {
                (format!("LEGACY:{invoice_code}"), first, last)
            }
        }
    }
}

/// The numbering space `number` lives in and its place in it, written as
/// [`NumberSegment::span`] writes a segment's ends: `number` is one of a segment's
/// numbers when the spaces are equal and it lies between the ends.
pub(crate) fn number_span(number: &InvoiceNumber) -> (String, String) {
    match number {
        InvoiceNumber::Digital(digits) => ("DIGITAL".to_owned(), digits.clone()),
        InvoiceNumber::Legacy { code, number } => (format!("LEGACY:{code}"), number.clone()),
    }
}

/// A segment and how far it has been used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentState {
    /// The segment.
    pub segment: NumberSegment,
    /// The next sequence number to give out; `last + 1` once used up.
    pub next: u64,
}

impl SegmentState {
    /// How many numbers are left.
    pub fn remaining(&self) -> u64 {
        (self.segment.last() + 1).saturating_sub(self.next)
    }
}

/// A number taken from a segment for one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocatedNumber {
    /// The segment it came from.
    pub segment_id: String,
    /// Its sequence number in the segment.
    pub sequence: u64,
    /// The invoice number.
    pub number: InvoiceNumber,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_numbers_fill_twenty_digits() {
        let s = NumberSegment::digital("s1", "dev", InvoiceKind::DigitalOrdinary, "26350", 1, 9)
            .unwrap();
        assert_eq!(s.width(), 15);
        assert_eq!(s.number(7).unwrap().to_string(), "26350000000000000007");
        assert!(s.number(10).is_none());
        assert!(s.number(0).is_none());
    }

    #[test]
    fn legacy_numbers_have_code_and_eight_digits() {
        let s = NumberSegment::legacy(
            "s2",
            "dev",
            InvoiceKind::PaperSpecial,
            "3500261130",
            1,
            99_999_999,
        )
        .unwrap();
        assert_eq!(s.number(42).unwrap().to_string(), "3500261130/00000042");
        assert!(
            NumberSegment::legacy(
                "s3",
                "dev",
                InvoiceKind::PaperSpecial,
                "3500261130",
                1,
                100_000_000
            )
            .is_err()
        );
    }

    #[test]
    fn format_must_fit_the_kind() {
        assert!(
            NumberSegment::digital("s", "d", InvoiceKind::PaperOrdinary, "26350", 1, 2).is_err()
        );
        assert!(
            NumberSegment::legacy("s", "d", InvoiceKind::DigitalSpecial, "3500261130", 1, 2)
                .is_err()
        );
        assert!(NumberSegment::digital("s", "d", InvoiceKind::DigitalSpecial, "2", 1, 2).is_err());
        assert!(
            NumberSegment::digital("s", "d", InvoiceKind::DigitalSpecial, "26a50", 1, 2).is_err()
        );
        assert!(
            NumberSegment::digital("s", "d", InvoiceKind::DigitalSpecial, "26350", 3, 2).is_err()
        );
        assert!(
            NumberSegment::digital("", "d", InvoiceKind::DigitalSpecial, "26350", 1, 2).is_err()
        );
    }
}
