//! Enterprise identity and qualification: one test per refusal reason, the quota's
//! reservations, and the embedded registry's JSON.

mod invoice_support;

use std::collections::BTreeSet;

use fapiao::invoice::{
    InvoiceKind, IssueRequest, UnifiedSocialCreditCode, UnixTime, ValidatedRequest,
    ValidationPolicy, YearMonth,
};
use fapiao::pki::SpkiFingerprint;
use fapiao::qualification::{
    Binding, CloudPlatformIdentity, EmbeddedRegistry, EnterpriseStatus, HostingMode,
    QualificationError, QualificationRecord, QualificationRegistry, QuotaReservation, Refusal,
    SignerIdentity, authenticate, check_qualification,
};
use invoice_support::{blue, red, retotal};

const SELLER: &str = "91350200776049653A";
const OTHER: &str = "91440101MA5CJQ4N59";
/// 2026-01-01T00:00:00+08:00.
const VALID_FROM: i64 = 1_767_196_800;
/// 2027-01-01T00:00:00+08:00.
const VALID_UNTIL: i64 = 1_798_732_800;
/// 2026-11-28T12:00:00+08:00.
const NOW: UnixTime = UnixTime(1_795_838_400);
/// The blue sample's amount without tax.
const BLUE_AMOUNT: i64 = 2_444_500;
const REGISTERED_KEY: [u8; 32] = [0x11; 32];
const ECP: &str = "ecp-main";

fn code(text: &str) -> UnifiedSocialCreditCode {
    UnifiedSocialCreditCode::parse(text).unwrap()
}

fn record(tax_id: &str) -> QualificationRecord {
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
        valid_from_unix: UnixTime(VALID_FROM),
        valid_until_unix: UnixTime(VALID_UNTIL),
        hosting_mode: HostingMode::PlatformHosted,
        allowed_platforms: BTreeSet::from([ECP.to_owned()]),
        bound_certificates: BTreeSet::from([SpkiFingerprint(REGISTERED_KEY)]),
    }
}

fn registry() -> EmbeddedRegistry {
    let registry = EmbeddedRegistry::new();
    assert_eq!(registry.upsert(record(SELLER)).unwrap(), None);
    registry
}

fn validated(request: IssueRequest) -> ValidatedRequest {
    request
        .validate(&ValidationPolicy::default())
        .expect("a valid request")
}

fn signer_by_serial() -> SignerIdentity {
    SignerIdentity {
        subject_serial_number: Some(SELLER.into()),
        spki_fingerprint: SpkiFingerprint([0x22; 32]),
    }
}

fn platform() -> CloudPlatformIdentity {
    CloudPlatformIdentity {
        party_id: ECP.into(),
        spki_fingerprint: SpkiFingerprint([0x33; 32]),
    }
}

fn refusal(result: Result<impl std::fmt::Debug, QualificationError>) -> Refusal {
    match result {
        Err(QualificationError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Authenticates the blue sample and checks it at `now`.
fn check_blue_at(
    registry: &EmbeddedRegistry,
    request: &ValidatedRequest,
    now: UnixTime,
) -> Result<QuotaReservation, QualificationError> {
    let enterprise = authenticate(registry, request, &signer_by_serial(), Some(&platform()))?;
    check_qualification(registry, &enterprise, request, now).map(|guard| guard.into_reservation())
}

fn usage(registry: &EmbeddedRegistry, month: YearMonth) -> (i64, i64) {
    let usage = registry.usage(&code(SELLER), month).unwrap();
    (usage.used_fen, usage.reserved_fen)
}

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
    let early = UnixTime(VALID_FROM - 1);
    let refused = refusal(check_blue_at(&registry, &request, early));
    assert_eq!(
        refused,
        Refusal::QualificationNotYetValid {
            valid_from_unix: UnixTime(VALID_FROM),
            now_unix: early
        }
    );
    assert!(
        refused.to_string().contains("2026-01-01T00:00:00+08:00"),
        "{refused}"
    );
    let reservation =
        check_blue_at(&registry, &request, UnixTime(VALID_FROM)).expect("from is inclusive");
    registry.release_quota(reservation).unwrap();
}

#[test]
fn refusal_qualification_expired() {
    let registry = registry();
    let request = validated(blue());
    let refused = refusal(check_blue_at(&registry, &request, UnixTime(VALID_UNTIL)));
    assert_eq!(
        refused,
        Refusal::QualificationExpired {
            valid_until_unix: UnixTime(VALID_UNTIL),
            now_unix: UnixTime(VALID_UNTIL)
        }
    );
    let reservation =
        check_blue_at(&registry, &request, UnixTime(VALID_UNTIL - 1)).expect("until is exclusive");
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
    let december = UnixTime(1_796_054_400);
    assert_eq!(december.china_year_month().to_string(), "2026-12");
    let reservation = check_blue_at(&registry, &request, december).unwrap();
    assert_eq!(reservation.month().to_string(), "2026-12");
    registry.release_quota(reservation).unwrap();
    registry.release_quota(second).unwrap();
    assert_eq!(usage(&registry, month), (BLUE_AMOUNT, 0));
}

// ---- reservations ----------------------------------------------------------------

#[test]
fn a_dropped_guard_releases_its_quota() {
    let registry = registry();
    let request = validated(blue());
    let enterprise =
        authenticate(&registry, &request, &signer_by_serial(), Some(&platform())).unwrap();
    let month = NOW.china_year_month();
    {
        let _guard = check_qualification(&registry, &enterprise, &request, NOW).unwrap();
        assert_eq!(usage(&registry, month), (0, BLUE_AMOUNT));
        // The device fails here: the guard goes out of scope uncommitted.
    }
    assert_eq!(usage(&registry, month), (0, 0));
    let guard = check_qualification(&registry, &enterprise, &request, NOW).unwrap();
    guard.release().unwrap();
    assert_eq!(usage(&registry, month), (0, 0));
}

#[test]
fn a_reservation_is_only_taken_back_by_the_registry_that_made_it() {
    let registry = registry();
    let other = self::registry();
    let reservation = check_blue_at(&registry, &validated(blue()), NOW).unwrap();
    let id = reservation.id();
    assert!(matches!(
        other.commit_quota(reservation),
        Err(QualificationError::UnknownReservation { id: unknown }) if unknown == id
    ));
    // A forged token with a known id but another amount is refused too.
    let forged = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), 1);
    assert!(matches!(
        registry.release_quota(forged),
        Err(QualificationError::UnknownReservation { .. })
    ));
    let genuine = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), BLUE_AMOUNT);
    registry.release_quota(genuine).unwrap();
    let again = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), BLUE_AMOUNT);
    assert!(matches!(
        registry.commit_quota(again),
        Err(QualificationError::UnknownReservation { .. })
    ));
}

#[test]
fn concurrent_reservations_never_exceed_the_quota() {
    let registry = registry();
    let month = NOW.china_year_month();
    let tax_id = code(SELLER);
    let granted: Vec<QuotaReservation> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    (0..10)
                        .filter_map(|_| match registry.reserve_quota(&tax_id, month, 300_000) {
                            Ok(reservation) => Some(reservation),
                            Err(QualificationError::Refused(Refusal::MonthlyQuotaExceeded {
                                ..
                            })) => None,
                            Err(other) => panic!("{other}"),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    // 5,000,000 / 300,000 = 16 fit, the 17th would not.
    assert_eq!(granted.len(), 16);
    assert_eq!(usage(&registry, month), (0, 16 * 300_000));
    let ids: BTreeSet<u64> = granted.iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), 16);
    for reservation in granted {
        registry.commit_quota(reservation).unwrap();
    }
    assert_eq!(usage(&registry, month), (4_800_000, 0));
}

// ---- the registry's JSON ------------------------------------------------------------

#[test]
fn the_registry_round_trips_through_json_with_its_usage() {
    let registry = registry();
    registry.upsert(record(OTHER)).unwrap();
    let request = validated(blue());
    registry
        .commit_quota(check_blue_at(&registry, &request, NOW).unwrap())
        .unwrap();
    let pending = check_blue_at(&registry, &request, NOW).unwrap();
    let json = registry.to_json().unwrap();
    let reloaded = EmbeddedRegistry::from_json(&json).unwrap();
    assert_eq!(reloaded.records(), registry.records());
    // Committed usage is kept; the reservation in flight is not.
    assert_eq!(usage(&reloaded, NOW.china_year_month()), (BLUE_AMOUNT, 0));
    assert_eq!(
        usage(&registry, NOW.china_year_month()),
        (BLUE_AMOUNT, BLUE_AMOUNT)
    );
    registry.release_quota(pending).unwrap();

    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["version"], "1.0");
    let first = &value["enterprises"][0];
    assert_eq!(first["record"]["tax_id"], SELLER);
    assert_eq!(first["usage"]["2026-11"], BLUE_AMOUNT);
    assert_eq!(first["record"]["bound_certificates"][0], "11".repeat(32));
    assert_eq!(first["record"]["status"], "ACTIVE");
    assert_eq!(first["record"]["hosting_mode"], "PLATFORM_HOSTED");
}

fn registry_json(
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<EmbeddedRegistry, QualificationError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(&registry().to_json().unwrap()).unwrap();
    edit(&mut value);
    EmbeddedRegistry::from_json(&serde_json::to_vec(&value).unwrap())
}

#[test]
fn the_registry_json_is_strict_and_versioned() {
    registry_json(|_| {}).expect("unchanged");
    let error =
        registry_json(|v| v["enterprises"][0]["record"]["colour"] = "blue".into()).unwrap_err();
    assert!(matches!(error, QualificationError::Json(_)), "{error}");
    assert!(error.to_string().contains("unknown field `colour`"));
    let error = registry_json(|v| v["version"] = "9.9".into()).unwrap_err();
    assert!(
        matches!(&error, QualificationError::UnsupportedVersion { found, .. } if found == "9.9")
    );
    assert!(error.to_string().ends_with("(supported: 1.0)"));
    let error = registry_json(|v| {
        v.as_object_mut().unwrap().remove("version");
    })
    .unwrap_err();
    assert!(matches!(error, QualificationError::MissingVersion));
    let error =
        registry_json(|v| v["enterprises"][0]["record"]["tax_id"] = "91350200776049653B".into())
            .unwrap_err();
    assert!(matches!(error, QualificationError::Json(_)), "{error}");
    let error =
        registry_json(|v| v["enterprises"][0]["record"]["bound_certificates"][0] = "abcd".into())
            .unwrap_err();
    assert!(
        error.to_string().contains("64 hexadecimal digits"),
        "{error}"
    );
    let error = registry_json(|v| v["enterprises"][0]["usage"]["2026-13"] = 1.into()).unwrap_err();
    assert!(matches!(error, QualificationError::Json(_)), "{error}");
}

#[test]
fn the_registry_refuses_inconsistent_records() {
    let error = registry_json(|v| {
        let first = v["enterprises"][0].clone();
        v["enterprises"].as_array_mut().unwrap().push(first);
    })
    .unwrap_err();
    assert!(
        matches!(error, QualificationError::DuplicateEnterprise { .. }),
        "{error}"
    );
    let error = registry_json(|v| v["enterprises"][0]["record"]["monthly_quota_fen"] = (-1).into())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("qualification record of {SELLER}: the monthly quota is negative")
    );
    let error =
        registry_json(|v| v["enterprises"][0]["usage"]["2026-11"] = (-5).into()).unwrap_err();
    assert!(
        matches!(error, QualificationError::InvalidRecord { .. }),
        "{error}"
    );
    let mut reversed = record(SELLER);
    reversed.valid_until_unix = reversed.valid_from_unix;
    assert!(matches!(
        EmbeddedRegistry::new().upsert(reversed),
        Err(QualificationError::InvalidRecord { .. })
    ));
    let mut blank = record(SELLER);
    blank.name = " ".into();
    assert!(matches!(
        EmbeddedRegistry::new().upsert(blank),
        Err(QualificationError::InvalidRecord { .. })
    ));
    assert!(matches!(
        EmbeddedRegistry::new().set_status(&code(SELLER), EnterpriseStatus::Active),
        Err(QualificationError::NoSuchEnterprise { .. })
    ));
}

#[test]
fn removing_an_enterprise_drops_its_reservations() {
    let registry = registry();
    let reservation = check_blue_at(&registry, &validated(blue()), NOW).unwrap();
    assert_eq!(
        registry.remove(&code(SELLER)).map(|r| r.tax_id),
        Some(code(SELLER))
    );
    assert!(matches!(
        registry.commit_quota(reservation),
        Err(QualificationError::UnknownReservation { .. })
    ));
    assert!(registry.records().is_empty());
}

// ---- refusals on the wire -------------------------------------------------------------

#[test]
fn every_refusal_has_a_stable_code_on_the_wire() {
    let refusals = [
        Refusal::UnknownEnterprise {
            tax_id: code(SELLER),
        },
        Refusal::SignerNotBound {
            tax_id: code(SELLER),
        },
        Refusal::PlatformNotPinned {},
        Refusal::PlatformNotAuthorized {
            party_id: "x".into(),
            tax_id: code(SELLER),
        },
        Refusal::EnterpriseSuspended {
            tax_id: code(SELLER),
        },
        Refusal::EnterpriseRevoked {
            tax_id: code(SELLER),
        },
        Refusal::QualificationNotYetValid {
            valid_from_unix: UnixTime(1),
            now_unix: UnixTime(0),
        },
        Refusal::QualificationExpired {
            valid_until_unix: UnixTime(1),
            now_unix: UnixTime(2),
        },
        Refusal::InvoiceKindNotAllowed {
            invoice_kind: InvoiceKind::PaperOrdinary,
        },
        Refusal::SingleInvoiceLimitExceeded {
            limit_fen: 1,
            amount_fen: 2,
        },
        Refusal::MonthlyQuotaExceeded {
            month: "2026-11".parse().unwrap(),
            quota_fen: 1,
            used_fen: 1,
            reserved_fen: 0,
            requested_fen: 1,
        },
    ];
    let codes: Vec<&str> = refusals.iter().map(Refusal::code).collect();
    assert_eq!(codes, Refusal::ALL_CODES);
    for refusal in refusals {
        let value = serde_json::to_value(&refusal).unwrap();
        assert_eq!(value["code"], refusal.code());
        assert_eq!(serde_json::from_value::<Refusal>(value).unwrap(), refusal);
        let error: fapiao::Error = QualificationError::from(refusal.clone()).into();
        assert_eq!(
            error.to_string(),
            format!("qualification: refused: {refusal}")
        );
    }
    let mut value = serde_json::to_value(Refusal::PlatformNotPinned {}).unwrap();
    value["why"] = "no".into();
    assert!(serde_json::from_value::<Refusal>(value).is_err());
}

#[test]
fn refusal_accessor_and_retotal_helper_agree() {
    // `refusal()` exposes the reason for the response; other errors have none.
    let error = QualificationError::from(Refusal::PlatformNotPinned {});
    assert_eq!(error.refusal(), Some(&Refusal::PlatformNotPinned {}));
    assert_eq!(QualificationError::MissingVersion.refusal(), None);
    // A request changed and re-totalled stays valid, so the tests above start from
    // valid requests.
    let mut request = blue();
    request.lines.truncate(1);
    retotal(&mut request);
    validated(request);
}
