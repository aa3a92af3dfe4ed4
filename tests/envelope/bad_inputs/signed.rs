//! Signed messages on their own: framing, versions, algorithms, attributes.

use super::*;
use cms::content_info::CmsVersion;
use cms::signed_data::SignerInfos;
use fapiao::EnvelopeError;
use fapiao::envelope::EnvelopePolicy;

impl Fx {
    fn verify(&self, signed: &SignedMessage) -> Result<(), Error> {
        signed
            .verify(
                &self.validator(),
                &EnvelopePolicy::default(),
                NOW,
                self.provider,
            )
            .map(|_| ())
    }
}

pub(super) fn cases() -> Vec<Case> {
    use EnvelopeError as E;
    vec![
        // -- signed messages ---------------------------------------------------------
        case!(
            "signed message: zero-length",
            || SignedMessage::from_der(Vec::new()).map(|_| ()),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "signed message: an envelope instead",
            || SignedMessage::from_der(FX.sealed.clone()).map(|_| ()),
            Error::Envelope(E::UnexpectedContentType {
                what: "signed content",
                ..
            })
        ),
        case!(
            "signed message: no signer",
            || FX.verify(&altered_signed(|d| {
                d.signer_infos = SignerInfos::try_from(Vec::new()).unwrap();
            })),
            Error::Envelope(E::NoSigners)
        ),
        case!(
            "signed message: SignedData version 2",
            || FX.verify(&altered_signed(|d| d.version = CmsVersion::V2)),
            Error::Envelope(E::UnsupportedVersion {
                what: "SignedData",
                version: 2
            })
        ),
        case!(
            "signed message: SHA-1 announced as digest",
            || FX.verify(&altered_signed(|d| {
                d.digest_algorithms =
                    der::asn1::SetOfVec::try_from(vec![spki::AlgorithmIdentifierOwned {
                        oid: ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
                        parameters: None,
                    }])
                    .unwrap();
            })),
            Error::Envelope(E::UnsupportedAlgorithm { what: "digest", .. })
        ),
        case!(
            "signed message: the signer's digest not announced",
            || FX.verify(&altered_signed(|d| {
                d.digest_algorithms =
                    der::asn1::SetOfVec::try_from(vec![spki::AlgorithmIdentifierOwned {
                        oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2"),
                        parameters: None,
                    }])
                    .unwrap();
            })),
            Error::Envelope(E::DigestNotAnnounced { signer: 0 })
        ),
        case!(
            "signed message: MD5-with-RSA signature algorithm",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&signed);
                let mut infos = data.signer_infos.0.into_vec();
                infos[0].signature_algorithm.oid =
                    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.verify(&signed_message(&data))
            },
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "signature",
                ..
            })
        ),
        case!(
            "signed message: ECDSA algorithm on an RSA signer",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&signed);
                let mut infos = data.signer_infos.0.into_vec();
                infos[0].signature_algorithm = spki::AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                    parameters: None,
                };
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.verify(&signed_message(&data))
            },
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "signature",
                ..
            })
        ),
        case!(
            "signed message: content type differs from the signed contentType",
            || FX.verify(&altered_signed(|d| {
                d.encap_content_info.econtent_type =
                    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
            })),
            Error::Envelope(E::ContentTypeMismatch { signer: 0 })
        ),
        case!(
            "signed message: content absent (detached signature)",
            || FX.verify(&altered_signed(|d| {
                d.encap_content_info.econtent = None;
            })),
            Error::Envelope(E::ContentAbsent { what: "signed" })
        ),
        case!(
            "signed message: signed attributes stripped",
            || FX.verify(&altered_signed(|d| {
                let mut infos = d.signer_infos.0.clone().into_vec();
                infos[0].signed_attrs = None;
                d.signer_infos = SignerInfos::try_from(infos).unwrap();
            })),
            Error::Envelope(E::MissingSignedAttribute {
                signer: 0,
                attribute: "(any)"
            })
        ),
    ]
}
