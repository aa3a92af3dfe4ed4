//! The platform-hosted issuing path (issue 6, section 7), in one process, with the
//! SQLite store on a file: the cloud platform seals an ERP-signed order, the
//! service platform handles it (open, verify both signers and their chains,
//! authenticate, validate, check qualification, issue on its hosted device, record
//! the invoice with its tax outbox entry, seal the answer), and the cloud platform
//! opens and stores the answer. Each platform runs a message's store changes in
//! one unit of work (one commit per message per platform).
//!
//! The path is measured twice: `platform_hosted_path/full` on stores opened with
//! `Durability::Full` (the default: the WAL is synced at each commit, surviving a
//! power loss) and `platform_hosted_path/normal` with `Durability::Normal`
//! (synced at checkpoints, surviving a process crash): the difference is the time
//! spent waiting for the disk's sync. `platform_hosted_path/in_memory` runs the
//! same path on in-memory SQLite stores (nothing survives): the difference to
//! `normal` is the file I/O (WAL writes and checkpoints), and what it adds to the
//! round trips is the CPU of the non-envelope work (checks, device, SQL, JSON).
//!
//! `issuing/*/batch-16` runs the path sixteen requests at a time with one commit
//! per platform (`ServicePlatform::handle_batch`, `CloudPlatform::open_responses`):
//! what a busy host that hands over the requests waiting together pays per
//! invoice (criterion's time is per batch of 16; its throughput is invoices/s).
//!
//! In the same run, `two_round_trips` measures the two envelope round trips that
//! path contains (seal + open, there and back, same keys, a request-sized
//! payload), so the report shows how much the non-crypto work adds.
//!
//! ```sh
//! cargo bench --bench issuing -- --warm-up-time 1 --measurement-time 5
//! ```

#[path = "../tests/platform_support/mod.rs"]
mod platform_support;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};
use fapiao::envelope::{self, MemoryReplayGuard, Opener};
use fapiao::invoice::{IssueOutcome, UnifiedSocialCreditCode};
use fapiao::platform::Order;
use fapiao::qualification::QualificationRegistry;
use fapiao::store::{Durability, SqliteStore, StoreOptions};
use platform_support::*;

fn world(dir: &std::path::Path, durability: Option<Durability>, ecp: &str, eisp: &str) -> World {
    std::fs::create_dir_all(dir).unwrap();
    let open = |name: &str| {
        Arc::new(match durability {
            Some(durability) => {
                let options = StoreOptions {
                    durability,
                    ..StoreOptions::default()
                };
                SqliteStore::open_with(dir.join(name), options).unwrap()
            }
            None => SqliteStore::open_in_memory().unwrap(),
        })
    };
    let world = World::with_keys(
        open("cloud.db"),
        open("service.db"),
        open("front.db"),
        ecp,
        eisp,
    );
    // Criterion runs thousands of iterations: more than the test enterprise's
    // monthly quota (1e9 fen, some 370 sample invoices) allows.
    let mut record = QualificationRegistry::record(
        world.service_store.as_ref(),
        &UnifiedSocialCreditCode::parse(HOSTED_BY_PLATFORM).unwrap(),
    )
    .unwrap()
    .unwrap();
    record.monthly_quota_fen = i64::MAX / 2;
    world.service_store.upsert_enterprise(&record).unwrap();
    world
}

fn bench(c: &mut Criterion) {
    for (label, ecp, eisp) in [
        ("P-256", "ecp-p256", "eisp-p256"),
        ("RSA-2048", "ecp-rsa", "eisp-rsa"),
    ] {
        bench_keys(c, label, ecp, eisp);
    }
}

fn bench_keys(c: &mut Criterion, label: &str, ecp_key: &str, eisp_key: &str) {
    let dir = std::env::temp_dir().join(format!(
        "fapiao-bench-issuing-{}-{label}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let mut group = c.benchmark_group(format!("issuing/{label}"));
    for (name, durability) in [
        ("full", Some(Durability::Full)),
        ("normal", Some(Durability::Normal)),
        ("in_memory", None),
    ] {
        let world = world(&dir.join(name), durability, ecp_key, eisp_key);
        bench_path(&mut group, &format!("platform_hosted_path/{name}"), &world);
    }
    let trips = world(
        &dir.join("round-trips"),
        Some(Durability::Full),
        ecp_key,
        eisp_key,
    );
    bench_round_trips(&mut group, &trips);
    group.finish();

    // Group commit: a host handing over BATCH requests at once.
    let mut group = c.benchmark_group(format!("issuing/{label}/batch-{BATCH}"));
    group.throughput(Throughput::Elements(BATCH as u64));
    for (name, durability) in [
        ("full", Some(Durability::Full)),
        ("normal", Some(Durability::Normal)),
    ] {
        let world = world(
            &dir.join(format!("batch-{name}")),
            durability,
            ecp_key,
            eisp_key,
        );
        bench_batched_path(&mut group, &format!("platform_hosted_path/{name}"), &world);
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Requests per batch in the group-commit benchmarks.
const BATCH: usize = 16;

/// The whole path for BATCH invoices at a time: the cloud platform seals each
/// order, the service platform handles them with one commit
/// (`handle_batch`), and the cloud platform stores the answers with one commit
/// (`open_responses`). Criterion's time is per batch; its throughput line gives
/// invoices per second.
fn bench_batched_path(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, world: &World) {
    let serial = AtomicU64::new(0);
    group.bench_function(name, |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| {
                        let n = serial.fetch_add(1, Ordering::Relaxed);
                        let json = World::request(HOSTED_BY_PLATFORM, &format!("BATCH-{n}"));
                        world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW)
                    })
                    .collect::<Vec<_>>()
            },
            |orders| {
                let requests: Vec<Vec<u8>> = orders
                    .into_iter()
                    .map(|signed| world.cloud.submit(Order::Signed(signed), NOW).unwrap())
                    .collect();
                let requests: Vec<&[u8]> = requests.iter().map(Vec::as_slice).collect();
                let answers: Vec<Vec<u8>> = world
                    .service
                    .handle_batch(&requests, NOW)
                    .unwrap()
                    .into_iter()
                    .map(Result::unwrap)
                    .collect();
                let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
                let responses = world.cloud.open_responses(&answers, NOW).unwrap();
                for response in &responses {
                    let outcome = &response.as_ref().unwrap().outcome;
                    assert!(
                        matches!(outcome, IssueOutcome::Issued { .. }),
                        "{outcome:?}"
                    );
                }
                black_box(responses)
            },
            BatchSize::SmallInput,
        )
    });
}

/// The whole path on `world`, one invoice per iteration.
fn bench_path(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, world: &World) {
    let serial = AtomicU64::new(0);
    // The ERP's signature is made outside the measurement: the path starts when
    // the cloud platform receives the signed order.
    group.bench_function(name, |b| {
        b.iter_batched(
            || {
                let n = serial.fetch_add(1, Ordering::Relaxed);
                let json = World::request(HOSTED_BY_PLATFORM, &format!("BENCH-{n}"));
                world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW)
            },
            |signed| {
                let request = world.cloud.submit(Order::Signed(signed), NOW).unwrap();
                let answer = world.service.handle(&request, NOW).unwrap();
                let response = world.cloud.open_response(&answer, NOW).unwrap();
                assert!(
                    matches!(response.outcome, IssueOutcome::Issued { .. }),
                    "{:?}",
                    response.outcome
                );
                black_box(response)
            },
            BatchSize::SmallInput,
        )
    });
}

fn bench_round_trips(group: &mut BenchmarkGroup<'_, WallTime>, world: &World) {
    // The two round trips inside it: ECP -> EISP with two signers (enterprise and
    // cloud platform), EISP -> ECP with one, each opened with full verification.
    let trust = trust();
    let validator = trust.validator();
    let (ecp, eisp) = (world.cloud.credentials(), world.service.credentials());
    let json = World::request(HOSTED_BY_PLATFORM, "ROUND-TRIP");
    let answer = vec![b'a'; 1500];
    let (replay_ecp, replay_eisp) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    group.bench_function("two_round_trips", |b| {
        b.iter_batched(
            || world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW),
            |mut signed| {
                signed.add_signer(ecp, NOW, provider()).unwrap();
                let there = envelope::encrypt(&signed, &[eisp.leaf()], provider()).unwrap();
                let opened = Opener::new(eisp, &validator, &replay_eisp, provider())
                    .open(&there, NOW)
                    .unwrap();
                let back = envelope::seal(&answer, eisp, &[ecp.leaf()], NOW, provider()).unwrap();
                let answered = Opener::new(ecp, &validator, &replay_ecp, provider())
                    .open(&back, NOW)
                    .unwrap();
                black_box((opened, answered))
            },
            BatchSize::SmallInput,
        )
    });
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);
