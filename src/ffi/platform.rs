//! The platform roles for C/C++ platform hosts: [`fapiao_service_platform`]
//! (电子发票服务平台, `ServicePlatform::handle`) and [`fapiao_cloud_platform`]
//! (电商云平台: submit an ERP's signed order, open the answer, query a ticket).

use core::ffi::c_char;
use core::ptr::NonNull;

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now, str_arg};
use super::bytes::fapiao_bytes;
use super::callback_device::fapiao_callback_device;
use super::credentials::fapiao_credentials;
use super::device::{DeviceHandle, fapiao_software_device};
use super::handle::{self, Handle};
use super::response::fapiao_issue_response;
use super::result::fapiao_result;
use super::signed_message::fapiao_signed_message;
use super::store::fapiao_store;
use super::trust::fapiao_trust_store;
use crate::invoice::UnifiedSocialCreditCode;
use crate::platform::{CloudPlatform, Order, PlatformTrust, ServicePlatform};

pub(super) fn platform_trust(trust: &fapiao_trust_store) -> PlatformTrust {
    PlatformTrust::new(trust.roots.clone()).with_crls(trust.crls.clone())
}

/// The e-invoice service platform: opens a cloud platform's sealed request,
/// authenticates the enterprise and the cloud platform (both pinned or bound),
/// validates the order, checks the enterprise's qualification and has the hosted
/// device issue the invoice (platform-hosted) or queues it for the enterprise's
/// front end with a ticket (enterprise-hosted); every answer is sealed to the
/// sender. May be used from several threads at once, except
/// `fapiao_service_platform_allow_legacy_cbc`,
/// `fapiao_service_platform_require_addressing` and
/// `fapiao_service_platform_set_outbox_retention`, which need it alone.
pub struct fapiao_service_platform {
    pub(super) inner: ServicePlatform,
}

impl Handle for fapiao_service_platform {
    const NAME: &'static str = "fapiao_service_platform";
}

/// A service platform with its `credentials` (it signs answers with them and
/// receives envelopes addressed to their certificate), `trust` (anchors and CRLs
/// for every signer), `store` (requests, invoices, queue, tax outbox, replay
/// guard, pinned peers, qualification registry) and hosted `device`. It copies
/// the credentials and trust and shares the store and device: all four handles
/// may be freed after the call.
///
/// When the device was made on this same `store` handle, each request's changes
/// (message id, quota, the device's number, the record with its invoice and tax
/// outbox entry) are one transaction; with a device on another store handle they
/// commit one by one. Do not open the same database file twice for one platform.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_service_platform_free`; on failure `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_new(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    device: *const fapiao_software_device,
    out: *mut *mut fapiao_service_platform,
) -> fapiao_result {
    // SAFETY: forwarded from the caller.
    guard("fapiao_service_platform_new", || unsafe {
        new_service_platform(credentials, trust, store, device, out)
    })
}

/// Makes the service platform of [`fapiao_service_platform_new`] and
/// [`fapiao_service_platform_new_with_callback_device`], hosting the device in
/// `device`; each request runs in one unit of work on the store when the device
/// numbers in that same store (a unit on one connection would make a second
/// connection's writes wait).
///
/// # Safety
///
/// As for the exports.
unsafe fn new_service_platform<D: DeviceHandle>(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    device: *const D,
    out: *mut *mut fapiao_service_platform,
) -> Result<(), Failure> {
    // SAFETY: the caller guarantees the handles' lifetimes and `out`.
    let (credentials, trust, store, device, out) = unsafe {
        (
            handle::borrow(credentials, "credentials")?,
            handle::borrow(trust, "trust")?,
            handle::borrow(store, "store")?,
            handle::borrow(device, "device")?,
            Out::new(out, "out")?,
        )
    };
    let unit = device.numbers_in(store);
    let store = store.inner.clone();
    let mut inner = ServicePlatform::new(store.clone().service_parts(
        credentials.inner.clone(),
        platform_trust(trust),
        device.device(),
    ));
    if unit {
        inner = inner.with_unit_of_work(store.unit_of_work());
    }
    out.write(handle::into_handle(fapiao_service_platform { inner }));
    Ok(())
}

/// A service platform like [`fapiao_service_platform_new`]'s, hosting a device
/// outside the library (`fapiao_callback_device_new`). Each of a request's
/// store changes commits on its own (the device keeps its own numbering, and a
/// slow device must not hold the store's write lock); a crash between them is
/// safe because the device is idempotent on the command id. All the handles may
/// be freed after the call.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_service_platform_free`; on failure `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_new_with_callback_device(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    device: *const fapiao_callback_device,
    out: *mut *mut fapiao_service_platform,
) -> fapiao_result {
    // SAFETY: forwarded from the caller.
    guard(
        "fapiao_service_platform_new_with_callback_device",
        || unsafe { new_service_platform(credentials, trust, store, device, out) },
    )
}

/// Handles one envelope from a cloud platform (an issue request or a ticket
/// query) or an enterprise front end, at `now` (UNIX seconds; 0 = now), and
/// returns the sealed answer to send back.
///
/// Everything after the envelope opens gets a sealed answer, refusals included
/// (an invalid order, an unqualified enterprise, a serial number conflict are
/// `FAILED` responses inside it). An envelope that does not open or whose sender
/// is not a pinned peer has nobody to answer: then the call fails (4xx, or
/// `FAPIAO_SENDER_NOT_PINNED`) and `*out` is not written. On `FAPIAO_OK`, `*out`
/// receives the DER envelope, to free with `fapiao_bytes_free`.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `envelope`
/// must be NULL or point at `envelope_len` readable bytes; `out` must be NULL or
/// point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_handle(
    platform: *const fapiao_service_platform,
    envelope: *const u8,
    envelope_len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_service_platform_handle", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (platform, envelope, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                Out::new(out, "out")?,
            )
        };
        let answer = platform.inner.handle(envelope, resolve_now(now)?)?;
        out.write(fapiao_bytes::into_handle(answer));
        Ok(())
    })
}

/// Fails every queued command (enterprise-hosted mode) whose deadline is before
/// `now` (UNIX seconds; 0 = now) and gives back the quota it held: a sweep for
/// the host to run periodically, so that a command its front end never pulls
/// does not hold its enterprise's quota for ever. Each such command's ticket
/// then answers a final device failure naming the deadline. On `FAPIAO_OK`,
/// `*expired` (when not NULL) receives how many commands were failed; on failure
/// the commands failed before it stay failed.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `expired`
/// must be NULL or point at a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_expire_commands(
    platform: *const fapiao_service_platform,
    now: u64,
    expired: *mut usize,
) -> fapiao_result {
    guard("fapiao_service_platform_expire_commands", || {
        // SAFETY: the caller guarantees the handle.
        let platform = unsafe { handle::borrow(platform, "platform")? };
        let report = platform.inner.expire_commands(resolve_now(now)?)?;
        if !expired.is_null() {
            // SAFETY: the caller guarantees `expired` is NULL or writable.
            unsafe { expired.write(report.expired) };
        }
        Ok(())
    })
}

/// Frees a service platform. NULL does nothing; a pointer that is not a live
/// service platform is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `platform` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_free(platform: *mut fapiao_service_platform) {
    guard_value("fapiao_service_platform_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(platform, "platform") }
    })
}

/// The e-commerce cloud platform: countersigns an ERP's signed order and seals it
/// to its pinned service platform, opens and stores the answers, and queries
/// tickets. May be used from several threads at once, except
/// `fapiao_cloud_platform_hold_enterprise_credentials` and
/// `fapiao_cloud_platform_allow_legacy_cbc`, which need it alone.
pub struct fapiao_cloud_platform {
    pub(super) inner: CloudPlatform,
}

impl Handle for fapiao_cloud_platform {
    const NAME: &'static str = "fapiao_cloud_platform";
}

/// A cloud platform with its `credentials`, `trust` (anchors and CRLs for the
/// service platform's signatures) and `store` (received invoices, tickets,
/// replay guard, pinned peers), sending to the service platform pinned in the
/// store under `service_platform_id` (NUL-terminated UTF-8). It copies the
/// credentials and trust and shares the store: the handles may be freed after
/// the call.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_cloud_platform_free`; on failure `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `service_platform_id` must be NULL or a NUL-terminated string; `out` NULL or a
/// writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_new(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    service_platform_id: *const c_char,
    out: *mut *mut fapiao_cloud_platform,
) -> fapiao_result {
    guard("fapiao_cloud_platform_new", || {
        // SAFETY: the caller guarantees the handles, the string and `out`.
        let (credentials, trust, store, service_platform, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                handle::borrow(trust, "trust")?,
                handle::borrow(store, "store")?,
                str_arg(service_platform_id, "service_platform_id")?,
                Out::new(out, "out")?,
            )
        };
        let store = store.inner.clone();
        let inner = CloudPlatform::new(store.clone().cloud_parts(
            credentials.inner.clone(),
            platform_trust(trust),
            service_platform,
        ))
        .with_unit_of_work(store.unit_of_work());
        out.write(handle::into_handle(fapiao_cloud_platform { inner }));
        Ok(())
    })
}

/// Submits an ERP's order, signed by the enterprise (`fapiao_signed_message_sign`
/// over the issue request JSON): adds the cloud platform's signature and seals it
/// to the pinned service platform at `now` (UNIX seconds; 0 = now). `order` is
/// not changed.
///
/// On `FAPIAO_OK`, `*out` receives the envelope to send, to free with
/// `fapiao_bytes_free`; on failure (`FAPIAO_INVOICE_JSON_INVALID` for a payload
/// that is not an issue request, `FAPIAO_PEER_REFUSED` when no service platform
/// is pinned) `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_submit(
    platform: *const fapiao_cloud_platform,
    order: *const fapiao_signed_message,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_cloud_platform_submit", || {
        // SAFETY: the caller guarantees the handles and `out`.
        let (platform, order, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                handle::borrow(order, "order")?,
                Out::new(out, "out")?,
            )
        };
        let sealed = platform
            .inner
            .submit(Order::Signed(order.inner.clone()), resolve_now(now)?)?;
        out.write(fapiao_bytes::into_handle(sealed));
        Ok(())
    })
}

/// Holds `credentials` on behalf of the enterprise `tax_id` (its unified social
/// credit code, NUL-terminated): `fapiao_cloud_platform_submit_unsigned` signs
/// that seller's orders with them, for an ERP that sends its orders unsigned.
/// Replaces any credentials held before for the same code; the platform copies
/// them, so `credentials` may be freed after the call. The credentials are not
/// matched against the code here: the service platform authenticates the
/// enterprise's signature as for any order.
///
/// Returns `FAPIAO_INVALID_ARGUMENT` (the detail says why) when `tax_id` is not
/// a valid credit code.
///
/// # Safety
///
/// No other thread may use `platform` during the call; `credentials` must not be
/// freed by another thread during it; `tax_id` must be NULL or a NUL-terminated
/// string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_hold_enterprise_credentials(
    platform: *mut fapiao_cloud_platform,
    tax_id: *const c_char,
    credentials: *const fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_cloud_platform_hold_enterprise_credentials", || {
        // SAFETY: the caller guarantees exclusive use of `platform`, the other
        // handle's lifetime and the string.
        let (platform, tax_id, credentials) = unsafe {
            (
                handle::borrow_mut(platform, "platform")?,
                str_arg(tax_id, "tax_id")?,
                handle::borrow(credentials, "credentials")?,
            )
        };
        let code = UnifiedSocialCreditCode::parse(tax_id).map_err(|e| {
            Failure::new(
                fapiao_result::FAPIAO_INVALID_ARGUMENT,
                format!("tax_id: {e}"),
            )
        })?;
        platform
            .inner
            .hold_enterprise_credentials(&code, credentials.inner.clone());
        Ok(())
    })
}

/// Submits an ERP's unsigned order, the issue request JSON (`len` bytes at
/// `order`): signs it with the credentials held for its seller
/// (`fapiao_cloud_platform_hold_enterprise_credentials`), adds the cloud
/// platform's signature and seals it to the pinned service platform at `now`
/// (UNIX seconds; 0 = now).
///
/// On `FAPIAO_OK`, `*out` receives the envelope to send, to free with
/// `fapiao_bytes_free`; on failure (`FAPIAO_INVOICE_JSON_INVALID` for bytes that
/// are not an issue request, `FAPIAO_PLATFORM_REFUSED` when no credentials are
/// held for its seller, `FAPIAO_PEER_REFUSED` when no service platform is
/// pinned) `*out` is not written.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `order` must
/// be NULL (with `len` 0) or point at `len` readable bytes; `out` must be NULL or
/// point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_submit_unsigned(
    platform: *const fapiao_cloud_platform,
    order: *const u8,
    len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_cloud_platform_submit_unsigned", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (platform, order, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                bytes_arg(order, len, "order")?,
                Out::new(out, "out")?,
            )
        };
        let sealed = platform
            .inner
            .submit(Order::Unsigned(order.to_vec()), resolve_now(now)?)?;
        out.write(fapiao_bytes::into_handle(sealed));
        Ok(())
    })
}

/// A sealed query to the service platform for where `ticket` (NUL-terminated,
/// from an `ACCEPTED_PENDING` answer) stands, at `now` (UNIX seconds; 0 = now).
/// On `FAPIAO_OK`, `*out` receives the envelope to send, to free with
/// `fapiao_bytes_free`; on failure `*out` is not written.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `ticket`
/// must be NULL or a NUL-terminated string; `out` NULL or a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_query_ticket(
    platform: *const fapiao_cloud_platform,
    ticket: *const c_char,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_cloud_platform_query_ticket", || {
        // SAFETY: the caller guarantees the handle, the string and `out`.
        let (platform, ticket, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                str_arg(ticket, "ticket")?,
                Out::new(out, "out")?,
            )
        };
        let sealed = platform.inner.query_ticket(ticket, resolve_now(now)?)?;
        out.write(fapiao_bytes::into_handle(sealed));
        Ok(())
    })
}

/// Opens the service platform's answer at `now` (UNIX seconds; 0 = now): it must
/// be signed by the pinned service platform. An issued invoice is stored, an
/// `ACCEPTED_PENDING` answer's ticket is recorded, a final answer to a ticket
/// completes it.
///
/// On `FAPIAO_OK`, `*out` receives the response (read it with the
/// `fapiao_issue_response_*` functions), to free with
/// `fapiao_issue_response_free`; on failure (4xx, `FAPIAO_SENDER_NOT_PINNED`,
/// 5xx) `*out` is not written.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `envelope`
/// must be NULL or point at `envelope_len` readable bytes; `out` NULL or a
/// writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_open_response(
    platform: *const fapiao_cloud_platform,
    envelope: *const u8,
    envelope_len: usize,
    now: u64,
    out: *mut *mut fapiao_issue_response,
) -> fapiao_result {
    guard("fapiao_cloud_platform_open_response", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (platform, envelope, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                Out::new(out, "out")?,
            )
        };
        let response = platform.inner.open_response(envelope, resolve_now(now)?)?;
        out.write(fapiao_issue_response::into_handle(response)?);
        Ok(())
    })
}

/// Re-sends the cloud platform's next outstanding order (sent, its answer never
/// stored: lost in a crash or on the way) after the journal position
/// `*cursor`, at `now` (UNIX seconds; 0 = now): the enterprise-signed order kept
/// in the submission journal is countersigned afresh (a new message, not a
/// replay) and sealed to the service platform, which answers with what it
/// already did for the order (the invoice it issued, the ticket it gave), or
/// issues it if it never received it. Open the answer with
/// `fapiao_cloud_platform_open_response`: it closes the order.
///
/// Start with `*cursor` = 0 and call again until `*out` is NULL: each call
/// moves `*cursor` past the order it re-sent, so a pass (e.g. at start-up,
/// before new orders) re-sends each outstanding order once.
///
/// On `FAPIAO_OK`, `*out` receives the envelope to send, to free with
/// `fapiao_bytes_free`, and `*cursor` the order's position; or `*out` is NULL
/// (and `*cursor` unchanged) when nothing is left. On failure neither is
/// written.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `cursor`
/// must be NULL or point at a readable and writable `uint64_t`; `out` NULL or a
/// writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_resend_next(
    platform: *const fapiao_cloud_platform,
    cursor: *mut u64,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_cloud_platform_resend_next", || {
        // SAFETY: the caller guarantees the handle, `cursor` and `out`.
        let (platform, cursor, out) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                NonNull::new(cursor).ok_or_else(|| Failure::null("cursor"))?,
                Out::new(out, "out")?,
            )
        };
        // SAFETY: `Out::new` checked that `cursor` is not NULL; the caller
        // guarantees it is readable.
        let after = unsafe { cursor.read() };
        let cursor = Out::checked(cursor);
        match platform.inner.resend_next(after, resolve_now(now)?)? {
            Some((order, sealed)) => {
                cursor.write(order.position);
                out.write(fapiao_bytes::into_handle(sealed));
            }
            None => out.write(core::ptr::null_mut()),
        }
        Ok(())
    })
}

/// Frees a cloud platform. NULL does nothing; a pointer that is not a live cloud
/// platform is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `platform` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_free(platform: *mut fapiao_cloud_platform) {
    guard_value("fapiao_cloud_platform_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(platform, "platform") }
    })
}

/// Admits (`allow` non-zero) or refuses (0, the default) legacy EnvelopedData
/// with AES-CBC from the cloud platforms, as `fapiao_opener_allow_legacy_cbc`
/// does for an opener (refused: `FAPIAO_UNSUPPORTED_ALGORITHM`; admitted, any
/// failure to decrypt one to a verified SignedData: `FAPIAO_DECRYPT_FAILED`).
/// The answers are AES-256-GCM either way. Allow it only for cloud platforms
/// that cannot be upgraded.
///
/// # Safety
///
/// No other thread may use `platform` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_allow_legacy_cbc(
    platform: *mut fapiao_service_platform,
    allow: u32,
) -> fapiao_result {
    guard("fapiao_service_platform_allow_legacy_cbc", || {
        // SAFETY: the caller guarantees exclusive use of `platform`.
        let platform = unsafe { handle::borrow_mut(platform, "platform") }?;
        let mut policy = platform.inner.envelope_policy().clone();
        policy.allow_legacy_cbc = allow != 0;
        platform.inner.set_envelope_policy(policy);
        Ok(())
    })
}

/// Admits (`allow` non-zero) or refuses (0, the default) legacy EnvelopedData
/// with AES-CBC in the service platform's answers, as
/// `fapiao_opener_allow_legacy_cbc` does for an opener. Allow it only for a
/// service platform that cannot be upgraded.
///
/// # Safety
///
/// No other thread may use `platform` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_allow_legacy_cbc(
    platform: *mut fapiao_cloud_platform,
    allow: u32,
) -> fapiao_result {
    guard("fapiao_cloud_platform_allow_legacy_cbc", || {
        // SAFETY: the caller guarantees exclusive use of `platform`.
        let platform = unsafe { handle::borrow_mut(platform, "platform") }?;
        let mut policy = platform.inner.envelope_policy().clone();
        policy.allow_legacy_cbc = allow != 0;
        platform.inner.set_envelope_policy(policy);
        Ok(())
    })
}
