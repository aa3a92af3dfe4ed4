//! The certificate exchange (互换数字证书): the patent's step in which two
//! platforms exchange digital certificates and pin each other before any
//! business traffic.
//!
//! * [`ExchangeParty`]: the protocol (offer, answer, confirm, and a finish
//!   when the responder holds an encryption certificate),
//!   each message a CMS SignedData over a strict JSON body.
//! * [`PeerDirectory`]: the peers pinned by the exchange, persisted through a
//!   [`PeerStore`] ([`MemoryPeerStore`] in memory, the SQLite store durably).
//! * [`PartyBinder`], [`PartyBindings`]: which party ids and roles a certificate
//!   may claim.
//! * [`PeerValidator`]: the trust decision on a peer's chain, which
//!   [`PathValidator`](crate::pki::PathValidator) implements.
#![forbid(unsafe_code)]

mod binding;
mod dual;
mod peer_trust;
mod peers;
mod protocol;

pub use self::binding::{CertificateMatch, PartyBinder, PartyBinding, PartyBindings};
pub use self::peer_trust::PeerValidator;
pub use self::peers::{MemoryPeerStore, PeerDirectory, PeerRecord, PeerStatus, PeerStore};
pub use self::protocol::{
    AnswerSent, ConfirmSent, Confirmed, EXCHANGE_VERSIONS, ExchangeParty, MAX_EXCHANGE_MESSAGE,
    NONCE_LEN, OfferSent,
};
pub use crate::error::{ExchangeError, ExchangeKind, PartyRole, PeerError};
