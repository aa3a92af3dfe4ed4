//! [`SoftwareDevice`]: the reference issuing device, numbering from segments kept
//! in a [`DeviceStore`].

use std::collections::BTreeSet;
use std::sync::Arc;

use super::canonical;
use super::check_code::{DeviceSecret, compute_check_code_with, sha256_hex};
use super::command::ControlCommand;
use super::seal::seal;
use super::segment::{AllocatedNumber, NumberSegment, SegmentState};
use super::{IssuingDevice, is_identifier};
use crate::crypto::CryptoProvider;
use crate::device::{DeviceStore, NextNumber};
use crate::error::DeviceFailure;
use crate::error::StoreError;
use crate::invoice::{CheckCode, IssuedInvoice, UnifiedSocialCreditCode};
use crate::pki::{Certificate, Credentials};
use crate::time::Timestamp;

/// A software issuing device.
///
/// * Numbers come from the device's [`NumberSegment`]s for the invoice's kind, in
///   the order the segments were added, strictly in sequence: the store takes the
///   next number and records the issued invoice under the command id in one
///   transaction, so a number is never given twice, never skipped without a
///   record, and survives restarts.
/// * The check code is keyed with the device's [`DeviceSecret`]
///   ([`compute_check_code`](super::compute_check_code)).
/// * The invoice is sealed with the device's [`Credentials`] through the crypto
///   provider, so the key may live in an HSM behind a custom
///   [`KeyProvider`](crate::crypto::KeyProvider); verify with
///   [`verify_device_signature`](super::verify_device_signature).
/// * The same command (same id and request) returns the invoice recorded the first
///   time, even after its deadline; the same id with another request is a
///   [`DeviceFailure::CommandConflict`].
/// * Configured with [`serving`](Self::serving), it issues only for those
///   sellers ([`DeviceFailure::SellerNotServed`] otherwise): an enterprise's
///   own device serves its enterprise alone.
pub struct SoftwareDevice {
    device_id: String,
    credentials: Credentials,
    secret: DeviceSecret,
    store: Arc<dyn DeviceStore>,
    provider: &'static CryptoProvider,
    sellers: Option<BTreeSet<UnifiedSocialCreditCode>>,
}

impl core::fmt::Debug for SoftwareDevice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftwareDevice")
            .field("device_id", &self.device_id)
            .field("certificate", &self.credentials.leaf().subject())
            .field("provider", &self.provider.name)
            .finish_non_exhaustive()
    }
}

impl SoftwareDevice {
    /// A device named `device_id` (1 to 64 of `A-Z a-z 0-9 _ - . :`) that seals with
    /// `credentials`, keys check codes with `secret`, and keeps its numbering in
    /// `store`.
    pub fn new(
        device_id: &str,
        credentials: Credentials,
        secret: DeviceSecret,
        store: Arc<dyn DeviceStore>,
        provider: &'static CryptoProvider,
    ) -> Result<Self, DeviceFailure> {
        if !is_identifier(device_id, 64) {
            return Err(DeviceFailure::InvalidDeviceId {
                device_id: device_id.to_owned(),
            });
        }
        Ok(Self {
            device_id: device_id.to_owned(),
            credentials,
            secret,
            store,
            provider,
            sellers: None,
        })
    }

    /// Restricts the device to `sellers`: a command for any other seller is
    /// refused with [`DeviceFailure::SellerNotServed`] before a number is taken.
    /// Without it the device issues for whichever seller its host commands
    /// (a service platform's device, serving every platform-hosted enterprise
    /// the platform authenticated).
    pub fn serving(mut self, sellers: impl IntoIterator<Item = UnifiedSocialCreditCode>) -> Self {
        self.sellers = Some(sellers.into_iter().collect());
        self
    }

    /// Adds a number segment allotted to this device (adding the same segment again
    /// changes nothing).
    pub fn add_segment(&self, segment: &NumberSegment) -> Result<(), crate::Error> {
        if segment.device_id() != self.device_id {
            return Err(DeviceFailure::InvalidSegment {
                segment_id: segment.segment_id().to_owned(),
                problem: "the segment is allotted to another device",
            }
            .into());
        }
        Ok(self.store.add_segment(segment)?)
    }

    /// The device's segments and how far each is used.
    pub fn segments(&self) -> Result<Vec<SegmentState>, StoreError> {
        self.store.segments(&self.device_id)
    }

    /// The device's certificate (the seal's).
    pub fn certificate(&self) -> &Certificate {
        self.credentials.leaf()
    }

    fn make_invoice(
        &self,
        command: &ControlCommand,
        content_sha256: &str,
        allocated: &AllocatedNumber,
        now_unix: u64,
    ) -> Result<IssuedInvoice, DeviceFailure> {
        let request = command.request();
        let totals = request.totals();
        let mut invoice = IssuedInvoice {
            invoice_number: allocated.number.clone(),
            invoice_kind: request.invoice_kind(),
            color: request.color(),
            issued_at_unix: Timestamp::from_unix_seconds(now_unix),
            check_code: CheckCode::parse("00000000000000000000").expect("20 digits"),
            seller_tax_id: request.seller_tax_id().clone(),
            amount_fen: totals.amount_fen,
            tax_amount_fen: totals.tax_amount_fen,
            total_fen: totals.total_fen,
            device_id: self.device_id.clone(),
            device_signature: Vec::new(),
        };
        invoice.check_code =
            compute_check_code_with(&self.secret, self.provider, &invoice, content_sha256)?;
        seal(&mut invoice, &self.credentials)?;
        Ok(invoice)
    }
}

impl IssuingDevice for SoftwareDevice {
    fn device_id(&self) -> &str {
        &self.device_id
    }

    fn issue(
        &self,
        command: &ControlCommand,
        now_unix: u64,
    ) -> Result<IssuedInvoice, crate::Error> {
        if let Some(sellers) = &self.sellers {
            if !sellers.contains(command.enterprise()) {
                return Err(DeviceFailure::SellerNotServed {
                    seller: command.enterprise().to_string(),
                }
                .into());
            }
        }
        // The request's canonical JSON, encoded once for the command's digest
        // and the check code's content hash.
        let request =
            canonical::to_vec(command.request().request()).map_err(DeviceFailure::Encoding)?;
        let digest = command.digest_with(self.provider, &request)?;
        let next = NextNumber {
            device_id: &self.device_id,
            command_id: command.command_id(),
            command_digest: &digest,
            invoice_kind: command.request().invoice_kind(),
        };
        let issued = self.store.issue_next(&next, &mut |allocated| {
            if now_unix > command.deadline_unix() {
                return Err(DeviceFailure::DeadlinePassed {
                    command_id: command.command_id().to_owned(),
                    deadline_unix: command.deadline_unix(),
                    now_unix,
                });
            }
            let content_sha256 = sha256_hex(self.provider.hasher, &request);
            self.make_invoice(command, &content_sha256, allocated, now_unix)
        })?;
        Ok(issued.invoice)
    }
}
