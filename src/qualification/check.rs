//! The two checks the service platform makes after opening an envelope and
//! validating its request: who the enterprise is ([`authenticate`]) and whether it
//! may issue this invoice now ([`check_qualification`]).

use super::identity::{AuthenticatedEnterprise, Binding, CloudPlatformIdentity, SignerIdentity};
use super::record::{EnterpriseStatus, QualificationRecord};
use super::registry::{QualificationRegistry, ReservationGuard};
use crate::error::Error;
use crate::invoice::Refusal;
use crate::invoice::{InvoiceColor, ValidatedRequest};
use crate::time::Timestamp;

/// Binds the verified signers of an envelope to the request's seller.
///
/// * The seller must be registered.
/// * The enterprise signer must be bound to the seller: its certificate's subject
///   serialNumber is exactly the seller's unified social credit code, or its SPKI
///   fingerprint is among the record's bound certificates.
/// * The cloud platform signer must be a pinned peer (`platform` is `None` when the
///   peer directory does not know its key) and one the record allows to act for
///   the seller.
///
/// Each failure is a [`QualificationError::Refused`](crate::qualification::QualificationError::Refused) with its own [`Refusal`].
pub fn authenticate<R: QualificationRegistry + ?Sized>(
    registry: &R,
    request: &ValidatedRequest,
    enterprise: &SignerIdentity,
    platform: Option<&CloudPlatformIdentity>,
) -> Result<AuthenticatedEnterprise, Error> {
    let tax_id = request.seller_tax_id();
    let record = registry
        .record(tax_id)?
        .ok_or_else(|| Refusal::UnknownEnterprise {
            tax_id: tax_id.clone(),
        })?;
    let signer_spki = enterprise.spki_fingerprint;
    let binding = if enterprise.subject_serial_number.as_deref() == Some(tax_id.as_str()) {
        Binding::SubjectSerialNumber
    } else if record.bound_certificates.contains(&signer_spki) {
        Binding::RegisteredCertificate
    } else {
        return Err(Refusal::SignerNotBound {
            tax_id: tax_id.clone(),
        }
        .into());
    };
    let platform = platform.ok_or(Refusal::PlatformNotPinned {})?;
    if !record.allowed_platforms.contains(&platform.party_id) {
        return Err(Refusal::PlatformNotAuthorized {
            party_id: platform.party_id.clone(),
            tax_id: tax_id.clone(),
        }
        .into());
    }
    Ok(AuthenticatedEnterprise {
        record,
        binding,
        signer_spki,
        platform: platform.clone(),
    })
}

/// Checks that an authenticated enterprise may issue this invoice at `now`, and
/// reserves its quota.
///
/// In order: the record (read afresh, so a suspension since authentication
/// counts) is active; `now` is within its validity window (from inclusive, until
/// exclusive); the invoice kind is allowed; the amount without tax is within the
/// single-invoice limit (a red invoice by its magnitude); and the month's quota
/// (the calendar month of `now` in China Standard Time) has room for it, which is
/// reserved atomically. A red invoice reserves nothing: it does not add to the
/// month's issuing (nor, here, give quota back).
///
/// The returned guard releases the quota when dropped; commit it once the invoice
/// is issued, or take the reservation out of it for the asynchronous mode.
pub fn check_qualification<'r, R: QualificationRegistry + ?Sized>(
    registry: &'r R,
    enterprise: &AuthenticatedEnterprise,
    request: &ValidatedRequest,
    now: Timestamp,
) -> Result<ReservationGuard<'r, R>, Error> {
    check(registry, enterprise, request, now, Hold::Reserve)
}

/// [`check_qualification`], with the quota taken by
/// [`charge_quota`](QualificationRegistry::charge_quota): for a caller that
/// issues the invoice and commits or drops the guard in the same transaction (a
/// unit of work). The guard may hold a
/// [charged](super::QuotaReservation::is_charged) token, which must not be
/// taken out for later (the asynchronous mode reserves).
pub fn check_qualification_in_unit<'r, R: QualificationRegistry + ?Sized>(
    registry: &'r R,
    enterprise: &AuthenticatedEnterprise,
    request: &ValidatedRequest,
    now: Timestamp,
) -> Result<ReservationGuard<'r, R>, Error> {
    check(registry, enterprise, request, now, Hold::Charge)
}

/// How the quota is held once the checks pass.
#[derive(Clone, Copy)]
enum Hold {
    Reserve,
    Charge,
}

fn check<'r, R: QualificationRegistry + ?Sized>(
    registry: &'r R,
    enterprise: &AuthenticatedEnterprise,
    request: &ValidatedRequest,
    now: Timestamp,
    hold: Hold,
) -> Result<ReservationGuard<'r, R>, Error> {
    let tax_id = request.seller_tax_id();
    if enterprise.tax_id() != tax_id {
        return Err(Refusal::SignerNotBound {
            tax_id: tax_id.clone(),
        }
        .into());
    }
    let record = registry
        .record(tax_id)?
        .ok_or_else(|| Refusal::UnknownEnterprise {
            tax_id: tax_id.clone(),
        })?;
    check_standing(&record, now)?;
    let invoice_kind = request.invoice_kind();
    if !record.allowed_invoice_kinds.contains(&invoice_kind) {
        return Err(Refusal::InvoiceKindNotAllowed { invoice_kind }.into());
    }
    let amount_fen = request.totals().amount_fen;
    let magnitude = i64::try_from(amount_fen.unsigned_abs()).unwrap_or(i64::MAX);
    if magnitude > record.single_invoice_limit_fen {
        return Err(Refusal::SingleInvoiceLimitExceeded {
            limit_fen: record.single_invoice_limit_fen,
            amount_fen: magnitude,
        }
        .into());
    }
    let quota_fen = match request.color() {
        InvoiceColor::Blue => amount_fen.max(0),
        InvoiceColor::Red => 0,
    };
    let month = now.china_year_month();
    let reservation = match hold {
        Hold::Reserve => registry.reserve_quota(tax_id, month, quota_fen)?,
        Hold::Charge => registry.charge_quota(tax_id, month, quota_fen)?,
    };
    Ok(ReservationGuard::new(registry, reservation))
}

/// Checks that the enterprise of `record` may issue at `now`: its record is
/// active and `now` is within its validity window (from inclusive, until
/// exclusive). What [`check_qualification`] checks first, and what the service
/// platform checks again of a queued command when its front end pulls it or
/// reports its result.
pub fn check_standing(record: &QualificationRecord, now: Timestamp) -> Result<(), Refusal> {
    let tax_id = &record.tax_id;
    match record.status {
        EnterpriseStatus::Active => {}
        EnterpriseStatus::Suspended => {
            return Err(Refusal::EnterpriseSuspended {
                tax_id: tax_id.clone(),
            });
        }
        EnterpriseStatus::Revoked => {
            return Err(Refusal::EnterpriseRevoked {
                tax_id: tax_id.clone(),
            });
        }
    }
    if now < record.valid_from_unix {
        return Err(Refusal::QualificationNotYetValid {
            valid_from_unix: record.valid_from_unix,
            now_unix: now,
        });
    }
    if now >= record.valid_until_unix {
        return Err(Refusal::QualificationExpired {
            valid_until_unix: record.valid_until_unix,
            now_unix: now,
        });
    }
    Ok(())
}
