//! The certificate exchange (互换数字证书) for C/C++ platform hosts: two parties
//! (the cloud and service platforms, or a service platform and an enterprise's
//! front end) exchange signed and encrypted messages, validate each other's
//! certificate path, and pin each other in their stores
//! ([`ExchangeParty`](crate::exchange::ExchangeParty)): offer, answer, confirm,
//! complete, and finish when the responder holds an encryption certificate.

use core::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now, str_arg};
use super::bytes::fapiao_bytes;
use super::credentials::fapiao_credentials;
use super::handle::{self, Handle};
use super::platform::platform_trust;
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT};
use super::store::{fapiao_store, party_role};
use super::store_engine::StoreEngine;
use super::trust::fapiao_trust_store;
use crate::CryptoProvider;
use crate::exchange::{
    AnswerSent, CertificateMatch, ConfirmSent, Confirmed, ExchangeParty, OfferSent, PartyBinding,
    PartyBindings, PartyRole, PeerDirectory,
};
use crate::pki::{Credentials, SpkiFingerprint};
use crate::platform::PlatformTrust;
use crate::qualification::RegisteredFrontEnds;

/// What a binding's `value` is: the `kind` argument of `fapiao_exchange_bind`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_certificate_match {
    /// The certificate subject's serialNumber attribute (where Chinese CAs put a
    /// unified social credit code), exactly.
    FAPIAO_MATCH_SUBJECT_SERIAL_NUMBER = 1,
    /// The SHA-256 of the certificate's SubjectPublicKeyInfo, 64 hex digits.
    FAPIAO_MATCH_KEY = 2,
}

/// Where this side of an exchange stands.
enum Step {
    /// Nothing sent yet.
    Idle,
    /// The offer went out (initiator): waiting for the answer.
    Offered(OfferSent),
    /// The answer went out (responder): waiting for the confirm.
    Answered(AnswerSent),
    /// The confirm went out (initiator) challenging the responder's encryption
    /// certificate: waiting for the finish.
    Confirmed(ConfirmSent),
    /// The peer is pinned.
    Done,
}

/// One side of a certificate exchange: its credentials, trust, store (where the
/// peer is pinned; also the replay guard and the qualification registry that
/// binds enterprise front ends), its party id and role, the operator's bindings,
/// the pinned credentials that endorse a rotation, and where the exchange
/// stands. Not synchronized: one exchange is driven by one thread at a time.
pub struct fapiao_exchange {
    credentials: Credentials,
    trust: PlatformTrust,
    store: std::sync::Arc<dyn StoreEngine>,
    party_id: String,
    role: PartyRole,
    bindings: Mutex<PartyBindings>,
    endorser: Mutex<Option<Credentials>>,
    step: Mutex<Step>,
}

impl Handle for fapiao_exchange {
    const NAME: &'static str = "fapiao_exchange";
}

impl fapiao_exchange {
    /// Runs `f` with this side as an [`ExchangeParty`] and its current step.
    fn with_party<T>(
        &self,
        f: impl FnOnce(&ExchangeParty<'_>, &mut Step) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let validator = self.trust.validator();
        let directory = PeerDirectory::new(self.store.clone().peer_store());
        let registry = self.store.clone().registry();
        let replay = self.store.clone().replay_guard();
        let bindings = self.bindings.lock().unwrap_or_else(PoisonError::into_inner);
        let endorser = self.endorser.lock().unwrap_or_else(PoisonError::into_inner);
        let front_ends = RegisteredFrontEnds(registry.as_ref());
        let mut party = ExchangeParty::new(
            &self.credentials,
            &self.party_id,
            self.role,
            &validator,
            &directory,
            replay.as_ref(),
            CryptoProvider::default_provider(),
        )
        .with_bindings(&bindings)
        .bound_by(&front_ends);
        if let Some(pinned) = endorser.as_ref() {
            party = party.endorsed_by(pinned);
        }
        let mut step = self.step.lock().unwrap_or_else(PoisonError::into_inner);
        f(&party, &mut step)
    }
}

fn out_of_order(expected: &str) -> Failure {
    Failure::new(
        FAPIAO_INVALID_ARGUMENT,
        format!("the exchange is not at this step: {expected}"),
    )
}

/// One side of a certificate exchange with `credentials`, known to the other
/// side as `party_id` (NUL-terminated UTF-8) in `role` (a `fapiao_party_role`),
/// validating the other side's certificate with `trust` and pinning it in
/// `store`. It copies the credentials and trust and shares the store: the
/// handles may be freed after the call.
///
/// The initiator calls `fapiao_exchange_offer`, then `fapiao_exchange_confirm`
/// with the answer; the responder `fapiao_exchange_answer` with the offer, then
/// `fapiao_exchange_complete` with the confirm. When the responder holds an
/// encryption certificate (双证书), `fapiao_exchange_complete` also returns a
/// finish, and the initiator calls `fapiao_exchange_finish` with it. Each side
/// has pinned the other when its last call returns `FAPIAO_OK`
/// (`fapiao_exchange_done` returns 1).
///
/// The other side's claimed party id and role are accepted only when bound to
/// its certificate: by `fapiao_exchange_bind` (operator-configured), or, for an
/// enterprise front end, by the enterprise's record in `store`'s qualification
/// registry (enterprise-hosted, its credit code in the certificate's subject
/// serialNumber or the key among its bound certificates). A claim nothing binds
/// is refused with `FAPIAO_EXCHANGE_REFUSED`.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_exchange_free`; on failure (`FAPIAO_INVALID_ARGUMENT` for an unknown
/// role) `*out` is not written.
///
/// # Safety
///
/// The handles must not be freed or changed by another thread during the call;
/// `party_id` must be NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_new(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    party_id: *const c_char,
    role: u32,
    out: *mut *mut fapiao_exchange,
) -> fapiao_result {
    guard("fapiao_exchange_new", || {
        // SAFETY: the caller guarantees the handles, the string and `out`.
        let (credentials, trust, store, party_id, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                handle::borrow(trust, "trust")?,
                handle::borrow(store, "store")?,
                str_arg(party_id, "party_id")?,
                Out::new(out, "out")?,
            )
        };
        let role = party_role(role)?;
        out.write(handle::into_handle(fapiao_exchange {
            credentials: credentials.inner.clone(),
            trust: platform_trust(trust),
            store: store.inner.clone(),
            party_id: party_id.to_owned(),
            role,
            bindings: Mutex::new(PartyBindings::new()),
            endorser: Mutex::new(None),
            step: Mutex::new(Step::Idle),
        }));
        Ok(())
    })
}

/// Binds `party_id` (NUL-terminated UTF-8) in `role` (a `fapiao_party_role`) to
/// the certificates that `value` names, read as `kind` (a
/// `fapiao_certificate_match`): the other side may claim that id and role only
/// with such a certificate. Call it before the exchange's first step, once per
/// binding.
///
/// On failure (`FAPIAO_INVALID_ARGUMENT`: an unknown role or kind, an empty
/// party id or value, a key that is not 64 hex digits) nothing is bound.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `party_id` and `value`
/// must be NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_bind(
    exchange: *const fapiao_exchange,
    party_id: *const c_char,
    role: u32,
    kind: u32,
    value: *const c_char,
) -> fapiao_result {
    guard("fapiao_exchange_bind", || {
        // SAFETY: the caller guarantees the handle and the strings.
        let (exchange, party_id, value) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                str_arg(party_id, "party_id")?,
                str_arg(value, "value")?,
            )
        };
        let role = party_role(role)?;
        let invalid = |detail: String| Failure::new(FAPIAO_INVALID_ARGUMENT, detail);
        if party_id.is_empty() || value.is_empty() {
            return Err(invalid("party_id and value must not be empty".into()));
        }
        let certificate = match kind {
            1 => CertificateMatch::SubjectSerialNumber(value.to_owned()),
            2 => CertificateMatch::Key(
                SpkiFingerprint::from_hex(value)
                    .ok_or_else(|| invalid(format!("key {value:?} is not 64 hex digits")))?,
            ),
            other => {
                return Err(invalid(format!(
                    "kind {other} is not a fapiao_certificate_match"
                )));
            }
        };
        exchange
            .bindings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(PartyBinding {
                party_id: party_id.to_owned(),
                role,
                certificate,
            });
        Ok(())
    })
}

/// Signs this side's exchange messages with `pinned` too: the credentials the
/// other side pinned for this party before. The other side then accepts this
/// side's new certificate as a rotation; without it, a new certificate for a
/// party that has a usable pinned one is refused. Copies the credentials.
///
/// # Safety
///
/// No other thread may use `exchange` or `pinned` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_endorse(
    exchange: *const fapiao_exchange,
    pinned: *const fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_exchange_endorse", || {
        // SAFETY: the caller guarantees the handles.
        let (exchange, pinned) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                handle::borrow(pinned, "pinned")?,
            )
        };
        *exchange
            .endorser
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(pinned.inner.clone());
        Ok(())
    })
}

/// Step 1, initiator: the offer to send to the other side, at `now` (UNIX
/// seconds; 0 = now).
///
/// On `FAPIAO_OK`, `*out` receives the message, to free with
/// `fapiao_bytes_free`; on failure (`FAPIAO_INVALID_ARGUMENT` when this side
/// already sent or answered) `*out` is not written.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_offer(
    exchange: *const fapiao_exchange,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_exchange_offer", || {
        // SAFETY: the caller guarantees the handle and `out`.
        let (exchange, out) =
            unsafe { (handle::borrow(exchange, "exchange")?, Out::new(out, "out")?) };
        let now = resolve_now(now)?;
        exchange.with_party(|party, step| {
            if !matches!(step, Step::Idle) {
                return Err(out_of_order("an offer is sent first, once"));
            }
            let (sent, offer) = party.offer(now)?;
            *step = Step::Offered(sent);
            out.write(fapiao_bytes::into_handle(offer));
            Ok(())
        })
    })
}

/// Step 2, responder: checks the other side's `offer` (`offer_len` bytes) at
/// `now` (UNIX seconds; 0 = now) and returns the answer to send back. The
/// initiator is pinned only when its confirm arrives.
///
/// On `FAPIAO_OK`, `*out` receives the answer, to free with
/// `fapiao_bytes_free`; on failure (an offer that does not open or validate:
/// 2xx, 3xx, 4xx or `FAPIAO_EXCHANGE_REFUSED`; `FAPIAO_INVALID_ARGUMENT` when
/// this side already sent or answered) `*out` is not written and the exchange
/// stays where it was.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `offer` must be NULL or
/// point at `offer_len` readable bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_answer(
    exchange: *const fapiao_exchange,
    offer: *const u8,
    offer_len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_exchange_answer", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (exchange, offer, out) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                bytes_arg(offer, offer_len, "offer")?,
                Out::new(out, "out")?,
            )
        };
        let now = resolve_now(now)?;
        exchange.with_party(|party, step| {
            if !matches!(step, Step::Idle) {
                return Err(out_of_order("an offer is answered by a fresh exchange"));
            }
            let (sent, answer) = party.answer(offer, now)?;
            *step = Step::Answered(sent);
            out.write(fapiao_bytes::into_handle(answer));
            Ok(())
        })
    })
}

/// Step 3, initiator: checks the other side's `answer` (`answer_len` bytes; it
/// must echo this side's offer) at `now` (UNIX seconds; 0 = now) and returns
/// the confirm to send back. A responder with one certificate is pinned in the
/// store now; one with an encryption certificate is challenged in the confirm
/// and pinned by `fapiao_exchange_finish` (`fapiao_exchange_done` tells which).
///
/// On `FAPIAO_OK`, `*out` receives the confirm, to free with
/// `fapiao_bytes_free`; on failure (as for `fapiao_exchange_answer`;
/// `FAPIAO_INVALID_ARGUMENT` when no offer is waiting) `*out` is not written
/// and the offer still waits for a good answer.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `answer` must be NULL or
/// point at `answer_len` readable bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_confirm(
    exchange: *const fapiao_exchange,
    answer: *const u8,
    answer_len: usize,
    now: u64,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_exchange_confirm", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (exchange, answer, out) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                bytes_arg(answer, answer_len, "answer")?,
                Out::new(out, "out")?,
            )
        };
        let now = resolve_now(now)?;
        exchange.with_party(|party, step| {
            let sent = match std::mem::replace(step, Step::Idle) {
                Step::Offered(sent) => sent,
                other => {
                    *step = other;
                    return Err(out_of_order("an answer is confirmed after an offer"));
                }
            };
            let nonce = sent.clone();
            match party.confirm(sent, answer, now) {
                Ok((confirmed, confirm)) => {
                    *step = match confirmed {
                        Confirmed::Pinned(_) => Step::Done,
                        Confirmed::AwaitingFinish(sent) => Step::Confirmed(sent),
                    };
                    out.write(fapiao_bytes::into_handle(confirm));
                    Ok(())
                }
                Err(e) => {
                    *step = Step::Offered(nonce);
                    Err(e.into())
                }
            }
        })
    })
}

/// Step 4, responder: checks the other side's `confirm` (`confirm_len` bytes;
/// it must echo this side's answer and come from the certificates that made
/// the offer) at `now` (UNIX seconds; 0 = now) and pins the other side in the
/// store.
///
/// On `FAPIAO_OK`, `*finish` receives the finish to send back when the confirm
/// challenged this side's encryption certificate (free it with
/// `fapiao_bytes_free`), and NULL otherwise. On failure (as for
/// `fapiao_exchange_answer`; `FAPIAO_INVALID_ARGUMENT` when no answer waits)
/// nothing is pinned, `*finish` is not written and the answer still waits for
/// a good confirm.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `confirm` must be NULL
/// or point at `confirm_len` readable bytes; `finish` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_complete(
    exchange: *const fapiao_exchange,
    confirm: *const u8,
    confirm_len: usize,
    now: u64,
    finish: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_exchange_complete", || {
        // SAFETY: the caller guarantees the handle, the bytes and `finish`.
        let (exchange, confirm, out) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                bytes_arg(confirm, confirm_len, "confirm")?,
                Out::new(finish, "finish")?,
            )
        };
        let now = resolve_now(now)?;
        exchange.with_party(|party, step| {
            let sent = match std::mem::replace(step, Step::Idle) {
                Step::Answered(sent) => sent,
                other => {
                    *step = other;
                    return Err(out_of_order("a confirm completes an answer"));
                }
            };
            let kept = sent.clone();
            match party.complete(sent, confirm, now) {
                Ok((_, finish)) => {
                    *step = Step::Done;
                    out.write(finish.map_or(core::ptr::null_mut(), fapiao_bytes::into_handle));
                    Ok(())
                }
                Err(e) => {
                    *step = Step::Answered(kept);
                    Err(e.into())
                }
            }
        })
    })
}

/// Step 5, initiator, after a confirm that challenged the responder's
/// encryption certificate: checks the other side's `finish` (`finish_len`
/// bytes; it must echo this side's confirm, come from the certificates that
/// answered and return the challenge) at `now` (UNIX seconds; 0 = now) and
/// pins the other side in the store.
///
/// On failure (as for `fapiao_exchange_answer`; `FAPIAO_INVALID_ARGUMENT` when
/// no confirm waits for a finish) nothing is pinned and the confirm still
/// waits for a good finish.
///
/// # Safety
///
/// No other thread may use `exchange` during the call; `finish` must be NULL
/// or point at `finish_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_finish(
    exchange: *const fapiao_exchange,
    finish: *const u8,
    finish_len: usize,
    now: u64,
) -> fapiao_result {
    guard("fapiao_exchange_finish", || {
        // SAFETY: the caller guarantees the handle and the bytes.
        let (exchange, finish) = unsafe {
            (
                handle::borrow(exchange, "exchange")?,
                bytes_arg(finish, finish_len, "finish")?,
            )
        };
        let now = resolve_now(now)?;
        exchange.with_party(|party, step| {
            let sent = match std::mem::replace(step, Step::Idle) {
                Step::Confirmed(sent) => sent,
                other => {
                    *step = other;
                    return Err(out_of_order("a finish follows a confirm that challenged"));
                }
            };
            let kept = sent.clone();
            match party.finish(sent, finish, now) {
                Ok(_) => {
                    *step = Step::Done;
                    Ok(())
                }
                Err(e) => {
                    *step = Step::Confirmed(kept);
                    Err(e.into())
                }
            }
        })
    })
}

/// 1 when this side has pinned the other (the exchange is over here), 0 when
/// it has not (yet), or when `exchange` is NULL or not a live exchange.
///
/// # Safety
///
/// No other thread may use `exchange` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_done(exchange: *const fapiao_exchange) -> i32 {
    guard_value("fapiao_exchange_done", 0, || {
        // SAFETY: the caller guarantees the handle.
        let exchange = unsafe { handle::borrow(exchange, "exchange")? };
        let step = exchange.step.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(i32::from(matches!(*step, Step::Done)))
    })
}

/// Frees an exchange. NULL does nothing; a pointer that is not a live exchange
/// is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `exchange` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_exchange_free(exchange: *mut fapiao_exchange) {
    guard_value("fapiao_exchange_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(exchange, "exchange") }
    })
}
