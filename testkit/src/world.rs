//! [`World`]: the three parties of the method, in one process.

use std::collections::HashMap;
use std::sync::Arc;

use fapiao::device::DeviceStore;
use fapiao::envelope::SignedMessage;
use fapiao::exchange::PartyRole;
use fapiao::invoice::{IssueOutcome, IssueResponse};
use fapiao::pki::Credentials;
use fapiao::platform::{
    CloudPlatform, CloudPlatformStore, FrontEndService, FrontEndStore, Order, RunReport,
    ServicePlatform, ServicePlatformStore,
};
use fapiao::qualification::{QualificationRegistry, RegistryAdmin};
use fapiao::store::SqliteStore;

use crate::enterprises::{
    CLOUD_PLATFORM, FRONT_DEVICE, HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM, SERVICE_PLATFORM,
    hosted_device, register_enterprises_sealing,
};
use crate::exchange::exchange_trusting;
use crate::fixture::{NOW, creds, creds_named, gm_creds, provider, trust_with_gm};

/// What a [`World`]'s cloud platform runs on: a cloud platform's store that
/// also answers the exchange's registry look-up (e.g. [`SqliteStore`], or
/// `PostgresStore` with fapiao's `postgres` feature).
pub trait CloudSideStore: CloudPlatformStore + QualificationRegistry {}

impl<T: CloudPlatformStore + QualificationRegistry> CloudSideStore for T {}

/// What a [`World`]'s service platform runs on: a service platform's store
/// the set-up registers the enterprises in.
pub trait ServiceSideStore: ServicePlatformStore + RegistryAdmin {}

impl<T: ServicePlatformStore + RegistryAdmin> ServiceSideStore for T {}

/// What a [`World`]'s front end runs on: a front end's store its device
/// numbers in.
pub trait FrontSideStore: FrontEndStore + DeviceStore + QualificationRegistry {}

impl<T: FrontEndStore + DeviceStore + QualificationRegistry> FrontSideStore for T {}

/// How a [`World`] is set up: on SQLite stores by default, or on any stores
/// the three parties run on (`C` the cloud platform's, `S` the service
/// platform's, `F` the front end's).
pub struct Setup<C = SqliteStore, S = SqliteStore, F = SqliteStore> {
    /// The cloud platform's store.
    pub cloud_store: Arc<C>,
    /// The service platform's store (its hosted device numbers in it too).
    pub service_store: Arc<S>,
    /// The front end's store (its device numbers in it too).
    pub front_store: Arc<F>,
    /// The cloud platform's fixture key (`ecp-rsa`, `ecp-p256`, `ecp-p384`).
    pub ecp_key: String,
    /// The service platform's fixture key (`eisp-p256`, `eisp-rsa`).
    pub eisp_key: String,
    /// The cloud platform's credentials, instead of the fixture `ecp_key`'s
    /// (e.g. with its key on a PKCS#11 token).
    pub ecp_credentials: Option<Credentials>,
    /// The service platform's credentials, instead of the fixture
    /// `eisp_key`'s (e.g. with its key on a PKCS#11 token); its hosted device
    /// seals with them too.
    pub eisp_credentials: Option<Credentials>,
    /// Whether each role runs a message's changes in one unit of work on its
    /// store (as the builders do), or commits change by change.
    pub units: bool,
    /// When the certificates are exchanged.
    pub now: u64,
    /// Each enterprise's monthly quota, in fen.
    pub monthly_quota_fen: i64,
    /// The SM2 world of `tests/data/gm`: the front end, its device seal and
    /// both ERPs on SM2 (the enterprise's dual certificates, the
    /// platform-hosted ERP's `gm/erp-sign`), and both fixture roots trusted.
    /// The platforms follow `ecp_key` and `eisp_key` (`gm/ecp`, `gm/eisp`
    /// for their dual SM2 certificates; [`Setup::gm`] sets both).
    pub gm: bool,
}

impl<C, S, F> Setup<C, S, F> {
    /// On the given stores, with `ecp-rsa` and `eisp-p256`, units of work, the
    /// exchange at [`NOW`] and a monthly quota of 10 million yuan.
    pub fn on(cloud_store: Arc<C>, service_store: Arc<S>, front_store: Arc<F>) -> Self {
        Self {
            cloud_store,
            service_store,
            front_store,
            ecp_key: "ecp-rsa".into(),
            eisp_key: "eisp-p256".into(),
            ecp_credentials: None,
            eisp_credentials: None,
            units: true,
            now: NOW,
            monthly_quota_fen: 1_000_000_000,
            gm: false,
        }
    }

    /// The same setup with every party on the SM2 dual certificates of
    /// `tests/data/gm`.
    pub fn on_gm(self) -> Self {
        Self {
            ecp_key: "gm/ecp".into(),
            eisp_key: "gm/eisp".into(),
            gm: true,
            ..self
        }
    }

    /// The examples' world (`issue_invoice` and `service_platform_node`): the
    /// cloud platform on `ecp-p256` (every party on the SM2 dual certificates
    /// of `tests/data/gm` with `gm`), a monthly quota no run exhausts, the
    /// exchanges at `now`. A service-platform node set up on this and the
    /// main example set up on this describe the same parties with the same
    /// certificates, so each side's store pins the other as the exchange
    /// between them would.
    pub fn for_examples(self, gm: bool, now: u64) -> Self {
        let keys = if gm {
            self.on_gm()
        } else {
            Self {
                ecp_key: "ecp-p256".into(),
                ..self
            }
        };
        Self {
            now,
            monthly_quota_fen: i64::MAX / 4,
            ..keys
        }
    }
}

impl Setup {
    /// Every party on the SM2 dual certificates of `tests/data/gm`, every
    /// store in memory.
    pub fn gm() -> Self {
        Self::in_memory().on_gm()
    }

    /// As [`on`](Self::on), every store in memory.
    pub fn in_memory() -> Self {
        let memory = || Arc::new(SqliteStore::open_in_memory().expect("an in-memory store"));
        Self::on(memory(), memory(), memory())
    }
}

/// A cloud platform, a service platform hosting a device, and the
/// enterprise-hosted enterprise's front end with its own device, each on its
/// own store (SQLite by default), pinned to each other by real certificate
/// exchanges.
pub struct World<C = SqliteStore, S = SqliteStore, F = SqliteStore> {
    /// The cloud platform, [`CLOUD_PLATFORM`].
    pub cloud: CloudPlatform,
    /// The service platform, [`SERVICE_PLATFORM`], hosting its device for
    /// [`HOSTED_BY_PLATFORM`].
    pub service: ServicePlatform,
    /// [`HOSTED_BY_ENTERPRISE`]'s front end, with its device [`FRONT_DEVICE`].
    pub front_end: FrontEndService,
    /// The cloud platform's store.
    pub cloud_store: Arc<C>,
    /// The service platform's store.
    pub service_store: Arc<S>,
    /// The front end's store.
    pub front_store: Arc<F>,
    /// The ERP's signing credentials per seller.
    pub erp: HashMap<&'static str, Credentials>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// Everything in memory.
    pub fn new() -> Self {
        Self::set_up(Setup::in_memory())
    }

    /// The sample blue request with its seller, buyer and serial number replaced.
    pub fn request(seller: &str, serial: &str) -> Vec<u8> {
        crate::enterprises::request("valid-blue.json", seller, serial)
    }

    /// On the given stores (files for the crash tests). Setting up again on the
    /// same stores (a restart) changes nothing that is already there.
    pub fn with_stores(
        cloud_store: Arc<SqliteStore>,
        service_store: Arc<SqliteStore>,
        front_store: Arc<SqliteStore>,
    ) -> Self {
        Self::set_up(Setup::on(cloud_store, service_store, front_store))
    }

    /// Everything in memory, without units of work: each store change commits
    /// on its own.
    pub fn change_by_change() -> Self {
        Self::set_up(Setup {
            units: false,
            ..Setup::in_memory()
        })
    }

    /// On the given stores, with the platforms' fixture keys named (e.g.
    /// `ecp-p256`, `eisp-rsa`).
    pub fn with_keys(
        cloud_store: Arc<SqliteStore>,
        service_store: Arc<SqliteStore>,
        front_store: Arc<SqliteStore>,
        ecp_key: &str,
        eisp_key: &str,
    ) -> Self {
        Self::set_up(Setup {
            ecp_key: ecp_key.into(),
            eisp_key: eisp_key.into(),
            ..Setup::on(cloud_store, service_store, front_store)
        })
    }
}

impl<C: CloudSideStore, S: ServiceSideStore, F: FrontSideStore> World<C, S, F> {
    /// The world `setup` describes: both enterprises registered, the
    /// exchanges made, the devices given their segments, the roles built.
    /// Everything is added with the stores' own operations, each of which
    /// leaves in place what is already there, so setting up again on kept
    /// stores (a restart), or at once from several processes on shared ones,
    /// finds and shares the same state.
    pub fn set_up(setup: Setup<C, S, F>) -> Self {
        let Setup {
            cloud_store,
            service_store,
            front_store,
            ..
        } = &setup;
        let ecp = (setup.ecp_credentials.clone()).unwrap_or_else(|| creds_named(&setup.ecp_key));
        let eisp = (setup.eisp_credentials.clone()).unwrap_or_else(|| creds_named(&setup.eisp_key));
        let (front, erp_platform_hosted, erp_enterprise_hosted, seal, trust) = if setup.gm {
            (
                gm_creds("enterprise"),
                creds_named("gm/erp-sign"),
                gm_creds("enterprise"),
                "gm/enterprise-sign.pem",
                trust_with_gm(),
            )
        } else {
            (
                creds("enterprise-p256"),
                creds("enterprise-ed25519"),
                creds("enterprise-rsa"),
                "enterprise-p256.pem",
                crate::fixture::trust(),
            )
        };
        register_enterprises_sealing(
            service_store.as_ref(),
            &erp_platform_hosted,
            setup.monthly_quota_fen,
            seal,
        );

        // Both platforms, and the front end with the service platform (which
        // binds the front end through the enterprise's record).
        let service_side = (
            &eisp,
            SERVICE_PLATFORM,
            PartyRole::ServicePlatform,
            service_store,
        );
        let cloud_side = (&ecp, CLOUD_PLATFORM, PartyRole::CloudPlatform, cloud_store);
        exchange_trusting(cloud_side, service_side, setup.now, &trust);
        let front_side = (
            &front,
            HOSTED_BY_ENTERPRISE,
            PartyRole::EnterpriseFrontEnd,
            front_store,
        );
        exchange_trusting(front_side, service_side, setup.now, &trust);

        let hosted = hosted_device(eisp.clone(), Arc::clone(service_store));
        let secret = fapiao::device::DeviceSecret::new(&[9u8; 32]).expect("a device secret");
        let front_device = fapiao::device::SoftwareDevice::new(
            FRONT_DEVICE,
            front.clone(),
            secret,
            Arc::clone(front_store) as Arc<dyn DeviceStore>,
            provider(),
        )
        .expect("the front end's device")
        .serving([HOSTED_BY_ENTERPRISE.parse().expect("a credit code")]);
        front_device
            .add_segment(&crate::enterprises::front_segment())
            .expect("the front end's segment");

        let mut service = ServicePlatform::builder(eisp, trust.clone())
            .store(service_store.clone())
            .hosted_device(Arc::new(hosted));
        let mut cloud = CloudPlatform::builder(ecp, trust.clone())
            .store(cloud_store.clone())
            .service_platform(SERVICE_PLATFORM);
        let mut front_end = FrontEndService::builder(front, trust)
            .store(front_store.clone())
            .service_platform(SERVICE_PLATFORM)
            .enterprise(HOSTED_BY_ENTERPRISE.parse().expect("a credit code"))
            .device(Arc::new(front_device));
        if !setup.units {
            service = service.without_unit_of_work();
            cloud = cloud.without_unit_of_work();
            front_end = front_end.without_unit_of_work();
        }
        let mut erp = HashMap::new();
        erp.insert(HOSTED_BY_ENTERPRISE, erp_enterprise_hosted);
        erp.insert(HOSTED_BY_PLATFORM, erp_platform_hosted);
        Self {
            cloud: cloud.build().expect("the cloud platform"),
            service: service.build().expect("the service platform"),
            front_end: front_end.build().expect("the front end"),
            cloud_store: setup.cloud_store,
            service_store: setup.service_store,
            front_store: setup.front_store,
            erp,
        }
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
