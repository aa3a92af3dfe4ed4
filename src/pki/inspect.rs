//! Reading what path validation needs from a certificate: key usage, basic
//! constraints, extended key usage, critical extensions, signature and key
//! algorithms, and the RFC 5280 profile rules webpki leaves unchecked.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate as X509;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, NameConstraints, PolicyConstraints,
    SubjectAltName, SubjectKeyIdentifier,
};

use super::names;
use crate::crypto::{KeyFamily, rsa_modulus_bits};
use crate::error::{Malformation, ProfileRule, WeakDigest};

/// Extension and algorithm OIDs.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier as Oid;

    pub const SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const NAME_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.30");
    pub const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
    pub const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    pub const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
    pub const POLICY_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.36");
    pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    pub const SCT_LIST: Oid = Oid::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

    pub const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
    pub const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const SHA1_WITH_RSA_OIW: Oid = Oid::new_unwrap("1.3.14.3.2.29");
    pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    pub const DSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");
}

/// Extensions webpki processes (any other critical extension makes it refuse the
/// certificate): keyUsage, subjectAltName, basicConstraints, nameConstraints,
/// cRLDistributionPoints, extKeyUsage and the CT SCT list.
const UNDERSTOOD_CRITICAL: [ObjectIdentifier; 7] = [
    oid::KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::BASIC_CONSTRAINTS,
    oid::NAME_CONSTRAINTS,
    oid::CRL_DISTRIBUTION_POINTS,
    oid::EXT_KEY_USAGE,
    oid::SCT_LIST,
];

fn extensions(cert: &X509) -> &[x509_cert::ext::Extension] {
    cert.tbs_certificate()
        .extensions()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn find(cert: &X509, id: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
    extensions(cert).iter().find(|e| e.extn_id == id)
}

fn decode<'a, T: Decode<'a>>(cert: &'a X509, id: ObjectIdentifier) -> Option<(bool, T)> {
    let ext = find(cert, id)?;
    T::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|v| (ext.critical, v))
}

/// The keyUsage extension, if present and well formed.
pub(crate) fn key_usage(cert: &X509) -> Option<KeyUsage> {
    decode::<KeyUsage>(cert, oid::KEY_USAGE).map(|(_, ku)| ku)
}

/// The basicConstraints extension and its criticality.
pub(crate) fn basic_constraints(cert: &X509) -> Option<(bool, BasicConstraints)> {
    decode::<BasicConstraints>(cert, oid::BASIC_CONSTRAINTS)
}

/// True when basicConstraints asserts cA.
pub(crate) fn is_ca(cert: &X509) -> bool {
    basic_constraints(cert).is_some_and(|(_, bc)| bc.ca)
}

/// The key purposes of the extendedKeyUsage extension; `None` when absent.
pub(crate) fn extended_key_usage(cert: &X509) -> Option<Vec<ObjectIdentifier>> {
    decode::<ExtendedKeyUsage>(cert, oid::EXT_KEY_USAGE).map(|(_, eku)| eku.0)
}

/// The first critical extension webpki does not understand.
pub(crate) fn unknown_critical_extension(cert: &X509) -> Option<ObjectIdentifier> {
    extensions(cert)
        .iter()
        .find(|e| e.critical && !UNDERSTOOD_CRITICAL.contains(&e.extn_id))
        .map(|e| e.extn_id)
}

/// The first extension that appears twice, or that is known and does not decode.
pub(crate) fn malformed_extension(cert: &X509) -> Option<(ObjectIdentifier, Malformation)> {
    let exts = extensions(cert);
    for (i, ext) in exts.iter().enumerate() {
        if exts[..i].iter().any(|e| e.extn_id == ext.extn_id) {
            return Some((ext.extn_id, Malformation::DuplicateExtension));
        }
        let value = ext.extn_value.as_bytes();
        let ok = match ext.extn_id {
            oid::SUBJECT_KEY_ID => SubjectKeyIdentifier::from_der(value).is_ok(),
            oid::KEY_USAGE => KeyUsage::from_der(value).is_ok(),
            oid::SUBJECT_ALT_NAME => match SubjectAltName::from_der(value) {
                Ok(san) if !names::san_is_well_formed(&san) => {
                    return Some((ext.extn_id, Malformation::Name));
                }
                decoded => decoded.is_ok(),
            },
            oid::BASIC_CONSTRAINTS => BasicConstraints::from_der(value).is_ok(),
            oid::NAME_CONSTRAINTS => match NameConstraints::from_der(value) {
                Ok(nc) if !names::name_constraints_are_well_formed(&nc) => {
                    return Some((ext.extn_id, Malformation::NameConstraint));
                }
                decoded => decoded.is_ok(),
            },
            oid::CRL_DISTRIBUTION_POINTS => CrlDistributionPoints::from_der(value).is_ok(),
            oid::CERTIFICATE_POLICIES => CertificatePolicies::from_der(value).is_ok(),
            oid::AUTHORITY_KEY_ID => AuthorityKeyIdentifier::from_der(value).is_ok(),
            oid::POLICY_CONSTRAINTS => PolicyConstraints::from_der(value).is_ok(),
            oid::EXT_KEY_USAGE => ExtendedKeyUsage::from_der(value).is_ok(),
            oid::AUTHORITY_INFO_ACCESS => AuthorityInfoAccessSyntax::from_der(value).is_ok(),
            _ => true,
        };
        if !ok {
            return Some((ext.extn_id, Malformation::InvalidExtension));
        }
    }
    None
}

/// True when the serial number is a positive integer of at most 20 octets
/// (RFC 5280 4.1.2.2).
pub(crate) fn serial_is_valid(cert: &X509) -> bool {
    let bytes = cert.tbs_certificate().serial_number().as_bytes();
    let positive = bytes.first().is_some_and(|b| b & 0x80 == 0);
    let nonzero = bytes.iter().any(|b| *b != 0);
    positive && nonzero && bytes.len() <= 20
}

/// The broken digest a signature algorithm OID uses, if any.
pub(crate) fn weak_digest(algorithm: ObjectIdentifier) -> Option<WeakDigest> {
    match algorithm {
        oid::MD2_WITH_RSA => Some(WeakDigest::Md2),
        oid::MD5_WITH_RSA => Some(WeakDigest::Md5),
        oid::SHA1_WITH_RSA | oid::SHA1_WITH_RSA_OIW | oid::ECDSA_WITH_SHA1 | oid::DSA_WITH_SHA1 => {
            Some(WeakDigest::Sha1)
        }
        _ => None,
    }
}

/// The signature algorithm OID of the certificate (the outer signatureAlgorithm).
pub(crate) fn signature_algorithm(cert: &X509) -> ObjectIdentifier {
    cert.signature_algorithm().oid
}

/// The RSA modulus length of the certificate's key; `None` for other keys or a
/// malformed RSA key.
pub(crate) fn rsa_key_bits(cert: &X509, family: KeyFamily) -> Option<usize> {
    if family != KeyFamily::Rsa {
        return None;
    }
    let key = cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(key).ok()?;
    Some(rsa_modulus_bits(key.modulus.as_bytes()))
}

/// Names of the key usages asserted, e.g. "digitalSignature, keyEncipherment".
pub(crate) fn key_usage_names(ku: &KeyUsage) -> String {
    let names = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    if set.is_empty() {
        "none".to_owned()
    } else {
        set.join(", ")
    }
}

/// True when the certificate's issuer name equals its subject name (DER).
pub(crate) fn is_self_issued(cert: &X509) -> bool {
    let tbs = cert.tbs_certificate();
    match (tbs.issuer().to_der(), tbs.subject().to_der()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Where a certificate sits in a path, for the profile rules.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathPosition {
    Leaf,
    Intermediate,
    Anchor,
}

/// The first RFC 5280 profile rule the certificate breaks at this position.
pub(crate) fn profile_violation(cert: &X509, position: PathPosition) -> Option<ProfileRule> {
    let tbs = cert.tbs_certificate();
    let ca = is_ca(cert);
    let self_issued = is_self_issued(cert);
    let aki = find(cert, oid::AUTHORITY_KEY_ID);
    let ski = find(cert, oid::SUBJECT_KEY_ID);
    if aki.is_some_and(|e| e.critical) {
        return Some(ProfileRule::CriticalAuthorityKeyIdentifier);
    }
    if ski.is_some_and(|e| e.critical) {
        return Some(ProfileRule::CriticalSubjectKeyIdentifier);
    }
    if tbs.issuer().is_empty() {
        return Some(ProfileRule::EmptyIssuer);
    }
    if tbs.subject().is_empty() {
        if ca {
            return Some(ProfileRule::EmptyCaSubject);
        }
        if !find(cert, oid::SUBJECT_ALT_NAME).is_some_and(|e| e.critical) {
            return Some(ProfileRule::EmptySubjectWithoutCriticalSan);
        }
    }
    if key_usage(cert).is_some_and(|ku| ku.key_cert_sign()) && !ca {
        return Some(ProfileRule::KeyCertSignWithoutCa);
    }
    if let Some(nc) = find(cert, oid::NAME_CONSTRAINTS) {
        if !ca {
            return Some(ProfileRule::NameConstraintsInLeaf);
        }
        if !nc.critical {
            return Some(ProfileRule::NonCriticalNameConstraints);
        }
    }
    if find(cert, oid::POLICY_CONSTRAINTS).is_some_and(|e| !e.critical) {
        return Some(ProfileRule::NonCriticalPolicyConstraints);
    }
    if !tbs.subject().is_empty() && find(cert, oid::SUBJECT_ALT_NAME).is_some_and(|e| e.critical) {
        return Some(ProfileRule::CriticalSanWithSubject);
    }
    // A trust anchor is a name and a key (RFC 5280 6.1.1 (d)): how it was
    // certified, its authorityKeyIdentifier included, does not matter.
    if aki.is_none() && !self_issued && position != PathPosition::Anchor {
        return Some(ProfileRule::MissingAuthorityKeyIdentifier);
    }
    if position == PathPosition::Leaf {
        return None;
    }
    // Certificates that issue others: intermediates and the trust anchor.
    match basic_constraints(cert) {
        Some((_, bc)) if !bc.ca && position == PathPosition::Anchor => {
            return Some(ProfileRule::TrustAnchorNotCa);
        }
        None if position == PathPosition::Anchor => return Some(ProfileRule::TrustAnchorNotCa),
        Some((false, bc)) if bc.ca => return Some(ProfileRule::NonCriticalBasicConstraints),
        _ => {}
    }
    if ski.is_none() {
        return Some(ProfileRule::MissingSubjectKeyIdentifier);
    }
    if position == PathPosition::Anchor {
        if let Some((_, aki)) = decode::<AuthorityKeyIdentifier>(cert, oid::AUTHORITY_KEY_ID) {
            let own = decode::<SubjectKeyIdentifier>(cert, oid::SUBJECT_KEY_ID);
            let matches = match (&aki.key_identifier, own) {
                (Some(kid), Some((_, ski))) => kid.as_bytes() == ski.0.as_bytes(),
                _ => false,
            };
            if self_issued
                && (!matches
                    || aki.authority_cert_issuer.is_some()
                    || aki.authority_cert_serial_number.is_some())
            {
                return Some(ProfileRule::TrustAnchorAuthorityKeyIdentifier);
            }
        }
    }
    None
}
