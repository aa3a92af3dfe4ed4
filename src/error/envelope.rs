//! [`EnvelopeError`]: failures sealing or opening a CMS envelope.

use thiserror::Error as ThisError;

use super::{KeyFamily, PartyRole, PathError};

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
    /// A GM/T 0010 EnvelopedData (SM4-CBC) whose content did not decrypt to a
    /// SignedData that verifies: a content key that does not decrypt, bad
    /// padding, broken encoding, a signature or chain that does not check.
    /// One error for all of them, as [`LegacyDecryptFailed`](Self::LegacyDecryptFailed),
    /// so that it cannot tell an attacker which (a padding oracle).
    #[error("GM/T 0010 EnvelopedData: the content did not decrypt to a verified SignedData")]
    GmDecryptFailed,
    /// SM2 keys (the GM/T 0010 suite) and other keys (RSA, P-256, …) in one
    /// envelope or SignedData: the suite follows the keys, and one envelope
    /// has one suite.
    #[error("SM2 and non-SM2 algorithms mixed in one envelope: {what}")]
    MixedSuites {
        /// What mixes them.
        what: &'static str,
    },
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
    #[error("the content-encryption key is {actual} bytes, expected 32 (AES-256) or 16 (SM4)")]
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
        /// Why the path did not validate.
        source: PathError,
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
    #[error(
        "recipient {index}: a {family:?} key cannot receive an envelope (RSA, P-256 or SM2 needed)"
    )]
    UnsupportedRecipientKey {
        /// Zero-based position in the recipient list.
        index: usize,
        /// The key family found.
        family: KeyFamily,
    },
}
