//! The one public error type, [`Error`], with nested kinds per concern.
//!
//! Every variant says what failed and where; there is no `String` catch-all. Kinds
//! are `#[non_exhaustive]` so that new failure reasons are not breaking changes.

use thiserror::Error as ThisError;

use crate::crypto::KeyFamily;
use crate::device::DeviceFailure;
use crate::invoice::InvoiceError;
use crate::pki::PartyRole;
pub use crate::pki::{CrlError, PathError};
use crate::qualification::QualificationError;
use crate::store::StoreError;
use crate::tax::UploadError;

/// Everything that can go wrong in fapiao.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic primitive failed or refused its input.
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// A private key could not be loaded.
    #[error("private key: {0}")]
    Key(#[from] KeyError),
    /// A certificate could not be loaded or used.
    #[error("certificate: {0}")]
    Certificate(#[from] CertificateError),
    /// A certificate chain and its key do not form valid credentials.
    #[error("credentials: {0}")]
    Credentials(#[from] CredentialsError),
    /// A certificate path failed validation.
    #[error("certificate path: {0}")]
    Path(#[from] PathError),
    /// A certificate revocation list could not be loaded.
    #[error("CRL: {0}")]
    Crl(#[from] CrlError),
    /// A peer is not pinned, or its pinned certificate may not be used.
    #[error("peer: {0}")]
    Peer(#[from] PeerError),
    /// A certificate-exchange message was refused.
    #[error("certificate exchange: {0}")]
    Exchange(#[from] ExchangeError),
    /// A platform role refused a message or could not answer it.
    #[error("platform: {0}")]
    Platform(#[from] PlatformError),
    /// A CMS envelope could not be built, or was refused when opened.
    #[error("envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    /// An invoice message could not be read or written, or breaks order rules.
    #[error("invoice: {0}")]
    Invoice(#[from] InvoiceError),
    /// An enterprise was refused, or the qualification registry failed.
    #[error("qualification: {0}")]
    Qualification(#[from] QualificationError),
    /// An issuing device did not issue (retryable or final).
    #[error("issuing device: {0}")]
    Device(#[from] DeviceFailure),
    /// The store failed or refused a change.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// An upload to the tax authority failed.
    #[error("tax upload: {0}")]
    Tax(#[from] UploadError),
}

/// Failures of the cryptographic primitives.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum CryptoError {
    /// A signature did not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Decryption of a wrapped key failed (deliberately uninformative).
    #[error("decryption failed")]
    DecryptFailed,
    /// The AES-GCM authentication tag did not match.
    #[error("authentication tag mismatch")]
    TagMismatch,
    /// AES key unwrap failed its integrity check.
    #[error("key unwrap failed its integrity check")]
    KeyUnwrapFailed,
    /// A public key could not be parsed or is not a valid point/key.
    #[error("invalid {what}")]
    InvalidPublicKey {
        /// What kind of key was expected.
        what: &'static str,
    },
    /// A key's DER encoding is malformed.
    #[error("malformed {what}: {source}")]
    MalformedKey {
        /// What kind of key was being parsed.
        what: &'static str,
        /// The DER decoding error.
        source: der::Error,
    },
    /// An RSA key is outside the accepted sizes.
    #[error("RSA key of {bits} bits is outside the accepted {min} to {max} bits")]
    UnsupportedKeySize {
        /// The key's modulus length in bits.
        bits: usize,
        /// Smallest accepted size.
        min: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// The operation does not apply to this kind of key (e.g. OAEP with an EC key).
    #[error("{operation} is not possible with a {family:?} key")]
    WrongKeyType {
        /// The operation that was attempted.
        operation: &'static str,
        /// The family of the key it was attempted with.
        family: KeyFamily,
    },
    /// An input had the wrong length.
    #[error("{what} must be {expected} bytes, got {actual}")]
    InvalidLength {
        /// The input.
        what: &'static str,
        /// Expected length (or bound).
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// The random number generator failed.
    #[error("random number generator failed")]
    RandomFailed,
    /// The provider failed for a reason it does not disclose (e.g. aws-lc's
    /// `Unspecified`).
    #[error("{operation} failed in the crypto provider")]
    ProviderFailed {
        /// The operation that failed.
        operation: &'static str,
    },
    /// A point is not on the curve it should be on (an SM2 public key or an
    /// SM2 ciphertext's C1).
    #[error("{what} is not a point on the curve")]
    PointNotOnCurve {
        /// The point.
        what: &'static str,
    },
    /// A point is the point at infinity where a finite point is required.
    #[error("{what} is the point at infinity")]
    IdentityPoint {
        /// The point.
        what: &'static str,
    },
    /// A ciphertext's encoding is truncated or malformed.
    #[error("malformed {what}")]
    MalformedCiphertext {
        /// The ciphertext.
        what: &'static str,
    },
}

/// Failures loading a private key.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is not PEM, or its PEM armour is broken.
    #[error("PEM: {0}")]
    Pem(der::pem::Error),
    /// The PEM label is not one of the private-key labels we read.
    #[error(
        "PEM label \"{label}\" is not a private key (expected PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
    )]
    UnexpectedPemLabel {
        /// The label found.
        label: String,
    },
    /// The DER structure is malformed.
    #[error("{format}: {source}")]
    Der {
        /// The structure being decoded (e.g. "PKCS#8 PrivateKeyInfo").
        format: &'static str,
        /// The DER error.
        source: der::Error,
    },
    /// The key's algorithm is not supported.
    #[error("unsupported key algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The algorithm (or curve) OID found.
        oid: der::asn1::ObjectIdentifier,
    },
    /// The key is encrypted and no password was given.
    #[error("the key is encrypted: a password is needed")]
    PasswordRequired,
    /// Decrypting an encrypted PKCS#8 key failed: wrong password or corrupt data.
    #[error("cannot decrypt the key: wrong password or corrupt data")]
    WrongPassword,
    /// The encrypted key uses an encryption scheme we do not support.
    #[error("unsupported key encryption scheme: {0}")]
    UnsupportedEncryption(pkcs8::pkcs5::Error),
    /// A SEC1 `EC PRIVATE KEY` does not name its curve.
    #[error("the EC private key does not name its curve")]
    MissingCurve,
    /// The encrypted key's key-derivation parameters exceed our cost bounds.
    #[error("the encrypted key's key-derivation cost exceeds the allowed bound")]
    KdfTooExpensive,
    /// The key parsed but the crypto provider refused it.
    #[error("refused by the crypto provider: {0}")]
    Refused(Box<CryptoError>),
}

/// Failures loading or reading a certificate.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum CertificateError {
    /// No certificate was found in the input.
    #[error("no certificate found in the input")]
    Empty,
    /// PEM armour is broken.
    #[error("certificate {index} of bundle: PEM: {source}")]
    Pem {
        /// Zero-based position in the bundle.
        index: usize,
        /// The PEM error.
        source: der::pem::Error,
    },
    /// A PEM block in a certificate bundle had another label.
    #[error("certificate {index} of bundle: PEM label \"{label}\" is not CERTIFICATE")]
    UnexpectedPemLabel {
        /// Zero-based position in the bundle.
        index: usize,
        /// The label found.
        label: String,
    },
    /// The certificate's DER is malformed.
    #[error("certificate {index} of bundle: {source}")]
    Der {
        /// Zero-based position in the bundle.
        index: usize,
        /// The DER error.
        source: der::Error,
    },
    /// The certificate's public key algorithm is not supported.
    #[error("certificate {index} of bundle: unsupported public key algorithm {oid}")]
    UnsupportedKeyAlgorithm {
        /// Zero-based position in the bundle.
        index: usize,
        /// The algorithm (or curve) OID found.
        oid: der::asn1::ObjectIdentifier,
    },
    /// One certificate was expected and the input held several.
    #[error("expected one certificate, found {found}")]
    TooMany {
        /// How many were found.
        found: usize,
    },
}

/// Failures building [`Credentials`](crate::pki::Credentials).
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The certificate chain is empty.
    #[error("the certificate chain is empty")]
    EmptyChain,
    /// The private key does not belong to the leaf certificate.
    #[error("the private key does not match the leaf certificate's public key")]
    KeyMismatch,
}

/// Failures sealing or opening a CMS envelope.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The envelope is larger than the policy allows.
    #[error("envelope of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The envelope's size.
        size: usize,
        /// The policy's limit.
        max: usize,
    },
    /// A structure in the envelope does not decode.
    #[error("malformed {what}: {source}")]
    Malformed {
        /// The structure that failed (e.g. "AuthEnvelopedData").
        what: &'static str,
        /// The DER error.
        source: der::Error,
    },
    /// A content type we do not read at this place.
    #[error("unexpected content type {oid} for {what}")]
    UnexpectedContentType {
        /// Where it was found.
        what: &'static str,
        /// The content type found.
        oid: der::asn1::ObjectIdentifier,
    },
    /// An algorithm the policy does not allow or we do not implement.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The role of the algorithm (e.g. "content encryption").
        what: &'static str,
        /// Its OID.
        oid: der::asn1::ObjectIdentifier,
    },
    /// A structure carries a version number it must not have.
    #[error("unsupported {what} version {version}")]
    UnsupportedVersion {
        /// The structure.
        what: &'static str,
        /// The version found.
        version: u8,
    },
    /// A legacy AES-CBC EnvelopedData, refused unless the policy allows it.
    #[error("legacy EnvelopedData (unauthenticated AES-CBC) refused by policy")]
    LegacyEnvelopeRefused,
    /// A legacy AES-CBC EnvelopedData (admitted by the policy) whose content did not
    /// decrypt to a SignedData that verifies: bad padding, broken encoding, a
    /// signature or chain that does not check. One error for all of them, so
    /// that it cannot tell an attacker which (a padding oracle).
    #[error("legacy EnvelopedData: the content did not decrypt to a verified SignedData")]
    LegacyDecryptFailed,
    /// No recipient info is addressed to our certificate.
    #[error("not for us: no recipient info matches our certificate")]
    NotForUs,
    /// A count in the envelope exceeds the policy.
    #[error("{what}: {count} exceeds the limit of {max}")]
    LimitExceeded {
        /// What was counted (signers, recipients, certificates).
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The policy's limit.
        max: usize,
    },
    /// The SignedData has no signer.
    #[error("the SignedData has no signer")]
    NoSigners,
    /// The encrypted content is absent (detached content is not supported).
    #[error("the {what} content is absent")]
    ContentAbsent {
        /// Which content.
        what: &'static str,
    },
    /// The content-encryption key we unwrapped has the wrong length.
    #[error("the content-encryption key is {actual} bytes, expected 32")]
    BadContentKey {
        /// Its length.
        actual: usize,
    },
    /// The AES-GCM tag did not match: the envelope was altered or the key is wrong.
    #[error("authentication tag mismatch: the envelope was altered")]
    TagMismatch,
    /// Signer `signer`'s certificate is not among the SignedData certificates.
    #[error("signer {signer}: its certificate is not in the SignedData")]
    SignerCertificateMissing {
        /// Zero-based position of the SignerInfo.
        signer: usize,
    },
    /// Signer `signer` has no signed attribute `attribute`.
    #[error("signer {signer}: signed attribute {attribute} is missing or malformed")]
    MissingSignedAttribute {
        /// Zero-based position of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
    },
    /// Signer `signer`'s digest algorithm is not listed in digestAlgorithms.
    #[error("signer {signer}: its digest algorithm is not announced in digestAlgorithms")]
    DigestNotAnnounced {
        /// Zero-based position of the SignerInfo.
        signer: usize,
    },
    /// Signer `signer`'s messageDigest does not match the content.
    #[error("signer {signer}: messageDigest does not match the content")]
    DigestMismatch {
        /// Zero-based position of the SignerInfo.
        signer: usize,
    },
    /// Signer `signer`'s contentType attribute differs from the eContentType.
    #[error("signer {signer}: contentType attribute does not match the encapsulated content type")]
    ContentTypeMismatch {
        /// Zero-based position of the SignerInfo.
        signer: usize,
    },
    /// Signer `signer`'s signature does not verify.
    #[error("signer {signer}: signature invalid")]
    SignatureInvalid {
        /// Zero-based position of the SignerInfo.
        signer: usize,
    },
    /// Signer `signer`'s certificate chain is not valid.
    #[error("signer {signer}: certificate chain invalid: {source}")]
    SignerChainInvalid {
        /// Zero-based position of the SignerInfo.
        signer: usize,
        /// The PKI reason.
        source: Box<Error>,
    },
    /// Signer `signer` signed outside the allowed clock-skew window.
    #[error(
        "signer {signer}: signing time {signing_time} is outside the window around {now} (±{skew} s)"
    )]
    SigningTimeOutsideWindow {
        /// Zero-based position of the SignerInfo.
        signer: usize,
        /// The signing time (UNIX seconds).
        signing_time: u64,
        /// Our time (UNIX seconds).
        now: u64,
        /// The allowed skew in seconds.
        skew: u64,
    },
    /// The signer's addressing attribute is not a well-formed one.
    #[error("addressing attribute: {problem}")]
    BadAddressing {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The pinned signer did not say who the message is for (no addressing
    /// attribute): a platform refuses what its sender did not address to it.
    #[error("the sender's signature names no recipient: not addressed to this party")]
    NotAddressed,
    /// The sender addressed the message to another party's key.
    #[error("the message is addressed to key {recipient_key}, not to this party")]
    AddressedToAnother {
        /// The key the sender named (SPKI fingerprint, hex).
        recipient_key: String,
    },
    /// The sender signed in another role than the one it is pinned in.
    #[error("the sender signed as {claimed:?} but is pinned as {pinned:?}")]
    SenderRoleMismatch {
        /// The role in its addressing attribute.
        claimed: PartyRole,
        /// The role it is pinned in.
        pinned: PartyRole,
    },
    /// The message id was already seen within the replay window.
    #[error("replay: message id {message_id} was already accepted")]
    Replay {
        /// The message id, hex.
        message_id: String,
    },
    /// Building the envelope needs at least one recipient (or signer).
    #[error("nothing to {what}: the list is empty")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A recipient certificate's key cannot receive an envelope.
    #[error("recipient {index}: a {family:?} key cannot receive an envelope (RSA or P-256 needed)")]
    UnsupportedRecipientKey {
        /// Zero-based position in the recipient list.
        index: usize,
        /// The key family found.
        family: KeyFamily,
    },
}

/// Failures looking up or pinning a peer in the
/// [`PeerDirectory`](crate::pki::PeerDirectory).
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
        expected: crate::pki::ExchangeKind,
        /// The kind received.
        found: crate::pki::ExchangeKind,
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
}

/// Failures of the platform roles that cannot be answered with a sealed
/// refusal (the sender is unknown), or that a role reports to its host.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum PlatformError {
    /// No signer of the envelope is a pinned peer in a role that may send it.
    #[error("no signer is a pinned {expected}: the sender is unknown")]
    SenderNotPinned {
        /// The role that was looked for.
        expected: &'static str,
    },
    /// An issuing request carries no enterprise signature besides the cloud
    /// platform's.
    #[error("the request carries no enterprise signature")]
    NoEnterpriseSigner,
    /// A platform message is not readable.
    #[error("malformed platform message: {detail}")]
    MalformedMessage {
        /// What the parser said.
        detail: String,
    },
    /// A platform message of a version we do not speak.
    #[error("platform message version {found} is not supported (supported: {supported})")]
    UnsupportedMessageVersion {
        /// The version found.
        found: String,
        /// The version we speak.
        supported: &'static str,
    },
    /// A pull asked for too many (or zero) commands.
    #[error("a pull takes 1 to 100 commands, not {limit}")]
    BadPullLimit {
        /// The number asked for.
        limit: usize,
    },
    /// The answer is not for a request this cloud platform sent.
    #[error("the answer came from {party_id}, which is not our service platform")]
    WrongServicePlatform {
        /// The party that signed it.
        party_id: String,
    },
    /// The enterprise has no credentials here and the order is not signed.
    #[error("no enterprise credentials for {tax_id}: the ERP must sign the order")]
    NoEnterpriseCredentials {
        /// The seller's tax id.
        tax_id: String,
    },
    /// The enterprise is not hosted by this platform in the mode asked for.
    #[error("enterprise {tax_id} is not served here in this hosting mode")]
    WrongHostingMode {
        /// The seller's tax id.
        tax_id: String,
    },
    /// A [`UnitOfWork`](crate::store::UnitOfWork) said it succeeded without
    /// running the work it was given (a bug in that implementation).
    #[error("the unit of work returned without running the message's work")]
    UnitOfWorkSkipped,
}
