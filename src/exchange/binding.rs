//! Who may be whom: which party ids and roles a certificate may claim.
//!
//! A valid certificate path proves which key signed a message; it does not say
//! which party that key may speak for. Before the certificate exchange pins a
//! peer under a party id and a role, a [`PartyBinder`] must accept the claim:
//!
//! * [`PartyBindings`]: what an operator configured, one [`PartyBinding`] per
//!   party (a cloud platform's, a service platform's id agreed out of band), each
//!   naming the certificates that may claim it ([`CertificateMatch`]: the
//!   subject's serialNumber, the key's fingerprint, or the issuing CA's and the
//!   subject's names);
//! * the qualification registry, for enterprise front ends (see
//!   [`RegisteredFrontEnds`](crate::qualification::RegisteredFrontEnds)): the enterprise's credit code in the
//!   certificate's subject serialNumber, or the key bound in its record.
//!
//! A claim nobody binds is refused: there is no "trust on first use".

use crate::error::{Error, PartyRole, PathError};
use crate::pki::{Certificate, EkuPolicy, SpkiFingerprint};

/// What a certificate must show to be the certificate of a party.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateMatch {
    /// The subject's `serialNumber` attribute (OID 2.5.4.5) is exactly this:
    /// Chinese CAs put an organisation's unified social credit code there.
    SubjectSerialNumber(String),
    /// The certificate's key: the SHA-256 of its SubjectPublicKeyInfo.
    Key(SpkiFingerprint),
    /// Issued by the CA named `issuer` to the subject named `subject`, both as
    /// RFC 4514 strings the way [`Certificate::issuer`] and
    /// [`Certificate::subject`] write them.
    IssuerAndSubject {
        /// The issuer's name.
        issuer: String,
        /// The subject's name.
        subject: String,
    },
}

impl CertificateMatch {
    /// Whether `certificate` shows what this match asks for.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        match self {
            Self::SubjectSerialNumber(serial) => {
                certificate.subject_serial_number().as_deref() == Some(serial.as_str())
            }
            Self::Key(fingerprint) => certificate.spki_fingerprint() == *fingerprint,
            Self::IssuerAndSubject { issuer, subject } => {
                certificate.issuer() == *issuer && certificate.subject() == *subject
            }
        }
    }
}

/// One operator-configured binding: certificates matching `certificate` may
/// claim `party_id` in `role`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyBinding {
    /// The party id.
    pub party_id: String,
    /// The role it plays.
    pub role: PartyRole,
    /// Which certificates may claim it.
    pub certificate: CertificateMatch,
}

/// Decides whether a certificate may claim a party id in a role.
pub trait PartyBinder: Send + Sync {
    /// `Ok(true)` when `certificate` may claim `party_id` in `role`, `Ok(false)`
    /// when this binder does not bind it (another binder may); `Err` when the
    /// binder could not decide (its store failed).
    fn binds(
        &self,
        certificate: &Certificate,
        party_id: &str,
        role: PartyRole,
    ) -> Result<bool, Error>;
}

/// The operator's bindings, and the extendedKeyUsage each role's certificates
/// must list.
#[derive(Clone, Debug, Default)]
pub struct PartyBindings {
    bindings: Vec<PartyBinding>,
    role_eku: Vec<(PartyRole, EkuPolicy)>,
}

impl PartyBindings {
    /// No bindings: every claim is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a binding: certificates matching `certificate` may claim `party_id`
    /// in `role`.
    pub fn bind(mut self, party_id: &str, role: PartyRole, certificate: CertificateMatch) -> Self {
        self.push(PartyBinding {
            party_id: party_id.to_owned(),
            role,
            certificate,
        });
        self
    }

    /// Adds a binding in place.
    pub fn push(&mut self, binding: PartyBinding) {
        self.bindings.push(binding);
    }

    /// Requires every certificate claiming `role` to satisfy `eku` (replacing
    /// an earlier requirement for the role).
    pub fn require_eku(mut self, role: PartyRole, eku: EkuPolicy) -> Self {
        self.set_role_eku(role, eku);
        self
    }

    /// Sets the extendedKeyUsage requirement of `role` in place.
    pub fn set_role_eku(&mut self, role: PartyRole, eku: EkuPolicy) {
        self.role_eku.retain(|(r, _)| *r != role);
        self.role_eku.push((role, eku));
    }

    /// The bindings, in the order added.
    pub fn bindings(&self) -> &[PartyBinding] {
        &self.bindings
    }

    /// Checks `certificate` against the extendedKeyUsage required of `role`, if
    /// any.
    pub fn check_role_eku(&self, certificate: &Certificate, role: PartyRole) -> Result<(), Error> {
        match self.role_eku.iter().find(|(r, _)| *r == role) {
            Some((_, eku)) => eku.check(certificate).map_err(Error::from),
            None => Ok(()),
        }
    }
}

impl PartyBinder for PartyBindings {
    fn binds(
        &self,
        certificate: &Certificate,
        party_id: &str,
        role: PartyRole,
    ) -> Result<bool, Error> {
        Ok(self.bindings.iter().any(|b| {
            b.party_id == party_id && b.role == role && b.certificate.matches(certificate)
        }))
    }
}

impl EkuPolicy {
    /// Checks that `certificate`'s extendedKeyUsage satisfies this policy.
    pub fn check(&self, certificate: &Certificate) -> Result<(), PathError> {
        self.check_x509(certificate.x509())
    }

    pub(crate) fn check_x509(&self, x509: &x509_cert::Certificate) -> Result<(), PathError> {
        let present = crate::pki::inspect::extended_key_usage(x509);
        let listed = present.clone().unwrap_or_default();
        let any = self.accepts_any && listed.contains(&crate::pki::key_purpose::ANY);
        let absent_ok = present.is_none() && self.accepts_absent;
        if any || absent_ok {
            return Ok(());
        }
        match self.required.iter().find(|oid| !listed.contains(oid)) {
            Some(missing) => Err(PathError::RequiredEkuMissing {
                required: *missing,
                present: listed,
            }),
            None => Ok(()),
        }
    }
}
