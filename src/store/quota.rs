//! The rules of the qualification registry's storage (`enterprises`,
//! `quota_usage`, `quota_reservations`), whichever engine keeps it: when a
//! reservation or a charge fits an enterprise's monthly quota, what is refused
//! and how, and how a reservation is read back from its row.
//!
//! The engines differ in how they keep two writers from both taking the last
//! of a quota (SQLite writes one transaction at a time, PostgreSQL locks the
//! month's row), not in the arithmetic.

use super::columns::{corrupt_column, from_json};
use super::parsed::ParsedCache;
use crate::error::StoreError;
use crate::invoice::{UnifiedSocialCreditCode, YearMonth};
use crate::qualification::{
    DEVICE_OF_ANOTHER, MonthlyUsage, QualificationError, QualificationRecord, QuotaReservation,
    Refusal,
};

/// An enterprise's record from its stored JSON, parsed once per distinct text.
pub(in crate::store) fn parse_record(
    records: &ParsedCache<QualificationRecord>,
    json: &str,
) -> Result<QualificationRecord, StoreError> {
    records.get_or_parse(json.as_bytes(), |_| from_json("qualification record", json))
}

/// The enterprise's record, or the refusal of an enterprise not registered.
pub(in crate::store) fn registered(
    record: Option<QualificationRecord>,
    tax_id: &UnifiedSocialCreditCode,
) -> Result<QualificationRecord, Refusal> {
    record.ok_or_else(|| Refusal::UnknownEnterprise {
        tax_id: tax_id.clone(),
    })
}

/// The enterprise's record, or the error of changing one not registered.
pub(in crate::store) fn existing(
    record: Option<QualificationRecord>,
    tax_id: &UnifiedSocialCreditCode,
) -> Result<QualificationRecord, QualificationError> {
    record.ok_or_else(|| QualificationError::NoSuchEnterprise {
        tax_id: tax_id.clone(),
    })
}

/// The refusal of a record naming a device another enterprise registered (a
/// device is one enterprise's: its numbers and seal are its own).
pub(in crate::store) fn device_of_another(record: &QualificationRecord) -> QualificationError {
    QualificationError::InvalidRecord {
        tax_id: record.tax_id.clone(),
        problem: DEVICE_OF_ANOTHER,
    }
}

/// The amount a reservation or a charge takes: what was asked, never
/// negative.
pub(in crate::store) fn requested(amount_fen: i64) -> i64 {
    amount_fen.max(0)
}

/// A month's usage from its row's `used_fen` and `reserved_fen`; nothing used
/// or reserved when the month has no row.
pub(in crate::store) fn usage(month: YearMonth, row: Option<(i64, i64)>) -> MonthlyUsage {
    let (used_fen, reserved_fen) = row.unwrap_or((0, 0));
    MonthlyUsage {
        month,
        used_fen,
        reserved_fen,
    }
}

/// Whether `amount_fen` more fits the month's quota: used + reserved + amount
/// within it, and no sum overflowing.
pub(in crate::store) fn fits(quota_fen: i64, usage: &MonthlyUsage, amount_fen: i64) -> bool {
    usage
        .used_fen
        .checked_add(usage.reserved_fen)
        .and_then(|taken| taken.checked_add(amount_fen))
        .is_some_and(|total| total <= quota_fen)
}

/// Whether a charge of `amount_fen` (not negative) may be tried at all: the
/// conditional upsert computes `quota - amount`, which cannot overflow once
/// the amount is within the quota.
pub(in crate::store) fn may_charge(quota_fen: i64, amount_fen: i64) -> bool {
    amount_fen <= quota_fen
}

/// The refusal of `amount_fen` more in the month of `usage`.
pub(in crate::store) fn exceeded(quota_fen: i64, usage: &MonthlyUsage, amount_fen: i64) -> Refusal {
    Refusal::MonthlyQuotaExceeded {
        month: usage.month,
        quota_fen,
        used_fen: usage.used_fen,
        reserved_fen: usage.reserved_fen,
        requested_fen: amount_fen,
    }
}

/// Checks that `amount_fen` more fits the month's quota, refusing it
/// otherwise.
pub(in crate::store) fn check_fits(
    quota_fen: i64,
    usage: &MonthlyUsage,
    amount_fen: i64,
) -> Result<(), Refusal> {
    if fits(quota_fen, usage, amount_fen) {
        return Ok(());
    }
    Err(exceeded(quota_fen, usage, amount_fen))
}

/// A reservation's id as its row's key (-1, which no row has, for one too
/// large to be stored).
pub(in crate::store) fn reservation_key(reservation: &QuotaReservation) -> i64 {
    i64::try_from(reservation.id()).unwrap_or(-1)
}

/// The error of a reservation this store has no row for (already committed,
/// released, or made elsewhere), or nothing when its row was taken.
pub(in crate::store) fn taken(
    deleted: u64,
    reservation: &QuotaReservation,
) -> Result<(), QualificationError> {
    if deleted == 0 {
        return Err(QualificationError::UnknownReservation {
            id: reservation.id(),
        });
    }
    Ok(())
}

/// A reservation read back from its row's `id`, `tax_id`, `month` and
/// `amount_fen`.
pub(in crate::store) fn reservation_from_row(
    id: i64,
    tax_id: &str,
    month: &str,
    amount_fen: i64,
) -> Result<QuotaReservation, StoreError> {
    let tax_id = UnifiedSocialCreditCode::parse(tax_id)
        .map_err(|_| corrupt_column("quota_reservations.tax_id", tax_id))?;
    let month = month
        .parse()
        .map_err(|_| corrupt_column("quota_reservations.month", month))?;
    Ok(QuotaReservation::new(
        u64::try_from(id).unwrap_or(0),
        tax_id,
        month,
        amount_fen,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> YearMonth {
        "2024-05".parse().unwrap()
    }

    #[test]
    fn a_reservation_fits_up_to_the_quota_and_never_by_overflow() {
        let used = usage(month(), Some((60, 30)));
        assert!(fits(100, &used, 10));
        assert!(!fits(100, &used, 11));
        let full = usage(month(), Some((i64::MAX, 1)));
        assert!(!fits(i64::MAX, &full, 0));
        let refusal = check_fits(100, &used, 11).unwrap_err();
        assert_eq!(refusal, exceeded(100, &used, 11));
        assert_eq!(usage(month(), None).used_fen, 0);
    }

    #[test]
    fn amounts_are_not_negative_and_charges_stay_within_the_quota() {
        assert_eq!(requested(-5), 0);
        assert_eq!(requested(5), 5);
        assert!(may_charge(100, 100));
        assert!(!may_charge(100, 101));
    }

    #[test]
    fn a_reservation_row_reads_back_or_names_its_bad_column() {
        let tax_id = "91350200776049653A";
        let reservation = reservation_from_row(3, tax_id, "2024-05", 250).unwrap();
        assert_eq!(reservation.id(), 3);
        assert_eq!(reservation.month(), month());
        assert_eq!(reservation_key(&reservation), 3);
        assert!(taken(1, &reservation).is_ok());
        assert!(matches!(
            taken(0, &reservation),
            Err(QualificationError::UnknownReservation { id: 3 })
        ));
        let bad_month = reservation_from_row(3, tax_id, "May", 250).unwrap_err();
        assert!(
            bad_month.to_string().contains("quota_reservations.month"),
            "{bad_month}"
        );
        let bad_tax_id = reservation_from_row(3, "x", "2024-05", 250).unwrap_err();
        assert!(
            bad_tax_id.to_string().contains("quota_reservations.tax_id"),
            "{bad_tax_id}"
        );
    }
}
