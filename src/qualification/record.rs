//! [`QualificationRecord`]: what the registry knows about one enterprise.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::QualificationError;
use crate::invoice::{InvoiceKind, UnifiedSocialCreditCode, YearMonth, hex};
use crate::pki::{Certificate, SpkiFingerprint};
use crate::time::Timestamp;

/// An enterprise's qualification to issue invoices through the service platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationRecord {
    /// Unified social credit code: the key of the record.
    pub tax_id: UnifiedSocialCreditCode,
    /// Registered name.
    pub name: String,
    /// Active, suspended or revoked.
    pub status: EnterpriseStatus,
    /// Kinds of invoice it may issue.
    pub allowed_invoice_kinds: BTreeSet<InvoiceKind>,
    /// Single-invoice limit (单张开票限额): the largest amount without tax of one
    /// invoice, in fen.
    pub single_invoice_limit_fen: i64,
    /// Monthly quota: the most it may issue in a calendar month (China Standard
    /// Time), summed over amounts without tax, in fen.
    pub monthly_quota_fen: i64,
    /// Start of the validity window (inclusive).
    pub valid_from_unix: Timestamp,
    /// End of the validity window (exclusive).
    pub valid_until_unix: Timestamp,
    /// Who hosts its issuing device.
    pub hosting_mode: HostingMode,
    /// Party ids of the cloud platforms allowed to act for it (as in the peer
    /// directory).
    pub allowed_platforms: BTreeSet<String>,
    /// SHA-256 fingerprints of the SubjectPublicKeyInfo of certificates bound to it,
    /// besides those whose subject serialNumber is its tax id. JSON: 64 hex digits
    /// each.
    #[serde(default, with = "hex::fingerprint_set")]
    pub bound_certificates: BTreeSet<SpkiFingerprint>,
    /// The enterprise's own issuing devices (enterprise-hosted mode): the only
    /// devices whose invoices its front end may report, each with the
    /// certificate its seals verify against. Their number segments are
    /// allocated at the service platform (see [`RegisteredDevice`]).
    #[serde(default)]
    pub devices: Vec<RegisteredDevice>,
}

/// One of an enterprise's own issuing devices, as the service platform knows it.
///
/// The service platform allocates the device's number segments: they are
/// registered in the platform's [`DeviceStore`](crate::device::DeviceStore) under
/// `device_id`, next to the hosted device's, so that no two devices' numbers
/// overlap. An invoice the enterprise's front end reports is recorded only when it
/// names one of these devices, its number lies in a segment registered to that
/// device for its kind, and its seal verifies with `seal_certificate_pem`. A
/// device is one enterprise's: a registry refuses a record listing a device id
/// another enterprise's record lists, and the service platform never takes its
/// hosted device's id from a front end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredDevice {
    /// The device's id, as written in the invoices it issues (1 to 64 of
    /// `A-Z a-z 0-9 _ - . :`).
    pub device_id: String,
    /// The device's seal certificate: one PEM `CERTIFICATE` block.
    pub seal_certificate_pem: String,
}

impl RegisteredDevice {
    /// The device's seal certificate, parsed.
    pub fn seal_certificate(&self) -> Result<Certificate, crate::Error> {
        Certificate::from_pem(self.seal_certificate_pem.as_bytes())
    }
}

impl QualificationRecord {
    /// Reads one record from its JSON (the fields above, in snake case; the
    /// enums in upper snake case, e.g. `"ACTIVE"`, `"PLATFORM_HOSTED"`;
    /// `bound_certificates` and `devices` may be left out), refusing unknown
    /// fields, and checks it ([`check`](Self::check)).
    pub fn from_json(json: &[u8]) -> Result<Self, QualificationError> {
        let record: Self = serde_json::from_slice(json).map_err(QualificationError::Json)?;
        record.check()?;
        Ok(record)
    }

    /// The registered device `device_id`, if it is one of the enterprise's.
    pub fn device(&self, device_id: &str) -> Option<&RegisteredDevice> {
        self.devices.iter().find(|d| d.device_id == device_id)
    }

    /// Checks the record's own consistency: a name, non-negative limits, a
    /// validity window that ends after it starts, and registered devices with
    /// well-formed, distinct ids and seal certificates that parse.
    pub fn check(&self) -> Result<(), QualificationError> {
        let problem = if self.name.trim().is_empty() {
            "the name is blank"
        } else if self.single_invoice_limit_fen < 0 {
            "the single-invoice limit is negative"
        } else if self.monthly_quota_fen < 0 {
            "the monthly quota is negative"
        } else if self.valid_until_unix <= self.valid_from_unix {
            "the validity window ends before it starts"
        } else if let Some(problem) = self.device_problem() {
            problem
        } else {
            return Ok(());
        };
        Err(QualificationError::InvalidRecord {
            tax_id: self.tax_id.clone(),
            problem,
        })
    }
}

/// The problem of a record listing a device another enterprise's record lists.
pub(crate) const DEVICE_OF_ANOTHER: &str = "a device is registered to another enterprise";

impl QualificationRecord {
    /// Whether `other`, another enterprise's record, lists one of this record's
    /// devices (a device is one enterprise's: its numbers and seal are its own).
    pub(crate) fn shares_a_device_with(&self, other: &QualificationRecord) -> bool {
        other.tax_id != self.tax_id
            && self
                .devices
                .iter()
                .any(|d| other.device(&d.device_id).is_some())
    }

    /// What is wrong with the registered devices, if anything.
    fn device_problem(&self) -> Option<&'static str> {
        let mut ids = BTreeSet::new();
        for device in &self.devices {
            if !crate::device::is_identifier(&device.device_id, 64) {
                return Some("a device id is not 1 to 64 of A-Z a-z 0-9 _ - . :");
            }
            if !ids.insert(device.device_id.as_str()) {
                return Some("a device is registered twice");
            }
            if device.seal_certificate().is_err() {
                return Some("a device's seal certificate is not one PEM certificate");
            }
        }
        None
    }
}

/// State of an enterprise's qualification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnterpriseStatus {
    /// May issue.
    Active,
    /// Temporarily may not issue.
    Suspended,
    /// May no longer issue.
    Revoked,
}

/// Who hosts an enterprise's issuing device (the two modes of the patent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HostingMode {
    /// The service platform hosts the device and answers synchronously.
    PlatformHosted,
    /// The enterprise hosts the device behind its front-end service (前置服务); the
    /// service platform answers "accepted" and the result is polled.
    EnterpriseHosted,
}

/// How much of a month's quota is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthlyUsage {
    /// The month (China Standard Time).
    pub month: YearMonth,
    /// Committed: invoices issued, in fen.
    pub used_fen: i64,
    /// Reserved by invoices being issued, in fen.
    pub reserved_fen: i64,
}
