//! Upload to the tax authority (税务机关) through an outbox.
//!
//! The service platform writes each issued invoice to an outbox in the same
//! transaction as the invoice itself (see
//! [`IssuingStore`](crate::platform::IssuingStore)); [`drain_outbox`] uploads what is
//! due through a [`TaxAuthority`], retrying with exponential backoff and jitter
//! ([`RetryPolicy`]) and parking final failures for an operator. Uploads are
//! idempotent by invoice number. [`RecordingTaxAuthority`] is a reference
//! authority for tests, with fault injection.
#![forbid(unsafe_code)]

mod authority;
mod drain;
mod outbox;
mod recording;

pub use self::authority::{TaxAuthority, TaxReceipt};
pub use self::drain::{
    DrainEvent, DrainReport, Jitter, ProviderJitter, RetryPolicy, SeededJitter, drain_outbox,
};
pub use self::outbox::{DEFAULT_OUTBOX_RETENTION, OutboxEntry, OutboxState, OutboxStore};
pub use self::recording::{RecordingTaxAuthority, UploadCall};
pub use crate::error::UploadError;
