//! Platform nodes killed with SIGKILL mid-invoice on PostgreSQL. Several child
//! processes (each a node: a cloud platform and a service platform hosting a
//! device, on the same two schemas as the others) issue platform-hosted
//! invoices through the real message path in a loop; each is killed at random
//! moments, again and again, while the others go on. After each kill:
//!
//! * the service platform's schema holds together (`check_integrity`);
//! * the device's numbers are the segment's first ones, none skipped or twice;
//! * every invoice the cloud platform stored is the one the service platform
//!   recorded for that order, and stays so across later kills.
//!
//! At the end a fresh node re-sends what the cloud platform's journal holds as
//! outstanding (answers lost in a kill); then every order submitted has
//! exactly one invoice, the same on both sides, every number given out belongs
//! to one order, and the tax outbox uploads each once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fapiao::device::{DeviceStore, SoftwareDevice};
use fapiao::envelope::SignedMessage;
use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::invoice::IssueOutcome;
use fapiao::pki::Credentials;
use fapiao::platform::{CloudPlatform, CloudStore, IssuingStore, Order, ServicePlatform};
use fapiao::store::PostgresStore;
use fapiao::tax::{OutboxStore, RecordingTaxAuthority, RetryPolicy, SeededJitter};
use fapiao_testkit::World;
use fapiao_testkit::{
    CLOUD_PLATFORM, HOSTED_BY_PLATFORM, HOSTED_DEVICE, NOW, SERVICE_PLATFORM, creds,
    hosted_segment, platform_hosted_record, provider, trust,
};

use crate::crash_support::{child_db, kill_repeatedly, test_name};
use crate::support::{SchemaGuard, schema_name, url};

/// Nodes killed at once, each in its own loop of kills.
const NODES: u32 = 3;
/// Kills per node.
const ROUNDS: u32 = 8;
/// How long a node runs before its kill, in milliseconds.
const WINDOW_MS: (u64, u64) = (400, 1200);

/// What a child reads from its file: the schemas, its node and its round.
struct Assignment {
    service: String,
    cloud: String,
    node: u32,
    round: u32,
}

impl Assignment {
    fn write(&self, path: &Path) {
        let text = format!(
            "{} {} {} {}",
            self.service, self.cloud, self.node, self.round
        );
        std::fs::write(path, text).unwrap();
    }

    fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap();
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [service, cloud, node, round] = fields[..] else {
            panic!("not an assignment: {text:?}");
        };
        Self {
            service: service.to_owned(),
            cloud: cloud.to_owned(),
            node: node.parse().unwrap(),
            round: round.parse().unwrap(),
        }
    }
}

/// The order `i` a node sends in a round.
fn serial(node: u32, round: u32, i: u64) -> String {
    format!("N{node}-{round}-{i}")
}

/// One node: its own stores (pools) on the two schemas, its own device handle
/// on the shared segment, its two platforms.
struct Node {
    cloud: CloudPlatform,
    service: ServicePlatform,
    cloud_store: Arc<PostgresStore>,
    service_store: Arc<PostgresStore>,
    erp: Credentials,
}

impl Node {
    fn open(service_schema: &str, cloud_schema: &str) -> Self {
        let service_store = Arc::new(PostgresStore::open(&url(), service_schema).unwrap());
        let cloud_store = Arc::new(PostgresStore::open(&url(), cloud_schema).unwrap());
        let eisp = creds("eisp-p256");
        let secret = fapiao::device::DeviceSecret::new(&[7u8; 32]).unwrap();
        let device = SoftwareDevice::new(
            HOSTED_DEVICE,
            eisp.clone(),
            secret,
            service_store.clone(),
            provider(),
        )
        .unwrap();
        let service = ServicePlatform::builder(eisp, trust())
            .store(service_store.clone())
            .hosted_device(Arc::new(device))
            .build()
            .unwrap();
        let cloud = CloudPlatform::builder(creds("ecp-rsa"), trust())
            .store(cloud_store.clone())
            .service_platform(SERVICE_PLATFORM)
            .build()
            .unwrap();
        Self {
            cloud,
            service,
            cloud_store,
            service_store,
            erp: creds("enterprise-ed25519"),
        }
    }

    /// The schemas set up once: the peers pinned, the enterprise registered,
    /// the device's segment added.
    fn deploy(service_schema: &str, cloud_schema: &str) {
        let node = Self::open(service_schema, cloud_schema);
        let pin =
            |id, role, party: &Credentials| PeerRecord::new(id, role, party.leaf().clone(), NOW);
        PeerDirectory::new(node.service_store.clone())
            .pin(pin(
                CLOUD_PLATFORM,
                PartyRole::CloudPlatform,
                &creds("ecp-rsa"),
            ))
            .unwrap();
        PeerDirectory::new(node.cloud_store.clone())
            .pin(pin(
                SERVICE_PLATFORM,
                PartyRole::ServicePlatform,
                &creds("eisp-p256"),
            ))
            .unwrap();
        // A quota no run of the test reaches.
        let mut record = platform_hosted_record(&node.erp);
        record.monthly_quota_fen = i64::MAX / 4;
        node.service_store.upsert_enterprise(&record).unwrap();
        node.service_store.add_segment(&hosted_segment()).unwrap();
    }

    /// Submits order `serial` at the cloud platform, has the service platform
    /// answer it and the cloud platform store the answer.
    fn issue(&self, serial: &str) {
        let json = World::request(HOSTED_BY_PLATFORM, serial);
        let signed = SignedMessage::sign(&json, &self.erp, NOW, provider()).unwrap();
        let sealed = self.cloud.submit(Order::Signed(signed), NOW).unwrap();
        let answer = self.service.handle(&sealed, NOW).unwrap();
        let response = self.cloud.open_response(&answer, NOW).unwrap();
        assert!(
            matches!(response.outcome, IssueOutcome::Issued { .. }),
            "{serial}: {:?}",
            response.outcome
        );
    }

    /// Re-sends the outstanding orders whose serial starts with `prefix`
    /// (every one for an empty prefix) and stores the answers.
    fn resend_outstanding(&self, prefix: &str) -> usize {
        let mut resent = 0;
        for order in self.cloud.outstanding_submissions(0, 10_000).unwrap() {
            if !order.serial_number.starts_with(prefix) {
                continue;
            }
            let sealed = self
                .cloud
                .resend(&order.seller_tax_id, &order.serial_number, NOW)
                .unwrap();
            let answer = self.service.handle(&sealed, NOW).unwrap();
            let response = self.cloud.open_response(&answer, NOW).unwrap();
            assert!(
                matches!(response.outcome, IssueOutcome::Issued { .. }),
                "{}: {:?}",
                order.serial_number,
                response.outcome
            );
            resent += 1;
        }
        resent
    }

    fn drain(&self, now: u64, seed: u64) {
        self.service
            .drain_outbox(
                &RecordingTaxAuthority::new(),
                now,
                &RetryPolicy::default(),
                &mut SeededJitter::new(seed),
            )
            .unwrap();
    }

    /// The invoice number the cloud platform stored for `serial`, and the one
    /// the service platform recorded.
    fn numbers(&self, serial: &str) -> (Option<String>, Option<String>) {
        let cloud = self
            .cloud_store
            .invoice_by_serial(HOSTED_BY_PLATFORM, serial)
            .unwrap()
            .map(|stored| stored.invoice.invoice_number.to_string());
        let service = self
            .service_store
            .find_request(HOSTED_BY_PLATFORM, serial)
            .unwrap()
            .and_then(|record| record.invoice_number.map(|n| n.to_string()));
        (cloud, service)
    }

    /// Whether the cloud platform journaled order `serial`.
    fn submitted(&self, serial: &str) -> bool {
        self.cloud_store
            .submission(HOSTED_BY_PLATFORM, serial)
            .unwrap()
            .is_some()
    }

    /// The device's numbers: the segment's first ones, in order. Returns how
    /// many.
    fn check_numbers(&self, round: &str) -> usize {
        let segment = hosted_segment();
        let journal = self.service_store.journal(HOSTED_DEVICE).unwrap();
        for (index, entry) in journal.iter().enumerate() {
            let expected = segment.number(segment.first() + index as u64).unwrap();
            assert_eq!(
                entry.invoice.invoice_number.to_string(),
                expected.to_string(),
                "{round}: number {index} of the device"
            );
        }
        journal.len()
    }
}

/// A node until killed (only when started as a crash child): re-sends its own
/// orders left outstanding by the last kill, then issues order after order.
#[test]
fn crash_child_node_issues_until_killed() {
    let Some(path) = child_db() else { return };
    let assignment = Assignment::read(&path);
    let node = Node::open(&assignment.service, &assignment.cloud);
    node.resend_outstanding(&format!("N{}-", assignment.node));
    for i in 0.. {
        node.issue(&serial(assignment.node, assignment.round, i));
        if i % 5 == 4 {
            node.drain(NOW, i);
        }
    }
}

/// The parent's view of one node: every order of its rounds so far, and the
/// invoice number the cloud platform had stored for it.
struct Seen {
    answered: HashMap<String, String>,
    submitted: u64,
}

/// After node `n`'s kill in `round`: the stores hold together and nothing
/// answered before changed.
fn check_after_kill(checker: &Node, node: u32, round: u32, seen: &mut Seen) {
    let label = format!("node {node}, after kill {round}");
    let problems = checker.service_store.check_integrity().unwrap();
    assert!(problems.is_empty(), "{label}: {problems:?}");
    checker.check_numbers(&label);
    for (serial, number) in &seen.answered {
        let (cloud, service) = checker.numbers(serial);
        assert_eq!(cloud.as_ref(), Some(number), "{label}: {serial} changed");
        assert_eq!(service.as_ref(), Some(number), "{label}: {serial}");
    }
    for i in 0.. {
        let serial = serial(node, round, i);
        if !checker.submitted(&serial) {
            break;
        }
        seen.submitted += 1;
        // Without a stored invoice, the answer was lost in the kill (or the
        // order never reached the service platform): the journal keeps it
        // outstanding.
        if let (Some(cloud), service) = checker.numbers(&serial) {
            assert_eq!(Some(&cloud), service.as_ref(), "{label}: {serial}");
            seen.answered.insert(serial, cloud);
        }
    }
}

#[test]
fn nodes_killed_mid_invoice_lose_nothing_and_give_no_number_twice() {
    let _server = crate::support::server_shared();
    let (service_schema, cloud_schema) = (schema_name("crash_eisp"), schema_name("crash_ecp"));
    let _guards = [
        SchemaGuard(service_schema.clone()),
        SchemaGuard(cloud_schema.clone()),
    ];
    Node::deploy(&service_schema, &cloud_schema);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("postgres_crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let child = test_name(module_path!(), "crash_child_node_issues_until_killed");
    let started = std::time::Instant::now();

    let submitted: u64 = std::thread::scope(|scope| {
        let loops: Vec<_> = (0..NODES)
            .map(|node| {
                let (dir, child) = (&dir, &child);
                let (service_schema, cloud_schema) = (&service_schema, &cloud_schema);
                scope.spawn(move || {
                    let path = dir.join(format!("node-{node}"));
                    let assign = |round| {
                        Assignment {
                            service: service_schema.clone(),
                            cloud: cloud_schema.clone(),
                            node,
                            round,
                        }
                        .write(&path)
                    };
                    assign(0);
                    let checker = Node::open(service_schema, cloud_schema);
                    let mut seen = Seen {
                        answered: HashMap::new(),
                        submitted: 0,
                    };
                    kill_repeatedly(child, &path, ROUNDS, WINDOW_MS, |round| {
                        check_after_kill(&checker, node, round.index, &mut seen);
                        assign(round.index + 1);
                    });
                    eprintln!(
                        "node {node}: {} orders submitted, {} answered before a kill",
                        seen.submitted,
                        seen.answered.len()
                    );
                    seen.submitted
                })
            })
            .collect();
        loops.into_iter().map(|l| l.join().unwrap()).sum()
    });

    // A fresh node finishes what the kills left in flight.
    let node = Node::open(&service_schema, &cloud_schema);
    let resent = node.resend_outstanding("");
    assert!(
        node.cloud
            .outstanding_submissions(0, 100)
            .unwrap()
            .is_empty()
    );
    let mut numbers = HashMap::new();
    for n in 0..NODES {
        for round in 0..ROUNDS {
            for i in 0.. {
                let serial = serial(n, round, i);
                if !node.submitted(&serial) {
                    break;
                }
                let (cloud, service) = node.numbers(&serial);
                let cloud = cloud.unwrap_or_else(|| {
                    let submission = node
                        .cloud_store
                        .submission(HOSTED_BY_PLATFORM, &serial)
                        .unwrap()
                        .map(|submission| submission.state);
                    let record = node
                        .service_store
                        .find_request(HOSTED_BY_PLATFORM, &serial)
                        .unwrap()
                        .map(|r| {
                            (
                                r.state,
                                String::from_utf8_lossy(&r.response_json).into_owned(),
                            )
                        });
                    panic!("{serial}: no invoice; submission {submission:?}; request {record:?}")
                });
                assert_eq!(Some(&cloud), service.as_ref(), "{serial}");
                assert!(
                    numbers.insert(cloud.clone(), serial.clone()).is_none(),
                    "{cloud} given twice"
                );
            }
        }
    }
    assert_eq!(numbers.len() as u64, submitted, "one invoice per order");
    assert!(
        submitted >= u64::from(NODES * ROUNDS),
        "the nodes made too little progress: {submitted} orders"
    );
    // Every number the device gave out belongs to one order.
    assert_eq!(node.check_numbers("at the end"), numbers.len());
    let problems = node.service_store.check_integrity().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // The outbox holds every invoice: draining uploads each once (past any
    // claim a killed node's drain left).
    for step in 1..=3 {
        node.drain(NOW + step * 100_000, step);
    }
    assert_eq!(
        node.service_store.uploaded(usize::MAX).unwrap().len(),
        numbers.len()
    );
    eprintln!(
        "postgres crash test: {NODES} nodes, {ROUNDS} kills each, {submitted} orders \
         ({resent} answers lost in a kill and re-sent), in {:?}",
        started.elapsed()
    );
}
