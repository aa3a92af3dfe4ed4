//! Enterprise identity and qualification: `authenticate` and
//! `check_qualification`, one test per refusal reason. (Reservations and the
//! registry's JSON: qualification_registry.rs.)

use crate::invoice_support;
use crate::qualification_support;

use std::collections::BTreeSet;

use fapiao::invoice::InvoiceKind;
use fapiao::pki::SpkiFingerprint;
use fapiao::qualification::{
    Binding, CloudPlatformIdentity, EnterpriseStatus, HostingMode, QualificationRegistry, Refusal,
    SignerIdentity, authenticate, check_qualification,
};
use fapiao::time::Timestamp;
use invoice_support::{blue, red};
use qualification_support::*;

// ---- authenticate --------------------------------------------------------------

#[test]
fn a_signer_is_bound_by_its_subject_serial_number() {
    let registry = registry();
    let request = validated(blue());
    let enterprise =
        authenticate(&registry, &request, &signer_by_serial(), Some(&platform())).unwrap();
    assert_eq!(enterprise.binding(), Binding::SubjectSerialNumber);
    assert_eq!(enterprise.tax_id().as_str(), SELLER);
    assert_eq!(enterprise.platform().party_id, ECP);
    assert_eq!(enterprise.signer_spki(), SpkiFingerprint([0x22; 32]));
    assert_eq!(
        enterprise.record().hosting_mode,
        HostingMode::PlatformHosted
    );
}

#[test]
fn a_signer_is_bound_by_a_registered_certificate() {
    let registry = registry();
    let request = validated(blue());
    let signer = SignerIdentity {
        subject_serial_number: None,
        spki_fingerprint: SpkiFingerprint(REGISTERED_KEY),
    };
    let enterprise = authenticate(&registry, &request, &signer, Some(&platform())).unwrap();
    assert_eq!(enterprise.binding(), Binding::RegisteredCertificate);
    // Even when the certificate names another enterprise in its serialNumber.
    let signer = SignerIdentity {
        subject_serial_number: Some(OTHER.into()),
        spki_fingerprint: SpkiFingerprint(REGISTERED_KEY),
    };
    let enterprise = authenticate(&registry, &request, &signer, Some(&platform())).unwrap();
    assert_eq!(enterprise.binding(), Binding::RegisteredCertificate);
}

#[test]
fn refusal_unknown_enterprise() {
    let registry = registry();
    let mut request = blue();
    request.seller.tax_id = OTHER.into();
    let request = validated(request);
    let signer = SignerIdentity {
        subject_serial_number: Some(OTHER.into()),
        spki_fingerprint: SpkiFingerprint([0; 32]),
    };
    let refused = refusal(authenticate(
        &registry,
        &request,
        &signer,
        Some(&platform()),
    ));
    assert_eq!(
        refused,
        Refusal::UnknownEnterprise {
            tax_id: code(OTHER)
        }
    );
    assert_eq!(refused.code(), "UNKNOWN_ENTERPRISE");
}

#[test]
fn refusal_signer_not_bound() {
    let registry = registry();
    let request = validated(blue());
    let not_bound = Refusal::SignerNotBound {
        tax_id: code(SELLER),
    };
    for serial in [
        None,
        Some(OTHER),
        Some("91350200776049653a"),
        Some("SN:91350200776049653A"),
        Some(""),
    ] {
        let signer = SignerIdentity {
            subject_serial_number: serial.map(Into::into),
            spki_fingerprint: SpkiFingerprint([0x44; 32]),
        };
        let refused = refusal(authenticate(
            &registry,
            &request,
            &signer,
            Some(&platform()),
        ));
        assert_eq!(refused, not_bound, "{serial:?}");
    }
    // A key registered for another enterprise does not bind to this one.
    let mut other = record(OTHER);
    other.bound_certificates = BTreeSet::from([SpkiFingerprint([0x55; 32])]);
    registry.upsert(other).unwrap();
    let signer = SignerIdentity {
        subject_serial_number: None,
        spki_fingerprint: SpkiFingerprint([0x55; 32]),
    };
    assert_eq!(
        refusal(authenticate(
            &registry,
            &request,
            &signer,
            Some(&platform())
        )),
        not_bound
    );
}

#[test]
fn refusal_signer_not_bound_when_authenticated_for_another_seller() {
    let registry = registry();
    registry.upsert(record(OTHER)).unwrap();
    let mut other_request = blue();
    other_request.seller.tax_id = OTHER.into();
    let other_request = validated(other_request);
    let signer = SignerIdentity {
        subject_serial_number: Some(OTHER.into()),
        spki_fingerprint: SpkiFingerprint([0; 32]),
    };
    let other_enterprise =
        authenticate(&registry, &other_request, &signer, Some(&platform())).unwrap();
    let request = validated(blue());
    let refused = refusal(check_qualification(
        &registry,
        &other_enterprise,
        &request,
        NOW,
    ));
    assert_eq!(
        refused,
        Refusal::SignerNotBound {
            tax_id: code(SELLER)
        }
    );
}

#[test]
fn refusal_platform_not_pinned() {
    let registry = registry();
    let request = validated(blue());
    let refused = refusal(authenticate(&registry, &request, &signer_by_serial(), None));
    assert_eq!(refused, Refusal::PlatformNotPinned {});
}

#[test]
fn refusal_platform_not_authorized() {
    let registry = registry();
    let request = validated(blue());
    let stranger = CloudPlatformIdentity {
        party_id: "ecp-other".into(),
        spki_fingerprint: SpkiFingerprint([0x33; 32]),
    };
    let refused = refusal(authenticate(
        &registry,
        &request,
        &signer_by_serial(),
        Some(&stranger),
    ));
    assert_eq!(
        refused,
        Refusal::PlatformNotAuthorized {
            party_id: "ecp-other".into(),
            tax_id: code(SELLER)
        }
    );
}

// ---- check_qualification -------------------------------------------------------

#[test]
fn an_active_enterprise_is_qualified_and_its_quota_reserved() {
    let registry = registry();
    let request = validated(blue());
    let enterprise =
        authenticate(&registry, &request, &signer_by_serial(), Some(&platform())).unwrap();
    let guard = check_qualification(&registry, &enterprise, &request, NOW).unwrap();
    assert_eq!(guard.reservation().amount_fen(), BLUE_AMOUNT);
    assert_eq!(guard.reservation().month().to_string(), "2026-11");
    assert_eq!(usage(&registry, NOW.china_year_month()), (0, BLUE_AMOUNT));
    guard.commit().unwrap();
    assert_eq!(usage(&registry, NOW.china_year_month()), (BLUE_AMOUNT, 0));
}

#[test]
fn refusal_enterprise_suspended_even_after_authentication() {
    let registry = registry();
    let request = validated(blue());
    let enterprise =
        authenticate(&registry, &request, &signer_by_serial(), Some(&platform())).unwrap();
    registry
        .set_status(&code(SELLER), EnterpriseStatus::Suspended)
        .unwrap();
    let refused = refusal(check_qualification(&registry, &enterprise, &request, NOW));
    assert_eq!(
        refused,
        Refusal::EnterpriseSuspended {
            tax_id: code(SELLER)
        }
    );
    registry
        .set_status(&code(SELLER), EnterpriseStatus::Active)
        .unwrap();
    check_qualification(&registry, &enterprise, &request, NOW)
        .unwrap()
        .release()
        .unwrap();
}

#[test]
fn refusal_enterprise_revoked() {
    let registry = registry();
    registry
        .set_status(&code(SELLER), EnterpriseStatus::Revoked)
        .unwrap();
    let refused = refusal(check_blue_at(&registry, &validated(blue()), NOW));
    assert_eq!(
        refused,
        Refusal::EnterpriseRevoked {
            tax_id: code(SELLER)
        }
    );
    assert_eq!(refused.code(), "ENTERPRISE_REVOKED");
}

#[test]
fn refusal_qualification_not_yet_valid() {
    let registry = registry();
    let request = validated(blue());
    let early = Timestamp::from_unix_seconds(VALID_FROM - 1);
    let refused = refusal(check_blue_at(&registry, &request, early));
    assert_eq!(
        refused,
        Refusal::QualificationNotYetValid {
            valid_from_unix: Timestamp::from_unix_seconds(VALID_FROM),
            now_unix: early
        }
    );
    assert!(
        refused.to_string().contains("2026-01-01T00:00:00+08:00"),
        "{refused}"
    );
    let reservation = check_blue_at(
        &registry,
        &request,
        Timestamp::from_unix_seconds(VALID_FROM),
    )
    .expect("from is inclusive");
    registry.release_quota(reservation).unwrap();
}

#[test]
fn refusal_qualification_expired() {
    let registry = registry();
    let request = validated(blue());
    let refused = refusal(check_blue_at(
        &registry,
        &request,
        Timestamp::from_unix_seconds(VALID_UNTIL),
    ));
    assert_eq!(
        refused,
        Refusal::QualificationExpired {
            valid_until_unix: Timestamp::from_unix_seconds(VALID_UNTIL),
            now_unix: Timestamp::from_unix_seconds(VALID_UNTIL)
        }
    );
    let reservation = check_blue_at(
        &registry,
        &request,
        Timestamp::from_unix_seconds(VALID_UNTIL - 1),
    )
    .expect("until is exclusive");
    registry.release_quota(reservation).unwrap();
}

#[test]
fn refusal_invoice_kind_not_allowed() {
    let registry = registry();
    let mut request = blue();
    request.invoice_kind = InvoiceKind::PaperSpecial;
    let refused = refusal(check_blue_at(&registry, &validated(request), NOW));
    assert_eq!(
        refused,
        Refusal::InvoiceKindNotAllowed {
            invoice_kind: InvoiceKind::PaperSpecial
        }
    );
    assert_eq!(
        refused.to_string(),
        "the enterprise may not issue PAPER_SPECIAL invoices"
    );
}

#[test]
fn refusal_single_invoice_limit_exceeded() {
    let registry = registry();
    let request = validated(blue());
    let mut limited = record(SELLER);
    limited.single_invoice_limit_fen = BLUE_AMOUNT - 1;
    registry.upsert(limited.clone()).unwrap();
    let refused = refusal(check_blue_at(&registry, &request, NOW));
    assert_eq!(
        refused,
        Refusal::SingleInvoiceLimitExceeded {
            limit_fen: BLUE_AMOUNT - 1,
            amount_fen: BLUE_AMOUNT
        }
    );
    assert_eq!(
        refused.to_string(),
        "amount 24445.00 is above the single-invoice limit of 24444.99"
    );
    limited.single_invoice_limit_fen = BLUE_AMOUNT;
    registry.upsert(limited).unwrap();
    registry
        .release_quota(check_blue_at(&registry, &request, NOW).unwrap())
        .unwrap();
}

#[test]
fn a_red_invoice_is_limited_by_its_magnitude_and_reserves_nothing() {
    let registry = registry();
    let request = validated(red());
    let signer = signer_by_serial();
    let enterprise = authenticate(&registry, &request, &signer, Some(&platform())).unwrap();
    let guard = check_qualification(&registry, &enterprise, &request, NOW).unwrap();
    assert_eq!(guard.reservation().amount_fen(), 0);
    guard.commit().unwrap();
    assert_eq!(usage(&registry, NOW.china_year_month()), (0, 0));

    let mut limited = record(SELLER);
    limited.single_invoice_limit_fen = 499_998;
    registry.upsert(limited).unwrap();
    let refused = refusal(check_qualification(&registry, &enterprise, &request, NOW));
    assert_eq!(
        refused,
        Refusal::SingleInvoiceLimitExceeded {
            limit_fen: 499_998,
            amount_fen: 499_999
        }
    );
}

#[test]
fn refusal_monthly_quota_exceeded_counts_used_and_reserved() {
    let registry = registry();
    let request = validated(blue());
    let month = NOW.china_year_month();
    let first = check_blue_at(&registry, &request, NOW).unwrap();
    registry.commit_quota(first).unwrap();
    let second = check_blue_at(&registry, &request, NOW).unwrap();
    assert_eq!(usage(&registry, month), (BLUE_AMOUNT, BLUE_AMOUNT));
    let refused = refusal(check_blue_at(&registry, &request, NOW));
    assert_eq!(
        refused,
        Refusal::MonthlyQuotaExceeded {
            month,
            quota_fen: 5_000_000,
            used_fen: BLUE_AMOUNT,
            reserved_fen: BLUE_AMOUNT,
            requested_fen: BLUE_AMOUNT,
        }
    );
    assert_eq!(
        refused.to_string(),
        "2026-11: 24445.00 used and 24445.00 reserved of a 50000.00 quota leave no room for 24445.00"
    );
    // The next month has its own quota; the month turns at midnight in Beijing.
    let december = Timestamp::from_unix_seconds(1_796_054_400);
    assert_eq!(december.china_year_month().to_string(), "2026-12");
    let reservation = check_blue_at(&registry, &request, december).unwrap();
    assert_eq!(reservation.month().to_string(), "2026-12");
    registry.release_quota(reservation).unwrap();
    registry.release_quota(second).unwrap();
    assert_eq!(usage(&registry, month), (BLUE_AMOUNT, 0));
}
