//! [`Crl`]: an X.509 v2 certificate revocation list (RFC 5280 section 5), loaded
//! from PEM or DER for path validation.

use core::fmt;
use std::sync::Arc;

use der::Decode;

use x509_cert::crl::CertificateList;

use super::Timestamp;
use super::bundle::{SplitError, parse_bundle};
use crate::error::{CrlError, CrlFeature, Error};

/// id-ce-cRLNumber.
const CRL_NUMBER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.20");

/// Most entries (revoked certificates) one CRL may list: 100,000, about 4 MB of
/// DER and some 20 MB once parsed. Counted from the DER headers before anything is
/// decoded ([`CrlError::TooManyEntries`]); a CA with more revocations partitions
/// its CRL (RFC 5280 §5.2.5 distribution points).
pub const MAX_CRL_ENTRIES: usize = 100_000;

/// A certificate revocation list: its DER, webpki's parsed form (for the
/// revocation check inside path building) and the fields fapiao checks itself.
///
/// Loading refuses what webpki cannot use: versions other than 2, delta and
/// indirect CRLs, CRLs without nextUpdate or cRLNumber, unknown critical
/// extensions. The signature is checked during path validation, against the
/// issuer found in the path.
///
/// ```
/// use fapiao::pki::Crl;
/// let pem = std::fs::read("tests/data/crl/issuing-ca.crl.pem").unwrap();
/// let crl = &Crl::load_bundle(&pem).unwrap()[0];
/// assert!(crl.issuer().contains("Fapiao Test Issuing CA"));
/// assert_eq!(crl.revoked_count(), 1);
/// ```
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    parsed: Arc<webpki::CertRevocationList<'static>>,
    issuer: String,
    this_update: Timestamp,
    next_update: Option<Timestamp>,
    revoked_count: usize,
}

impl Crl {
    /// Parses one DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::parse_at(der, 0)
    }

    /// Loads one CRL or several, from PEM (`X509 CRL` blocks) or DER (one CRL, or
    /// several concatenated). Errors name the position of the failing CRL.
    pub fn load_bundle(input: &[u8]) -> Result<Vec<Self>, Error> {
        parse_bundle(input, "X509 CRL", Self::parse_at, split_error, || {
            CrlError::Empty.into()
        })
    }

    fn parse_at(der: &[u8], index: usize) -> Result<Self, Error> {
        if let Some(count) = count_entries(der).filter(|&n| n > MAX_CRL_ENTRIES) {
            return Err(CrlError::TooManyEntries {
                index,
                count,
                max: MAX_CRL_ENTRIES,
            }
            .into());
        }
        let list = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
            .map_err(|source| CrlError::Der { index, source })?;
        let tbs = &list.tbs_cert_list;
        // RFC 5280 5.2.3: conforming CRLs carry a non-critical cRLNumber; webpki
        // accepts CRLs without one.
        let crl_number = tbs
            .crl_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == CRL_NUMBER);
        if crl_number.is_none_or(|e| e.critical) {
            return Err(CrlError::Unsupported {
                index,
                feature: CrlFeature::CrlNumber,
            }
            .into());
        }
        let parsed =
            webpki::OwnedCertRevocationList::from_der(der).map_err(|e| CrlError::Unsupported {
                index,
                feature: crl_feature(&e),
            })?;
        let parsed = Arc::new(parsed.into());
        let seconds = |t: &x509_cert::time::Time| {
            Timestamp::from_unix_seconds(t.to_unix_duration().as_secs())
        };
        Ok(Self {
            der: der.to_vec(),
            parsed,
            issuer: tbs.issuer.to_string(),
            this_update: seconds(&tbs.this_update),
            next_update: tbs.next_update.as_ref().map(seconds),
            revoked_count: tbs.revoked_certificates.as_ref().map_or(0, Vec::len),
        })
    }

    /// The CRL's DER encoding, exactly as loaded.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer, RFC 4514.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// thisUpdate.
    pub fn this_update(&self) -> Timestamp {
        self.this_update
    }

    /// nextUpdate (always present: CRLs without it are refused at load).
    pub fn next_update(&self) -> Option<Timestamp> {
        self.next_update
    }

    /// How many certificates the CRL lists.
    pub fn revoked_count(&self) -> usize {
        self.revoked_count
    }

    /// The DER issuer name without its SEQUENCE header, as webpki compares it.
    pub(crate) fn issuer_value(&self) -> &[u8] {
        self.parsed.issuer()
    }

    pub(crate) fn webpki(&self) -> &webpki::CertRevocationList<'static> {
        &self.parsed
    }

    /// The entry for `serial` (big-endian bytes as in the certificate): its
    /// revocation date and reason name.
    pub(crate) fn entry(&self, serial: &[u8]) -> Option<(Timestamp, Option<&'static str>)> {
        let entry = self.parsed.find_serial(serial).ok().flatten()?;
        let at = Timestamp::from_unix_seconds(entry.revocation_date.as_secs());
        Some((at, entry.reason_code.map(reason_name)))
    }
}

/// Checks a pinned certificate (a leaf whose path was validated when it was
/// pinned) against `crls` at `at`: refused when the first CRL of its issuer
/// lists its serial number, and, with `require_fresh`, when that CRL is past
/// its nextUpdate. A certificate no CRL covers passes. The CRLs are the
/// caller's trusted configuration (their signatures are checked when a path is
/// validated with them).
pub fn check_pinned_not_revoked(
    certificate: &super::Certificate,
    crls: &[Crl],
    at: Timestamp,
    require_fresh: bool,
) -> Result<(), super::PathError> {
    let Some(issuer) = super::der_parts::name_value(certificate, false) else {
        return Ok(());
    };
    let Some((index, crl)) = crls
        .iter()
        .enumerate()
        .find(|(_, crl)| crl.issuer_value() == issuer.as_slice())
    else {
        return Ok(());
    };
    let leaf = || super::CertificateRef {
        role: super::ChainRole::Leaf,
        subject: super::diagnosis::shorten(certificate.subject()),
    };
    if let Some((revoked_at, reason)) = crl.entry(certificate.serial_number()) {
        return Err(super::PathError::Revoked {
            certificate: leaf(),
            serial: certificate
                .serial_number()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            revoked_at: Some(revoked_at),
            reason,
        });
    }
    if let Some(next_update) = crl.next_update() {
        if require_fresh && at > next_update {
            return Err(super::PathError::CrlExpired {
                crl: super::CrlRef {
                    index,
                    issuer: super::diagnosis::shorten(crl.issuer().to_owned()),
                },
                next_update,
                at,
            });
        }
    }
    Ok(())
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer)
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .field("revoked_count", &self.revoked_count)
            .finish()
    }
}

fn reason_name(reason: webpki::RevocationReason) -> &'static str {
    use webpki::RevocationReason as R;
    match reason {
        R::Unspecified => "unspecified",
        R::KeyCompromise => "keyCompromise",
        R::CaCompromise => "cACompromise",
        R::AffiliationChanged => "affiliationChanged",
        R::Superseded => "superseded",
        R::CessationOfOperation => "cessationOfOperation",
        R::CertificateHold => "certificateHold",
        R::RemoveFromCrl => "removeFromCRL",
        R::PrivilegeWithdrawn => "privilegeWithdrawn",
        R::AaCompromise => "aACompromise",
    }
}

fn crl_feature(e: &webpki::Error) -> CrlFeature {
    use webpki::Error as W;
    match e {
        W::UnsupportedCrlVersion => CrlFeature::Version,
        W::UnsupportedDeltaCrl => CrlFeature::DeltaCrl,
        W::UnsupportedIndirectCrl => CrlFeature::IndirectCrl,
        W::UnsupportedCriticalExtension => CrlFeature::CriticalExtension,
        W::UnsupportedRevocationReasonsPartitioning => CrlFeature::ReasonPartitioning,
        W::UnsupportedCrlIssuingDistributionPoint => CrlFeature::IssuingDistributionPoint,
        W::InvalidCrlNumber => CrlFeature::CrlNumber,
        W::UnsupportedRevocationReason => CrlFeature::RevocationReason,
        W::InvalidSerialNumber => CrlFeature::SerialNumber,
        _ => CrlFeature::Malformed,
    }
}

/// Splits the DER element at the start of `input`: its tag, its contents and
/// the rest of the input. `None` when malformed.
fn split(input: &[u8]) -> Option<(der::Tag, &[u8], &[u8])> {
    use der::Reader;
    let mut reader = der::SliceReader::new(input).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    let start = usize::try_from(reader.position()).ok()?;
    let end = start.checked_add(usize::try_from(header.length()).ok()?)?;
    Some((header.tag(), input.get(start..end)?, input.get(end..)?))
}

/// Counts the entries of a DER CertificateList's revokedCertificates from their
/// headers alone, stopping one past [`MAX_CRL_ENTRIES`]. `None` when the input is
/// not shaped like a CertificateList: the decoder then names the error.
fn count_entries(der: &[u8]) -> Option<usize> {
    use der::Tag;
    let (_, list, _) = split(der)?;
    let (_, tbs, _) = split(list)?;
    // TBSCertList: version INTEGER OPTIONAL, signature, issuer, thisUpdate,
    // nextUpdate OPTIONAL, revokedCertificates SEQUENCE OF OPTIONAL, ...
    let (first, _, mut rest) = split(tbs)?;
    if first == Tag::Integer {
        (_, _, rest) = split(rest)?; // the version came first, then the signature
    }
    let (_, _, rest) = split(rest)?; // issuer
    let (_, _, rest) = split(rest)?; // thisUpdate
    let Some((mut tag, mut entries, rest)) = split(rest) else {
        return Some(0);
    };
    if matches!(tag, Tag::UtcTime | Tag::GeneralizedTime) {
        let Some(next) = split(rest) else {
            return Some(0);
        };
        (tag, entries, _) = next;
    }
    if tag != Tag::Sequence {
        return Some(0);
    }
    let mut count = 0;
    while !entries.is_empty() && count <= MAX_CRL_ENTRIES {
        (_, _, entries) = split(entries)?;
        count += 1;
    }
    Some(count)
}

fn split_error(index: usize, why: SplitError) -> Error {
    match why {
        SplitError::Pem(source) => CrlError::Pem { index, source },
        SplitError::UnexpectedLabel(label) => CrlError::UnexpectedPemLabel { index, label },
        SplitError::Der(source) => CrlError::Der { index, source },
    }
    .into()
}
