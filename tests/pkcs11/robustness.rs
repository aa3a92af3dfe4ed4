//! A token that misbehaves between calls: closed sessions are reopened and
//! logged in again, a lost login is restored (the key found again), once, and a token deleted while its
//! key is in use gives a typed error (through the Rust API and the C API),
//! never a panic or a hang.

use std::sync::Arc;
use std::time::{Duration, Instant};

use core::ptr;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use fapiao::Error;
use fapiao::crypto::pkcs11::{KeyLookup, TokenModule};
use fapiao::crypto::{PrivateKey, SignatureScheme, TokenError};
use fapiao::ffi::fapiao_result::FAPIAO_TOKEN_REMOVED;
use fapiao::ffi::*;

use crate::common::certificate;
use crate::ffi_support::{TEST_TIME, chain, data, last_error};
use crate::{
    MODULE, PIN, RELOGIN_TOKEN, REMOVABLE_FFI_TOKEN, REMOVABLE_TOKEN, REOPEN_TOKEN, provider,
    token_dir,
};

/// A second context of the module (as another part of the application could
/// hold) and the slot of the token `label`.
fn second_context(label: &str) -> (Pkcs11, cryptoki::slot::Slot) {
    let context = Pkcs11::new(MODULE).unwrap();
    // Already initialised by the TokenModule: that is the point.
    let _ = context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = context
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|slot| {
            context
                .get_token_info(*slot)
                .is_ok_and(|info| info.label().trim_end() == label)
        })
        .unwrap();
    (context, slot)
}

/// Logs the process out of the token `label` through a second context,
/// which every session of the process with that token then feels.
fn log_out_behind_our_back(label: &str) {
    let (context, slot) = second_context(label);
    context.open_ro_session(slot).unwrap().logout().unwrap();
}

/// Closes every session of the process with the token `label`
/// (`C_CloseAllSessions`, which cryptoki does not wrap: called through the
/// module's symbol).
fn close_all_sessions_behind_our_back(label: &str) {
    let (_context, slot) = second_context(label);
    let module = std::ffi::CString::new(MODULE).unwrap();
    let symbol = c"C_CloseAllSessions";
    // SAFETY: the module is loaded already (dlopen only counts a reference);
    // C_CloseAllSessions has the PKCS#11 signature CK_RV (CK_SLOT_ID), both
    // `unsigned long`, and is called with a slot id the module gave.
    unsafe {
        let library = libc::dlopen(module.as_ptr(), libc::RTLD_NOW);
        assert!(!library.is_null());
        let function = libc::dlsym(library, symbol.as_ptr());
        assert!(!function.is_null());
        let close_all: extern "C" fn(libc::c_ulong) -> libc::c_ulong =
            core::mem::transmute(function);
        assert_eq!(close_all(slot.id() as libc::c_ulong), 0, "CKR_OK");
        libc::dlclose(library);
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_closed_sessions_are_reopened_once() {
    let module = TokenModule::open(MODULE, REOPEN_TOKEN, PIN).unwrap();
    let key = module.key(&KeyLookup::Label("eisp-p256".into())).unwrap();
    sign_and_verify(&key, "eisp-p256");
    for _ in 0..2 {
        close_all_sessions_behind_our_back(REOPEN_TOKEN);
        // Every session of the pool is closed (and the login with them):
        // each is reopened and logged in again, once, and the call succeeds.
        for _ in 0..module.session_count() * 2 {
            sign_and_verify(&key, "eisp-p256");
        }
    }
}

fn sign_and_verify(key: &dyn PrivateKey, name: &str) {
    let signature = key
        .sign(SignatureScheme::EcdsaP256Sha256, b"order")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    provider()
        .verifier
        .verify(
            SignatureScheme::EcdsaP256Sha256,
            certificate(name).public_key(),
            b"order",
            &signature,
        )
        .unwrap();
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_a_lost_login_is_restored_once() {
    let module = TokenModule::open(MODULE, RELOGIN_TOKEN, PIN).unwrap();
    let key = module.key(&KeyLookup::Label("eisp-p256".into())).unwrap();
    sign_and_verify(&key, "eisp-p256");
    for _ in 0..2 {
        log_out_behind_our_back(RELOGIN_TOKEN);
        // Every session of the pool has lost the login: each call reopens
        // its session and logs in again, once, and succeeds.
        for _ in 0..module.session_count() * 2 {
            sign_and_verify(&key, "eisp-p256");
        }
    }
    // ECDH too.
    log_out_behind_our_back(RELOGIN_TOKEN);
    assert_eq!(
        key.agree_p256(certificate("ecp-p256").public_key())
            .unwrap()
            .len(),
        32
    );
}

/// Deletes the token `label` from SoftHSM2's token directory, as
/// `softhsm2-util --delete-token` does (directly, and again while the module
/// in this process is still writing a file into it).
fn delete_token(label: &str) {
    let tokens = token_dir().join("tokens");
    let padded = format!("{label:<32}");
    let directory = std::fs::read_dir(&tokens)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|dir| {
            std::fs::read(dir.join("token.object"))
                .is_ok_and(|object| object.windows(padded.len()).any(|w| w == padded.as_bytes()))
        })
        .unwrap_or_else(|| panic!("token {label} in {}", tokens.display()));
    for _ in 0..20 {
        match std::fs::remove_dir_all(&directory) {
            Ok(()) => return,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    panic!("cannot delete {}", directory.display());
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_a_deleted_token_gives_a_typed_error() {
    let module = TokenModule::open(MODULE, REMOVABLE_TOKEN, PIN).unwrap();
    let key: Arc<dyn PrivateKey> =
        Arc::new(module.key(&KeyLookup::Label("ecp-p256".into())).unwrap());
    sign_and_verify(key.as_ref(), "ecp-p256");
    delete_token(REMOVABLE_TOKEN);
    let started = Instant::now();
    for _ in 0..3 {
        let err = key
            .sign(SignatureScheme::EcdsaP256Sha256, b"order")
            .unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::TokenRemoved)),
            "{err:?}"
        );
        let err = key
            .agree_p256(certificate("eisp-p256").public_key())
            .unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::TokenRemoved)),
            "{err:?}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
    let err = TokenModule::open(MODULE, REMOVABLE_TOKEN, PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::TokenNotFound { .. })),
        "{err:?}"
    );
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_a_deleted_token_is_token_removed_through_the_c_api() {
    let chain = chain("ecp-p256");
    let (module, token, key) = (
        std::ffi::CString::new(MODULE).unwrap(),
        std::ffi::CString::new(REMOVABLE_FFI_TOKEN).unwrap(),
        std::ffi::CString::new("ecp-p256").unwrap(),
    );
    let pin = std::ffi::CString::new(PIN).unwrap();
    let mut credentials = ptr::null_mut();
    // SAFETY: NUL-terminated strings, the chain's bytes, a writable `out`.
    let rc = unsafe {
        fapiao_credentials_from_token(
            module.as_ptr(),
            token.as_ptr(),
            key.as_ptr(),
            pin.as_ptr(),
            chain.as_ptr(),
            chain.len(),
            &mut credentials,
        )
    };
    assert_eq!(rc, fapiao_result::FAPIAO_OK, "{}", last_error());
    delete_token(REMOVABLE_FFI_TOKEN);
    let recipient = data("eisp-p256.pem");
    let mut out = ptr::null_mut();
    // SAFETY: a live handle, valid slices, a writable `out`.
    let rc = unsafe {
        fapiao_seal(
            credentials,
            b"order".as_ptr(),
            5,
            recipient.as_ptr(),
            recipient.len(),
            TEST_TIME,
            &mut out,
        )
    };
    assert_eq!(rc, FAPIAO_TOKEN_REMOVED, "{}", last_error());
    assert!(out.is_null());
    // SAFETY: a live handle, freed once.
    unsafe { fapiao_credentials_free(credentials) };
}
