//! Group commit on PostgreSQL: `ServicePlatform::handle_batch` runs a batch in
//! one transaction, each message a nested unit of it. A message that fails
//! (garbage, a replay, an order over the enterprise's monthly quota, whose
//! charge fails inside the store) leaves nothing of itself, and the others
//! commit.

use fapiao::invoice::{FailureReason, IssueOutcome};
use fapiao::platform::IssuingStore;
use fapiao::qualification::{QualificationRegistry, Refusal};
use fapiao::time::Timestamp;
use fapiao_testkit::{HOSTED_BY_PLATFORM, NOW, creds, platform_hosted_record};

use crate::nodes::{Deployment, issued_number};

#[test]
fn a_failing_message_of_a_batch_leaves_nothing_and_the_others_commit() {
    let deployment = Deployment::new();
    let (service, store) = deployment.node();
    // Room in the month for two of the orders (24,445.00 yuan each), not three.
    let mut record = platform_hosted_record(&creds("enterprise-ed25519"));
    record.monthly_quota_fen = 5_000_000;
    store.upsert_enterprise(&record).unwrap();
    let good = deployment.envelope("B-1");
    let other = deployment.envelope("B-2");
    let over_quota = deployment.envelope("B-3");
    let garbage = b"not an envelope".to_vec();
    // The same envelope twice: a replay the second time.
    let batch: Vec<&[u8]> = vec![&good, &garbage, &other, &over_quota, &good];

    let answers = service.handle_batch(&batch, NOW).unwrap();
    assert_eq!(answers.len(), 5);
    assert!(answers[1].is_err(), "garbage gets a typed error");
    let replay = answers[4].as_ref().unwrap_err().to_string();
    assert!(replay.contains("replay"), "{replay}");

    let first = deployment.open(answers[0].as_ref().unwrap());
    let second = deployment.open(answers[2].as_ref().unwrap());
    assert_ne!(issued_number(&first), issued_number(&second));
    let refused = deployment.open(answers[3].as_ref().unwrap());
    assert!(
        matches!(
            &refused.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::Refused {
                    refusal: Refusal::MonthlyQuotaExceeded { .. }
                }
            }
        ),
        "{:?}",
        refused.outcome
    );
    // Two invoices, numbered from the segment without a gap, the quota they
    // took charged; nothing broken.
    for serial in ["B-1", "B-2"] {
        let record = store.find_request(HOSTED_BY_PLATFORM, serial).unwrap();
        assert!(record.unwrap().invoice_number.is_some(), "{serial}");
    }
    // A refusal for want of quota is not recorded: the same order may come
    // again when the month has room.
    assert!(
        store
            .find_request(HOSTED_BY_PLATFORM, "B-3")
            .unwrap()
            .is_none()
    );
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let usage = store.usage(&record.tax_id, month).unwrap();
    assert_eq!(usage.used_fen, 2 * 2_444_500);
    let segment = fapiao_testkit::hosted_segment();
    let mut numbers = [issued_number(&first), issued_number(&second)];
    numbers.sort();
    assert_eq!(
        numbers,
        [
            segment.number(segment.first()).unwrap().to_string(),
            segment.number(segment.first() + 1).unwrap().to_string()
        ]
    );
    assert_eq!(store.check_integrity().unwrap(), vec![]);
}
