//! [`PathValidator`]: builds and checks a path from a leaf certificate to a trust
//! anchor with rustls-webpki, then applies what webpki leaves out (key usage of
//! the leaf and of every CA, the RFC 5280 profile, extended key usage, weak
//! algorithms and keys, trust-anchor checks, CRL thisUpdate).

use core::cell::RefCell;

use pki_types::{CertificateDer, UnixTime};
use webpki::{
    ExpirationPolicy, RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::diagnosis::{Inputs, rank};
use super::inspect::{self, PathPosition};
use super::policy::PathPolicy;
use super::signature_algorithms::SIGNATURE_ALGORITHMS;
use super::verified_path::VerifiedPath;
use super::{Certificate, Crl, Timestamp, TrustStore};
use crate::crypto::{KeyFamily, RSA_MIN_BITS};
use crate::error::Error;
use crate::error::PathError;
use crate::error::Purpose;
use crate::error::{ChainRole, Malformation};

/// A webpki error no path check produces: it marks a candidate path that one of
/// our own checks refused (the reason is kept aside).
const OUR_REFUSAL: webpki::Error = webpki::Error::UnsupportedNameType;

/// Validates certificate paths against a [`TrustStore`] under a
/// [`PathPolicy`].
///
/// ```
/// use fapiao::pki::{Certificate, PathValidator, Purpose, Timestamp, TrustStore, PathPolicy};
/// let store = TrustStore::from_pem_or_der(&std::fs::read("tests/data/root-ca.pem").unwrap()).unwrap();
/// let leaf = Certificate::from_pem(&std::fs::read("tests/data/ecp-rsa.pem").unwrap()).unwrap();
/// let chain = Certificate::load_bundle(&std::fs::read("tests/data/issuing-ca.pem").unwrap()).unwrap();
/// let validator = PathValidator::new(&store, PathPolicy::default());
/// let at = Timestamp::from_unix_seconds(1_811_808_000); // 2027-06-01T00:00:00Z
/// let path = validator.verify(&leaf, &chain, &[], at, Purpose::Sign).unwrap();
/// assert_eq!(path.chain().len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct PathValidator<'a> {
    trust: &'a TrustStore,
    policy: PathPolicy,
    crls: &'a [Crl],
}

impl<'a> PathValidator<'a> {
    /// A validator over `trust` with `policy`.
    pub fn new(trust: &'a TrustStore, policy: PathPolicy) -> Self {
        Self {
            trust,
            policy,
            crls: &[],
        }
    }

    /// The CRLs to check when the validator serves as the envelope's
    /// [`SignerTrust`](crate::envelope::SignerTrust) or the exchange's
    /// [`PeerValidator`](crate::exchange::PeerValidator) (where no CRLs are passed per call).
    pub fn with_crls(mut self, crls: &'a [Crl]) -> Self {
        self.crls = crls;
        self
    }

    /// The CRLs set with [`with_crls`](Self::with_crls).
    pub fn crls(&self) -> &'a [Crl] {
        self.crls
    }

    /// The policy in force.
    pub fn policy(&self) -> &PathPolicy {
        &self.policy
    }

    /// Builds a path from `leaf` through some of the untrusted `intermediates` to
    /// a trust anchor, valid at `at` for `purpose`, checking revocation against
    /// `crls`. Returns the path, or the most specific reason none is valid.
    pub fn verify(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        crls: &[Crl],
        at: Timestamp,
        purpose: Purpose,
    ) -> Result<VerifiedPath, Error> {
        self.verify_inner(leaf, intermediates, crls, at, purpose)
            .map_err(Error::from)
    }

    /// [`verify`](Self::verify) with the path error itself.
    pub(crate) fn verify_inner(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        crls: &[Crl],
        at: Timestamp,
        purpose: Purpose,
    ) -> Result<VerifiedPath, PathError> {
        let limits = &self.policy.limits;
        if intermediates.len() > limits.max_intermediates {
            return Err(PathError::TooManyIntermediates {
                supplied: intermediates.len(),
                max: limits.max_intermediates,
            });
        }
        if crls.len() > limits.max_crls {
            return Err(PathError::TooManyCrls {
                supplied: crls.len(),
                max: limits.max_crls,
            });
        }
        if self.trust.is_empty() {
            return Err(PathError::NoTrustAnchors);
        }
        let inputs = Inputs {
            leaf,
            intermediates,
            anchors: self.trust.certificates(),
            crls,
            at,
        };
        let leaf_der = CertificateDer::from(leaf.der());
        let end_entity = webpki::EndEntityCert::try_from(&leaf_der)
            .map_err(|e| inputs.diagnose(&e, Some(ChainRole::Leaf)))?;
        self.check_leaf(&inputs, purpose)?;
        let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.der()))
            .collect();
        let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().map(Crl::webpki).collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs)
            .ok()
            .map(|builder| {
                builder
                    .with_depth(if self.policy.revocation_leaf_only {
                        RevocationCheckDepth::EndEntity
                    } else {
                        RevocationCheckDepth::Chain
                    })
                    .with_status_policy(if self.policy.require_revocation_status {
                        UnknownStatusPolicy::Deny
                    } else {
                        UnknownStatusPolicy::Allow
                    })
                    .with_expiration_policy(if self.policy.require_fresh_crls {
                        ExpirationPolicy::Enforce
                    } else {
                        ExpirationPolicy::Ignore
                    })
                    .build()
            });

        let refused: RefCell<Option<PathError>> = RefCell::new(None);
        let anchors = self.trust.webpki_anchors();
        let check_candidate = |candidate: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            // A candidate that cannot be mapped back onto the inputs (which webpki
            // never produces) is refused rather than accepted unchecked.
            let checked = resolve(&inputs, anchors, candidate)
                .ok_or(PathError::Unclassified)
                .and_then(|path| self.check_path(&inputs, &path));
            match checked {
                Ok(()) => Ok(()),
                Err(error) => {
                    let mut slot = refused.borrow_mut();
                    if slot.as_ref().is_none_or(|kept| rank(&error) > rank(kept)) {
                        *slot = Some(error);
                    }
                    Err(OUR_REFUSAL)
                }
            }
        };
        let result = end_entity.verify_for_usage(
            SIGNATURE_ALGORITHMS,
            anchors,
            &intermediate_ders,
            UnixTime::since_unix_epoch(core::time::Duration::from_secs(at.unix_seconds())),
            AnyExtendedKeyUsage,
            revocation,
            Some(&check_candidate),
        );
        match result {
            Ok(verified) => {
                let path = resolve(&inputs, anchors, &verified).ok_or(PathError::Unclassified)?;
                Ok(VerifiedPath::new(
                    path.chain(&inputs, self.trust),
                    purpose,
                    at,
                ))
            }
            Err(error) => {
                let ours = refused.into_inner();
                if error == OUR_REFUSAL {
                    return Err(ours.unwrap_or(PathError::Unclassified));
                }
                let theirs = inputs.diagnose(&error, None);
                Err(match ours {
                    Some(ours) if rank(&ours) >= rank(&theirs) => ours,
                    _ => theirs,
                })
            }
        }
    }

    /// Checks on the leaf alone, before path building.
    fn check_leaf(&self, inputs: &Inputs<'_>, purpose: Purpose) -> Result<(), PathError> {
        let leaf = inputs.leaf;
        let x509 = leaf.x509();
        let me = || inputs.cert_ref(ChainRole::Leaf);
        if let Some((_, detail)) = inspect::malformed_extension(x509) {
            return Err(PathError::MalformedCertificate {
                certificate: Some(me()),
                detail,
            });
        }
        if let Some(oid) = inspect::unknown_critical_extension(x509) {
            return Err(PathError::UnknownCriticalExtension {
                certificate: me(),
                oid,
            });
        }
        if let Some(rule) = inspect::profile_violation(x509, PathPosition::Leaf) {
            return Err(PathError::ProfileViolation {
                certificate: me(),
                rule,
            });
        }
        inputs.check_validity(ChainRole::Leaf, leaf)?;
        if let Some(digest) = inspect::weak_digest(inspect::signature_algorithm(x509)) {
            return Err(PathError::WeakSignatureAlgorithm {
                certificate: me(),
                digest,
            });
        }
        check_key(inputs, ChainRole::Leaf, leaf)?;
        if !inspect::serial_is_valid(x509) {
            return Err(PathError::MalformedCertificate {
                certificate: Some(me()),
                detail: Malformation::InvalidSerialNumber,
            });
        }
        check_purpose(leaf, purpose)?;
        if inspect::extended_key_usage(x509).is_some_and(|eku| eku.is_empty()) {
            return Err(PathError::MalformedCertificate {
                certificate: Some(me()),
                detail: Malformation::EmptyExtendedKeyUsage,
            });
        }
        if let Some(policy) = &self.policy.eku {
            policy.check_x509(x509)?;
        }
        Ok(())
    }

    /// Checks on a complete candidate path that webpki accepted.
    fn check_path(&self, inputs: &Inputs<'_>, path: &Resolved) -> Result<(), PathError> {
        let logical = path
            .intermediates
            .iter()
            .filter(|&&i| !inspect::is_self_issued(inputs.intermediates[i].x509()))
            .count();
        if logical > self.policy.limits.max_path_intermediates {
            return Err(PathError::PathTooLong {
                max: self.policy.limits.max_path_intermediates,
            });
        }
        // The path, leaf first, trust anchor last.
        let certs: Vec<(ChainRole, &Certificate)> =
            core::iter::once((ChainRole::Leaf, inputs.leaf))
                .chain(path.intermediates.iter().map(|&i| {
                    (
                        ChainRole::Intermediate { index: i },
                        &inputs.intermediates[i],
                    )
                }))
                .chain(core::iter::once((
                    ChainRole::TrustAnchor { index: path.anchor },
                    &inputs.anchors[path.anchor],
                )))
                .collect();
        for &(role, cert) in &certs[1..] {
            check_issuer(inputs, role, cert)?;
        }
        for pair in certs.windows(2) {
            let ((role, cert), (_, issuer)) = (pair[0], pair[1]);
            if self.policy.revocation_leaf_only && role != ChainRole::Leaf {
                break;
            }
            match inputs.crl_for(cert) {
                Some(index) => {
                    let crl = &inputs.crls[index];
                    if crl.this_update() > inputs.at {
                        return Err(PathError::CrlNotYetValid {
                            crl: inputs.crl_ref(index),
                            this_update: crl.this_update(),
                            at: inputs.at,
                        });
                    }
                    // webpki does not check the key usage of a trust anchor that
                    // signs a CRL.
                    if inspect::key_usage(issuer.x509()).is_some_and(|ku| !ku.crl_sign()) {
                        return Err(PathError::CrlIssuerNotCrlSigner {
                            crl: Some(inputs.crl_ref(index)),
                        });
                    }
                }
                None if self.policy.require_revocation_status && inputs.crls.is_empty() => {
                    return Err(PathError::RevocationStatusUnknown {
                        certificate: Some(inputs.cert_ref(role)),
                    });
                }
                None => {}
            }
        }
        Ok(())
    }
}

/// Checks on a certificate that issues another in the path (an intermediate or
/// the trust anchor).
fn check_issuer(inputs: &Inputs<'_>, role: ChainRole, cert: &Certificate) -> Result<(), PathError> {
    let x509 = cert.x509();
    let me = || inputs.cert_ref(role);
    let anchor = matches!(role, ChainRole::TrustAnchor { .. });
    if let Some((_, detail)) = inspect::malformed_extension(x509) {
        return Err(PathError::MalformedCertificate {
            certificate: Some(me()),
            detail,
        });
    }
    if anchor {
        // webpki ignores the anchor's extensions and validity.
        if let Some(oid) = inspect::unknown_critical_extension(x509) {
            return Err(PathError::UnknownCriticalExtension {
                certificate: me(),
                oid,
            });
        }
        inputs.check_validity(role, cert)?;
    } else if !inspect::serial_is_valid(x509) {
        return Err(PathError::MalformedCertificate {
            certificate: Some(me()),
            detail: Malformation::InvalidSerialNumber,
        });
    }
    let position = if anchor {
        PathPosition::Anchor
    } else {
        PathPosition::Intermediate
    };
    if let Some(rule) = inspect::profile_violation(x509, position) {
        return Err(PathError::ProfileViolation {
            certificate: me(),
            rule,
        });
    }
    if inspect::key_usage(x509).is_some_and(|ku| !ku.key_cert_sign()) {
        return Err(PathError::IssuerMissingKeyCertSign { certificate: me() });
    }
    check_key(inputs, role, cert)
}

/// Refuses RSA keys under [`RSA_MIN_BITS`] or whose modulus is not a whole
/// number of bytes.
fn check_key(inputs: &Inputs<'_>, role: ChainRole, cert: &Certificate) -> Result<(), PathError> {
    let Some(bits) = inspect::rsa_key_bits(cert.x509(), cert.key_family()) else {
        return Ok(());
    };
    if bits < RSA_MIN_BITS {
        return Err(PathError::WeakRsaKey {
            certificate: inputs.cert_ref(role),
            bits,
            min: RSA_MIN_BITS,
        });
    }
    if bits % 8 != 0 {
        return Err(PathError::IrregularRsaKey {
            certificate: inputs.cert_ref(role),
            bits,
        });
    }
    Ok(())
}

/// Refuses a leaf whose keyUsage does not allow `purpose`.
fn check_purpose(leaf: &Certificate, purpose: Purpose) -> Result<(), PathError> {
    let Some(ku) = inspect::key_usage(leaf.x509()) else {
        return Ok(());
    };
    let allowed = match purpose {
        Purpose::Any => true,
        Purpose::Sign => ku.digital_signature() || ku.non_repudiation(),
        Purpose::Encrypt => match leaf.key_family() {
            KeyFamily::Rsa => ku.key_encipherment(),
            // SM2 encrypts the content key to the recipient (GM/T 0010) or
            // agrees one: an encryption certificate lists either.
            KeyFamily::Sm2 => ku.key_encipherment() || ku.key_agreement(),
            _ => ku.key_agreement(),
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(PathError::KeyUsageForbidsPurpose {
            purpose,
            present: inspect::key_usage_names(&ku),
        })
    }
}

/// webpki's extended-key-usage hook: accept every purpose (the leaf's EKU policy
/// is ours), but refuse malformed purpose OIDs.
struct AnyExtendedKeyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyExtendedKeyUsage {
    fn validate(&self, iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

/// A webpki path mapped back onto our inputs: positions of the intermediates used
/// (leaf side first) and of the trust anchor.
pub(crate) struct Resolved {
    pub(crate) intermediates: Vec<usize>,
    pub(crate) anchor: usize,
}

impl Resolved {
    fn chain(&self, inputs: &Inputs<'_>, trust: &TrustStore) -> Vec<Certificate> {
        let mut chain = Vec::with_capacity(self.intermediates.len() + 2);
        chain.push(inputs.leaf.clone());
        chain.extend(
            self.intermediates
                .iter()
                .map(|&i| inputs.intermediates[i].clone()),
        );
        chain.push(trust.certificates()[self.anchor].clone());
        chain
    }
}

fn resolve(
    inputs: &Inputs<'_>,
    anchors: &[pki_types::TrustAnchor<'static>],
    path: &webpki::VerifiedPath<'_>,
) -> Option<Resolved> {
    let intermediates = path
        .intermediate_certificates()
        .map(|cert| {
            let der = cert.der();
            inputs
                .intermediates
                .iter()
                .position(|c| c.der() == der.as_ref())
        })
        .collect::<Option<Vec<usize>>>()?;
    let anchor = anchors
        .iter()
        .position(|a| core::ptr::eq(a, path.anchor()))?;
    Some(Resolved {
        intermediates,
        anchor,
    })
}
