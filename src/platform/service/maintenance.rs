//! The periodic maintenance step: forgets expired message ids and compacts
//! uploaded outbox entries past their retention, so that the service
//! platform's store grows with its invoices only.

use crate::error::Error;
use crate::tax::DEFAULT_OUTBOX_RETENTION;

use super::ServicePlatform;

/// How many outbox entries one transaction compacts at most.
const COMPACT_PAGE: usize = 1000;

/// What a maintenance step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Expired message ids forgotten by the replay guard.
    pub replay_ids_pruned: u64,
    /// Uploaded outbox entries compacted (their invoices stay).
    pub outbox_compacted: u64,
}

impl ServicePlatform {
    /// Sets how long an uploaded outbox entry is kept with its receipt before
    /// [`maintain`](Self::maintain) compacts it, in seconds (0: 30 days).
    pub fn set_outbox_retention(&mut self, seconds: u64) {
        self.config.outbox_retention = seconds;
    }

    /// The maintenance step, for the operator to run periodically (hourly or
    /// daily; after downtime too), at `now` (UNIX seconds):
    ///
    /// * the replay guard forgets every message id expired at `now` (one whose
    ///   message would be refused anyway, its signing time being outside the
    ///   clock-skew window). Message handling forgets expired ids too, a few at
    ///   a time; this step forgets a backlog at once.
    /// * uploaded outbox entries whose upload is older than the retention
    ///   ([`ServicePlatformConfig::outbox_retention`](super::ServicePlatformConfig::outbox_retention),
    ///   30 days by default) are compacted: the entry and its receipt go, the
    ///   invoice stays ([`OutboxStore::compact_uploaded`](crate::tax::OutboxStore::compact_uploaded)).
    ///
    /// Each step runs in transactions of its own (entries in pages of up to
    /// 1000), outside the platform's unit of work; messages may be handled
    /// meanwhile. Running it again at the same `now` does nothing more.
    pub fn maintain(&self, now: u64) -> Result<MaintenanceReport, Error> {
        let replay_ids_pruned = self.parts.replay.prune(now)?;
        let retention = match self.config.outbox_retention {
            0 => DEFAULT_OUTBOX_RETENTION,
            seconds => seconds,
        };
        let before = now.saturating_sub(retention);
        let mut outbox_compacted = 0;
        loop {
            let compacted = self.parts.outbox.compact_uploaded(before, COMPACT_PAGE)?;
            outbox_compacted += compacted as u64;
            if compacted < COMPACT_PAGE {
                break;
            }
        }
        Ok(MaintenanceReport {
            replay_ids_pruned,
            outbox_compacted,
        })
    }
}
