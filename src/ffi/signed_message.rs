//! [`fapiao_signed_message`]: a CMS SignedData the enterprise signs and the
//! cloud platform countersigns before it is encrypted.

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now};
use super::bytes::fapiao_bytes;
use super::credentials::fapiao_credentials;
use super::envelope::recipient_certificates;
use super::handle::{self, Handle};
use super::opened::fapiao_opened;
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT};
use super::store::party_role;
use super::trust::fapiao_trust_store;
use crate::CryptoProvider;
use crate::envelope::{self, Addressing, EnvelopePolicy, OpenedEnvelope, SignedMessage};
use crate::pki::Certificate;

/// A DER `ContentInfo` holding a CMS `SignedData` with the payload encapsulated.
/// Not synchronized: `fapiao_signed_message_add_signer` must not run while
/// another thread uses the message.
pub struct fapiao_signed_message {
    pub(crate) inner: SignedMessage,
}

impl Handle for fapiao_signed_message {
    const NAME: &'static str = "fapiao_signed_message";
}

/// Signs `payload` (for the ERP: the issue request JSON) as `signer` at `now`
/// (UNIX seconds; 0 = now), with a fresh random message id.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_signed_message_free`; on failure `*out` is not written. The payload is
/// copied.
///
/// # Safety
///
/// `signer` must not be freed by another thread during the call; `payload` must
/// be NULL or point at `payload_len` readable bytes; `out` must be NULL or point
/// at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_sign(
    signer: *const fapiao_credentials,
    payload: *const u8,
    payload_len: usize,
    now: u64,
    out: *mut *mut fapiao_signed_message,
) -> fapiao_result {
    guard("fapiao_signed_message_sign", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (signer, payload, out) = unsafe {
            (
                handle::borrow(signer, "signer")?,
                bytes_arg(payload, payload_len, "payload")?,
                Out::new(out, "out")?,
            )
        };
        let inner = SignedMessage::sign(
            payload,
            &signer.inner,
            resolve_now(now)?,
            CryptoProvider::default_provider(),
        )?;
        out.write(handle::into_handle(fapiao_signed_message { inner }));
        Ok(())
    })
}

/// Reads a signed message from DER (what `fapiao_signed_message_der` gives, or a
/// SignedData from another CMS implementation), checking that it decodes.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_signed_message_free`; on failure `*out` is not written.
///
/// # Safety
///
/// `der` must be NULL or point at `der_len` readable bytes; `out` must be NULL or
/// point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_from_der(
    der: *const u8,
    der_len: usize,
    out: *mut *mut fapiao_signed_message,
) -> fapiao_result {
    guard("fapiao_signed_message_from_der", || {
        // SAFETY: the caller guarantees the bytes and `out`.
        let (der, out) = unsafe { (bytes_arg(der, der_len, "der")?, Out::new(out, "out")?) };
        let inner = SignedMessage::from_der(der.to_vec())?;
        out.write(handle::into_handle(fapiao_signed_message { inner }));
        Ok(())
    })
}

/// Adds `signer`'s signature (for the cloud platform: its countersignature) over
/// the same content at `now` (UNIX seconds; 0 = now); the content bytes and the
/// message id are kept. On failure the message is unchanged.
///
/// # Safety
///
/// No other thread may use `message` during the call; `signer` must not be freed
/// by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_add_signer(
    message: *mut fapiao_signed_message,
    signer: *const fapiao_credentials,
    now: u64,
) -> fapiao_result {
    guard("fapiao_signed_message_add_signer", || {
        // SAFETY: the caller guarantees exclusive use of `message` and the
        // lifetime of `signer` (a handle of another type: no aliasing).
        let (message, signer) = unsafe {
            (
                handle::borrow_mut(message, "message")?,
                handle::borrow(signer, "signer")?,
            )
        };
        let now = resolve_now(now)?;
        // Work on a copy so that a failure leaves the message as it was.
        let mut updated = message.inner.clone();
        updated.add_signer(&signer.inner, now, CryptoProvider::default_provider())?;
        message.inner = updated;
        Ok(())
    })
}

/// `fapiao_signed_message_add_signer` with the signer's addressing among the
/// signed attributes: the role it signs in, `sender_role` (a
/// `fapiao_party_role`), and the certificate it will encrypt the message to,
/// `recipient` (`recipient_len` bytes of PEM or DER; the first certificate
/// counts). The platforms require it of the pinned peers that send to them.
///
/// On failure (`FAPIAO_INVALID_ARGUMENT` for an unknown role, a 2xx code for
/// the certificate) the message is unchanged.
///
/// # Safety
///
/// No other thread may use `message` during the call; `signer` must not be
/// freed by another thread during the call; `recipient` must be NULL or point
/// at `recipient_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_add_signer_addressed(
    message: *mut fapiao_signed_message,
    signer: *const fapiao_credentials,
    sender_role: u32,
    recipient: *const u8,
    recipient_len: usize,
    now: u64,
) -> fapiao_result {
    guard("fapiao_signed_message_add_signer_addressed", || {
        // SAFETY: the caller guarantees exclusive use of `message`, the
        // lifetime of `signer` (a handle of another type: no aliasing) and the
        // bytes.
        let (message, signer, recipient) = unsafe {
            (
                handle::borrow_mut(message, "message")?,
                handle::borrow(signer, "signer")?,
                bytes_arg(recipient, recipient_len, "recipient")?,
            )
        };
        let sender_role = party_role(sender_role)?;
        let recipient = recipient_certificates(recipient)?;
        let Some(recipient) = recipient.first() else {
            return Err(Failure::new(
                FAPIAO_INVALID_ARGUMENT,
                "recipient holds no certificate".to_owned(),
            ));
        };
        let addressing = Addressing {
            sender_role,
            recipient_key: recipient.spki_fingerprint(),
        };
        let now = resolve_now(now)?;
        // Work on a copy so that a failure leaves the message as it was.
        let mut updated = message.inner.clone();
        updated.add_signer_if(
            &signer.inner,
            Some(addressing),
            now,
            CryptoProvider::default_provider(),
            |_| Ok(()),
        )?;
        message.inner = updated;
        Ok(())
    })
}

/// The message's DER. On `FAPIAO_OK`, `*data` and `*len` describe bytes owned by
/// `message`, valid until it is changed or freed; on failure neither is written.
///
/// # Safety
///
/// `message` must not be freed or changed by another thread during the call;
/// `data` and `len` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_der(
    message: *const fapiao_signed_message,
    data: *mut *const u8,
    len: *mut usize,
) -> fapiao_result {
    guard("fapiao_signed_message_der", || {
        // SAFETY: the caller guarantees the handle's lifetime and the outputs.
        let (message, data, len) = unsafe {
            (
                handle::borrow(message, "message")?,
                Out::new(data, "data")?,
                Out::new(len, "len")?,
            )
        };
        data.write(message.inner.as_der().as_ptr());
        len.write(message.inner.as_der().len());
        Ok(())
    })
}

/// Encrypts the signed message to every certificate in `recipients` (PEM bundle
/// or concatenated DER): for the cloud platform, to the service platform's
/// certificate. The result is the same kind of envelope `fapiao_seal` makes.
///
/// On `FAPIAO_OK`, `*out` receives the DER envelope, to free with
/// `fapiao_bytes_free`; on failure `*out` is not written. `message` is not
/// changed either way.
///
/// # Safety
///
/// `message` must not be freed or changed by another thread during the call;
/// `recipients` must be NULL or point at `recipients_len` readable bytes; `out`
/// must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_encrypt(
    message: *const fapiao_signed_message,
    recipients: *const u8,
    recipients_len: usize,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_signed_message_encrypt", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (message, recipient_bytes, out) = unsafe {
            (
                handle::borrow(message, "message")?,
                bytes_arg(recipients, recipients_len, "recipients")?,
                Out::new(out, "out")?,
            )
        };
        let certificates = recipient_certificates(recipient_bytes)?;
        let certificates: Vec<&Certificate> = certificates.iter().collect();
        let sealed = envelope::encrypt(
            &message.inner,
            &certificates,
            CryptoProvider::default_provider(),
        )?;
        out.write(fapiao_bytes::into_handle(sealed));
        Ok(())
    })
}

/// Verifies every signer of the message (signature, signed attributes,
/// certificate path in `trust` at its signing time, signing time within 300 s of
/// `now`; `now` in UNIX seconds, 0 = now). No replay check: use an opener for
/// envelopes.
///
/// On `FAPIAO_OK`, `*out` receives the verified message, to free with
/// `fapiao_opened_free`; on failure `*out` is not written.
///
/// # Safety
///
/// `message` and `trust` must not be freed or changed by another thread during
/// the call; `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_verify(
    message: *const fapiao_signed_message,
    trust: *const fapiao_trust_store,
    now: u64,
    out: *mut *mut fapiao_opened,
) -> fapiao_result {
    guard("fapiao_signed_message_verify", || {
        // SAFETY: the caller guarantees the handles' lifetimes and `out`.
        let (message, trust, out) = unsafe {
            (
                handle::borrow(message, "message")?,
                handle::borrow(trust, "trust")?,
                Out::new(out, "out")?,
            )
        };
        let validator = trust.validator();
        let (payload, signers) = message.inner.verify(
            &validator,
            &EnvelopePolicy::default(),
            resolve_now(now)?,
            CryptoProvider::default_provider(),
        )?;
        let message_id = signers
            .iter()
            .find_map(|s| s.message_id.clone())
            .unwrap_or_default();
        out.write(fapiao_opened::into_handle(OpenedEnvelope {
            payload,
            signers,
            message_id,
        }));
        Ok(())
    })
}

/// Frees a signed message; pointers from `fapiao_signed_message_der` dangle
/// afterwards. NULL does nothing; a pointer that is not a live signed message is
/// left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `message` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_signed_message_free(message: *mut fapiao_signed_message) {
    guard_value("fapiao_signed_message_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(message, "message") }
    })
}
