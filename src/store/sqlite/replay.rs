//! [`ReplayGuard`] on SQLite: the `replay_guard` table.

use std::sync::atomic::Ordering;

use rusqlite::params;

use super::SqliteStore;
use super::codec::{During, int};
use crate::envelope::ReplayGuard;
use crate::error::{EnvelopeError, Error};
use crate::invoice::hex;

/// Expired ids are pruned on every this many-th write.
const PRUNE_EVERY: u64 = 256;

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
                tx.prepare_cached("DELETE FROM replay_guard WHERE expires_at < ?1")
                    .during(OP)?
                    .execute([int(now)])
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
}
