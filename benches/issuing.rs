//! The platform-hosted issuing path, in one process, with the
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
//!
//! On a machine whose speed drifts (a shared virtual machine), two criterion
//! benchmarks run a few seconds apart can see different machines. With
//! `FAPIAO_INTERLEAVED=N` set, the bench instead runs the path (in memory, on
//! files with `Normal` and `Full` durability, and in batches of 16 on files)
//! and the round trips alternately, N of each (N/4 for batches), one iteration
//! at a time, and prints the median of each and the median of the pairwise
//! ratios (drift cancels within a pair). It also times the device's seal (one
//! signature with the device's key over an issued invoice, crypto the round
//! trips do not contain) next to each pair and prints the median ratio without
//! it, and the median ratio of the two sides' CPU time (the bench thread's user
//! and system time: waiting for a disk's sync is not in it, the kernel's work
//! for the sync is):
//!
//! ```sh
//! FAPIAO_INTERLEAVED=400 cargo bench --bench issuing
//! ```
//!
//! `FAPIAO_INTERLEAVED_KEYS=P-256` and
//! `FAPIAO_INTERLEAVED_ONLY=in_memory,batch-16_full` narrow such a run to some
//! key types and columns.

#[path = "support/cpu_time.rs"]
mod cpu_time;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cpu_time::thread_cpu_now;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};
use fapiao::envelope::{self, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::invoice::{IssueOutcome, IssueResponse, UnifiedSocialCreditCode};
use fapiao::pki::PathValidator;
use fapiao::platform::{Order, PlatformTrust};
use fapiao::qualification::QualificationRegistry;
use fapiao::store::{Durability, SqliteStore, StoreOptions};
use fapiao_testkit::*;

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

/// The key types measured: label, cloud platform credentials, service platform
/// credentials.
const KEYS: [(&str, &str, &str); 2] = [
    ("P-256", "ecp-p256", "eisp-p256"),
    ("RSA-2048", "ecp-rsa", "eisp-rsa"),
];

fn bench(c: &mut Criterion) {
    for (label, ecp, eisp) in KEYS {
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
            || erp_orders(world, &serial, BATCH),
            |orders| black_box(batched_path(world, orders)),
            BatchSize::SmallInput,
        )
    });
}

/// `count` new orders, signed by the platform-hosted enterprise's ERP.
fn erp_orders(world: &World, serial: &AtomicU64, count: usize) -> Vec<SignedMessage> {
    (0..count).map(|_| erp_order(world, serial)).collect()
}

/// The measured batch: the cloud platform seals the orders and journals them
/// with one commit, the service platform handles them with one commit, the
/// cloud platform stores the answers with one commit.
fn batched_path(world: &World, orders: Vec<SignedMessage>) -> Vec<IssueResponse> {
    let orders = orders.into_iter().map(Order::Signed).collect();
    let requests: Vec<Vec<u8>> = world
        .cloud
        .submit_batch(orders, NOW)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
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
    responses
        .into_iter()
        .map(|response| {
            let response = response.unwrap();
            assert!(
                matches!(response.outcome, IssueOutcome::Issued { .. }),
                "{:?}",
                response.outcome
            );
            response
        })
        .collect()
}

/// The whole path on `world`, one invoice per iteration.
fn bench_path(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, world: &World) {
    let serial = AtomicU64::new(0);
    // The ERP's signature is made outside the measurement: the path starts when
    // the cloud platform receives the signed order.
    group.bench_function(name, |b| {
        b.iter_batched(
            || erp_order(world, &serial),
            |signed| black_box(path(world, signed)),
            BatchSize::SmallInput,
        )
    });
}

/// A new order, signed by the platform-hosted enterprise's ERP.
fn erp_order(world: &World, serial: &AtomicU64) -> SignedMessage {
    let n = serial.fetch_add(1, Ordering::Relaxed);
    let json = World::request(HOSTED_BY_PLATFORM, &format!("BENCH-{n}"));
    world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW)
}

/// The measured path: the cloud platform seals the order, the service platform
/// handles it, the cloud platform opens and stores the answer.
fn path(world: &World, signed: SignedMessage) -> IssueResponse {
    let request = world.cloud.submit(Order::Signed(signed), NOW).unwrap();
    let answer = world.service.handle(&request, NOW).unwrap();
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    assert!(
        matches!(response.outcome, IssueOutcome::Issued { .. }),
        "{:?}",
        response.outcome
    );
    response
}

/// What the two round trips need besides the world.
struct RoundTrips<'t> {
    validator: PathValidator<'t>,
    json: Vec<u8>,
    answer: Vec<u8>,
    replay_ecp: MemoryReplayGuard,
    replay_eisp: MemoryReplayGuard,
}

impl<'t> RoundTrips<'t> {
    fn new(trust: &'t PlatformTrust) -> Self {
        Self {
            validator: trust.validator(),
            json: World::request(HOSTED_BY_PLATFORM, "ROUND-TRIP"),
            answer: vec![b'a'; 1500],
            replay_ecp: MemoryReplayGuard::new(),
            replay_eisp: MemoryReplayGuard::new(),
        }
    }

    /// The ERP's order, signed outside the measurement as in the path.
    fn order(&self, world: &World) -> SignedMessage {
        world.erp_sign(HOSTED_BY_PLATFORM, &self.json, NOW)
    }

    /// ECP -> EISP with two signers (enterprise and cloud platform), EISP -> ECP
    /// with one, each opened with full verification.
    fn run(&self, world: &World, mut signed: SignedMessage) -> impl Sized {
        let (ecp, eisp) = (world.cloud.credentials(), world.service.credentials());
        signed.add_signer(ecp, NOW, provider()).unwrap();
        let there = envelope::encrypt(&signed, &[eisp.leaf()], provider()).unwrap();
        let opened = Opener::new(eisp, &self.validator, &self.replay_eisp, provider())
            .open(&there, NOW)
            .unwrap();
        let back = envelope::seal(&self.answer, eisp, &[ecp.leaf()], NOW, provider()).unwrap();
        let answered = Opener::new(ecp, &self.validator, &self.replay_ecp, provider())
            .open(&back, NOW)
            .unwrap();
        (opened, answered)
    }
}

fn bench_round_trips(group: &mut BenchmarkGroup<'_, WallTime>, world: &World) {
    // The two round trips inside it.
    let trust = trust();
    let trips = RoundTrips::new(&trust);
    group.bench_function("two_round_trips", |b| {
        b.iter_batched(
            || trips.order(world),
            |signed| black_box(trips.run(world, signed)),
            BatchSize::SmallInput,
        )
    });
}

/// `FAPIAO_INTERLEAVED=N`: the path (in memory, then on files with `Normal` and
/// `Full` durability, then in batches of [`BATCH`] on files) and the round
/// trips, alternately.
fn interleaved(pairs: usize) {
    // `FAPIAO_INTERLEAVED_ONLY=in_memory,batch-16_full`: only these columns
    // (names as printed, spaces as underscores), for quick comparisons.
    let only = std::env::var("FAPIAO_INTERLEAVED_ONLY").unwrap_or_default();
    let keys = std::env::var("FAPIAO_INTERLEAVED_KEYS").unwrap_or_default();
    for (label, ecp, eisp) in KEYS {
        if !keys.is_empty() && !keys.split(',').any(|k| k == label) {
            continue;
        }
        let dir = std::env::temp_dir().join(format!(
            "fapiao-bench-interleaved-{}-{label}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, durability, batch) in [
            ("in memory", None, 1),
            ("normal", Some(Durability::Normal), 1),
            ("full", Some(Durability::Full), 1),
            ("batch-16 normal", Some(Durability::Normal), BATCH),
            ("batch-16 full", Some(Durability::Full), BATCH),
        ] {
            let column = name.replace(' ', "_");
            if !only.is_empty() && !only.split(',').any(|o| o == column) {
                continue;
            }
            let world = world(&dir.join(&column), durability, ecp, eisp);
            let trust = trust();
            let trips = RoundTrips::new(&trust);
            let serial = AtomicU64::new(0);
            // A batch takes BATCH times as long: fewer pairs (each still
            // compares one invoice's share of a batch with one round trip).
            let pairs = if batch == 1 {
                pairs
            } else {
                (pairs / 4).max(20)
            };
            let (mut paths, mut rounds, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            let mut unsealed_ratios = Vec::new();
            let mut cpu_ratios = Vec::new();
            // The bytes the device seals for an invoice of this path (see below).
            let mut sealed: Option<Vec<u8>> = None;
            // The first tenth warms caches and the stores up and is not kept.
            for i in 0..pairs + pairs / 10 {
                let orders = erp_orders(&world, &serial, batch);
                let start = Instant::now();
                let cpu_start = thread_cpu_now().as_secs_f64();
                let first = if batch == 1 {
                    let order = orders.into_iter().next().expect("one order");
                    black_box(path(&world, order))
                } else {
                    black_box(batched_path(&world, orders)).swap_remove(0)
                };
                let p = start.elapsed().as_secs_f64() / batch as f64;
                let p_cpu = (thread_cpu_now().as_secs_f64() - cpu_start) / batch as f64;
                let signed = trips.order(&world);
                let start = Instant::now();
                let cpu_start = thread_cpu_now().as_secs_f64();
                black_box(trips.run(&world, signed));
                let r = start.elapsed().as_secs_f64();
                let r_cpu = thread_cpu_now().as_secs_f64() - cpu_start;
                // The device's seal: a signature over the invoice with the
                // device's key, crypto that the round trips do not contain
                // (the hosted device has the service platform's key type).
                let sealed = sealed.get_or_insert_with(|| match first.outcome {
                    IssueOutcome::Issued { invoice } => {
                        fapiao::device::sealed_bytes(&invoice).expect("sealed bytes")
                    }
                    other => panic!("not issued: {other:?}"),
                });
                let start = Instant::now();
                black_box(world.service.credentials().sign(sealed).expect("seal"));
                let s = start.elapsed().as_secs_f64();
                if i >= pairs / 10 {
                    paths.push(p);
                    rounds.push(r);
                    ratios.push(p / r);
                    unsealed_ratios.push((p - s) / r);
                    cpu_ratios.push(p_cpu / r_cpu);
                }
            }
            let (p, r, q) = (median(paths), median(rounds), median(ratios));
            println!(
                "{label}: path {name} {:.3} ms per invoice, two round trips {:.3} ms, \
                 median ratio {q:.2}x ({:.2}x without the device's seal; CPU time {:.2}x) over {pairs} pairs",
                p * 1e3,
                r * 1e3,
                median(unsealed_ratios),
                median(cpu_ratios),
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `FAPIAO_INSTRUCTIONS=N`: N in-memory paths, then N round trips, each in
/// its own function, for an instruction count that does not drift:
///
/// ```sh
/// valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/deps/issuing-HASH
/// callgrind_annotate --inclusive=yes cg.out | grep -E 'counted_(paths|round_trips)'
/// ```
///
/// (with `FAPIAO_INSTRUCTIONS=N` set; divide each by N, and leave out the
/// warm-up's first call of each). The ERP-signed orders both sides start from
/// are made before each counted function (the ERP's signature is not part of
/// either side, as in the timed benches), so the two counts differ by exactly
/// the path's work beyond its round trips.
fn instructions(count: usize) {
    for (label, ecp, eisp) in KEYS {
        if label != "P-256" {
            continue;
        }
        let world = world(std::path::Path::new("."), None, ecp, eisp);
        let trust = trust();
        let trips = RoundTrips::new(&trust);
        let serial = AtomicU64::new(0);
        let trip_orders = |n: usize| (0..n).map(|_| trips.order(&world)).collect();
        // Warm-up: the stores' statement caches, the parsed-certificate caches.
        counted_paths(&world, erp_orders(&world, &serial, 10));
        counted_round_trips(&world, &trips, trip_orders(10));
        counted_paths(&world, erp_orders(&world, &serial, count));
        counted_round_trips(&world, &trips, trip_orders(count));
        println!("{label}: {count} paths and {count} round trips counted");
    }
}

#[inline(never)]
fn counted_paths(world: &World, orders: Vec<SignedMessage>) {
    for order in orders {
        black_box(path(world, order));
    }
}

#[inline(never)]
fn counted_round_trips(world: &World, trips: &RoundTrips<'_>, orders: Vec<SignedMessage>) {
    for order in orders {
        black_box(trips.run(world, order));
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    if let Some(pairs) = std::env::var("FAPIAO_INTERLEAVED")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        interleaved(pairs);
        return;
    }
    if let Some(count) = std::env::var("FAPIAO_INSTRUCTIONS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        instructions(count);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

criterion::criterion_group!(benches, bench);
