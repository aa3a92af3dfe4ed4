//! The service platform's check of a red-letter (红字) invoice against the
//! invoice it reverses.
//!
//! A red request is checked against the platform's records after its enterprise
//! is authenticated and before its qualification: the original must have been
//! issued through this platform, by the same seller, be blue, and not be
//! reversed beyond its total with tax (价税合计) or its amount without tax (金额)
//! by this red together with the reds issued against it or accepted and still
//! pending on an enterprise's front-end device. Each failure is a typed
//! violation in a [`FailureReason::InvalidRequest`] answer; nothing is recorded
//! for it, so a corrected request may reuse its serial number.
//!
//! Atomicity: the red's reversal is recorded with its request (issued or
//! queued), and the recording transaction checks it again with the red counted
//! ([`IssuingStore::record_issued`], [`IssuingStore::enqueue_command`]). With a
//! unit of work ([`ServicePlatform::with_unit_of_work`]) the check here and the
//! recording share one `BEGIN IMMEDIATE` transaction, so they see the same
//! records. Without one, two reds racing against the same original both pass
//! the check here but only those that still fit are recorded; the others are
//! refused with the same violations (a platform-hosted device has then used an
//! invoice number that no invoice is recorded or reported under).
//!
//! [`IssuingStore::record_issued`]: crate::platform::IssuingStore::record_issued
//! [`IssuingStore::enqueue_command`]: crate::platform::IssuingStore::enqueue_command

use crate::error::Error;
use crate::error::StoreError;
use crate::invoice::Reversal;
use crate::invoice::{FailureReason, InvoiceColor, ValidatedRequest, Violation, Violations};

use super::ServicePlatform;

/// A red request's reversal, or the violations that refuse it.
pub(super) type Checked = Result<Option<Reversal>, Violations>;

impl ServicePlatform {
    /// What `request` reverses when it is red (`None` for a blue one), checked
    /// against the original and the reds already recorded against it.
    pub(super) fn check_reversal(&self, request: &ValidatedRequest) -> Result<Checked, Error> {
        if request.color() != InvoiceColor::Red {
            return Ok(Ok(None));
        }
        let Some(reversal) = Reversal::of_request(request) else {
            // Validation refuses a red without a well-formed reference first.
            return Ok(Err(Violations::one(Violation::new(
                "red_letter.original_invoice_number",
                crate::invoice::ViolationCode::OriginalInvoiceNotFound,
                "the invoice reversed is not named",
            ))));
        };
        let store = self.parts.store.as_ref();
        let original = store.original_invoice(&reversal.original)?;
        let so_far = store.reversed_so_far(&reversal.original)?;
        let seller = request.seller_tax_id().as_str();
        Ok(match reversal.check(seller, original.as_ref(), so_far) {
            Ok(()) => Ok(Some(reversal)),
            Err(refusal) => Err(Violations::one(refusal.violation(&reversal.original))),
        })
    }
}

/// The invalid-request reason for a reversal the recording transaction refused,
/// or the error itself for any other failure.
pub(super) fn refused_on_record(
    error: StoreError,
    reversal: Option<&Reversal>,
) -> Result<FailureReason, Error> {
    match (error, reversal) {
        (StoreError::ReversalRefused { refusal, .. }, Some(reversal)) => {
            Ok(FailureReason::InvalidRequest {
                violations: Violations::one(refusal.violation(&reversal.original)),
            })
        }
        (other, _) => Err(other.into()),
    }
}
