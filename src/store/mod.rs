//! Storage: narrow traits, and the embedded SQLite database that implements them.
//!
//! | trait | used by | holds |
//! |---|---|---|
//! | [`DeviceStore`] | [`SoftwareDevice`](crate::device::SoftwareDevice) | number segments, the device journal (command id → number → invoice) |
//! | [`IssuingStore`] | the service platform | idempotency records by request serial number, issued invoices, the asynchronous command queue and tickets |
//! | [`OutboxStore`] | [`drain_outbox`](crate::tax::drain_outbox) | issued invoices waiting for the tax authority |
//! | [`CloudStore`] | the cloud platform | invoices received, tickets being polled |
//! | [`ReplayGuard`](crate::envelope::ReplayGuard) | envelope opening | message ids seen |
//! | [`PeerStore`](crate::pki::PeerStore) | the peer directory | pinned certificates |
//! | [`QualificationRegistry`](crate::qualification::QualificationRegistry) | qualification checks | enterprise records, monthly usage and reservations |
//! | [`UnitOfWork`] | the platform roles | nothing: groups the changes of one request into one transaction |
//!
//! Each trait method is one atomic state change, so an implementation over a
//! server database (PostgreSQL, for several platform nodes) maps each to one
//! transaction. [`SqliteStore`] implements them all over one SQLite file (or
//! memory, for tests):
//!
//! ```
//! use fapiao::store::{IssuingStore, RequestDigest, SqliteStore};
//!
//! let store = SqliteStore::open_in_memory()?;
//! assert_eq!(store.schema_version()?, SqliteStore::latest_schema_version());
//! let digest = RequestDigest([1; 32]);
//! let answer = br#"{"refused": true}"#;
//! let first = store.record_refused("91350200776049653A", "S-1", &digest, answer)?;
//! let again = store.record_refused("91350200776049653A", "S-1", &digest, answer)?;
//! assert!(first.fresh && !again.fresh);
//! assert!(store.check_integrity()?.is_empty());
//! # Ok::<(), fapiao::Error>(())
//! ```

mod cloud;
mod device;
mod error;
mod issuing;
mod outbox;
mod reversal;
mod sqlite;
mod unit_of_work;

pub use self::cloud::{
    CloudStore, CloudSubmission, CloudTicket, CloudTicketState, NewSubmission, StoredInvoice,
    SubmissionState, TicketResolution,
};
pub use self::device::{DeviceIssue, DeviceStore, JournalEntry, NextNumber};
pub use self::error::{CorruptValue, StoreError};
pub use self::issuing::{
    CommandOutcome, Completion, HeldQuota, IssuingStore, NewCommand, QueuedCommand, Recorded,
    RequestDigest, RequestRecord, RequestState, TicketRecord, TicketState,
};
pub use self::outbox::{DEFAULT_OUTBOX_RETENTION, OutboxEntry, OutboxState, OutboxStore};
pub use self::reversal::{Reversal, ReversalRefusal, Reversed};
pub use self::sqlite::{Durability, IntegrityProblem, SqliteStore, StoreOptions};
pub use self::unit_of_work::UnitOfWork;
