//! Issuing devices (税控设备 / 开票设备): what turns a validated request into a
//! numbered, check-coded, sealed invoice.
//!
//! * [`IssuingDevice`]: the trait the service platform (platform-hosted mode) and
//!   an enterprise's front-end service (enterprise-hosted mode) drive with a
//!   [`ControlCommand`]; failures are [`DeviceFailure`]s, each
//!   [retryable or final](Disposition).
//! * [`SoftwareDevice`]: the reference device. Invoice numbers come from
//!   [`NumberSegment`]s (formats in [`segment`](NumberSegment)), durable through a
//!   [`DeviceStore`]; the check code is an HMAC keyed
//!   with a [`DeviceSecret`] ([`compute_check_code`]); the seal is a signature with
//!   the device's credentials ([`verify_device_signature`]).
//!
//! Each device has its own number space. The service platform allocates every
//! device's segments, an enterprise's own devices' included: it registers them in
//! its [`DeviceStore`] under the device's id next to
//! its hosted device's, and the store refuses a segment overlapping any other
//! device's. An enterprise's device gets the same segment in its own store, and
//! its id and seal certificate are listed in the enterprise's
//! [`QualificationRecord`](crate::qualification::QualificationRecord); the
//! service platform records an invoice its front end reports only when its number
//! lies in a segment allocated to that device and its seal verifies with that
//! certificate.
#![forbid(unsafe_code)]

mod canonical;
mod check_code;
mod command;
mod conformity;
mod seal;
mod segment;
mod software;
mod store;

pub use self::check_code::{DeviceSecret, check_code_matches, compute_check_code};
pub use self::command::ControlCommand;
pub use self::conformity::{Unlike, issued_as_requested};
pub use self::seal::{seal_scheme, sealed_bytes, verify_device_signature};
pub(crate) use self::segment::number_span;
pub use self::segment::{
    AllocatedNumber, DIGITAL_NUMBER_LEN, LEGACY_NUMBER_LEN, NumberFormat, NumberSegment,
    SegmentState,
};
pub use self::software::SoftwareDevice;
pub use self::store::{DeviceIssue, DeviceStore, JournalEntry, NextNumber};
pub use crate::error::{DeviceFailure, Disposition};

use crate::invoice::IssuedInvoice;

/// An issuing device.
///
/// `issue` must be idempotent on the command id: the same command sent again (a
/// retry after a timeout or a crash) returns the invoice issued the first time,
/// never a second number. A device fails with an [`Error::Device`](crate::Error::Device),
/// or an [`Error::Store`](crate::Error::Store) when its store fails;
/// [`Error::disposition`](crate::Error::disposition) says whether to send the
/// command again (a transient store failure is retryable).
pub trait IssuingDevice: Send + Sync {
    /// The device's id, as written in the invoices it issues.
    fn device_id(&self) -> &str;

    /// Issues the invoice `command` asks for, at `now_unix` (UNIX seconds).
    fn issue(&self, command: &ControlCommand, now_unix: u64)
    -> Result<IssuedInvoice, crate::Error>;
}

/// Whether `text` is 1 to `max` of `A-Z a-z 0-9 _ - . :`.
pub(crate) fn is_identifier(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}
