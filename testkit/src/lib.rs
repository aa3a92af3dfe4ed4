//! # fapiao-testkit
//!
//! The one issuing world of fapiao's tests, benches, examples and fuzz targets,
//! on the fixture PKI of `tests/data` (valid at [`NOW`]):
//!
//! * [`fixture`]: reading the fixtures, credentials, trust, the sample request;
//! * [`enterprises`]: the two enterprises (one per hosting mode), their
//!   qualification records, devices and number segments;
//! * [`exchange`]: the certificate exchange between two parties, in process;
//! * [`World`]: a cloud platform, a service platform hosting a device, and the
//!   enterprise-hosted enterprise's front end with its own device, each on its
//!   own store (SQLite by default, or any stores the parties run on, e.g.
//!   PostgreSQL), pinned to each other by real exchanges.
//!
//! Everything panics with the fixture's name when a fixture does not load: the
//! fixtures are part of the repository.

pub mod enterprises;
pub mod exchange;
pub mod fixture;
mod unit;
mod world;

pub use enterprises::{
    CLOUD_PLATFORM, FRONT_DEVICE, HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM, HOSTED_DEVICE,
    SERVICE_PLATFORM, enterprise_hosted_record, enterprise_hosted_record_sealing, front_segment,
    hosted_device, hosted_segment, platform_hosted_record, record, register_enterprises, request,
};
pub use exchange::{ExchangeStore, bindings_for, exchange, exchange_trusting};
pub use fixture::{
    NOW, PASSWORD, creds, creds_named, data, gm_creds, provider, sample, trust, trust_with_gm,
};
pub use unit::CountingUnit;
pub use world::{CloudSideStore, FrontSideStore, ServiceSideStore, Setup, World, ticket_of};
