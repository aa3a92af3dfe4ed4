//! Builders that wire each platform role to one store.
//!
//! [`ServicePlatform::builder`], [`CloudPlatform::builder`] and
//! [`FrontEndService::builder`] take the role's credentials and trust; `store`
//! then serves as every store the role needs and as its unit of work (one
//! commit per message). The other setters replace one part (a separate
//! registry, outbox, unit of work, none, a configuration, a crypto provider),
//! in any order. `build` names the first required part that is missing
//! ([`PlatformError::Incomplete`]).

use std::collections::HashMap;
use std::sync::Arc;

use crate::crypto::CryptoProvider;
use crate::device::{DeviceStore, IssuingDevice};
use crate::envelope::{EnvelopePolicy, ReplayGuard};
use crate::error::{Error, PlatformError};
use crate::exchange::{PeerDirectory, PeerStore};
use crate::invoice::{UnifiedSocialCreditCode, ValidationPolicy};
use crate::pki::Credentials;
use crate::qualification::QualificationRegistry;
use crate::tax::OutboxStore;

use super::cloud::{CloudPlatform, CloudPlatformParts, CloudStore};
use super::front_end::{FrontEndParts, FrontEndService};
use super::records::IssuingStore;
use super::service::{ServicePlatform, ServicePlatformConfig, ServicePlatformParts};
use super::trust::PlatformTrust;
use super::unit_of_work::UnitOfWork;

/// Every store a service platform runs on, in one, which is also its unit of
/// work: e.g. a [`SqliteStore`](crate::store::SqliteStore).
pub trait ServicePlatformStore:
    QualificationRegistry
    + IssuingStore
    + OutboxStore
    + ReplayGuard
    + PeerStore
    + DeviceStore
    + UnitOfWork
    + 'static
{
}

impl<S> ServicePlatformStore for S where
    S: QualificationRegistry
        + IssuingStore
        + OutboxStore
        + ReplayGuard
        + PeerStore
        + DeviceStore
        + UnitOfWork
        + 'static
{
}

/// Every store a cloud platform runs on, in one, which is also its unit of
/// work: e.g. a [`SqliteStore`](crate::store::SqliteStore).
pub trait CloudPlatformStore: CloudStore + ReplayGuard + PeerStore + UnitOfWork + 'static {}

impl<S> CloudPlatformStore for S where S: CloudStore + ReplayGuard + PeerStore + UnitOfWork + 'static
{}

/// Every store a front-end service runs on, in one, which is also its unit of
/// work: e.g. a [`SqliteStore`](crate::store::SqliteStore) its software device
/// numbers in too.
pub trait FrontEndStore: ReplayGuard + PeerStore + UnitOfWork + 'static {}

impl<S> FrontEndStore for S where S: ReplayGuard + PeerStore + UnitOfWork + 'static {}

/// Which unit of work a role runs its messages in.
enum UnitChoice {
    /// The store's, when one was given.
    OfStore,
    /// This one.
    Given(Arc<dyn UnitOfWork>),
    /// None: each store change commits on its own.
    Without,
}

impl UnitChoice {
    fn resolve(self, of_store: Option<Arc<dyn UnitOfWork>>) -> Option<Arc<dyn UnitOfWork>> {
        match self {
            Self::OfStore => of_store,
            Self::Given(unit) => Some(unit),
            Self::Without => None,
        }
    }
}

/// `slot`, or else what the store gives, or else the error naming `missing`.
fn part<T>(slot: Option<T>, from_store: Option<T>, missing: &'static str) -> Result<T, Error> {
    slot.or(from_store)
        .ok_or_else(|| PlatformError::Incomplete { missing }.into())
}

/// The service platform's stores, all one.
struct ServiceStores {
    registry: Arc<dyn QualificationRegistry>,
    issuing: Arc<dyn IssuingStore>,
    outbox: Arc<dyn OutboxStore>,
    replay: Arc<dyn ReplayGuard>,
    peers: Arc<dyn PeerStore>,
    segments: Arc<dyn DeviceStore>,
    unit: Arc<dyn UnitOfWork>,
}

/// Builds a [`ServicePlatform`]: see [`ServicePlatform::builder`].
#[must_use]
pub struct ServicePlatformBuilder {
    credentials: Credentials,
    trust: PlatformTrust,
    stores: Option<ServiceStores>,
    registry: Option<Arc<dyn QualificationRegistry>>,
    issuing: Option<Arc<dyn IssuingStore>>,
    outbox: Option<Arc<dyn OutboxStore>>,
    replay: Option<Arc<dyn ReplayGuard>>,
    peers: Option<PeerDirectory>,
    segments: Option<Arc<dyn DeviceStore>>,
    device: Option<Arc<dyn IssuingDevice>>,
    unit: UnitChoice,
    config: ServicePlatformConfig,
    provider: &'static CryptoProvider,
}

impl ServicePlatform {
    /// A builder for a service platform signing with `credentials` and trusting
    /// signers under `trust`. It needs a [`store`](ServicePlatformBuilder::store)
    /// (or each store separately) and a
    /// [`hosted_device`](ServicePlatformBuilder::hosted_device).
    pub fn builder(credentials: Credentials, trust: PlatformTrust) -> ServicePlatformBuilder {
        ServicePlatformBuilder {
            credentials,
            trust,
            stores: None,
            registry: None,
            issuing: None,
            outbox: None,
            replay: None,
            peers: None,
            segments: None,
            device: None,
            unit: UnitChoice::OfStore,
            config: ServicePlatformConfig::default(),
            provider: CryptoProvider::default_provider(),
        }
    }
}

impl ServicePlatformBuilder {
    /// `store` serves as the qualification registry, the requests and
    /// invoices, the tax outbox, the replay guard, the pinned peers and the
    /// number segments, and as the unit of work each message runs in
    /// ([`ServicePlatform::with_unit_of_work`]). Give the hosted device the same
    /// store (a [`SoftwareDevice`](crate::device::SoftwareDevice) on it) so that
    /// its numbers commit with the message.
    pub fn store<S: ServicePlatformStore>(mut self, store: Arc<S>) -> Self {
        self.stores = Some(ServiceStores {
            registry: store.clone(),
            issuing: store.clone(),
            outbox: store.clone(),
            replay: store.clone(),
            peers: store.clone(),
            segments: store.clone(),
            unit: store,
        });
        self
    }

    /// The device the platform hosts (platform-hosted enterprises). Required.
    pub fn hosted_device(mut self, device: Arc<dyn IssuingDevice>) -> Self {
        self.device = Some(device);
        self
    }

    /// A qualification registry other than the store's.
    pub fn registry(mut self, registry: Arc<dyn QualificationRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// A store of requests, invoices and commands other than the store.
    pub fn issuing_store(mut self, store: Arc<dyn IssuingStore>) -> Self {
        self.issuing = Some(store);
        self
    }

    /// A tax outbox other than the store's.
    pub fn outbox(mut self, outbox: Arc<dyn OutboxStore>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// A replay guard other than the store's.
    pub fn replay_guard(mut self, replay: Arc<dyn ReplayGuard>) -> Self {
        self.replay = Some(replay);
        self
    }

    /// A peer directory other than the store's.
    pub fn peers(mut self, peers: PeerDirectory) -> Self {
        self.peers = Some(peers);
        self
    }

    /// Number segments kept other than in the store.
    pub fn segments(mut self, segments: Arc<dyn DeviceStore>) -> Self {
        self.segments = Some(segments);
        self
    }

    /// Runs each message in `unit` instead of the store's.
    pub fn unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = UnitChoice::Given(unit);
        self
    }

    /// Runs messages without a unit of work: each store change commits on its
    /// own (e.g. for a hosted device outside the store, which must not hold its
    /// write lock).
    pub fn without_unit_of_work(mut self) -> Self {
        self.unit = UnitChoice::Without;
        self
    }

    /// The configuration (validation, envelope policy, deadlines) instead of
    /// the default.
    pub fn config(mut self, config: ServicePlatformConfig) -> Self {
        self.config = config;
        self
    }

    /// The crypto provider instead of [`CryptoProvider::default_provider`].
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The service platform, or [`PlatformError::Incomplete`] naming the first
    /// part missing.
    pub fn build(self) -> Result<ServicePlatform, Error> {
        let s = self.stores.as_ref();
        let peers = match self.peers {
            Some(peers) => peers,
            None => PeerDirectory::new(part(None, s.map(|s| s.peers.clone()), "peer directory")?),
        };
        let parts = ServicePlatformParts {
            credentials: self.credentials,
            trust: self.trust,
            peers,
            registry: part(
                self.registry,
                s.map(|s| s.registry.clone()),
                "qualification registry",
            )?,
            store: part(self.issuing, s.map(|s| s.issuing.clone()), "issuing store")?,
            outbox: part(self.outbox, s.map(|s| s.outbox.clone()), "tax outbox")?,
            replay: part(self.replay, s.map(|s| s.replay.clone()), "replay guard")?,
            device: part(self.device, None, "hosted device")?,
            segments: part(
                self.segments,
                s.map(|s| s.segments.clone()),
                "number segments",
            )?,
            provider: self.provider,
        };
        let platform = ServicePlatform::with_config(parts, self.config);
        Ok(match self.unit.resolve(s.map(|s| s.unit.clone())) {
            Some(unit) => platform.with_unit_of_work(unit),
            None => platform,
        })
    }
}

/// The cloud platform's stores, all one.
struct CloudStores {
    cloud: Arc<dyn CloudStore>,
    replay: Arc<dyn ReplayGuard>,
    peers: Arc<dyn PeerStore>,
    unit: Arc<dyn UnitOfWork>,
}

/// The front end's stores, all one.
struct FrontEndStores {
    replay: Arc<dyn ReplayGuard>,
    peers: Arc<dyn PeerStore>,
    unit: Arc<dyn UnitOfWork>,
}

/// Builds a [`CloudPlatform`]: see [`CloudPlatform::builder`].
#[must_use]
pub struct CloudPlatformBuilder {
    credentials: Credentials,
    trust: PlatformTrust,
    store: Option<CloudStores>,
    service_platform: Option<String>,
    enterprise_credentials: HashMap<String, Credentials>,
    unit: UnitChoice,
    envelope_policy: EnvelopePolicy,
    provider: &'static CryptoProvider,
}

impl CloudPlatform {
    /// A builder for a cloud platform signing with `credentials` and trusting
    /// the service platform's signatures under `trust`. It needs a
    /// [`store`](CloudPlatformBuilder::store) and the
    /// [`service_platform`](CloudPlatformBuilder::service_platform) to send to.
    pub fn builder(credentials: Credentials, trust: PlatformTrust) -> CloudPlatformBuilder {
        CloudPlatformBuilder {
            credentials,
            trust,
            store: None,
            service_platform: None,
            enterprise_credentials: HashMap::new(),
            unit: UnitChoice::OfStore,
            envelope_policy: EnvelopePolicy::default(),
            provider: CryptoProvider::default_provider(),
        }
    }
}

impl CloudPlatformBuilder {
    /// `store` keeps the received invoices, the tickets, the submission
    /// journal, the replay guard and the pinned peers, and is the unit of work
    /// each answer is stored in ([`CloudPlatform::with_unit_of_work`]).
    pub fn store<S: CloudPlatformStore>(mut self, store: Arc<S>) -> Self {
        self.store = Some(CloudStores {
            cloud: store.clone(),
            replay: store.clone(),
            peers: store.clone(),
            unit: store,
        });
        self
    }

    /// The party id of the service platform to send to, as pinned in the
    /// store. Required.
    pub fn service_platform(mut self, party_id: impl Into<String>) -> Self {
        self.service_platform = Some(party_id.into());
        self
    }

    /// Holds `credentials` on behalf of the enterprise `tax_id`
    /// ([`CloudPlatform::hold_enterprise_credentials`]).
    pub fn enterprise_credentials(
        mut self,
        tax_id: &UnifiedSocialCreditCode,
        credentials: Credentials,
    ) -> Self {
        self.enterprise_credentials
            .insert(tax_id.as_str().to_owned(), credentials);
        self
    }

    /// Stores each answer in `unit` instead of the store's.
    pub fn unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = UnitChoice::Given(unit);
        self
    }

    /// Stores answers without a unit of work: each change commits on its own.
    pub fn without_unit_of_work(mut self) -> Self {
        self.unit = UnitChoice::Without;
        self
    }

    /// The envelope policy (limits, clock skew) instead of the default.
    pub fn envelope_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.envelope_policy = policy;
        self
    }

    /// The crypto provider instead of [`CryptoProvider::default_provider`].
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The cloud platform, or [`PlatformError::Incomplete`] naming the first
    /// part missing.
    pub fn build(self) -> Result<CloudPlatform, Error> {
        let store = part(self.store, None, "store")?;
        let parts = CloudPlatformParts {
            credentials: self.credentials,
            trust: self.trust,
            peers: PeerDirectory::new(store.peers),
            service_platform: part(self.service_platform, None, "service platform")?,
            store: store.cloud,
            replay: store.replay,
            enterprise_credentials: self.enterprise_credentials,
            provider: self.provider,
        };
        let platform = CloudPlatform::new(parts).with_envelope_policy(self.envelope_policy);
        Ok(match self.unit.resolve(Some(store.unit)) {
            Some(unit) => platform.with_unit_of_work(unit),
            None => platform,
        })
    }
}

/// Builds a [`FrontEndService`]: see [`FrontEndService::builder`].
#[must_use]
pub struct FrontEndBuilder {
    credentials: Credentials,
    trust: PlatformTrust,
    store: Option<FrontEndStores>,
    service_platform: Option<String>,
    enterprise: Option<UnifiedSocialCreditCode>,
    device: Option<Arc<dyn IssuingDevice>>,
    unit: UnitChoice,
    validation: ValidationPolicy,
    envelope_policy: EnvelopePolicy,
    provider: &'static CryptoProvider,
}

impl FrontEndService {
    /// A builder for the front end of an enterprise, signing with
    /// `credentials` (pinned by the service platform as the enterprise's front
    /// end) and trusting the service platform's signatures under `trust`. It
    /// needs a [`store`](FrontEndBuilder::store), the
    /// [`service_platform`](FrontEndBuilder::service_platform), the
    /// [`enterprise`](FrontEndBuilder::enterprise) and its
    /// [`device`](FrontEndBuilder::device).
    pub fn builder(credentials: Credentials, trust: PlatformTrust) -> FrontEndBuilder {
        FrontEndBuilder {
            credentials,
            trust,
            store: None,
            service_platform: None,
            enterprise: None,
            device: None,
            unit: UnitChoice::OfStore,
            validation: ValidationPolicy::default(),
            envelope_policy: EnvelopePolicy::default(),
            provider: CryptoProvider::default_provider(),
        }
    }
}

impl FrontEndBuilder {
    /// `store` keeps the replay guard and the pinned service platform, and is
    /// the unit of work each batch of commands runs in
    /// ([`FrontEndService::with_unit_of_work`]): give the device the same store
    /// (a [`SoftwareDevice`](crate::device::SoftwareDevice) on it), or call
    /// [`without_unit_of_work`](Self::without_unit_of_work) for a slow device
    /// outside it.
    pub fn store<S: FrontEndStore>(mut self, store: Arc<S>) -> Self {
        self.store = Some(FrontEndStores {
            replay: store.clone(),
            peers: store.clone(),
            unit: store,
        });
        self
    }

    /// The party id of the service platform, as pinned in the store. Required.
    pub fn service_platform(mut self, party_id: impl Into<String>) -> Self {
        self.service_platform = Some(party_id.into());
        self
    }

    /// The enterprise served (commands for any other seller are refused).
    /// Required.
    pub fn enterprise(mut self, tax_id: UnifiedSocialCreditCode) -> Self {
        self.enterprise = Some(tax_id);
        self
    }

    /// The enterprise's own issuing device. Required.
    pub fn device(mut self, device: Arc<dyn IssuingDevice>) -> Self {
        self.device = Some(device);
        self
    }

    /// Runs each batch in `unit` instead of the store's.
    pub fn unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = UnitChoice::Given(unit);
        self
    }

    /// Runs batches without a unit of work: each change commits on its own.
    pub fn without_unit_of_work(mut self) -> Self {
        self.unit = UnitChoice::Without;
        self
    }

    /// The rules the commands' requests are validated against again, instead
    /// of the default.
    pub fn validation(mut self, validation: ValidationPolicy) -> Self {
        self.validation = validation;
        self
    }

    /// The envelope policy (limits, clock skew) instead of the default.
    pub fn envelope_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.envelope_policy = policy;
        self
    }

    /// The crypto provider instead of [`CryptoProvider::default_provider`].
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The front end, or [`PlatformError::Incomplete`] naming the first part
    /// missing.
    pub fn build(self) -> Result<FrontEndService, Error> {
        let store = part(self.store, None, "store")?;
        let parts = FrontEndParts {
            credentials: self.credentials,
            trust: self.trust,
            peers: PeerDirectory::new(store.peers),
            service_platform: part(self.service_platform, None, "service platform")?,
            enterprise: part(self.enterprise, None, "enterprise")?,
            device: part(self.device, None, "device")?,
            replay: store.replay,
            validation: self.validation,
            provider: self.provider,
        };
        let front_end = FrontEndService::new(parts).with_envelope_policy(self.envelope_policy);
        Ok(match self.unit.resolve(Some(store.unit)) {
            Some(unit) => front_end.with_unit_of_work(unit),
            None => front_end,
        })
    }
}
