//! [`QualificationRegistry`]: the storage the checks need, kept narrow so that a
//! database can implement it; and [`QuotaReservation`], quota held for an invoice
//! being issued.

use super::record::{EnterpriseStatus, MonthlyUsage, QualificationRecord};
use crate::error::Error;
use crate::invoice::{UnifiedSocialCreditCode, YearMonth};

/// Where qualification records and quota usage live.
///
/// [`authenticate`](super::authenticate) and
/// [`check_qualification`](super::check_qualification) are written against this
/// trait; [`EmbeddedRegistry`](super::EmbeddedRegistry) implements it in memory.
/// Quota is taken in two steps so that an invoice that fails to issue gives its
/// quota back: [`reserve_quota`](Self::reserve_quota) checks and holds it
/// atomically, then [`commit_quota`](Self::commit_quota) or
/// [`release_quota`](Self::release_quota).
pub trait QualificationRegistry: Send + Sync {
    /// The record of an enterprise, `None` if it is not registered.
    fn record(
        &self,
        tax_id: &UnifiedSocialCreditCode,
    ) -> Result<Option<QualificationRecord>, Error>;

    /// How much of a month's quota is used and reserved.
    fn usage(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
    ) -> Result<MonthlyUsage, Error>;

    /// Atomically checks that used + reserved + `amount_fen` stays within the
    /// enterprise's monthly quota and reserves `amount_fen`; refuses with
    /// [`Refusal::MonthlyQuotaExceeded`](super::Refusal::MonthlyQuotaExceeded)
    /// otherwise (or `UnknownEnterprise`). `amount_fen` is not negative.
    fn reserve_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error>;

    /// Turns a reservation into usage: the invoice was issued.
    fn commit_quota(&self, reservation: QuotaReservation) -> Result<(), Error>;

    /// Gives a reservation back: the invoice was not issued.
    fn release_quota(&self, reservation: QuotaReservation) -> Result<(), Error>;

    /// Checks as [`reserve_quota`](Self::reserve_quota) does, but may count
    /// `amount_fen` as used at once instead of reserving it, returning a
    /// [charged](QuotaReservation::is_charged) token: for a caller that issues
    /// the invoice and settles the token in one transaction (a unit of work),
    /// where a crash takes the charge back with everything else. Committing a
    /// charged token does nothing; releasing it takes the charge back.
    ///
    /// The default reserves (two steps, as before). Charged tokens are made
    /// only by this crate's registries ([`SqliteStore`](crate::store::SqliteStore)
    /// charges inside its own unit of work), which handle them in
    /// `commit_quota` and `release_quota`; give a token back to the registry
    /// that made it.
    fn charge_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        self.reserve_quota(tax_id, month, amount_fen)
    }
}

/// Quota held for one invoice being issued. Give it back to the registry that made
/// it, with [`commit_quota`](QualificationRegistry::commit_quota) once the invoice
/// is issued or [`release_quota`](QualificationRegistry::release_quota) if not; a
/// [`ReservationGuard`] does the release by itself.
///
/// It is an owned token so that it can outlive a call: in the enterprise-hosted
/// (asynchronous) mode it is kept until the front end reports the result.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a reservation holds quota until it is committed or released"]
pub struct QuotaReservation {
    id: u64,
    tax_id: UnifiedSocialCreditCode,
    month: YearMonth,
    amount_fen: i64,
    charged: bool,
}

impl QuotaReservation {
    /// A reservation token; for implementations of [`QualificationRegistry`], which
    /// choose the id.
    pub fn new(
        id: u64,
        tax_id: UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Self {
        Self {
            id,
            tax_id,
            month,
            amount_fen,
            charged: false,
        }
    }

    /// A token for quota already counted as used
    /// ([`charge_quota`](QualificationRegistry::charge_quota)). Its id is 0.
    /// Crate-private: a charged token cannot be checked against a table the
    /// way a reservation's id is, so none can be made outside the registries
    /// that charge (`SqliteStore`).
    pub(crate) fn charged(
        tax_id: UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Self {
        Self {
            id: 0,
            tax_id,
            month,
            amount_fen,
            charged: true,
        }
    }

    /// Whether the quota is already counted as used (nothing is reserved):
    /// committing it does nothing, releasing it takes the charge back.
    pub fn is_charged(&self) -> bool {
        self.charged
    }

    /// The registry's id for it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The enterprise whose quota it holds.
    pub fn tax_id(&self) -> &UnifiedSocialCreditCode {
        &self.tax_id
    }

    /// The month whose quota it holds.
    pub fn month(&self) -> YearMonth {
        self.month
    }

    /// How much it holds, in fen.
    pub fn amount_fen(&self) -> i64 {
        self.amount_fen
    }
}

/// A [`QuotaReservation`] that is released when dropped unless committed: quota
/// cannot leak through an early return or a panic while issuing.
#[must_use = "dropping the guard releases the reservation at once"]
pub struct ReservationGuard<'r, R: QualificationRegistry + ?Sized> {
    registry: &'r R,
    reservation: Option<QuotaReservation>,
}

impl<'r, R: QualificationRegistry + ?Sized> ReservationGuard<'r, R> {
    /// Guards a reservation made by `registry`.
    pub fn new(registry: &'r R, reservation: QuotaReservation) -> Self {
        Self {
            registry,
            reservation: Some(reservation),
        }
    }

    /// The reservation guarded.
    pub fn reservation(&self) -> &QuotaReservation {
        self.reservation
            .as_ref()
            .expect("a guard holds its reservation until consumed")
    }

    /// The invoice was issued: the quota becomes usage.
    pub fn commit(mut self) -> Result<(), Error> {
        match self.reservation.take() {
            Some(reservation) => self.registry.commit_quota(reservation),
            None => Ok(()),
        }
    }

    /// The invoice was not issued: the quota is given back.
    pub fn release(mut self) -> Result<(), Error> {
        match self.reservation.take() {
            Some(reservation) => self.registry.release_quota(reservation),
            None => Ok(()),
        }
    }

    /// Takes the reservation out of the guard, to commit or release it later (the
    /// asynchronous mode). Nothing is released on drop after this.
    pub fn into_reservation(mut self) -> QuotaReservation {
        self.reservation
            .take()
            .expect("a guard holds its reservation until consumed")
    }
}

impl<R: QualificationRegistry + ?Sized> Drop for ReservationGuard<'_, R> {
    fn drop(&mut self) {
        if let Some(reservation) = self.reservation.take() {
            // Nothing to report to from a drop; a reservation the registry no longer
            // holds needs no release.
            let _ = self.registry.release_quota(reservation);
        }
    }
}

impl<R: QualificationRegistry + ?Sized> core::fmt::Debug for ReservationGuard<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReservationGuard")
            .field("reservation", &self.reservation)
            .finish_non_exhaustive()
    }
}

/// The operator's writes to a registry kept in a database: registering an
/// enterprise and changing its status. [`SqliteStore`](crate::store::SqliteStore)
/// and, with the `postgres` feature, `PostgresStore` implement it (their
/// inherent methods of the same names do the work), so that code setting up
/// a service platform can be written once for either engine.
pub trait RegistryAdmin: QualificationRegistry {
    /// Adds or replaces an enterprise's qualification record (its usage is
    /// kept); returns the record it replaced. Registering the same record
    /// again changes nothing; concurrent registrations are serialised.
    fn upsert_enterprise(
        &self,
        record: &QualificationRecord,
    ) -> Result<Option<QualificationRecord>, Error>;

    /// Changes an enterprise's status (suspend, revoke, reinstate).
    fn set_enterprise_status(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        status: EnterpriseStatus,
    ) -> Result<(), Error>;
}
