//! A whole issuing world in one process: a cloud platform, a service platform
//! hosting a device, and an enterprise front end with its own device, each on
//! its own SQLite store, pinned to each other by real certificate exchanges on
//! the fixture PKI.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use fapiao::CryptoProvider;
use fapiao::Error;
use fapiao::StoreError;
use fapiao::device::DeviceStore;
use fapiao::device::{DeviceSecret, NumberSegment, SoftwareDevice};
use fapiao::envelope::{MemoryReplayGuard, SignedMessage};
use fapiao::exchange::{CertificateMatch, ExchangeParty, PartyBindings, PartyRole, PeerDirectory};
use fapiao::invoice::{InvoiceKind, IssueOutcome, IssueResponse, UnifiedSocialCreditCode};
use fapiao::pki::{Credentials, TrustStore};
use fapiao::platform::UnitOfWork;
use fapiao::platform::{
    CloudPlatform, CloudPlatformParts, FrontEndParts, FrontEndService, Order, PlatformTrust,
    RunReport, ServicePlatform, ServicePlatformParts,
};
use fapiao::qualification::{
    EnterpriseStatus, HostingMode, QualificationRecord, RegisteredDevice, RegisteredFrontEnds,
};
use fapiao::store::SqliteStore;
use fapiao::time::Timestamp;

/// 2027-06-01T00:00:00Z.
pub const NOW: u64 = 1_811_808_000;
/// Enterprise-hosted: its front end runs its own device.
pub const HOSTED_BY_ENTERPRISE: &str = "91350200776049653A";
/// Platform-hosted: the service platform's device issues for it.
pub const HOSTED_BY_PLATFORM: &str = "91440101MA5CJQ4N59";

pub fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

pub fn creds(name: &str) -> Credentials {
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    Credentials::from_pem(&chain, &data(&format!("{name}.key.pem")), None, provider()).unwrap()
}

pub fn trust() -> PlatformTrust {
    PlatformTrust::new(TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap())
}

pub fn record(tax_id: &str, mode: HostingMode) -> QualificationRecord {
    QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(tax_id).unwrap(),
        name: format!("Enterprise {tax_id}"),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: [InvoiceKind::DigitalOrdinary, InvoiceKind::DigitalSpecial]
            .into_iter()
            .collect(),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 1_000_000_000,
        valid_from_unix: Timestamp::from_unix_seconds(1_767_225_600),
        valid_until_unix: Timestamp::from_unix_seconds(2_082_758_400),
        hosting_mode: mode,
        allowed_platforms: ["ECP-1".to_owned()].into_iter().collect(),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    }
}

/// The front end's device: its id, and the certificate it seals with.
pub const FRONT_DEVICE: &str = "ENT-DEV-1";

/// The segment the service platform allocated to the front end's device.
pub fn front_segment() -> NumberSegment {
    NumberSegment::digital(
        "seg-e",
        FRONT_DEVICE,
        InvoiceKind::DigitalOrdinary,
        "26350",
        1,
        1_000_000,
    )
    .unwrap()
}

/// The enterprise-hosted enterprise's record, with its device ENT-DEV-1.
pub fn enterprise_hosted_record() -> QualificationRecord {
    let mut record = record(HOSTED_BY_ENTERPRISE, HostingMode::EnterpriseHosted);
    record.devices.push(RegisteredDevice {
        device_id: FRONT_DEVICE.to_owned(),
        seal_certificate_pem: String::from_utf8(data("enterprise-p256.pem")).unwrap(),
    });
    record
}

pub struct World {
    pub cloud: CloudPlatform,
    pub service: ServicePlatform,
    pub front_end: FrontEndService,
    pub cloud_store: Arc<SqliteStore>,
    pub service_store: Arc<SqliteStore>,
    pub front_store: Arc<SqliteStore>,
    /// The ERP's signing credentials per seller.
    pub erp: HashMap<&'static str, Credentials>,
}

/// What a side's operator configured: the other side's platform id bound to
/// its certificate's key. An enterprise front end is bound by the service
/// platform's qualification registry instead (`RegisteredFrontEnds`).
pub fn bindings_for(peer: &Credentials, party_id: &str, role: PartyRole) -> PartyBindings {
    match role {
        PartyRole::EnterpriseFrontEnd => PartyBindings::new(),
        _ => PartyBindings::new().bind(
            party_id,
            role,
            CertificateMatch::Key(peer.leaf().spki_fingerprint()),
        ),
    }
}

/// 互换数字证书 between `a` and `b`, each pinning the other in its store.
fn exchange(
    a: (&Credentials, &str, PartyRole, &Arc<SqliteStore>),
    b: (&Credentials, &str, PartyRole, &Arc<SqliteStore>),
) {
    let trust = trust();
    let validator = trust.validator();
    let (ra, rb) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let (da, db) = (
        PeerDirectory::new(a.3.clone()),
        PeerDirectory::new(b.3.clone()),
    );
    let (ba, bb) = (bindings_for(b.0, b.1, b.2), bindings_for(a.0, a.1, a.2));
    let (fa, fb) = (
        RegisteredFrontEnds(a.3.as_ref()),
        RegisteredFrontEnds(b.3.as_ref()),
    );
    let pa = ExchangeParty::new(a.0, a.1, a.2, &validator, &da, &ra, provider())
        .with_bindings(&ba)
        .bound_by(&fa);
    let pb = ExchangeParty::new(b.0, b.1, b.2, &validator, &db, &rb, provider())
        .with_bindings(&bb)
        .bound_by(&fb);
    let (sent, offer) = pa.offer(NOW).unwrap();
    let (answered, answer) = pb.answer(&offer, NOW).unwrap();
    let (_, confirm) = pa.confirm(sent, &answer, NOW).unwrap();
    pb.complete(answered, &confirm, NOW).unwrap();
}

impl World {
    /// Everything in memory.
    pub fn new() -> Self {
        Self::with_stores(
            Arc::new(SqliteStore::open_in_memory().unwrap()),
            Arc::new(SqliteStore::open_in_memory().unwrap()),
            Arc::new(SqliteStore::open_in_memory().unwrap()),
        )
    }

    /// On the given stores (files for the crash test). Setting up again on the
    /// same stores (a restart) changes nothing that is already there.
    pub fn with_stores(
        cloud_store: Arc<SqliteStore>,
        service_store: Arc<SqliteStore>,
        front_store: Arc<SqliteStore>,
    ) -> Self {
        Self::with_keys(
            cloud_store,
            service_store,
            front_store,
            "ecp-rsa",
            "eisp-p256",
        )
    }

    /// Everything in memory, without units of work: each store change commits
    /// on its own (the platforms as configured before `with_unit_of_work`).
    pub fn change_by_change() -> Self {
        let memory = || Arc::new(SqliteStore::open_in_memory().unwrap());
        Self::build(memory(), memory(), memory(), "ecp-rsa", "eisp-p256", false)
    }

    /// On the given stores, with the platforms' fixture keys named (e.g.
    /// `ecp-p256`, `eisp-rsa`). Each platform runs a message's changes in one
    /// unit of work on its store.
    pub fn with_keys(
        cloud_store: Arc<SqliteStore>,
        service_store: Arc<SqliteStore>,
        front_store: Arc<SqliteStore>,
        ecp_key: &str,
        eisp_key: &str,
    ) -> Self {
        Self::build(
            cloud_store,
            service_store,
            front_store,
            ecp_key,
            eisp_key,
            true,
        )
    }

    fn build(
        cloud_store: Arc<SqliteStore>,
        service_store: Arc<SqliteStore>,
        front_store: Arc<SqliteStore>,
        ecp_key: &str,
        eisp_key: &str,
        units: bool,
    ) -> Self {
        let (ecp, eisp, front) = (creds(ecp_key), creds(eisp_key), creds("enterprise-p256"));

        // The platform-hosted enterprise's ERP signs with an Ed25519 certificate
        // whose subject names another company: it is bound by its fingerprint.
        let ed = creds("enterprise-ed25519");
        let mut platform_hosted = record(HOSTED_BY_PLATFORM, HostingMode::PlatformHosted);
        platform_hosted
            .bound_certificates
            .insert(ed.leaf().spki_fingerprint());
        service_store.upsert_enterprise(&platform_hosted).unwrap();
        // The enterprise-hosted enterprise's own device ENT-DEV-1: registered in
        // its record with its seal certificate, its numbers allocated by the
        // service platform (segment seg-e, disjoint from the hosted device's).
        service_store
            .upsert_enterprise(&enterprise_hosted_record())
            .unwrap();
        service_store.add_segment(&front_segment()).unwrap();

        // 互换数字证书: both platforms, and the front end with the service platform
        // (which binds the front end through the enterprise's record).
        exchange(
            (&ecp, "ECP-1", PartyRole::CloudPlatform, &cloud_store),
            (&eisp, "EISP-1", PartyRole::ServicePlatform, &service_store),
        );
        exchange(
            (
                &front,
                HOSTED_BY_ENTERPRISE,
                PartyRole::EnterpriseFrontEnd,
                &front_store,
            ),
            (&eisp, "EISP-1", PartyRole::ServicePlatform, &service_store),
        );
        let front_peers = PeerDirectory::new(front_store.clone());

        let hosted_device = SoftwareDevice::new(
            "EISP-DEV-1",
            creds(eisp_key),
            DeviceSecret::new(&[7u8; 32]).unwrap(),
            service_store.clone(),
            provider(),
        )
        .unwrap();
        hosted_device
            .add_segment(
                &NumberSegment::digital(
                    "seg-1",
                    "EISP-DEV-1",
                    InvoiceKind::DigitalOrdinary,
                    "26440",
                    1,
                    1_000_000,
                )
                .unwrap(),
            )
            .unwrap();
        let front_device = SoftwareDevice::new(
            FRONT_DEVICE,
            creds("enterprise-p256"),
            DeviceSecret::new(&[9u8; 32]).unwrap(),
            front_store.clone(),
            provider(),
        )
        .unwrap()
        .serving([HOSTED_BY_ENTERPRISE.parse().unwrap()]);
        front_device.add_segment(&front_segment()).unwrap();

        let mut service = ServicePlatform::new(ServicePlatformParts::on_sqlite(
            eisp.clone(),
            trust(),
            service_store.clone(),
            Arc::new(hosted_device),
            provider(),
        ));
        let mut cloud = CloudPlatform::new(CloudPlatformParts::on_sqlite(
            ecp,
            trust(),
            cloud_store.clone(),
            "EISP-1",
            provider(),
        ));
        if units {
            service = service.with_unit_of_work(service_store.clone());
            cloud = cloud.with_unit_of_work(cloud_store.clone());
        }
        let mut front_end = FrontEndService::new(FrontEndParts {
            credentials: front,
            trust: trust(),
            peers: front_peers,
            service_platform: "EISP-1".into(),
            enterprise: HOSTED_BY_ENTERPRISE.parse().unwrap(),
            device: Arc::new(front_device),
            replay: front_store.clone(),
            validation: Default::default(),
            provider: provider(),
        });
        if units {
            front_end = front_end.with_unit_of_work(front_store.clone());
        }
        let mut erp = HashMap::new();
        erp.insert(HOSTED_BY_ENTERPRISE, creds("enterprise-rsa"));
        erp.insert(HOSTED_BY_PLATFORM, ed);
        Self {
            cloud,
            service,
            front_end,
            cloud_store,
            service_store,
            front_store,
            erp,
        }
    }

    /// The sample blue request with its seller, buyer and serial number replaced.
    pub fn request(seller: &str, serial: &str) -> Vec<u8> {
        let buyer = if seller == HOSTED_BY_PLATFORM {
            HOSTED_BY_ENTERPRISE
        } else {
            HOSTED_BY_PLATFORM
        };
        let sample = String::from_utf8(data("../../examples/requests/valid-blue.json")).unwrap();
        sample
            .replace(
                "\"tax_id\": \"91440101MA5CJQ4N59\"",
                "\"tax_id\": \"BUYER\"",
            )
            .replace(
                "\"tax_id\": \"91350200776049653A\"",
                &format!("\"tax_id\": \"{seller}\""),
            )
            .replace("\"tax_id\": \"BUYER\"", &format!("\"tax_id\": \"{buyer}\""))
            .replace("ERP-20261128-000001", serial)
            .into_bytes()
    }

    /// One round of the enterprise's front end at `now`: pull up to `limit`
    /// commands, run them on its device, report the results and read the ack.
    pub fn run_front_end(&self, limit: usize, now: u64) -> RunReport {
        let batch = self
            .service
            .handle(&self.front_end.pull(limit, now).unwrap(), now)
            .unwrap();
        let (results, report) = self.front_end.run_commands(&batch, now).unwrap();
        self.front_end
            .read_ack(&self.service.handle(&results, now).unwrap(), now)
            .unwrap();
        report
    }

    /// The ERP signs `json` as `seller`.
    pub fn erp_sign(&self, seller: &str, json: &[u8], now: u64) -> SignedMessage {
        SignedMessage::sign(json, &self.erp[seller], now, provider()).unwrap()
    }

    /// The whole path for one order at `now`: the ERP of `seller` signs `json`,
    /// the cloud platform seals it, the service platform answers, the cloud
    /// platform opens and stores the answer.
    pub fn issue(&self, seller: &str, json: &[u8], now: u64) -> IssueResponse {
        let order = Order::Signed(self.erp_sign(seller, json, now));
        let request = self.cloud.submit(order, now).unwrap();
        let answer = self.service.handle(&request, now).unwrap();
        self.cloud.open_response(&answer, now).unwrap()
    }

    /// The cloud platform polls `ticket` once at `now`.
    pub fn poll(&self, ticket: &str, now: u64) -> IssueResponse {
        let query = self.cloud.query_ticket(ticket, now).unwrap();
        let answer = self.service.handle(&query, now).unwrap();
        self.cloud.open_response(&answer, now).unwrap()
    }
}

/// The ticket of an "accepted" answer (panics on any other).
pub fn ticket_of(response: &IssueResponse) -> String {
    match &response.outcome {
        IssueOutcome::AcceptedPending { ticket } => ticket.clone(),
        other => panic!("expected accepted, got {other:?}"),
    }
}

/// A unit of work on a `SqliteStore` that counts the transactions it opens
/// (nested units are savepoints, not transactions) and can be told to fail
/// them at the end, as a failed COMMIT does: everything in it rolled back.
pub struct CountingUnit {
    store: Arc<SqliteStore>,
    depth: AtomicUsize,
    transactions: AtomicUsize,
    pub fail_commit: AtomicBool,
}

impl CountingUnit {
    pub fn on(store: &Arc<SqliteStore>) -> Arc<Self> {
        Arc::new(Self {
            store: store.clone(),
            depth: AtomicUsize::new(0),
            transactions: AtomicUsize::new(0),
            fail_commit: AtomicBool::new(false),
        })
    }

    pub fn transactions(&self) -> usize {
        self.transactions.load(Ordering::SeqCst)
    }
}

impl UnitOfWork for CountingUnit {
    fn run_atomically(&self, work: &mut dyn FnMut() -> Result<(), Error>) -> Result<(), Error> {
        let outermost = self.depth.fetch_add(1, Ordering::SeqCst) == 0;
        if outermost {
            self.transactions.fetch_add(1, Ordering::SeqCst);
        }
        let result = self.store.atomically(|| {
            work()?;
            if outermost && self.fail_commit.load(Ordering::SeqCst) {
                return Err(Error::from(StoreError::Conflict {
                    seller_tax_id: "commit".into(),
                    serial_number: "failed".into(),
                }));
            }
            Ok(())
        });
        self.depth.fetch_sub(1, Ordering::SeqCst);
        result
    }
}
