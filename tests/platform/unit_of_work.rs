//! Units of work: several store changes as one transaction
//! (`SqliteStore::atomically`, and the platforms' `with_unit_of_work`).

use crate::platform_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fapiao::StoreError;
use fapiao::invoice::IssueOutcome;
use fapiao::platform::Order;
use fapiao::platform::{IssuingStore, RequestDigest};
use fapiao::store::SqliteStore;
use platform_support::*;

const SELLER: &str = "91350200776049653A";

fn refuse(store: &SqliteStore, serial: &str, digest: u8) -> Result<(), StoreError> {
    store
        .record_refused(SELLER, serial, &RequestDigest([digest; 32]), b"{}")
        .map(|_| ())
}

fn known(store: &SqliteStore, serial: &str) -> bool {
    store.find_request(SELLER, serial).unwrap().is_some()
}

#[test]
fn a_unit_commits_together_or_not_at_all() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .atomically(|| {
            refuse(&store, "S-1", 1)?;
            refuse(&store, "S-2", 2)
        })
        .unwrap();
    assert!(known(&store, "S-1") && known(&store, "S-2"));

    // The second change conflicts: the first one goes too.
    let failed = store.atomically(|| {
        refuse(&store, "S-3", 3)?;
        refuse(&store, "S-1", 9)
    });
    assert!(
        matches!(failed, Err(StoreError::Conflict { .. })),
        "{failed:?}"
    );
    assert!(!known(&store, "S-3"));

    // A change that fails inside a unit leaves nothing of itself, and the unit
    // may go on.
    store
        .atomically(|| {
            assert!(refuse(&store, "S-1", 9).is_err());
            refuse(&store, "S-4", 4)
        })
        .unwrap();
    assert!(known(&store, "S-4"));

    // Nested: the inner unit is a savepoint of the outer one.
    store
        .atomically(|| {
            refuse(&store, "S-5", 5)?;
            let inner = store.atomically(|| {
                refuse(&store, "S-6", 6)?;
                refuse(&store, "S-5", 9)
            });
            assert!(inner.is_err());
            assert!(!known(&store, "S-6"), "the inner unit rolled back");
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert!(known(&store, "S-5") && !known(&store, "S-6"));
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_panic_inside_a_unit_rolls_it_back_and_frees_the_store() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let inside = store.clone();
    let panicked = std::thread::spawn(move || {
        let _ = inside.atomically(|| {
            refuse(&inside, "P-1", 1)?;
            panic!("the work panics");
            #[allow(unreachable_code)]
            Ok::<_, StoreError>(())
        });
    })
    .join();
    assert!(panicked.is_err());
    assert!(!known(&store, "P-1"));
    refuse(&store, "P-2", 2).unwrap();
    assert!(known(&store, "P-2"));
}

#[test]
fn other_threads_wait_for_a_unit_and_see_it_whole() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let started = Arc::new(AtomicBool::new(false));
    let (unit_store, unit_started) = (store.clone(), started.clone());
    let unit = std::thread::spawn(move || {
        unit_store
            .atomically(|| {
                refuse(&unit_store, "T-1", 1)?;
                unit_started.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200));
                refuse(&unit_store, "T-2", 2)
            })
            .unwrap();
    });
    while !started.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    // This read waits for the unit: it sees both changes, never one.
    assert!(known(&store, "T-1"));
    assert!(known(&store, "T-2"));
    unit.join().unwrap();
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// The service platform's whole request is one unit: when recording the invoice
/// fails after the hosted device numbered it, the number, the quota reservation
/// and the envelope's message id all roll back, and the same envelope issues the
/// same first number once the fault is gone.
#[test]
fn a_failure_after_the_device_leaves_nothing_behind() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("unit_of_work-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = |name: &str| Arc::new(SqliteStore::open(dir.join(name)).unwrap());
    let world = World::with_stores(open("cloud.db"), open("service.db"), open("front.db"));
    let conn = rusqlite::Connection::open(dir.join("service.db")).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON outbox
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
    )
    .unwrap();
    let before = count(&conn, "SELECT COUNT(*) FROM replay_guard");

    let json = World::request(HOSTED_BY_PLATFORM, "U-1");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let request = world.cloud.submit(order, NOW).unwrap();
    let failed = world.service.handle(&request, NOW);
    assert!(
        failed
            .as_ref()
            .is_err_and(|e| e.to_string().contains("injected fault")),
        "{failed:?}"
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM device_journal"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM requests"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM quota_reservations"), 0);
    assert_eq!(
        count(&conn, "SELECT COALESCE(SUM(used_fen), 0) FROM quota_usage"),
        0
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM replay_guard"), before);

    conn.execute_batch("DROP TRIGGER injected_fault").unwrap();
    let answer = world.service.handle(&request, NOW).unwrap();
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    let IssueOutcome::Issued { invoice } = &response.outcome else {
        panic!("expected an invoice, got {response:?}");
    };
    let number = invoice.invoice_number.to_string();
    assert!(
        number.ends_with("00000001"),
        "the first number of the segment: {number}"
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM device_journal"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM outbox"), 1);
    // Now it is recorded: the same envelope again is a replay.
    assert!(world.service.handle(&request, NOW).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A builder names the part it cannot build without.
#[test]
fn a_builder_names_what_is_missing() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let missing = |result: Result<(), fapiao::Error>| match result {
        Err(fapiao::Error::Platform(fapiao::PlatformError::Incomplete { missing })) => missing,
        other => panic!("expected an incomplete builder, got {other:?}"),
    };
    let service = fapiao::ServicePlatform::builder(creds("eisp-p256"), trust())
        .store(store.clone())
        .build();
    assert_eq!(missing(service.map(|_| ())), "hosted device");
    let service = fapiao::ServicePlatform::builder(creds("eisp-p256"), trust())
        .hosted_device(Arc::new(hosted_device(creds("eisp-p256"), store.clone())))
        .build();
    assert_eq!(missing(service.map(|_| ())), "peer directory");
    let cloud = fapiao::CloudPlatform::builder(creds("ecp-rsa"), trust())
        .store(store.clone())
        .build();
    assert_eq!(missing(cloud.map(|_| ())), "service platform");
    let front_end = fapiao::FrontEndService::builder(creds("enterprise-p256"), trust())
        .service_platform(SERVICE_PLATFORM)
        .build();
    assert_eq!(missing(front_end.map(|_| ())), "store");
}

/// A unit of work given to the builder replaces the store's: each request is
/// one transaction of it.
#[test]
fn a_builder_runs_each_message_in_the_unit_it_is_given() {
    let world = World::new();
    let unit = CountingUnit::on(&world.service_store);
    let service = fapiao::ServicePlatform::builder(creds("eisp-p256"), trust())
        .store(world.service_store.clone())
        .hosted_device(Arc::new(hosted_device(
            creds("eisp-p256"),
            world.service_store.clone(),
        )))
        .unit_of_work(unit.clone())
        .build()
        .unwrap();
    let json = World::request(HOSTED_BY_PLATFORM, "BUILT-1");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let answer = service
        .handle(&world.cloud.submit(order, NOW).unwrap(), NOW)
        .unwrap();
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    assert!(matches!(response.outcome, IssueOutcome::Issued { .. }));
    assert_eq!(unit.transactions(), 1);
}
