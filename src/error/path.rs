//! Why a certificate path was refused: [`PathError`], the path-validation kind
//! of [`Error`](crate::Error).
//!
//! Every reason has its own variant and names the certificate (or CRL) it is about
//! wherever that can be told. When several candidate paths fail, the most specific
//! reason wins (webpki's ranking, extended with ours).

use const_oid::ObjectIdentifier;
use thiserror::Error as ThisError;

use super::path_reasons::{
    CertificateRef, CrlRef, Malformation, ProfileRule, Purpose, WeakDigest, WorkBudget,
};
use crate::time::Timestamp;

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
    /// An SM2-with-SM3 certificate signature does not verify under the
    /// distinguishing ID path validation uses (1234567812345678, GM/T 0009
    /// and GM/T 0015) but does under another one: the issuer signed with the
    /// wrong ID (OpenSSL 3.0, for one, signs with an empty ID unless told
    /// `-sigopt distid:1234567812345678`).
    #[error("{certificate}: signed with {}, not 1234567812345678", sm2_id_name(.signed_with))]
    Sm2DistinguishingIdMismatch {
        /// The certificate whose signature it is.
        certificate: CertificateRef,
        /// The ID the signature does verify under (empty for OpenSSL 3.0's
        /// default).
        signed_with: Vec<u8>,
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

fn sm2_id_name(id: &[u8]) -> String {
    if id.is_empty() {
        "an empty SM2 distinguishing ID".to_owned()
    } else {
        format!(
            "the SM2 distinguishing ID \"{}\"",
            String::from_utf8_lossy(id).escape_debug()
        )
    }
}

fn revoked_when(at: &Option<Timestamp>) -> String {
    at.map(|t| format!(", since {t}")).unwrap_or_default()
}

fn revoked_why(reason: &Option<&'static str>) -> String {
    reason.map(|r| format!(", {r}")).unwrap_or_default()
}
