//! [`drain_outbox`]: uploads due outbox entries with exponential backoff and
//! jitter, and parks what will not go through for an operator.

use crate::crypto::CryptoProvider;
use crate::error::StoreError;
use crate::invoice::InvoiceNumber;
use crate::tax::OutboxStore;

use super::authority::TaxAuthority;

/// When and how often to try an upload again.
///
/// After the `n`-th failed attempt (n = 1, 2, …) the next attempt is due
/// `delay(n) + jitter` seconds later, with
/// `delay(n) = min(max_delay_secs, base_delay_secs × 2^(n−1))` and `jitter` drawn
/// uniformly from `0..=delay(n) × jitter_percent / 100`. An entry that has failed
/// `max_attempts` times, or failed with a final error, is parked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure, in seconds.
    pub base_delay_secs: u64,
    /// Largest delay before jitter, in seconds.
    pub max_delay_secs: u64,
    /// Attempts before an entry is parked (at least 1).
    pub max_attempts: u32,
    /// Jitter as a percentage of the delay (0 for none).
    pub jitter_percent: u8,
    /// Most entries to upload in one call.
    pub batch_limit: usize,
}

impl Default for RetryPolicy {
    /// 30 s doubling up to an hour, 12 attempts (about 11 hours in all), 20 %
    /// jitter, 100 entries a call.
    fn default() -> Self {
        Self {
            base_delay_secs: 30,
            max_delay_secs: 3600,
            max_attempts: 12,
            jitter_percent: 20,
            batch_limit: 100,
        }
    }
}

impl RetryPolicy {
    /// The delay before jitter after the `failures`-th failure (1-based).
    pub fn delay(&self, failures: u32) -> u64 {
        let doublings = failures.saturating_sub(1).min(63);
        self.base_delay_secs
            .saturating_mul(1u64 << doublings)
            .min(self.max_delay_secs)
    }

    /// The largest jitter added to `delay`.
    pub fn max_jitter(&self, delay: u64) -> u64 {
        delay.saturating_mul(u64::from(self.jitter_percent.min(100))) / 100
    }
}

/// A source of jitter.
pub trait Jitter {
    /// A number drawn uniformly from `0..=bound`.
    fn pick(&mut self, bound: u64) -> u64;
}

/// Deterministic jitter from a seed (SplitMix64), for tests and reproducible
/// schedules.
#[derive(Clone, Debug)]
pub struct SeededJitter(u64);

impl SeededJitter {
    /// Jitter from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Jitter for SeededJitter {
    fn pick(&mut self, bound: u64) -> u64 {
        match bound.checked_add(1) {
            Some(span) => self.next_u64() % span,
            None => self.next_u64(),
        }
    }
}

/// Jitter from the crypto provider's random generator (no jitter if it fails).
#[derive(Clone, Copy, Debug)]
pub struct ProviderJitter(pub &'static CryptoProvider);

impl Jitter for ProviderJitter {
    fn pick(&mut self, bound: u64) -> u64 {
        let mut bytes = [0u8; 8];
        if bound == 0 || self.0.random.fill(&mut bytes).is_err() {
            return 0;
        }
        let value = u64::from_le_bytes(bytes);
        match bound.checked_add(1) {
            Some(span) => value % span,
            None => value,
        }
    }
}

/// What happened to one entry in a drain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DrainEvent {
    /// Uploaded; the receipt is recorded.
    Uploaded {
        /// The invoice.
        invoice_number: InvoiceNumber,
        /// The authority's receipt id.
        receipt_id: String,
    },
    /// Failed with a retryable error; scheduled again.
    RetryScheduled {
        /// The invoice.
        invoice_number: InvoiceNumber,
        /// Failed attempts so far.
        attempts: u32,
        /// When it is due again (UNIX seconds).
        next_attempt_at: u64,
        /// The error, as text.
        error: String,
    },
    /// Parked for an operator: refused, or out of attempts.
    Parked {
        /// The invoice.
        invoice_number: InvoiceNumber,
        /// Failed attempts so far.
        attempts: u32,
        /// Why, as text.
        reason: String,
    },
}

/// What a drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Entries that were due and taken in this call.
    pub due: usize,
    /// Uploaded.
    pub uploaded: usize,
    /// Scheduled for another attempt.
    pub retried: usize,
    /// Parked.
    pub parked: usize,
    /// One event per entry, in order.
    pub events: Vec<DrainEvent>,
}

/// Uploads the outbox entries due at `now`, at most `policy.batch_limit`.
///
/// Each entry is uploaded once per call; success records the receipt (an entry
/// already uploaded is not due, and recording a receipt again keeps the first),
/// a retryable error schedules the next attempt by `policy` with `jitter`, a
/// final error or the last allowed attempt parks the entry. Every outcome is one
/// store transaction, so a crash between the upload and its record only means
/// the invoice is uploaded again, which the authority answers with the same
/// receipt. A store failure stops the drain and is returned.
pub fn drain_outbox(
    store: &dyn OutboxStore,
    authority: &dyn TaxAuthority,
    now: u64,
    policy: &RetryPolicy,
    jitter: &mut dyn Jitter,
) -> Result<DrainReport, StoreError> {
    let due = store.due_uploads(now, policy.batch_limit)?;
    let mut report = DrainReport {
        due: due.len(),
        ..DrainReport::default()
    };
    for entry in due {
        let invoice_number = entry.invoice.invoice_number.clone();
        match authority.upload(&entry.invoice, now) {
            Ok(receipt) => {
                store.mark_uploaded(&invoice_number, &receipt, now)?;
                report.uploaded += 1;
                report.events.push(DrainEvent::Uploaded {
                    invoice_number,
                    receipt_id: receipt.receipt_id,
                });
            }
            Err(error) => {
                let attempts = entry.attempts.saturating_add(1);
                if !error.is_retryable() || attempts >= policy.max_attempts.max(1) {
                    let reason = if error.is_retryable() {
                        format!("gave up after {attempts} attempts: {error}")
                    } else {
                        error.to_string()
                    };
                    store.park(&invoice_number, attempts, &reason, now)?;
                    report.parked += 1;
                    report.events.push(DrainEvent::Parked {
                        invoice_number,
                        attempts,
                        reason,
                    });
                } else {
                    let delay = policy.delay(attempts);
                    let next_attempt_at = now
                        .saturating_add(delay)
                        .saturating_add(jitter.pick(policy.max_jitter(delay)));
                    let error = error.to_string();
                    store.schedule_retry(&invoice_number, attempts, next_attempt_at, &error)?;
                    report.retried += 1;
                    report.events.push(DrainEvent::RetryScheduled {
                        invoice_number,
                        attempts,
                        next_attempt_at,
                        error,
                    });
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let policy = RetryPolicy {
            base_delay_secs: 10,
            max_delay_secs: 100,
            ..RetryPolicy::default()
        };
        let delays: Vec<u64> = (1..=6).map(|n| policy.delay(n)).collect();
        assert_eq!(delays, [10, 20, 40, 80, 100, 100]);
        assert_eq!(policy.delay(200), 100);
        assert_eq!(policy.max_jitter(100), 20);
    }

    #[test]
    fn seeded_jitter_is_reproducible_and_bounded() {
        let mut a = SeededJitter::new(7);
        let mut b = SeededJitter::new(7);
        for bound in [0, 1, 5, 1000] {
            let x = a.pick(bound);
            assert_eq!(x, b.pick(bound));
            assert!(x <= bound);
        }
    }
}
