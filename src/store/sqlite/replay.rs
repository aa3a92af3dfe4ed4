//! [`ReplayGuard`] on SQLite: the `replay_guard` table. Expired ids are
//! forgotten as both engines forget them (`store/replay_pruning.rs`): a few
//! with every so many new ids, the rest by [`ReplayGuard::prune`].

use rusqlite::params;

use super::SqliteStore;
use super::codec::During;
use crate::envelope::ReplayGuard;
use crate::error::Error;
use crate::store::columns::int;
use crate::store::replay_pruning::{
    PRUNE_BATCH, PRUNE_CHUNK, prune_in_chunks, prunes_with, replayed,
};

/// Deletes up to `?2` ids expired before `?1`, oldest first (the expiry index
/// finds them).
const DELETE_EXPIRED: &str = "DELETE FROM replay_guard WHERE message_id IN (
     SELECT message_id FROM replay_guard WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)";

impl ReplayGuard for SqliteStore {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        const OP: &str = "check and record a message id";
        let prune = prunes_with(&self.replay_writes);
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
                return Err(replayed(message_id));
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
        prune_in_chunks(|| {
            let deleted = self.write(OP, |tx| {
                tx.prepare_cached(DELETE_EXPIRED)
                    .during(OP)?
                    .execute(params![int(now), int(PRUNE_CHUNK)])
                    .during(OP)
            })?;
            Ok(deleted as u64)
        })
    }
}
