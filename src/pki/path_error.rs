//! Why a certificate path or a CRL was refused: [`PathError`] and [`CrlError`], the
//! path-validation kinds of [`Error`](crate::Error).
//!
//! Every reason has its own variant and names the certificate (or CRL) it is about
//! wherever that can be told. When several candidate paths fail, the most specific
//! reason wins (webpki's ranking, extended with ours).

use core::fmt;

use const_oid::ObjectIdentifier;
use thiserror::Error as ThisError;

use super::Timestamp;
use super::policy::Purpose;

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
    /// A trust anchor, by zero-based position in the [`TrustStore`](super::TrustStore).
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

/// Why path validation refused a certificate.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[non_exhaustive]
pub enum PathError {
    /// A certificate had expired at the validation time.
    #[error("{certificate}: expired at {not_after} (validating at {at})")]
    Expired {
        /// The expired certificate.
        certificate: CertificateRef,
        /// Its notAfter.
        not_after: Timestamp,
        /// The validation time.
        at: Timestamp,
    },
    /// A certificate was not yet valid at the validation time.
    #[error("{certificate}: not valid before {not_before} (validating at {at})")]
    NotYetValid {
        /// The certificate.
        certificate: CertificateRef,
        /// Its notBefore.
        not_before: Timestamp,
        /// The validation time.
        at: Timestamp,
    },
    /// A certificate that is not a CA (basicConstraints) is the issuer of another.
    #[error("{certificate} issued a certificate but is not a CA (basicConstraints)")]
    IssuerNotCa {
        /// The would-be issuer.
        certificate: CertificateRef,
    },
    /// A CA certificate is used as a leaf.
    #[error("{certificate} is a CA certificate used as a leaf")]
    CaUsedAsLeaf {
        /// The leaf.
        certificate: CertificateRef,
    },
    /// A CA in the path has a keyUsage extension without keyCertSign.
    #[error("{certificate} is an issuer but its keyUsage lacks keyCertSign")]
    IssuerMissingKeyCertSign {
        /// The CA.
        certificate: CertificateRef,
    },
    /// A CA's pathLenConstraint allows fewer intermediates below it than the path has.
    #[error("path length constraint exceeded{}", at_certificate(.certificate))]
    PathLenExceeded {
        /// The CA whose constraint is exceeded, when it can be told.
        certificate: Option<CertificateRef>,
    },
    /// Every path found has more intermediates than the policy allows.
    #[error("the path needs more than the {max} intermediate certificates the policy allows")]
    PathTooLong {
        /// The policy's limit.
        max: usize,
    },
    /// The leaf's keyUsage does not allow the purpose.
    #[error("leaf keyUsage ({present}) does not allow {purpose}")]
    KeyUsageForbidsPurpose {
        /// The purpose asked for.
        purpose: Purpose,
        /// The key usages the leaf has, e.g. "keyEncipherment".
        present: String,
    },
    /// The leaf lacks an extended key usage the policy requires.
    #[error("leaf extendedKeyUsage lacks {required} (has: {})", oid_list(.present))]
    RequiredEkuMissing {
        /// The required key purpose.
        required: ObjectIdentifier,
        /// The purposes the leaf lists (empty when it has no extendedKeyUsage).
        present: Vec<ObjectIdentifier>,
    },
    /// A certificate in the path has a critical extension that is not understood.
    #[error("{certificate}: unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// The certificate.
        certificate: CertificateRef,
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// A certificate is signed with a broken digest.
    #[error("{certificate}: {digest} signature refused")]
    WeakSignatureAlgorithm {
        /// The certificate whose signature it is.
        certificate: CertificateRef,
        /// The digest.
        digest: WeakDigest,
    },
    /// A certificate's signature algorithm is not supported.
    #[error("{}: unsupported signature algorithm{}", cert_or_path(.certificate), oid_suffix(.algorithm))]
    UnsupportedSignatureAlgorithm {
        /// The certificate whose signature it is, when it can be told.
        certificate: Option<CertificateRef>,
        /// The algorithm OID, when it can be read.
        algorithm: Option<ObjectIdentifier>,
    },
    /// A signature algorithm does not fit the issuer's key type (e.g. ECDSA by an
    /// RSA key), or the issuer's key type or curve is not supported.
    #[error("{}: signature algorithm does not match the issuer's key", cert_or_path(.certificate))]
    SignatureAlgorithmMismatchesKey {
        /// The signed certificate, when it can be told.
        certificate: Option<CertificateRef>,
    },
    /// An RSA key is shorter than the policy allows.
    #[error("{certificate}: RSA key of {bits} bits, at least {min} required")]
    WeakRsaKey {
        /// The certificate holding the key.
        certificate: CertificateRef,
        /// Its modulus length.
        bits: usize,
        /// The minimum.
        min: usize,
    },
    /// An RSA modulus whose length is not a whole number of bytes.
    #[error("{certificate}: RSA modulus of {bits} bits is not a whole number of bytes")]
    IrregularRsaKey {
        /// The certificate holding the key.
        certificate: CertificateRef,
        /// Its modulus length.
        bits: usize,
    },
    /// A certificate's signature does not verify with its issuer's key.
    #[error("{}: signature does not verify with the issuer's key", cert_or_path(.certificate))]
    BadSignature {
        /// The certificate with the bad signature, when it can be told.
        certificate: Option<CertificateRef>,
    },
    /// A certificate is listed in its issuer's CRL.
    #[error("{certificate}: revoked (serial {serial}{}{})", revoked_when(.revoked_at), revoked_why(.reason))]
    Revoked {
        /// The revoked certificate.
        certificate: CertificateRef,
        /// Its serial number, hex.
        serial: String,
        /// The revocation date from the CRL entry.
        revoked_at: Option<Timestamp>,
        /// The CRL reason code (RFC 5280 5.3.1), e.g. "keyCompromise".
        reason: Option<&'static str>,
    },
    /// The policy requires a revocation status and no CRL covers a certificate.
    #[error("{}: no CRL from its issuer was supplied", cert_or_path(.certificate))]
    RevocationStatusUnknown {
        /// The certificate, when it can be told.
        certificate: Option<CertificateRef>,
    },
    /// The CRL that covers a certificate is past its nextUpdate and the policy
    /// requires fresh CRLs.
    #[error("{crl}: stale, nextUpdate {next_update} (validating at {at})")]
    CrlExpired {
        /// The CRL.
        crl: CrlRef,
        /// Its nextUpdate.
        next_update: Timestamp,
        /// The validation time.
        at: Timestamp,
    },
    /// The CRL that covers a certificate was issued after the validation time.
    #[error("{crl}: thisUpdate {this_update} is after the validation time {at}")]
    CrlNotYetValid {
        /// The CRL.
        crl: CrlRef,
        /// Its thisUpdate.
        this_update: Timestamp,
        /// The validation time.
        at: Timestamp,
    },
    /// A CRL's signature does not verify with its issuer's key.
    #[error("{}: signature does not verify with the issuer's key", crl_or_any(.crl))]
    CrlBadSignature {
        /// The CRL, when it can be told.
        crl: Option<CrlRef>,
    },
    /// A CRL's signature algorithm is not supported or does not fit the issuer key.
    #[error("{}: unsupported signature algorithm", crl_or_any(.crl))]
    CrlUnsupportedSignatureAlgorithm {
        /// The CRL, when it can be told.
        crl: Option<CrlRef>,
    },
    /// A CRL's issuer has a keyUsage without cRLSign.
    #[error("{}: its issuer's keyUsage lacks cRLSign", crl_or_any(.crl))]
    CrlIssuerNotCrlSigner {
        /// The CRL, when it can be told.
        crl: Option<CrlRef>,
    },
    /// No certificate among the intermediates and trust anchors issued this one.
    #[error("no trusted issuer found for \"{issuer}\"")]
    UnknownIssuer {
        /// The issuer name that could not be found.
        issuer: String,
    },
    /// The chain ends in a self-signed root that is not in the trust store.
    #[error("the chain ends in the root \"{subject}\", which is not trusted")]
    UntrustedRoot {
        /// The untrusted root's subject.
        subject: String,
    },
    /// A certificate is not X.509 version 3.
    #[error("{certificate}: not an X.509 v3 certificate")]
    UnsupportedCertificateVersion {
        /// The certificate.
        certificate: CertificateRef,
    },
    /// A certificate is malformed.
    #[error("{}: {detail}", cert_or_path(.certificate))]
    MalformedCertificate {
        /// The certificate, when it can be told.
        certificate: Option<CertificateRef>,
        /// What is wrong.
        detail: Malformation,
    },
    /// A certificate breaks a rule of the RFC 5280 profile.
    #[error("{certificate}: {rule}")]
    ProfileViolation {
        /// The certificate.
        certificate: CertificateRef,
        /// The rule.
        rule: ProfileRule,
    },
    /// A name in the path is outside a CA's name constraints.
    #[error("a name is outside a CA's name constraints")]
    NameConstraintViolation,
    /// A certificate's key is explicitly distrusted (webpki's distrust list).
    #[error("a certificate's key is explicitly distrusted")]
    Distrusted,
    /// Path building ran out of a work budget (a defence against denial of service).
    #[error("path building gave up: {budget} budget exhausted")]
    BudgetExceeded {
        /// The budget that ran out.
        budget: WorkBudget,
    },
    /// More intermediates were supplied than the policy accepts.
    #[error("{supplied} intermediate certificates supplied, at most {max} accepted")]
    TooManyIntermediates {
        /// How many were supplied.
        supplied: usize,
        /// The policy's limit.
        max: usize,
    },
    /// More CRLs were supplied than the policy accepts.
    #[error("{supplied} CRLs supplied, at most {max} accepted")]
    TooManyCrls {
        /// How many were supplied.
        supplied: usize,
        /// The policy's limit.
        max: usize,
    },
    /// The trust store is empty.
    #[error("the trust store holds no trust anchor")]
    NoTrustAnchors,
    /// webpki refused the path for a reason this version of fapiao does not
    /// classify (a reason added to webpki after it).
    #[error("path refused for an unclassified reason")]
    Unclassified,
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

fn at_certificate(certificate: &Option<CertificateRef>) -> String {
    certificate
        .as_ref()
        .map(|c| format!(" at {c}"))
        .unwrap_or_default()
}

fn cert_or_path(certificate: &Option<CertificateRef>) -> String {
    certificate
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "a certificate in the path".to_owned())
}

fn crl_or_any(crl: &Option<CrlRef>) -> String {
    crl.as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "a CRL".to_owned())
}

fn oid_suffix(oid: &Option<ObjectIdentifier>) -> String {
    oid.map(|o| format!(" {o}")).unwrap_or_default()
}

fn oid_list(oids: &[ObjectIdentifier]) -> String {
    if oids.is_empty() {
        return "no extendedKeyUsage".to_owned();
    }
    oids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn revoked_when(at: &Option<Timestamp>) -> String {
    at.map(|t| format!(", since {t}")).unwrap_or_default()
}

fn revoked_why(reason: &Option<&'static str>) -> String {
    reason.map(|r| format!(", {r}")).unwrap_or_default()
}
