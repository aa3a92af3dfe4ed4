//! The replay guard: a message id is accepted once within its window.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{EnvelopeError, Error};

/// Remembers accepted message ids until they expire. The platform roles back it
/// with their store; [`MemoryReplayGuard`] serves a single process.
///
/// The [`Opener`](crate::envelope::Opener) records an id until `now + 2 ×
/// clock_skew`: past that, the message's signing time is outside the window and
/// the message is refused whatever the guard says, so an expired id may be
/// forgotten. An implementation forgets expired ids as new ones arrive, so that
/// it holds about the ids of one window's traffic; [`prune`](Self::prune)
/// forgets all of them at once.
pub trait ReplayGuard: Send + Sync {
    /// Records `message_id` as seen until `expires_at` (UNIX seconds), or fails
    /// with [`EnvelopeError::Replay`] if it is already recorded and unexpired at
    /// `now`. Check and record are one atomic step.
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error>;

    /// Forgets every id expired at `now` (recorded until before `now`) and
    /// returns how many. A guard that keeps nothing returns 0.
    fn prune(&self, now: u64) -> Result<u64, Error> {
        let _ = now;
        Ok(0)
    }
}

/// An in-memory replay guard. Expired ids are pruned as new ones arrive: it
/// holds at most about twice the ids unexpired at its last prune (and at least
/// 1024 before it scans), so its size follows one window's traffic.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: Mutex<Seen>,
}

/// Fewest remembered ids before a prune is worth a scan.
const PRUNE_FLOOR: usize = 1024;

#[derive(Debug, Default)]
struct Seen {
    ids: HashMap<Vec<u8>, u64>,
    /// Prune (scan every id) when `ids` reaches this size. Doubling it after each
    /// prune keeps inserts amortised O(1) while many ids are unexpired; pruning
    /// whenever more than `PRUNE_FLOOR` ids were live made every insert O(n).
    prune_at: usize,
}

impl MemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.seen.lock().map(|s| s.ids.len()).unwrap_or(0)
    }

    /// True when no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Seen {
    /// Forgets the ids expired at `now`; how many.
    fn prune(&mut self, now: u64) -> usize {
        let before = self.ids.len();
        self.ids.retain(|_, until| *until >= now);
        self.prune_at = self.ids.len().saturating_mul(2);
        before - self.ids.len()
    }
}

/// Hex of a message id, for errors and logs.
pub(crate) fn hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        // A poisoned lock only means another thread panicked mid-insert; the map
        // itself is still consistent, so keep using it.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&until) = seen.ids.get(message_id) {
            if until >= now {
                return Err(EnvelopeError::Replay {
                    message_id: hex(message_id),
                }
                .into());
            }
        }
        if seen.ids.len() >= seen.prune_at.max(PRUNE_FLOOR) {
            seen.prune(now);
        }
        seen.ids.insert(message_id.to_vec(), expires_at);
        Ok(())
    }

    fn prune(&self, now: u64) -> Result<u64, Error> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        Ok(seen.prune(now) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_within_window_is_refused_and_allowed_after_expiry() {
        let guard = MemoryReplayGuard::new();
        guard.check_and_record(b"id-1", 100, 700).unwrap();
        let err = guard.check_and_record(b"id-1", 200, 800).unwrap_err();
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
            "{err}"
        );
        guard.check_and_record(b"id-2", 200, 800).unwrap();
        // After expiry the id is forgotten (its signing time would be refused anyway).
        guard.check_and_record(b"id-1", 701, 1300).unwrap();
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn expired_ids_are_pruned_while_many_are_live() {
        let guard = MemoryReplayGuard::new();
        for i in 0..3000u32 {
            guard.check_and_record(&i.to_be_bytes(), 100, 700).unwrap();
        }
        assert_eq!(guard.len(), 3000);
        // Later, all of those have expired: they go at the next prune, which
        // comes once the map has doubled since the last one (at 2048 ids).
        for i in 3000..5000u32 {
            guard.check_and_record(&i.to_be_bytes(), 800, 1400).unwrap();
        }
        assert!(guard.len() < 3000, "{} ids remembered", guard.len());
        // The live ones are still refused.
        assert!(
            guard
                .check_and_record(&4999u32.to_be_bytes(), 900, 1500)
                .is_err()
        );
    }

    #[test]
    fn stays_bounded_by_one_window_of_traffic_as_time_passes() {
        let guard = MemoryReplayGuard::new();
        // Ten ids a second for two hours, each remembered for 600 s: 6000 live.
        let mut most = 0;
        for i in 0..72_000u32 {
            let now = 1_000 + u64::from(i / 10);
            guard
                .check_and_record(&i.to_be_bytes(), now, now + 600)
                .unwrap();
            most = most.max(guard.len());
        }
        assert!(most <= 2 * 6010, "{most} ids remembered at most");
        // An id within its window is still refused; one past it is forgotten.
        let now = 1_000 + 7_200;
        assert!(
            guard
                .check_and_record(&71_999u32.to_be_bytes(), now, now + 600)
                .is_err()
        );
        let pruned = guard.prune(now).unwrap();
        assert!(pruned > 0);
        assert!(guard.len() <= 6010, "{} left after a prune", guard.len());
        guard
            .check_and_record(&0u32.to_be_bytes(), now, now + 600)
            .unwrap();
    }
}
