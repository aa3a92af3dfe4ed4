//! The server killed mid-run (`pg_ctl -m immediate`, as a crash would) and
//! started again: the nodes get typed errors while it is down, go on once it
//! is back, and nothing is lost or given twice.
//!
//! Needs the throwaway cluster of `scripts/postgres.sh` (its directory in
//! `FAPIAO_POSTGRES_DIR`), which this test restarts.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fapiao::Error;
use fapiao::invoice::IssueOutcome;
use fapiao::platform::IssuingStore;
use fapiao::store::{DatabaseEngine, DatabaseFailure, StoreError};
use fapiao::tax::OutboxStore;
use fapiao_testkit::{HOSTED_BY_PLATFORM, hosted_segment};

use crate::nodes::{Deployment, issued_number};

/// Restarts the test cluster as a crash would.
fn crash_and_restart() {
    let dir = std::env::var("FAPIAO_POSTGRES_DIR").unwrap_or_else(|_| {
        panic!(
            "FAPIAO_POSTGRES_DIR is not set: this test restarts the throwaway cluster of \
             `eval \"$(bash scripts/postgres.sh start)\"`"
        )
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres.sh");
    let status = std::process::Command::new("bash")
        .args([script, "restart", &dir])
        .env("FAPIAO_POSTGRES_DOWN_SECS", "2")
        .status()
        .unwrap();
    assert!(status.success(), "scripts/postgres.sh restart failed");
}

#[test]
fn nodes_ride_out_a_server_crash_and_lose_or_double_nothing() {
    let _server = crate::support::server_exclusive();
    const NODES: usize = 2;
    // Each node issues at least this many, and goes on until the server has
    // been down and back, so that every node meets the outage however fast
    // the machine is.
    const EACH: usize = 30;
    const AT_MOST: usize = 1_000;
    let deadline = Instant::now() + Duration::from_secs(120);
    let deployment = Deployment::new();
    // A short wait for a connection, so that a node asking while the server
    // is down is told so, rather than waiting through the outage.
    let options = fapiao::store::PostgresOptions {
        connect_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let nodes: Vec<_> = (0..NODES)
        .map(|_| deployment.node_with(options.clone()))
        .collect();
    let answered = AtomicUsize::new(0);
    let crashed = AtomicBool::new(false);
    let unavailable = AtomicUsize::new(0);
    let other_errors = Mutex::new(Vec::new());
    // Each order, until it is answered with an invoice: sealed afresh for each
    // try (a re-send), so the service platform answers it from its record if
    // an earlier try committed.
    let issue = |service: &fapiao::platform::ServicePlatform, serial: &str| -> String {
        loop {
            assert!(Instant::now() < deadline, "{serial} not answered in time");
            let answer = deployment
                .try_envelope(serial)
                .and_then(|envelope| service.handle(&envelope, fapiao_testkit::NOW))
                .and_then(|answer| deployment.try_open(&answer));
            match answer {
                Ok(response) if matches!(response.outcome, IssueOutcome::Issued { .. }) => {
                    return issued_number(&response);
                }
                // Answered, not issued (a device failure the platform calls
                // retryable): sent again.
                Ok(response) => other_errors
                    .lock()
                    .unwrap()
                    .push(format!("{:?}", response.outcome)),
                Err(Error::Store(StoreError::Database {
                    engine: DatabaseEngine::Postgres,
                    kind: DatabaseFailure::Unavailable,
                    ..
                })) => {
                    unavailable.fetch_add(1, Ordering::Relaxed);
                }
                Err(other) => {
                    assert!(other.is_retryable(), "a final error: {other}");
                    other_errors.lock().unwrap().push(other.to_string());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let issued: Vec<(String, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(n, (service, _))| {
                let (issue, answered) = (&issue, &answered);
                let crashed = &crashed;
                scope.spawn(move || {
                    let mut issued = Vec::new();
                    while issued.len() < EACH
                        || (!crashed.load(Ordering::Relaxed) && issued.len() < AT_MOST)
                    {
                        let serial = format!("R{n}-{}", issued.len());
                        let number = issue(service, &serial);
                        answered.fetch_add(1, Ordering::Relaxed);
                        issued.push((serial, number));
                    }
                    issued
                })
            })
            .collect();
        // Crash the server once a sixth of the orders are answered.
        while answered.load(Ordering::Relaxed) < NODES * EACH / 6 {
            assert!(Instant::now() < deadline, "no progress before the crash");
            std::thread::sleep(Duration::from_millis(10));
        }
        crash_and_restart();
        crashed.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(crashed.load(Ordering::Relaxed));
    assert!(
        unavailable.load(Ordering::Relaxed) > 0,
        "no node saw the server down (other errors: {:?})",
        other_errors.lock().unwrap()
    );
    assert!(issued.len() >= NODES * EACH);
    let distinct: HashSet<_> = issued.iter().map(|(_, number)| number.clone()).collect();
    assert_eq!(
        distinct.len(),
        issued.len(),
        "a number given to two requests"
    );
    let segment = hosted_segment();
    let expected: HashSet<_> = (segment.first()..segment.first() + issued.len() as u64)
        .map(|n| segment.number(n).unwrap().to_string())
        .collect();
    assert_eq!(distinct, expected, "numbers skipped");
    let store = &nodes[0].1;
    for (serial, number) in &issued {
        let record = store
            .find_request(HOSTED_BY_PLATFORM, serial)
            .unwrap()
            .unwrap();
        assert_eq!(
            record
                .invoice_number
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some(number.as_str()),
            "{serial}"
        );
    }
    assert_eq!(
        store
            .due_uploads(fapiao_testkit::NOW, 10_000)
            .unwrap()
            .len(),
        issued.len()
    );
    assert_eq!(store.check_integrity().unwrap(), vec![]);
}
