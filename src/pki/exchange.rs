//! Certificate exchange (互换数字证书): how two platforms pin each other before
//! any business traffic.
//!
//! Three messages, each a CMS SignedData (the same code as the envelopes) over a
//! strict JSON body, carrying the sender's chain:
//!
//! 1. **offer** (initiator → responder): role, party id, a fresh 32-byte nonce, a
//!    timestamp;
//! 2. **answer** (responder → initiator): the same, plus the offer's nonce;
//! 3. **confirm** (initiator → responder): the same, plus the answer's nonce.
//!
//! Each side validates the other's chain for signing and for encryption, checks
//! that the peer signed over the nonce it just sent (proof of possession, and
//! freshness), refuses stale or replayed messages, and pins the peer in its
//! [`PeerDirectory`]: the initiator after the answer, the responder after the
//! confirm. A party that already has a pinned certificate and presents a new one
//! in a fresh exchange is a rotation: both stay valid until the old one expires
//! or is retired.
//!
//! Body (JSON, unknown fields refused):
//! `{"version":1,"kind":"offer","role":"cloud_platform","party_id":"ECP-1",
//!   "nonce":"<64 hex>","peer_nonce":null,"timestamp":1811808000}`

use serde::{Deserialize, Serialize};

use super::peers::{PartyRole, PeerDirectory, PeerRecord};
use super::{Certificate, Credentials};
use crate::crypto::CryptoProvider;
use crate::envelope::{EnvelopePolicy, ReplayGuard, SignedMessage, SignerTrust};
use crate::error::{Error, ExchangeError};

/// The exchange protocol versions we speak.
pub const EXCHANGE_VERSIONS: &[u32] = &[1];
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 32;
/// Largest exchange message accepted, in bytes.
pub const MAX_EXCHANGE_MESSAGE: usize = 64 * 1024;

/// Validates a peer's certificate chain for both signing and encryption at a
/// time. The PKI trust store implements it.
pub trait PeerValidator: Send + Sync {
    /// Checks that `leaf` (with untrusted `intermediates`) chains to a trust
    /// anchor at `at` (UNIX seconds) and may both sign and receive envelopes.
    fn validate_peer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), Error>;
}

struct BothPurposes<'a>(&'a dyn PeerValidator);

impl SignerTrust for BothPurposes<'_> {
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), Error> {
        self.0.validate_peer(leaf, intermediates, at)
    }
}

/// The three message kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    /// First message, from the initiator.
    Offer,
    /// Second message, echoing the offer's nonce.
    Answer,
    /// Third message, echoing the answer's nonce.
    Confirm,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeBody {
    version: u32,
    kind: ExchangeKind,
    role: PartyRole,
    party_id: String,
    nonce: String,
    peer_nonce: Option<String>,
    timestamp: u64,
}

/// What the initiator keeps between sending the offer and reading the answer.
#[derive(Clone, Debug)]
pub struct OfferSent {
    nonce: [u8; NONCE_LEN],
}

/// What the responder keeps between sending the answer and reading the confirm.
#[derive(Clone, Debug)]
pub struct AnswerSent {
    nonce: [u8; NONCE_LEN],
    peer: PeerRecord,
}

/// One side of a certificate exchange.
pub struct ExchangeParty<'a> {
    credentials: &'a Credentials,
    party_id: String,
    role: PartyRole,
    accepted_roles: Vec<PartyRole>,
    validator: &'a dyn PeerValidator,
    directory: &'a PeerDirectory,
    replay: &'a dyn ReplayGuard,
    provider: &'a CryptoProvider,
    policy: EnvelopePolicy,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_nonce(text: &str, field: &'static str) -> Result<[u8; NONCE_LEN], Error> {
    let bad = || ExchangeError::BadNonce { field };
    if text.len() != NONCE_LEN * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad().into());
    }
    let mut out = [0u8; NONCE_LEN];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

impl<'a> ExchangeParty<'a> {
    /// A party with `credentials`, known to others as `party_id` in `role`. By
    /// default it accepts any role other than its own from the other side.
    pub fn new(
        credentials: &'a Credentials,
        party_id: &str,
        role: PartyRole,
        validator: &'a dyn PeerValidator,
        directory: &'a PeerDirectory,
        replay: &'a dyn ReplayGuard,
        provider: &'a CryptoProvider,
    ) -> Self {
        let accepted_roles = [
            PartyRole::CloudPlatform,
            PartyRole::ServicePlatform,
            PartyRole::EnterpriseFrontEnd,
        ]
        .into_iter()
        .filter(|r| *r != role)
        .collect();
        Self {
            credentials,
            party_id: party_id.to_owned(),
            role,
            accepted_roles,
            validator,
            directory,
            replay,
            provider,
            policy: EnvelopePolicy::default(),
        }
    }

    /// Restricts the roles accepted from the other side.
    pub fn accepting(mut self, roles: &[PartyRole]) -> Self {
        self.accepted_roles = roles.to_vec();
        self
    }

    /// Replaces the clock-skew window and size limits (from [`EnvelopePolicy`]).
    pub fn with_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.policy = policy;
        self
    }

    fn message(
        &self,
        kind: ExchangeKind,
        peer_nonce: Option<&[u8; NONCE_LEN]>,
        now: u64,
    ) -> Result<([u8; NONCE_LEN], Vec<u8>), Error> {
        let mut nonce = [0u8; NONCE_LEN];
        self.provider.random.fill(&mut nonce)?;
        let body = ExchangeBody {
            version: 1,
            kind,
            role: self.role,
            party_id: self.party_id.clone(),
            nonce: hex(&nonce),
            peer_nonce: peer_nonce.map(|n| hex(n)),
            timestamp: now,
        };
        let json = serde_json::to_vec(&body).map_err(|_| ExchangeError::Encoding)?;
        let signed = SignedMessage::sign(&json, self.credentials, now, self.provider)?;
        Ok((nonce, signed.into_der()))
    }

    /// Reads and checks one incoming message; returns the signer's record-to-be
    /// and the message's own nonce.
    fn read(
        &self,
        bytes: &[u8],
        expected: ExchangeKind,
        our_nonce: Option<&[u8; NONCE_LEN]>,
        now: u64,
    ) -> Result<(PeerRecord, [u8; NONCE_LEN]), Error> {
        if bytes.len() > MAX_EXCHANGE_MESSAGE {
            return Err(ExchangeError::TooLarge {
                size: bytes.len(),
                max: MAX_EXCHANGE_MESSAGE,
            }
            .into());
        }
        let signed = SignedMessage::from_der_within(bytes.to_vec(), &self.policy)?;
        let (payload, signers) = signed.verify(
            &BothPurposes(self.validator),
            &self.policy,
            now,
            self.provider,
        )?;
        let [signer] = signers.as_slice() else {
            return Err(ExchangeError::SignerCount {
                found: signers.len(),
            }
            .into());
        };
        let body: ExchangeBody =
            serde_json::from_slice(&payload).map_err(|e| ExchangeError::MalformedBody {
                reason: e.to_string(),
            })?;
        if !EXCHANGE_VERSIONS.contains(&body.version) {
            return Err(ExchangeError::UnsupportedVersion {
                found: body.version,
                supported: EXCHANGE_VERSIONS.to_vec(),
            }
            .into());
        }
        if body.kind != expected {
            return Err(ExchangeError::WrongKind {
                expected,
                found: body.kind,
            }
            .into());
        }
        if !self.accepted_roles.contains(&body.role) {
            return Err(ExchangeError::RoleNotAccepted { role: body.role }.into());
        }
        if body.party_id.is_empty() || body.party_id.len() > 64 {
            return Err(ExchangeError::BadPartyId.into());
        }
        if body.timestamp.abs_diff(signer.signing_time) > self.policy.clock_skew
            || body.timestamp.abs_diff(now) > self.policy.clock_skew
        {
            return Err(ExchangeError::Stale {
                timestamp: body.timestamp,
                now,
            }
            .into());
        }
        let nonce = parse_nonce(&body.nonce, "nonce")?;
        match (our_nonce, &body.peer_nonce) {
            (None, None) => {}
            (Some(ours), Some(echo)) => {
                if parse_nonce(echo, "peer_nonce")? != *ours {
                    return Err(ExchangeError::NonceMismatch.into());
                }
            }
            (None, Some(_)) | (Some(_), None) => {
                return Err(ExchangeError::BadNonce {
                    field: "peer_nonce",
                }
                .into());
            }
        }
        let expires = now.saturating_add(self.policy.clock_skew.saturating_mul(2));
        self.replay.check_and_record(&nonce, now, expires)?;
        let record = PeerRecord::new(&body.party_id, body.role, signer.certificate.clone(), now);
        Ok((record, nonce))
    }

    /// Step 1 (initiator): the offer.
    pub fn offer(&self, now: u64) -> Result<(OfferSent, Vec<u8>), Error> {
        let (nonce, bytes) = self.message(ExchangeKind::Offer, None, now)?;
        Ok((OfferSent { nonce }, bytes))
    }

    /// Step 2 (responder): checks the offer and answers it. The initiator is not
    /// pinned until its confirm arrives.
    pub fn answer(&self, offer: &[u8], now: u64) -> Result<(AnswerSent, Vec<u8>), Error> {
        let (peer, their_nonce) = self.read(offer, ExchangeKind::Offer, None, now)?;
        let (nonce, bytes) = self.message(ExchangeKind::Answer, Some(&their_nonce), now)?;
        Ok((AnswerSent { nonce, peer }, bytes))
    }

    /// Step 3 (initiator): checks the answer (it must echo our offer's nonce),
    /// pins the responder, and returns the confirm to send.
    pub fn confirm(
        &self,
        sent: OfferSent,
        answer: &[u8],
        now: u64,
    ) -> Result<(PeerRecord, Vec<u8>), Error> {
        let (peer, their_nonce) =
            self.read(answer, ExchangeKind::Answer, Some(&sent.nonce), now)?;
        self.directory.pin(peer.clone())?;
        let (_, bytes) = self.message(ExchangeKind::Confirm, Some(&their_nonce), now)?;
        Ok((peer, bytes))
    }

    /// Step 4 (responder): checks the confirm (it must echo our answer's nonce
    /// and come from the same certificate as the offer) and pins the initiator.
    pub fn complete(
        &self,
        sent: AnswerSent,
        confirm: &[u8],
        now: u64,
    ) -> Result<PeerRecord, Error> {
        let (peer, _) = self.read(confirm, ExchangeKind::Confirm, Some(&sent.nonce), now)?;
        if peer.fingerprint != sent.peer.fingerprint
            || peer.party_id != sent.peer.party_id
            || peer.role != sent.peer.role
        {
            return Err(ExchangeError::PeerChanged.into());
        }
        self.directory.pin(sent.peer.clone())?;
        Ok(sent.peer)
    }
}
