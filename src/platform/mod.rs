//! The platform roles of the patent's method, sans-IO: each takes envelope bytes
//! and returns envelope bytes; the host owns the network.
//!
//! * [`ServicePlatform`] (EISP): handles the cloud platform's requests and the
//!   enterprise front ends' pulls and results.
//! * [`CloudPlatform`] (ECP): seals ERP orders to the pinned service platform,
//!   opens and stores its answers, polls tickets.
//! * [`FrontEndService`] (前置服务): the enterprise-hosted device's side of the
//!   asynchronous mode.
//!
//! Each role is built on one store with its builder ([`ServicePlatform::builder`],
//! [`CloudPlatform::builder`], [`FrontEndService::builder`]), which also makes
//! that store the unit of work of each message; the `*Parts` structs name every
//! part separately.
#![forbid(unsafe_code)]

mod builder;
mod cloud;
mod front_end;
mod messages;
mod records;
mod service;
mod trust;
mod unit;
mod unit_of_work;

pub use builder::{
    CloudPlatformBuilder, CloudPlatformStore, FrontEndBuilder, FrontEndStore,
    ServicePlatformBuilder, ServicePlatformStore,
};
pub use cloud::{
    CloudMaintenanceReport, CloudPlatform, CloudPlatformParts, CloudStore, CloudSubmission,
    CloudTicket, CloudTicketState, DEFAULT_JOURNAL_RETENTION, NewSubmission, Order, StoredInvoice,
    SubmissionState, TicketResolution,
};
pub use front_end::{FrontEndParts, FrontEndService, RunReport};
pub use messages::{
    CommandResult, CommandResultOutcome, FrontEndRequest, MAX_PULL, PLATFORM_MESSAGE_VERSION,
    ServiceToFrontEnd, TicketQuery,
};
pub use records::{
    CommandOutcome, Completion, HeldQuota, IssuingStore, NewCommand, QueuedCommand, Recorded,
    RequestDigest, RequestRecord, RequestState, TicketRecord, TicketState,
};
pub use service::{
    CommandRefusal, ExpiryReport, MaintenanceReport, ServicePlatform, ServicePlatformConfig,
    ServicePlatformParts,
};
pub use trust::PlatformTrust;
pub use unit_of_work::UnitOfWork;
