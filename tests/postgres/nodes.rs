//! Several service platform nodes on one database: threads, each with its own
//! `PostgresStore` on the same schema, its own device handle on the shared
//! segment, and its own `ServicePlatform`, issuing at once through the real
//! message path (a cloud platform seals each order, a node opens, issues and
//! answers).

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use fapiao::device::{DeviceSecret, SoftwareDevice};
use fapiao::envelope::SignedMessage;
use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::invoice::{IssueOutcome, IssueResponse};
use fapiao::pki::Credentials;
use fapiao::platform::{CloudPlatform, IssuingStore, Order, ServicePlatform};
use fapiao::store::PostgresStore;
use fapiao::tax::OutboxStore;
use fapiao_testkit::World;
use fapiao_testkit::{
    CLOUD_PLATFORM, HOSTED_BY_PLATFORM, HOSTED_DEVICE, SERVICE_PLATFORM, hosted_segment,
    platform_hosted_record,
};
use fapiao_testkit::{NOW, creds, provider, trust};

use crate::support::{SchemaGuard, schema_name, url};

/// The service platform's schema, set up once: the enterprise registered, the
/// cloud platform pinned, the hosted device's segment added.
pub(crate) struct Deployment {
    service_schema: String,
    cloud: CloudPlatform,
    eisp: Credentials,
    erp: Credentials,
    _guards: [SchemaGuard; 2],
}

impl Deployment {
    pub(crate) fn new() -> Self {
        let (service_schema, cloud_schema) = (schema_name("eisp"), schema_name("ecp"));
        let guards = [
            SchemaGuard(service_schema.clone()),
            SchemaGuard(cloud_schema.clone()),
        ];
        let (ecp, eisp, erp) = (
            creds("ecp-rsa"),
            creds("eisp-p256"),
            creds("enterprise-ed25519"),
        );
        let service_store = Arc::new(PostgresStore::open(&url(), &service_schema).unwrap());
        let cloud_store = Arc::new(PostgresStore::open(&url(), &cloud_schema).unwrap());
        let pin =
            |id, role, party: &Credentials| PeerRecord::new(id, role, party.leaf().clone(), NOW);
        PeerDirectory::new(service_store.clone())
            .pin(pin(CLOUD_PLATFORM, PartyRole::CloudPlatform, &ecp))
            .unwrap();
        PeerDirectory::new(cloud_store.clone())
            .pin(pin(SERVICE_PLATFORM, PartyRole::ServicePlatform, &eisp))
            .unwrap();
        service_store
            .upsert_enterprise(&platform_hosted_record(&erp))
            .unwrap();
        let device = node_device(&eisp, service_store);
        device.add_segment(&hosted_segment()).unwrap();
        let cloud = CloudPlatform::builder(ecp, trust())
            .store(cloud_store)
            .service_platform(SERVICE_PLATFORM)
            .build()
            .unwrap();
        Self {
            service_schema,
            cloud,
            eisp,
            erp,
            _guards: guards,
        }
    }

    /// A node: its own store (pool) on the service schema, its own device
    /// handle and platform.
    pub(crate) fn node(&self) -> (ServicePlatform, Arc<PostgresStore>) {
        self.node_with(fapiao::store::PostgresOptions::default())
    }

    /// [`node`](Self::node) with its store opened with `options`.
    pub(crate) fn node_with(
        &self,
        options: fapiao::store::PostgresOptions,
    ) -> (ServicePlatform, Arc<PostgresStore>) {
        let store =
            Arc::new(PostgresStore::open_with(&url(), &self.service_schema, options).unwrap());
        let device = node_device(&self.eisp, store.clone());
        let service = ServicePlatform::builder(self.eisp.clone(), trust())
            .store(store.clone())
            .hosted_device(Arc::new(device))
            .build()
            .unwrap();
        (service, store)
    }

    /// The cloud platform's envelope of the order `serial`.
    pub(crate) fn envelope(&self, serial: &str) -> Vec<u8> {
        self.try_envelope(serial).unwrap()
    }

    /// [`envelope`](Self::envelope), its failure returned.
    pub(crate) fn try_envelope(&self, serial: &str) -> Result<Vec<u8>, fapiao::Error> {
        let json = World::request(HOSTED_BY_PLATFORM, serial);
        let signed = SignedMessage::sign(&json, &self.erp, NOW, provider())?;
        self.cloud.submit(Order::Signed(signed), NOW)
    }

    pub(crate) fn open(&self, answer: &[u8]) -> IssueResponse {
        self.try_open(answer).unwrap()
    }

    /// [`open`](Self::open), its failure returned.
    pub(crate) fn try_open(&self, answer: &[u8]) -> Result<IssueResponse, fapiao::Error> {
        self.cloud.open_response(answer, NOW)
    }
}

fn node_device(eisp: &Credentials, store: Arc<PostgresStore>) -> SoftwareDevice {
    let secret = DeviceSecret::new(&[7u8; 32]).unwrap();
    SoftwareDevice::new(HOSTED_DEVICE, eisp.clone(), secret, store, provider()).unwrap()
}

pub(crate) fn issued_number(response: &IssueResponse) -> String {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice.invoice_number.to_string(),
        other => panic!("not issued: {other:?}"),
    }
}

#[test]
fn nodes_issuing_at_once_never_share_a_number_and_answer_every_request_once() {
    let _server = crate::support::server_shared();
    const NODES: usize = 4;
    const EACH: usize = 12;
    let deployment = Deployment::new();
    let nodes: Vec<_> = (0..NODES).map(|_| deployment.node()).collect();
    let envelopes: Vec<Vec<Vec<u8>>> = (0..NODES)
        .map(|n| {
            (0..EACH)
                .map(|i| deployment.envelope(&format!("N{n}-{i}")))
                .collect()
        })
        .collect();
    let start = Barrier::new(NODES);
    let answers: Vec<Vec<Vec<u8>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = nodes
            .iter()
            .zip(&envelopes)
            .map(|((service, _), mine)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    mine.iter()
                        .map(|envelope| service.handle(envelope, NOW).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut numbers = HashSet::new();
    for (n, node_answers) in answers.iter().enumerate() {
        for (i, answer) in node_answers.iter().enumerate() {
            let response = deployment.open(answer);
            assert_eq!(response.serial_number, format!("N{n}-{i}"));
            assert!(
                numbers.insert(issued_number(&response)),
                "a number given twice"
            );
        }
    }
    assert_eq!(numbers.len(), NODES * EACH);
    let store = &nodes[0].1;
    // Gapless: the numbers are the segment's first NODES × EACH.
    let segment = hosted_segment();
    let expected: HashSet<_> = (segment.first()..segment.first() + (NODES * EACH) as u64)
        .map(|n| segment.number(n).unwrap().to_string())
        .collect();
    assert_eq!(numbers, expected);
    // Every request recorded once, every invoice in the outbox, nothing broken.
    for n in 0..NODES {
        for i in 0..EACH {
            let record = store
                .find_request(HOSTED_BY_PLATFORM, &format!("N{n}-{i}"))
                .unwrap()
                .unwrap();
            assert!(record.invoice_number.is_some());
        }
    }
    assert_eq!(store.due_uploads(NOW, 1000).unwrap().len(), NODES * EACH);
    assert_eq!(store.check_integrity().unwrap(), vec![]);
}

#[test]
fn the_same_request_at_two_nodes_at_once_gets_one_invoice() {
    let _server = crate::support::server_shared();
    let deployment = Deployment::new();
    let nodes = [deployment.node(), deployment.node()];
    for round in 0..5 {
        let serial = format!("TWICE-{round}");
        // The order sent twice: each envelope countersigned afresh.
        let envelopes = [deployment.envelope(&serial), deployment.envelope(&serial)];
        let start = Barrier::new(2);
        let answers: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let workers: Vec<_> = nodes
                .iter()
                .zip(&envelopes)
                .map(|((service, _), envelope)| {
                    let start = &start;
                    scope.spawn(move || {
                        start.wait();
                        service.handle(envelope, NOW).unwrap()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let [first, second] = [&answers[0], &answers[1]].map(|a| deployment.open(a));
        assert_eq!(issued_number(&first), issued_number(&second), "{serial}");
    }
    let store = &nodes[0].1;
    assert_eq!(
        store.due_uploads(NOW, 100).unwrap().len(),
        5,
        "one invoice each"
    );
    assert_eq!(store.check_integrity().unwrap(), vec![]);
}
