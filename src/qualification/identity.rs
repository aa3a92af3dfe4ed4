//! Who signed a request: the inputs of [`authenticate`](super::authenticate), and its
//! result.

use super::record::QualificationRecord;
use crate::envelope::VerifiedSigner;
use crate::exchange::{PartyRole, PeerRecord};
use crate::invoice::UnifiedSocialCreditCode;
use crate::pki::SpkiFingerprint;

/// The enterprise signer of a verified envelope.
///
/// The envelope layer fills one in for the enterprise's SignerInfo after the
/// signature and the certificate path have verified (see the `From` conversion
/// from [`VerifiedSigner`]): nothing here checks a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerIdentity {
    /// The `serialNumber` attribute (OID 2.5.4.5) of the certificate's subject, if
    /// it has one; Chinese CAs put the unified social credit code there.
    pub subject_serial_number: Option<String>,
    /// SHA-256 of the certificate's DER SubjectPublicKeyInfo.
    pub spki_fingerprint: SpkiFingerprint,
}

impl From<&VerifiedSigner> for SignerIdentity {
    fn from(signer: &VerifiedSigner) -> Self {
        Self {
            subject_serial_number: signer.subject_serial_number.clone(),
            spki_fingerprint: signer.spki_fingerprint,
        }
    }
}

/// The cloud platform that countersigned a request, as the peer directory knows it.
///
/// The platform layer fills one in by looking the cloud platform signer's SPKI
/// fingerprint up among the pinned peers; a signer that is not pinned has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudPlatformIdentity {
    /// The platform's party id in the peer directory.
    pub party_id: String,
    /// SHA-256 of its certificate's DER SubjectPublicKeyInfo (the pin).
    pub spki_fingerprint: SpkiFingerprint,
}

impl CloudPlatformIdentity {
    /// The identity of a pinned peer, if it is pinned as a cloud platform (a
    /// service platform's or a front end's key does not act as a cloud platform).
    ///
    /// Look the signer's fingerprint up with
    /// [`PeerDirectory::lookup_fingerprint`](crate::exchange::PeerDirectory::lookup_fingerprint)
    /// first: it refuses unknown, expired, retired and revoked pins.
    pub fn from_peer(record: &PeerRecord) -> Option<Self> {
        (record.role == PartyRole::CloudPlatform).then(|| Self {
            party_id: record.party_id.clone(),
            spki_fingerprint: record.fingerprint,
        })
    }
}

/// How the enterprise signer was bound to the seller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Binding {
    /// Its certificate's subject serialNumber is the seller's tax id.
    SubjectSerialNumber,
    /// Its certificate's key is registered for the seller.
    RegisteredCertificate,
}

/// An enterprise whose signer is bound to the request's seller and whose cloud
/// platform may act for it: what [`authenticate`](super::authenticate) returns and
/// [`check_qualification`](super::check_qualification) takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedEnterprise {
    pub(super) record: QualificationRecord,
    pub(super) binding: Binding,
    pub(super) signer_spki: SpkiFingerprint,
    pub(super) platform: CloudPlatformIdentity,
}

impl AuthenticatedEnterprise {
    /// The enterprise's tax id.
    pub fn tax_id(&self) -> &UnifiedSocialCreditCode {
        &self.record.tax_id
    }

    /// The record as read when authenticating.
    pub fn record(&self) -> &QualificationRecord {
        &self.record
    }

    /// How the signer was bound.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// The enterprise signer's SPKI fingerprint.
    pub fn signer_spki(&self) -> SpkiFingerprint {
        self.signer_spki
    }

    /// The cloud platform acting for it.
    pub fn platform(&self) -> &CloudPlatformIdentity {
        &self.platform
    }
}
