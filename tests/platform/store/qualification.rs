//! The qualification registry persisted: enterprise records (seen at once when
//! another connection changes them), monthly usage and quota reservations,
//! charges inside and outside a unit of work.

use fapiao::Error;
use fapiao::StoreError;
use fapiao::invoice::UnifiedSocialCreditCode;
use fapiao::qualification::{EnterpriseStatus, QualificationError, QualificationRegistry, Refusal};
use fapiao::store::SqliteStore;
use fapiao::time::Timestamp;

use crate::issuing_support::{NOW, SELLER, temp_dir};

#[test]
fn the_qualification_registry_keeps_records_usage_and_reservations() {
    let dir = temp_dir("store-registry");
    let path = dir.join("fapiao.db");
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let record = qualification_record();
    let held = {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.upsert_enterprise(&record).unwrap(), None);
        let committed = store.reserve_quota(&tax_id, month, 1_000_000).unwrap();
        store.commit_quota(committed).unwrap();
        let released = store.reserve_quota(&tax_id, month, 500_000).unwrap();
        store.release_quota(released).unwrap();
        // Held across the restart (an enterprise-hosted invoice in flight).
        store.reserve_quota(&tax_id, month, 2_000_000).unwrap()
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.record(&tax_id).unwrap(), Some(record.clone()));
    let usage = store.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (1_000_000, 2_000_000));
    assert_eq!(
        store.quota_reservations().unwrap(),
        vec![fapiao::qualification::QuotaReservation::new(
            held.id(),
            tax_id.clone(),
            month,
            2_000_000
        )]
    );
    let over = store.reserve_quota(&tax_id, month, 2_000_001).unwrap_err();
    assert!(
        matches!(over.refusal(), Some(Refusal::MonthlyQuotaExceeded { .. })),
        "{over}"
    );
    store.commit_quota(held).unwrap();
    assert_eq!(store.usage(&tax_id, month).unwrap().used_fen, 3_000_000);
    // A reservation is given back once only.
    let once = store.reserve_quota(&tax_id, month, 1).unwrap();
    let copy = fapiao::qualification::QuotaReservation::new(once.id(), tax_id.clone(), month, 1);
    store.release_quota(once).unwrap();
    assert!(matches!(
        store.release_quota(copy),
        Err(fapiao::Error::Qualification(
            QualificationError::UnknownReservation { .. }
        ))
    ));
    store
        .set_enterprise_status(&tax_id, EnterpriseStatus::Suspended)
        .unwrap();
    assert_eq!(
        store.enterprises().unwrap()[0].status,
        EnterpriseStatus::Suspended
    );
    let unknown = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    assert!(matches!(
        store
            .reserve_quota(&unknown, month, 1)
            .unwrap_err()
            .refusal(),
        Some(Refusal::UnknownEnterprise { .. })
    ));
}

#[test]
fn a_record_changed_by_another_connection_is_seen_at_once() {
    // The store keeps parsed records by their JSON text, and reads the row
    // every time: a suspension made by another process (an operator's tool)
    // applies to the very next request.
    let dir = temp_dir("store-registry-shared");
    let path = dir.join("fapiao.db");
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let platform = SqliteStore::open(&path).unwrap();
    let operator = SqliteStore::open(&path).unwrap();
    platform.upsert_enterprise(&qualification_record()).unwrap();
    let active = platform.record(&tax_id).unwrap().unwrap();
    assert_eq!(active.status, EnterpriseStatus::Active);
    operator
        .set_enterprise_status(&tax_id, EnterpriseStatus::Suspended)
        .unwrap();
    assert_eq!(
        platform.record(&tax_id).unwrap().unwrap().status,
        EnterpriseStatus::Suspended
    );
    let mut smaller = qualification_record();
    smaller.monthly_quota_fen = 10;
    operator.upsert_enterprise(&smaller).unwrap();
    let refused = platform.reserve_quota(&tax_id, month, 11).unwrap_err();
    assert!(
        matches!(
            refused.refusal(),
            Some(Refusal::MonthlyQuotaExceeded { .. })
        ),
        "{refused}"
    );
    // Back to the first text: the record parsed from it before is the same.
    operator.upsert_enterprise(&qualification_record()).unwrap();
    assert_eq!(platform.record(&tax_id).unwrap().unwrap(), active);

    // A reservation whose month row an operator deleted still counts when
    // committed.
    let held = platform.reserve_quota(&tax_id, month, 1_000).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM quota_usage", [])
        .unwrap();
    platform.commit_quota(held).unwrap();
    let usage = platform.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (1_000, 0));
}

/// A reservation is two writes (the month's total, then the reservation row):
/// when the second fails, the first must not stay. The failure is injected with
/// a trigger another connection adds to the file.
#[test]
fn a_reservation_whose_second_write_fails_leaves_the_month_untouched() {
    let dir = temp_dir("store-reserve-atomic");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    store.upsert_enterprise(&qualification_record()).unwrap();
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let kept = store.reserve_quota(&tax_id, month, 1_000).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_reservations BEFORE INSERT ON quota_reservations
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let failed = store.reserve_quota(&tax_id, month, 2_000).unwrap_err();
    assert!(failed.to_string().contains("injected failure"), "{failed}");
    let usage = store.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (0, 1_000));
    assert_eq!(store.quota_reservations().unwrap(), vec![kept]);
}

#[test]
fn quota_is_charged_at_once_inside_a_unit_and_reserved_outside_one() {
    let dir = temp_dir("store-charge");
    let store = SqliteStore::open(dir.join("fapiao.db")).unwrap();
    store.upsert_enterprise(&qualification_record()).unwrap(); // quota 5_000_000
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let usage = || {
        let u = store.usage(&tax_id, month).unwrap();
        (u.used_fen, u.reserved_fen)
    };

    // Outside a unit of work a charge is a reservation, listed until settled.
    let reserved = store.charge_quota(&tax_id, month, 1_000_000).unwrap();
    assert!(!reserved.is_charged());
    assert_eq!(usage(), (0, 1_000_000));
    assert_eq!(store.quota_reservations().unwrap().len(), 1);
    store.commit_quota(reserved).unwrap();
    assert_eq!(usage(), (1_000_000, 0));

    // Inside one: used at once, no reservation row; committing adds nothing.
    store
        .atomically(|| -> Result<(), Error> {
            let charged = store.charge_quota(&tax_id, month, 2_000_000)?;
            assert!(charged.is_charged());
            assert_eq!(usage(), (3_000_000, 0));
            assert!(store.quota_reservations()?.is_empty());
            store.commit_quota(charged)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(usage(), (3_000_000, 0));

    // Released (the device failed): the charge is taken back.
    store
        .atomically(|| -> Result<(), Error> {
            let charged = store.charge_quota(&tax_id, month, 1_500_000)?;
            assert_eq!(usage(), (4_500_000, 0));
            store.release_quota(charged)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(usage(), (3_000_000, 0));

    // A unit rolled back takes its charge back with everything else.
    let rolled_back = store.atomically(|| -> Result<(), Error> {
        let _charged = store.charge_quota(&tax_id, month, 500_000)?;
        Err(StoreError::Duplicate {
            what: "test",
            key: "rolled back".into(),
        }
        .into())
    });
    assert!(rolled_back.is_err());
    assert_eq!(usage(), (3_000_000, 0));

    // Reservations made elsewhere count: 3M used + 1M reserved leaves exactly
    // 1M, and one fen more is refused with the month's figures.
    let held = store.reserve_quota(&tax_id, month, 1_000_000).unwrap();
    let over = store
        .atomically(|| store.charge_quota(&tax_id, month, 1_000_001))
        .unwrap_err();
    assert!(
        matches!(
            over.refusal(),
            Some(Refusal::MonthlyQuotaExceeded {
                quota_fen: 5_000_000,
                used_fen: 3_000_000,
                reserved_fen: 1_000_000,
                requested_fen: 1_000_001,
                ..
            })
        ),
        "{over}"
    );
    assert_eq!(usage(), (3_000_000, 1_000_000));
    let exactly = store
        .atomically(|| store.charge_quota(&tax_id, month, 1_000_000))
        .unwrap();
    assert!(exactly.is_charged());
    assert_eq!(usage(), (4_000_000, 1_000_000));
    store.release_quota(held).unwrap();

    // More than the whole quota, in a month with no row yet; an unknown
    // enterprise.
    let next = Timestamp::from_unix_seconds(NOW + 40 * 86_400).china_year_month();
    let too_big = store
        .atomically(|| store.charge_quota(&tax_id, next, 5_000_001))
        .unwrap_err();
    assert!(
        matches!(
            too_big.refusal(),
            Some(Refusal::MonthlyQuotaExceeded { .. })
        ),
        "{too_big}"
    );
    assert_eq!(store.usage(&tax_id, next).unwrap().used_fen, 0);
    let unknown = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    let refused = store
        .atomically(|| store.charge_quota(&unknown, month, 1))
        .unwrap_err();
    assert!(
        matches!(refused.refusal(), Some(Refusal::UnknownEnterprise { .. })),
        "{refused}"
    );
}

fn qualification_record() -> fapiao::qualification::QualificationRecord {
    use std::collections::BTreeSet;
    fapiao::qualification::QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(SELLER).unwrap(),
        name: "厦门示例科技有限公司".into(),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: BTreeSet::from([fapiao::invoice::InvoiceKind::DigitalOrdinary]),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 5_000_000,
        valid_from_unix: Timestamp::from_unix_seconds(1_767_196_800),
        valid_until_unix: Timestamp::from_unix_seconds(1_798_732_800),
        hosting_mode: fapiao::qualification::HostingMode::PlatformHosted,
        allowed_platforms: BTreeSet::from(["ecp-main".to_owned()]),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    }
}
