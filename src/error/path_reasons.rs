//! The details path-validation errors carry: where the failing certificate sits
//! ([`ChainRole`], [`CertificateRef`], [`CrlRef`]) and what exactly is wrong with
//! it ([`WeakDigest`], [`Malformation`], [`ProfileRule`], [`WorkBudget`]).

use core::fmt;

/// Where a certificate named in an error sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChainRole {
    /// The certificate being validated.
    Leaf,
    /// One of the untrusted intermediates supplied, by zero-based position in the
    /// list given to the validator.
    Intermediate {
        /// Zero-based position in the supplied intermediates.
        index: usize,
    },
    /// A trust anchor, by zero-based position in the [`TrustStore`](crate::pki::TrustStore).
    TrustAnchor {
        /// Zero-based position in the trust store.
        index: usize,
    },
}

/// The certificate an error is about: its role and its subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateRef {
    /// Leaf, supplied intermediate or trust anchor.
    pub role: ChainRole,
    /// The subject, RFC 4514.
    pub subject: String,
}

impl CertificateRef {
    /// True when this is the leaf.
    pub fn is_leaf(&self) -> bool {
        self.role == ChainRole::Leaf
    }
}

impl fmt::Display for CertificateRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.role {
            ChainRole::Leaf => write!(f, "leaf certificate \"{}\"", self.subject),
            ChainRole::Intermediate { index } => write!(
                f,
                "intermediate {} of the supplied chain \"{}\"",
                index + 1,
                self.subject
            ),
            ChainRole::TrustAnchor { index } => {
                write!(f, "trust anchor {} \"{}\"", index + 1, self.subject)
            }
        }
    }
}

/// A CRL named in an error: its zero-based position in the list supplied and its
/// issuer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CrlRef {
    /// Zero-based position in the CRLs given to the validator.
    pub index: usize,
    /// The CRL issuer, RFC 4514.
    pub issuer: String,
}

impl fmt::Display for CrlRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CRL {} (issuer \"{}\")", self.index + 1, self.issuer)
    }
}

/// A broken digest algorithm that a certificate signature used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WeakDigest {
    /// MD2 (RFC 3279).
    Md2,
    /// MD5 (RFC 3279).
    Md5,
    /// SHA-1 (RFC 3279): chosen-prefix collisions are practical.
    Sha1,
}

impl fmt::Display for WeakDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Md2 => "MD2",
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
        })
    }
}

/// Which path-building work budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WorkBudget {
    /// Signature verifications (webpki allows 100 per validation).
    Signatures,
    /// Path-building steps (webpki allows 200 000).
    PathBuildingSteps,
    /// Name-constraint comparisons (webpki allows 250 000).
    NameConstraintComparisons,
    /// Path depth (webpki stops at 6 intermediates).
    PathDepth,
}

impl fmt::Display for WorkBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signatures => "signature-verification",
            Self::PathBuildingSteps => "path-building step",
            Self::NameConstraintComparisons => "name-constraint comparison",
            Self::PathDepth => "path depth",
        })
    }
}

/// What is malformed in a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformation {
    /// The DER encoding is invalid.
    BadDer,
    /// A time field is not a valid DER UTCTime/GeneralizedTime.
    BadTime,
    /// Bytes follow a complete structure.
    TrailingData,
    /// The certificate's validity period ends before it starts.
    InvalidValidityPeriod,
    /// The serial number is not a valid positive integer of at most 20 octets.
    InvalidSerialNumber,
    /// An extension appears twice.
    DuplicateExtension,
    /// An extension value is invalid.
    InvalidExtension,
    /// `extendedKeyUsage` is present but lists no purpose.
    EmptyExtendedKeyUsage,
    /// The `signature` field of the TBSCertificate differs from `signatureAlgorithm`.
    SignatureAlgorithmMismatch,
    /// A name constraint is malformed.
    NameConstraint,
    /// A name (DNS name, IP address) is malformed.
    Name,
}

impl fmt::Display for Malformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadDer => "invalid DER",
            Self::BadTime => "invalid time encoding",
            Self::TrailingData => "trailing data",
            Self::InvalidValidityPeriod => "notAfter is before notBefore",
            Self::InvalidSerialNumber => "invalid serial number",
            Self::DuplicateExtension => "an extension appears twice",
            Self::InvalidExtension => "invalid extension value",
            Self::EmptyExtendedKeyUsage => "extendedKeyUsage lists no purpose",
            Self::SignatureAlgorithmMismatch => {
                "TBSCertificate.signature differs from signatureAlgorithm"
            }
            Self::NameConstraint => "malformed name constraint",
            Self::Name => "malformed name",
        })
    }
}

/// A rule of the RFC 5280 certificate profile that a certificate in the path
/// breaks (checked on the path actually built, beyond what webpki checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileRule {
    /// 4.2.1.1: a certificate that is not self-signed lacks authorityKeyIdentifier.
    MissingAuthorityKeyIdentifier,
    /// 4.2.1.1: authorityKeyIdentifier is marked critical.
    CriticalAuthorityKeyIdentifier,
    /// 4.2.1.2: a CA certificate lacks subjectKeyIdentifier.
    MissingSubjectKeyIdentifier,
    /// 4.2.1.2: subjectKeyIdentifier is marked critical.
    CriticalSubjectKeyIdentifier,
    /// 4.2.1.9: a CA certificate's basicConstraints is not critical.
    NonCriticalBasicConstraints,
    /// 4.2.1.10: name constraints in a certificate that is not a CA.
    NameConstraintsInLeaf,
    /// 4.2.1.10: nameConstraints is not marked critical.
    NonCriticalNameConstraints,
    /// 4.2.1.11: policyConstraints is not marked critical.
    NonCriticalPolicyConstraints,
    /// 4.2.1.3: keyCertSign asserted by a certificate that is not a CA.
    KeyCertSignWithoutCa,
    /// 4.1.2.4: the issuer name is empty.
    EmptyIssuer,
    /// 4.1.2.6: a CA certificate has an empty subject.
    EmptyCaSubject,
    /// 4.1.2.6 / 4.2.1.6: an empty subject without a critical subjectAltName.
    EmptySubjectWithoutCriticalSan,
    /// 4.2.1.6: subjectAltName is critical although the subject is not empty.
    CriticalSanWithSubject,
    /// A trust anchor's authorityKeyIdentifier is not just a keyIdentifier equal
    /// to its own subjectKeyIdentifier.
    TrustAnchorAuthorityKeyIdentifier,
    /// The trust anchor is not a CA (basicConstraints cA missing or false).
    TrustAnchorNotCa,
}

impl fmt::Display for ProfileRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingAuthorityKeyIdentifier => {
                "lacks authorityKeyIdentifier (RFC 5280 4.2.1.1)"
            }
            Self::CriticalAuthorityKeyIdentifier => {
                "authorityKeyIdentifier is critical (RFC 5280 4.2.1.1)"
            }
            Self::MissingSubjectKeyIdentifier => {
                "CA certificate lacks subjectKeyIdentifier (RFC 5280 4.2.1.2)"
            }
            Self::CriticalSubjectKeyIdentifier => {
                "subjectKeyIdentifier is critical (RFC 5280 4.2.1.2)"
            }
            Self::NonCriticalBasicConstraints => {
                "CA certificate's basicConstraints is not critical (RFC 5280 4.2.1.9)"
            }
            Self::NameConstraintsInLeaf => {
                "nameConstraints in a non-CA certificate (RFC 5280 4.2.1.10)"
            }
            Self::NonCriticalNameConstraints => {
                "nameConstraints is not critical (RFC 5280 4.2.1.10)"
            }
            Self::NonCriticalPolicyConstraints => {
                "policyConstraints is not critical (RFC 5280 4.2.1.11)"
            }
            Self::KeyCertSignWithoutCa => {
                "keyCertSign without basicConstraints cA (RFC 5280 4.2.1.3)"
            }
            Self::EmptyIssuer => "empty issuer name (RFC 5280 4.1.2.4)",
            Self::EmptyCaSubject => "CA certificate with an empty subject (RFC 5280 4.1.2.6)",
            Self::EmptySubjectWithoutCriticalSan => {
                "empty subject without a critical subjectAltName (RFC 5280 4.2.1.6)"
            }
            Self::CriticalSanWithSubject => {
                "subjectAltName is critical but the subject is not empty (RFC 5280 4.2.1.6)"
            }
            Self::TrustAnchorAuthorityKeyIdentifier => {
                "trust anchor's authorityKeyIdentifier is not its own keyIdentifier"
            }
            Self::TrustAnchorNotCa => "trust anchor is not a CA (basicConstraints)",
        })
    }
}
/// What the leaf's key is going to be used for; checked against the leaf's
/// keyUsage extension (RFC 5280 4.2.1.3). A leaf without keyUsage is not
/// restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// Verifying the leaf's signatures (CMS SignedData): needs digitalSignature or
    /// nonRepudiation.
    Sign,
    /// Encrypting to the leaf (CMS recipient): needs keyEncipherment for an RSA key
    /// (key transport) or keyAgreement for an EC key (ECDH).
    Encrypt,
    /// No key-usage check (path validation only).
    Any,
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sign => "signing",
            Self::Encrypt => "encryption",
            Self::Any => "any purpose",
        })
    }
}
