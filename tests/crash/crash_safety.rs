//! Crash safety: a child process issues invoices in both hosting
//! modes in a loop on a SQLite file and is killed with SIGKILL at random points,
//! 20 times; after each kill the database must hold:
//!
//! * no invoice number used twice or skipped without a record (per segment, the
//!   numbers given out are exactly `first..next`, one journal entry each);
//! * every request answered before is still there with the same answer and the
//!   same invoice;
//! * every issued invoice is in the outbox (pending, uploaded or parked);
//! * every accepted request still has its queued command, and every completed
//!   command was applied once (its invoice is the device's one for the command).
//!
//! At the end the in-flight work is finished and every number the devices gave
//! out must belong to exactly one answered request.

use crate::crash_support;
use crate::issuing_support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fapiao::IssuingDevice;
use fapiao::device::DeviceStore;
use fapiao::device::{ControlCommand, NumberSegment, SoftwareDevice};
use fapiao::invoice::{InvoiceKind, ValidationPolicy};
use fapiao::platform::{CommandOutcome, IssuingStore, NewCommand, RequestState};
use fapiao::store::SqliteStore;
use fapiao::tax::OutboxStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter, drain_outbox};
use issuing_support::*;

/// The enterprise's own device (enterprise-hosted mode), behind its front end.
const ENTERPRISE_DEVICE: &str = "ent-device-01";

/// Even serials are platform-hosted (synchronous), odd ones enterprise-hosted.
fn platform_hosted(k: u64) -> bool {
    k % 2 == 0
}

fn serial(k: u64) -> String {
    format!("S-{k}")
}

struct Issuer {
    store: Arc<SqliteStore>,
    platform: SoftwareDevice,
    enterprise: SoftwareDevice,
    authority: RecordingTaxAuthority,
}

impl Issuer {
    fn open(db: &Path) -> Self {
        let store = Arc::new(SqliteStore::open(db).unwrap());
        let platform = device(store.clone());
        platform
            .add_segment(&segment("eisp-seg-1", 1, 1_000_000))
            .unwrap();
        let enterprise = SoftwareDevice::new(
            ENTERPRISE_DEVICE,
            credentials("enterprise-p256"),
            secret(),
            store.clone(),
            provider(),
        )
        .unwrap();
        let ent_segment = NumberSegment::digital(
            "ent-seg-1",
            ENTERPRISE_DEVICE,
            InvoiceKind::DigitalOrdinary,
            "26351",
            1,
            1_000_000,
        )
        .unwrap();
        enterprise.add_segment(&ent_segment).unwrap();
        Self {
            store,
            platform,
            enterprise,
            authority: RecordingTaxAuthority::new(),
        }
    }

    /// The first serial without a record: where the loop resumes. (A request the
    /// platform device issued but the crash kept from being recorded is issued
    /// again, and the device gives back the same invoice.)
    fn resume_at(&self) -> u64 {
        let mut k = 1;
        while self
            .store
            .find_request(SELLER, &serial(k))
            .unwrap()
            .is_some()
        {
            k += 1;
        }
        k
    }

    /// One request, in its hosting mode.
    fn submit(&self, k: u64) {
        let serial = serial(k);
        let command = command(&serial);
        let digest = digest(&serial);
        if platform_hosted(k) {
            let invoice = self.platform.issue(&command, NOW).unwrap();
            self.store
                .record_issued(
                    SELLER,
                    &serial,
                    &digest,
                    &invoice,
                    &response_for(&invoice),
                    None,
                )
                .unwrap();
        } else {
            let bytes = command.to_json().unwrap();
            let ticket = format!("T-{k}");
            self.store
                .enqueue_command(&NewCommand {
                    seller_tax_id: SELLER,
                    serial_number: &serial,
                    digest: &digest,
                    command_id: command.command_id(),
                    ticket: &ticket,
                    command_bytes: &bytes,
                    accepted_response_json: ticket.as_bytes(),
                    quota: None,
                    reverses: None,
                    platform: "ECP-1",
                    deadline_unix: 0,
                })
                .unwrap();
        }
    }

    /// The enterprise's front end: pull, issue, report. Returns how many it ran.
    fn front_end(&self, batch: usize) -> usize {
        let pending = self.store.pending_commands(SELLER, batch).unwrap();
        for queued in &pending {
            let command =
                ControlCommand::from_json(&queued.command_bytes, &ValidationPolicy::default())
                    .unwrap();
            let invoice = self.enterprise.issue(&command, NOW).unwrap();
            self.store
                .complete_command(
                    &queued.command_id,
                    CommandOutcome::Issued {
                        invoice: &invoice,
                        response_json: &response_for(&invoice),
                    },
                )
                .unwrap();
        }
        pending.len()
    }

    fn drain(&self) {
        let policy = RetryPolicy::default();
        drain_outbox(
            &*self.store,
            &self.authority,
            NOW,
            &policy,
            &mut SeededJitter::new(1),
        )
        .unwrap();
    }
}

/// The child: issue forever (until killed).
#[test]
fn crash_child() {
    let Some(db) = crash_support::child_db() else {
        return;
    };
    let issuer = Issuer::open(&db);
    // Commands accepted before the last crash are delivered again.
    while issuer.front_end(8) > 0 {}
    let mut k = issuer.resume_at();
    loop {
        issuer.submit(k);
        issuer.front_end(2);
        if k % 5 == 0 {
            issuer.drain();
        }
        k += 1;
    }
}

/// What the parent saw of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    state: RequestState,
    response_json: Vec<u8>,
    invoice_number: Option<String>,
}

fn snapshot(store: &SqliteStore) -> HashMap<u64, Seen> {
    let mut seen = HashMap::new();
    let mut k = 1;
    while let Some(record) = store.find_request(SELLER, &serial(k)).unwrap() {
        seen.insert(
            k,
            Seen {
                state: record.state,
                response_json: record.response_json,
                invoice_number: record.invoice_number.map(|n| n.to_string()),
            },
        );
        k += 1;
    }
    seen
}

fn check_journal(store: &SqliteStore, device_id: &str, prefix: &str) -> usize {
    let journal = store.journal(device_id).unwrap();
    for (index, entry) in journal.iter().enumerate() {
        let expected = format!("{prefix}{:015}", index + 1);
        assert_eq!(
            entry.invoice.invoice_number.to_string(),
            expected,
            "{device_id}"
        );
    }
    journal.len()
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_reuses_no_number() {
    let dir = temp_dir("crash-safety");
    let db = dir.join("fapiao.db");
    let mut before: HashMap<u64, Seen> = HashMap::new();
    let mut progress = Vec::new();
    let child = crash_support::test_name(module_path!(), "crash_child");
    crash_support::kill_repeatedly(&child, &db, 20, (50, 300), |round| {
        let store = SqliteStore::open(&db).unwrap();
        let problems = store.check_integrity().unwrap();
        assert!(problems.is_empty(), "round {}: {problems:?}", round.index);
        let platform = check_journal(&store, DEVICE, PREFIX);
        let enterprise = check_journal(&store, ENTERPRISE_DEVICE, "26351");
        let now = snapshot(&store);
        for (k, old) in &before {
            let new = now
                .get(k)
                .unwrap_or_else(|| panic!("round {}: request {k} vanished", round.index));
            if old.state == RequestState::Accepted {
                assert!(
                    matches!(new.state, RequestState::Accepted | RequestState::Issued),
                    "round {}: request {k} went from accepted to {:?}",
                    round.index,
                    new.state
                );
            } else {
                assert_eq!(new, old, "round {}: request {k} changed", round.index);
            }
        }
        // Every issued invoice is the one its device journaled for the command.
        for (k, seen) in &now {
            let Some(number) = &seen.invoice_number else {
                continue;
            };
            let device_id = if platform_hosted(*k) {
                DEVICE
            } else {
                ENTERPRISE_DEVICE
            };
            let entry = store
                .issued_for_command(device_id, &format!("{SELLER}:{}", serial(*k)))
                .unwrap()
                .unwrap_or_else(|| panic!("round {}: no journal entry for {k}", round.index));
            assert_eq!(&entry.invoice.invoice_number.to_string(), number);
        }
        progress.push((round.ran_for.as_millis(), now.len(), platform + enterprise));
        before = now;
    });
    eprintln!("after each kill (ms run, requests, numbers given out): {progress:?}");

    // Finish what was in flight, then every number given out belongs to exactly
    // one answered request.
    let issuer = Issuer::open(&db);
    let next = issuer.resume_at();
    if platform_hosted(next) {
        // The platform device may have issued `next` just before the kill.
        issuer.submit(next);
    }
    while issuer.front_end(64) > 0 {}
    let store = &issuer.store;
    let answered = snapshot(store);
    assert!(
        answered.len() >= 20,
        "the child made too little progress: {progress:?}"
    );
    let issued: Vec<&String> = answered
        .values()
        .filter_map(|seen| seen.invoice_number.as_ref())
        .collect();
    assert!(
        answered
            .values()
            .all(|seen| seen.state == RequestState::Issued)
    );
    let journal: usize = [DEVICE, ENTERPRISE_DEVICE]
        .iter()
        .map(|d| store.journal(d).unwrap().len())
        .sum();
    assert_eq!(
        issued.len(),
        journal,
        "every number given out is answered once"
    );
    assert!(store.check_integrity().unwrap().is_empty());
    // The outbox holds them all: one drain uploads what is left.
    issuer.drain();
    assert_eq!(store.uploaded(usize::MAX).unwrap().len(), issued.len());
}
