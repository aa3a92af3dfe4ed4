//! [`ReplayGuard`] on PostgreSQL: the `replay_guard` table, shared by every
//! node on the schema.
//!
//! A message id is recorded by one `INSERT … ON CONFLICT` on its primary key:
//! two nodes given the same envelope at once both try to insert it, the second
//! waits for the first's transaction, and finds the id taken (a replay) once
//! the first commits, or inserts it if the first rolled back. Expired ids are
//! pruned as in the SQLite store (`store/replay_pruning.rs`): a few with every
//! so many new ids, the rest by [`ReplayGuard::prune`].

use super::PostgresStore;
use super::codec::During;
use crate::envelope::ReplayGuard;
use crate::error::Error;
use crate::store::columns::int;
use crate::store::replay_pruning::{
    PRUNE_BATCH, PRUNE_CHUNK, prune_in_chunks, prunes_with, replayed,
};

/// Deletes up to `$2` ids expired before `$1`, oldest first; rows another
/// node is pruning are skipped.
const DELETE_EXPIRED: &str = "DELETE FROM replay_guard WHERE message_id IN (
     SELECT message_id FROM replay_guard WHERE expires_at < $1
     ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)";

impl ReplayGuard for PostgresStore {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        const OP: &str = "check and record a message id";
        let prune = prunes_with(&self.replay_writes);
        self.write(OP, |tx| {
            // A new id is inserted; a known one is renewed only when it has
            // expired; an unexpired one changes nothing, and that is the replay.
            let changed = tx
                .execute(
                    "INSERT INTO replay_guard (message_id, expires_at) VALUES ($1, $2)
                     ON CONFLICT (message_id) DO UPDATE SET expires_at = excluded.expires_at
                     WHERE replay_guard.expires_at < $3",
                    &[&message_id, &int(expires_at), &int(now)],
                )
                .during(OP)?;
            if changed == 0 {
                return Err(replayed(message_id));
            }
            if prune {
                tx.execute(DELETE_EXPIRED, &[&int(now), &int(PRUNE_BATCH)])
                    .during(OP)?;
            }
            Ok(())
        })
    }

    fn prune(&self, now: u64) -> Result<u64, Error> {
        const OP: &str = "prune expired message ids";
        prune_in_chunks(|| {
            Ok(self.write(OP, |tx| {
                tx.execute(DELETE_EXPIRED, &[&int(now), &int(PRUNE_CHUNK)])
                    .during(OP)
            })?)
        })
    }
}
