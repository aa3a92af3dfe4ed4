//! The platforms and what they stand on: the cloud and service platforms, front
//! ends, devices, qualification, the tax outbox, units of work, the cloud
//! journal, and the SQLite store.

#[path = "../common/mod.rs"]
mod common;
#[path = "../ffi_support/mod.rs"]
mod ffi_support;
#[path = "../invoice_support/mod.rs"]
mod invoice_support;
#[path = "../issuing_support/mod.rs"]
mod issuing_support;
#[path = "../platform_support/mod.rs"]
mod platform_support;
#[path = "../qualification_support/mod.rs"]
mod qualification_support;
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod cloud_journal;
mod device;
mod front_end_batches;
mod front_end_results;
mod gm_platform;
mod peer_outage;
mod platform;
mod platform_batches;
mod platform_legacy;
mod platform_red_letter;
mod platform_tickets;
mod qualification;
mod qualification_registry;
mod store;
mod store_contract_sqlite;
mod tax_outbox;
mod unit_of_work;
