//! Which algorithms an envelope uses: the suite follows the keys. An SM2
//! signer sealing to SM2 recipients writes the GM/T 0010 profile (SM3, SM2,
//! SM4, the GM content types; `super::gm`); every other key writes the
//! standard CMS one (SHA-2, AES-256-GCM). One envelope has one suite: an SM2
//! key beside an RSA or P-256 key, among the signers and recipients, or
//! between the content cipher and the signers, is
//! [`EnvelopeError::MixedSuites`].

use der::asn1::ObjectIdentifier;

use super::asn1::{GM_DATA, GM_SIGNED_DATA, ID_DATA, ID_SIGNED_DATA, SHA256, SHA384, SHA512, SM3};
use crate::crypto::{CryptoProvider, Digest, HashAlgorithm, KeyFamily};
use crate::error::{EnvelopeError, Error};
use crate::pki::Certificate;

/// The algorithm suite of an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suite {
    /// RFC 5652 / RFC 5083 with SHA-2, RSA, ECDSA, Ed25519, AES.
    Standard,
    /// GM/T 0010: SM3, SM2, SM4.
    Gm,
}

impl Suite {
    /// The suite a key family belongs to.
    pub(crate) fn of(family: KeyFamily) -> Self {
        match family {
            KeyFamily::Sm2 => Self::Gm,
            _ => Self::Standard,
        }
    }

    /// The content type of the signed payload (the eContentType and the
    /// contentType attribute).
    pub(crate) fn data_type(self) -> ObjectIdentifier {
        match self {
            Self::Standard => ID_DATA,
            Self::Gm => GM_DATA,
        }
    }

    /// The ContentInfo content type of a SignedData.
    pub(crate) fn signed_data_type(self) -> ObjectIdentifier {
        match self {
            Self::Standard => ID_SIGNED_DATA,
            Self::Gm => GM_SIGNED_DATA,
        }
    }
}

/// The suite of sealing as `signer` (of `signer_suite`) to `recipients`:
/// every recipient's key must be of the signer's suite.
pub(crate) fn sealing_suite(
    signer_suite: Suite,
    recipients: &[&Certificate],
) -> Result<Suite, Error> {
    for cert in recipients {
        if Suite::of(cert.key_family()) != signer_suite {
            return Err(EnvelopeError::MixedSuites {
                what: match signer_suite {
                    Suite::Gm => "an SM2 signer sealing to a non-SM2 recipient",
                    Suite::Standard => "a non-SM2 signer sealing to an SM2 recipient",
                },
            }
            .into());
        }
    }
    Ok(signer_suite)
}

/// Refuses verified signers whose keys are not of the envelope's `suite`
/// (the suite its content encryption says).
pub(crate) fn check_signers(
    suite: Suite,
    families: impl IntoIterator<Item = KeyFamily>,
) -> Result<(), Error> {
    if families.into_iter().any(|f| Suite::of(f) != suite) {
        return Err(EnvelopeError::MixedSuites {
            what: match suite {
                Suite::Gm => "SM4 content signed by a non-SM2 signer",
                Suite::Standard => "AES content signed by an SM2 signer",
            },
        }
        .into());
    }
    Ok(())
}

/// A digest algorithm of a SignedData: SHA-2 through the provider, or SM3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentDigest {
    /// SHA-256, SHA-384 or SHA-512.
    Sha(HashAlgorithm),
    /// SM3 (GM/T 0004).
    Sm3,
}

impl ContentDigest {
    /// The digest a key family signs with (RFC 5754, RFC 8419, GM/T 0010).
    pub(crate) fn for_family(family: KeyFamily) -> Self {
        match family {
            KeyFamily::EcP384 => Self::Sha(HashAlgorithm::Sha384),
            KeyFamily::Ed25519 => Self::Sha(HashAlgorithm::Sha512),
            KeyFamily::Sm2 => Self::Sm3,
            _ => Self::Sha(HashAlgorithm::Sha256),
        }
    }

    /// The digest an identifier names, if we read it (SHA-1 and MD5 not).
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            SHA256 => Some(Self::Sha(HashAlgorithm::Sha256)),
            SHA384 => Some(Self::Sha(HashAlgorithm::Sha384)),
            SHA512 => Some(Self::Sha(HashAlgorithm::Sha512)),
            SM3 => Some(Self::Sm3),
            _ => None,
        }
    }

    /// Its identifier.
    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha(HashAlgorithm::Sha384) => SHA384,
            Self::Sha(HashAlgorithm::Sha512) => SHA512,
            Self::Sha(_) => SHA256,
            Self::Sm3 => SM3,
        }
    }

    /// The suite it belongs to.
    pub(crate) fn suite(self) -> Suite {
        match self {
            Self::Sha(_) => Suite::Standard,
            Self::Sm3 => Suite::Gm,
        }
    }

    /// The SHA-2 function, for the signature schemes that name one.
    pub(crate) fn sha(self) -> Option<HashAlgorithm> {
        match self {
            Self::Sha(hash) => Some(hash),
            Self::Sm3 => None,
        }
    }

    /// `data`'s digest.
    pub(crate) fn hash(self, provider: &CryptoProvider, data: &[u8]) -> Result<Digest, Error> {
        match self {
            Self::Sha(hash) => Ok(provider.hasher.hash(hash, data)),
            #[cfg(feature = "gm")]
            Self::Sm3 => Digest::new(&crate::crypto::gm::sm3(data)),
            #[cfg(not(feature = "gm"))]
            Self::Sm3 => Err(crate::crypto::gm_disabled("an SM3 digest")),
        }
    }
}

/// The suite a SignedData's signers sign in, by their digests (SM3: GM/T
/// 0010); signers of both is [`EnvelopeError::MixedSuites`].
pub(crate) fn signed_suite(signed: &super::asn1::SignedDataRef<'_>) -> Result<Suite, Error> {
    let mut found = None;
    for info in signed.signer_infos.0.iter() {
        if let Some(digest) = ContentDigest::from_oid(&info.digest_alg.oid) {
            if *found.get_or_insert(digest.suite()) != digest.suite() {
                return Err(EnvelopeError::MixedSuites {
                    what: "signers of both kinds",
                }
                .into());
            }
        }
    }
    Ok(found.unwrap_or(Suite::Standard))
}
