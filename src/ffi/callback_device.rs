//! [`fapiao_callback_device`]: an issuing device outside the library (a hardware
//! tax device behind its vendor's SDK, a remote signing service) that a C/C++
//! host plugs in with a callback, for a service platform to host or an
//! enterprise's front end to run.
//!
//! The library hands the callback each control command as JSON and takes back
//! the issued invoice as JSON; it never passes on an invoice that does not read,
//! names another device, or differs from what the command asked for (seller,
//! kind, colour, totals).

use core::ffi::{c_char, c_void};

use super::boundary::{Failure, Out, fixed_text, guard, guard_value, str_arg};
use super::device::DeviceHandle;
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT, FAPIAO_NULL_ARGUMENT};
use super::store::fapiao_store;
use crate::device::{ControlCommand, DeviceFailure, IssuingDevice, issued_as_requested};
use crate::error::Error;
use crate::invoice::IssuedInvoice;

/// What the host's device callback reports for one command.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_device_status {
    /// The device issued the invoice: its JSON is in the answer.
    FAPIAO_DEVICE_ISSUED = 0,
    /// The device cannot issue now (busy, unplugged): the same command is sent
    /// again later. `detail` may say why.
    FAPIAO_DEVICE_RETRY_LATER = 1,
    /// The device will never issue this command (no numbers left, refused):
    /// `detail` says why.
    FAPIAO_DEVICE_REFUSED = 2,
}

/// Longest invoice JSON the callback can return, in bytes.
const INVOICE_JSON_MAX: usize = 16384;

/// The callback's answer, zeroed by the library before each call.
#[repr(C)]
pub struct fapiao_device_answer {
    /// `FAPIAO_DEVICE_ISSUED`: the issued invoice as JSON (the `invoice` object of
    /// an `ISSUED` issue response: `invoice_number`, `invoice_kind`, `color`,
    /// `issued_at_unix`, `check_code`, `seller_tax_id`, `amount_fen`,
    /// `tax_amount_fen`, `total_fen`, `device_id`, `device_signature_hex`), at
    /// most 16384 bytes.
    pub invoice_json: [u8; 16384],
    /// How many bytes of `invoice_json` are used.
    pub invoice_json_len: usize,
    /// Otherwise: why, NUL-terminated within its 256 bytes.
    pub detail: [c_char; 256],
}

/// The host's device. Called with `user_data` as given to
/// `fapiao_callback_device_new`, the control command's JSON (`command_json`,
/// `command_json_len` bytes, valid during the call: `command_id`,
/// `deadline_unix` and the validated `request`), the time `now` (UNIX seconds)
/// and a zeroed `answer` to fill. Returns a `fapiao_device_status`; any other
/// value is taken as a final refusal.
///
/// The device must be idempotent on `command_id`: the same command again (a
/// retry after a crash or a lost answer) returns the invoice issued the first
/// time, never a second number. It may be called from several threads at once
/// (from every thread the platform or front end is used on).
pub type fapiao_issue_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        command_json: *const u8,
        command_json_len: usize,
        now: u64,
        answer: *mut fapiao_device_answer,
    ) -> u32,
>;

type IssueFn =
    unsafe extern "C" fn(*mut c_void, *const u8, usize, u64, *mut fapiao_device_answer) -> u32;

/// An issuing device behind the host's callback. May be used from several
/// threads at once (so must the callback).
pub struct fapiao_callback_device {
    pub(crate) inner: std::sync::Arc<CallbackDevice>,
}

impl Handle for fapiao_callback_device {
    const NAME: &'static str = "fapiao_callback_device";
}

impl DeviceHandle for fapiao_callback_device {
    fn device(&self) -> std::sync::Arc<dyn IssuingDevice> {
        self.inner.clone()
    }

    fn numbers_in(&self, _store: &fapiao_store) -> bool {
        // Its numbering is the device's own: never a unit of work, so a slow
        // device does not hold the store's write lock.
        false
    }
}

/// The callback as an [`IssuingDevice`].
pub(crate) struct CallbackDevice {
    device_id: String,
    issue: IssueFn,
    user_data: *mut c_void,
}

// SAFETY: the host promises (`fapiao_issue_fn`) that the callback and its user
// data may be used from any thread, concurrently; the library only passes the
// pointer back to the callback.
unsafe impl Send for CallbackDevice {}
// SAFETY: as above.
unsafe impl Sync for CallbackDevice {}

impl IssuingDevice for CallbackDevice {
    fn device_id(&self) -> &str {
        &self.device_id
    }

    fn issue(&self, command: &ControlCommand, now_unix: u64) -> Result<IssuedInvoice, Error> {
        Ok(self.issue_reported(command, now_unix)?)
    }
}

impl CallbackDevice {
    /// Drives the callback; its refusals are [`DeviceFailure`]s.
    fn issue_reported(
        &self,
        command: &ControlCommand,
        now_unix: u64,
    ) -> Result<IssuedInvoice, DeviceFailure> {
        let json = command
            .to_json()
            .map_err(|e| self.unusable(e.to_string()))?;
        let mut answer = Box::new(fapiao_device_answer {
            invoice_json: [0; INVOICE_JSON_MAX],
            invoice_json_len: 0,
            detail: [0; 256],
        });
        // SAFETY: the host promised a callback of this signature; the command and
        // the answer are valid for the call and used by nothing else meanwhile.
        let status = unsafe {
            (self.issue)(
                self.user_data,
                json.as_ptr(),
                json.len(),
                now_unix,
                &mut *answer,
            )
        };
        const ISSUED: u32 = fapiao_device_status::FAPIAO_DEVICE_ISSUED as u32;
        const RETRY_LATER: u32 = fapiao_device_status::FAPIAO_DEVICE_RETRY_LATER as u32;
        const REFUSED: u32 = fapiao_device_status::FAPIAO_DEVICE_REFUSED as u32;
        let reported = |retryable, detail| DeviceFailure::Reported {
            device_id: self.device_id.clone(),
            retryable,
            detail,
        };
        match status {
            ISSUED => self.invoice_in(&answer, command),
            RETRY_LATER => Err(reported(true, fixed_text(&answer.detail))),
            REFUSED => Err(reported(false, fixed_text(&answer.detail))),
            other => Err(reported(
                false,
                format!("the device callback returned {other}, not a fapiao_device_status"),
            )),
        }
    }

    fn unusable(&self, problem: String) -> DeviceFailure {
        DeviceFailure::UnusableInvoice {
            device_id: self.device_id.clone(),
            problem,
        }
    }

    /// The invoice in `answer`, checked against `command`.
    fn invoice_in(
        &self,
        answer: &fapiao_device_answer,
        command: &ControlCommand,
    ) -> Result<IssuedInvoice, DeviceFailure> {
        let len = answer.invoice_json_len;
        let Some(json) = answer.invoice_json.get(..len) else {
            return Err(self.unusable(format!(
                "invoice_json_len {len} is past the {INVOICE_JSON_MAX}-byte array"
            )));
        };
        let invoice: IssuedInvoice = serde_json::from_slice(json)
            .map_err(|e| self.unusable(format!("the invoice JSON does not read: {e}")))?;
        if invoice.device_id != self.device_id {
            return Err(self.unusable(format!("the invoice names device {:?}", invoice.device_id)));
        }
        issued_as_requested(&invoice, command.request().request())
            .map_err(|unlike| self.unusable(format!("not the command's invoice: {unlike}")))?;
        Ok(invoice)
    }
}

/// A device named `device_id` (NUL-terminated; 1 to 64 of
/// `A-Z a-z 0-9 _ - . :`, as the invoices it issues name it) that issues through
/// `issue`, called with `user_data` (see `fapiao_issue_fn` for the contract).
/// Give it to `fapiao_service_platform_new_with_callback_device` or
/// `fapiao_front_end_new_with_callback_device`.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_callback_device_free` (the platforms made with it keep what they
/// need); on failure (`FAPIAO_INVALID_ARGUMENT` for a bad id) `*out` is not
/// written.
///
/// # Safety
///
/// `device_id` must be NULL or a NUL-terminated string; `issue` must follow
/// `fapiao_issue_fn`, and `user_data` stay valid as long as any platform or
/// front end made with the device lives; `out` NULL or a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_callback_device_new(
    device_id: *const c_char,
    issue: fapiao_issue_fn,
    user_data: *mut c_void,
    out: *mut *mut fapiao_callback_device,
) -> fapiao_result {
    guard("fapiao_callback_device_new", || {
        // SAFETY: the caller guarantees the string and `out`.
        let (device_id, out) = unsafe { (str_arg(device_id, "device_id")?, Out::new(out, "out")?) };
        let Some(issue) = issue else {
            return Err(Failure::new(
                FAPIAO_NULL_ARGUMENT,
                "argument `issue` is NULL",
            ));
        };
        if !crate::device::is_identifier(device_id, 64) {
            return Err(Failure::new(
                FAPIAO_INVALID_ARGUMENT,
                format!("invalid device id {device_id:?}: 1 to 64 of A-Z a-z 0-9 _ - . : needed"),
            ));
        }
        let inner = std::sync::Arc::new(CallbackDevice {
            device_id: device_id.to_owned(),
            issue,
            user_data,
        });
        out.write(handle::into_handle(fapiao_callback_device { inner }));
        Ok(())
    })
}

/// Frees a callback device (platforms made with it keep it alive as long as
/// they need it). NULL does nothing; a pointer that is not a live callback
/// device is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `device` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_callback_device_free(device: *mut fapiao_callback_device) {
    guard_value("fapiao_callback_device_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(device, "device") }
    })
}
