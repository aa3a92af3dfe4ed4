//! How both engines' replay guards (`replay_guard` table) record message ids
//! and forget expired ones:
//!
//! * as new ids arrive: every [`PRUNE_EVERY`]-th new id also deletes up to
//!   [`PRUNE_BATCH`] expired ones, oldest first, in the same transaction (the
//!   message's unit of work when it has one). Twice as many deleted as recorded
//!   meanwhile: a backlog (after a restart or a quiet spell) drains as traffic
//!   goes on, and no message pays for deleting all of it. The table then holds
//!   the ids unexpired at `now` (one window's traffic, `2 × clock_skew`) plus
//!   fewer than `PRUNE_EVERY` expired ones.
//! * at once by `ReplayGuard::prune` (the platforms' `maintain`), in
//!   transactions of at most [`PRUNE_CHUNK`] deletions each, for an operator
//!   to call periodically or after downtime.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{EnvelopeError, Error};
use crate::invoice::hex;

/// Expired ids are pruned on every this many-th new id.
const PRUNE_EVERY: u64 = 256;

/// At most this many expired ids go in a prune that comes with a new id.
pub(in crate::store) const PRUNE_BATCH: u64 = 2 * PRUNE_EVERY;

/// At most this many expired ids go in one transaction of `ReplayGuard::prune`.
pub(in crate::store) const PRUNE_CHUNK: u64 = 10_000;

/// Counts one more new id on `writes` (the store's count); whether this one
/// also prunes a batch of expired ids.
pub(in crate::store) fn prunes_with(writes: &AtomicU64) -> bool {
    writes.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == 0
}

/// The refusal of a message id seen before and not yet expired.
pub(in crate::store) fn replayed(message_id: &[u8]) -> Error {
    Error::from(EnvelopeError::Replay {
        message_id: hex::encode(message_id),
    })
}

/// Prunes every expired id, one transaction of at most [`PRUNE_CHUNK`] at a
/// time (`delete_chunk` runs one and returns how many it deleted), until a
/// transaction finds fewer; returns how many were deleted in all.
pub(in crate::store) fn prune_in_chunks(
    mut delete_chunk: impl FnMut() -> Result<u64, Error>,
) -> Result<u64, Error> {
    let mut pruned = 0;
    loop {
        let deleted = delete_chunk()?;
        pruned += deleted;
        if deleted < PRUNE_CHUNK {
            return Ok(pruned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_id_and_every_prune_every_th_after_prune() {
        let writes = AtomicU64::new(0);
        let pruning: Vec<bool> = (0..=PRUNE_EVERY).map(|_| prunes_with(&writes)).collect();
        assert!(pruning[0] && pruning[PRUNE_EVERY as usize]);
        assert_eq!(pruning.iter().filter(|p| **p).count(), 2);
    }

    #[test]
    fn chunks_run_until_one_is_short() {
        let mut left = 2 * PRUNE_CHUNK + 5;
        let mut runs = 0;
        let pruned = prune_in_chunks(|| {
            runs += 1;
            let deleted = left.min(PRUNE_CHUNK);
            left -= deleted;
            Ok(deleted)
        })
        .unwrap();
        assert_eq!((pruned, runs), (2 * PRUNE_CHUNK + 5, 3));
        assert!(replayed(b"\x01").to_string().contains("01"));
    }
}
