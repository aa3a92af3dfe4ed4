//! Turning a webpki refusal into the most specific [`PathError`]: webpki says
//! *what* failed; we look at the inputs to say *which* certificate or CRL, and
//! refine generic reasons (an unsupported algorithm that is SHA-1, a signature
//! failure that is a short RSA key, an unknown issuer that is an untrusted root).

#[cfg(feature = "gm")]
use super::der_parts::signature_verifies_under;
use super::der_parts::{algorithm_oid, name_value, signature_verifies};
use super::inspect;
#[cfg(feature = "gm")]
use super::sm2_signature::SM2_WITH_SM3_EMPTY_ID;
use super::{Certificate, Crl, Timestamp};
use crate::crypto::RSA_MIN_BITS;
use crate::error::PathError;
use crate::error::{CertificateRef, ChainRole, CrlRef, Malformation, WorkBudget};

/// Everything one validation was given.
pub(crate) struct Inputs<'a> {
    pub(crate) leaf: &'a Certificate,
    pub(crate) intermediates: &'a [Certificate],
    pub(crate) anchors: &'a [Certificate],
    pub(crate) crls: &'a [Crl],
    pub(crate) at: Timestamp,
}

impl Inputs<'_> {
    pub(crate) fn cert(&self, role: ChainRole) -> &Certificate {
        match role {
            ChainRole::Leaf => self.leaf,
            ChainRole::Intermediate { index } => &self.intermediates[index],
            ChainRole::TrustAnchor { index } => &self.anchors[index],
        }
    }

    pub(crate) fn cert_ref(&self, role: ChainRole) -> CertificateRef {
        CertificateRef {
            role,
            subject: shorten(self.cert(role).subject()),
        }
    }

    pub(crate) fn crl_ref(&self, index: usize) -> CrlRef {
        CrlRef {
            index,
            issuer: shorten(self.crls[index].issuer().to_owned()),
        }
    }

    /// The validity window of one certificate at the validation time.
    pub(crate) fn check_validity(
        &self,
        role: ChainRole,
        cert: &Certificate,
    ) -> Result<(), PathError> {
        let (not_before, not_after) = (cert.not_before(), cert.not_after());
        if not_before > not_after {
            return Err(PathError::MalformedCertificate {
                certificate: Some(self.cert_ref(role)),
                detail: Malformation::InvalidValidityPeriod,
            });
        }
        if self.at.unix_seconds() < not_before {
            return Err(PathError::NotYetValid {
                certificate: self.cert_ref(role),
                not_before: Timestamp::from_unix_seconds(not_before),
                at: self.at,
            });
        }
        if self.at.unix_seconds() > not_after {
            return Err(PathError::Expired {
                certificate: self.cert_ref(role),
                not_after: Timestamp::from_unix_seconds(not_after),
                at: self.at,
            });
        }
        Ok(())
    }

    /// The first supplied CRL whose issuer is the certificate's issuer (the one
    /// webpki consults for it).
    pub(crate) fn crl_for(&self, cert: &Certificate) -> Option<usize> {
        let issuer = name_value(cert, false)?;
        self.crls
            .iter()
            .position(|crl| crl.issuer_value() == issuer.as_slice())
    }

    /// Candidate issuers of `cert` by name: supplied intermediates, then anchors.
    pub(crate) fn issuers_of(&self, cert: &Certificate) -> Vec<ChainRole> {
        let issuer = name_value(cert, false);
        let matches = |c: &Certificate| issuer.is_some() && name_value(c, true) == issuer;
        let intermediates = self
            .intermediates
            .iter()
            .enumerate()
            .filter(|(_, c)| matches(c) && *c != cert)
            .map(|(index, _)| ChainRole::Intermediate { index });
        let anchors = self
            .anchors
            .iter()
            .enumerate()
            .filter(|(_, c)| matches(c))
            .map(|(index, _)| ChainRole::TrustAnchor { index });
        intermediates.chain(anchors).collect()
    }

    /// The path by names from the leaf: each step takes the first candidate
    /// issuer not yet visited, stopping at a trust anchor or a dead end.
    fn name_walk(&self) -> Vec<ChainRole> {
        let mut walk = vec![ChainRole::Leaf];
        while walk.len() <= self.intermediates.len() + 1 {
            let Some(last) = walk.last().copied() else {
                break;
            };
            if matches!(last, ChainRole::TrustAnchor { .. }) {
                break;
            }
            let next = self
                .issuers_of(self.cert(last))
                .into_iter()
                .find(|role| !walk.contains(role));
            match next {
                Some(role) => walk.push(role),
                None => break,
            }
        }
        walk
    }

    /// Certificates of the name walk that some other certificate names as issuer.
    fn walk_issuers(&self) -> Vec<ChainRole> {
        self.name_walk().into_iter().skip(1).collect()
    }

    fn first_in_walk(&self, pred: impl Fn(&Certificate) -> bool) -> Option<CertificateRef> {
        self.name_walk()
            .into_iter()
            .find(|&role| pred(self.cert(role)))
            .map(|role| self.cert_ref(role))
    }

    fn first_intermediate(&self, pred: impl Fn(&Certificate) -> bool) -> Option<CertificateRef> {
        let walk = self.name_walk();
        let in_walk = walk
            .iter()
            .copied()
            .filter(|r| matches!(r, ChainRole::Intermediate { .. }));
        let others = (0..self.intermediates.len()).map(|index| ChainRole::Intermediate { index });
        in_walk
            .chain(others)
            .find(|&role| pred(self.cert(role)))
            .map(|role| self.cert_ref(role))
    }

    /// Maps a webpki error; `parsing` names the certificate webpki was parsing
    /// when the error comes from parsing one.
    pub(crate) fn diagnose(&self, error: &webpki::Error, parsing: Option<ChainRole>) -> PathError {
        use webpki::Error as W;
        let at = self.at;
        let parsed = parsing.map(|role| self.cert_ref(role));
        let malformed = |detail| PathError::MalformedCertificate {
            certificate: parsed.clone(),
            detail,
        };
        match error {
            W::CertExpired { not_after, .. } => {
                let secs = not_after.as_secs();
                let certificate = self
                    .first_intermediate(|c| c.not_after() == secs)
                    .unwrap_or_else(|| self.cert_ref(ChainRole::Leaf));
                PathError::Expired {
                    certificate,
                    not_after: Timestamp::from_unix_seconds(secs),
                    at,
                }
            }
            W::CertNotValidYet { not_before, .. } => {
                let secs = not_before.as_secs();
                let certificate = self
                    .first_intermediate(|c| c.not_before() == secs)
                    .unwrap_or_else(|| self.cert_ref(ChainRole::Leaf));
                PathError::NotYetValid {
                    certificate,
                    not_before: Timestamp::from_unix_seconds(secs),
                    at,
                }
            }
            W::InvalidCertValidity => PathError::MalformedCertificate {
                certificate: self.first_intermediate(|c| c.not_before() > c.not_after()),
                detail: Malformation::InvalidValidityPeriod,
            },
            W::EndEntityUsedAsCa => {
                let walk = self.walk_issuers();
                let certificate = walk
                    .into_iter()
                    .find(|&r| !inspect::is_ca(self.cert(r).x509()))
                    .map(|r| self.cert_ref(r))
                    .or_else(|| self.first_intermediate(|c| !inspect::is_ca(c.x509())))
                    .unwrap_or_else(|| self.cert_ref(ChainRole::Leaf));
                PathError::IssuerNotCa { certificate }
            }
            W::CaUsedAsEndEntity => PathError::CaUsedAsLeaf {
                certificate: self.cert_ref(ChainRole::Leaf),
            },
            W::PathLenConstraintViolated => PathError::PathLenExceeded {
                certificate: self.path_len_culprit(),
            },
            W::UnsupportedCriticalExtension => {
                let found = parsed
                    .clone()
                    .map(|r| (r.role, self.cert(r.role)))
                    .into_iter()
                    .chain(self.walk_issuers().into_iter().map(|r| (r, self.cert(r))))
                    .find_map(|(role, c)| {
                        inspect::unknown_critical_extension(c.x509()).map(|oid| (role, oid))
                    });
                match found {
                    Some((role, oid)) => PathError::UnknownCriticalExtension {
                        certificate: self.cert_ref(role),
                        oid,
                    },
                    None => PathError::Unclassified,
                }
            }
            W::UnsupportedCertVersion => PathError::UnsupportedCertificateVersion {
                certificate: parsed
                    .clone()
                    .or_else(|| self.first_intermediate(|c| !is_v3(c)))
                    .unwrap_or_else(|| self.cert_ref(ChainRole::Leaf)),
            },
            W::UnsupportedSignatureAlgorithmContext(cx) => {
                let oid = algorithm_oid(&cx.signature_algorithm_id);
                let certificate = oid.and_then(|oid| {
                    self.first_in_walk(|c| inspect::signature_algorithm(c.x509()) == oid)
                });
                match (oid.and_then(inspect::weak_digest), certificate.clone()) {
                    (Some(digest), Some(certificate)) => PathError::WeakSignatureAlgorithm {
                        certificate,
                        digest,
                    },
                    _ => PathError::UnsupportedSignatureAlgorithm {
                        certificate,
                        algorithm: oid,
                    },
                }
            }
            W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => self
                .weak_key_in_walk()
                .unwrap_or(PathError::SignatureAlgorithmMismatchesKey {
                    certificate: self.failing_link(),
                }),
            W::InvalidSignatureForPublicKey => self.weak_key_in_walk().unwrap_or_else(|| {
                let certificate = self.failing_link();
                #[cfg(feature = "gm")]
                if let Some(mismatch) = certificate
                    .as_ref()
                    .and_then(|c| self.sm2_id_mismatch(c.role))
                {
                    return mismatch;
                }
                PathError::BadSignature { certificate }
            }),
            W::CertRevoked => self.revoked(),
            W::UnknownRevocationStatus => PathError::RevocationStatusUnknown {
                certificate: self
                    .name_walk()
                    .into_iter()
                    .filter(|r| !matches!(r, ChainRole::TrustAnchor { .. }))
                    .find(|&r| self.crl_for(self.cert(r)).is_none())
                    .map(|r| self.cert_ref(r)),
            },
            W::CrlExpired { next_update, .. } => {
                let secs = next_update.as_secs();
                let index = self
                    .crls
                    .iter()
                    .position(|c| c.next_update().map(Timestamp::unix_seconds) == Some(secs))
                    .unwrap_or(0);
                PathError::CrlExpired {
                    crl: self.crl_ref(index),
                    next_update: Timestamp::from_unix_seconds(secs),
                    at,
                }
            }
            W::InvalidCrlSignatureForPublicKey => PathError::CrlBadSignature {
                crl: self.walk_crl(),
            },
            W::UnsupportedCrlSignatureAlgorithmContext(_)
            | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
                PathError::CrlUnsupportedSignatureAlgorithm {
                    crl: self.walk_crl(),
                }
            }
            W::IssuerNotCrlSigner => PathError::CrlIssuerNotCrlSigner {
                crl: self.walk_crl(),
            },
            W::UnknownIssuer => self.unknown_issuer(),
            W::NameConstraintViolation => PathError::NameConstraintViolation,
            W::MalformedNameConstraint | W::InvalidNetworkMaskConstraint => {
                malformed(Malformation::NameConstraint)
            }
            W::MalformedDnsIdentifier => malformed(Malformation::Name),
            W::EmptyEkuExtension => PathError::MalformedCertificate {
                certificate: self.first_intermediate(|c| {
                    inspect::extended_key_usage(c.x509()).is_some_and(|e| e.is_empty())
                }),
                detail: Malformation::EmptyExtendedKeyUsage,
            },
            W::MaximumSignatureChecksExceeded => budget(WorkBudget::Signatures),
            W::MaximumPathBuildCallsExceeded => budget(WorkBudget::PathBuildingSteps),
            W::MaximumNameConstraintComparisonsExceeded => {
                budget(WorkBudget::NameConstraintComparisons)
            }
            W::MaximumPathDepthExceeded => budget(WorkBudget::PathDepth),
            W::SignatureAlgorithmMismatch => malformed(Malformation::SignatureAlgorithmMismatch),
            W::InvalidSerialNumber => malformed(Malformation::InvalidSerialNumber),
            W::BadDerTime => malformed(Malformation::BadTime),
            W::TrailingData(_) => malformed(Malformation::TrailingData),
            W::ExtensionValueInvalid => malformed(Malformation::InvalidExtension),
            W::BadDer | W::MalformedExtensions => malformed(Malformation::BadDer),
            W::CertDistrusted => PathError::Distrusted,
            _ => PathError::Unclassified,
        }
    }

    fn path_len_culprit(&self) -> Option<CertificateRef> {
        let walk = self.name_walk();
        let mut below = 0usize;
        for (i, &role) in walk.iter().enumerate().skip(1) {
            let cert = self.cert(role);
            if let Some((_, bc)) = inspect::basic_constraints(cert.x509()) {
                if bc
                    .path_len_constraint
                    .is_some_and(|len| usize::from(len) < below)
                {
                    return Some(self.cert_ref(role));
                }
            }
            if i >= 1 && !inspect::is_self_issued(cert.x509()) {
                below += 1;
            }
        }
        None
    }

    fn weak_key_in_walk(&self) -> Option<PathError> {
        self.walk_issuers().into_iter().find_map(|role| {
            let cert = self.cert(role);
            let bits = inspect::rsa_key_bits(cert.x509(), cert.key_family())?;
            (bits < RSA_MIN_BITS).then(|| PathError::WeakRsaKey {
                certificate: self.cert_ref(role),
                bits,
                min: RSA_MIN_BITS,
            })
        })
    }

    /// The first certificate of the name walk whose signature verifies with the
    /// key of none of its candidate issuers (`None` when each has one: webpki's
    /// failure then came from pairing certificates that share a name; `None`
    /// too once [`MAX_DIAGNOSIS_SIGNATURES`] verifications are spent, so that a
    /// sender's crafted bundle of same-name certificates costs a bounded
    /// amount of work whoever sent it).
    fn failing_link(&self) -> Option<CertificateRef> {
        let mut left = MAX_DIAGNOSIS_SIGNATURES;
        for role in self.name_walk() {
            if matches!(role, ChainRole::TrustAnchor { .. }) {
                continue;
            }
            let cert = self.cert(role);
            let issuers = self.issuers_of(cert);
            if issuers.is_empty() {
                continue;
            }
            let mut verified = false;
            for issuer in issuers {
                if left == 0 {
                    return None;
                }
                left -= 1;
                if signature_verifies(cert, self.cert(issuer)) {
                    verified = true;
                    break;
                }
            }
            if !verified {
                return Some(self.cert_ref(role));
            }
        }
        None
    }

    fn walk_crl(&self) -> Option<CrlRef> {
        self.name_walk()
            .into_iter()
            .filter(|r| !matches!(r, ChainRole::TrustAnchor { .. }))
            .find_map(|r| self.crl_for(self.cert(r)))
            .map(|i| self.crl_ref(i))
    }

    fn revoked(&self) -> PathError {
        let found = self.name_walk().into_iter().find_map(|role| {
            let cert = self.cert(role);
            let crl = &self.crls[self.crl_for(cert)?];
            crl.entry(cert.serial_number()).map(|entry| (role, entry))
        });
        match found {
            Some((role, (revoked_at, reason))) => PathError::Revoked {
                certificate: self.cert_ref(role),
                serial: hex(self.cert(role).serial_number()),
                revoked_at: Some(revoked_at),
                reason,
            },
            None => PathError::Revoked {
                certificate: self.cert_ref(ChainRole::Leaf),
                serial: hex(self.leaf.serial_number()),
                revoked_at: None,
                reason: None,
            },
        }
    }

    fn unknown_issuer(&self) -> PathError {
        let walk = self.name_walk();
        let last = walk.last().map(|&r| self.cert(r)).unwrap_or(self.leaf);
        if walk.len() > 1 && inspect::is_self_issued(last.x509()) {
            PathError::UntrustedRoot {
                subject: shorten(last.subject()),
            }
        } else {
            PathError::UnknownIssuer {
                issuer: shorten(last.issuer()),
            }
        }
    }
}

/// Most signature verifications the diagnosis of a failed path validation
/// makes to name the certificate whose signature is bad (webpki's own budget,
/// 100, bounds the validation itself).
pub const MAX_DIAGNOSIS_SIGNATURES: usize = 16;

/// Names in errors are cut at 200 characters: a certificate's subject is
/// attacker-controlled and may be tens of kilobytes long.
pub(crate) fn shorten(mut name: String) -> String {
    const MAX: usize = 200;
    if name.len() > MAX {
        let mut cut = MAX;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name.push('…');
    }
    name
}

fn budget(budget: WorkBudget) -> PathError {
    PathError::BudgetExceeded { budget }
}

fn is_v3(cert: &Certificate) -> bool {
    cert.x509().tbs_certificate().version() == x509_cert::certificate::Version::V3
}

/// How specific an error is: when every candidate path fails, the highest rank
/// is reported (webpki's order, with our reasons slotted in).
pub(crate) fn rank(error: &PathError) -> u32 {
    match error {
        PathError::Expired { .. } | PathError::NotYetValid { .. } => 290,
        PathError::Revoked { .. }
        | PathError::RevocationStatusUnknown { .. }
        | PathError::CrlExpired { .. }
        | PathError::CrlNotYetValid { .. }
        | PathError::Distrusted => 270,
        PathError::BadSignature { .. }
        | PathError::Sm2DistinguishingIdMismatch { .. }
        | PathError::CrlBadSignature { .. } => 260,
        PathError::KeyUsageForbidsPurpose { .. } | PathError::RequiredEkuMissing { .. } => 240,
        PathError::NameConstraintViolation => 230,
        PathError::PathLenExceeded { .. } => 220,
        PathError::IssuerNotCa { .. } | PathError::CaUsedAsLeaf { .. } => 210,
        PathError::IssuerMissingKeyCertSign { .. } => 205,
        PathError::CrlIssuerNotCrlSigner { .. } | PathError::ProfileViolation { .. } => 200,
        PathError::WeakRsaKey { .. }
        | PathError::IrregularRsaKey { .. }
        | PathError::WeakSignatureAlgorithm { .. } => 160,
        PathError::SignatureAlgorithmMismatchesKey { .. } => 150,
        PathError::UnsupportedSignatureAlgorithm { .. }
        | PathError::CrlUnsupportedSignatureAlgorithm { .. } => 140,
        PathError::UnknownCriticalExtension { .. }
        | PathError::UnsupportedCertificateVersion { .. } => 130,
        PathError::PathTooLong { .. } => 100,
        PathError::MalformedCertificate { .. } => 40,
        _ => 0,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "gm")]
impl Inputs<'_> {
    /// When the SM2-with-SM3 signature of the certificate at `role` verifies
    /// under another distinguishing ID than the one path validation uses
    /// (tried: the empty ID, OpenSSL 3.0's default) with the key of one of
    /// its candidate issuers (at most [`MAX_DIAGNOSIS_SIGNATURES`]), the
    /// error that says so.
    fn sm2_id_mismatch(&self, role: ChainRole) -> Option<PathError> {
        let cert = self.cert(role);
        let other_ids: [&dyn pki_types::SignatureVerificationAlgorithm; 1] =
            [SM2_WITH_SM3_EMPTY_ID];
        self.issuers_of(cert)
            .into_iter()
            .take(MAX_DIAGNOSIS_SIGNATURES)
            .find(|&issuer| signature_verifies_under(cert, self.cert(issuer), &other_ids))
            .map(|_| PathError::Sm2DistinguishingIdMismatch {
                certificate: self.cert_ref(role),
                signed_with: SM2_WITH_SM3_EMPTY_ID.id().to_vec(),
            })
    }
}
