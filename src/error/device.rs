//! [`DeviceFailure`]: why an issuing device did not issue, marked retryable or final.

use super::CryptoError;
use crate::invoice::InvoiceKind;

/// Whether the same command may succeed if sent again later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// A passing condition (storage or signing unavailable): send the same command
    /// again later; the device is idempotent on the command id.
    Retryable,
    /// The command will never succeed as it is: answer the request with a failure.
    Final,
}

/// Why an issuing device did not issue an invoice (or refused its configuration).
///
/// [`disposition`](Self::disposition) says whether to send the command again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceFailure {
    /// The command's deadline passed before the device took it. Final.
    #[error("command {command_id}: deadline {deadline_unix} passed (now {now_unix})")]
    DeadlinePassed {
        /// The command.
        command_id: String,
        /// Its deadline (UNIX seconds).
        deadline_unix: u64,
        /// The device's time (UNIX seconds).
        now_unix: u64,
    },
    /// No number segment of the device serves this kind of invoice. Final.
    #[error("device {device_id} has no number segment for {} invoices", invoice_kind.as_str())]
    NoSegment {
        /// The device.
        device_id: String,
        /// The kind asked for.
        invoice_kind: InvoiceKind,
    },
    /// Every number segment of the device for this kind is used up. Final until an
    /// operator adds a segment.
    #[error("device {device_id}: every number segment for {} invoices is used up", invoice_kind.as_str())]
    SegmentExhausted {
        /// The device.
        device_id: String,
        /// The kind asked for.
        invoice_kind: InvoiceKind,
    },
    /// The command id was used before for a different command. Final.
    #[error("command {command_id} was already used for a different command")]
    CommandConflict {
        /// The command id.
        command_id: String,
    },
    /// The command is malformed (its id, or its request for this device). Final.
    #[error("invalid command: {problem}")]
    InvalidCommand {
        /// What is wrong.
        problem: &'static str,
    },
    /// The device is not configured to issue for the command's seller. Final.
    #[error("this device does not issue for seller {seller}")]
    SellerNotServed {
        /// The command's seller.
        seller: String,
    },
    /// A device id is not 1 to 64 of `A-Z a-z 0-9 _ - . :`. Final.
    #[error("invalid device id {device_id:?}: 1 to 64 of A-Z a-z 0-9 _ - . : needed")]
    InvalidDeviceId {
        /// The id given.
        device_id: String,
    },
    /// A number segment's configuration is invalid. Final.
    #[error("number segment {segment_id}: {problem}")]
    InvalidSegment {
        /// The segment.
        segment_id: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// The device's check-code secret is unusable (too short). Final.
    #[error("the device secret must be {min} to {max} bytes, got {actual}")]
    InvalidSecret {
        /// Shortest accepted length.
        min: usize,
        /// Longest accepted length.
        max: usize,
        /// Its length.
        actual: usize,
    },
    /// Signing the invoice (the device's electronic seal) failed: the key may live
    /// in an HSM that is unavailable. Retryable.
    #[error("sealing the invoice failed: {0}")]
    Seal(CryptoError),
    /// The invoice could not be encoded for sealing. Final.
    #[error("cannot encode the invoice: {0}")]
    Encoding(serde_json::Error),
    /// A device outside the library (e.g. a hardware device behind a C
    /// callback) reported that it did not issue; retryable when it says so.
    #[error("device {device_id} did not issue: {detail}")]
    Reported {
        /// The device.
        device_id: String,
        /// Whether the same command may succeed later.
        retryable: bool,
        /// What the device said.
        detail: String,
    },
    /// A device outside the library answered with an invoice that is not a
    /// readable invoice of its own, or not the one the command asked for. Final:
    /// it is never passed on.
    #[error("device {device_id} answered with an unusable invoice: {problem}")]
    UnusableInvoice {
        /// The device.
        device_id: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl DeviceFailure {
    /// Whether the same command may succeed later.
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Seal(_) => Disposition::Retryable,
            Self::Reported {
                retryable: true, ..
            } => Disposition::Retryable,
            _ => Disposition::Final,
        }
    }

    /// `true` when [`disposition`](Self::disposition) is [`Disposition::Retryable`].
    pub fn is_retryable(&self) -> bool {
        self.disposition() == Disposition::Retryable
    }
}
