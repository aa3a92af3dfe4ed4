//! Certificate exchange (互换数字证书): how two platforms pin each other before
//! any business traffic.
//!
//! Three messages (the responder's completion checks the last), each a CMS SignedData (the same code as the envelopes) over a
//! strict JSON body, carrying the sender's chain:
//!
//! 1. **offer** (initiator → responder): role, party id, the key it pins (the
//!    SPKI fingerprint of its certificate), a fresh 32-byte nonce, a timestamp;
//! 2. **answer** (responder → initiator): the same, plus the offer's nonce and
//!    the initiator it answers (`to`: role, party id, key);
//! 3. **confirm** (initiator → responder): the same, plus the answer's nonce,
//!    the offer's nonce again and the responder (`to`).
//!
//! Each side validates the other's chain for signing and for encryption, checks
//! that the peer signed over the nonce it just sent (proof of possession, and
//! freshness), that a message naming its addressee names this side (no unknown
//! key-share through a relay), refuses stale or replayed messages, and accepts
//! the claimed party id and role only when a [`PartyBinder`] binds them to the
//! certificate (see [`PartyBindings`]); it then pins the peer in
//! its [`PeerDirectory`]: the initiator after the answer, the responder after
//! the confirm.
//!
//! A party with two certificates (双证书: one to sign, one to encrypt to)
//! offers its encryption chain too (`encryption_chain`, version 3): the signing
//! certificate is validated for signing, the encryption certificate for
//! encryption and must name the signer's subject. The offerer proves it holds
//! the encryption key: the answer carries a `challenge`, a fresh secret sealed
//! to the offered encryption certificate, and the confirm returns it decrypted
//! (`challenge_response`); otherwise [`ExchangeError::EncryptionKeyNotProven`].
//! The responder's encryption certificate is bound to the exchange by its
//! signature on the answer (three messages leave no room for a challenge the
//! responder answers). Both certificates are pinned in one [`PeerRecord`].
//! A version 2 body carries none of these fields; a party with one
//! certificate writes version 2, so older peers still read it.
//!
//! A party that already has a usable pinned certificate and presents a new one
//! is a rotation: accepted only when the exchange's messages are also signed by
//! a pinned key of that party ([`ExchangeParty::endorsed_by`]); both stay valid
//! until the old one expires or is retired. An operator pins a replacement out
//! of band with [`PeerDirectory::pin`].
//!
//! Body (JSON, unknown fields refused):
//! `{"version":2,"kind":"answer","role":"service_platform","party_id":"EISP-1",
//!   "key":"<64 hex>","nonce":"<64 hex>","peer_nonce":"<64 hex>","offer_nonce":null,
//!   "to":{"role":"cloud_platform","party_id":"ECP-1","key":"<64 hex>"},
//!   "timestamp":1811808000}`

use serde::{Deserialize, Serialize};

use super::binding::{PartyBinder, PartyBindings};
use super::dual::{SECRET_LEN, accept_chain, challenge, check_response, offered_chain, respond};
use super::peer_trust::{ExchangeSigners, PeerValidator};
use super::peers::{PeerDirectory, PeerRecord};
use crate::crypto::CryptoProvider;
use crate::envelope::{EnvelopePolicy, ReplayGuard, SignedMessage};
use crate::error::{Error, ExchangeError, ExchangeKind, PartyRole};
use crate::pki::{Certificate, Credentials, SpkiFingerprint};

/// The exchange protocol versions we speak.
pub const EXCHANGE_VERSIONS: &[u32] = &[2, 3];
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 32;
/// Largest exchange message accepted, in bytes.
pub const MAX_EXCHANGE_MESSAGE: usize = 64 * 1024;

/// Who a message is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Addressee {
    role: PartyRole,
    party_id: String,
    key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeBody {
    version: u32,
    kind: ExchangeKind,
    role: PartyRole,
    party_id: String,
    key: String,
    nonce: String,
    peer_nonce: Option<String>,
    offer_nonce: Option<String>,
    to: Option<Addressee>,
    timestamp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encryption_chain: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    challenge_response: Option<String>,
}

impl ExchangeBody {
    /// Whether the body uses a field of version 3.
    fn has_v3_fields(&self) -> bool {
        self.encryption_chain.is_some()
            || self.challenge.is_some()
            || self.challenge_response.is_some()
    }
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
    secret: Option<[u8; SECRET_LEN]>,
    offer_nonce: [u8; NONCE_LEN],
    peer: PeerRecord,
    endorser: Option<SpkiFingerprint>,
}

/// What one incoming message established.
struct Read {
    peer: PeerRecord,
    nonce: [u8; NONCE_LEN],
    /// The pinned key of the same party that also signed (a rotation).
    endorser: Option<SpkiFingerprint>,
    offer_nonce: Option<[u8; NONCE_LEN]>,
    /// The challenge sealed to our encryption certificate, if any.
    challenge: Option<String>,
    /// The response to our challenge, if any.
    challenge_response: Option<String>,
}

/// What the message being written says beyond its kind.
struct Outgoing<'m> {
    peer_nonce: Option<&'m [u8; NONCE_LEN]>,
    offer_nonce: Option<&'m [u8; NONCE_LEN]>,
    to: Option<&'m PeerRecord>,
    challenge: Option<String>,
    challenge_response: Option<String>,
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
    bindings: Option<&'a PartyBindings>,
    binders: Vec<&'a dyn PartyBinder>,
    endorser: Option<&'a Credentials>,
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
            bindings: None,
            binders: Vec::new(),
            endorser: None,
        }
    }

    /// The operator's bindings: which certificates may claim which party ids and
    /// roles, and the extendedKeyUsage each role's certificates must list.
    /// Without any binder every claim is refused.
    pub fn with_bindings(mut self, bindings: &'a PartyBindings) -> Self {
        self.bindings = Some(bindings);
        self
    }

    /// Adds a binder consulted besides the operator's bindings (for example the
    /// qualification registry for enterprise front ends).
    pub fn bound_by(mut self, binder: &'a dyn PartyBinder) -> Self {
        self.binders.push(binder);
        self
    }

    /// Signs this side's messages with `pinned` too: the credentials the other
    /// side pinned before, so that it accepts this side's new certificate as a
    /// rotation.
    pub fn endorsed_by(mut self, pinned: &'a Credentials) -> Self {
        self.endorser = Some(pinned);
        self
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
        out: Outgoing<'_>,
        now: u64,
    ) -> Result<([u8; NONCE_LEN], Vec<u8>), Error> {
        let mut nonce = [0u8; NONCE_LEN];
        self.provider.random.fill(&mut nonce)?;
        let mut body = ExchangeBody {
            version: 2,
            kind,
            role: self.role,
            party_id: self.party_id.clone(),
            key: self.own_key().to_hex(),
            nonce: hex(&nonce),
            peer_nonce: out.peer_nonce.map(|n| hex(n)),
            offer_nonce: out.offer_nonce.map(|n| hex(n)),
            to: out.to.map(|peer| Addressee {
                role: peer.role,
                party_id: peer.party_id.clone(),
                key: peer.fingerprint.to_hex(),
            }),
            timestamp: now,
            encryption_chain: offered_chain(self.credentials),
            challenge: out.challenge,
            challenge_response: out.challenge_response,
        };
        if body.has_v3_fields() {
            body.version = 3;
        }
        let json = serde_json::to_vec(&body).map_err(|_| ExchangeError::Encoding)?;
        let mut signed = SignedMessage::sign(&json, self.credentials, now, self.provider)?;
        if let Some(pinned) = self.endorser {
            signed.add_signer(pinned, now, self.provider)?;
        }
        Ok((nonce, signed.into_der()))
    }

    fn signers(&self, dual: bool) -> ExchangeSigners<'_> {
        ExchangeSigners {
            validator: self.validator,
            dual,
        }
    }

    fn own_key(&self) -> SpkiFingerprint {
        self.credentials.leaf().spki_fingerprint()
    }

    /// Whether some binder lets `certificate` claim `party_id` in `role`, and the
    /// role's extendedKeyUsage policy holds.
    fn check_claim(
        &self,
        certificate: &Certificate,
        party_id: &str,
        role: PartyRole,
    ) -> Result<(), Error> {
        let mut bound = false;
        if let Some(bindings) = self.bindings {
            bindings.check_role_eku(certificate, role)?;
            bound = bindings.binds(certificate, party_id, role)?;
        }
        for binder in &self.binders {
            if bound {
                break;
            }
            bound = binder.binds(certificate, party_id, role)?;
        }
        if !bound {
            return Err(ExchangeError::ClaimNotBound {
                party_id: party_id.to_owned(),
                role,
                subject: certificate.subject(),
            }
            .into());
        }
        Ok(())
    }

    /// Checks that a message naming its addressee names this side.
    fn check_addressee(&self, to: Option<&Addressee>, required: bool) -> Result<(), Error> {
        match to {
            None if !required => Ok(()),
            None => Err(ExchangeError::NotForUs {
                addressee: "nobody".to_owned(),
            }
            .into()),
            Some(to) => {
                if to.role == self.role
                    && to.party_id == self.party_id
                    && to.key.eq_ignore_ascii_case(&self.own_key().to_hex())
                {
                    Ok(())
                } else {
                    Err(ExchangeError::NotForUs {
                        addressee: format!("{} as {:?}", to.party_id, to.role),
                    }
                    .into())
                }
            }
        }
    }

    /// Reads and checks one incoming message.
    fn read(
        &self,
        bytes: &[u8],
        expected: ExchangeKind,
        our_nonce: Option<&[u8; NONCE_LEN]>,
        now: u64,
    ) -> Result<Read, Error> {
        if bytes.len() > MAX_EXCHANGE_MESSAGE {
            return Err(ExchangeError::TooLarge {
                size: bytes.len(),
                max: MAX_EXCHANGE_MESSAGE,
            }
            .into());
        }
        let signed = SignedMessage::from_der_within(bytes.to_vec(), &self.policy)?;
        // Whether the sender offers a separate encryption certificate decides
        // the purposes its signing certificate must serve; the body is read
        // again once verified.
        let dual = serde_json::from_slice::<ExchangeBody>(&signed.content()?)
            .is_ok_and(|b| b.encryption_chain.is_some());
        let (payload, signers) = signed.verify(
            &ExchangeSigners {
                validator: self.validator,
                dual,
            },
            &self.policy,
            now,
            self.provider,
        )?;
        if !(1..=2).contains(&signers.len()) {
            return Err(ExchangeError::SignerCount {
                found: signers.len(),
            }
            .into());
        }
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
        if body.version < 3 && body.has_v3_fields() {
            return Err(ExchangeError::MalformedBody {
                reason: "version 3 fields in a version 2 body".to_owned(),
            }
            .into());
        }
        if body.encryption_chain.is_some() != dual {
            return Err(ExchangeError::MalformedBody {
                reason: "the body changed between readings".to_owned(),
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
        // The signer whose key the body claims, and the other one, if any.
        let Some(signer) = signers
            .iter()
            .find(|s| s.spki_fingerprint.to_hex().eq_ignore_ascii_case(&body.key))
        else {
            return Err(ExchangeError::KeyNotSigner.into());
        };
        let endorser = match signers.as_slice() {
            [_] => None,
            [a, b] if a.spki_fingerprint == b.spki_fingerprint => {
                return Err(ExchangeError::SignerCount { found: 2 }.into());
            }
            [a, b] => Some(if a.spki_fingerprint == signer.spki_fingerprint {
                b.spki_fingerprint
            } else {
                a.spki_fingerprint
            }),
            _ => unreachable!("one or two signers, checked above"),
        };
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
        let offer_nonce = match (expected, &body.offer_nonce) {
            (ExchangeKind::Confirm, Some(n)) => Some(parse_nonce(n, "offer_nonce")?),
            (ExchangeKind::Offer | ExchangeKind::Answer, None) => None,
            _ => {
                return Err(ExchangeError::BadNonce {
                    field: "offer_nonce",
                }
                .into());
            }
        };
        let (challenge_allowed, response_allowed) = match expected {
            ExchangeKind::Offer => (false, false),
            ExchangeKind::Answer => (true, false),
            ExchangeKind::Confirm => (false, true),
        };
        if body.challenge.is_some() && !challenge_allowed {
            return Err(ExchangeError::BadNonce { field: "challenge" }.into());
        }
        if body.challenge_response.is_some() && !response_allowed {
            return Err(ExchangeError::BadNonce {
                field: "challenge_response",
            }
            .into());
        }
        self.check_addressee(body.to.as_ref(), expected != ExchangeKind::Offer)?;
        self.check_claim(&signer.certificate, &body.party_id, body.role)?;
        let expires = now.saturating_add(self.policy.clock_skew.saturating_mul(2));
        self.replay.check_and_record(&nonce, now, expires)?;
        let mut peer = PeerRecord::new(&body.party_id, body.role, signer.certificate.clone(), now);
        if let Some(chain) = &body.encryption_chain {
            let encryption = accept_chain(chain, &signer.certificate, self.validator, now)?;
            peer = peer.with_encryption_certificate(encryption);
        }
        Ok(Read {
            peer,
            nonce,
            endorser,
            offer_nonce,
            challenge: body.challenge,
            challenge_response: body.challenge_response,
        })
    }

    /// Step 1 (initiator): the offer.
    pub fn offer(&self, now: u64) -> Result<(OfferSent, Vec<u8>), Error> {
        let out = Outgoing {
            peer_nonce: None,
            offer_nonce: None,
            to: None,
            challenge: None,
            challenge_response: None,
        };
        let (nonce, bytes) = self.message(ExchangeKind::Offer, out, now)?;
        Ok((OfferSent { nonce }, bytes))
    }

    /// Step 2 (responder): checks the offer and answers it, naming the
    /// initiator. The initiator is not pinned until its confirm arrives.
    pub fn answer(&self, offer: &[u8], now: u64) -> Result<(AnswerSent, Vec<u8>), Error> {
        let read = self.read(offer, ExchangeKind::Offer, None, now)?;
        let challenge = match &read.peer.encryption_certificate {
            Some(certificate) => Some(challenge(
                self.credentials,
                certificate,
                now,
                self.provider,
            )?),
            None => None,
        };
        let (secret, challenge) = challenge.unzip();
        let out = Outgoing {
            peer_nonce: Some(&read.nonce),
            offer_nonce: None,
            to: Some(&read.peer),
            challenge,
            challenge_response: None,
        };
        let (nonce, bytes) = self.message(ExchangeKind::Answer, out, now)?;
        Ok((
            AnswerSent {
                nonce,
                secret,
                offer_nonce: read.nonce,
                peer: read.peer,
                endorser: read.endorser,
            },
            bytes,
        ))
    }

    /// Step 3 (initiator): checks the answer (it must echo our offer's nonce and
    /// name us), pins the responder, and returns the confirm to send, which
    /// names the responder and carries both nonces.
    pub fn confirm(
        &self,
        sent: OfferSent,
        answer: &[u8],
        now: u64,
    ) -> Result<(PeerRecord, Vec<u8>), Error> {
        let read = self.read(answer, ExchangeKind::Answer, Some(&sent.nonce), now)?;
        let challenge_response = match (&read.challenge, self.credentials.is_dual()) {
            (Some(challenge), true) => Some(respond(
                self.credentials,
                challenge,
                &self.signers(true),
                &self.policy,
                self.provider,
            )?),
            (None, false) => None,
            (Some(_), false) => return Err(ExchangeError::BadNonce { field: "challenge" }.into()),
            (None, true) => {
                return Err(ExchangeError::EncryptionKeyNotProven {
                    reason: "the answer does not challenge our encryption certificate",
                }
                .into());
            }
        };
        self.directory
            .pin_exchanged(read.peer.clone(), read.endorser.as_ref(), now)?;
        let out = Outgoing {
            peer_nonce: Some(&read.nonce),
            offer_nonce: Some(&sent.nonce),
            to: Some(&read.peer),
            challenge: None,
            challenge_response,
        };
        let (_, bytes) = self.message(ExchangeKind::Confirm, out, now)?;
        Ok((read.peer, bytes))
    }

    /// Step 4 (responder): checks the confirm (it must echo our answer's nonce
    /// and the offer's, name us, and come from the same certificate and
    /// identity as the offer) and pins the initiator.
    pub fn complete(
        &self,
        sent: AnswerSent,
        confirm: &[u8],
        now: u64,
    ) -> Result<PeerRecord, Error> {
        let read = self.read(confirm, ExchangeKind::Confirm, Some(&sent.nonce), now)?;
        if read.offer_nonce != Some(sent.offer_nonce) {
            return Err(ExchangeError::NonceMismatch.into());
        }
        check_response(sent.secret.as_ref(), read.challenge_response.as_deref())?;
        let encryption_key = |p: &PeerRecord| {
            p.encryption_certificate
                .as_ref()
                .map(Certificate::spki_fingerprint)
        };
        if read.peer.fingerprint != sent.peer.fingerprint
            || encryption_key(&read.peer) != encryption_key(&sent.peer)
            || read.peer.party_id != sent.peer.party_id
            || read.peer.role != sent.peer.role
            || read.endorser != sent.endorser
        {
            return Err(ExchangeError::PeerChanged.into());
        }
        self.directory
            .pin_exchanged(sent.peer.clone(), sent.endorser.as_ref(), now)?;
        Ok(sent.peer)
    }
}
