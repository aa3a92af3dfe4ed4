//! `fapiao_cli reconcile`, run in-process (the command module is compiled into
//! this test) on the databases of two platforms that issued invoices: agreeing
//! (exit 0), then made to disagree (exit 1, each difference named), and on bad
//! arguments or unreadable files (exit 2).

use crate::platform_support;
#[path = "../../examples/fapiao_cli/reconcile.rs"]
#[allow(dead_code)]
mod reconcile;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fapiao::invoice::IssueOutcome;
use fapiao::platform::Order;
use fapiao::store::SqliteStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use platform_support::*;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_reconcile")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = reconcile::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn reconcile_dbs(dir: &Path) -> (u8, String, String) {
    let (service, cloud) = (dir.join("service.db"), dir.join("cloud.db"));
    run(&[
        "--service-db",
        service.to_str().unwrap(),
        "--cloud-db",
        cloud.to_str().unwrap(),
    ])
}

/// Two platforms on files in `dir` that issued and uploaded three invoices.
fn agreeing_platforms(dir: &Path) -> World {
    let open = |name: &str| Arc::new(SqliteStore::open(dir.join(name)).unwrap());
    let world = World::with_stores(open("cloud.db"), open("service.db"), open("front.db"));
    for n in 1..=3 {
        let serial = format!("R-{n}");
        let response = world.issue(
            HOSTED_BY_PLATFORM,
            &World::request(HOSTED_BY_PLATFORM, &serial),
            NOW,
        );
        assert!(matches!(response.outcome, IssueOutcome::Issued { .. }));
    }
    world
        .service
        .drain_outbox(
            &RecordingTaxAuthority::new(),
            NOW,
            &RetryPolicy::default(),
            &mut SeededJitter::new(1),
        )
        .unwrap();
    world
}

#[test]
fn agreeing_databases_exit_0() {
    let dir = scratch("agree");
    let _world = agreeing_platforms(&dir);
    let (code, out, err) = reconcile_dbs(&dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "reconcile: 3 invoices at the service platform, 3 at the cloud platform, 0 differences"
    );
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_missing_invoice_and_an_outstanding_order_exit_1_named() {
    let dir = scratch("differ");
    let world = agreeing_platforms(&dir);
    // The cloud platform lost R-2's invoice; R-4 was sent, its answer lost.
    let conn = rusqlite::Connection::open(dir.join("cloud.db")).unwrap();
    let number: String = conn
        .query_row(
            "SELECT invoice_number FROM cloud_invoices WHERE serial_number = 'R-2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute("DELETE FROM cloud_invoices WHERE serial_number = 'R-2'", [])
        .unwrap();
    let json = World::request(HOSTED_BY_PLATFORM, "R-4");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let sealed = world.cloud.submit(order, NOW).unwrap();
    world.service.handle(&sealed, NOW).unwrap();

    let (code, out, err) = reconcile_dbs(&dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("service-only {HOSTED_BY_PLATFORM}/R-2 {number}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("service-only {HOSTED_BY_PLATFORM}/R-4 ")),
        "{out}"
    );
    assert!(
        out.contains(&format!("outstanding {HOSTED_BY_PLATFORM}/R-4\n")),
        "{out}"
    );
    assert!(out.contains("not-uploaded "), "R-4's invoice: {out}");
    assert!(
        out.contains("4 invoices at the service platform, 2 at the cloud platform, 4 differences"),
        "{out}"
    );

    // Re-sent: R-4's invoice arrives and the journal closes; R-2 stays.
    let (_, resent) = world.cloud.resend_next(0, NOW + 1).unwrap().unwrap();
    let answer = world.service.handle(&resent, NOW + 1).unwrap();
    world.cloud.open_response(&answer, NOW + 1).unwrap();
    let (code, out, _) = reconcile_dbs(&dir);
    assert_eq!(code, 1);
    assert!(!out.contains("R-4"), "{out}");
    assert!(out.contains("/R-2 "), "{out}");
}

#[test]
fn bad_arguments_and_unreadable_databases_exit_2() {
    let dir = scratch("bad");
    let _world = agreeing_platforms(&dir);
    let service = dir.join("service.db");
    let cloud = dir.join("cloud.db");
    let (service, cloud) = (service.to_str().unwrap(), cloud.to_str().unwrap());
    let missing = dir.join("missing.db");
    let missing = missing.to_str().unwrap();
    for (args, says) in [
        (vec!["--service-db", service], "--cloud-db is required"),
        (vec!["--cloud-db", cloud, "--verbose"], "unknown argument"),
        (
            vec!["--service-db", missing, "--cloud-db", cloud],
            "no such file",
        ),
        // The databases swapped, or one given twice.
        (
            vec!["--service-db", cloud, "--cloud-db", service],
            "not the service platform's database",
        ),
        (
            vec!["--service-db", service, "--cloud-db", service],
            "not the cloud platform's database",
        ),
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!Path::new(missing).exists(), "nothing created");
    // A file that is not a platform's database.
    let other = dir.join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let (code, _, err) = run(&["--service-db", other.to_str().unwrap(), "--cloud-db", cloud]);
    assert_eq!(code, 2);
    assert!(err.contains("has no invoices table"), "{err}");
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("usage: fapiao_cli reconcile"), "{out}");
}
