//! [`RegisteredFrontEnds`]: the qualification registry as the binder of
//! enterprise front ends in the certificate exchange.

use super::record::{EnterpriseStatus, HostingMode};
use super::registry::QualificationRegistry;
use crate::error::Error;
use crate::exchange::{PartyBinder, PartyRole};
use crate::invoice::UnifiedSocialCreditCode;
use crate::pki::Certificate;

/// Lets a certificate claim an enterprise front end's party id (its unified
/// social credit code) when the registry says so: the enterprise is registered
/// with an enterprise-hosted device and is not revoked, and the certificate
/// carries the credit code in its subject serialNumber or its key is among the
/// record's `bound_certificates` (the same binding that authenticates the
/// enterprise's orders).
///
/// It binds nothing else: no other role, no id that is not a credit code.
#[derive(Clone, Copy)]
pub struct RegisteredFrontEnds<'a>(pub &'a dyn QualificationRegistry);

impl PartyBinder for RegisteredFrontEnds<'_> {
    fn binds(
        &self,
        certificate: &Certificate,
        party_id: &str,
        role: PartyRole,
    ) -> Result<bool, Error> {
        if role != PartyRole::EnterpriseFrontEnd {
            return Ok(false);
        }
        let Ok(tax_id) = UnifiedSocialCreditCode::parse(party_id) else {
            return Ok(false);
        };
        let Some(record) = self.0.record(&tax_id)? else {
            return Ok(false);
        };
        if record.hosting_mode != HostingMode::EnterpriseHosted
            || record.status == EnterpriseStatus::Revoked
        {
            return Ok(false);
        }
        Ok(
            certificate.subject_serial_number().as_deref() == Some(tax_id.as_str())
                || record
                    .bound_certificates
                    .contains(&certificate.spki_fingerprint()),
        )
    }
}
