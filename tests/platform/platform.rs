//! The patent's whole method end to end through sealed envelopes: both hosting
//! modes, idempotency, refusals, the tax upload.

use crate::platform_support;

use fapiao::invoice::{FailureReason, IssueOutcome, IssueResponse};
use fapiao::platform::Order;
use fapiao::platform::{CloudStore, IssuingStore};
use fapiao::qualification::{EnterpriseStatus, Refusal};
use fapiao::tax::OutboxStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use fapiao::{EnvelopeError, Error};
use platform_support::*;

fn invoice_of(response: &IssueResponse) -> &fapiao::invoice::IssuedInvoice {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice,
        other => panic!("expected an issued invoice, got {other:?}"),
    }
}

fn platform_hosted_issues_synchronously_and_uploads_on(world: World) {
    let response = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "S-1"),
        NOW,
    );
    let invoice = invoice_of(&response);
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_PLATFORM);
    assert_eq!(invoice.device_id, "EISP-DEV-1");
    assert_eq!(invoice.check_code.as_str().len(), 20);
    // The cloud platform stored it; the service platform queued it for upload.
    let stored = world
        .cloud_store
        .invoice_by_serial(HOSTED_BY_PLATFORM, "S-1")
        .unwrap()
        .unwrap();
    assert_eq!(&stored.invoice, invoice);
    let entry = world
        .service_store
        .outbox_entry(&invoice.invoice_number)
        .unwrap();
    assert!(entry.is_some());

    let authority = RecordingTaxAuthority::new();
    authority.fail_next(1);
    let policy = RetryPolicy::default();
    let mut jitter = SeededJitter::new(1);
    let first = world
        .service
        .drain_outbox(&authority, NOW, &policy, &mut jitter)
        .unwrap();
    assert_eq!(first.uploaded, 0);
    let later = world
        .service
        .drain_outbox(&authority, NOW + 3600, &policy, &mut jitter)
        .unwrap();
    assert_eq!(later.uploaded, 1);
    assert_eq!(authority.receipts().len(), 1);
}

fn same_serial_same_answer_and_conflict_on_different_content_on(world: World) {
    let json = World::request(HOSTED_BY_PLATFORM, "S-2");
    let first = world.issue(HOSTED_BY_PLATFORM, &json, NOW);
    // The ERP sends it again (new signatures, new envelope): the same invoice.
    let again = world.issue(HOSTED_BY_PLATFORM, &json, NOW + 5);
    assert_eq!(invoice_of(&first), invoice_of(&again));
    // A different request under the same serial number is a conflict.
    let changed = String::from_utf8(json)
        .unwrap()
        .replace("\"drawer\": \"", "\"drawer\": \"X");
    let conflict = world.issue(HOSTED_BY_PLATFORM, changed.as_bytes(), NOW + 6);
    assert!(
        matches!(
            &conflict.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::SerialNumberConflict { .. }
            }
        ),
        "{conflict:?}"
    );
    // A second serial gets the next number.
    let next = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "S-3"),
        NOW + 7,
    );
    assert_ne!(
        invoice_of(&next).invoice_number,
        invoice_of(&first).invoice_number
    );
}

fn enterprise_hosted_goes_through_the_front_end_exactly_once_on(world: World) {
    let json = World::request(HOSTED_BY_ENTERPRISE, "A-1");
    let accepted = world.issue(HOSTED_BY_ENTERPRISE, &json, NOW);
    let IssueOutcome::AcceptedPending { ticket } = &accepted.outcome else {
        panic!("expected accepted, got {accepted:?}");
    };
    // The cloud platform polls: still pending.
    let query = world.cloud.query_ticket(ticket, NOW + 1).unwrap();
    let pending = world
        .cloud
        .open_response(&world.service.handle(&query, NOW + 1).unwrap(), NOW + 1)
        .unwrap();
    assert!(matches!(
        pending.outcome,
        IssueOutcome::AcceptedPending { .. }
    ));

    // The front end pulls twice before reporting (a lost answer): the command is
    // delivered twice, the device issues once.
    let pull = world.front_end.pull(10, NOW + 2).unwrap();
    let batch1 = world.service.handle(&pull, NOW + 2).unwrap();
    let pull = world.front_end.pull(10, NOW + 3).unwrap();
    let batch2 = world.service.handle(&pull, NOW + 3).unwrap();
    let (results1, report1) = world.front_end.run_commands(&batch1, NOW + 4).unwrap();
    let (results2, report2) = world.front_end.run_commands(&batch2, NOW + 4).unwrap();
    assert_eq!((report1.issued, report2.issued), (1, 1));
    let ack1 = world
        .front_end
        .read_ack(&world.service.handle(&results1, NOW + 5).unwrap(), NOW + 5)
        .unwrap();
    let ack2 = world
        .front_end
        .read_ack(&world.service.handle(&results2, NOW + 5).unwrap(), NOW + 5)
        .unwrap();
    assert_eq!(ack1, ack2);
    assert_eq!(ack1.len(), 1);
    // Nothing is waiting any more.
    let pull = world.front_end.pull(10, NOW + 6).unwrap();
    let (_, report) = world
        .front_end
        .run_commands(&world.service.handle(&pull, NOW + 6).unwrap(), NOW + 6)
        .unwrap();
    assert_eq!(report.issued, 0);

    // The cloud platform's next poll gets the invoice and completes its ticket.
    let query = world.cloud.query_ticket(ticket, NOW + 7).unwrap();
    let done = world
        .cloud
        .open_response(&world.service.handle(&query, NOW + 7).unwrap(), NOW + 7)
        .unwrap();
    let invoice = invoice_of(&done);
    assert_eq!(invoice.device_id, "ENT-DEV-1");
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_ENTERPRISE);
    assert!(
        world
            .cloud_store
            .outstanding_tickets(10)
            .unwrap()
            .is_empty()
    );
    assert!(
        world
            .service_store
            .outbox_entry(&invoice.invoice_number)
            .unwrap()
            .is_some()
    );
    // And the same request again answers with that invoice.
    let again = world.issue(HOSTED_BY_ENTERPRISE, &json, NOW + 8);
    assert_eq!(invoice_of(&again), invoice);
}

fn refusal_of(response: &IssueResponse) -> &Refusal {
    match &response.outcome {
        IssueOutcome::Failed {
            reason: FailureReason::Refused { refusal },
        } => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn refusals_are_sealed_typed_answers_on(world: World) {
    // An invalid order: every violation listed.
    let bad = String::from_utf8(World::request(HOSTED_BY_PLATFORM, "R-1"))
        .unwrap()
        .replace("\"total_fen\": ", "\"total_fen\": 1");
    let response = world.issue(HOSTED_BY_PLATFORM, bad.as_bytes(), NOW);
    assert!(
        matches!(
            &response.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::InvalidRequest { .. }
            }
        ),
        "{response:?}"
    );
    // A suspended enterprise.
    let tax_id = fapiao::invoice::UnifiedSocialCreditCode::parse(HOSTED_BY_PLATFORM).unwrap();
    world
        .service_store
        .set_enterprise_status(&tax_id, EnterpriseStatus::Suspended)
        .unwrap();
    let response = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "R-2"),
        NOW,
    );
    assert!(
        matches!(refusal_of(&response), Refusal::EnterpriseSuspended { .. }),
        "{response:?}"
    );
    world
        .service_store
        .set_enterprise_status(&tax_id, EnterpriseStatus::Active)
        .unwrap();
    // Over the single-invoice limit.
    let mut record = record(
        HOSTED_BY_PLATFORM,
        fapiao::qualification::HostingMode::PlatformHosted,
    );
    record.single_invoice_limit_fen = 100;
    record
        .bound_certificates
        .insert(world.erp[HOSTED_BY_PLATFORM].leaf().spki_fingerprint());
    world.service_store.upsert_enterprise(&record).unwrap();
    let response = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "R-3"),
        NOW,
    );
    assert!(
        matches!(
            refusal_of(&response),
            Refusal::SingleInvoiceLimitExceeded { .. }
        ),
        "{response:?}"
    );
    // An ERP certificate bound to nobody signs for a seller it does not belong to.
    let json = World::request(HOSTED_BY_PLATFORM, "R-4");
    let wrong = fapiao::envelope::SignedMessage::sign(
        &json,
        &world.erp[HOSTED_BY_ENTERPRISE],
        NOW,
        provider(),
    )
    .unwrap();
    let request = world.cloud.submit(Order::Signed(wrong), NOW).unwrap();
    let response = world
        .cloud
        .open_response(&world.service.handle(&request, NOW).unwrap(), NOW)
        .unwrap();
    assert!(
        matches!(refusal_of(&response), Refusal::SignerNotBound { .. }),
        "{response:?}"
    );
}

fn bad_envelopes_get_typed_errors_and_write_nothing_on(world: World) {
    let json = World::request(HOSTED_BY_PLATFORM, "B-1");
    let request = world
        .cloud
        .submit(
            Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW)),
            NOW,
        )
        .unwrap();
    // Garbage, truncated, oversized-by-policy and bit-flipped envelopes.
    for bad in [
        vec![],
        b"garbage".to_vec(),
        request[..request.len() / 2].to_vec(),
    ] {
        assert!(world.service.handle(&bad, NOW).is_err());
    }
    let mut flipped = request.clone();
    let at = flipped.len() - 40;
    flipped[at] ^= 1;
    let err = world.service.handle(&flipped, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::TagMismatch)),
        "{err}"
    );
    // Misaddressed: sealed to the cloud platform itself, not the service platform.
    let signed = world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW);
    let misaddressed =
        fapiao::envelope::encrypt(&signed, &[world.cloud.credentials().leaf()], provider())
            .unwrap();
    let err = world.service.handle(&misaddressed, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::NotForUs)),
        "{err}"
    );
    // Nothing recorded for the serial so far.
    assert!(
        world
            .service_store
            .find_request(HOSTED_BY_PLATFORM, "B-1")
            .unwrap()
            .is_none()
    );
    // The genuine one works, and replaying it is refused.
    world.service.handle(&request, NOW).unwrap();
    let err = world.service.handle(&request, NOW + 1).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    // The cloud platform refuses an answer that is not from its service platform.
    let rogue = fapiao::envelope::seal(
        b"{}",
        &creds("enterprise-rsa"),
        &[world.cloud.credentials().leaf()],
        NOW,
        provider(),
    )
    .unwrap();
    assert!(world.cloud.open_response(&rogue, NOW).is_err());
}

fn red_letter_invoice_goes_through_the_same_path_on(world: World) {
    let blue = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "RED-0"),
        NOW,
    );
    let original = match &invoice_of(&blue).invoice_number {
        fapiao::invoice::InvoiceNumber::Digital(n) => n.clone(),
        other => panic!("expected a digital number, got {other:?}"),
    };
    let sample = String::from_utf8(data("../../examples/requests/valid-red.json")).unwrap();
    let red = sample
        .replace(
            "\"tax_id\": \"91440101MA5CJQ4N59\"",
            "\"tax_id\": \"BUYER\"",
        )
        .replace(
            "\"tax_id\": \"91350200776049653A\"",
            &format!("\"tax_id\": \"{HOSTED_BY_PLATFORM}\""),
        )
        .replace(
            "\"tax_id\": \"BUYER\"",
            &format!("\"tax_id\": \"{HOSTED_BY_ENTERPRISE}\""),
        )
        .replace("26352000000012345678", &original);
    let response = world.issue(HOSTED_BY_PLATFORM, red.as_bytes(), NOW + 10);
    let invoice = invoice_of(&response);
    assert_eq!(invoice.color, fapiao::invoice::InvoiceColor::Red);
    assert!(invoice.total_fen < 0);
}

// Each scenario runs with the platforms' units of work (one transaction per
// message) and change by change (each store change commits on its own).

#[test]
fn platform_hosted_issues_synchronously_and_uploads() {
    platform_hosted_issues_synchronously_and_uploads_on(World::new());
}

#[test]
fn platform_hosted_issues_synchronously_and_uploads_change_by_change() {
    platform_hosted_issues_synchronously_and_uploads_on(World::change_by_change());
}

#[test]
fn same_serial_same_answer_and_conflict_on_different_content() {
    same_serial_same_answer_and_conflict_on_different_content_on(World::new());
}

#[test]
fn same_serial_same_answer_and_conflict_on_different_content_change_by_change() {
    same_serial_same_answer_and_conflict_on_different_content_on(World::change_by_change());
}

#[test]
fn enterprise_hosted_goes_through_the_front_end_exactly_once() {
    enterprise_hosted_goes_through_the_front_end_exactly_once_on(World::new());
}

#[test]
fn enterprise_hosted_goes_through_the_front_end_exactly_once_change_by_change() {
    enterprise_hosted_goes_through_the_front_end_exactly_once_on(World::change_by_change());
}

#[test]
fn refusals_are_sealed_typed_answers() {
    refusals_are_sealed_typed_answers_on(World::new());
}

#[test]
fn refusals_are_sealed_typed_answers_change_by_change() {
    refusals_are_sealed_typed_answers_on(World::change_by_change());
}

#[test]
fn bad_envelopes_get_typed_errors_and_write_nothing() {
    bad_envelopes_get_typed_errors_and_write_nothing_on(World::new());
}

#[test]
fn bad_envelopes_get_typed_errors_and_write_nothing_change_by_change() {
    bad_envelopes_get_typed_errors_and_write_nothing_on(World::change_by_change());
}

#[test]
fn red_letter_invoice_goes_through_the_same_path() {
    red_letter_invoice_goes_through_the_same_path_on(World::new());
}

#[test]
fn red_letter_invoice_goes_through_the_same_path_change_by_change() {
    red_letter_invoice_goes_through_the_same_path_on(World::change_by_change());
}

/// The cloud platform restarts between sending an order and receiving the
/// "accepted" answer: the answer names the seller, the ticket is recorded under it,
/// and the invoice completes it.
#[test]
fn a_ticket_recorded_after_a_cloud_platform_restart_still_completes() {
    let before = World::new();
    let json = World::request(HOSTED_BY_ENTERPRISE, "R-1");
    let order = Order::Signed(before.erp_sign(HOSTED_BY_ENTERPRISE, &json, NOW));
    let request = before.cloud.submit(order, NOW).unwrap();
    let answer = before.service.handle(&request, NOW).unwrap();

    // The same databases, new platform objects: the restart.
    let world = World::with_stores(
        before.cloud_store.clone(),
        before.service_store.clone(),
        before.front_store.clone(),
    );
    let accepted = world.cloud.open_response(&answer, NOW + 1).unwrap();
    let IssueOutcome::AcceptedPending { ticket } = &accepted.outcome else {
        panic!("expected accepted, got {accepted:?}");
    };
    let recorded = world.cloud_store.cloud_ticket(ticket).unwrap().unwrap();
    assert_eq!(recorded.seller_tax_id, HOSTED_BY_ENTERPRISE);
    assert_eq!(world.run_front_end(10, NOW + 2).issued, 1);
    let query = world.cloud.query_ticket(ticket, NOW + 5).unwrap();
    let done = world
        .cloud
        .open_response(&world.service.handle(&query, NOW + 5).unwrap(), NOW + 5)
        .unwrap();
    let invoice = invoice_of(&done);
    assert!(
        world
            .cloud_store
            .outstanding_tickets(10)
            .unwrap()
            .is_empty(),
        "the ticket is completed"
    );
    let stored = world
        .cloud_store
        .invoice_by_serial(HOSTED_BY_ENTERPRISE, "R-1")
        .unwrap()
        .unwrap();
    assert_eq!(&stored.invoice, invoice);
}

/// In the platform-hosted mode the invoice's quota counts as used once it is
/// issued; with a unit of work it is charged straight away (no reservation row),
/// without one it is reserved and committed. Either way nothing stays reserved.
fn synchronous_quota_is_used_once_issued_on(world: World) {
    use fapiao::invoice::UnifiedSocialCreditCode;
    use fapiao::qualification::QualificationRegistry;
    use fapiao::time::Timestamp;
    let tax_id = UnifiedSocialCreditCode::parse(HOSTED_BY_PLATFORM).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let usage = || {
        let u = QualificationRegistry::usage(world.service_store.as_ref(), &tax_id, month).unwrap();
        (u.used_fen, u.reserved_fen)
    };
    assert_eq!(usage(), (0, 0));
    let response = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "S-Q-1"),
        NOW,
    );
    let IssueOutcome::Issued { invoice } = &response.outcome else {
        panic!("{:?}", response.outcome)
    };
    assert_eq!(usage(), (invoice.amount_fen, 0));
    assert!(world.service_store.quota_reservations().unwrap().is_empty());
    // The same request again: the same answer, no second charge.
    let again = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "S-Q-1"),
        NOW,
    );
    assert_eq!(again.outcome, response.outcome);
    assert_eq!(usage(), (invoice.amount_fen, 0));
}

#[test]
fn synchronous_quota_is_used_once_issued() {
    synchronous_quota_is_used_once_issued_on(World::new());
}

#[test]
fn synchronous_quota_is_used_once_issued_change_by_change() {
    synchronous_quota_is_used_once_issued_on(World::change_by_change());
}

/// In the enterprise-hosted mode the quota is reserved when the request is
/// accepted, committed when the front end reports the invoice, and given back
/// when the enterprise's device fails.
fn asynchronous_quota_is_held_until_the_front_end_reports_on(world: World) {
    use fapiao::invoice::UnifiedSocialCreditCode;
    use fapiao::qualification::QualificationRegistry;
    use fapiao::time::Timestamp;
    let tax_id = UnifiedSocialCreditCode::parse(HOSTED_BY_ENTERPRISE).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let usage = || {
        let u = QualificationRegistry::usage(world.service_store.as_ref(), &tax_id, month).unwrap();
        (u.used_fen, u.reserved_fen)
    };
    let run_front_end = |now: u64| world.run_front_end(10, now);

    let first = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "Q-1"),
        NOW,
    );
    assert!(matches!(
        first.outcome,
        IssueOutcome::AcceptedPending { .. }
    ));
    let (used, total) = usage();
    assert_eq!(used, 0);
    assert!(total > 0, "reserved while the command waits");
    assert_eq!(run_front_end(NOW + 1).issued, 1);
    assert_eq!(usage(), (total, 0), "committed once issued");
    // Reporting again changes nothing.
    assert_eq!(run_front_end(NOW + 2).issued, 0);
    assert_eq!(usage(), (total, 0));

    let second = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "Q-2"),
        NOW + 3,
    );
    assert!(matches!(
        second.outcome,
        IssueOutcome::AcceptedPending { .. }
    ));
    assert_eq!(usage(), (total, total));
    // The front end pulls after the command's deadline: the service platform
    // fails it instead of delivering it.
    assert_eq!(
        run_front_end(NOW + 100_000),
        fapiao::platform::RunReport::default()
    );
    assert_eq!(usage(), (total, 0), "given back when the command failed");
    assert!(world.service_store.quota_reservations().unwrap().is_empty());
}

#[test]
fn asynchronous_quota_is_held_until_the_front_end_reports() {
    asynchronous_quota_is_held_until_the_front_end_reports_on(World::new());
}

#[test]
fn asynchronous_quota_is_held_until_the_front_end_reports_change_by_change() {
    asynchronous_quota_is_held_until_the_front_end_reports_on(World::change_by_change());
}

#[test]
fn maintenance_forgets_expired_ids_and_compacts_old_uploads_only() {
    let world = World::new();
    let json = World::request(HOSTED_BY_PLATFORM, "M-1");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let request = world.cloud.submit(order, NOW).unwrap();
    let answer = world.service.handle(&request, NOW).unwrap();
    world.cloud.open_response(&answer, NOW).unwrap();
    let (authority, policy) = (RecordingTaxAuthority::new(), RetryPolicy::default());
    let mut jitter = SeededJitter::new(1);
    let later = NOW + 3600;
    let drained = world
        .service
        .drain_outbox(&authority, later, &policy, &mut jitter);
    assert_eq!(drained.unwrap().uploaded, 1);
    // Within the window the id is kept through maintenance: still a replay.
    let report = world.service.maintain(NOW + 1).unwrap();
    assert_eq!((report.replay_ids_pruned, report.outbox_compacted), (0, 0));
    let err = world.service.handle(&request, NOW + 1).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    // Past it (2 × 300 s), both platforms forget their ids; the message is
    // refused anyway, by its signing time.
    assert!(world.service.maintain(NOW + 601).unwrap().replay_ids_pruned >= 1);
    assert!(world.cloud.maintain(NOW + 601).unwrap().replay_ids_pruned >= 1);
    let err = world.service.handle(&request, NOW + 601).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SigningTimeOutsideWindow { .. })
        ),
        "{err}"
    );
    // The upload is compacted 30 days after it, once; the invoice stays.
    let stored = world
        .cloud_store
        .invoice_by_serial(HOSTED_BY_PLATFORM, "M-1");
    let number = stored.unwrap().unwrap().invoice.invoice_number;
    let day_29 = world.service.maintain(later + 29 * 86_400).unwrap();
    assert_eq!(day_29.outbox_compacted, 0);
    assert!(world.service_store.outbox_entry(&number).unwrap().is_some());
    let day_31 = world.service.maintain(later + 31 * 86_400).unwrap();
    assert_eq!(day_31.outbox_compacted, 1);
    assert_eq!(
        world
            .service
            .maintain(later + 31 * 86_400)
            .unwrap()
            .outbox_compacted,
        0
    );
    assert!(world.service_store.outbox_entry(&number).unwrap().is_none());
    assert!(
        world
            .service_store
            .original_invoice(&number)
            .unwrap()
            .is_some()
    );
    assert_eq!(world.service_store.check_integrity().unwrap(), vec![]);
}
