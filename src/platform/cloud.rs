//! [`CloudPlatform`]: the e-commerce cloud platform (电商云平台).
//!
//! It takes an ERP's order (already signed by the enterprise, or signs it with
//! the enterprise credentials it holds when configured so), adds its own
//! signature, and seals it to the pinned service platform. It opens the answers,
//! checks that they come from that service platform, and stores the invoices;
//! for tickets it builds query messages until the result arrives.

mod journal;
mod maintenance;
mod records;

pub use self::maintenance::{CloudMaintenanceReport, DEFAULT_JOURNAL_RETENTION};
pub use self::records::{
    CloudStore, CloudSubmission, CloudTicket, CloudTicketState, NewSubmission, StoredInvoice,
    SubmissionState, TicketResolution,
};

use std::collections::HashMap;
use std::sync::Arc;

use crate::crypto::CryptoProvider;
use crate::envelope::{self, Addressing, EnvelopePolicy, Opener, ReplayGuard, SignedMessage};
use crate::error::{Error, PlatformError};
use crate::exchange::{PartyRole, PeerDirectory, PeerStore};
use crate::invoice::{
    FailureReason, IssueOutcome, IssueRequest, IssueResponse, UnifiedSocialCreditCode,
};
use crate::pki::{Certificate, Credentials};
use crate::platform::UnitOfWork;

use self::journal::OrderKey;
use super::messages::{TicketQuery, to_json};
use super::trust::PlatformTrust;
use super::unit::{DeferredReplay, for_each_in_one_unit, opener_guard, run_in_unit};

/// An ERP's order as it reaches the cloud platform.
#[derive(Clone, Debug)]
pub enum Order {
    /// Signed by the enterprise's ERP (a CMS SignedData over the request JSON).
    Signed(SignedMessage),
    /// The request JSON alone: the cloud platform signs it with the enterprise
    /// credentials it holds for the seller.
    Unsigned(Vec<u8>),
}

/// Everything a cloud platform runs on.
pub struct CloudPlatformParts {
    /// The platform's own credentials.
    pub credentials: Credentials,
    /// Trust anchors and policy for the service platform's signatures.
    pub trust: PlatformTrust,
    /// Pinned peers (the service platform).
    pub peers: PeerDirectory,
    /// The party id of the service platform to send to.
    pub service_platform: String,
    /// Received invoices and outstanding tickets.
    pub store: Arc<dyn CloudStore>,
    /// Message ids already accepted.
    pub replay: Arc<dyn ReplayGuard>,
    /// Enterprise credentials held on the enterprises' behalf, by credit code.
    pub enterprise_credentials: HashMap<String, Credentials>,
    /// The crypto provider.
    pub provider: &'static CryptoProvider,
}

impl CloudPlatformParts {
    /// The embedded setup: received invoices, tickets, the replay guard and the
    /// pinned peers in the one `store` (a [`SqliteStore`](crate::store::SqliteStore)), sending to the service platform
    /// pinned there as `service_platform`, holding no enterprise credentials
    /// (see [`CloudPlatform::hold_enterprise_credentials`]). Give the platform
    /// [`with_unit_of_work(store)`](CloudPlatform::with_unit_of_work) too, so
    /// that each answer commits once.
    pub fn on_sqlite<S>(
        credentials: Credentials,
        trust: PlatformTrust,
        store: Arc<S>,
        service_platform: impl Into<String>,
        provider: &'static CryptoProvider,
    ) -> Self
    where
        S: CloudStore + ReplayGuard + PeerStore + 'static,
    {
        Self {
            credentials,
            trust,
            peers: PeerDirectory::new(store.clone()),
            service_platform: service_platform.into(),
            store: store.clone(),
            replay: store,
            enterprise_credentials: HashMap::new(),
            provider,
        }
    }
}

/// An answer opened and checked, its message id noted for the unit of work
/// that stores it.
struct ReceivedAnswer {
    response: IssueResponse,
    json: Vec<u8>,
    deferred: DeferredReplay,
}

/// The cloud platform role.
pub struct CloudPlatform {
    parts: CloudPlatformParts,
    envelope_policy: EnvelopePolicy,
    unit: Option<Arc<dyn UnitOfWork>>,
    journal_retention: u64,
}

impl CloudPlatform {
    /// A cloud platform over `parts`.
    pub fn new(parts: CloudPlatformParts) -> Self {
        Self {
            parts,
            envelope_policy: EnvelopePolicy::default(),
            unit: None,
            journal_retention: DEFAULT_JOURNAL_RETENTION,
        }
    }

    /// Replaces the envelope policy (limits, clock skew).
    pub fn with_envelope_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.envelope_policy = policy;
        self
    }

    /// The envelope policy the answers are opened with.
    pub fn envelope_policy(&self) -> &EnvelopePolicy {
        &self.envelope_policy
    }

    /// Replaces the envelope policy (limits, clock skew, legacy AES-CBC) for the
    /// answers opened from now on.
    pub fn set_envelope_policy(&mut self, policy: EnvelopePolicy) {
        self.envelope_policy = policy;
    }

    /// Stores each answer in one transaction of `unit`: the envelope's message
    /// id, the invoice, and the ticket it completes commit together (one commit
    /// per answer instead of one per change). `unit` must cover the
    /// [`CloudStore`] and replay guard in [`CloudPlatformParts`], e.g. one
    /// [`SqliteStore`](crate::store::SqliteStore) serving as both (see
    /// [`ServicePlatform::with_unit_of_work`](super::ServicePlatform::with_unit_of_work)).
    pub fn with_unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = Some(unit);
        self
    }

    /// Holds `credentials` on behalf of the enterprise `tax_id`: its
    /// [`Order::Unsigned`] orders are signed with them (replacing any held
    /// before). They are not matched against the code here; the service platform
    /// authenticates the enterprise's signature as for any order.
    pub fn hold_enterprise_credentials(
        &mut self,
        tax_id: &UnifiedSocialCreditCode,
        credentials: Credentials,
    ) {
        self.parts
            .enterprise_credentials
            .insert(tax_id.as_str().to_owned(), credentials);
    }

    /// The platform's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.parts.credentials
    }

    /// Seals an order to the service platform: the enterprise's signature (the
    /// ERP's, or ours on its behalf), then ours, then encryption to the service
    /// platform's pinned certificate.
    ///
    /// Before returning the envelope, the order is recorded in the submission
    /// journal, outstanding until [`open_response`](Self::open_response) stores
    /// its answer (see [`outstanding_submissions`](Self::outstanding_submissions)
    /// and [`resend`](Self::resend)). With a unit of work
    /// ([`with_unit_of_work`](Self::with_unit_of_work)), the journal entry is
    /// written in it: inside the caller's transaction when one is open (e.g.
    /// [`SqliteStore::atomically`](crate::store::SqliteStore::atomically) on the same store, around the code that
    /// creates the order), so the order and its entry commit together.
    pub fn submit(&self, order: Order, now: u64) -> Result<Vec<u8>, Error> {
        let signed = self.enterprise_signed(order, now)?;
        let (sealed, key) = self.countersign(&signed, now)?;
        self.journal(&key, &signed, now)?;
        Ok(sealed)
    }

    /// The order signed by its enterprise: as the ERP sent it, or signed now
    /// with the credentials held for the seller.
    fn enterprise_signed(&self, order: Order, now: u64) -> Result<SignedMessage, Error> {
        Ok(match order {
            Order::Signed(signed) => signed,
            Order::Unsigned(json) => {
                let request = IssueRequest::from_json(&json)?;
                let tax_id = &request.seller.tax_id;
                let creds = self
                    .parts
                    .enterprise_credentials
                    .get(tax_id)
                    .ok_or_else(|| PlatformError::NoEnterpriseCredentials {
                        tax_id: tax_id.clone(),
                    })?;
                SignedMessage::sign(&json, creds, now, self.parts.provider)?
            }
        })
    }

    /// Seals several orders and records them in the journal with one commit
    /// (group commit, as [`open_responses`](Self::open_responses) does for the
    /// answers): each order is signed and sealed outside the transaction and
    /// journaled in a savepoint of it, so one that fails leaves nothing of
    /// itself and its place holds the error [`submit`](Self::submit) would have
    /// returned. The outer `Err` means the commit failed: none of the envelopes
    /// may be sent. Without a unit of work this is `submit` on each in turn.
    pub fn submit_batch(
        &self,
        orders: Vec<Order>,
        now: u64,
    ) -> Result<Vec<Result<Vec<u8>, Error>>, Error> {
        let sealed: Vec<Result<_, Error>> = orders
            .into_iter()
            .map(|order| {
                let signed = self.enterprise_signed(order, now)?;
                let (sealed, key) = self.countersign(&signed, now)?;
                Ok((signed, sealed, key))
            })
            .collect();
        let journaled = for_each_in_one_unit(self.unit.as_ref(), sealed, |(signed, _, key)| {
            self.journal(key, signed, now)
        })?;
        Ok(journaled
            .into_iter()
            .map(|outcome| outcome.map(|((_, sealed, _), ())| sealed))
            .collect())
    }

    /// Adds our addressed signature to a copy of the enterprise-signed `order`
    /// (only an issuing request is vouched for) and encrypts it to the service
    /// platform; returns the envelope and the request it is for.
    fn countersign(&self, order: &SignedMessage, now: u64) -> Result<(Vec<u8>, OrderKey), Error> {
        let to = self.service_certificate(now)?;
        let mut signed = order.clone();
        let mut key = None;
        // Only issuing requests are vouched for (the service platform reads the
        // rest of it).
        signed.add_signer_if(
            &self.parts.credentials,
            Some(addressed_to(&to)),
            now,
            self.parts.provider,
            |content| {
                let request = IssueRequest::from_json(content)?;
                key = Some(OrderKey {
                    seller_tax_id: request.seller.tax_id,
                    serial_number: request.serial_number,
                });
                Ok(())
            },
        )?;
        // `add_signer_if` signs only once the content was vouched for.
        let key = key.ok_or_else(|| PlatformError::MalformedMessage {
            detail: "the order's content was not read".into(),
        })?;
        Ok((
            envelope::encrypt(&signed, &[&to], self.parts.provider)?,
            key,
        ))
    }

    /// A sealed query for where `ticket` stands.
    pub fn query_ticket(&self, ticket: &str, now: u64) -> Result<Vec<u8>, Error> {
        let json = to_json(&TicketQuery::new(ticket))?;
        let to = self.service_certificate(now)?;
        let signed = SignedMessage::sign_addressed(
            &json,
            &self.parts.credentials,
            addressed_to(&to),
            now,
            self.parts.provider,
        )?;
        envelope::encrypt(&signed, &[&to], self.parts.provider)
    }

    /// The service platform's newest usable pinned certificate, not revoked
    /// by the CRLs in our trust.
    fn service_certificate(&self, now: u64) -> Result<Certificate, Error> {
        let service = self
            .parts
            .peers
            .lookup_party(&self.parts.service_platform, now)?;
        // The newest pinned certificate first (lookup_party sorts them).
        let to = service[0].recipient_certificate().clone();
        self.parts.trust.check_recipient(&to, now)?;
        Ok(to)
    }

    /// Opens the service platform's answer: it must be signed by our pinned
    /// service platform. An issued invoice is stored; an "accepted" answer's ticket
    /// is recorded for polling; a final answer to a ticket completes it.
    pub fn open_response(&self, envelope_bytes: &[u8], now: u64) -> Result<IssueResponse, Error> {
        let answer = self.receive(envelope_bytes, now)?;
        self.record_in_unit(&answer, now)?;
        Ok(answer.response)
    }

    /// Opens and stores several answers with one commit (group commit), as
    /// [`ServicePlatform::handle_batch`](super::ServicePlatform::handle_batch)
    /// does for requests: each answer is opened and checked outside the
    /// transaction and stored in a savepoint of it, so one that fails leaves
    /// nothing of itself and its place holds the error
    /// [`open_response`](Self::open_response) would have returned. The outer
    /// `Err` means the commit failed and nothing of the batch was stored.
    /// Without a unit of work, this is `open_response` on each in turn.
    pub fn open_responses(
        &self,
        envelopes: &[&[u8]],
        now: u64,
    ) -> Result<Vec<Result<IssueResponse, Error>>, Error> {
        let answers: Vec<Result<ReceivedAnswer, Error>> = envelopes
            .iter()
            .map(|bytes| self.receive(bytes, now))
            .collect();
        let recorded =
            for_each_in_one_unit(self.unit.as_ref(), answers, |a| self.record_in_unit(a, now))?;
        Ok(recorded
            .into_iter()
            .map(|outcome| outcome.map(|(answer, ())| answer.response))
            .collect())
    }

    /// Opens an answer and checks that our pinned service platform signed it.
    fn receive(&self, envelope_bytes: &[u8], now: u64) -> Result<ReceivedAnswer, Error> {
        let validator = self.parts.trust.validator();
        let deferred = DeferredReplay::default();
        let opened = Opener::new(
            &self.parts.credentials,
            &validator,
            opener_guard(self.unit.as_ref(), &deferred, self.parts.replay.as_ref()),
            self.parts.provider,
        )
        .with_policy(self.envelope_policy.clone())
        .open(envelope_bytes, now)?;
        let mut from_service = false;
        let own_key = self.parts.credentials.encryption_leaf().spki_fingerprint();
        for signer in &opened.signers {
            let record = self.parts.peers.check(
                &self.parts.service_platform,
                PartyRole::ServicePlatform,
                &signer.certificate,
                now,
            );
            match record {
                Ok(_) => {
                    Addressing::check(
                        signer.addressing.as_ref(),
                        &own_key,
                        PartyRole::ServicePlatform,
                        self.envelope_policy.require_addressing,
                    )?;
                    from_service = true;
                }
                // The store could not say (e.g. the database is down): not a
                // verdict on the signer, and retryable when the store says so.
                Err(e @ Error::Store(_)) => return Err(e),
                Err(_) => {
                    return Err(PlatformError::WrongServicePlatform {
                        party_id: signer.subject.clone(),
                    }
                    .into());
                }
            }
        }
        if !from_service {
            return Err(PlatformError::SenderNotPinned {
                expected: "service platform",
            }
            .into());
        }
        let response = IssueResponse::from_json(&opened.payload)?;
        Ok(ReceivedAnswer {
            response,
            json: opened.payload,
            deferred,
        })
    }

    /// Stores an opened answer, its message id with it, in one unit of work (a
    /// savepoint when a batch's unit is open).
    fn record_in_unit(&self, answer: &ReceivedAnswer, now: u64) -> Result<(), Error> {
        run_in_unit(
            self.unit.as_ref(),
            &answer.deferred,
            self.parts.replay.as_ref(),
            || self.record(&answer.response, &answer.json, now),
        )
    }

    fn record(&self, response: &IssueResponse, json: &[u8], now: u64) -> Result<(), Error> {
        let serial = response.serial_number.as_str();
        match &response.outcome {
            IssueOutcome::Issued { invoice } => {
                let seller = invoice.seller_tax_id.as_str();
                self.parts
                    .store
                    .store_invoice(seller, serial, invoice, json)?;
                for ticket in self.parts.store.outstanding_tickets_for_serial(serial)? {
                    // A ticket from an answer without its seller (an older
                    // service platform) is completed by its serial's invoice.
                    if ticket.seller_tax_id == seller || ticket.seller_tax_id.is_empty() {
                        self.parts.store.complete_ticket(
                            &ticket.ticket,
                            TicketResolution::Issued {
                                invoice,
                                response_json: json,
                            },
                        )?;
                    }
                }
            }
            IssueOutcome::AcceptedPending { ticket } => {
                if self.parts.store.cloud_ticket(ticket)?.is_none() {
                    // Empty when an older service platform did not say.
                    let seller = response.seller_tax_id.as_deref().unwrap_or_default();
                    self.parts
                        .store
                        .record_ticket(seller, serial, ticket, now)?;
                }
            }
            IssueOutcome::Failed { reason } => {
                for ticket in self.tickets_ended_by(response, reason)? {
                    self.parts.store.complete_ticket(
                        &ticket,
                        TicketResolution::Failed {
                            response_json: json,
                        },
                    )?;
                }
            }
        }
        // Last: without a unit of work, a crash before this leaves the order
        // outstanding, and its re-send stores the same answer again.
        self.close_journal(response, now)
    }

    /// The outstanding tickets a failure answer ends. Only a waiting request's
    /// own outcome does: its device failed for good (matched by seller and serial number;
    /// an answer or ticket without a seller, from older service platforms, by
    /// serial number alone), or the service platform does not know the ticket.
    /// Every other failure (invalid, refused, a conflict under the serial number)
    /// answers a new submission, not the request that waits.
    fn tickets_ended_by(
        &self,
        response: &IssueResponse,
        reason: &FailureReason,
    ) -> Result<Vec<String>, Error> {
        let store = self.parts.store.as_ref();
        Ok(match reason {
            FailureReason::DeviceFailed {
                retryable: false, ..
            } => store
                .outstanding_tickets_for_serial(&response.serial_number)?
                .into_iter()
                .filter(|t| match response.seller_tax_id.as_deref() {
                    Some(seller) => t.seller_tax_id == seller || t.seller_tax_id.is_empty(),
                    None => true,
                })
                .map(|t| t.ticket)
                .collect(),
            // A status query's "not found" names the serial number it asked
            // about; a ticket query's names the ticket.
            FailureReason::NotFound { reference } if *reference != response.serial_number => store
                .cloud_ticket(reference)?
                .filter(|t| t.state == CloudTicketState::Outstanding)
                .map(|t| t.ticket)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        })
    }
}

/// What the cloud platform signs as: the cloud platform, to `recipient`.
fn addressed_to(recipient: &Certificate) -> Addressing {
    Addressing {
        sender_role: PartyRole::CloudPlatform,
        recipient_key: recipient.spki_fingerprint(),
    }
}
