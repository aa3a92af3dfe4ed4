//! Envelopes with token keys: token-signed envelopes opened by software
//! recipients and by OpenSSL, envelopes to the token's certificates opened on
//! the token, every scheme, the typed failures, the session pool.

use fapiao::CredentialsError;
use fapiao::Error;
use fapiao::crypto::pkcs11::{KeyLookup, TokenModule};
use fapiao::crypto::{CryptoError, PrivateKey, SignatureScheme, TokenError};
use fapiao::envelope::{self, MemoryReplayGuard, Opener};
use fapiao::pki::Credentials;

use crate::common::openssl::{cms_decrypt, cms_verify, now, scratch};
use crate::common::*;
use crate::{
    DIR, MODULE, PIN, PIN_TOKEN, TOKEN, module, oaep_sha256_unsupported, open_with, payload,
    provider, token_credentials, token_key,
};

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_signed_envelopes_open_with_the_software_recipient() {
    for (sender, receiver) in [("eisp-p256", "ecp-p256"), ("eisp-rsa", "ecp-rsa")] {
        let creds = token_credentials(sender);
        let sealed = envelope::seal(
            &payload(),
            &creds,
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let opened = open_with(&credentials(receiver, provider()), &sealed);
        assert_eq!(opened.payload, payload(), "{sender}");
        assert_eq!(
            opened.signers[0].spki_fingerprint,
            certificate(sender).spki_fingerprint()
        );
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_keys_open_envelopes_sealed_to_them() {
    // RSA-OAEP and ECDH on the token.
    for (sender, receiver) in [("ecp-rsa", "eisp-rsa"), ("ecp-p256", "eisp-p256")] {
        let sealed = envelope::seal(
            &payload(),
            &credentials(sender, provider()),
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let trust = IssuedByFixtureCa::new(provider());
        let replay = MemoryReplayGuard::new();
        match Opener::new(&token_credentials(receiver), &trust, &replay, provider())
            .open(&sealed, now())
        {
            Ok(opened) => assert_eq!(opened.payload, payload(), "{receiver}"),
            Err(e) if receiver == "eisp-rsa" && oaep_sha256_unsupported(&e) => {
                eprintln!(
                    "{receiver}: this SoftHSM has no RSA-OAEP-SHA256 (2.6 decrypts OAEP-SHA-1 only): {e}"
                );
            }
            Err(e) => panic!("{receiver}: {e}"),
        }
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_both_ends_on_the_token() {
    let sealed = envelope::seal(
        &payload(),
        &token_credentials("ecp-p256"),
        &[&certificate("eisp-p256"), &certificate("eisp-rsa")],
        now(),
        provider(),
    )
    .unwrap();
    // The RSA recipient on the token: token_keys_open_envelopes_sealed_to_them.
    assert_eq!(
        open_with(&token_credentials("eisp-p256"), &sealed).payload,
        payload()
    );
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_sealed_envelopes_verify_with_openssl() {
    for (sender, receiver) in [("eisp-rsa", "ecp-rsa"), ("eisp-p256", "ecp-p256")] {
        let sealed = envelope::seal(
            &payload(),
            &token_credentials(sender),
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let env = scratch(DIR, &format!("{sender}-token.der"));
        let signed = scratch(DIR, &format!("{sender}-token-signed.der"));
        let out = scratch(DIR, &format!("{sender}-token-payload"));
        std::fs::write(&env, &sealed).unwrap();
        cms_decrypt(&env, receiver, &signed);
        cms_verify(&signed, &out);
        assert_eq!(std::fs::read(&out).unwrap(), payload(), "{sender}");
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_signs_every_scheme_of_its_family() {
    let rsa = token_key("eisp-rsa");
    let public = certificate("eisp-rsa");
    for scheme in [
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
        SignatureScheme::RsaPssSha256,
        SignatureScheme::RsaPssSha384,
        SignatureScheme::RsaPssSha512,
    ] {
        let signature = rsa.sign(scheme, b"order").unwrap();
        provider()
            .verifier
            .verify(scheme, public.public_key(), b"order", &signature)
            .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
    }
    let ec = token_key("eisp-p256");
    let signature = ec.sign(SignatureScheme::EcdsaP256Sha256, b"order").unwrap();
    assert_eq!(signature[0], 0x30, "DER Ecdsa-Sig-Value");
    provider()
        .verifier
        .verify(
            SignatureScheme::EcdsaP256Sha256,
            certificate("eisp-p256").public_key(),
            b"order",
            &signature,
        )
        .unwrap();
    // The public keys read from the token are the software keys'.
    for name in ["eisp-rsa", "eisp-p256"] {
        let software = credentials(name, provider());
        assert_eq!(
            token_key(name).public_key(),
            software.private_key().public_key()
        );
        assert_eq!(
            token_key(name).algorithm(),
            software.private_key().algorithm()
        );
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_keys_refuse_what_their_type_cannot_do() {
    let ec = token_key("eisp-p256");
    assert!(matches!(
        ec.decrypt_oaep_sha256(&[0; 256]),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    assert!(matches!(
        ec.sign(SignatureScheme::RsaPkcs1Sha256, b"x"),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    let rsa = token_key("eisp-rsa");
    assert!(matches!(
        rsa.agree_p256(certificate("ecp-p256").public_key()),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    // A ciphertext that does not decrypt is the software key's uninformative
    // error (a token without OAEP-SHA-256 says so instead).
    match rsa.decrypt_oaep_sha256(&[1; 256]) {
        Err(Error::Crypto(CryptoError::DecryptFailed)) => {}
        Err(e) if oaep_sha256_unsupported(&e) => {}
        other => panic!("{other:?}"),
    }
    // An EC key on another curve.
    let err = module()
        .key(&KeyLookup::Label("ecp-p384".into()))
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::UnsupportedKey { .. })),
        "{err}"
    );
    // The key of another certificate.
    let mut chain = data("eisp-rsa.pem");
    chain.extend_from_slice(&data("issuing-ca.pem"));
    let err = Credentials::from_chain_pem(&chain, token_key("eisp-p256")).unwrap_err();
    assert!(matches!(
        err,
        Error::Credentials(CredentialsError::KeyMismatch)
    ));
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_lookups_fail_typed() {
    let err = module()
        .key(&KeyLookup::Label("nobody".into()))
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ObjectNotFound { .. })),
        "{err}"
    );
    let err = module().key(&KeyLookup::Id(vec![0x7f])).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ObjectNotFound { .. })),
        "{err}"
    );
    let by_id = module().key(&KeyLookup::Id(vec![0x02])).unwrap();
    assert_eq!(by_id.public_key(), certificate("eisp-rsa").public_key());

    let err = TokenModule::open(MODULE, PIN_TOKEN, b"not-the-pin").unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::PinIncorrect)),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("not-the-pin"));
    let err = TokenModule::open(MODULE, "no-such-token", PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::TokenNotFound { .. })),
        "{err}"
    );
    let err = TokenModule::open("/nonexistent/libpkcs11.so", TOKEN, PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ModuleNotFound { .. })),
        "{err}"
    );
    let not_a_module = data_path("root-ca.pem");
    let err = TokenModule::open(&not_a_module, TOKEN, PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ModuleLoadFailed { .. })),
        "{err}"
    );
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_session_pool_serves_four_threads() {
    let key = token_key("eisp-p256");
    let rsa = token_key("eisp-rsa");
    let ec_public = certificate("eisp-p256");
    let rsa_public = certificate("eisp-rsa");
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let (key, rsa, ec_public, rsa_public) = (&key, &rsa, &ec_public, &rsa_public);
            scope.spawn(move || {
                for i in 0..25u8 {
                    let message = [t, i];
                    let sig = key
                        .sign(SignatureScheme::EcdsaP256Sha256, &message)
                        .unwrap();
                    provider()
                        .verifier
                        .verify(
                            SignatureScheme::EcdsaP256Sha256,
                            ec_public.public_key(),
                            &message,
                            &sig,
                        )
                        .unwrap();
                    let sig = rsa.sign(SignatureScheme::RsaPssSha256, &message).unwrap();
                    provider()
                        .verifier
                        .verify(
                            SignatureScheme::RsaPssSha256,
                            rsa_public.public_key(),
                            &message,
                            &sig,
                        )
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(module().session_count(), 4);
}
