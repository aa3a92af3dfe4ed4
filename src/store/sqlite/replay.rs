//! [`ReplayGuard`] on SQLite: the `replay_guard` table.
//!
//! Expired ids are forgotten in two ways:
//!
//! * as new ids arrive: every [`PRUNE_EVERY`]-th new id also deletes up to
//!   [`PRUNE_BATCH`] expired ones, oldest first, in the same transaction (the
//!   message's unit of work when it has one). Twice as many deleted as recorded
//!   meanwhile: a backlog (after a restart or a quiet spell) drains as traffic
//!   goes on, and no message pays for deleting all of it. The table then holds
//!   the ids unexpired at `now` (one window's traffic, `2 × clock_skew`) plus
//!   fewer than `PRUNE_EVERY` expired ones.
//! * at once by [`ReplayGuard::prune`] (the platforms' `maintain`), in
//!   transactions of at most [`PRUNE_CHUNK`] deletions each, for an operator
//!   to call periodically or after downtime.

use std::sync::atomic::Ordering;

use rusqlite::params;

use super::SqliteStore;
use super::codec::During;
use crate::envelope::ReplayGuard;
use crate::error::{EnvelopeError, Error};
use crate::invoice::hex;
use crate::store::columns::int;

/// Expired ids are pruned on every this many-th new id.
const PRUNE_EVERY: u64 = 256;

/// At most this many expired ids go in a prune that comes with a new id.
const PRUNE_BATCH: u64 = 2 * PRUNE_EVERY;

/// At most this many expired ids go in one transaction of [`ReplayGuard::prune`].
const PRUNE_CHUNK: u64 = 10_000;

/// Deletes up to `?2` ids expired before `?1`, oldest first (the expiry index
/// finds them).
const DELETE_EXPIRED: &str = "DELETE FROM replay_guard WHERE message_id IN (
     SELECT message_id FROM replay_guard WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)";

impl ReplayGuard for SqliteStore {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        const OP: &str = "check and record a message id";
        let prune = self.replay_writes.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == 0;
        let check_and_record = |tx: &rusqlite::Connection| {
            // One statement: a new id is inserted; a known one is renewed only
            // when it has expired; an unexpired one changes nothing, and that is
            // the replay.
            let changed = tx
                .prepare_cached(
                    "INSERT INTO replay_guard (message_id, expires_at) VALUES (?1, ?2)
                     ON CONFLICT (message_id) DO UPDATE SET expires_at = excluded.expires_at
                     WHERE replay_guard.expires_at < ?3",
                )
                .during(OP)?
                .execute(params![message_id, int(expires_at), int(now)])
                .during(OP)?;
            if changed == 0 {
                return Err(Error::from(EnvelopeError::Replay {
                    message_id: hex::encode(message_id),
                }));
            }
            if prune {
                tx.prepare_cached(DELETE_EXPIRED)
                    .during(OP)?
                    .execute(params![int(now), int(PRUNE_BATCH)])
                    .during(OP)?;
            }
            Ok(())
        };
        // One writing statement, except when pruning: then both in one change.
        if prune {
            self.write(OP, check_and_record)
        } else {
            self.write_statement(check_and_record)
        }
    }

    fn prune(&self, now: u64) -> Result<u64, Error> {
        const OP: &str = "prune expired message ids";
        let mut pruned = 0;
        loop {
            let deleted = self.write(OP, |tx| {
                tx.prepare_cached(DELETE_EXPIRED)
                    .during(OP)?
                    .execute(params![int(now), int(PRUNE_CHUNK)])
                    .during(OP)
            })? as u64;
            pruned += deleted;
            if deleted < PRUNE_CHUNK {
                return Ok(pruned);
            }
        }
    }
}
