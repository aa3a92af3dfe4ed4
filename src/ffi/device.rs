//! [`fapiao_software_device`]: the reference software issuing device a service
//! platform hosts (it numbers, signs and journals invoices in the store).

use core::ffi::c_char;
use std::sync::Arc;

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, str_arg};
use super::credentials::fapiao_credentials;
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT};
use super::store::fapiao_store;
use super::store_engine::StoreEngine;
use crate::CryptoProvider;
use crate::device::{DeviceSecret, IssuingDevice, NumberSegment, SoftwareDevice};
use crate::error::Error;
use crate::invoice::InvoiceKind;

/// A software issuing device: numbers invoices from its segments, computes
/// check codes with its secret, signs them with its credentials and journals
/// every step in its store. May be used from several threads at once.
pub struct fapiao_software_device {
    pub(crate) inner: Arc<SoftwareDevice>,
    /// The store the device numbers in (a service platform on the same store
    /// runs each request in one transaction).
    pub(crate) store: Arc<dyn StoreEngine>,
}

impl Handle for fapiao_software_device {
    const NAME: &'static str = "fapiao_software_device";
}

/// A handle carrying an issuing device, for the platform and front-end
/// constructors.
pub(crate) trait DeviceHandle: Handle {
    /// The device.
    fn device(&self) -> Arc<dyn IssuingDevice>;
    /// Whether the device numbers in `store` (then a service platform on that
    /// store runs each request in one unit of work).
    fn numbers_in(&self, store: &fapiao_store) -> bool;
}

impl DeviceHandle for fapiao_software_device {
    fn device(&self) -> Arc<dyn IssuingDevice> {
        self.inner.clone()
    }

    fn numbers_in(&self, store: &fapiao_store) -> bool {
        Arc::ptr_eq(&self.store, &store.inner)
    }
}

/// A software device `device_id` (NUL-terminated, 1 to 64 of `A-Z a-z 0-9 _ - .
/// :`) that signs invoices with `credentials`, computes check codes with the
/// 16-to-64-byte `secret` and journals in `store`. It copies the credentials
/// and the secret and shares the store: all three may be freed after the call.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_software_device_free`; on failure (`FAPIAO_DEVICE_FAILED` for a bad
/// id or secret) `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed by another thread during the call;
/// `device_id` must be NULL or a NUL-terminated string; `secret` NULL or
/// `secret_len` readable bytes; `out` NULL or a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_software_device_new(
    device_id: *const c_char,
    credentials: *const fapiao_credentials,
    secret: *const u8,
    secret_len: usize,
    store: *const fapiao_store,
    out: *mut *mut fapiao_software_device,
) -> fapiao_result {
    guard("fapiao_software_device_new", || {
        // SAFETY: the caller guarantees the string, the handles, the bytes and `out`.
        let (device_id, credentials, secret, store, out) = unsafe {
            (
                str_arg(device_id, "device_id")?,
                handle::borrow(credentials, "credentials")?,
                bytes_arg(secret, secret_len, "secret")?,
                handle::borrow(store, "store")?,
                Out::new(out, "out")?,
            )
        };
        let secret = DeviceSecret::new(secret).map_err(Error::from)?;
        let device = SoftwareDevice::new(
            device_id,
            credentials.inner.clone(),
            secret,
            store.inner.clone().device_store(),
            CryptoProvider::default_provider(),
        )
        .map_err(Error::from)?;
        out.write(handle::into_handle(fapiao_software_device {
            inner: Arc::new(device),
            store: store.inner.clone(),
        }));
        Ok(())
    })
}

/// Allots the device a segment of fully digital (20-digit) invoice numbers:
/// `number_prefix` (2 to 19 digits) followed by the zero-padded sequence from
/// `first` to `last`, for invoices of `invoice_kind` (e.g. `"DIGITAL_ORDINARY"`,
/// as in issue requests). `segment_id` names the segment (unique in the store).
/// On failure (`FAPIAO_DEVICE_FAILED`, `FAPIAO_STORE_REFUSED` for an overlap,
/// `FAPIAO_STORE_CONFLICT` for a duplicate id) nothing is added.
///
/// # Safety
///
/// `device` must not be freed by another thread during the call; the strings
/// must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_software_device_add_segment(
    device: *const fapiao_software_device,
    segment_id: *const c_char,
    invoice_kind: *const c_char,
    number_prefix: *const c_char,
    first: u64,
    last: u64,
) -> fapiao_result {
    guard("fapiao_software_device_add_segment", || {
        // SAFETY: the caller guarantees the handle and the strings.
        let (device, segment_id, kind, prefix) = unsafe {
            (
                handle::borrow(device, "device")?,
                str_arg(segment_id, "segment_id")?,
                str_arg(invoice_kind, "invoice_kind")?,
                str_arg(number_prefix, "number_prefix")?,
            )
        };
        let kind = invoice_kind_arg(kind)?;
        let segment = NumberSegment::digital(
            segment_id,
            device.inner.device_id(),
            kind,
            prefix,
            first,
            last,
        )
        .map_err(Error::from)?;
        device.inner.add_segment(&segment)?;
        Ok(())
    })
}

/// Frees the device handle; service platforms made with it keep the device.
/// NULL does nothing; a pointer that is not a live device is left alone and
/// recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `device` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_software_device_free(device: *mut fapiao_software_device) {
    guard_value("fapiao_software_device_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(device, "device") }
    })
}

/// The [`InvoiceKind`] a C string names (its JSON name, e.g.
/// `"DIGITAL_ORDINARY"`).
pub(crate) fn invoice_kind_arg(kind: &str) -> Result<InvoiceKind, Failure> {
    serde_json::from_value(serde_json::Value::String(kind.into())).map_err(|_| {
        Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("{kind:?} is not an invoice kind (e.g. \"DIGITAL_ORDINARY\")"),
        )
    })
}
