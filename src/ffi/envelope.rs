//! Sealed envelopes: [`fapiao_seal`], the [`fapiao_opener`] that opens them, and
//! [`fapiao_inspect`].

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now};
use super::bytes::fapiao_bytes;
use super::credentials::{check_sm2_id, fapiao_credentials, gm_enabled};
use super::handle::{self, Handle};
use super::opened::fapiao_opened;
use super::result::fapiao_result;
use super::trust::fapiao_trust_store;
use crate::CryptoProvider;
use crate::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener};
use crate::error::{EnvelopeError, Error};
use crate::pki::{Certificate, Credentials, PathPolicy, PathValidator};

/// The recipient certificates in `bundle` (PEM bundle or concatenated DER).
pub(crate) fn recipient_certificates(bundle: &[u8]) -> Result<Vec<Certificate>, Failure> {
    if bundle.is_empty() {
        return Err(Error::from(EnvelopeError::Empty { what: "encrypt to" }).into());
    }
    Ok(Certificate::load_bundle(bundle)?)
}

/// Signs `payload` as `signer` at `now` (UNIX seconds; 0 = now) and encrypts it
/// to every certificate in `recipients` (PEM bundle or concatenated DER). The
/// suite follows the keys: RSA recipients get RSA-OAEP key transport, P-256
/// ones ECDH key agreement, in a CMS AuthEnvelopedData (AES-256-GCM) holding
/// a SignedData; an SM2 signer sealing to SM2 recipients (their encryption
/// certificates) writes a GM/T 0010 envelope (SM3/SM2 SignedData, SM2 key
/// transport, SM4-CBC; `fapiao_seal_sm4_gcm` for SM4-GCM). SM2 beside another
/// key kind is `FAPIAO_MIXED_SUITES`; SM2 keys without the `gm` feature,
/// `FAPIAO_FEATURE_DISABLED`.
///
/// On `FAPIAO_OK`, `*out` receives the DER envelope, to free with
/// `fapiao_bytes_free`; on failure `*out` is not written. The library copies the
/// inputs.
///
/// # Safety
///
/// `signer` must not be freed by another thread during the call; `payload` and
/// `recipients` must be NULL or point at their length in readable bytes; `out`
/// must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_seal(
    signer: *const fapiao_credentials,
    payload: *const u8,
    payload_len: usize,
    recipients: *const u8,
    recipients_len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_seal", || {
        // SAFETY: the caller guarantees the handle, the byte arguments and `out`.
        unsafe {
            seal_under(
                &EnvelopePolicy::default(),
                signer,
                (payload, payload_len),
                (recipients, recipients_len),
                now,
                out,
            )
        }
    })
}

/// `fapiao_seal` writing SM4-GCM in an AuthEnvelopedData
/// (1.2.156.10197.1.104.8) instead of SM4-CBC when the envelope is a GM/T 0010
/// one (an SM2 signer, SM2 recipients); the recipient's opener must read it
/// (`fapiao_opener_sm4_gcm`). Other envelopes are sealed as `fapiao_seal`
/// seals them. Without the `gm` feature, `FAPIAO_FEATURE_DISABLED`.
///
/// # Safety
///
/// As for `fapiao_seal`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_seal_sm4_gcm(
    signer: *const fapiao_credentials,
    payload: *const u8,
    payload_len: usize,
    recipients: *const u8,
    recipients_len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_seal_sm4_gcm", || {
        let policy = EnvelopePolicy {
            sm4_gcm: true,
            ..EnvelopePolicy::default()
        };
        // SAFETY: the caller guarantees the handle, the byte arguments and `out`.
        unsafe {
            seal_under(
                &policy,
                signer,
                (payload, payload_len),
                (recipients, recipients_len),
                now,
                out,
            )
        }
    })
}

/// What `fapiao_seal` and `fapiao_seal_sm4_gcm` do, under `policy`.
///
/// # Safety
///
/// As for `fapiao_seal`.
unsafe fn seal_under(
    policy: &EnvelopePolicy,
    signer: *const fapiao_credentials,
    (payload, payload_len): (*const u8, usize),
    (recipients, recipients_len): (*const u8, usize),
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> Result<(), Failure> {
    // SAFETY: the caller guarantees the handle, the byte arguments and `out`.
    let (signer, payload, recipients, out) = unsafe {
        (
            handle::borrow(signer, "signer")?,
            bytes_arg(payload, payload_len, "payload")?,
            bytes_arg(recipients, recipients_len, "recipients")?,
            Out::new(out, "out")?,
        )
    };
    if policy.sm4_gcm {
        gm_enabled("SM4-GCM envelopes")?;
    }
    let recipients = recipient_certificates(recipients)?;
    let recipients: Vec<&Certificate> = recipients.iter().collect();
    let sealed = envelope::seal_with_policy(
        payload,
        &signer.inner,
        None,
        &recipients,
        resolve_now(now)?,
        policy,
        CryptoProvider::default_provider(),
    )?;
    out.write(fapiao_bytes::into_handle(sealed));
    Ok(())
}

/// Opens envelopes addressed to one party: decrypts with its credentials,
/// verifies every signer and its certificate path against a trust store, and
/// refuses replays (an in-memory guard owned by the opener).
///
/// `fapiao_opener_open` may be called from several threads at once;
/// `fapiao_opener_set_clock_skew`, `fapiao_opener_allow_legacy_cbc` and
/// `fapiao_opener_sm4_gcm` must not run concurrently with anything else on the
/// same opener.
pub struct fapiao_opener {
    recipient: Credentials,
    trust: fapiao_trust_store,
    replay: MemoryReplayGuard,
    policy: EnvelopePolicy,
    /// The signers' SM2 distinguishing IDs (`fapiao_opener_set_sm2_id`).
    path: PathPolicy,
}

impl Handle for fapiao_opener {
    const NAME: &'static str = "fapiao_opener";
}

/// A new opener for envelopes addressed to `recipient`, whose signers are
/// validated against `trust` (its anchors and CRLs), with the default policy
/// (16 MiB, 8 signers, 300 s clock skew, no legacy AES-CBC: see
/// `fapiao_opener_allow_legacy_cbc`; GM/T 0010 envelopes with SM4-CBC, not
/// SM4-GCM: see `fapiao_opener_sm4_gcm`). `recipient` decrypts with its
/// encryption pair when it has one (`fapiao_credentials_with_encryption`).
///
/// The opener copies what it needs: `recipient` and `trust` may be freed right
/// after the call, and later changes to `trust` do not affect it. On `FAPIAO_OK`
/// `*out` receives a new handle to free with `fapiao_opener_free`; on failure
/// `*out` is not written.
///
/// # Safety
///
/// `recipient` and `trust` must not be freed or mutated by another thread during
/// the call; `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_new(
    recipient: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    out: *mut *mut fapiao_opener,
) -> fapiao_result {
    guard("fapiao_opener_new", || {
        // SAFETY: the caller guarantees the handles' lifetimes and `out`.
        let (recipient, trust, out) = unsafe {
            (
                handle::borrow(recipient, "recipient")?,
                handle::borrow(trust, "trust")?,
                Out::new(out, "out")?,
            )
        };
        out.write(handle::into_handle(fapiao_opener {
            recipient: recipient.inner.clone(),
            trust: trust.clone(),
            replay: MemoryReplayGuard::new(),
            policy: EnvelopePolicy::default(),
            path: PathPolicy::default(),
        }));
        Ok(())
    })
}

/// Sets the allowed difference between a signer's signingTime and the opening
/// time, in seconds (default 300); it also bounds how long message ids are
/// remembered against replays.
///
/// # Safety
///
/// No other thread may use `opener` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_set_clock_skew(
    opener: *mut fapiao_opener,
    seconds: u64,
) -> fapiao_result {
    guard("fapiao_opener_set_clock_skew", || {
        // SAFETY: the caller guarantees exclusive use of `opener`.
        let opener = unsafe { handle::borrow_mut(opener, "opener") }?;
        opener.policy.clock_skew = seconds;
        Ok(())
    })
}

/// Allows (`allow` non-zero) or refuses (0, the default) legacy EnvelopedData
/// with AES-128-CBC or AES-256-CBC, as old peers and `openssl cms -encrypt`
/// without `-aes-256-gcm` write it; refused, it is `FAPIAO_UNSUPPORTED_ALGORITHM`.
/// CBC has no integrity of its own: the signatures inside, verified as always,
/// are what detect tampering, and every failure to decrypt the content to a
/// SignedData that verifies is the one `FAPIAO_DECRYPT_FAILED`, whose time
/// does not tell bad padding either (checked in constant time, consulted after
/// the signatures). Allow it only for peers that cannot be upgraded.
///
/// # Safety
///
/// No other thread may use `opener` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_allow_legacy_cbc(
    opener: *mut fapiao_opener,
    allow: u32,
) -> fapiao_result {
    guard("fapiao_opener_allow_legacy_cbc", || {
        // SAFETY: the caller guarantees exclusive use of `opener`.
        let opener = unsafe { handle::borrow_mut(opener, "opener") }?;
        opener.policy.allow_legacy_cbc = allow != 0;
        Ok(())
    })
}

/// Reads GM/T 0010 envelopes with SM4-GCM and refuses those with SM4-CBC
/// (`require` non-zero), or the reverse (0, the default): both peers set it,
/// so that a peer that moved to GCM cannot be downgraded to the malleable
/// mode. The refused mode is `FAPIAO_UNSUPPORTED_ALGORITHM`. Other envelopes
/// are unaffected. Non-zero without the `gm` feature is
/// `FAPIAO_FEATURE_DISABLED` (and changes nothing).
///
/// # Safety
///
/// No other thread may use `opener` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_sm4_gcm(
    opener: *mut fapiao_opener,
    require: u32,
) -> fapiao_result {
    guard("fapiao_opener_sm4_gcm", || {
        // SAFETY: the caller guarantees exclusive use of `opener`.
        let opener = unsafe { handle::borrow_mut(opener, "opener") }?;
        if require != 0 {
            gm_enabled("SM4-GCM envelopes")?;
        }
        opener.policy.sm4_gcm = require != 0;
        Ok(())
    })
}

/// Verifies the SM2-with-SM3 signatures of the signer whose certificate is
/// `signer` (PEM or DER; matched by its public key) under the distinguishing
/// ID `id` (1 to 8191 bytes) instead of the default `1234567812345678`: what a
/// peer that signs with `fapiao_credentials_with_sm2_id` needs. Certificate
/// and CRL signatures are always verified under the default. Calling it again
/// for the same key replaces its ID. `FAPIAO_INVALID_ARGUMENT` for an empty
/// or longer ID; `FAPIAO_FEATURE_DISABLED` without the `gm` feature.
///
/// # Safety
///
/// No other thread may use `opener` during the call; `signer` and `id` must
/// be NULL or point at their length in readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_set_sm2_id(
    opener: *mut fapiao_opener,
    signer: *const u8,
    signer_len: usize,
    id: *const u8,
    id_len: usize,
) -> fapiao_result {
    guard("fapiao_opener_set_sm2_id", || {
        // SAFETY: the caller guarantees exclusive use of `opener` and the bytes.
        let (opener, signer, id) = unsafe {
            (
                handle::borrow_mut(opener, "opener")?,
                bytes_arg(signer, signer_len, "signer")?,
                bytes_arg(id, id_len, "id")?,
            )
        };
        gm_enabled("SM2 distinguishing IDs")?;
        check_sm2_id(id)?;
        let signer = Certificate::load_bundle(signer)?;
        let [signer] = signer.as_slice() else {
            return Err(Failure::new(
                fapiao_result::FAPIAO_INVALID_ARGUMENT,
                format!(
                    "argument `signer` holds {} certificates, not one",
                    signer.len()
                ),
            ));
        };
        let path = std::mem::take(&mut opener.path);
        opener.path = path.with_sm2_id(signer.spki_fingerprint(), id);
        Ok(())
    })
}

/// Opens `envelope` at `now` (UNIX seconds; 0 = now): decrypts it, verifies every
/// signer (signature, signed attributes, certificate path at its signing time,
/// signing time within the clock skew of `now`) and records its message id.
///
/// On `FAPIAO_OK`, `*out` receives the opened envelope, to free with
/// `fapiao_opened_free`; on failure `*out` is not written and the message id is
/// not recorded. The opener's credentials decrypt with their encryption pair
/// (see `fapiao_credentials_with_encryption`). A GM/T 0010 envelope with
/// SM4-CBC that does not decrypt to content whose signers verify is the one
/// `FAPIAO_DECRYPT_FAILED`, as legacy AES-CBC is. Notable failures:
/// `FAPIAO_NOT_FOR_US`, `FAPIAO_TAG_MISMATCH`, `FAPIAO_MIXED_SUITES`,
/// `FAPIAO_SIGNATURE_INVALID`, `FAPIAO_SIGNER_UNTRUSTED`, `FAPIAO_REPLAY`,
/// `FAPIAO_TOO_LARGE`, `FAPIAO_UNSUPPORTED_ALGORITHM`, `FAPIAO_ENVELOPE_MALFORMED`.
///
/// # Safety
///
/// `opener` must not be freed or mutated by another thread during the call;
/// `envelope` must be NULL or point at `envelope_len` readable bytes; `out` must
/// be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_open(
    opener: *const fapiao_opener,
    envelope: *const u8,
    envelope_len: usize,
    now: u64,
    out: *mut *mut fapiao_opened,
) -> fapiao_result {
    guard("fapiao_opener_open", || {
        // SAFETY: the caller guarantees the handle's lifetime, the bytes and `out`.
        let (opener, envelope, out) = unsafe {
            (
                handle::borrow(opener, "opener")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                Out::new(out, "out")?,
            )
        };
        let validator = PathValidator::new(&opener.trust.roots, opener.path.clone())
            .with_crls(&opener.trust.crls);
        let opened = Opener::new(
            &opener.recipient,
            &validator,
            &opener.replay,
            CryptoProvider::default_provider(),
        )
        .with_policy(opener.policy.clone())
        .open(envelope, resolve_now(now)?)?;
        out.write(fapiao_opened::into_handle(opened));
        Ok(())
    })
}

/// Frees an opener (and its replay memory). NULL does nothing; a pointer that is
/// not a live opener is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `opener` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opener_free(opener: *mut fapiao_opener) {
    guard_value("fapiao_opener_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(opener, "opener") }
    })
}

/// Describes the outer structure of `envelope` without any key, as JSON: `size`,
/// `content_type` (OID), and for an encrypted envelope `encrypted_content_type`,
/// `content_encryption`, `encrypted_size` and `recipients` (each with `kind`,
/// `identifier`, `algorithm`); for a bare SignedData, `signers` (issuer and
/// serial of each). For operators' logs, not for trust decisions.
///
/// On `FAPIAO_OK`, `*out` receives the JSON (UTF-8, not NUL-terminated), to free
/// with `fapiao_bytes_free`; on failure `*out` is not written.
///
/// # Safety
///
/// `envelope` must be NULL or point at `envelope_len` readable bytes; `out` must
/// be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_inspect(
    envelope: *const u8,
    envelope_len: usize,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_inspect", || {
        // SAFETY: the caller guarantees the bytes and `out`.
        let (envelope, out) = unsafe {
            (
                bytes_arg(envelope, envelope_len, "envelope")?,
                Out::new(out, "out")?,
            )
        };
        let summary = envelope::inspect(envelope)?;
        let recipients: Vec<_> = summary
            .recipients
            .iter()
            .map(|r| {
                serde_json::json!({
                    "kind": r.kind,
                    "identifier": r.identifier,
                    "algorithm": r.algorithm.to_string(),
                })
            })
            .collect();
        let json = serde_json::json!({
            "size": summary.size,
            "content_type": summary.content_type.to_string(),
            "encrypted_content_type": summary.encrypted_content_type.map(|o| o.to_string()),
            "content_encryption": summary.content_encryption.map(|o| o.to_string()),
            "encrypted_size": summary.encrypted_size,
            "recipients": recipients,
            "signers": summary.signers,
        });
        let json = serde_json::to_vec(&json)
            .map_err(|e| Failure::new(fapiao_result::FAPIAO_INTERNAL, e.to_string()))?;
        out.write(fapiao_bytes::into_handle(json));
        Ok(())
    })
}
