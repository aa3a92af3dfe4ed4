//! The SQLite store: schema and migrations, idempotency records, the command
//! queue applied exactly once, whole transactions, the cloud platform's records,
//! and the replay guard, peer directory and qualification registry persisted.

mod issuing_support;

use std::sync::Arc;

use fapiao::IssuingDevice;
use fapiao::envelope::ReplayGuard;
use fapiao::invoice::{IssuedInvoice, UnifiedSocialCreditCode, UnixTime};
use fapiao::pki::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::qualification::{EnterpriseStatus, QualificationError, QualificationRegistry, Refusal};
use fapiao::store::{
    CloudStore, CloudTicketState, CommandOutcome, HeldQuota, IssuingStore, NewCommand, OutboxState,
    OutboxStore, RequestDigest, RequestState, SqliteStore, StoreError, TicketResolution,
    TicketState,
};
use fapiao::{EnvelopeError, Error};
use issuing_support::*;

/// A store and `count` issued invoices (not yet recorded by the platform).
fn invoices(count: u64) -> (Arc<SqliteStore>, Vec<IssuedInvoice>) {
    let store = memory_store();
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    let invoices = (1..=count)
        .map(|n| device.issue(&command(&format!("S-{n}")), NOW).unwrap())
        .collect();
    (store, invoices)
}

fn new_command<'a>(serial: &'a str, digest: &'a RequestDigest, ticket: &'a str) -> NewCommand<'a> {
    NewCommand {
        seller_tax_id: SELLER,
        serial_number: serial,
        digest,
        command_id: serial,
        ticket,
        command_bytes: b"sealed command",
        accepted_response_json: b"{\"status\":\"ACCEPTED_PENDING\"}",
        quota: Some(HeldQuota {
            reservation_id: 7,
            month: "2027-06".parse().unwrap(),
            amount_fen: 12_345,
        }),
    }
}

#[test]
fn a_file_database_is_in_wal_mode_at_the_latest_schema() {
    let dir = temp_dir("store-schema");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let steps: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        steps,
        (1..=SqliteStore::latest_schema_version()).collect::<Vec<_>>()
    );
    // Reopening applies nothing twice; a newer schema is refused.
    SqliteStore::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version, name) VALUES (99, 'future')",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::SchemaTooNew { found: 99, .. })
    ));
}

#[test]
fn the_same_serial_number_gets_the_same_answer_and_other_content_is_a_conflict() {
    let (store, invoices) = invoices(2);
    let answer = response_for(&invoices[0]);
    let first = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer)
        .unwrap();
    assert!(first.fresh);
    assert_eq!(first.record.state, RequestState::Issued);
    let again = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[1], b"other answer")
        .unwrap();
    assert!(!again.fresh);
    assert_eq!(again.record.response_json, answer);
    assert_eq!(
        again.record.invoice_number,
        Some(invoices[0].invoice_number.clone())
    );
    // The very same invoice again (its number is taken too, by the same row):
    // still the stored answer, not a duplicate number.
    let same = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer)
        .unwrap();
    assert!(!same.fresh);
    assert_eq!(same.record, first.record);
    let conflict = store
        .record_refused(SELLER, "S-1", &digest("S-1-other"), b"refused")
        .unwrap_err();
    assert!(
        matches!(conflict, StoreError::Conflict { .. }),
        "{conflict}"
    );
    // Serial numbers are per seller.
    let other_seller = store
        .record_refused("91440101MA5CJQ4N59", "S-1", &digest("S-9"), b"refused")
        .unwrap();
    assert!(other_seller.fresh);
    let found = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(found, first.record);
    assert!(store.find_request(SELLER, "S-404").unwrap().is_none());
    // The invoice went to the outbox in the same transaction.
    let entry = store
        .outbox_entry(&invoices[0].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, OutboxState::Pending);
    assert_eq!(entry.invoice, invoices[0]);
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn an_invoice_number_recorded_twice_is_refused_and_nothing_is_written() {
    let (store, invoices) = invoices(1);
    let answer = response_for(&invoices[0]);
    store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer)
        .unwrap();
    let duplicate = store
        .record_issued(SELLER, "S-2", &digest("S-2"), &invoices[0], &answer)
        .unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Duplicate { .. }),
        "{duplicate}"
    );
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    // An invoice of another seller is not recorded under this seller's request.
    let foreign = store
        .record_issued(
            "91440101MA5CJQ4N59",
            "S-3",
            &digest("S-3"),
            &invoices[0],
            &answer,
        )
        .unwrap_err();
    assert!(matches!(foreign, StoreError::Mismatch { .. }), "{foreign}");
    assert!(
        store
            .find_request("91440101MA5CJQ4N59", "S-3")
            .unwrap()
            .is_none()
    );
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_queued_command_is_delivered_until_completed_and_applied_exactly_once() {
    let (store, invoices) = invoices(2);
    let d = digest("S-1");
    let queued = store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    assert!(queued.fresh);
    assert_eq!(queued.record.state, RequestState::Accepted);
    assert_eq!(queued.record.ticket.as_deref(), Some("T-1"));
    // Enqueuing the same request again changes nothing.
    assert!(
        !store
            .enqueue_command(&new_command("S-1", &d, "T-1"))
            .unwrap()
            .fresh
    );
    // At least once: listed on every pull until completed.
    for _ in 0..2 {
        let pending = store.pending_commands(SELLER, 10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].command_bytes, b"sealed command");
        assert_eq!(pending[0].ticket, "T-1");
    }
    assert!(
        store
            .pending_commands("91440101MA5CJQ4N59", 10)
            .unwrap()
            .is_empty()
    );
    let ticket = store.ticket("T-1").unwrap().unwrap();
    assert_eq!(ticket.state, TicketState::Pending);
    assert_eq!(ticket.response_json, b"{\"status\":\"ACCEPTED_PENDING\"}");

    let answer = response_for(&invoices[0]);
    let done = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[0],
                response_json: &answer,
            },
        )
        .unwrap();
    assert!(done.first_time);
    // The quota the command held goes back to the caller, once.
    assert_eq!(done.quota, new_command("S-1", &d, "T-1").quota);
    assert_eq!(done.ticket.state, TicketState::Issued);
    assert_eq!(done.ticket.invoice.as_ref(), Some(&invoices[0]));
    // Exactly once: a second report (even a different one) changes nothing.
    let again = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[1],
                response_json: b"other",
            },
        )
        .unwrap();
    assert!(!again.first_time);
    assert_eq!(again.quota, None);
    assert_eq!(again.ticket, done.ticket);
    let failed = store
        .complete_command(
            "S-1",
            CommandOutcome::Failed {
                response_json: b"failed",
            },
        )
        .unwrap();
    assert_eq!(failed.ticket, done.ticket);
    // The request's record carries the final answer, and the invoice is in the outbox.
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Issued);
    assert_eq!(record.response_json, answer);
    assert!(store.pending_commands(SELLER, 10).unwrap().is_empty());
    assert_eq!(store.due_uploads(NOW, 10).unwrap().len(), 1);
    assert!(
        store
            .outbox_entry(&invoices[1].invoice_number)
            .unwrap()
            .is_none()
    );
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_failed_command_closes_its_ticket_with_the_failure() {
    let store = memory_store();
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    let done = store
        .complete_command(
            "S-1",
            CommandOutcome::Failed {
                response_json: b"deadline passed",
            },
        )
        .unwrap();
    assert_eq!(done.ticket.state, TicketState::Failed);
    assert_eq!(done.ticket.response_json, b"deadline passed");
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Failed);
    assert!(matches!(
        store.complete_command("nope", CommandOutcome::Failed { response_json: b"" }),
        Err(StoreError::NotFound { .. })
    ));
    // A ticket or command id in use cannot be queued again for another request.
    let other = digest("S-2");
    let reused_ticket = store
        .enqueue_command(&new_command("S-2", &other, "T-1"))
        .unwrap_err();
    assert!(
        matches!(reused_ticket, StoreError::Duplicate { what: "ticket", .. }),
        "{reused_ticket}"
    );
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_failing_step_rolls_the_whole_completion_back() {
    let (store, invoices) = invoices(1);
    let answer = response_for(&invoices[0]);
    store
        .record_issued(SELLER, "S-0", &digest("S-0"), &invoices[0], &answer)
        .unwrap();
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    // The front end reports an invoice whose number is already recorded: the
    // command's state was updated before the failing step, and is rolled back.
    let err = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[0],
                response_json: &answer,
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    assert_eq!(
        store.ticket("T-1").unwrap().unwrap().state,
        TicketState::Pending
    );
    assert_eq!(store.pending_commands(SELLER, 10).unwrap().len(), 1);
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Accepted);
    assert_eq!(record.invoice_number, None);
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn concurrent_completions_apply_once() {
    let (store, invoices) = invoices(1);
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    let invoice = Arc::new(invoices[0].clone());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (store, invoice) = (store.clone(), invoice.clone());
            std::thread::spawn(move || {
                let answer = response_for(&invoice);
                store
                    .complete_command(
                        "S-1",
                        CommandOutcome::Issued {
                            invoice: &invoice,
                            response_json: &answer,
                        },
                    )
                    .unwrap()
                    .first_time
            })
        })
        .collect();
    let firsts = handles.into_iter().map(|h| h.join().unwrap());
    assert_eq!(firsts.filter(|first| *first).count(), 1);
}

#[test]
fn the_cloud_platform_keeps_invoices_and_polls_tickets() {
    let (store, invoices) = invoices(2);
    let answer = response_for(&invoices[0]);
    assert!(
        store
            .store_invoice(SELLER, "S-1", &invoices[0], &answer)
            .unwrap()
    );
    assert!(
        !store
            .store_invoice(SELLER, "S-1", &invoices[0], &answer)
            .unwrap()
    );
    assert!(matches!(
        store.store_invoice(SELLER, "S-1", &invoices[1], &answer),
        Err(StoreError::Conflict { .. })
    ));
    let stored = store.invoice_by_serial(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(stored.invoice, invoices[0]);

    store.record_ticket(SELLER, "S-2", "T-2", NOW).unwrap();
    store.record_ticket(SELLER, "S-2", "T-2", NOW + 1).unwrap();
    store.record_ticket(SELLER, "S-3", "T-3", NOW + 2).unwrap();
    // An invoice of another seller does not complete a ticket of SELLER.
    let mut foreign = invoices[1].clone();
    foreign.seller_tax_id = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    let foreign_answer = response_for(&foreign);
    assert!(matches!(
        store.complete_ticket(
            "T-2",
            TicketResolution::Issued {
                invoice: &foreign,
                response_json: &foreign_answer,
            }
        ),
        Err(StoreError::Mismatch { .. })
    ));
    assert!(store.record_ticket(SELLER, "S-4", "T-2", NOW).is_err());
    let outstanding = store.outstanding_tickets(10).unwrap();
    assert_eq!(
        outstanding
            .iter()
            .map(|t| t.ticket.as_str())
            .collect::<Vec<_>>(),
        ["T-2", "T-3"]
    );
    let of_s2 = store.outstanding_tickets_for_serial("S-2").unwrap();
    assert_eq!(of_s2.len(), 1);
    assert_eq!(of_s2[0].ticket, "T-2");
    assert!(
        store
            .outstanding_tickets_for_serial("S-9")
            .unwrap()
            .is_empty()
    );
    let answer = response_for(&invoices[1]);
    let resolution = TicketResolution::Issued {
        invoice: &invoices[1],
        response_json: &answer,
    };
    assert!(store.complete_ticket("T-2", resolution).unwrap());
    assert!(!store.complete_ticket("T-2", resolution).unwrap());
    assert!(
        store
            .complete_ticket(
                "T-3",
                TicketResolution::Failed {
                    response_json: b"no"
                }
            )
            .unwrap()
    );
    assert!(store.outstanding_tickets(10).unwrap().is_empty());
    assert!(
        store
            .outstanding_tickets_for_serial("S-2")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.cloud_ticket("T-3").unwrap().unwrap().state,
        CloudTicketState::Failed
    );
    assert_eq!(
        store
            .invoice_by_serial(SELLER, "S-2")
            .unwrap()
            .unwrap()
            .invoice,
        invoices[1]
    );
}

/// The replay check and the cloud platform's invoice row are changes of one
/// writing statement, run without a savepoint of their own
/// (`SqliteStore::write_statement`): one that fails inside a unit of work must
/// still leave nothing of itself, and the unit goes on and commits the rest.
#[test]
fn a_one_statement_change_that_fails_in_a_unit_leaves_nothing_and_the_unit_goes_on() {
    let (store, invoices) = invoices(2);
    let answer = response_for(&invoices[0]);
    store
        .atomically(|| -> Result<(), Error> {
            store.check_and_record(b"msg-1", NOW, NOW + 600)?;
            let replay = store
                .check_and_record(b"msg-1", NOW, NOW + 600)
                .unwrap_err();
            assert!(
                matches!(replay, Error::Envelope(EnvelopeError::Replay { .. })),
                "{replay}"
            );
            assert!(store.store_invoice(SELLER, "S-1", &invoices[0], &answer)?);
            // The same invoice number under another serial number: the insert
            // is refused by the table's UNIQUE invoice number.
            let duplicate = store
                .store_invoice(SELLER, "S-2", &invoices[0], &answer)
                .unwrap_err();
            assert!(
                matches!(duplicate, StoreError::Duplicate { .. }),
                "{duplicate}"
            );
            assert!(store.store_invoice(SELLER, "S-3", &invoices[1], &answer)?);
            store.check_and_record(b"msg-2", NOW, NOW + 600)?;
            Ok(())
        })
        .unwrap();
    assert!(store.invoice_by_serial(SELLER, "S-1").unwrap().is_some());
    assert!(store.invoice_by_serial(SELLER, "S-2").unwrap().is_none());
    assert!(store.invoice_by_serial(SELLER, "S-3").unwrap().is_some());
    for id in [b"msg-1", b"msg-2"] {
        assert!(store.check_and_record(id, NOW + 1, NOW + 601).is_err());
    }
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn the_replay_guard_remembers_across_a_restart() {
    let dir = temp_dir("store-replay");
    let path = dir.join("fapiao.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.check_and_record(b"msg-1", NOW, NOW + 600).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let err = store
        .check_and_record(b"msg-1", NOW + 10, NOW + 610)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    store
        .check_and_record(b"msg-2", NOW + 10, NOW + 610)
        .unwrap();
    // Forgotten after it expires.
    store
        .check_and_record(b"msg-1", NOW + 601, NOW + 1201)
        .unwrap();
}

#[test]
fn the_peer_directory_persists_pins_and_their_status() {
    let dir = temp_dir("store-peers");
    let path = dir.join("fapiao.db");
    let ecp = credentials("ecp-p256").leaf().clone();
    let rotated = credentials("ecp-rsa").leaf().clone();
    {
        let directory = PeerDirectory::new(Arc::new(SqliteStore::open(&path).unwrap()));
        directory
            .pin(PeerRecord::new(
                "ecp-main",
                PartyRole::CloudPlatform,
                ecp.clone(),
                NOW,
            ))
            .unwrap();
        directory
            .pin(PeerRecord::new(
                "ecp-main",
                PartyRole::CloudPlatform,
                rotated.clone(),
                NOW + 1,
            ))
            .unwrap();
        directory.retire(&ecp.spki_fingerprint()).unwrap();
    }
    let directory = PeerDirectory::new(Arc::new(SqliteStore::open(&path).unwrap()));
    let usable = directory.lookup_party("ecp-main", NOW + 2).unwrap();
    assert_eq!(usable.len(), 1);
    assert_eq!(usable[0].certificate, rotated);
    assert!(
        directory
            .lookup_fingerprint(&ecp.spki_fingerprint(), NOW + 2)
            .is_err()
    );
    assert!(
        directory
            .check("ecp-main", PartyRole::CloudPlatform, &rotated, NOW + 2)
            .is_ok()
    );
    // A certificate pinned for one party cannot be pinned for another.
    assert!(
        directory
            .pin(PeerRecord::new(
                "eisp",
                PartyRole::ServicePlatform,
                rotated,
                NOW
            ))
            .is_err()
    );
}

#[test]
fn peer_lookups_read_every_column_and_a_damaged_row_is_a_typed_error() {
    use fapiao::pki::{PeerStatus, PeerStore};
    use fapiao::store::CorruptValue;

    let dir = temp_dir("store-peer-rows");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    let first = credentials("ecp-p256").leaf().clone();
    let second = credentials("ecp-rsa").leaf().clone();
    let mut retired = PeerRecord::new(
        "ecp-main",
        PartyRole::CloudPlatform,
        second.clone(),
        NOW + 5,
    );
    retired.status = PeerStatus::Retired;
    store.put(&retired).unwrap();
    store
        .put(&PeerRecord::new(
            "ecp-main",
            PartyRole::CloudPlatform,
            first.clone(),
            NOW,
        ))
        .unwrap();

    let same = |a: &PeerRecord, b: &PeerRecord| {
        assert_eq!(
            (&a.party_id, a.role, a.fingerprint, &a.certificate),
            (&b.party_id, b.role, b.fingerprint, &b.certificate)
        );
        assert_eq!(
            (a.not_after, a.status, a.pinned_at),
            (b.not_after, b.status, b.pinned_at)
        );
    };
    // Every row of the party, oldest pin first, each column as written.
    let rows = store.by_party("ecp-main").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].certificate, first);
    assert_eq!(rows[0].pinned_at, NOW);
    assert_eq!(rows[0].status, PeerStatus::Active);
    same(&rows[1], &retired);
    assert_eq!(rows[1].not_after, second.not_after());
    // One row by its fingerprint (the primary key), or none.
    let found = store.by_fingerprint(&second.spki_fingerprint()).unwrap();
    same(&found.expect("pinned"), &retired);
    let other = credentials("eisp-p256").leaf().spki_fingerprint();
    assert!(store.by_fingerprint(&other).unwrap().is_none());

    // A row damaged behind the store's back: a typed error naming the column.
    let damage = |sql: &str| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(sql, []).unwrap();
    };
    let column_of = |error: Error| match error {
        Error::Store(StoreError::Corrupt {
            source: CorruptValue::Column { column, value },
            ..
        }) => (column, value),
        other => panic!("expected a corrupt column, got {other:?}"),
    };
    let second_row = format!("WHERE pinned_at = {}", NOW + 5);
    damage(&format!("UPDATE peers SET role = 'auditor' {second_row}"));
    let error = store
        .by_fingerprint(&second.spki_fingerprint())
        .unwrap_err();
    assert_eq!(column_of(error), ("peers.role", "auditor".to_owned()));
    damage(&format!("UPDATE peers SET role = x'00' {second_row}"));
    let error = store.by_party("ecp-main").unwrap_err();
    assert_eq!(column_of(error), ("peers.role", "Blob value".to_owned()));
    damage(&format!(
        "UPDATE peers SET role = 'cloud_platform', certificate_der = 'text' WHERE pinned_at = {NOW}"
    ));
    let error = store.by_fingerprint(&first.spki_fingerprint()).unwrap_err();
    assert_eq!(
        column_of(error),
        ("peers.certificate_der", "Text value".to_owned())
    );
}

#[test]
fn the_qualification_registry_keeps_records_usage_and_reservations() {
    let dir = temp_dir("store-registry");
    let path = dir.join("fapiao.db");
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = UnixTime(NOW as i64).china_year_month();
    let record = qualification_record();
    let held = {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.upsert_enterprise(&record).unwrap(), None);
        let committed = store.reserve_quota(&tax_id, month, 1_000_000).unwrap();
        store.commit_quota(committed).unwrap();
        let released = store.reserve_quota(&tax_id, month, 500_000).unwrap();
        store.release_quota(released).unwrap();
        // Held across the restart (an enterprise-hosted invoice in flight).
        store.reserve_quota(&tax_id, month, 2_000_000).unwrap()
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.record(&tax_id).unwrap(), Some(record.clone()));
    let usage = store.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (1_000_000, 2_000_000));
    assert_eq!(
        store.quota_reservations().unwrap(),
        vec![fapiao::qualification::QuotaReservation::new(
            held.id(),
            tax_id.clone(),
            month,
            2_000_000
        )]
    );
    let over = store.reserve_quota(&tax_id, month, 2_000_001).unwrap_err();
    assert!(
        matches!(over.refusal(), Some(Refusal::MonthlyQuotaExceeded { .. })),
        "{over}"
    );
    store.commit_quota(held).unwrap();
    assert_eq!(store.usage(&tax_id, month).unwrap().used_fen, 3_000_000);
    // A reservation is given back once only.
    let once = store.reserve_quota(&tax_id, month, 1).unwrap();
    let copy = fapiao::qualification::QuotaReservation::new(once.id(), tax_id.clone(), month, 1);
    store.release_quota(once).unwrap();
    assert!(matches!(
        store.release_quota(copy),
        Err(QualificationError::UnknownReservation { .. })
    ));
    store
        .set_enterprise_status(&tax_id, EnterpriseStatus::Suspended)
        .unwrap();
    assert_eq!(
        store.enterprises().unwrap()[0].status,
        EnterpriseStatus::Suspended
    );
    let unknown = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    assert!(matches!(
        store
            .reserve_quota(&unknown, month, 1)
            .unwrap_err()
            .refusal(),
        Some(Refusal::UnknownEnterprise { .. })
    ));
}

#[test]
fn a_record_changed_by_another_connection_is_seen_at_once() {
    // The store keeps parsed records by their JSON text, and reads the row
    // every time: a suspension made by another process (an operator's tool)
    // applies to the very next request.
    let dir = temp_dir("store-registry-shared");
    let path = dir.join("fapiao.db");
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = UnixTime(NOW as i64).china_year_month();
    let platform = SqliteStore::open(&path).unwrap();
    let operator = SqliteStore::open(&path).unwrap();
    platform.upsert_enterprise(&qualification_record()).unwrap();
    let active = platform.record(&tax_id).unwrap().unwrap();
    assert_eq!(active.status, EnterpriseStatus::Active);
    operator
        .set_enterprise_status(&tax_id, EnterpriseStatus::Suspended)
        .unwrap();
    assert_eq!(
        platform.record(&tax_id).unwrap().unwrap().status,
        EnterpriseStatus::Suspended
    );
    let mut smaller = qualification_record();
    smaller.monthly_quota_fen = 10;
    operator.upsert_enterprise(&smaller).unwrap();
    let refused = platform.reserve_quota(&tax_id, month, 11).unwrap_err();
    assert!(
        matches!(
            refused.refusal(),
            Some(Refusal::MonthlyQuotaExceeded { .. })
        ),
        "{refused}"
    );
    // Back to the first text: the record parsed from it before is the same.
    operator.upsert_enterprise(&qualification_record()).unwrap();
    assert_eq!(platform.record(&tax_id).unwrap().unwrap(), active);

    // A reservation whose month row an operator deleted still counts when
    // committed.
    let held = platform.reserve_quota(&tax_id, month, 1_000).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM quota_usage", [])
        .unwrap();
    platform.commit_quota(held).unwrap();
    let usage = platform.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (1_000, 0));
}

/// A reservation is two writes (the month's total, then the reservation row):
/// when the second fails, the first must not stay. The failure is injected with
/// a trigger another connection adds to the file.
#[test]
fn a_reservation_whose_second_write_fails_leaves_the_month_untouched() {
    let dir = temp_dir("store-reserve-atomic");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    store.upsert_enterprise(&qualification_record()).unwrap();
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = UnixTime(NOW as i64).china_year_month();
    let kept = store.reserve_quota(&tax_id, month, 1_000).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_reservations BEFORE INSERT ON quota_reservations
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let failed = store.reserve_quota(&tax_id, month, 2_000).unwrap_err();
    assert!(failed.to_string().contains("injected failure"), "{failed}");
    let usage = store.usage(&tax_id, month).unwrap();
    assert_eq!((usage.used_fen, usage.reserved_fen), (0, 1_000));
    assert_eq!(store.quota_reservations().unwrap(), vec![kept]);
}

#[test]
fn quota_is_charged_at_once_inside_a_unit_and_reserved_outside_one() {
    let dir = temp_dir("store-charge");
    let store = SqliteStore::open(dir.join("fapiao.db")).unwrap();
    store.upsert_enterprise(&qualification_record()).unwrap(); // quota 5_000_000
    let tax_id = UnifiedSocialCreditCode::parse(SELLER).unwrap();
    let month = UnixTime(NOW as i64).china_year_month();
    let usage = || {
        let u = store.usage(&tax_id, month).unwrap();
        (u.used_fen, u.reserved_fen)
    };

    // Outside a unit of work a charge is a reservation, listed until settled.
    let reserved = store.charge_quota(&tax_id, month, 1_000_000).unwrap();
    assert!(!reserved.is_charged());
    assert_eq!(usage(), (0, 1_000_000));
    assert_eq!(store.quota_reservations().unwrap().len(), 1);
    store.commit_quota(reserved).unwrap();
    assert_eq!(usage(), (1_000_000, 0));

    // Inside one: used at once, no reservation row; committing adds nothing.
    store
        .atomically(|| -> Result<(), Error> {
            let charged = store.charge_quota(&tax_id, month, 2_000_000)?;
            assert!(charged.is_charged());
            assert_eq!(usage(), (3_000_000, 0));
            assert!(store.quota_reservations()?.is_empty());
            store.commit_quota(charged)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(usage(), (3_000_000, 0));

    // Released (the device failed): the charge is taken back.
    store
        .atomically(|| -> Result<(), Error> {
            let charged = store.charge_quota(&tax_id, month, 1_500_000)?;
            assert_eq!(usage(), (4_500_000, 0));
            store.release_quota(charged)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(usage(), (3_000_000, 0));

    // A unit rolled back takes its charge back with everything else.
    let rolled_back = store.atomically(|| -> Result<(), Error> {
        let _charged = store.charge_quota(&tax_id, month, 500_000)?;
        Err(StoreError::Duplicate {
            what: "test",
            key: "rolled back".into(),
        }
        .into())
    });
    assert!(rolled_back.is_err());
    assert_eq!(usage(), (3_000_000, 0));

    // Reservations made elsewhere count: 3M used + 1M reserved leaves exactly
    // 1M, and one fen more is refused with the month's figures.
    let held = store.reserve_quota(&tax_id, month, 1_000_000).unwrap();
    let over = store
        .atomically(|| store.charge_quota(&tax_id, month, 1_000_001))
        .unwrap_err();
    assert!(
        matches!(
            over.refusal(),
            Some(Refusal::MonthlyQuotaExceeded {
                quota_fen: 5_000_000,
                used_fen: 3_000_000,
                reserved_fen: 1_000_000,
                requested_fen: 1_000_001,
                ..
            })
        ),
        "{over}"
    );
    assert_eq!(usage(), (3_000_000, 1_000_000));
    let exactly = store
        .atomically(|| store.charge_quota(&tax_id, month, 1_000_000))
        .unwrap();
    assert!(exactly.is_charged());
    assert_eq!(usage(), (4_000_000, 1_000_000));
    store.release_quota(held).unwrap();

    // More than the whole quota, in a month with no row yet; an unknown
    // enterprise.
    let next = UnixTime(NOW as i64 + 40 * 86_400).china_year_month();
    let too_big = store
        .atomically(|| store.charge_quota(&tax_id, next, 5_000_001))
        .unwrap_err();
    assert!(
        matches!(
            too_big.refusal(),
            Some(Refusal::MonthlyQuotaExceeded { .. })
        ),
        "{too_big}"
    );
    assert_eq!(store.usage(&tax_id, next).unwrap().used_fen, 0);
    let unknown = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    let refused = store
        .atomically(|| store.charge_quota(&unknown, month, 1))
        .unwrap_err();
    assert!(
        matches!(refused.refusal(), Some(Refusal::UnknownEnterprise { .. })),
        "{refused}"
    );
}

fn qualification_record() -> fapiao::qualification::QualificationRecord {
    use std::collections::BTreeSet;
    fapiao::qualification::QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(SELLER).unwrap(),
        name: "厦门示例科技有限公司".into(),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: BTreeSet::from([fapiao::invoice::InvoiceKind::DigitalOrdinary]),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 5_000_000,
        valid_from_unix: UnixTime(1_767_196_800),
        valid_until_unix: UnixTime(1_798_732_800),
        hosting_mode: fapiao::qualification::HostingMode::PlatformHosted,
        allowed_platforms: BTreeSet::from(["ecp-main".to_owned()]),
        bound_certificates: BTreeSet::new(),
    }
}
