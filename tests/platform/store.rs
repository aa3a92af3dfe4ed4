//! The SQLite store: schema and migrations, idempotency records, the command
//! queue applied exactly once, whole transactions, the cloud platform's records,
//! the replay guard, peer directory and qualification registry persisted, and
//! what red invoices reverse.
//!
//! One submodule per area, in tests/platform/store/. The fixtures come from
//! tests/issuing_support; `invoices` below (a store and invoices issued on it) is
//! shared by the requests, command queue and cloud platform tests.

use crate::issuing_support;

#[path = "store/cloud_platform.rs"]
mod cloud_platform;
#[path = "store/command_queue.rs"]
mod command_queue;
#[path = "store/peers.rs"]
mod peers;
#[path = "store/qualification.rs"]
mod qualification;
#[path = "store/replay_guard.rs"]
mod replay_guard;
#[path = "store/reversals.rs"]
mod reversals;
#[path = "store/schema.rs"]
mod schema;

use std::sync::Arc;

use fapiao::IssuingDevice;
use fapiao::invoice::IssuedInvoice;
use fapiao::store::SqliteStore;
use issuing_support::{NOW, command, device, memory_store, segment};

/// A store and `count` issued invoices (not yet recorded by the platform).
fn invoices(count: u64) -> (Arc<SqliteStore>, Vec<IssuedInvoice>) {
    let store = memory_store();
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    let invoices = (1..=count)
        .map(|n| device.issue(&command(&format!("S-{n}")), NOW).unwrap())
        .collect();
    (store, invoices)
}
