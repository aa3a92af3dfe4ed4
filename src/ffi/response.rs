//! [`fapiao_issue_response`]: the service platform's answer as the cloud
//! platform opened it: an issued invoice, a ticket to poll, or a refusal.

use core::ffi::c_char;

use super::boundary::{Failure, Out, guard, guard_value, write_str};
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_INTERNAL, FAPIAO_NOT_FOUND};
use crate::error::Error;
use crate::invoice::{IssueOutcome, IssueResponse, IssuedInvoice};

/// What happened to an issue request: `fapiao_issue_response_outcome`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_issue_outcome {
    /// The invoice was issued (platform-hosted, synchronous).
    FAPIAO_OUTCOME_ISSUED = 1,
    /// Accepted; the enterprise's own device will issue it (enterprise-hosted,
    /// asynchronous): poll with the ticket.
    FAPIAO_OUTCOME_ACCEPTED_PENDING = 2,
    /// Not issued: see the failure code and the JSON.
    FAPIAO_OUTCOME_FAILED = 3,
}

/// An issue response (protocol version 1.0) with its JSON. Immutable.
pub struct fapiao_issue_response {
    response: IssueResponse,
    json: Vec<u8>,
}

impl Handle for fapiao_issue_response {
    const NAME: &'static str = "fapiao_issue_response";
}

impl fapiao_issue_response {
    pub(crate) fn into_handle(response: IssueResponse) -> Result<*mut Self, Failure> {
        let json = response.to_json().map_err(Error::from)?;
        Ok(handle::into_handle(Self { response, json }))
    }

    fn invoice(&self) -> Result<&IssuedInvoice, Failure> {
        match &self.response.outcome {
            IssueOutcome::Issued { invoice } => Ok(invoice),
            _ => Err(Failure::new(
                FAPIAO_NOT_FOUND,
                "the response carries no invoice (its outcome is not ISSUED)",
            )),
        }
    }
}

/// Borrows `response`.
///
/// # Safety
///
/// As for [`handle::borrow`].
unsafe fn borrow<'a>(
    response: *const fapiao_issue_response,
) -> Result<&'a fapiao_issue_response, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { handle::borrow(response, "response") }
}

/// The outcome, a `fapiao_issue_outcome` value; `*outcome` is written on
/// `FAPIAO_OK` only.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `outcome`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_outcome(
    response: *const fapiao_issue_response,
    outcome: *mut u32,
) -> fapiao_result {
    guard("fapiao_issue_response_outcome", || {
        // SAFETY: the caller guarantees the handle and the output.
        let (response, outcome) = unsafe { (borrow(response)?, Out::new(outcome, "outcome")?) };
        let value = match &response.response.outcome {
            IssueOutcome::Issued { .. } => fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED,
            IssueOutcome::AcceptedPending { .. } => {
                fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING
            }
            IssueOutcome::Failed { .. } => fapiao_issue_outcome::FAPIAO_OUTCOME_FAILED,
        };
        outcome.write(value as u32);
        Ok(())
    })
}

/// The whole response as JSON (UTF-8, not NUL-terminated): `*data` and `*len`
/// describe bytes owned by `response`, valid until it is freed; written on
/// `FAPIAO_OK` only.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `data` and
/// `len` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_json(
    response: *const fapiao_issue_response,
    data: *mut *const u8,
    len: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_json", || {
        // SAFETY: the caller guarantees the handle and the outputs.
        let (response, data, len) = unsafe {
            (
                borrow(response)?,
                Out::new(data, "data")?,
                Out::new(len, "len")?,
            )
        };
        data.write(response.json.as_ptr());
        len.write(response.json.len());
        Ok(())
    })
}

/// Writes `value(response)` to the caller's buffer (the string accessors'
/// common body; cbindgen does not expand macros, so each export is written out).
///
/// # Safety
///
/// As for the accessors: `response` live, `buf` and `written` valid or NULL.
unsafe fn write_field(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
    value: impl FnOnce(&fapiao_issue_response) -> Result<String, Failure>,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let value = value(borrow(response)?)?;
        write_str(&value, buf, len, written)
    }
}

/// Writes the request's serial number, echoed by the service platform, to
/// `buf` as a NUL-terminated string.
///
/// On `FAPIAO_OK` `*written` is the length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_serial_number(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_serial_number", || {
        // SAFETY: the caller guarantees the handle and the buffers.
        unsafe {
            write_field(response, buf, len, written, |response| {
                Ok(response.response.serial_number.clone())
            })
        }
    })
}

/// Writes the issued invoice's number (20 digits, or `code/number` for the
/// legacy kinds) to `buf`; `FAPIAO_NOT_FOUND` unless the outcome is ISSUED.
///
/// On `FAPIAO_OK` `*written` is the length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_invoice_number(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_invoice_number", || {
        // SAFETY: the caller guarantees the handle and the buffers.
        unsafe {
            write_field(response, buf, len, written, |response| {
                Ok(response.invoice()?.invoice_number.to_string())
            })
        }
    })
}

/// Writes the issued invoice's check code (校验码) to `buf`;
/// `FAPIAO_NOT_FOUND` unless the outcome is ISSUED.
///
/// On `FAPIAO_OK` `*written` is the length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_check_code(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_check_code", || {
        // SAFETY: the caller guarantees the handle and the buffers.
        unsafe {
            write_field(response, buf, len, written, |response| {
                Ok(response.invoice()?.check_code.as_str().to_owned())
            })
        }
    })
}

/// Writes the ticket to poll with to `buf`; `FAPIAO_NOT_FOUND` unless the
/// outcome is ACCEPTED_PENDING.
///
/// On `FAPIAO_OK` `*written` is the length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_ticket(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_ticket", || {
        // SAFETY: the caller guarantees the handle and the buffers.
        unsafe {
            write_field(response, buf, len, written, |response| {
                Ok(match &response.response.outcome {
                    IssueOutcome::AcceptedPending { ticket } => ticket.clone(),
                    _ => {
                        return Err(Failure::new(
                            FAPIAO_NOT_FOUND,
                            "the response carries no ticket (its outcome is not ACCEPTED_PENDING)",
                        ));
                    }
                })
            })
        }
    })
}

/// Writes the stable code of the failure reason (`INVALID_REQUEST`,
/// `REFUSED`, `MALFORMED_REQUEST`, `SERIAL_NUMBER_CONFLICT`, `NOT_FOUND`,
/// `DEVICE_FAILED`, `UNSUPPORTED_VERSION`) to `buf`; `FAPIAO_NOT_FOUND` unless
/// the outcome is FAILED. The JSON has the details (violations, refusal).
///
/// On `FAPIAO_OK` `*written` is the length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_failure_code(
    response: *const fapiao_issue_response,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_issue_response_failure_code", || {
        // SAFETY: the caller guarantees the handle and the buffers.
        unsafe {
            write_field(response, buf, len, written, |response| {
                Ok(match &response.response.outcome {
                    IssueOutcome::Failed { reason } => serde_json::to_value(reason)
                        .ok()
                        .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
                        .ok_or_else(|| {
                            Failure::new(FAPIAO_INTERNAL, "the failure reason has no code")
                        })?,
                    _ => {
                        return Err(Failure::new(
                            FAPIAO_NOT_FOUND,
                            "the response carries no failure (its outcome is not FAILED)",
                        ));
                    }
                })
            })
        }
    })
}

/// The issued invoice's total with tax, in fen (分); `*total_fen` is written on
/// `FAPIAO_OK` only; `FAPIAO_NOT_FOUND` unless the outcome is ISSUED.
///
/// # Safety
///
/// `response` must not be freed by another thread during the call; `total_fen`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_total_fen(
    response: *const fapiao_issue_response,
    total_fen: *mut i64,
) -> fapiao_result {
    guard("fapiao_issue_response_total_fen", || {
        // SAFETY: the caller guarantees the handle and the output.
        let (response, total) = unsafe { (borrow(response)?, Out::new(total_fen, "total_fen")?) };
        total.write(response.invoice()?.total_fen);
        Ok(())
    })
}

/// Frees a response; pointers from `fapiao_issue_response_json` dangle
/// afterwards. NULL does nothing; a pointer that is not a live response is left
/// alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `response` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_issue_response_free(response: *mut fapiao_issue_response) {
    guard_value("fapiao_issue_response_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(response, "response") }
    })
}
