//! The engine itself: migrations on several nodes at once, settings refused
//! with typed errors, an unreachable server as `Unavailable`, the shared
//! number segment, command queue, outbox and replay guard across stores, and
//! a deadlock retried.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use fapiao::envelope::ReplayGuard;
use fapiao::invoice::{UnifiedSocialCreditCode, YearMonth};
use fapiao::platform::{IssuingStore, NewCommand, UnitOfWork};
use fapiao::qualification::QualificationRegistry;
use fapiao::store::{DatabaseEngine, DatabaseFailure, PostgresOptions, PostgresStore, StoreError};
use fapiao::tax::OutboxStore;
use fapiao::{Error, IssuingDevice};

use crate::issuing_support::{NOW, SELLER, command, device, digest, response_for, segment};
use crate::support::{SchemaGuard, schema_name, url};

/// `count` stores on one fresh schema, opened one after the other.
fn stores(count: usize) -> (Vec<Arc<PostgresStore>>, SchemaGuard) {
    let name = schema_name("nodes");
    let stores = (0..count)
        .map(|_| Arc::new(PostgresStore::open(&url(), &name).unwrap()))
        .collect();
    (stores, SchemaGuard(name))
}

#[test]
fn nodes_opening_a_new_schema_at_once_migrate_it_once() {
    let name = schema_name("migrate");
    let _guard = SchemaGuard(name.clone());
    let start = Barrier::new(4);
    let versions: Vec<i64> = std::thread::scope(|scope| {
        let opened: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    PostgresStore::open(&url(), &name)
                        .unwrap()
                        .schema_version()
                        .unwrap()
                })
            })
            .collect();
        opened.into_iter().map(|o| o.join().unwrap()).collect()
    });
    assert!(
        versions
            .iter()
            .all(|&v| v == PostgresStore::latest_schema_version())
    );
    // Opening again finds it current.
    let store = PostgresStore::open(&url(), &name).unwrap();
    assert_eq!(store.schema(), name);
    assert_eq!(
        store.schema_version().unwrap(),
        PostgresStore::latest_schema_version()
    );
}

#[test]
fn bad_settings_and_an_unreachable_server_are_typed_errors() {
    for schema in ["", "Upper", "1st", "a-b", "pg_catalog", "x; DROP TABLE y"] {
        let refused = PostgresStore::open(&url(), schema).unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::InvalidSetting {
                    setting: "schema",
                    ..
                }
            ),
            "{schema:?}: {refused}"
        );
    }
    let refused = PostgresStore::open("postgres://user:secret@[::1", "fapiao").unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::InvalidSetting {
                setting: "connection string",
                ..
            }
        ),
        "{refused}"
    );
    assert!(!refused.to_string().contains("secret"), "{refused}");
    let options = PostgresOptions {
        connect_timeout: Duration::from_secs(1),
        ..PostgresOptions::default()
    };
    // Nothing listens on port 1.
    let down = PostgresStore::open_with(
        "postgres://postgres@127.0.0.1:1/postgres",
        "fapiao",
        options,
    )
    .unwrap_err();
    assert!(
        matches!(
            down,
            StoreError::Database {
                engine: DatabaseEngine::Postgres,
                kind: DatabaseFailure::Unavailable,
                ..
            }
        ),
        "{down}"
    );
    assert!(down.is_unavailable() && down.is_transient());
    let refused = PostgresStore::open(
        &format!("{} sslmode=require", url_as_key_values()),
        &schema_name("tls"),
    )
    .unwrap_err();
    // The test server has no TLS: sslmode=require is honoured, not downgraded,
    // and the refusal is not taken for a server that is down.
    assert!(
        matches!(
            refused,
            StoreError::Database {
                kind: DatabaseFailure::Failed,
                ..
            }
        ) && refused.to_string().contains("does not support TLS"),
        "{refused}"
    );
}

/// The test server's URL as `key=value` pairs (so another one can be added).
fn url_as_key_values() -> String {
    let url = url();
    let rest = url
        .trim_start_matches("postgresql://")
        .trim_start_matches("postgres://");
    let (user, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
    let (host_port, dbname) = rest.split_once('/').unwrap_or((rest, "postgres"));
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let dbname = dbname.split('?').next().unwrap_or("postgres");
    format!("host={host} port={port} user={user} dbname={dbname}")
}

#[test]
fn devices_on_several_stores_share_one_segment_without_gaps_or_repeats() {
    let (stores, _guard) = stores(3);
    device(stores[0].clone())
        .add_segment(&segment("seg-a", 1, 1000))
        .unwrap();
    let numbers: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(n, store)| {
                let device = device(store.clone());
                scope.spawn(move || {
                    (0..20)
                        .map(|i| {
                            let issued = device.issue(&command(&format!("D{n}-{i}")), NOW);
                            issued.unwrap().invoice_number.to_string()
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
    let mut sorted = numbers.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 60);
    let expected: Vec<_> = (1..=60)
        .map(|n| segment("seg-a", 1, 1000).number(n).unwrap().to_string())
        .collect();
    assert_eq!(sorted, expected);
    assert!(stores[1].check_integrity().unwrap().is_empty());
}

#[test]
fn two_pulls_at_once_never_get_the_same_command_and_two_drains_never_the_same_upload() {
    let (stores, _guard) = stores(2);
    for n in 0..4 {
        let (serial, ticket, id) = (format!("Q-{n}"), format!("t-{n}"), format!("c-{n}"));
        stores[0]
            .enqueue_command(&NewCommand {
                seller_tax_id: SELLER,
                serial_number: &serial,
                digest: &digest(&serial),
                command_id: &id,
                ticket: &ticket,
                command_bytes: b"{}",
                accepted_response_json: b"accepted",
                quota: None,
                reverses: None,
                platform: "ECP-1",
                deadline_unix: NOW + 600,
            })
            .unwrap();
    }
    let both_pulled = Barrier::new(2);
    let pulled: Vec<Vec<String>> = std::thread::scope(|scope| {
        let pulls: Vec<_> = stores
            .iter()
            .map(|store| {
                let both_pulled = &both_pulled;
                scope.spawn(move || {
                    let mut ids = Vec::new();
                    // Each pull holds its unit open until both have pulled.
                    store
                        .atomically(|| {
                            ids = store
                                .pending_commands(SELLER, 2)?
                                .into_iter()
                                .map(|c| c.command_id)
                                .collect();
                            both_pulled.wait();
                            Ok::<_, Error>(())
                        })
                        .unwrap();
                    ids
                })
            })
            .collect();
        pulls.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let mut all: Vec<_> = pulled.concat();
    all.sort();
    assert_eq!(all, ["c-0", "c-1", "c-2", "c-3"], "{pulled:?}");

    // The outbox: each drain claims what it takes.
    let invoices = {
        let device = device(stores[0].clone());
        device.add_segment(&segment("seg-o", 1, 100)).unwrap();
        (0..6)
            .map(|i| device.issue(&command(&format!("O-{i}")), NOW).unwrap())
            .collect::<Vec<_>>()
    };
    for (i, invoice) in invoices.iter().enumerate() {
        let serial = format!("O-{i}");
        stores[0]
            .record_issued(
                SELLER,
                &serial,
                &digest(&serial),
                invoice,
                &response_for(invoice),
                None,
            )
            .unwrap();
    }
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let drains: Vec<_> = stores
            .iter()
            .map(|store| {
                scope.spawn(move || {
                    let due = store.due_uploads(NOW, 4).unwrap();
                    due.iter()
                        .map(|e| e.invoice.invoice_number.to_string())
                        .collect()
                })
            })
            .collect();
        drains.into_iter().map(|d| d.join().unwrap()).collect()
    });
    let mut all = claimed.concat();
    let taken = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        taken,
        "an upload handed to two drains: {claimed:?}"
    );
    assert_eq!(taken, 6);
    // A claim runs out: what was not uploaded is due again later.
    assert_eq!(stores[1].due_uploads(NOW + 301, 10).unwrap().len(), 6);
}

#[test]
fn a_message_id_is_accepted_by_one_node_only() {
    let (stores, _guard) = stores(4);
    let start = Barrier::new(4);
    let accepted: usize = std::thread::scope(|scope| {
        let nodes: Vec<_> = stores
            .iter()
            .map(|store| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    store
                        .check_and_record(b"one message", NOW, NOW + 600)
                        .is_ok() as usize
                })
            })
            .collect();
        nodes.into_iter().map(|n| n.join().unwrap()).sum()
    });
    assert_eq!(accepted, 1);
}

#[test]
fn a_deadlock_between_two_units_is_rolled_back_and_run_again() {
    let (stores, _guard) = stores(2);
    let mut second = crate::store_contract::qualification::record();
    second.tax_id = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    stores[0]
        .upsert_enterprise(&crate::store_contract::qualification::record())
        .unwrap();
    stores[0].upsert_enterprise(&second).unwrap();
    let first = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month: YearMonth = "2026-11".parse().unwrap();
    let both_locked = Barrier::new(2);
    let waited = [AtomicBool::new(false), AtomicBool::new(false)];
    let runs = [
        std::sync::atomic::AtomicUsize::new(0),
        std::sync::atomic::AtomicUsize::new(0),
    ];
    std::thread::scope(|scope| {
        for (n, (store, order)) in stores
            .iter()
            .zip([[&first, &second.tax_id], [&second.tax_id, &first]])
            .enumerate()
        {
            let (both_locked, waited, runs) = (&both_locked, &waited[n], &runs[n]);
            scope.spawn(move || {
                store
                    .run_atomically(&mut || {
                        runs.fetch_add(1, Ordering::Relaxed);
                        let a = store.reserve_quota(order[0], month, 100)?;
                        // Only the first run waits: the one run again goes on.
                        if !waited.swap(true, Ordering::Relaxed) {
                            both_locked.wait();
                        }
                        let b = store.reserve_quota(order[1], month, 100)?;
                        store.commit_quota(a)?;
                        store.commit_quota(b)
                    })
                    .unwrap();
            });
        }
    });
    let total_runs: usize = runs.iter().map(|r| r.load(Ordering::Relaxed)).sum();
    assert!(total_runs >= 3, "one unit was run again after the deadlock");
    for tax_id in [&first, &second.tax_id] {
        let usage = stores[1].usage(tax_id, month).unwrap();
        assert_eq!(
            (usage.used_fen, usage.reserved_fen),
            (200, 0),
            "each unit counted once"
        );
    }
    assert!(stores[1].quota_reservations().unwrap().is_empty());
}
