//! The qualification registry: quota reservations (atomic, released on failure),
//! the embedded registry's JSON, and refusals on the wire.

use crate::invoice_support;
use crate::qualification_support;

use std::collections::BTreeSet;

use fapiao::invoice::InvoiceKind;
use fapiao::qualification::{
    EmbeddedRegistry, EnterpriseStatus, QualificationError, QualificationRegistry,
    QuotaReservation, Refusal, authenticate, check_qualification,
};
use fapiao::time::Timestamp;
use invoice_support::blue;
use qualification_support::*;

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
        Err(fapiao::Error::Qualification(QualificationError::UnknownReservation { id: unknown })) if unknown == id
    ));
    // A forged token with a known id but another amount is refused too.
    let forged = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), 1);
    assert!(matches!(
        registry.release_quota(forged),
        Err(fapiao::Error::Qualification(
            QualificationError::UnknownReservation { .. }
        ))
    ));
    let genuine = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), BLUE_AMOUNT);
    registry.release_quota(genuine).unwrap();
    let again = QuotaReservation::new(id, code(SELLER), NOW.china_year_month(), BLUE_AMOUNT);
    assert!(matches!(
        registry.commit_quota(again),
        Err(fapiao::Error::Qualification(
            QualificationError::UnknownReservation { .. }
        ))
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
                            Err(fapiao::Error::Qualification(QualificationError::Refused(
                                Refusal::MonthlyQuotaExceeded { .. },
                            ))) => None,
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
    registry_json(|v| {
        v["enterprises"][0]["record"]["bound_certificates"][0] = "Ab".repeat(32).into()
    })
    .expect("either case");
    for bad in [
        "AB".repeat(31) + "A",
        "ab".repeat(33),
        "zz".repeat(32),
        String::new(),
    ] {
        let error = registry_json(|v| {
            v["enterprises"][0]["record"]["bound_certificates"][0] = bad.clone().into()
        })
        .unwrap_err();
        assert!(
            error.to_string().contains("64 hexadecimal digits"),
            "{bad}: {error}"
        );
    }
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

/// An enterprise's own devices: ids of the device alphabet, each once, each with
/// one PEM certificate; a good list round-trips through the registry's JSON.
#[test]
fn registered_devices_are_checked() {
    use fapiao::qualification::RegisteredDevice;
    let pem = String::from_utf8(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/enterprise-p256.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    let device = |id: &str, pem: &str| RegisteredDevice {
        device_id: id.to_owned(),
        seal_certificate_pem: pem.to_owned(),
    };
    let with = |devices: Vec<RegisteredDevice>| {
        let mut r = record(SELLER);
        r.devices = devices;
        EmbeddedRegistry::new().upsert(r)
    };
    let problem = |devices| match with(devices) {
        Err(QualificationError::InvalidRecord { problem, .. }) => problem,
        other => panic!("expected an invalid record, got {other:?}"),
    };
    assert!(problem(vec![device("ENT DEV", &pem)]).contains("device id"));
    assert!(problem(vec![device("", &pem)]).contains("device id"));
    assert!(problem(vec![device("ENT-DEV-1", &pem), device("ENT-DEV-1", &pem)]).contains("twice"));
    assert!(problem(vec![device("ENT-DEV-1", "not a certificate")]).contains("certificate"));
    let two = format!("{pem}{pem}");
    assert!(problem(vec![device("ENT-DEV-1", &two)]).contains("certificate"));

    let mut r = record(SELLER);
    r.devices = vec![device("ENT-DEV-1", &pem), device("ENT-DEV-2", &pem)];
    let registry = EmbeddedRegistry::new();
    registry.upsert(r.clone()).unwrap();
    assert_eq!(registry.record(&code(SELLER)).unwrap(), Some(r.clone()));
    assert_eq!(
        r.device("ENT-DEV-2").map(|d| d.device_id.as_str()),
        Some("ENT-DEV-2")
    );
    assert!(r.device("ENT-DEV-3").is_none());
    // A device is one enterprise's.
    let mut other = record(OTHER);
    other.devices = vec![device("ENT-DEV-2", &pem)];
    assert!(matches!(
        registry.upsert(other.clone()),
        Err(QualificationError::InvalidRecord { problem, .. }) if problem.contains("another")
    ));
    other.devices = vec![device("ENT-DEV-3", &pem)];
    registry.upsert(other).unwrap();
    registry.upsert(r.clone()).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["devices"][0]["device_id"], "ENT-DEV-1");
    let back: fapiao::qualification::QualificationRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
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
        Err(fapiao::Error::Qualification(
            QualificationError::UnknownReservation { .. }
        ))
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
            valid_from_unix: Timestamp::from_unix_seconds(1),
            now_unix: Timestamp::from_unix_seconds(0),
        },
        Refusal::QualificationExpired {
            valid_until_unix: Timestamp::from_unix_seconds(1),
            now_unix: Timestamp::from_unix_seconds(2),
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
fn the_refusal_accessor_exposes_the_reason_for_the_response() {
    let error = QualificationError::from(Refusal::PlatformNotPinned {});
    assert_eq!(error.refusal(), Some(&Refusal::PlatformNotPinned {}));
    assert_eq!(QualificationError::MissingVersion.refusal(), None);
}
