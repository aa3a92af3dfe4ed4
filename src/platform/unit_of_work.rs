//! [`UnitOfWork`]: several state changes as one transaction.

use crate::error::Error;

/// A store that can group state changes into one transaction.
///
/// The service platform runs each request's changes (the envelope's message id,
/// the quota reservation, the device's number, the request's record with its
/// invoice and tax outbox entry, the quota's commit) in one unit when it is given
/// one ([`ServicePlatform::with_unit_of_work`](crate::platform::ServicePlatform::with_unit_of_work)),
/// and the cloud platform does the same for an answer it stores: one commit per
/// request instead of one per change, and nothing half-done after a crash
/// between them. Changes made through stores the unit does not cover commit on
/// their own, as before.
///
/// [`SqliteStore`](crate::store::SqliteStore) implements it with
/// [`SqliteStore::atomically`](crate::store::SqliteStore::atomically).
pub trait UnitOfWork: Send + Sync {
    /// Runs `work` as one transaction: everything it changes through the stores
    /// this unit covers commits together when it returns `Ok`, and nothing does
    /// when it returns `Err` (the error is passed on) or panics.
    fn run_atomically(&self, work: &mut dyn FnMut() -> Result<(), Error>) -> Result<(), Error>;
}
