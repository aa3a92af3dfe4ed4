//! The cloud platform's periodic maintenance step: forgets expired message
//! ids and drops the stored orders of journal entries closed longer ago than
//! the retention, so that its store grows with the invoices it receives only.

use crate::error::Error;

use super::CloudPlatform;

/// How long the journal keeps a closed order (for an operator looking into
/// it) before [`CloudPlatform::maintain`] drops it: 30 days.
pub const DEFAULT_JOURNAL_RETENTION: u64 = 30 * 24 * 3600;

/// How many journal entries one transaction compacts at most.
const COMPACT_PAGE: usize = 1000;

/// What a cloud platform's maintenance step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloudMaintenanceReport {
    /// Expired message ids forgotten by the replay guard.
    pub replay_ids_pruned: u64,
    /// Closed journal entries whose stored order was dropped.
    pub orders_dropped: u64,
}

impl CloudPlatform {
    /// Sets how long a closed journal entry keeps its order before
    /// [`maintain`](Self::maintain) drops it, in seconds (0: 30 days).
    pub fn set_journal_retention(&mut self, seconds: u64) {
        self.journal_retention = match seconds {
            0 => DEFAULT_JOURNAL_RETENTION,
            seconds => seconds,
        };
    }

    /// The maintenance step, for the operator to run periodically (hourly or
    /// daily; after downtime too), at `now` (UNIX seconds):
    ///
    /// * the replay guard forgets every message id expired at `now` (its
    ///   message would be refused anyway, its signing time outside the
    ///   clock-skew window). Opening answers forgets expired ids too, a few at
    ///   a time; this forgets a backlog at once.
    /// * journal entries closed longer ago than the retention
    ///   ([`DEFAULT_JOURNAL_RETENTION`] unless
    ///   [`set_journal_retention`](Self::set_journal_retention) says otherwise)
    ///   lose their stored order (a closed order is never sent again); the
    ///   entry, its state and the received invoices and tickets stay.
    ///
    /// Each step runs in transactions of its own (entries in pages of up to
    /// 1000), outside the platform's unit of work. Running it again at the
    /// same `now` does nothing more.
    pub fn maintain(&self, now: u64) -> Result<CloudMaintenanceReport, Error> {
        let replay_ids_pruned = self.parts.replay.prune(now)?;
        let before = now.saturating_sub(self.journal_retention);
        let mut orders_dropped = 0;
        loop {
            let dropped = self
                .parts
                .store
                .compact_closed_submissions(before, COMPACT_PAGE)?;
            orders_dropped += dropped as u64;
            if dropped < COMPACT_PAGE {
                break;
            }
        }
        Ok(CloudMaintenanceReport {
            replay_ids_pruned,
            orders_dropped,
        })
    }
}
