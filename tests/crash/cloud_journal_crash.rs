//! The cloud platform killed between the two commits: a child process runs the
//! platforms on kept SQLite files and, at a chosen order, is killed with SIGKILL
//! after the service platform committed the order (issued, or accepted with a
//! ticket) and before the cloud platform stored the answer. Each restart first
//! re-sends what the cloud platform's journal holds as outstanding. After the
//! last restart every order the cloud platform submitted has exactly one stored
//! invoice, identical to the service platform's, and no invoice exists at the
//! service platform only.

use crate::crash_support;
use crate::platform_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crash_support::{DB_ENV, Rng, child_db, seed, test_name};
use fapiao::platform::Order;
use fapiao::platform::{CloudStore, IssuingStore, SubmissionState};
use fapiao::store::SqliteStore;
use platform_support::*;

/// Kills (rounds) in the test.
const ROUNDS: u64 = 10;
/// Orders a child sends at most before the one it is killed after.
const MAX_ORDERS: u64 = 6;
/// The order (0-based) after whose service-side commit the child waits to be
/// killed.
const PAUSE_ENV: &str = "FAPIAO_JOURNAL_PAUSE_AT";
/// The round, for the child's clock and serial numbers.
const ROUND_ENV: &str = "FAPIAO_JOURNAL_ROUND";
/// Written by the child when it waits between the two commits: the order's
/// serial number.
const MARKER: &str = "between-commits";

fn stores(dir: &Path) -> World {
    std::fs::create_dir_all(dir).unwrap();
    let open = |name: &str| Arc::new(SqliteStore::open(dir.join(name)).unwrap());
    World::with_stores(open("cloud.db"), open("service.db"), open("front.db"))
}

fn env_number(name: &str) -> u64 {
    std::env::var(name).unwrap().parse().unwrap()
}

/// Every order even; odd ones are enterprise-hosted (accepted with a ticket).
fn order(round: u64, i: u64) -> (&'static str, String) {
    if i % 2 == 0 {
        (HOSTED_BY_PLATFORM, format!("P-{round}-{i}"))
    } else {
        (HOSTED_BY_ENTERPRISE, format!("A-{round}-{i}"))
    }
}

/// What a restarted cloud platform does first: every outstanding order re-sent
/// once and its answer stored.
fn resend_outstanding(world: &World, now: u64) -> usize {
    let (mut after, mut resent) = (0, 0);
    while let Some((order, sealed)) = world.cloud.resend_next(after, now).unwrap() {
        after = order.position;
        let answer = world.service.handle(&sealed, now).unwrap();
        world.cloud.open_response(&answer, now).unwrap();
        resent += 1;
    }
    resent
}

/// Recovers, then sends orders until the chosen one is committed at the
/// service platform, and waits there to be killed (only as a crash child).
#[test]
fn crash_child_stops_between_the_commits() {
    let Some(dir) = child_db() else { return };
    let (round, pause_at) = (env_number(ROUND_ENV), env_number(PAUSE_ENV));
    let world = stores(&dir);
    let now = NOW + round * 5;
    resend_outstanding(&world, now);
    for i in 0..=pause_at {
        let (seller, serial) = order(round, i);
        let json = World::request(seller, &serial);
        let order = Order::Signed(world.erp_sign(seller, &json, now));
        let sealed = world.cloud.submit(order, now).unwrap();
        let answer = world.service.handle(&sealed, now).unwrap();
        if i == pause_at {
            std::fs::write(dir.join(MARKER), &serial).unwrap();
            std::thread::sleep(Duration::from_secs(600));
            panic!("not killed");
        }
        world.cloud.open_response(&answer, now).unwrap();
    }
}

/// Starts the child for `round`, waits until it is between the two commits of
/// its `pause_at`th order and kills it; returns that order's serial number.
fn run_and_kill(dir: &Path, round: u64, pause_at: u64) -> String {
    let marker = dir.join(MARKER);
    let _ = std::fs::remove_file(&marker);
    let log = dir.join("child.log");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            &test_name(module_path!(), "crash_child_stops_between_the_commits"),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DB_ENV, dir)
        .env(ROUND_ENV, round.to_string())
        .env(PAUSE_ENV, pause_at.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let serial = loop {
        if let Ok(serial) = std::fs::read_to_string(&marker)
            && !serial.is_empty()
        {
            break serial;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("round {round}: the child exited by itself ({status}):\n{output}");
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("round {round}: the child never reached the pause");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    serial
}

/// The invoice JSON stored under each (seller, serial number) by `sql`.
fn invoices(db: &Path, sql: &str) -> Vec<(String, String, serde_json::Value)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| {
        let json: String = row.get(2)?;
        Ok((
            row.get(0)?,
            row.get(1)?,
            serde_json::from_str(&json).unwrap(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn every_order_submitted_has_its_one_invoice_after_kills_between_the_commits() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cloud_journal_crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let seed = seed();
    eprintln!("pause schedule seed: {seed} (set FAPIAO_CRASH_SEED to replay)");
    let mut rng = Rng::new(seed);
    let mut submitted = 0;
    for round in 0..ROUNDS {
        let pause_at = rng.between(0, MAX_ORDERS - 1);
        let serial = run_and_kill(&dir, round, pause_at);
        submitted += pause_at + 1;
        let (seller, _) = order(round, pause_at);
        assert_eq!(serial, order(round, pause_at).1);
        // The state the kill left: committed at the service platform, only
        // journaled (outstanding, no invoice) at the cloud platform.
        let world = stores(&dir);
        let entry = world.cloud_store.submission(seller, &serial).unwrap();
        assert_eq!(
            entry.map(|e| e.state),
            Some(SubmissionState::Outstanding),
            "round {round}: {serial}"
        );
        assert!(
            world
                .service_store
                .find_request(seller, &serial)
                .unwrap()
                .is_some(),
            "round {round}: {serial} committed at the service platform"
        );
        assert!(
            world
                .cloud_store
                .invoice_by_serial(seller, &serial)
                .unwrap()
                .is_none()
        );
        let outstanding = world.cloud.outstanding_submissions(0, 100).unwrap();
        assert_eq!(outstanding.len(), 1, "round {round}: only the lost answer");
    }

    // The last restart: re-send, let the front end issue the queued commands,
    // poll the tickets.
    let world = stores(&dir);
    let now = NOW + ROUNDS * 5;
    assert_eq!(resend_outstanding(&world, now), 1);
    while world.run_front_end(100, now).issued > 0 {}
    for ticket in world.cloud_store.outstanding_tickets(1000).unwrap() {
        world.poll(&ticket.ticket, now);
    }
    assert!(
        world
            .cloud
            .outstanding_submissions(0, 100)
            .unwrap()
            .is_empty()
    );
    assert!(
        world
            .cloud_store
            .outstanding_tickets(100)
            .unwrap()
            .is_empty()
    );

    let cloud: Vec<_> = invoices(
        &dir.join("cloud.db"),
        "SELECT seller_tax_id, serial_number, invoice_json FROM cloud_invoices
         ORDER BY seller_tax_id, serial_number",
    );
    let service: Vec<_> = invoices(
        &dir.join("service.db"),
        "SELECT seller_tax_id, serial_number, invoice_json FROM invoices
         ORDER BY seller_tax_id, serial_number",
    );
    let conn = rusqlite::Connection::open(dir.join("cloud.db")).unwrap();
    let journaled: i64 = conn
        .query_row("SELECT COUNT(*) FROM cloud_submissions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        journaled as u64, submitted,
        "every submission journaled once"
    );
    assert_eq!(cloud.len() as u64, submitted, "one invoice per order");
    assert_eq!(cloud, service, "the same invoices on both sides");
    eprintln!(
        "cloud journal crash test: {submitted} orders, {ROUNDS} kills between the commits, \
         every invoice at both platforms"
    );
}
