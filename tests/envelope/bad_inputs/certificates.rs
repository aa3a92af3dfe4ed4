//! Certificates, a certificate path and CRLs.

use super::*;
use fapiao::pki::Certificate;
use fapiao::{CertificateError, CrlError, PathError};

pub(super) fn cases() -> Vec<Case> {
    vec![
        // -- certificates ----------------------------------------------------------
        case!(
            "certificate: zero-length",
            || Certificate::load_bundle(&[]).map(|_| ()),
            Error::Certificate(CertificateError::Empty)
        ),
        case!(
            "certificate: truncated DER",
            || {
                let der = data("root-ca.der");
                Certificate::load_bundle(&der[..der.len() - 10]).map(|_| ())
            },
            Error::Certificate(CertificateError::Der { index: 0, .. })
        ),
        case!(
            "certificate: a stray byte after the certificate",
            || {
                Certificate::load_bundle(&[&data("root-ca.der")[..], &[0x00]].concat()).map(|_| ())
            },
            Error::Certificate(CertificateError::Der { index: 1, .. })
        ),
        case!(
            "certificate: PEM with a private-key label",
            || Certificate::load_bundle(&data("ecp-p256.key.pem")).map(|_| ()),
            Error::Certificate(CertificateError::UnexpectedPemLabel { index: 0, .. })
        ),
        case!(
            "certificate: PEM with broken base64",
            || {
                Certificate::load_bundle(
                    b"-----BEGIN CERTIFICATE-----\nMII*not base64*\n-----END CERTIFICATE-----\n",
                )
                .map(|_| ())
            },
            Error::Certificate(CertificateError::Pem { index: 0, .. })
        ),
        case!(
            "certificate: two where one is expected",
            || Certificate::from_pem(&data("chain.pem")).map(|_| ()),
            Error::Certificate(CertificateError::TooMany { found: 2 })
        ),
        case!(
            "certificate: unknown public-key algorithm (OID)",
            || {
                let der = Certificate::from_pem(&data("ecp-p256.pem"))?.der().to_vec();
                // id-ecPublicKey 1.2.840.10045.2.1 -> 1.2.840.10045.2.2
                let der = patched(
                    &der,
                    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
                    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x02],
                );
                Certificate::from_der(&der).map(|_| ())
            },
            Error::Certificate(CertificateError::UnsupportedKeyAlgorithm { index: 0, .. })
        ),
        case!(
            "path: bit flip in the signature",
            || {
                let leaf = Certificate::from_pem(&data("faulty/broken-signature.pem"))?;
                FX.validator()
                    .verify(
                        &leaf,
                        &[certificate("issuing-ca")],
                        &[],
                        fapiao::pki::Timestamp::from_unix_seconds(NOW),
                        fapiao::pki::Purpose::Sign,
                    )
                    .map(|_| ())
            },
            Error::Path(PathError::BadSignature { .. })
        ),
        // -- CRLs ---------------------------------------------------------------------
        case!(
            "CRL: zero-length",
            || Crl::load_bundle(&[]).map(|_| ()),
            Error::Crl(CrlError::Empty)
        ),
        case!(
            "CRL: a certificate's PEM",
            || Crl::load_bundle(&data("root-ca.pem")).map(|_| ()),
            Error::Crl(CrlError::UnexpectedPemLabel { index: 0, .. })
        ),
        case!(
            "CRL: truncated DER",
            || {
                let der = data("crl/issuing-ca.crl.der");
                Crl::load_bundle(&der[..der.len() - 1]).map(|_| ())
            },
            Error::Crl(CrlError::Der { index: 0, .. })
        ),
        case!(
            "CRL: a certificate's DER",
            || Crl::load_bundle(&data("root-ca.der")).map(|_| ()),
            Error::Crl(CrlError::Der { index: 0, .. })
        ),
    ]
}
