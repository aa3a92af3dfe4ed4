//! Fixtures shared by the qualification tests: a registry with one enterprise,
//! its signers and the times the checks run at.
#![allow(dead_code)]

use std::collections::BTreeSet;

use fapiao::invoice::{
    InvoiceKind, IssueRequest, UnifiedSocialCreditCode, ValidatedRequest, ValidationPolicy,
    YearMonth,
};
use fapiao::pki::SpkiFingerprint;
use fapiao::qualification::{
    CloudPlatformIdentity, EmbeddedRegistry, EnterpriseStatus, HostingMode, QualificationError,
    QualificationRecord, QualificationRegistry, QuotaReservation, Refusal, SignerIdentity,
    authenticate, check_qualification,
};
use fapiao::time::Timestamp;

pub const SELLER: &str = "91350200776049653A";
pub const OTHER: &str = "91440101MA5CJQ4N59";
/// 2026-01-01T00:00:00+08:00.
pub const VALID_FROM: u64 = 1_767_196_800;
/// 2027-01-01T00:00:00+08:00.
pub const VALID_UNTIL: u64 = 1_798_732_800;
/// 2026-11-28T12:00:00+08:00.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_838_400);
/// The blue sample's amount without tax.
pub const BLUE_AMOUNT: i64 = 2_444_500;
pub const REGISTERED_KEY: [u8; 32] = [0x11; 32];
pub const ECP: &str = "ecp-main";

pub fn code(text: &str) -> UnifiedSocialCreditCode {
    UnifiedSocialCreditCode::parse(text).unwrap()
}

pub fn record(tax_id: &str) -> QualificationRecord {
    QualificationRecord {
        tax_id: code(tax_id),
        name: "厦门示例科技有限公司".into(),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: BTreeSet::from([
            InvoiceKind::DigitalOrdinary,
            InvoiceKind::DigitalSpecial,
        ]),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 5_000_000,
        valid_from_unix: Timestamp::from_unix_seconds(VALID_FROM),
        valid_until_unix: Timestamp::from_unix_seconds(VALID_UNTIL),
        hosting_mode: HostingMode::PlatformHosted,
        allowed_platforms: BTreeSet::from([ECP.to_owned()]),
        bound_certificates: BTreeSet::from([SpkiFingerprint(REGISTERED_KEY)]),
        devices: Vec::new(),
    }
}

pub fn registry() -> EmbeddedRegistry {
    let registry = EmbeddedRegistry::new();
    assert_eq!(registry.upsert(record(SELLER)).unwrap(), None);
    registry
}

pub fn validated(request: IssueRequest) -> ValidatedRequest {
    request
        .validate(&ValidationPolicy::default())
        .expect("a valid request")
}

pub fn signer_by_serial() -> SignerIdentity {
    SignerIdentity {
        subject_serial_number: Some(SELLER.into()),
        spki_fingerprint: SpkiFingerprint([0x22; 32]),
    }
}

pub fn platform() -> CloudPlatformIdentity {
    CloudPlatformIdentity {
        party_id: ECP.into(),
        spki_fingerprint: SpkiFingerprint([0x33; 32]),
    }
}

pub fn refusal(result: Result<impl std::fmt::Debug, fapiao::Error>) -> Refusal {
    match result {
        Err(fapiao::Error::Qualification(QualificationError::Refused(refusal))) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Authenticates the blue sample and checks it at `now`.
pub fn check_blue_at(
    registry: &EmbeddedRegistry,
    request: &ValidatedRequest,
    now: Timestamp,
) -> Result<QuotaReservation, fapiao::Error> {
    let enterprise = authenticate(registry, request, &signer_by_serial(), Some(&platform()))?;
    check_qualification(registry, &enterprise, request, now).map(|guard| guard.into_reservation())
}

pub fn usage(registry: &EmbeddedRegistry, month: YearMonth) -> (i64, i64) {
    let usage = registry.usage(&code(SELLER), month).unwrap();
    (usage.used_fen, usage.reserved_fen)
}
