//! How a platform role runs one message's state changes: in its
//! [`UnitOfWork`] when it has one (one transaction, one commit), or change by
//! change. The envelope's message id is then recorded inside the unit too:
//! [`DeferredReplay`] lets the [`Opener`](crate::envelope::Opener) verify
//! everything first (the expensive part, outside any transaction) and hands the
//! id to the real guard inside the unit. A message whose work ends in an error
//! leaves nothing, its id included: presented again, it gets the same error.

use std::sync::{Arc, Mutex, PoisonError};

use crate::envelope::ReplayGuard;
use crate::error::{Error, PlatformError};
use crate::platform::UnitOfWork;

/// A replay guard that only notes the id the opener asks about, to be checked
/// and recorded by the real guard later, inside the unit of work.
#[derive(Debug, Default)]
pub(super) struct DeferredReplay {
    noted: Mutex<Option<NotedId>>,
}

#[derive(Debug)]
struct NotedId {
    message_id: Vec<u8>,
    now: u64,
    expires_at: u64,
}

impl ReplayGuard for DeferredReplay {
    fn check_and_record(&self, message_id: &[u8], now: u64, expires_at: u64) -> Result<(), Error> {
        *self.noted.lock().unwrap_or_else(PoisonError::into_inner) = Some(NotedId {
            message_id: message_id.to_vec(),
            now,
            expires_at,
        });
        Ok(())
    }
}

impl DeferredReplay {
    /// Checks and records the noted id with `guard` (nothing when the opener
    /// noted none).
    pub(super) fn record(&self, guard: &dyn ReplayGuard) -> Result<(), Error> {
        let noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
        match noted.as_ref() {
            Some(id) => guard.check_and_record(&id.message_id, id.now, id.expires_at),
            None => Ok(()),
        }
    }
}

/// The replay guard a role hands its opener: the deferred one when a unit of
/// work will record the id, the real one otherwise.
pub(super) fn opener_guard<'a>(
    unit: Option<&Arc<dyn UnitOfWork>>,
    deferred: &'a DeferredReplay,
    guard: &'a dyn ReplayGuard,
) -> &'a dyn ReplayGuard {
    match unit {
        Some(_) => deferred,
        None => guard,
    }
}

/// Runs `work` for one message: inside `unit` (first recording the deferred
/// message id with `guard`), or directly when there is no unit (the opener
/// recorded the id already). `work` may run more than once if the unit retries.
pub(super) fn run_in_unit<T>(
    unit: Option<&Arc<dyn UnitOfWork>>,
    deferred: &DeferredReplay,
    guard: &dyn ReplayGuard,
    work: impl Fn() -> Result<T, Error>,
) -> Result<T, Error> {
    let Some(unit) = unit else { return work() };
    let mut out = None;
    unit.run_atomically(&mut || {
        deferred.record(guard)?;
        out = Some(work()?);
        Ok(())
    })?;
    out.ok_or_else(|| PlatformError::UnitOfWorkSkipped.into())
}

/// Per message of a batch: the message with its work's outcome, or why not.
pub(super) type BatchOutcomes<R, T> = Vec<Result<(R, T), Error>>;

/// Runs `work` on every message of a batch that was received without error, all
/// in one transaction of `unit` (group commit): each message's own
/// [`run_in_unit`] becomes a savepoint of it, so a message whose work fails
/// leaves nothing of itself and the others go on. The result has one entry per
/// message, in order: its receiving error, its work's error, or the message
/// with its work's outcome. `Err` means the transaction did not commit: nothing
/// of the batch was recorded. Without a unit, the work runs message by message.
pub(super) fn for_each_in_one_unit<R, T>(
    unit: Option<&Arc<dyn UnitOfWork>>,
    received: Vec<Result<R, Error>>,
    work: impl Fn(&R) -> Result<T, Error>,
) -> Result<BatchOutcomes<R, T>, Error> {
    let mut outcomes = Vec::new();
    let mut run = || {
        outcomes = received
            .iter()
            .map(|r| r.as_ref().ok().map(&work))
            .collect();
        Ok(())
    };
    match unit {
        Some(unit) => unit.run_atomically(&mut run)?,
        None => run()?,
    }
    if outcomes.len() != received.len() {
        return Err(PlatformError::UnitOfWorkSkipped.into());
    }
    Ok(received
        .into_iter()
        .zip(outcomes)
        .map(|(received, outcome)| {
            let received = received?;
            let outcome = outcome.ok_or(PlatformError::UnitOfWorkSkipped)??;
            Ok((received, outcome))
        })
        .collect())
}
