//! The enterprise's front-end service (前置服务) for C/C++ hosts: in the
//! enterprise-hosted (asynchronous) mode it pulls the commands the service
//! platform queued for its enterprise, runs the enterprise's own device on them
//! and returns the sealed results ([`FrontEndService`]).

use core::ffi::c_char;

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now, str_arg};
use super::bytes::fapiao_bytes;
use super::callback_device::fapiao_callback_device;
use super::credentials::fapiao_credentials;
use super::device::{DeviceHandle, fapiao_software_device};
use super::handle::{self, Handle};
use super::platform::platform_trust;
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT};
use super::store::fapiao_store;
use super::trust::fapiao_trust_store;
use crate::CryptoProvider;
use crate::exchange::PeerDirectory;
use crate::invoice::UnifiedSocialCreditCode;
use crate::platform::{FrontEndParts, FrontEndService};

/// An enterprise's front-end service: talks to the service platform pinned in
/// its store and issues on the enterprise's device. May be used from several
/// threads at once.
pub struct fapiao_front_end {
    inner: FrontEndService,
}

impl Handle for fapiao_front_end {
    const NAME: &'static str = "fapiao_front_end";
}

/// What one batch of commands did on the enterprise's device.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct fapiao_front_end_report {
    /// Commands the device issued (again, for one delivered twice: the same
    /// invoice, never a second number).
    pub issued: usize,
    /// Commands that failed for good (reported to the service platform).
    pub failed: usize,
    /// Commands that failed for now: not reported, delivered again.
    pub retry_later: usize,
    /// Commands that did not name their id: not reported, left queued.
    pub unreadable: usize,
}

/// A front-end service with its `credentials` (the service platform pins their
/// certificate as the enterprise's front end, under the enterprise's unified
/// social credit code), `trust` (anchors and CRLs for the service platform's
/// signatures), `store` (the service platform pinned under
/// `service_platform_id`, NUL-terminated UTF-8; the replay guard), the
/// enterprise it serves, `enterprise_tax_id` (its unified social credit code,
/// NUL-terminated: commands for any other seller are reported failed, never
/// issued) and the enterprise's `device` (its numbering lives in the device's
/// own store). It
/// copies the credentials and trust and shares the store and device: the
/// handles may be freed after the call.
///
/// When the device was made on this same `store` handle, each batch of
/// commands (`fapiao_front_end_run_commands`) is one transaction: one commit
/// for the batch, and results sealed only after it.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_front_end_free`; on failure `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `service_platform_id` and `enterprise_tax_id` must be NULL or
/// NUL-terminated strings; `out` NULL or a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_new(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    service_platform_id: *const c_char,
    enterprise_tax_id: *const c_char,
    device: *const fapiao_software_device,
    out: *mut *mut fapiao_front_end,
) -> fapiao_result {
    let ids = [service_platform_id, enterprise_tax_id];
    // SAFETY: forwarded from the caller.
    guard("fapiao_front_end_new", || unsafe {
        new_front_end(credentials, trust, store, ids, device, out)
    })
}

/// Makes the front end of [`fapiao_front_end_new`] and
/// [`fapiao_front_end_new_with_callback_device`], on the device in `device`.
///
/// # Safety
///
/// As for the exports.
unsafe fn new_front_end<D: DeviceHandle>(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    [service_platform_id, enterprise_tax_id]: [*const c_char; 2],
    device: *const D,
    out: *mut *mut fapiao_front_end,
) -> Result<(), Failure> {
    // SAFETY: the caller guarantees the handles, the strings and `out`.
    let (credentials, trust, store, service_platform, enterprise, device, out) = unsafe {
        (
            handle::borrow(credentials, "credentials")?,
            handle::borrow(trust, "trust")?,
            handle::borrow(store, "store")?,
            str_arg(service_platform_id, "service_platform_id")?,
            str_arg(enterprise_tax_id, "enterprise_tax_id")?,
            handle::borrow(device, "device")?,
            Out::new(out, "out")?,
        )
    };
    let enterprise = UnifiedSocialCreditCode::parse(enterprise).map_err(|e| {
        Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("enterprise_tax_id {enterprise:?}: {e}"),
        )
    })?;
    let unit = device.numbers_in(store);
    let store = store.inner.clone();
    let mut inner = FrontEndService::new(FrontEndParts {
        credentials: credentials.inner.clone(),
        trust: platform_trust(trust),
        peers: PeerDirectory::new(store.clone().peer_store()),
        service_platform: service_platform.to_owned(),
        enterprise,
        device: device.device(),
        replay: store.clone().replay_guard(),
        validation: Default::default(),
        provider: CryptoProvider::default_provider(),
    });
    if unit {
        // The device journals in this store: each batch of commands is one
        // transaction (`FrontEndService::with_unit_of_work`).
        inner = inner.with_unit_of_work(store.unit_of_work());
    }
    out.write(handle::into_handle(fapiao_front_end { inner }));
    Ok(())
}

/// A front end like [`fapiao_front_end_new`]'s, on the enterprise's device
/// outside the library (`fapiao_callback_device_new`, e.g. its hardware tax
/// device). The handles may be freed after the call.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_front_end_free`; on failure `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `service_platform_id` and `enterprise_tax_id` must be NULL or
/// NUL-terminated strings; `out` NULL or a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_new_with_callback_device(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    service_platform_id: *const c_char,
    enterprise_tax_id: *const c_char,
    device: *const fapiao_callback_device,
    out: *mut *mut fapiao_front_end,
) -> fapiao_result {
    let ids = [service_platform_id, enterprise_tax_id];
    // SAFETY: forwarded from the caller.
    guard("fapiao_front_end_new_with_callback_device", || unsafe {
        new_front_end(credentials, trust, store, ids, device, out)
    })
}

/// A sealed pull for at most `limit` (1 to 100) of the commands waiting for the
/// enterprise, at `now` (UNIX seconds; 0 = now): send it to the service platform
/// (`fapiao_service_platform_handle`) and give its answer to
/// `fapiao_front_end_run_commands`.
///
/// On `FAPIAO_OK`, `*out` receives the envelope, to free with
/// `fapiao_bytes_free`; on failure (`FAPIAO_PEER_REFUSED` when no service
/// platform is pinned) `*out` is not written.
///
/// # Safety
///
/// `front_end` must not be freed by another thread during the call; `out` must
/// be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_pull(
    front_end: *const fapiao_front_end,
    limit: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_front_end_pull", || {
        // SAFETY: the caller guarantees the handle and `out`.
        let (front_end, out) = unsafe {
            (
                handle::borrow(front_end, "front_end")?,
                Out::new(out, "out")?,
            )
        };
        let pull = front_end.inner.pull(limit, resolve_now(now)?)?;
        out.write(fapiao_bytes::into_handle(pull));
        Ok(())
    })
}

/// Opens the service platform's answer to a pull (`batch`, `batch_len` bytes),
/// runs the enterprise's device on each command at `now` (UNIX seconds; 0 = now)
/// and seals the results: send them to the service platform and give its answer
/// to `fapiao_front_end_read_ack`. A command the device cannot take is reported
/// failed for good; one that fails for now is left for the next pull.
///
/// On `FAPIAO_OK`, `*results` receives the envelope (free it with
/// `fapiao_bytes_free`) and `*report` what the batch did; on failure neither is
/// written (a batch that does not open, or is not a batch of commands:
/// `FAPIAO_PLATFORM_MESSAGE_INVALID` or a 4xx envelope code).
///
/// # Safety
///
/// `front_end` must not be freed by another thread during the call; `batch`
/// must be NULL or point at `batch_len` readable bytes; `results` and `report`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_run_commands(
    front_end: *const fapiao_front_end,
    batch: *const u8,
    batch_len: usize,
    now: u64,
    results: *mut *mut fapiao_bytes,
    report: *mut fapiao_front_end_report,
) -> fapiao_result {
    guard("fapiao_front_end_run_commands", || {
        // SAFETY: the caller guarantees the handle, the bytes and the outputs.
        let (front_end, batch, results, report) = unsafe {
            (
                handle::borrow(front_end, "front_end")?,
                bytes_arg(batch, batch_len, "batch")?,
                Out::new(results, "results")?,
                Out::new(report, "report")?,
            )
        };
        let (sealed, ran) = front_end.inner.run_commands(batch, resolve_now(now)?)?;
        results.write(fapiao_bytes::into_handle(sealed));
        report.write(fapiao_front_end_report {
            issued: ran.issued,
            failed: ran.failed,
            retry_later: ran.retry_later,
            unreadable: ran.unreadable,
        });
        Ok(())
    })
}

/// Opens the service platform's acknowledgement of results (`ack`, `ack_len`
/// bytes) at `now` (UNIX seconds; 0 = now): `*recorded` receives how many
/// commands it recorded (their tickets are complete; the others are delivered
/// again by the next pull).
///
/// On failure `*recorded` is not written.
///
/// # Safety
///
/// `front_end` must not be freed by another thread during the call; `ack` must
/// be NULL or point at `ack_len` readable bytes; `recorded` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_read_ack(
    front_end: *const fapiao_front_end,
    ack: *const u8,
    ack_len: usize,
    now: u64,
    recorded: *mut usize,
) -> fapiao_result {
    guard("fapiao_front_end_read_ack", || {
        // SAFETY: the caller guarantees the handle, the bytes and `recorded`.
        let (front_end, ack, recorded) = unsafe {
            (
                handle::borrow(front_end, "front_end")?,
                bytes_arg(ack, ack_len, "ack")?,
                Out::new(recorded, "recorded")?,
            )
        };
        let ids = front_end.inner.read_ack(ack, resolve_now(now)?)?;
        recorded.write(ids.len());
        Ok(())
    })
}

/// Frees a front-end service. NULL does nothing; a pointer that is not a live
/// front end is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `front_end` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_front_end_free(front_end: *mut fapiao_front_end) {
    guard_value("fapiao_front_end_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(front_end, "front_end") }
    })
}
