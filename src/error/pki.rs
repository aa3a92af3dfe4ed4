//! [`CertificateError`], [`CredentialsError`] and [`CrlError`]: failures loading
//! certificates, credentials and certificate revocation lists.

use core::fmt;

use thiserror::Error as ThisError;

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

/// Why a CRL could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[non_exhaustive]
pub enum CrlError {
    /// No CRL was found in the input.
    #[error("no CRL found in the input")]
    Empty,
    /// PEM armour is broken.
    #[error("CRL {index} of bundle: PEM: {source}")]
    Pem {
        /// Zero-based position in the bundle.
        index: usize,
        /// The PEM error.
        source: der::pem::Error,
    },
    /// A PEM block had another label.
    #[error("CRL {index} of bundle: PEM label \"{label}\" is not X509 CRL")]
    UnexpectedPemLabel {
        /// Zero-based position in the bundle.
        index: usize,
        /// The label found.
        label: String,
    },
    /// The DER is malformed.
    #[error("CRL {index} of bundle: {source}")]
    Der {
        /// Zero-based position in the bundle.
        index: usize,
        /// The DER error.
        source: der::Error,
    },
    /// The CRL lists more entries than [`MAX_CRL_ENTRIES`](crate::pki::MAX_CRL_ENTRIES) (counted before
    /// decoding, up to one past the limit).
    #[error("CRL {index} of bundle: {count} entries exceed the limit of {max}")]
    TooManyEntries {
        /// Zero-based position in the bundle.
        index: usize,
        /// How many entries were counted.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The CRL uses a feature that is not supported.
    #[error("CRL {index} of bundle: {feature}")]
    Unsupported {
        /// Zero-based position in the bundle.
        index: usize,
        /// What is unsupported.
        feature: CrlFeature,
    },
}

/// A CRL feature fapiao (and webpki) refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrlFeature {
    /// Not a version 2 CRL.
    Version,
    /// A delta CRL.
    DeltaCrl,
    /// An indirect CRL (entries for another issuer).
    IndirectCrl,
    /// A critical CRL or CRL-entry extension that is not understood.
    CriticalExtension,
    /// A CRL partitioned by revocation reasons.
    ReasonPartitioning,
    /// An issuing distribution point that cannot be processed.
    IssuingDistributionPoint,
    /// A missing, critical or invalid cRLNumber.
    CrlNumber,
    /// An unknown revocation reason code.
    RevocationReason,
    /// A serial number that is not a valid integer.
    SerialNumber,
    /// Structurally invalid (webpki's parser refused it).
    Malformed,
}

impl fmt::Display for CrlFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Version => "not a version 2 CRL",
            Self::DeltaCrl => "delta CRLs are not supported",
            Self::IndirectCrl => "indirect CRLs are not supported",
            Self::CriticalExtension => "unknown critical extension",
            Self::ReasonPartitioning => "CRLs partitioned by reason are not supported",
            Self::IssuingDistributionPoint => "unsupported issuing distribution point",
            Self::CrlNumber => "cRLNumber missing, critical or invalid (RFC 5280 5.2.3)",
            Self::RevocationReason => "unknown revocation reason",
            Self::SerialNumber => "invalid serial number",
            Self::Malformed => "malformed",
        })
    }
}
