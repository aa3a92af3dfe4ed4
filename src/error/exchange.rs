//! [`PeerError`] and [`ExchangeError`]: failures of the peer directory and of the
//! certificate exchange, and the vocabulary they name ([`PartyRole`],
//! [`ExchangeKind`]).

use serde::{Deserialize, Serialize};
use thiserror::Error as ThisError;

/// The role a party plays in the issuing flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PartyRole {
    /// The e-commerce cloud platform (电商云平台).
    CloudPlatform,
    /// The e-invoice service platform (电子发票服务平台).
    ServicePlatform,
    /// An enterprise's front-end service (前置服务) for enterprise-hosted devices.
    EnterpriseFrontEnd,
}

/// The message kinds, in the order they are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    /// First message, from the initiator.
    Offer,
    /// Second message, echoing the offer's nonce.
    Answer,
    /// Third message, echoing the answer's nonce.
    Confirm,
    /// Fourth message, from a responder with an encryption certificate,
    /// echoing the confirm's nonce and answering its challenge.
    Finish,
}

/// Failures looking up or pinning a peer in the
/// [`PeerDirectory`](crate::exchange::PeerDirectory).
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum PeerError {
    /// Nothing is pinned under this name.
    #[error("unknown peer: no pinned certificate for {what}")]
    Unknown {
        /// The party id or fingerprint looked up.
        what: String,
    },
    /// The pinned certificate has expired.
    #[error("peer {party_id}: pinned certificate {fingerprint} expired at {not_after}")]
    Expired {
        /// The party.
        party_id: String,
        /// The certificate's SPKI fingerprint (hex).
        fingerprint: String,
        /// Its notAfter (UNIX seconds).
        not_after: u64,
    },
    /// The pinned certificate was revoked.
    #[error("peer {party_id}: pinned certificate {fingerprint} is revoked")]
    Revoked {
        /// The party.
        party_id: String,
        /// The certificate's SPKI fingerprint (hex).
        fingerprint: String,
    },
    /// The pinned certificate was retired after a rotation.
    #[error("peer {party_id}: pinned certificate {fingerprint} is retired")]
    Retired {
        /// The party.
        party_id: String,
        /// The certificate's SPKI fingerprint (hex).
        fingerprint: String,
    },
    /// The certificate is pinned for another party.
    #[error("certificate {fingerprint} is pinned for another party, {party_id}")]
    FingerprintBelongsToAnotherParty {
        /// The certificate's SPKI fingerprint (hex).
        fingerprint: String,
        /// The party it belongs to.
        party_id: String,
    },
    /// A new certificate for a party that has a usable pinned one, in an
    /// exchange that no pinned key of the party signed.
    #[error(
        "peer {party_id}: new certificate {fingerprint} is not endorsed by a pinned key of the party (sign the exchange with the pinned key too, or pin it out of band)"
    )]
    RotationNotEndorsed {
        /// The party.
        party_id: String,
        /// The new certificate's SPKI fingerprint (hex).
        fingerprint: String,
    },
    /// The party is known in another role.
    #[error("peer {party_id} is a {expected:?}, not a {found:?}")]
    RoleMismatch {
        /// The party.
        party_id: String,
        /// The role on record (or expected).
        expected: PartyRole,
        /// The role presented.
        found: PartyRole,
    },
}

/// Failures of the certificate exchange.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The message is larger than an exchange message may be.
    #[error("message of {size} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An exchange message has one signer, or two during a rotation (the new
    /// key and a pinned one), never the same key twice.
    #[error("expected one signer (two in a rotation, of different keys), found {found}")]
    SignerCount {
        /// How many signers it has.
        found: usize,
    },
    /// The JSON body does not parse (or has unknown fields).
    #[error("malformed message body: {reason}")]
    MalformedBody {
        /// serde_json's description, with line and column.
        reason: String,
    },
    /// The body could not be encoded.
    #[error("cannot encode the message body")]
    Encoding,
    /// A protocol version we do not speak.
    #[error("exchange version {found} is not supported (supported: {supported:?})")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
        /// The versions we speak.
        supported: Vec<u32>,
    },
    /// A message of another kind than the step expects.
    #[error("expected a {expected:?} message, got {found:?}")]
    WrongKind {
        /// The kind this step reads.
        expected: ExchangeKind,
        /// The kind received.
        found: ExchangeKind,
    },
    /// The peer's role is not accepted here.
    #[error("peers in role {role:?} are not accepted")]
    RoleNotAccepted {
        /// The role presented.
        role: PartyRole,
    },
    /// The party id is empty or longer than 64 characters.
    #[error("party id must be 1 to 64 characters")]
    BadPartyId,
    /// A nonce field is missing, extra, or not 32 bytes of hex.
    #[error(
        "{field}: not a 32-byte hex nonce where one is required (or present where none may be)"
    )]
    BadNonce {
        /// The field.
        field: &'static str,
    },
    /// The echoed nonce is not the one we sent: no proof of possession.
    #[error("the echoed nonce is not ours: no proof of possession")]
    NonceMismatch,
    /// The message's timestamp is outside the allowed window.
    #[error("stale message: timestamp {timestamp} too far from now ({now})")]
    Stale {
        /// The message's timestamp.
        timestamp: u64,
        /// Our time.
        now: u64,
    },
    /// The confirm came from another certificate or identity than the offer.
    #[error("the confirm does not come from the party that sent the offer")]
    PeerChanged,
    /// No binding lets the certificate claim this party id in this role.
    #[error("certificate {subject:?} may not claim party {party_id} as {role:?}")]
    ClaimNotBound {
        /// The party id claimed.
        party_id: String,
        /// The role claimed.
        role: PartyRole,
        /// The certificate's subject.
        subject: String,
    },
    /// The body's `key` is not the key of a signer of the message.
    #[error("the key the message claims is not the key that signed it")]
    KeyNotSigner,
    /// The message names another party as its addressee.
    #[error("the message is addressed to {addressee}, not to this party")]
    NotForUs {
        /// Who it is addressed to.
        addressee: String,
    },
    /// The encryption certificate offered beside the signing one is not of the
    /// same subject, so it cannot be the same party's.
    #[error("the encryption certificate {found:?} is not of the signer {signer:?}")]
    EncryptionCertificateMismatch {
        /// The signing certificate's subject.
        signer: String,
        /// The encryption certificate's subject.
        found: String,
    },
    /// The party did not prove that it holds the key of the encryption
    /// certificate it offered: the challenge encrypted to it came back wrong,
    /// or not at all.
    #[error("no proof of possession of the encryption key: {reason}")]
    EncryptionKeyNotProven {
        /// What was wrong.
        reason: &'static str,
    },
}
