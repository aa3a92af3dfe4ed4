//! Sign-then-encrypt envelopes in standard CMS.
//!
//! A sealed envelope is a DER `ContentInfo` holding an `AuthEnvelopedData`
//! (RFC 5083) with AES-256-GCM (RFC 5084), whose encrypted content is a
//! `ContentInfo` holding a `SignedData` (RFC 5652) over the payload, the same
//! nesting `openssl cms -sign | openssl cms -encrypt` produces. OpenSSL reads what
//! we write and we read what it writes (tests/envelope/envelope_openssl.rs).
//!
//! An SM2 signer sealing to SM2 recipients writes the GM/T 0010-2012
//! (GB/T 35275) envelope instead: SM3 and SM2 in the SignedData, SM2 key
//! transport and SM4-CBC in an EnvelopedData, the GM content types (SM4-GCM
//! in an AuthEnvelopedData when [`EnvelopePolicy::sm4_gcm`] says so). The
//! suite follows the keys; mixing SM2 and other keys in one envelope is
//! [`EnvelopeError::MixedSuites`].
//! Credentials with a separate encryption pair
//! ([`Credentials::with_encryption`](crate::pki::Credentials::with_encryption))
//! sign with the signing pair and open with the encryption pair.
//!
//! ```
//! use fapiao::CryptoProvider;
//! use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignerTrust};
//! use fapiao::pki::{Certificate, Credentials};
//!
//! # struct AnyChain;
//! # impl SignerTrust for AnyChain {
//! #     fn verify_signer(&self, _: &Certificate, _: &[Certificate], _: u64) -> Result<(), fapiao::PathError> { Ok(()) }
//! # }
//! # fn main() -> Result<(), fapiao::Error> {
//! let provider = CryptoProvider::default_provider();
//! let read = |name: &str| std::fs::read(format!("tests/data/{name}")).unwrap();
//! let cloud = Credentials::from_pem(&read("ecp-p256.pem"), &read("ecp-p256.key.pem"), None, provider)?;
//! let service = Credentials::from_pem(&read("eisp-p256.pem"), &read("eisp-p256.key.pem"), None, provider)?;
//! let now = 1_800_000_000;
//!
//! let sealed = envelope::seal(b"invoice request", &cloud, &[service.leaf()], now, provider)?;
//!
//! let replay = MemoryReplayGuard::new();
//! let opener = Opener::new(&service, &AnyChain, &replay, provider);
//! let opened = opener.open(&sealed, now)?;
//! assert_eq!(opened.payload, b"invoice request");
//! assert_eq!(opened.signers[0].spki_fingerprint, cloud.leaf().spki_fingerprint());
//! // The same envelope again is a replay.
//! assert!(opener.open(&sealed, now).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! With the signer's certificate path verified: load credentials, seal a payload
//! from the cloud platform to the service platform, and open it there (decrypt, verify the signer and its certificate path,
//! refuse a replay):
//!
//! ```
//! use fapiao::CryptoProvider;
//! use fapiao::envelope::{self, MemoryReplayGuard, Opener};
//! use fapiao::pki::{Credentials, PathPolicy, PathValidator, TrustStore};
//!
//! # fn main() -> Result<(), fapiao::Error> {
//! let provider = CryptoProvider::default_provider();
//! let read = |name: &str| std::fs::read(format!("tests/data/{name}")).unwrap();
//! // A leaf certificate followed by its issuing CA, and the leaf's key
//! // (PKCS#8, PKCS#1 or SEC1; PEM or DER; password-encrypted keys take Some(password)).
//! let credentials = |name: &str| {
//!     let chain = [read(&format!("{name}.pem")), read("issuing-ca.pem")].concat();
//!     Credentials::from_pem(&chain, &read(&format!("{name}.key.pem")), None, provider)
//! };
//! let cloud = credentials("ecp-p256")?;
//! let service = credentials("eisp-p256")?;
//! let now = 1_811_808_000; // UNIX seconds: time is always passed in
//!
//! let sealed = envelope::seal(b"an invoicing request", &cloud, &[service.leaf()], now, provider)?;
//!
//! let roots = TrustStore::from_pem_or_der(&read("root-ca.pem"))?;
//! let validator = PathValidator::new(&roots, PathPolicy::default());
//! let replay = MemoryReplayGuard::new();
//! let opener = Opener::new(&service, &validator, &replay, provider);
//! let opened = opener.open(&sealed, now)?;
//! assert_eq!(opened.payload, b"an invoicing request");
//! assert_eq!(opened.signers[0].spki_fingerprint, cloud.leaf().spki_fingerprint());
//! assert!(opener.open(&sealed, now).is_err()); // the same envelope again is a replay
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod addressing;
mod asn1;
#[cfg(feature = "gm")]
mod gm;
mod inspect;
mod legacy;
mod policy;
mod recipients;
mod replay;
mod seal;
mod signed;
mod strict_der;
mod suite;
mod verify;

use cms::content_info::CmsVersion;
use der::Decode;

pub use addressing::{Addressing, ID_AA_CONTENT_HINT};
pub use inspect::{EnvelopeSummary, RecipientSummary, inspect};
pub use policy::{EnvelopePolicy, MAX_DER_DEPTH};
pub use replay::{MemoryReplayGuard, ReplayGuard};
pub use seal::{encrypt, encrypt_with_policy, seal, seal_addressed, seal_with_policy};
pub use signed::{MESSAGE_ID_LEN, SignedMessage};
pub use verify::{MAX_MESSAGE_ID_LEN, SignerTrust, VerifiedSigner};

use self::asn1::*;
use self::suite::Suite;
use crate::crypto::{AES_256_KEY_LEN, CryptoProvider, GCM_TAG_LEN, HashAlgorithm};
use crate::error::{CryptoError, EnvelopeError, Error};
use crate::pki::Credentials;

fn malformed(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |source| EnvelopeError::Malformed { what, source }.into()
}

/// A verified, decrypted envelope.
#[derive(Clone, Debug)]
pub struct OpenedEnvelope {
    /// The payload the first signer signed.
    pub payload: Vec<u8>,
    /// Every signer, in SignedData order, each fully verified.
    pub signers: Vec<VerifiedSigner>,
    /// The id the replay guard recorded: the first 16 bytes of SHA-256 over,
    /// for every signer in SignedData order, its key (the SPKI fingerprint) and
    /// the digest of the signed attributes it signed. So it is keyed on what the
    /// signatures cover, not on their bytes: the same envelope, the same
    /// SignedData encrypted again, or one whose signature was re-made over the
    /// same attributes (an ECDSA signature's `s` turned into `n - s`, a
    /// randomized scheme signing again) has the same id; a signer that signs
    /// afresh (a retry, with a new signing time and contentIdentifier) makes a
    /// new message. This works the same for envelopes without
    /// contentIdentifier (OpenSSL writes none: its signing time and the
    /// content's digest are among the attributes).
    pub message_id: Vec<u8>,
}

/// The replay-guard key of a verified SignedData's signers (see
/// [`OpenedEnvelope::message_id`]).
fn replay_key(signers: &[VerifiedSigner], provider: &CryptoProvider) -> Vec<u8> {
    let mut ctx = provider.hasher.start(HashAlgorithm::Sha256);
    for signer in signers {
        ctx.update(&signer.spki_fingerprint.0);
        ctx.update(&signer.signed_attributes_digest);
    }
    ctx.finish().as_ref()[..MESSAGE_ID_LEN].to_vec()
}

/// Opens envelopes addressed to one recipient: decrypts, verifies every signer
/// and its chain, and refuses replays.
pub struct Opener<'a> {
    recipient: &'a Credentials,
    trust: &'a dyn SignerTrust,
    replay: &'a dyn ReplayGuard,
    provider: &'a CryptoProvider,
    policy: EnvelopePolicy,
}

impl<'a> Opener<'a> {
    /// An opener with the default [`EnvelopePolicy`].
    pub fn new(
        recipient: &'a Credentials,
        trust: &'a dyn SignerTrust,
        replay: &'a dyn ReplayGuard,
        provider: &'a CryptoProvider,
    ) -> Self {
        Self {
            recipient,
            trust,
            replay,
            provider,
            policy: EnvelopePolicy::default(),
        }
    }

    /// Replaces the policy.
    pub fn with_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &EnvelopePolicy {
        &self.policy
    }

    /// Decrypts `envelope` and checks its tag (a legacy CBC envelope, when the
    /// policy admits it, has none), without verifying the signatures (for tools;
    /// business code calls [`Opener::open`]).
    pub fn decrypt(&self, envelope: &[u8]) -> Result<SignedMessage, Error> {
        let (mut plain, protection) = self.decrypt_content(envelope)?;
        if let Protection::Cbc {
            profile,
            padding_held: false,
        } = protection
        {
            // A tool's answer: no signature check follows whose time this
            // would need to match.
            zeroize::Zeroize::zeroize(&mut plain);
            return Err(profile.failure());
        }
        SignedMessage::from_der_within(plain, &self.policy)
    }

    /// Decrypts `envelope` and checks its tag; returns the decrypted content (the
    /// DER ContentInfo holding the SignedData) without decoding it, and how the
    /// envelope protected it.
    ///
    /// Heap: the envelope is decoded borrowed (no copy of the ciphertext) and
    /// decrypted in place in one new buffer, the returned plaintext.
    fn decrypt_content(&self, envelope: &[u8]) -> Result<(Vec<u8>, Protection), Error> {
        if envelope.len() > self.policy.max_envelope_size {
            return Err(EnvelopeError::TooLarge {
                size: envelope.len(),
                max: self.policy.max_envelope_size,
            }
            .into());
        }
        strict_der::check_der_shape(&self.policy, envelope, "ContentInfo")?;
        let info = ContentInfoRef::from_der(envelope).map_err(malformed("ContentInfo"))?;
        match info.content_type {
            ID_AUTH_ENVELOPED_DATA => {}
            ID_ENVELOPED_DATA | GM_ENVELOPED_DATA => return self.decrypt_enveloped(&info),
            oid => {
                return Err(EnvelopeError::UnexpectedContentType {
                    what: "envelope",
                    oid,
                }
                .into());
            }
        }
        let auth: AuthEnvelopedDataRef<'_> = info
            .content
            .decode_as()
            .map_err(malformed("AuthEnvelopedData"))?;
        if auth.version != CmsVersion::V0 {
            return Err(EnvelopeError::UnsupportedVersion {
                what: "AuthEnvelopedData",
                version: auth.version as u8,
            }
            .into());
        }
        let recipients = auth.recip_infos.0.as_slice();
        self.policy
            .check_count("recipients", recipients.len(), self.policy.max_recipients)?;

        let eci = &auth.auth_encrypted_content_info;
        if eci.content_enc_alg.oid == SM4_GCM {
            #[cfg(feature = "gm")]
            {
                let plain = gm::open_gcm(&auth, self.recipient, &self.policy, self.provider)?;
                return Ok((plain, Protection::Authenticated(Suite::Gm)));
            }
            #[cfg(not(feature = "gm"))]
            return Err(crate::crypto::gm_disabled("opening an SM4-GCM envelope"));
        }
        if eci.content_enc_alg.oid != AES256_GCM {
            return Err(EnvelopeError::UnsupportedAlgorithm {
                what: "content encryption",
                oid: eci.content_enc_alg.oid,
            }
            .into());
        }
        let GcmInputs { nonce, tag, aad } = gcm_inputs(&auth)?;

        let content_key = recipients::unwrap_content_key(
            recipients,
            self.recipient,
            Suite::Standard,
            self.provider,
        )?;
        let content_key: &[u8; AES_256_KEY_LEN] =
            content_key
                .as_slice()
                .try_into()
                .map_err(|_| EnvelopeError::BadContentKey {
                    actual: content_key.len(),
                })?;
        let ciphertext = eci
            .encrypted_content
            .ok_or(EnvelopeError::ContentAbsent { what: "encrypted" })?
            .as_bytes();
        // Room for the tag: a provider may append it for its open-in-place call,
        // which must not reallocate (and so copy) a large buffer.
        let mut plain = Vec::with_capacity(ciphertext.len() + GCM_TAG_LEN);
        plain.extend_from_slice(ciphertext);
        self.provider
            .content_cipher
            .open(content_key, &nonce, &aad, &mut plain, tag)
            .map_err(|e| match e {
                Error::Crypto(CryptoError::TagMismatch) => EnvelopeError::TagMismatch.into(),
                other => other,
            })?;
        check_decrypted_content_type(eci.content_type)?;
        // The decrypted SignedData gets the same DER bounds before it is decoded.
        strict_der::check_der_shape(&self.policy, &plain, "ContentInfo")?;
        Ok((plain, Protection::Authenticated(Suite::Standard)))
    }

    /// Decrypts an EnvelopedData: GM/T 0010 with SM4-CBC (the GM content
    /// type, or the PKCS#7 one with SM4), or a legacy AES-CBC one when the
    /// policy admits it.
    fn decrypt_enveloped(&self, info: &ContentInfoRef<'_>) -> Result<(Vec<u8>, Protection), Error> {
        let decoded = info.content.decode_as::<EnvelopedDataRef<'_>>();
        let sm4 = decoded.as_ref().is_ok_and(|enveloped| {
            matches!(
                enveloped.encrypted_content_info.content_enc_alg.oid,
                SM4_CBC | SM4_CFCA
            )
        });
        if info.content_type == GM_ENVELOPED_DATA || sm4 {
            let enveloped = decoded.map_err(malformed("EnvelopedData"))?;
            #[cfg(feature = "gm")]
            {
                let (plain, padding_held) =
                    gm::decrypt_cbc(&enveloped, self.recipient, &self.policy, self.provider)?;
                return Ok((
                    plain,
                    Protection::Cbc {
                        profile: CbcProfile::Gm,
                        padding_held,
                    },
                ));
            }
            #[cfg(not(feature = "gm"))]
            {
                let _ = enveloped;
                return Err(crate::crypto::gm_disabled("opening a GM/T 0010 envelope"));
            }
        }
        if !self.policy.allow_legacy_cbc {
            return Err(EnvelopeError::LegacyEnvelopeRefused.into());
        }
        let enveloped = decoded.map_err(malformed("EnvelopedData"))?;
        let (plain, padding_held) =
            legacy::decrypt(&enveloped, self.recipient, &self.policy, self.provider)?;
        Ok((
            plain,
            Protection::Cbc {
                profile: CbcProfile::Legacy,
                padding_held,
            },
        ))
    }

    /// Decrypts, verifies every signer (signature, signed attributes, chain at
    /// its signing time, signing time within the clock-skew window of `now`) and
    /// records the message id in the replay guard.
    ///
    /// A legacy AES-CBC envelope (admitted by the policy) that does not verify is
    /// the one [`EnvelopeError::LegacyDecryptFailed`], whatever failed: a
    /// tampered CBC ciphertext can keep its padding and DER and break only a
    /// signature, and telling that apart from bad padding would be a padding
    /// oracle. For the same reason content whose padding did not hold is
    /// decoded and verified like any other, and refused only then.
    /// [`Opener::decrypt`] and [`SignedMessage::verify`] give the detail to an
    /// operator.
    pub fn open(&self, envelope: &[u8], now: u64) -> Result<OpenedEnvelope, Error> {
        let (mut plain, protection) = self.decrypt_content(envelope)?;
        // The SignedData is decoded borrowing from `plain`, and the verified
        // payload is then moved to the front of `plain` and returned in it: no
        // copy of a large payload is ever allocated.
        let verified = (|| {
            let inner = signed::decode_signed_data_ref(&plain)?;
            let (payload, signers) =
                verify::verify_signed_data(&inner, self.trust, &self.policy, now, self.provider)?;
            // One suite per envelope: the content cipher's is the signers'.
            suite::check_signers(
                protection.suite(),
                signers.iter().map(|s| s.certificate.key_family()),
            )?;
            let message_id = replay_key(&signers, self.provider);
            Ok::<_, Error>((subslice_range(&plain, payload), signers, message_id))
        })();
        let (payload, signers, message_id) = match (verified, protection) {
            (
                Ok(verified),
                Protection::Authenticated(_)
                | Protection::Cbc {
                    padding_held: true, ..
                },
            ) => verified,
            (Err(e), Protection::Authenticated(_)) => return Err(e),
            // Whatever failed, and with bad padding even when nothing else
            // did (a forgery that kept DER and signatures is not expected,
            // but the padding's verdict is consulted only now).
            (_, Protection::Cbc { profile, .. }) => {
                // What an unauthenticated ciphertext decrypted to is not
                // left behind in freed memory.
                zeroize::Zeroize::zeroize(&mut plain);
                return Err(profile.failure());
            }
        };
        let expires = now.saturating_add(self.policy.clock_skew.saturating_mul(2));
        self.replay.check_and_record(&message_id, now, expires)?;
        plain.truncate(payload.end);
        plain.drain(..payload.start);
        Ok(OpenedEnvelope {
            payload: plain,
            signers,
            message_id,
        })
    }
}

/// How an envelope protected its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protection {
    /// AuthEnvelopedData (AES-256-GCM, or SM4-GCM): the tag checked.
    Authenticated(Suite),
    /// A CBC EnvelopedData (no integrity of its own). When its padding did
    /// not hold it is refused, but only once it has been through what good
    /// content goes through.
    Cbc {
        /// Legacy AES-CBC or GM/T 0010 SM4-CBC.
        profile: CbcProfile,
        /// Whether the PKCS#7 padding held (checked in constant time).
        padding_held: bool,
    },
}

impl Protection {
    /// The suite of the content cipher, which the signers must be of.
    fn suite(self) -> Suite {
        match self {
            Self::Authenticated(suite) => suite,
            Self::Cbc {
                profile: CbcProfile::Legacy,
                ..
            } => Suite::Standard,
            Self::Cbc {
                profile: CbcProfile::Gm,
                ..
            } => Suite::Gm,
        }
    }
}

/// Which CBC envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CbcProfile {
    /// AES-CBC, admitted by [`EnvelopePolicy::allow_legacy_cbc`].
    Legacy,
    /// GM/T 0010 SM4-CBC.
    #[cfg_attr(not(feature = "gm"), allow(dead_code))]
    Gm,
}

impl CbcProfile {
    /// The one error for every failure to decrypt to a verified SignedData.
    fn failure(self) -> Error {
        match self {
            Self::Legacy => EnvelopeError::LegacyDecryptFailed.into(),
            Self::Gm => EnvelopeError::GmDecryptFailed.into(),
        }
    }
}

/// The encrypted content must be a SignedData: id-data (OpenSSL) and
/// id-signedData (others) both say so, and their GM/T 0010 counterparts.
fn check_decrypted_content_type(oid: der::asn1::ObjectIdentifier) -> Result<(), Error> {
    if !matches!(oid, ID_DATA | ID_SIGNED_DATA | GM_DATA | GM_SIGNED_DATA) {
        return Err(EnvelopeError::UnexpectedContentType {
            what: "encrypted content",
            oid,
        }
        .into());
    }
    Ok(())
}

/// Where `part`, a slice borrowed from `whole`, lies within it.
fn subslice_range(whole: &[u8], part: &[u8]) -> core::ops::Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let range = start..start.wrapping_add(part.len());
    assert!(
        range.start <= range.end && range.end <= whole.len(),
        "a slice of the decrypted content"
    );
    range
}
