//! testkit's `World` on PostgreSQL stores: two worlds set up at once on the
//! same three schemas (as two processes of the main example do) both succeed,
//! share what the first made, and number from the same segment.

use std::collections::BTreeSet;
use std::sync::Arc;

use fapiao::device::DeviceStore;
use fapiao::exchange::PeerStore;
use fapiao::invoice::IssueOutcome;
use fapiao::store::PostgresStore;
use fapiao_testkit::{
    CLOUD_PLATFORM, FRONT_DEVICE, HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM, HOSTED_DEVICE, NOW,
    SERVICE_PLATFORM, Setup, World,
};

use crate::support::{SchemaGuard, schema_name, url};

type PostgresWorld = World<PostgresStore, PostgresStore, PostgresStore>;

#[test]
fn two_worlds_set_up_at_once_share_one_database() {
    let _server = crate::support::server_shared();
    let schemas: Vec<String> = ["ecp", "eisp", "front"]
        .iter()
        .map(|party| schema_name(&format!("world_{party}")))
        .collect();
    let _guards: Vec<SchemaGuard> = schemas.iter().cloned().map(SchemaGuard).collect();
    let open = |schema: &str| Arc::new(PostgresStore::open(&url(), schema).expect("open"));
    let worlds: Vec<PostgresWorld> = std::thread::scope(|scope| {
        let set_ups: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    World::set_up(Setup::on(
                        open(&schemas[0]),
                        open(&schemas[1]),
                        open(&schemas[2]),
                    ))
                })
            })
            .collect();
        set_ups.into_iter().map(|s| s.join().unwrap()).collect()
    });

    // One registry, one segment a device, one pin a peer.
    let service = &worlds[0].service_store;
    let registered: BTreeSet<String> = service
        .enterprises()
        .unwrap()
        .into_iter()
        .map(|record| record.tax_id.as_str().to_owned())
        .collect();
    assert_eq!(
        registered,
        [HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM]
            .map(str::to_owned)
            .into()
    );
    assert_eq!(service.segments(HOSTED_DEVICE).unwrap().len(), 1);
    assert_eq!(
        worlds[1].front_store.segments(FRONT_DEVICE).unwrap().len(),
        1
    );
    assert_eq!(service.by_party(CLOUD_PLATFORM).unwrap().len(), 1);
    assert_eq!(service.by_party(HOSTED_BY_ENTERPRISE).unwrap().len(), 1);
    assert_eq!(
        worlds[0]
            .cloud_store
            .by_party(SERVICE_PLATFORM)
            .unwrap()
            .len(),
        1
    );

    // Each world issues through its own roles, from the one shared segment.
    let mut numbers = BTreeSet::new();
    for (i, world) in worlds.iter().enumerate() {
        for n in 0..3 {
            let serial = format!("W{i}-{n}");
            let json = World::request(HOSTED_BY_PLATFORM, &serial);
            match world.issue(HOSTED_BY_PLATFORM, &json, NOW).outcome {
                IssueOutcome::Issued { invoice } => {
                    numbers.insert(invoice.invoice_number.to_string());
                }
                other => panic!("expected an invoice, got {other:?}"),
            }
        }
    }
    let expected: BTreeSet<String> = (1..=6).map(|n| format!("26440{n:015}")).collect();
    assert_eq!(numbers, expected);
    let report = worlds[1].service_store.integrity_report().unwrap();
    assert!(report.holds(), "{:?}", report.problems);
    assert_eq!(report.invoices, 6);
}
