//! Private-key loading: PKCS#8 (plain or PBES2-encrypted), PKCS#1 and SEC1, PEM
//! or DER, without a password and with the fixtures' one; what loads is handed
//! to the crypto provider.
//!
//! Under cargo-fuzz (`--cfg fuzzing`) the library's key-derivation bounds are
//! lowered (src/pki/private_key.rs) so that hostile iteration counts cost
//! milliseconds, not seconds: the fuzzer explores the parsers, not PBKDF2.
#![no_main]

use fapiao::pki::PrivateKeyDer;
use fapiao::{Error, KeyError};
use fapiao_fuzz::{PASSWORD, provider};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match PrivateKeyDer::load(data, None) {
        Ok(key) => {
            let _ = provider().keys.load_private_key(key.pkcs8_der());
        }
        // Without a password nothing is decrypted, so no KDF runs.
        Err(Error::Key(KeyError::WrongPassword)) => panic!("wrong password without a password"),
        Err(_) => {}
    }
    if let Ok(key) = PrivateKeyDer::load(data, Some(PASSWORD)) {
        let _ = format!("{key:?}");
        let _ = provider().keys.load_private_key(key.pkcs8_der());
    }
});
