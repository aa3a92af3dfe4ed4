//! The qualification registry: records, monthly usage, reservations, charges.

use std::collections::BTreeSet;
use std::sync::Arc;

use fapiao::Error;
use fapiao::invoice::{InvoiceKind, UnifiedSocialCreditCode, YearMonth};
use fapiao::qualification::{
    EnterpriseStatus, HostingMode, QualificationError, QualificationRecord, QuotaReservation,
    Refusal,
};
use fapiao::time::Timestamp;

use super::ContractStore;
use crate::issuing_support::{NOW, SELLER};

/// The platform-hosted fixture enterprise, 5 million fen a month.
pub fn record() -> QualificationRecord {
    QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(SELLER).unwrap(),
        name: "厦门示例科技有限公司".into(),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: BTreeSet::from([InvoiceKind::DigitalOrdinary]),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 5_000_000,
        valid_from_unix: Timestamp::from_unix_seconds(1_767_196_800),
        valid_until_unix: Timestamp::from_unix_seconds(1_798_732_800),
        hosting_mode: HostingMode::PlatformHosted,
        allowed_platforms: BTreeSet::from(["ecp-main".to_owned()]),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    }
}

fn month() -> YearMonth {
    Timestamp::from_unix_seconds(NOW).china_year_month()
}

/// Reserved quota counts until committed (used) or released (given back,
/// once); a reservation past the quota is refused; records are kept.
pub fn quota_is_reserved_committed_and_released<S: ContractStore>(store: Arc<S>) {
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    assert_eq!(store.upsert(&record()).unwrap(), None);
    assert_eq!(store.record(&tax_id).unwrap(), Some(record()));
    let committed = store.reserve_quota(&tax_id, month(), 1_000_000).unwrap();
    store.commit_quota(committed).unwrap();
    let released = store.reserve_quota(&tax_id, month(), 500_000).unwrap();
    store.release_quota(released).unwrap();
    let held = store.reserve_quota(&tax_id, month(), 2_000_000).unwrap();
    let usage = store.usage(&tax_id, month()).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (1_000_000, 2_000_000));
    assert_eq!(
        store.reservations().unwrap(),
        vec![QuotaReservation::new(
            held.id(),
            tax_id.clone(),
            month(),
            2_000_000
        )]
    );
    let over = store
        .reserve_quota(&tax_id, month(), 2_000_001)
        .unwrap_err();
    assert!(
        matches!(over.refusal(), Some(Refusal::MonthlyQuotaExceeded { .. })),
        "{over}"
    );
    store.commit_quota(held).unwrap();
    assert_eq!(store.usage(&tax_id, month()).unwrap().used_fen, 3_000_000);
    let once = store.reserve_quota(&tax_id, month(), 1).unwrap();
    let copy = QuotaReservation::new(once.id(), tax_id.clone(), month(), 1);
    store.release_quota(once).unwrap();
    assert!(matches!(
        store.release_quota(copy),
        Err(Error::Qualification(
            QualificationError::UnknownReservation { .. }
        ))
    ));
    let unknown = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    let refusal = store.reserve_quota(&unknown, month(), 1).unwrap_err();
    assert!(matches!(
        refusal.refusal(),
        Some(Refusal::UnknownEnterprise { .. })
    ));
    let mut changed = record();
    changed.status = EnterpriseStatus::Suspended;
    assert_eq!(store.upsert(&changed).unwrap(), Some(record()));
    assert_eq!(
        store.record(&tax_id).unwrap().unwrap().status,
        EnterpriseStatus::Suspended
    );
}

/// Inside a unit of work a charge goes straight to the used total and rolls
/// back with the unit; past the quota it is refused.
pub fn a_charge_inside_a_unit_goes_with_the_unit<S: ContractStore>(store: Arc<S>) {
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    store.upsert(&record()).unwrap();
    store
        .run_atomically(&mut || {
            let charge = store.charge_quota(&tax_id, month(), 4_000_000)?;
            assert!(charge.is_charged());
            store.commit_quota(charge)
        })
        .unwrap();
    assert_eq!(store.usage(&tax_id, month()).unwrap().used_fen, 4_000_000);
    let undone = store.run_atomically(&mut || {
        let _rolled_back = store.charge_quota(&tax_id, month(), 500_000)?;
        Err(Error::from(fapiao::store::StoreError::NotFound {
            what: "test",
            key: "rolled back".into(),
        }))
    });
    assert!(undone.is_err());
    assert_eq!(store.usage(&tax_id, month()).unwrap().used_fen, 4_000_000);
    let over = store
        .run_atomically(&mut || store.charge_quota(&tax_id, month(), 1_000_001).map(drop))
        .unwrap_err();
    assert!(matches!(
        over.refusal(),
        Some(Refusal::MonthlyQuotaExceeded { .. })
    ));
    // Outside a unit a charge is a reservation.
    let reserved = store.charge_quota(&tax_id, month(), 1).unwrap();
    assert!(!reserved.is_charged());
    store.release_quota(reserved).unwrap();
    assert!(store.reservations().unwrap().is_empty());
}

/// A device registered for one enterprise cannot be registered for another.
pub fn a_device_belongs_to_one_enterprise<S: ContractStore>(store: Arc<S>) {
    let owner = fapiao_testkit::enterprises::enterprise_hosted_record();
    assert!(!owner.devices.is_empty());
    store.upsert(&owner).unwrap();
    store.upsert(&owner).unwrap();
    let mut other = record();
    other.tax_id = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    other.devices = owner.devices.clone();
    let refused = store.upsert(&other).unwrap_err();
    assert!(
        matches!(
            refused,
            Error::Qualification(QualificationError::InvalidRecord { .. })
        ),
        "{refused}"
    );
    assert_eq!(store.record(&other.tax_id).unwrap(), None);
}
