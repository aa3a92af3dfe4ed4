//! The store contract: what every store engine must do, as functions generic
//! over the store, run once per engine (`store_contract_tests!`): for
//! `SqliteStore` by the platform tests (tests/platform/store_contract.rs), for
//! `PostgresStore` by the PostgreSQL tests (tests/postgres/contract.rs), each
//! test on a fresh store.
#![allow(dead_code)]

pub mod cloud;
pub mod device;
pub mod outbox;
pub mod peers;
pub mod qualification;
pub mod requests;
pub mod units;

use std::sync::Arc;

use fapiao::Error;
use fapiao::IssuingDevice;
use fapiao::invoice::IssuedInvoice;
use fapiao::platform::{CloudStore, ServicePlatformStore};
use fapiao::qualification::{QualificationRecord, QuotaReservation};
use fapiao::store::{IntegrityProblem, SqliteStore, StoreError};

use crate::issuing_support::{NOW, command, device, segment};

/// A store engine under the contract: every trait the platforms use, and the
/// inherent operations both engines offer.
pub trait ContractStore: ServicePlatformStore + CloudStore + Send + Sync {
    /// `upsert_enterprise`.
    fn upsert(&self, record: &QualificationRecord) -> Result<Option<QualificationRecord>, Error>;
    /// `check_integrity`.
    fn integrity(&self) -> Result<Vec<IntegrityProblem>, StoreError>;
    /// `quota_reservations`.
    fn reservations(&self) -> Result<Vec<QuotaReservation>, StoreError>;
}

impl ContractStore for SqliteStore {
    fn upsert(&self, record: &QualificationRecord) -> Result<Option<QualificationRecord>, Error> {
        self.upsert_enterprise(record)
    }
    fn integrity(&self) -> Result<Vec<IntegrityProblem>, StoreError> {
        self.check_integrity()
    }
    fn reservations(&self) -> Result<Vec<QuotaReservation>, StoreError> {
        self.quota_reservations()
    }
}

#[cfg(feature = "postgres")]
impl ContractStore for fapiao::store::PostgresStore {
    fn upsert(&self, record: &QualificationRecord) -> Result<Option<QualificationRecord>, Error> {
        self.upsert_enterprise(record)
    }
    fn integrity(&self) -> Result<Vec<IntegrityProblem>, StoreError> {
        self.check_integrity()
    }
    fn reservations(&self) -> Result<Vec<QuotaReservation>, StoreError> {
        self.quota_reservations()
    }
}

/// `count` invoices issued on `store`'s device from a fresh segment (not yet
/// recorded by the platform).
pub fn invoices<S: ContractStore>(store: &Arc<S>, count: u64) -> Vec<IssuedInvoice> {
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    (1..=count)
        .map(|n| device.issue(&command(&format!("S-{n}")), NOW).unwrap())
        .collect()
}

/// One `#[test]` per contract function, each on a store from `$fresh` (a
/// function returning the store and a guard dropped after the test).
#[macro_export]
macro_rules! store_contract_tests {
    ($fresh:path) => {
        $crate::store_contract_tests!(@each $fresh;
            requests::the_same_serial_number_gets_the_same_answer,
            requests::a_duplicate_invoice_number_writes_nothing,
            requests::commands_are_queued_completed_once_and_ticketed,
            device::segments_are_added_once_and_never_overlap,
            device::numbers_are_given_in_order_and_a_command_once,
            outbox::uploads_are_marked_retried_parked_requeued_and_compacted,
            peers::pins_are_found_by_party_and_fingerprint,
            peers::a_message_id_is_accepted_once_until_it_expires,
            qualification::quota_is_reserved_committed_and_released,
            qualification::a_charge_inside_a_unit_goes_with_the_unit,
            qualification::a_device_belongs_to_one_enterprise,
            cloud::received_invoices_and_tickets_are_kept_once,
            cloud::the_submission_journal_opens_closes_and_compacts,
            units::a_failed_unit_leaves_nothing_and_a_failed_change_only_itself,
            units::a_change_the_database_rejects_leaves_the_rest_of_the_unit,
        );
    };
    (@each $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let (store, _guard) = $fresh();
                $crate::store_contract::$module::$name(store);
            }
        )*
    };
}
