//! Storage: the embedded SQLite database ([`SqliteStore`]) and, with the
//! `postgres` feature, a PostgreSQL server (`PostgresStore`, for several
//! platform nodes on one database), each implementing every storage trait the
//! modules declare for what they keep.
//!
//! | trait | used by | holds |
//! |---|---|---|
//! | [`DeviceStore`](crate::device::DeviceStore) | [`SoftwareDevice`](crate::device::SoftwareDevice) | number segments, the device journal (command id → number → invoice) |
//! | [`IssuingStore`](crate::platform::IssuingStore) | the service platform | idempotency records by request serial number, issued invoices, the asynchronous command queue and tickets |
//! | [`OutboxStore`](crate::tax::OutboxStore) | [`drain_outbox`](crate::tax::drain_outbox) | issued invoices waiting for the tax authority |
//! | [`CloudStore`](crate::platform::CloudStore) | the cloud platform | invoices received, tickets being polled |
//! | [`ReplayGuard`](crate::envelope::ReplayGuard) | envelope opening | message ids seen |
//! | [`PeerStore`](crate::exchange::PeerStore) | the peer directory | pinned certificates |
//! | [`QualificationRegistry`](crate::qualification::QualificationRegistry) | qualification checks | enterprise records, monthly usage and reservations |
//! | [`UnitOfWork`](crate::platform::UnitOfWork) | the platform roles | nothing: groups the changes of one request into one transaction |
//!
//! Each trait method is one atomic state change, so an implementation over a
//! server database (PostgreSQL, for several platform nodes) maps each to one
//! transaction. [`SqliteStore`] implements them all over one SQLite file (or
//! memory, for tests):
//!
//! ```
//! use fapiao::platform::{IssuingStore, RequestDigest};
//! use fapiao::store::SqliteStore;
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
//!
//! Both engines store the same text and keep the same rules: what does not
//! depend on the engine (column codecs, stored state names, each trait's
//! record rules, quota arithmetic, the integrity checks, migration
//! bookkeeping) is written once in this folder's files, which `sqlite/` and
//! `postgres/` import; neither engine imports the other.
#![forbid(unsafe_code)]

mod cloud_records;
mod columns;
mod integrity;
mod integrity_checks;
mod number_segments;
mod outbox_entries;
mod parsed;
mod peer_records;
#[cfg(feature = "postgres")]
mod postgres;
mod quota;
mod replay_pruning;
mod request_records;
mod schema;
mod sqlite;
mod state_keys;

pub use self::integrity::{IntegrityProblem, IntegrityReport};
#[cfg(feature = "postgres")]
pub use self::postgres::{PostgresOptions, PostgresStore};
pub use self::sqlite::{Durability, SqliteStore, StoreOptions};
pub use crate::error::{CorruptValue, DatabaseEngine, DatabaseFailure, StoreError};
