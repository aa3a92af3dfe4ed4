//! The tax upload for C/C++ service platform hosts: the host supplies the uplink
//! to the tax authority as a callback, and
//! [`fapiao_service_platform_drain_outbox`] uploads the invoices due in the
//! platform's outbox through it (`ServicePlatform::drain_outbox`: exponential
//! backoff with jitter, final refusals parked for an operator).

use core::ffi::{c_char, c_void};

use super::boundary::{Failure, Out, fixed_text, guard, resolve_now};
use super::handle;
use super::platform::fapiao_service_platform;
use super::result::fapiao_result;
use super::result::fapiao_result::{FAPIAO_INVALID_ARGUMENT, FAPIAO_NULL_ARGUMENT};
use crate::CryptoProvider;
use crate::invoice::IssuedInvoice;
use crate::tax::{ProviderJitter, RetryPolicy, TaxAuthority, TaxReceipt, UploadError};

/// What the host's upload callback reports for one invoice.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_upload_status {
    /// The authority accepted the invoice: `receipt_id` (and `accepted_at_unix`)
    /// of the answer are filled in.
    FAPIAO_UPLOAD_ACCEPTED = 0,
    /// No answer in time (retried later; uploads are idempotent by invoice
    /// number, so the authority must answer a second upload with the first
    /// receipt).
    FAPIAO_UPLOAD_TIMED_OUT = 1,
    /// The authority or the way to it is unavailable for now (retried later);
    /// `code` of the answer may say why.
    FAPIAO_UPLOAD_UNAVAILABLE = 2,
    /// The authority refused the invoice: parked for an operator, not retried.
    /// `code` and `message` of the answer say why.
    FAPIAO_UPLOAD_REFUSED = 3,
}

/// Longest receipt id, code or message the callback can report, with its NUL
/// (in C: `sizeof answer->receipt_id`).
const TEXT_MAX: usize = 256;

/// The callback's answer, zeroed by the library before each call. Each text is
/// NUL-terminated within its 256-byte array (`sizeof` it; a text filling the
/// whole array is cut at its last byte); invalid UTF-8 is replaced.
#[repr(C)]
pub struct fapiao_upload_answer {
    /// The authority's receipt id (`FAPIAO_UPLOAD_ACCEPTED`; must not be empty).
    pub receipt_id: [c_char; 256],
    /// When the authority accepted the invoice, UNIX seconds (its clock; 0 = the
    /// drain's `now`).
    pub accepted_at_unix: u64,
    /// The authority's or the transport's code (`UNAVAILABLE`, `REFUSED`).
    pub code: [c_char; 256],
    /// The authority's explanation (`REFUSED`).
    pub message: [c_char; 256],
}

/// The host's uplink to the tax authority. Called once for each invoice due,
/// on the thread that called `fapiao_service_platform_drain_outbox`, with
/// `user_data` as given there, the issued invoice's JSON (`invoice_json`,
/// `invoice_json_len` bytes, valid during the call only; its
/// `invoice_number.number` is the idempotency key) and a zeroed `answer` to fill.
/// Returns a `fapiao_upload_status`; any other value parks the invoice as
/// refused by the callback.
pub type fapiao_tax_upload_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        invoice_json: *const u8,
        invoice_json_len: usize,
        answer: *mut fapiao_upload_answer,
    ) -> u32,
>;

/// What one drain did.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct fapiao_drain_report {
    /// Invoices that were due and taken.
    pub due: usize,
    /// Uploaded (receipt recorded).
    pub uploaded: usize,
    /// Failed for now: scheduled again with backoff.
    pub retried: usize,
    /// Refused, or out of attempts: parked for an operator.
    pub parked: usize,
}

/// How the tax outbox retries, for
/// `fapiao_service_platform_drain_outbox_with_policy`;
/// `fapiao_retry_policy_default` fills in the defaults (30 s doubling up to an
/// hour, 12 attempts, 20% jitter, 100 invoices a call).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct fapiao_retry_policy {
    /// Delay after the first failure, in seconds (at least 1).
    pub base_delay_secs: u64,
    /// Largest delay before jitter, in seconds (at least `base_delay_secs`).
    pub max_delay_secs: u64,
    /// Failed attempts before an invoice is parked for an operator (at least 1).
    pub max_attempts: u32,
    /// Jitter, as a percentage of the delay (0 to 100).
    pub jitter_percent: u8,
    /// Most invoices to upload in one call (at least 1).
    pub batch_limit: usize,
}

impl From<RetryPolicy> for fapiao_retry_policy {
    fn from(policy: RetryPolicy) -> Self {
        Self {
            base_delay_secs: policy.base_delay_secs,
            max_delay_secs: policy.max_delay_secs,
            max_attempts: policy.max_attempts,
            jitter_percent: policy.jitter_percent,
            batch_limit: policy.batch_limit,
        }
    }
}

impl fapiao_retry_policy {
    /// The policy as the library's, or what is wrong with it.
    fn checked(&self) -> Result<RetryPolicy, Failure> {
        let invalid = |why: &str| Failure::new(FAPIAO_INVALID_ARGUMENT, format!("policy: {why}"));
        if self.base_delay_secs == 0 {
            return Err(invalid("base_delay_secs is 0"));
        }
        if self.max_delay_secs < self.base_delay_secs {
            return Err(invalid("max_delay_secs is below base_delay_secs"));
        }
        if self.max_attempts == 0 {
            return Err(invalid("max_attempts is 0"));
        }
        if self.jitter_percent > 100 {
            return Err(invalid("jitter_percent is over 100"));
        }
        if self.batch_limit == 0 {
            return Err(invalid("batch_limit is 0"));
        }
        Ok(RetryPolicy {
            base_delay_secs: self.base_delay_secs,
            max_delay_secs: self.max_delay_secs,
            max_attempts: self.max_attempts,
            jitter_percent: self.jitter_percent,
            batch_limit: self.batch_limit,
        })
    }
}

/// Writes the default retry policy to `*out`, to adjust before
/// `fapiao_service_platform_drain_outbox_with_policy`.
///
/// # Safety
///
/// `out` must be NULL or point at a writable `fapiao_retry_policy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_retry_policy_default(
    out: *mut fapiao_retry_policy,
) -> fapiao_result {
    guard("fapiao_retry_policy_default", || {
        // SAFETY: the caller guarantees `out`.
        let out = unsafe { Out::new(out, "out") }?;
        out.write(RetryPolicy::default().into());
        Ok(())
    })
}

/// The callback as a [`TaxAuthority`].
struct CallbackAuthority {
    upload: unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut fapiao_upload_answer) -> u32,
    user_data: *mut c_void,
}

// SAFETY: a `CallbackAuthority` lives only for one drain call and is used on
// the calling thread alone (`drain_outbox` is synchronous); the bounds are for
// the trait, the pointer is never sent anywhere.
unsafe impl Send for CallbackAuthority {}
// SAFETY: as above: never shared with another thread.
unsafe impl Sync for CallbackAuthority {}

impl TaxAuthority for CallbackAuthority {
    fn upload(&self, invoice: &IssuedInvoice, now: u64) -> Result<TaxReceipt, UploadError> {
        let json = serde_json::to_vec(invoice).map_err(|e| UploadError::Refused {
            code: "LOCAL".into(),
            message: format!("the invoice does not encode: {e}"),
        })?;
        let mut answer = fapiao_upload_answer {
            receipt_id: [0; TEXT_MAX],
            accepted_at_unix: 0,
            code: [0; TEXT_MAX],
            message: [0; TEXT_MAX],
        };
        // SAFETY: the host promised a callback of this signature; `json` and
        // `answer` are valid for the call and not used by anything else meanwhile.
        let status =
            unsafe { (self.upload)(self.user_data, json.as_ptr(), json.len(), &mut answer) };
        const ACCEPTED: u32 = fapiao_upload_status::FAPIAO_UPLOAD_ACCEPTED as u32;
        const TIMED_OUT: u32 = fapiao_upload_status::FAPIAO_UPLOAD_TIMED_OUT as u32;
        const UNAVAILABLE: u32 = fapiao_upload_status::FAPIAO_UPLOAD_UNAVAILABLE as u32;
        const REFUSED: u32 = fapiao_upload_status::FAPIAO_UPLOAD_REFUSED as u32;
        match status {
            ACCEPTED => {
                let receipt_id = fixed_text(&answer.receipt_id);
                if receipt_id.is_empty() {
                    // A receipt without an id cannot be told apart from none:
                    // try again rather than record it.
                    return Err(UploadError::Unavailable {
                        code: "the upload callback accepted without a receipt id".into(),
                    });
                }
                Ok(TaxReceipt {
                    invoice_number: invoice.invoice_number.clone(),
                    receipt_id,
                    accepted_at_unix: match answer.accepted_at_unix {
                        0 => now,
                        at => at,
                    },
                })
            }
            TIMED_OUT => Err(UploadError::TimedOut),
            UNAVAILABLE => Err(UploadError::Unavailable {
                code: fixed_text(&answer.code),
            }),
            REFUSED => Err(UploadError::Refused {
                code: fixed_text(&answer.code),
                message: fixed_text(&answer.message),
            }),
            other => Err(UploadError::Refused {
                code: "CALLBACK".into(),
                message: format!(
                    "the upload callback returned {other}, not a fapiao_upload_status"
                ),
            }),
        }
    }
}

/// Uploads the invoices due in `platform`'s tax outbox at `now` (UNIX seconds;
/// 0 = now) through `upload`, with the default retry policy: at most 100 per
/// call; an accepted upload records its receipt; a timeout or an unavailable
/// authority schedules the invoice again (30 s doubling up to an hour, with 20%
/// jitter); a refusal, or the twelfth failure, parks it for an operator. Each
/// outcome is recorded in its own transaction, so a crash after an upload only
/// uploads that invoice again. `fapiao_service_platform_drain_outbox_with_policy`
/// takes another policy.
///
/// Call it periodically (e.g. every few seconds) from one thread.
///
/// On `FAPIAO_OK`, `*report` receives what the drain did; on failure (a store
/// error stops the drain: `FAPIAO_STORE_FAILED`) it is not written, and the
/// outcomes recorded before the failure stay recorded.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `upload`
/// must follow `fapiao_tax_upload_fn`; `report` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_drain_outbox(
    platform: *const fapiao_service_platform,
    upload: fapiao_tax_upload_fn,
    user_data: *mut c_void,
    now: u64,
    report: *mut fapiao_drain_report,
) -> fapiao_result {
    guard("fapiao_service_platform_drain_outbox", || {
        // SAFETY: the caller's guarantees, passed on.
        unsafe {
            drain(
                platform,
                upload,
                user_data,
                &RetryPolicy::default(),
                now,
                report,
            )
        }
    })
}

/// `fapiao_service_platform_drain_outbox` with the retry policy `*policy`
/// (start from `fapiao_retry_policy_default`). A policy out of its ranges (see
/// `fapiao_retry_policy`) is `FAPIAO_INVALID_ARGUMENT`, before anything is
/// uploaded.
///
/// # Safety
///
/// As for `fapiao_service_platform_drain_outbox`; `policy` must be NULL or point
/// at a readable `fapiao_retry_policy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_drain_outbox_with_policy(
    platform: *const fapiao_service_platform,
    upload: fapiao_tax_upload_fn,
    user_data: *mut c_void,
    policy: *const fapiao_retry_policy,
    now: u64,
    report: *mut fapiao_drain_report,
) -> fapiao_result {
    guard("fapiao_service_platform_drain_outbox_with_policy", || {
        if policy.is_null() {
            return Err(Failure::null("policy"));
        }
        // SAFETY: not NULL, and readable by the caller's guarantee.
        let policy = unsafe { *policy }.checked()?;
        // SAFETY: the caller's guarantees, passed on.
        unsafe { drain(platform, upload, user_data, &policy, now, report) }
    })
}

/// The drain behind both C functions.
///
/// # Safety
///
/// As for `fapiao_service_platform_drain_outbox`.
unsafe fn drain(
    platform: *const fapiao_service_platform,
    upload: fapiao_tax_upload_fn,
    user_data: *mut c_void,
    policy: &RetryPolicy,
    now: u64,
    report: *mut fapiao_drain_report,
) -> Result<(), Failure> {
    // SAFETY: the caller guarantees the handle and `report`.
    let (platform, report) = unsafe {
        (
            handle::borrow(platform, "platform")?,
            Out::new(report, "report")?,
        )
    };
    let Some(upload) = upload else {
        return Err(Failure::new(
            FAPIAO_NULL_ARGUMENT,
            "argument `upload` is NULL",
        ));
    };
    let authority = CallbackAuthority { upload, user_data };
    let mut jitter = ProviderJitter(CryptoProvider::default_provider());
    let drained =
        platform
            .inner
            .drain_outbox(&authority, resolve_now(now)?, policy, &mut jitter)?;
    report.write(fapiao_drain_report {
        due: drained.due,
        uploaded: drained.uploaded,
        retried: drained.retried,
        parked: drained.parked,
    });
    Ok(())
}
