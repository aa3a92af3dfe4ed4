//! [`RecordingTaxAuthority`]: an in-memory tax authority for tests, with fault
//! injection.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::invoice::{InvoiceNumber, IssuedInvoice};

use super::authority::{TaxAuthority, TaxReceipt};
use crate::error::UploadError;

/// What one upload call got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadCall {
    /// The invoice uploaded.
    pub invoice: IssuedInvoice,
    /// The caller's time.
    pub now: u64,
    /// What it answered.
    pub result: Result<TaxReceipt, UploadError>,
}

/// A tax authority that records every upload and answers as told.
///
/// Faults are taken in this order on each call: a refusal configured for the
/// invoice's number ([`refuse`](Self::refuse), final), then pending time-outs
/// ([`time_out_next`](Self::time_out_next), retryable), then pending
/// unavailability ([`fail_next`](Self::fail_next), retryable). Otherwise it
/// accepts, and an invoice number it accepted before gets the same receipt again.
/// Receipt ids are `TAX-00000001`, `TAX-00000002`, … in order of first acceptance.
#[derive(Debug, Default)]
pub struct RecordingTaxAuthority {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<UploadCall>,
    receipts: HashMap<InvoiceNumber, TaxReceipt>,
    accepted_order: Vec<InvoiceNumber>,
    refusals: HashMap<InvoiceNumber, (String, String)>,
    time_outs: u32,
    failures: u32,
}

impl RecordingTaxAuthority {
    /// An authority that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `count` uploads (of any invoice) fail as unavailable.
    pub fn fail_next(&self, count: u32) {
        self.lock().failures = count;
    }

    /// The next `count` uploads (of any invoice) time out.
    pub fn time_out_next(&self, count: u32) {
        self.lock().time_outs = count;
    }

    /// Refuses every upload of `invoice_number` from now on.
    pub fn refuse(&self, invoice_number: &InvoiceNumber, code: &str, message: &str) {
        self.lock().refusals.insert(
            invoice_number.clone(),
            (code.to_owned(), message.to_owned()),
        );
    }

    /// Stops refusing `invoice_number` (its cause was dealt with).
    pub fn clear_refusal(&self, invoice_number: &InvoiceNumber) {
        self.lock().refusals.remove(invoice_number);
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<UploadCall> {
        self.lock().calls.clone()
    }

    /// The receipts given, in order of first acceptance.
    pub fn receipts(&self) -> Vec<TaxReceipt> {
        let state = self.lock();
        state
            .accepted_order
            .iter()
            .filter_map(|number| state.receipts.get(number).cloned())
            .collect()
    }
}

impl TaxAuthority for RecordingTaxAuthority {
    fn upload(&self, invoice: &IssuedInvoice, now: u64) -> Result<TaxReceipt, UploadError> {
        let mut state = self.lock();
        let number = &invoice.invoice_number;
        let result = if let Some((code, message)) = state.refusals.get(number) {
            Err(UploadError::Refused {
                code: code.clone(),
                message: message.clone(),
            })
        } else if state.time_outs > 0 {
            state.time_outs -= 1;
            Err(UploadError::TimedOut)
        } else if state.failures > 0 {
            state.failures -= 1;
            Err(UploadError::Unavailable {
                code: "503".to_owned(),
            })
        } else if let Some(receipt) = state.receipts.get(number) {
            Ok(receipt.clone())
        } else {
            let receipt = TaxReceipt {
                invoice_number: number.clone(),
                receipt_id: format!("TAX-{:08}", state.accepted_order.len() + 1),
                accepted_at_unix: now,
            };
            state.receipts.insert(number.clone(), receipt.clone());
            state.accepted_order.push(number.clone());
            Ok(receipt)
        };
        state.calls.push(UploadCall {
            invoice: invoice.clone(),
            now,
            result: result.clone(),
        });
        result
    }
}
