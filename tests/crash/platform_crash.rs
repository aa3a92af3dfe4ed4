//! Crash safety of the whole method: a child process runs the three
//! roles on file databases, issuing in both hosting modes in a loop, and is
//! killed with SIGKILL at random moments, many times. After each restart the
//! service platform's store must hold together (no invoice number used twice or
//! skipped without a record, every answered request with its invoice, every
//! invoice in the tax outbox, every accepted request with its queued command),
//! and every invoice the cloud platform stored must be the one the service
//! platform recorded for that request. At the end the work in flight is
//! finished: every queued command is applied once and every invoice uploaded.

use crate::crash_support;
use crate::platform_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crash_support::{child_db, kill_repeatedly, test_name};
use fapiao::invoice::IssueOutcome;
use fapiao::platform::Order;
use fapiao::platform::{CloudStore, IssuingStore};
use fapiao::store::SqliteStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use platform_support::*;

fn stores(dir: &Path) -> (Arc<SqliteStore>, Arc<SqliteStore>, Arc<SqliteStore>) {
    std::fs::create_dir_all(dir).unwrap();
    let open = |name: &str| Arc::new(SqliteStore::open(dir.join(name)).unwrap());
    (open("cloud.db"), open("service.db"), open("front.db"))
}

/// Runs the roles in a loop until killed (only when started as a crash child).
#[test]
fn crash_child_issues_through_the_platforms() {
    let Some(dir) = child_db() else { return };
    let (cloud, service, front) = stores(&dir);
    let world = World::with_stores(cloud, service, front);
    let run = std::process::id();
    let authority = RecordingTaxAuthority::new();
    let mut jitter = SeededJitter::new(u64::from(run));
    for i in 0.. {
        let now = NOW + i;
        for (seller, prefix) in [(HOSTED_BY_PLATFORM, "P"), (HOSTED_BY_ENTERPRISE, "A")] {
            let json = World::request(seller, &format!("{prefix}-{run}-{i}"));
            let order = Order::Signed(world.erp_sign(seller, &json, now));
            let request = world.cloud.submit(order, now).unwrap();
            let answer = world.service.handle(&request, now).unwrap();
            world.cloud.open_response(&answer, now).unwrap();
        }
        world.run_front_end(10, now);
        for ticket in world.cloud_store.outstanding_tickets(10).unwrap() {
            let query = world.cloud.query_ticket(&ticket.ticket, now).unwrap();
            world
                .cloud
                .open_response(&world.service.handle(&query, now).unwrap(), now)
                .unwrap();
        }
        world
            .service
            .drain_outbox(&authority, now, &RetryPolicy::default(), &mut jitter)
            .unwrap();
    }
}

fn check(dir: &Path, round: &str) {
    let (cloud, service, _) = stores(dir);
    let problems = service.check_integrity().unwrap();
    assert!(problems.is_empty(), "{round}: {problems:?}");
    // Every invoice the cloud platform stored is the service platform's answer.
    let conn = rusqlite::Connection::open(dir.join("cloud.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT seller_tax_id, serial_number FROM cloud_invoices")
        .unwrap();
    let keys: Vec<(String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (seller, serial) in keys {
        let stored = cloud.invoice_by_serial(&seller, &serial).unwrap().unwrap();
        let record = service.find_request(&seller, &serial).unwrap();
        let record = record.unwrap_or_else(|| {
            panic!("{round}: {seller}/{serial} unknown to the service platform")
        });
        assert_eq!(
            record.invoice_number.as_ref(),
            Some(&stored.invoice.invoice_number),
            "{round}: {seller}/{serial}"
        );
    }
}

#[test]
fn platforms_survive_sigkill() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("platform_crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    kill_repeatedly(
        &test_name(module_path!(), "crash_child_issues_through_the_platforms"),
        &dir,
        12,
        (700, 1600),
        |round| check(&dir, &format!("after kill {}", round.index)),
    );

    // Finish the work in flight, then everything is applied once and uploaded.
    let (cloud, service, front) = stores(&dir);
    let world = World::with_stores(cloud, service.clone(), front);
    // Inside every queued command's deadline (accepted at `NOW + i`, due 600 s
    // later): a command the child queued but never ran must still issue. (At a
    // later time the front end's device rightly refuses it as past its deadline
    // and the ticket ends `Failed`.)
    let now = NOW + 300;
    for _ in 0..20 {
        let report = world.run_front_end(100, now);
        if report.issued + report.failed == 0 {
            break;
        }
    }
    let conn = rusqlite::Connection::open(dir.join("service.db")).unwrap();
    let pending: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM requests WHERE state = 'ACCEPTED'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0, "every queued command was delivered and applied");
    let issued: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM requests WHERE state = 'ISSUED'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(issued > 0, "the child issued something before the kills");
    let authority = RecordingTaxAuthority::new();
    let mut jitter = SeededJitter::new(7);
    for step in 0..5 {
        world
            .service
            .drain_outbox(
                &authority,
                now + step * 100_000,
                &RetryPolicy::default(),
                &mut jitter,
            )
            .unwrap();
    }
    let not_uploaded: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE state <> 'UPLOADED'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(not_uploaded, 0);
    let problems = service.check_integrity().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // The answers the cloud platform never polled are still there to poll.
    for ticket in world.cloud_store.outstanding_tickets(1000).unwrap() {
        let query = world.cloud.query_ticket(&ticket.ticket, now).unwrap();
        let answer = world
            .cloud
            .open_response(&world.service.handle(&query, now).unwrap(), now)
            .unwrap();
        assert!(
            matches!(answer.outcome, IssueOutcome::Issued { .. }),
            "{answer:?}"
        );
    }
    eprintln!("platform crash test: {issued} issued requests survived 12 kills");
}
