//! Certificate exchange (互换数字证书): how two platforms pin each other before
//! any business traffic.
//!
//! Three messages, or four when the responder holds two certificates; each is
//! a CMS SignedData (the same code as the envelopes) over a strict JSON body,
//! carrying the sender's chain:
//!
//! 1. **offer** (initiator → responder): role, party id, the key it pins (the
//!    SPKI fingerprint of its certificate), a fresh 32-byte nonce, a timestamp;
//! 2. **answer** (responder → initiator): the same, plus the offer's nonce and
//!    the initiator it answers (`to`: role, party id, key);
//! 3. **confirm** (initiator → responder): the same, plus the answer's nonce,
//!    the offer's nonce again and the responder (`to`);
//! 4. **finish** (responder → initiator), only when the confirm challenges the
//!    responder's encryption certificate: the same, plus the confirm's nonce
//!    and the response to the challenge.
//!
//! Each side validates the other's chain for signing and for encryption, checks
//! that the peer signed over the nonce it just sent (proof of possession, and
//! freshness), that a message naming its addressee names this side (no unknown
//! key-share through a relay), refuses stale or replayed messages, and accepts
//! the claimed party id and role only when a [`PartyBinder`] binds them to the
//! certificate (see [`PartyBindings`]); it then pins the peer in its
//! [`PeerDirectory`]: the responder after the confirm, the initiator after the
//! answer, or after the finish when there is one.
//!
//! A party with two certificates (双证书: one to sign, one to encrypt to)
//! offers its encryption chain too (`encryption_chain`, version 3): the signing
//! certificate is validated for signing, the encryption certificate for
//! encryption and must name the signer's subject. Each side proves it holds
//! its encryption key by a challenge: the other side seals a fresh secret to
//! the offered encryption certificate (`challenge`) and the holder returns it
//! decrypted in its next message (`challenge_response`). The answer challenges
//! the initiator, whose confirm responds; the confirm challenges the
//! responder, whose finish responds. A missing or wrong response is
//! [`ExchangeError::EncryptionKeyNotProven`], and nothing is pinned. Both
//! certificates are pinned in one [`PeerRecord`]. A version 2 body carries
//! none of these fields; a party with one certificate writes version 2, so
//! older peers still read it, and an exchange between two such parties has
//! three messages.
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

mod body;
mod reading;

pub use self::body::{EXCHANGE_VERSIONS, MAX_EXCHANGE_MESSAGE, NONCE_LEN};

use self::body::{Addressee, ExchangeBody, hex};
use super::binding::{PartyBinder, PartyBindings};
use super::dual::{SECRET_LEN, challenge, check_response, offered_chain, respond};
use super::peer_trust::{ExchangeSigners, PeerValidator};
use super::peers::{PeerDirectory, PeerRecord};
use crate::crypto::CryptoProvider;
use crate::envelope::{EnvelopePolicy, ReplayGuard, SignedMessage};
use crate::error::{Error, ExchangeError, ExchangeKind, PartyRole};
use crate::pki::{Certificate, Credentials, SpkiFingerprint};

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

/// What the initiator keeps between sending a confirm that challenges the
/// responder's encryption certificate and reading the responder's finish.
#[derive(Clone, Debug)]
pub struct ConfirmSent {
    nonce: [u8; NONCE_LEN],
    secret: [u8; SECRET_LEN],
    peer: PeerRecord,
    endorser: Option<SpkiFingerprint>,
}

impl ConfirmSent {
    /// The responder as the answer presented it; not pinned yet.
    pub fn peer(&self) -> &PeerRecord {
        &self.peer
    }
}

/// Where the initiator stands after step 3.
#[derive(Clone, Debug)]
pub enum Confirmed {
    /// The responder has one certificate: it is pinned, and the exchange is
    /// over on this side.
    Pinned(PeerRecord),
    /// The responder offered an encryption certificate, which the confirm
    /// challenges: nothing is pinned until its finish arrives
    /// ([`ExchangeParty::finish`]).
    AwaitingFinish(ConfirmSent),
}

impl Confirmed {
    /// The responder, pinned or awaiting its finish.
    pub fn peer(&self) -> &PeerRecord {
        match self {
            Self::Pinned(peer) => peer,
            Self::AwaitingFinish(sent) => &sent.peer,
        }
    }
}

/// What the message being written says beyond its kind.
struct Outgoing<'m> {
    peer_nonce: Option<&'m [u8; NONCE_LEN]>,
    offer_nonce: Option<&'m [u8; NONCE_LEN]>,
    to: Option<&'m PeerRecord>,
    challenge: Option<String>,
    challenge_response: Option<String>,
}

impl<'m> Outgoing<'m> {
    /// A message answering `peer`, whose last message carried `peer_nonce`.
    fn to(peer: &'m PeerRecord, peer_nonce: &'m [u8; NONCE_LEN]) -> Self {
        Self {
            peer_nonce: Some(peer_nonce),
            offer_nonce: None,
            to: Some(peer),
            challenge: None,
            challenge_response: None,
        }
    }
}

/// Whether two readings present the same peer: signing and encryption keys,
/// party id, role and endorser.
fn same_peer(
    a: &PeerRecord,
    a_endorser: Option<&SpkiFingerprint>,
    b: &PeerRecord,
    b_endorser: Option<&SpkiFingerprint>,
) -> bool {
    let encryption_key = |p: &PeerRecord| {
        p.encryption_certificate
            .as_ref()
            .map(Certificate::spki_fingerprint)
    };
    a.fingerprint == b.fingerprint
        && encryption_key(a) == encryption_key(b)
        && a.party_id == b.party_id
        && a.role == b.role
        && a_endorser == b_endorser
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
    /// initiator and challenging its encryption certificate if it offered one.
    /// The initiator is not pinned until its confirm arrives.
    pub fn answer(&self, offer: &[u8], now: u64) -> Result<(AnswerSent, Vec<u8>), Error> {
        let read = self.read(offer, ExchangeKind::Offer, None, now)?;
        let (secret, challenge) = self.challenge_for(&read.peer, now)?.unzip();
        let out = Outgoing {
            challenge,
            ..Outgoing::to(&read.peer, &read.nonce)
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
    /// name us), answers its challenge to our encryption certificate if any,
    /// and returns the confirm to send, which names the responder and carries
    /// both nonces. A responder with one certificate is pinned now
    /// ([`Confirmed::Pinned`]); one with an encryption certificate is
    /// challenged in the confirm and pinned by [`ExchangeParty::finish`].
    pub fn confirm(
        &self,
        sent: OfferSent,
        answer: &[u8],
        now: u64,
    ) -> Result<(Confirmed, Vec<u8>), Error> {
        let read = self.read(answer, ExchangeKind::Answer, Some(&sent.nonce), now)?;
        let challenge_response = self.respond_to(read.challenge.as_deref(), true)?;
        let (secret, challenge) = self.challenge_for(&read.peer, now)?.unzip();
        let out = Outgoing {
            offer_nonce: Some(&sent.nonce),
            challenge,
            challenge_response,
            ..Outgoing::to(&read.peer, &read.nonce)
        };
        let (nonce, bytes) = self.message(ExchangeKind::Confirm, out, now)?;
        let confirmed = match secret {
            Some(secret) => Confirmed::AwaitingFinish(ConfirmSent {
                nonce,
                secret,
                peer: read.peer,
                endorser: read.endorser,
            }),
            None => {
                self.directory
                    .pin_exchanged(read.peer.clone(), read.endorser.as_ref(), now)?;
                Confirmed::Pinned(read.peer)
            }
        };
        Ok((confirmed, bytes))
    }

    /// Step 4 (responder): checks the confirm (it must echo our answer's nonce
    /// and the offer's, name us, come from the same certificates and identity
    /// as the offer, and return our challenge if we sent one) and pins the
    /// initiator. When the confirm challenges our encryption certificate, the
    /// second value is the finish to send back.
    pub fn complete(
        &self,
        sent: AnswerSent,
        confirm: &[u8],
        now: u64,
    ) -> Result<(PeerRecord, Option<Vec<u8>>), Error> {
        let read = self.read(confirm, ExchangeKind::Confirm, Some(&sent.nonce), now)?;
        if read.offer_nonce != Some(sent.offer_nonce) {
            return Err(ExchangeError::NonceMismatch.into());
        }
        check_response(sent.secret.as_ref(), read.challenge_response.as_deref())?;
        if !same_peer(
            &read.peer,
            read.endorser.as_ref(),
            &sent.peer,
            sent.endorser.as_ref(),
        ) {
            return Err(ExchangeError::PeerChanged.into());
        }
        let finish = match self.respond_to(read.challenge.as_deref(), false)? {
            Some(response) => {
                let out = Outgoing {
                    challenge_response: Some(response),
                    ..Outgoing::to(&sent.peer, &read.nonce)
                };
                Some(self.message(ExchangeKind::Finish, out, now)?.1)
            }
            None => None,
        };
        self.directory
            .pin_exchanged(sent.peer.clone(), sent.endorser.as_ref(), now)?;
        Ok((sent.peer, finish))
    }

    /// Step 5 (initiator, after a confirm that challenged the responder's
    /// encryption certificate): checks the finish (it must echo our confirm's
    /// nonce, name us, come from the same certificates and identity as the
    /// answer, and return our challenge) and pins the responder.
    pub fn finish(&self, sent: ConfirmSent, finish: &[u8], now: u64) -> Result<PeerRecord, Error> {
        let read = self.read(finish, ExchangeKind::Finish, Some(&sent.nonce), now)?;
        check_response(Some(&sent.secret), read.challenge_response.as_deref())?;
        if !same_peer(
            &read.peer,
            read.endorser.as_ref(),
            &sent.peer,
            sent.endorser.as_ref(),
        ) {
            return Err(ExchangeError::PeerChanged.into());
        }
        self.directory
            .pin_exchanged(sent.peer.clone(), sent.endorser.as_ref(), now)?;
        Ok(sent.peer)
    }

    /// A challenge to `peer`'s encryption certificate, if it offered one: the
    /// secret to expect back and the challenge to send.
    fn challenge_for(
        &self,
        peer: &PeerRecord,
        now: u64,
    ) -> Result<Option<([u8; SECRET_LEN], String)>, Error> {
        peer.encryption_certificate
            .as_ref()
            .map(|certificate| challenge(self.credentials, certificate, now, self.provider))
            .transpose()
    }

    /// The response to a challenge to our encryption certificate. With
    /// `required`, a party with two certificates refuses a message that does
    /// not challenge it (the initiator's offer carried its encryption chain, so
    /// the answer must).
    fn respond_to(&self, challenge: Option<&str>, required: bool) -> Result<Option<String>, Error> {
        match (challenge, self.credentials.is_dual()) {
            (Some(challenge), true) => Ok(Some(respond(
                self.credentials,
                challenge,
                &self.signers(true),
                &self.policy,
                self.provider,
            )?)),
            (None, false) => Ok(None),
            (Some(_), false) => Err(ExchangeError::BadNonce { field: "challenge" }.into()),
            (None, true) if required => Err(ExchangeError::EncryptionKeyNotProven {
                reason: "the answer does not challenge our encryption certificate",
            }
            .into()),
            (None, true) => Ok(None),
        }
    }
}
