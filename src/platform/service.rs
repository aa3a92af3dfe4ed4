//! [`ServicePlatform`]: the e-invoice service platform (电子发票服务平台).
//!
//! `handle(envelope) -> envelope`, sans-IO. For a cloud platform's issuing
//! request it opens the envelope, checks the interface protocol, authenticates
//! the enterprise and the cloud platform, validates the order, checks a red
//! invoice against the invoice it reverses, checks the enterprise's
//! qualification, and then, by the enterprise's hosting mode, has
//! its hosted device issue the invoice (synchronous) or queues the command for
//! the enterprise's front-end service and answers "accepted" with a ticket
//! (asynchronous). Every answer, refusals included, is signed and encrypted to
//! the cloud platform. The same request serial number again gets the same answer;
//! a different request under it is refused as a conflict.
//!
//! A front-end service's pull and results go through the same `handle`: queued
//! commands are checked again when pulled (the enterprise's standing, the
//! deadline), and a reported invoice is recorded only when it comes from one of
//! the enterprise's registered devices, numbered from a segment allocated to that
//! device and sealed by it ([`CommandRefusal`] names each refusal).
//! [`ServicePlatform::expire_commands`] fails the commands past their deadline.

use std::sync::Arc;

use crate::crypto::CryptoProvider;
use crate::device::DeviceStore;
use crate::device::{ControlCommand, IssuingDevice};
use crate::envelope::{self, Addressing, EnvelopePolicy, OpenedEnvelope, Opener, ReplayGuard};
use crate::error::{Error, PlatformError};
use crate::exchange::{PartyRole, PeerDirectory, PeerRecord, PeerStore};
use crate::invoice::InvoiceError;
use crate::invoice::{
    FailureReason, InterfaceCode, IssueOutcome, IssueRequest, IssueResponse, ProtocolVersion,
    ValidationPolicy,
};
use crate::pki::Credentials;
use crate::platform::{HeldQuota, IssuingStore, NewCommand, RequestDigest, UnitOfWork};
use crate::qualification::{
    CloudPlatformIdentity, HostingMode, QualificationError, QualificationRegistry, SignerIdentity,
    authenticate, check_qualification, check_qualification_in_unit,
};
use crate::tax::OutboxStore;
use crate::tax::{DrainReport, Jitter, RetryPolicy, TaxAuthority, drain_outbox};
use crate::time::Timestamp;

use super::messages::TicketQuery;
use super::trust::PlatformTrust;
use super::unit::{DeferredReplay, for_each_in_one_unit, opener_guard, run_in_unit};

mod command_checks;
mod expiry;
mod front_ends;
mod maintenance;
mod red_letter;

pub use self::command_checks::CommandRefusal;
pub use self::expiry::ExpiryReport;
pub use self::maintenance::MaintenanceReport;

/// Everything a service platform runs on.
pub struct ServicePlatformParts {
    /// The platform's own credentials (it signs answers with them and receives
    /// envelopes addressed to their certificate).
    pub credentials: Credentials,
    /// Trust anchors and policy for every signer.
    pub trust: PlatformTrust,
    /// Pinned peers: cloud platforms and enterprise front ends.
    pub peers: PeerDirectory,
    /// Enterprise records and quota.
    pub registry: Arc<dyn QualificationRegistry>,
    /// Requests, invoices, the command queue.
    pub store: Arc<dyn IssuingStore>,
    /// The tax outbox.
    pub outbox: Arc<dyn OutboxStore>,
    /// Message ids already accepted.
    pub replay: Arc<dyn ReplayGuard>,
    /// The device the platform hosts (platform-hosted enterprises).
    pub device: Arc<dyn IssuingDevice>,
    /// Every device's number segments: the hosted device's and those the
    /// platform allocates to enterprises' own devices (registered under their
    /// device ids, see [`RegisteredDevice`]). A number a front end reports is
    /// recorded only when it lies in a segment of the device that issued it.
    ///
    /// [`RegisteredDevice`]: crate::qualification::RegisteredDevice
    pub segments: Arc<dyn DeviceStore>,
    /// The crypto provider.
    pub provider: &'static CryptoProvider,
}

impl ServicePlatformParts {
    /// The embedded setup: every store (qualification registry, requests and
    /// invoices, tax outbox, replay guard, pinned peers, number segments) in the
    /// one `store` (a [`SqliteStore`](crate::store::SqliteStore)), hosting `device`. Give the platform
    /// [`with_unit_of_work(store)`](ServicePlatform::with_unit_of_work) too when
    /// the device numbers in the same store (a [`SoftwareDevice`] on it), so that
    /// each message commits once.
    ///
    /// [`SoftwareDevice`]: crate::device::SoftwareDevice
    pub fn on_sqlite<S>(
        credentials: Credentials,
        trust: PlatformTrust,
        store: Arc<S>,
        device: Arc<dyn IssuingDevice>,
        provider: &'static CryptoProvider,
    ) -> Self
    where
        S: QualificationRegistry
            + IssuingStore
            + OutboxStore
            + ReplayGuard
            + PeerStore
            + DeviceStore
            + 'static,
    {
        Self {
            credentials,
            trust,
            peers: PeerDirectory::new(store.clone()),
            registry: store.clone(),
            store: store.clone(),
            outbox: store.clone(),
            replay: store.clone(),
            segments: store,
            device,
            provider,
        }
    }
}

/// Tunables of the service platform.
#[derive(Clone, Debug, Default)]
pub struct ServicePlatformConfig {
    /// Order validation rules.
    pub validation: ValidationPolicy,
    /// Envelope limits and clock skew.
    pub envelope: EnvelopePolicy,
    /// How long a device has to issue after a request arrives, in seconds (0: 600).
    pub command_deadline: u64,
    /// How long an uploaded outbox entry is kept with its receipt before
    /// [`ServicePlatform::maintain`] compacts it, in seconds (0:
    /// [`DEFAULT_OUTBOX_RETENTION`](crate::tax::DEFAULT_OUTBOX_RETENTION), 30 days).
    pub outbox_retention: u64,
}

/// The e-invoice service platform role.
pub struct ServicePlatform {
    parts: ServicePlatformParts,
    config: ServicePlatformConfig,
    unit: Option<Arc<dyn UnitOfWork>>,
}

/// Who sent an envelope, as the peer directory knows them.
struct Sender {
    record: PeerRecord,
}

/// The kind of peer a message came from.
#[derive(Clone, Copy)]
enum Origin {
    CloudPlatform,
    FrontEnd,
}

/// An opened envelope from a pinned peer, its message id noted for the unit of
/// work that records it.
struct Received {
    opened: OpenedEnvelope,
    sender: Sender,
    origin: Origin,
    deferred: DeferredReplay,
}

impl ServicePlatform {
    /// A service platform over `parts` with the default configuration.
    pub fn new(parts: ServicePlatformParts) -> Self {
        Self::with_config(parts, ServicePlatformConfig::default())
    }

    /// A service platform with an explicit configuration.
    pub fn with_config(parts: ServicePlatformParts, config: ServicePlatformConfig) -> Self {
        Self {
            parts,
            config,
            unit: None,
        }
    }

    /// The envelope policy the messages are opened with.
    pub fn envelope_policy(&self) -> &EnvelopePolicy {
        &self.config.envelope
    }

    /// Replaces the envelope policy (limits, clock skew, legacy AES-CBC) for the
    /// messages handled from now on.
    pub fn set_envelope_policy(&mut self, policy: EnvelopePolicy) {
        self.config.envelope = policy;
    }

    /// Runs each message's state changes in one transaction of `unit`: the
    /// envelope's message id, the quota reservation, the hosted device's number
    /// and journal, the request's record with its invoice and tax outbox entry,
    /// and the quota's commit (or, for a front end's results, every completion).
    /// One commit per message instead of one per change, and a crash or an error
    /// part-way leaves none of them.
    ///
    /// `unit` must cover the stores in [`ServicePlatformParts`] (and the hosted
    /// device's), e.g. one [`SqliteStore`](crate::store::SqliteStore) serving as
    /// all of them. Stores it does not cover commit change by change as without
    /// a unit; a *second* `SqliteStore` on the same file would wait for the
    /// unit's write lock and fail with a busy error.
    pub fn with_unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = Some(unit);
        self
    }

    /// The platform's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.parts.credentials
    }

    /// Handles one envelope from a cloud platform or a front-end service and
    /// returns the sealed answer. An envelope that does not open, or whose sender
    /// is not a pinned peer, gets a typed error (there is nobody to answer);
    /// everything after that gets a sealed answer, refusals included.
    pub fn handle(&self, envelope_bytes: &[u8], now: u64) -> Result<Vec<u8>, Error> {
        let received = self.receive(envelope_bytes, now)?;
        let answer = self.answer_in_unit(&received, now)?;
        self.seal_to(&answer, &received.sender, now)
    }

    /// Handles several envelopes with one commit (group commit): a host that
    /// receives many requests at once hands them over together and pays for one
    /// transaction (one WAL sync under
    /// [`Durability::Full`](crate::store::Durability::Full)) instead of one per
    /// message.
    ///
    /// Each envelope is opened and its signers verified outside the transaction,
    /// and each message's state changes run in a savepoint of it, so a message
    /// that fails leaves nothing of itself and the others go on; its place in
    /// the result holds the error [`handle`](Self::handle) would have returned.
    /// Answers are sealed after the commit, so none leaves before what it says
    /// is durable. The same envelope twice in one batch is a replay the second
    /// time. The outer `Err` means the commit itself failed: nothing of the
    /// batch was recorded, and every envelope may be handled again.
    ///
    /// Without a unit of work ([`with_unit_of_work`](Self::with_unit_of_work))
    /// this is `handle` on each envelope in turn.
    pub fn handle_batch(
        &self,
        envelopes: &[&[u8]],
        now: u64,
    ) -> Result<Vec<Result<Vec<u8>, Error>>, Error> {
        let received: Vec<Result<Received, Error>> = envelopes
            .iter()
            .map(|bytes| self.receive(bytes, now))
            .collect();
        let answered = for_each_in_one_unit(self.unit.as_ref(), received, |r| {
            self.answer_in_unit(r, now)
        })?;
        Ok(answered
            .into_iter()
            .map(|outcome| {
                let (received, answer) = outcome?;
                self.seal_to(&answer, &received.sender, now)
            })
            .collect())
    }

    /// Opens `envelope_bytes` (recording nothing yet when there is a unit of
    /// work) and finds which pinned peer sent it.
    fn receive(&self, envelope_bytes: &[u8], now: u64) -> Result<Received, Error> {
        let validator = self.parts.trust.validator();
        let deferred = DeferredReplay::default();
        let opened = Opener::new(
            &self.parts.credentials,
            &validator,
            opener_guard(self.unit.as_ref(), &deferred, self.parts.replay.as_ref()),
            self.parts.provider,
        )
        .with_policy(self.config.envelope.clone())
        .open(envelope_bytes, now)?;
        for (role, origin) in [
            (PartyRole::CloudPlatform, Origin::CloudPlatform),
            (PartyRole::EnterpriseFrontEnd, Origin::FrontEnd),
        ] {
            if let Some((sender, addressing)) = self.pinned_signer(&opened, role, now)? {
                // What the sender signed must be for us, in the role it is
                // pinned in: a message re-encrypted to us by another recipient
                // is not.
                Addressing::check(
                    addressing,
                    &self.parts.credentials.encryption_leaf().spki_fingerprint(),
                    role,
                    self.config.envelope.require_addressing,
                )?;
                return Ok(Received {
                    opened,
                    sender,
                    origin,
                    deferred,
                });
            }
        }
        // Nobody to answer. (With a unit of work the id is not recorded: a message
        // that ends in an error leaves nothing, its id included.)
        Err(PlatformError::SenderNotPinned {
            expected: "cloud platform or enterprise front end",
        }
        .into())
    }

    /// The answer to a received message, its state changes in one unit of work
    /// (a savepoint when a batch's unit is open).
    fn answer_in_unit(&self, received: &Received, now: u64) -> Result<Vec<u8>, Error> {
        let Received {
            opened,
            sender,
            origin,
            deferred,
        } = received;
        run_in_unit(
            self.unit.as_ref(),
            deferred,
            self.parts.replay.as_ref(),
            || match origin {
                Origin::CloudPlatform => self.cloud_platform_request(opened, sender, now),
                Origin::FrontEnd => self.front_end_request(opened, sender, now),
            },
        )
    }

    /// Uploads due invoices to the tax authority (see [`drain_outbox`]).
    pub fn drain_outbox(
        &self,
        authority: &dyn TaxAuthority,
        now: u64,
        policy: &RetryPolicy,
        jitter: &mut dyn Jitter,
    ) -> Result<DrainReport, Error> {
        Ok(drain_outbox(
            self.parts.outbox.as_ref(),
            authority,
            now,
            policy,
            jitter,
        )?)
    }

    /// The signer of `opened` pinned in `role`, with its addressing (`None`
    /// when no signer is pinned and usable in that role). Of several, the
    /// first that signed an addressing: the same key may also have signed as
    /// the enterprise. A store that cannot be read is its error, not "not
    /// pinned": the sender may well be pinned, and the message is to be
    /// tried again.
    fn pinned_signer<'o>(
        &self,
        opened: &'o OpenedEnvelope,
        role: PartyRole,
        now: u64,
    ) -> Result<Option<(Sender, Option<&'o Addressing>)>, Error> {
        let mut pinned = Vec::new();
        for signer in &opened.signers {
            let record = match self
                .parts
                .peers
                .lookup_fingerprint(&signer.spki_fingerprint, now)
            {
                Ok(record) => record,
                // Unknown, expired, revoked or retired: not a usable pin.
                Err(Error::Peer(_)) => continue,
                Err(other) => return Err(other),
            };
            if record.role == role {
                pinned.push((Sender { record }, signer.addressing.as_ref()));
            }
        }
        let addressed = pinned.iter().position(|(_, a)| a.is_some());
        Ok(match addressed {
            Some(index) => Some(pinned.swap_remove(index)),
            None => pinned.into_iter().next(),
        })
    }

    /// Signs `payload`, addressed to the sender it answers, and seals it to the
    /// sender's pinned certificate once our CRLs do not revoke it.
    fn seal_to(&self, payload: &[u8], sender: &Sender, now: u64) -> Result<Vec<u8>, Error> {
        let to = sender.record.recipient_certificate();
        self.parts.trust.check_recipient(to, now)?;
        envelope::seal_addressed(
            payload,
            &self.parts.credentials,
            PartyRole::ServicePlatform,
            to,
            now,
            self.parts.provider,
        )
    }

    /// The answer (IssueResponse JSON) to a cloud platform's message.
    fn cloud_platform_request(
        &self,
        opened: &OpenedEnvelope,
        sender: &Sender,
        now: u64,
    ) -> Result<Vec<u8>, Error> {
        // Issuing requests first: one has a serial number, which a ticket query
        // has not, so this order reads every message as sniffing first would,
        // and spares the common case a second pass over its JSON.
        let request = match IssueRequest::from_json(&opened.payload) {
            Ok(r) => r,
            Err(e) => {
                if let Some(query) = TicketQuery::sniff(&opened.payload) {
                    return self.ticket_query(&query?, sender);
                }
                return response_json("", None, failure_of_parse(e));
            }
        };
        let serial = request.serial_number.clone();
        // Echoed in every answer from here on (as the request gave it).
        let claimed_seller = request.seller.tax_id.clone();
        let claimed_seller = Some(claimed_seller.as_str());
        let validated = match request.into_validated(&self.config.validation) {
            Ok(v) => v,
            Err(violations) => {
                let reason = FailureReason::InvalidRequest { violations };
                // Not recorded under its serial number: the seller is not
                // authenticated yet, and a corrected request may reuse it.
                return response_json(&serial, claimed_seller, reason);
            }
        };
        let platform = CloudPlatformIdentity::from_peer(&sender.record);
        let enterprise = opened
            .signers
            .iter()
            .find(|s| s.spki_fingerprint != sender.record.fingerprint)
            .map(SignerIdentity::from);
        let Some(enterprise) = enterprise else {
            return Err(PlatformError::NoEnterpriseSigner.into());
        };
        let authenticated = match authenticate(
            self.parts.registry.as_ref(),
            &validated,
            &enterprise,
            platform.as_ref(),
        ) {
            Ok(a) => a,
            Err(e) => return self.refusal(&serial, claimed_seller, e),
        };

        // Idempotency: the same request again gets the same answer.
        let seller = validated.seller_tax_id().as_str().to_owned();
        let digest = RequestDigest::of(self.parts.provider, &opened.payload);
        if let Some(record) = self.parts.store.find_request(&seller, &serial)? {
            if validated.request().interface_code == InterfaceCode::Query || record.digest == digest
            {
                return Ok(record.response_json);
            }
            return response_json(
                &serial,
                claimed_seller,
                FailureReason::SerialNumberConflict {
                    serial_number: serial.clone(),
                },
            );
        }
        if validated.request().interface_code == InterfaceCode::Query {
            return response_json(
                &serial,
                claimed_seller,
                FailureReason::NotFound {
                    reference: serial.clone(),
                },
            );
        }

        // A red invoice: its original as this platform recorded it, and what
        // the reds before it reversed (see `red_letter`).
        let reversal = match self.check_reversal(&validated)? {
            Ok(reversal) => reversal,
            Err(violations) => {
                let reason = FailureReason::InvalidRequest { violations };
                return response_json(&serial, claimed_seller, reason);
            }
        };

        // Platform-hosted in a unit of work: the invoice is issued and its quota
        // settled in this transaction, so the quota is charged at once rather
        // than reserved (a reservation is what outlives a crash or a queued
        // command).
        let check = match (authenticated.record().hosting_mode, &self.unit) {
            (HostingMode::PlatformHosted, Some(_)) => check_qualification_in_unit,
            _ => check_qualification,
        };
        let guard = match check(
            self.parts.registry.as_ref(),
            &authenticated,
            &validated,
            Timestamp::from_unix_seconds(now),
        ) {
            Ok(g) => g,
            Err(e) => return self.refusal(&serial, claimed_seller, e),
        };
        let command_id = format!("{seller}:{serial}");
        let deadline = now.saturating_add(match self.config.command_deadline {
            0 => 600,
            d => d,
        });
        match authenticated.record().hosting_mode {
            HostingMode::PlatformHosted => {
                let command = ControlCommand::new(&command_id, validated, deadline)?;
                match self.parts.device.issue(&command, now) {
                    Ok(invoice) => {
                        let response = IssueResponse {
                            version: ProtocolVersion::default(),
                            serial_number: serial.clone(),
                            seller_tax_id: Some(seller.clone()),
                            outcome: IssueOutcome::Issued { invoice },
                        };
                        let json = response.to_json()?;
                        let IssueOutcome::Issued { invoice } = &response.outcome else {
                            unreachable!("built as Issued just above")
                        };
                        let recorded = match self.parts.store.record_issued(
                            &seller,
                            &serial,
                            &digest,
                            invoice,
                            &json,
                            reversal.as_ref(),
                        ) {
                            Ok(recorded) => recorded,
                            Err(e) => {
                                // The guard gives the quota back when dropped.
                                let reason = red_letter::refused_on_record(e, reversal.as_ref())?;
                                return response_json(&serial, Some(&seller), reason);
                            }
                        };
                        guard.commit()?;
                        Ok(recorded.record.response_json)
                    }
                    Err(failure) => {
                        // The guard gives the quota back when dropped.
                        let reason = FailureReason::DeviceFailed {
                            retryable: failure.is_retryable(),
                            detail: failure.to_string(),
                        };
                        if failure.is_retryable() {
                            // Not recorded: the same request may be sent again.
                            response_json(&serial, Some(&seller), reason)
                        } else {
                            let json = response_json(&serial, Some(&seller), reason)?;
                            self.parts
                                .store
                                .record_refused(&seller, &serial, &digest, &json)?;
                            Ok(json)
                        }
                    }
                }
            }
            HostingMode::EnterpriseHosted => {
                let command = ControlCommand::new(&command_id, validated, deadline)?;
                let mut ticket = [0u8; 16];
                self.parts.provider.random.fill(&mut ticket)?;
                let ticket: String = ticket.iter().map(|b| format!("{b:02x}")).collect();
                let accepted = IssueResponse {
                    version: ProtocolVersion::default(),
                    serial_number: serial.clone(),
                    seller_tax_id: Some(seller.clone()),
                    outcome: IssueOutcome::AcceptedPending {
                        ticket: ticket.clone(),
                    },
                }
                .to_json()?;
                let command_bytes = command.to_json()?;
                let reservation = guard.reservation();
                let held = HeldQuota {
                    reservation_id: reservation.id(),
                    month: reservation.month(),
                    amount_fen: reservation.amount_fen(),
                };
                let recorded = match self.parts.store.enqueue_command(&NewCommand {
                    seller_tax_id: &seller,
                    serial_number: &serial,
                    digest: &digest,
                    command_id: &command_id,
                    ticket: &ticket,
                    command_bytes: &command_bytes,
                    accepted_response_json: &accepted,
                    quota: Some(held),
                    reverses: reversal.as_ref(),
                    platform: &sender.record.party_id,
                    deadline_unix: deadline,
                }) {
                    Ok(recorded) => recorded,
                    Err(e) => {
                        // Dropping the guard releases the reservation.
                        let reason = red_letter::refused_on_record(e, reversal.as_ref())?;
                        return response_json(&serial, Some(&seller), reason);
                    }
                };
                if recorded.fresh {
                    // The command holds the reservation now: committed when its
                    // front end reports the invoice, released if the device fails
                    // (`front_end_request`).
                    let _held_by_the_command = guard.into_reservation();
                }
                // Otherwise the request was queued already (with its own quota):
                // dropping the guard releases this reservation.
                Ok(recorded.record.response_json)
            }
        }
    }

    fn ticket_query(&self, query: &TicketQuery, sender: &Sender) -> Result<Vec<u8>, Error> {
        let Some(ticket) = self.parts.store.ticket(&query.ticket)? else {
            return response_json(
                "",
                None,
                FailureReason::NotFound {
                    reference: query.ticket.clone(),
                },
            );
        };
        // Only the platform that submitted the order may ask (for a command
        // queued before that was recorded, one allowed to act for the
        // enterprise). Anyone else is told the ticket is unknown.
        let asker = &sender.record.party_id;
        let allowed = match &ticket.platform {
            Some(submitter) => submitter == asker,
            None => crate::invoice::UnifiedSocialCreditCode::parse(&ticket.seller_tax_id)
                .ok()
                .and_then(|tax_id| self.parts.registry.record(&tax_id).ok().flatten())
                .is_some_and(|r| r.allowed_platforms.contains(asker)),
        };
        if !allowed {
            return response_json(
                &ticket.serial_number,
                Some(&ticket.seller_tax_id),
                FailureReason::NotFound {
                    reference: query.ticket.clone(),
                },
            );
        }
        Ok(ticket.response_json)
    }

    fn refusal(&self, serial: &str, seller: Option<&str>, error: Error) -> Result<Vec<u8>, Error> {
        match error {
            Error::Qualification(QualificationError::Refused(refusal)) => {
                response_json(serial, seller, FailureReason::Refused { refusal })
            }
            other => Err(other),
        }
    }
}

fn response_json(
    serial: &str,
    seller: Option<&str>,
    reason: FailureReason,
) -> Result<Vec<u8>, Error> {
    Ok(IssueResponse {
        version: ProtocolVersion::default(),
        serial_number: serial.to_owned(),
        seller_tax_id: seller.map(str::to_owned),
        outcome: IssueOutcome::Failed { reason },
    }
    .to_json()?)
}

/// The failure to report for a request that does not parse.
fn failure_of_parse(error: InvoiceError) -> FailureReason {
    match error {
        InvoiceError::UnsupportedVersion {
            found, supported, ..
        } => FailureReason::UnsupportedVersion {
            found,
            supported: supported.iter().map(|v| v.to_string()).collect(),
        },
        other => FailureReason::MalformedRequest {
            detail: other.to_string(),
        },
    }
}
