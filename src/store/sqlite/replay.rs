//! [`ReplayGuard`] on SQLite: the `replay_guard` table.

use std::sync::atomic::Ordering;

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::codec::{During, int, uint};
use crate::envelope::ReplayGuard;
use crate::error::{EnvelopeError, Error};
use crate::invoice::hex;

/// Expired ids are pruned on every this many-th write.
const PRUNE_EVERY: u64 = 256;

impl ReplayGuard for SqliteStore {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        const OP: &str = "check and record a message id";
        let prune = self.replay_writes.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == 0;
        self.write(OP, |tx| {
            let until: Option<i64> = tx
                .prepare_cached("SELECT expires_at FROM replay_guard WHERE message_id = ?1")
                .during(OP)?
                .query_row([message_id], |row| row.get(0))
                .optional()
                .during(OP)?;
            if until.is_some_and(|until| uint(until) >= now) {
                return Err(Error::from(EnvelopeError::Replay {
                    message_id: hex::encode(message_id),
                }));
            }
            tx.prepare_cached(
                "INSERT INTO replay_guard (message_id, expires_at) VALUES (?1, ?2)
                 ON CONFLICT (message_id) DO UPDATE SET expires_at = excluded.expires_at",
            )
            .during(OP)?
            .execute(params![message_id, int(expires_at)])
            .during(OP)?;
            if prune {
                tx.prepare_cached("DELETE FROM replay_guard WHERE expires_at < ?1")
                    .during(OP)?
                    .execute([int(now)])
                    .during(OP)?;
            }
            Ok(())
        })
    }
}
