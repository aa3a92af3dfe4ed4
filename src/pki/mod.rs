//! Keys, certificates and credentials: the PKI/CA side of fapiao.
//!
//! * [`Certificate`]: X.509 from PEM or DER, single or bundles.
//! * [`PrivateKeyDer`]: PKCS#8 (plain or PBES2-encrypted), PKCS#1 and SEC1 keys.
//! * [`Credentials`]: a chain and the private key of its leaf.

mod certificate;
mod credentials;
mod exchange;
mod peers;
mod pem;
mod private_key;

pub use certificate::{Certificate, SpkiFingerprint};
pub use credentials::Credentials;
pub use exchange::{
    AnswerSent, EXCHANGE_VERSIONS, ExchangeKind, ExchangeParty, MAX_EXCHANGE_MESSAGE, NONCE_LEN,
    OfferSent, PeerValidator,
};
pub use peers::{MemoryPeerStore, PartyRole, PeerDirectory, PeerRecord, PeerStatus, PeerStore};
pub use private_key::{MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, PrivateKeyDer};
