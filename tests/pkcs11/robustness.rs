//! A token that misbehaves between calls: a lost login is restored (the
//! session reopened and logged in again once), and a token deleted while its
//! key is in use gives a typed error (through the Rust API and the C API),
//! never a panic or a hang.

use std::process::Command;
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
use crate::{MODULE, PIN, RELOGIN_TOKEN, REMOVABLE_FFI_TOKEN, REMOVABLE_TOKEN, provider, run};

/// Logs the process out of the token `label` through a second context of the
/// module (as another part of the application could), which every session
/// of the process with that token then feels.
fn log_out_behind_our_back(label: &str) {
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
    context.open_ro_session(slot).unwrap().logout().unwrap();
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

fn delete_token(label: &str) {
    run(Command::new("softhsm2-util").args(["--delete-token", "--token", label]));
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
