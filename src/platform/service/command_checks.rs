//! What the service platform checks of a queued command before delivering it to
//! its enterprise's front end, and of the invoice the front end reports for it
//! before recording it: [`CommandRefusal`] names each reason a command ends
//! failed instead.

use crate::device::{ControlCommand, Unlike, issued_as_requested, verify_device_signature};
use crate::error::{Error, PlatformError};
use crate::invoice::{InvoiceKind, InvoiceNumber, IssuedInvoice, UnifiedSocialCreditCode};
use crate::platform::QueuedCommand;
use crate::qualification::{QualificationRecord, Refusal, check_standing};
use crate::time::Timestamp;

use super::ServicePlatform;

/// Why the service platform ends a queued command failed rather than deliver it
/// to its front end or record the invoice the front end reported for it. The
/// command's answer (a device failure, final) carries this reason's text; the
/// invoice, if any, is neither recorded nor sent to the tax authority, and the
/// quota the command held is released.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandRefusal {
    /// The invoice is not the one the command asked for.
    #[error("the front end reported invoice {number} unlike its command: {unlike}")]
    UnlikeItsCommand {
        /// The invoice's number.
        number: InvoiceNumber,
        /// The first difference.
        unlike: Unlike,
    },
    /// The invoice names a device that is not one of the enterprise's registered
    /// devices.
    #[error(
        "the front end reported invoice {number} from device {device_id:?}, which is not \
         registered to the enterprise"
    )]
    UnregisteredDevice {
        /// The invoice's number.
        number: InvoiceNumber,
        /// The device it names.
        device_id: String,
    },
    /// The invoice's number is not in a segment the service platform allocated to
    /// its device for its kind (it may be another device's, or no device's).
    #[error(
        "the front end reported invoice {number}, which is not in a number segment allocated \
         to device {device_id:?} for {} invoices", invoice_kind.as_str()
    )]
    NumberNotAllocated {
        /// The invoice's number.
        number: InvoiceNumber,
        /// The device it names.
        device_id: String,
        /// The invoice's kind.
        invoice_kind: InvoiceKind,
    },
    /// The invoice's seal does not verify with its device's registered
    /// certificate.
    #[error(
        "the seal of invoice {number} does not verify with the certificate registered for \
         device {device_id:?}"
    )]
    BadSeal {
        /// The invoice's number.
        number: InvoiceNumber,
        /// The device it names.
        device_id: String,
    },
    /// The invoice's number is already recorded for another invoice.
    #[error("the front end reported invoice {number}, a number already taken")]
    NumberTaken {
        /// The invoice's number.
        number: InvoiceNumber,
    },
    /// The enterprise may no longer issue (suspended, revoked, outside its
    /// validity window, or no longer registered).
    #[error("the enterprise may no longer issue: {refusal}")]
    EnterpriseMayNotIssue {
        /// Why, as the qualification check says it.
        refusal: Refusal,
    },
    /// The command's deadline passed: before it was delivered, or before the
    /// invoice reported for it was issued.
    #[error("the command's deadline {deadline_unix} passed (at {at_unix})")]
    PastDeadline {
        /// The deadline (UNIX seconds).
        deadline_unix: u64,
        /// When it was found passed: the pull's time, or the invoice's issuing
        /// time.
        at_unix: i64,
    },
}

/// The enterprise's credit code, from a front end's party id.
pub(super) fn credit_code(enterprise: &str) -> Result<UnifiedSocialCreditCode, Error> {
    UnifiedSocialCreditCode::parse(enterprise).map_err(|e| {
        PlatformError::MalformedMessage {
            detail: format!("front end {enterprise:?} is not a credit code: {e}"),
        }
        .into()
    })
}

/// The command's deadline: as queued, or read from its bytes (`None` when the
/// store does not know it and the bytes do not say).
pub(super) fn deadline_of(command: &QueuedCommand) -> Option<u64> {
    match command.deadline_unix {
        0 => ControlCommand::deadline_in(&command.command_bytes).ok(),
        known => Some(known),
    }
}

/// Whether the command's deadline passed at `at` (UNIX seconds).
pub(super) fn past_deadline(command: &QueuedCommand, at: i64) -> Option<CommandRefusal> {
    let deadline_unix = deadline_of(command)?;
    (at > i64::try_from(deadline_unix).unwrap_or(i64::MAX)).then_some(
        CommandRefusal::PastDeadline {
            deadline_unix,
            at_unix: at,
        },
    )
}

impl ServicePlatform {
    /// The enterprise's record, and why it may not issue at `now` if it may not.
    pub(super) fn standing(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        now: u64,
    ) -> Result<(Option<QualificationRecord>, Option<CommandRefusal>), Error> {
        let Some(record) = self.parts.registry.record(tax_id)? else {
            let refusal = Refusal::UnknownEnterprise {
                tax_id: tax_id.clone(),
            };
            return Ok((
                None,
                Some(CommandRefusal::EnterpriseMayNotIssue { refusal }),
            ));
        };
        let now = Timestamp::from_unix_seconds(now);
        let refusal = check_standing(&record, now)
            .err()
            .map(|refusal| CommandRefusal::EnterpriseMayNotIssue { refusal });
        Ok((Some(record), refusal))
    }

    /// Why `invoice`, reported by the enterprise of `record` for `queued`, must
    /// not be recorded (`None` when it may): it must be the invoice the command
    /// asked for, issued by the deadline, by one of the enterprise's registered
    /// devices, numbered from a segment allocated to that device for its kind,
    /// and sealed by that device.
    pub(super) fn refusal_of_invoice(
        &self,
        queued: &QueuedCommand,
        record: &QualificationRecord,
        invoice: &IssuedInvoice,
    ) -> Result<Option<CommandRefusal>, Error> {
        let number = &invoice.invoice_number;
        let request = ControlCommand::request_in(&queued.command_bytes)?;
        if let Err(unlike) = issued_as_requested(invoice, &request) {
            return Ok(Some(CommandRefusal::UnlikeItsCommand {
                number: number.clone(),
                unlike,
            }));
        }
        if let Some(refusal) = past_deadline(queued, invoice.issued_at_unix.signed_unix_seconds()) {
            return Ok(Some(refusal));
        }
        let device_id = invoice.device_id.clone();
        // The hosted device's invoices never come from a front end, whatever a
        // record lists.
        let hosted = device_id == self.parts.device.device_id();
        let Some(device) = record.device(&device_id).filter(|_| !hosted) else {
            return Ok(Some(CommandRefusal::UnregisteredDevice {
                number: number.clone(),
                device_id,
            }));
        };
        let allocated = self.parts.segments.segment_of(number)?.is_some_and(|s| {
            s.device_id() == device_id && s.invoice_kind() == invoice.invoice_kind
        });
        if !allocated {
            return Ok(Some(CommandRefusal::NumberNotAllocated {
                number: number.clone(),
                device_id,
                invoice_kind: invoice.invoice_kind,
            }));
        }
        let sealed = device
            .seal_certificate()
            .and_then(|certificate| {
                verify_device_signature(invoice, &certificate, self.parts.provider)
            })
            .is_ok();
        if !sealed {
            return Ok(Some(CommandRefusal::BadSeal {
                number: number.clone(),
                device_id,
            }));
        }
        Ok(None)
    }
}
