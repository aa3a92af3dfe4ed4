//! OpenSSL interoperability, both directions, for RSA and P-256 certificates:
//! `openssl cms -decrypt` + `-verify` read our envelopes, and we open what
//! `openssl cms -sign` + `-encrypt -aes-256-gcm` write.

use crate::common;

use common::openssl::{
    cms_decrypt, cms_encrypt, cms_sign, cms_verify, now, our_recipient_options, scratch,
};
use common::*;
use fapiao::envelope::{self, MemoryReplayGuard, Opener};

/// This file's scratch folder.
const DIR: &str = "envelope_openssl";

fn payload() -> Vec<u8> {
    // Binary-safe: CR, LF, NUL and high bytes must survive untouched.
    let mut p = b"{\"serial\":\"ERP-2026-000042\",\"total_fen\":11300}\r\n\0".to_vec();
    p.extend((0..=255u8).cycle().take(2048));
    p
}

#[test]
fn openssl_decrypts_and_verifies_our_envelopes() {
    for provider in providers() {
        for (sender, receiver) in [("ecp-rsa", "eisp-rsa"), ("ecp-p256", "eisp-p256")] {
            let tag = format!("{}-{receiver}", provider.name);
            let sender_creds = credentials(sender, provider);
            let receiver_cert = certificate(receiver);
            let sealed = envelope::seal(
                &payload(),
                &sender_creds,
                &[&receiver_cert],
                now(),
                provider,
            )
            .unwrap();
            let env = scratch(DIR, &format!("{tag}-ours.der"));
            let signed = scratch(DIR, &format!("{tag}-ours-signed.der"));
            let out = scratch(DIR, &format!("{tag}-ours-payload"));
            std::fs::write(&env, &sealed).unwrap();
            cms_decrypt(&env, receiver, &signed);
            cms_verify(&signed, &out);
            assert_eq!(std::fs::read(&out).unwrap(), payload(), "{tag}");
        }
    }
}

#[test]
fn we_open_what_openssl_signs_and_encrypts() {
    for provider in providers() {
        for (sender, receiver) in [("ecp-rsa", "eisp-rsa"), ("ecp-p256", "eisp-p256")] {
            let tag = format!("{}-{sender}", provider.name);
            let input = scratch(DIR, &format!("{tag}-payload"));
            let signed = scratch(DIR, &format!("{tag}-signed.der"));
            let env = scratch(DIR, &format!("{tag}-env.der"));
            std::fs::write(&input, payload()).unwrap();
            cms_sign(sender, &input, &signed);
            let keyopts = our_recipient_options(receiver);
            cms_encrypt("aes-256-gcm", &signed, receiver, keyopts, &env);

            let sealed = std::fs::read(&env).unwrap();
            let summary = envelope::inspect(&sealed).unwrap();
            assert_eq!(
                summary.content_encryption.unwrap().to_string(),
                "2.16.840.1.101.3.4.1.46"
            );
            let receiver_creds = credentials(receiver, provider);
            let trust = IssuedByFixtureCa::new(provider);
            let replay = MemoryReplayGuard::new();
            let opened = Opener::new(&receiver_creds, &trust, &replay, provider)
                .open(&sealed, now())
                .unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert_eq!(opened.payload, payload(), "{tag}");
            assert_eq!(opened.signers.len(), 1);
            assert_eq!(
                opened.signers[0].spki_fingerprint,
                certificate(sender).spki_fingerprint(),
                "{tag}"
            );
            assert_eq!(
                opened.signers[0].message_id, None,
                "OpenSSL writes no contentIdentifier"
            );
            assert_eq!(opened.message_id.len(), 16);
        }
    }
}

#[test]
fn openssl_sha1_kdf_is_refused_naming_the_algorithm() {
    // OpenSSL 3.0's default ECDH KDF is SHA-1; we accept only the SHA-256 KDF.
    let provider = providers()[0];
    let input = scratch(DIR, "sha1kdf-payload");
    let signed = scratch(DIR, "sha1kdf-signed.der");
    let env = scratch(DIR, "sha1kdf-env.der");
    std::fs::write(&input, b"x").unwrap();
    cms_sign("ecp-p256", &input, &signed);
    // No recipient options: OpenSSL's defaults.
    cms_encrypt("aes-256-gcm", &signed, "eisp-p256", &[], &env);
    let receiver = credentials("eisp-p256", provider);
    let trust = IssuedByFixtureCa::new(provider);
    let replay = MemoryReplayGuard::new();
    let err = Opener::new(&receiver, &trust, &replay, provider)
        .open(&std::fs::read(&env).unwrap(), now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            fapiao::Error::Envelope(fapiao::EnvelopeError::UnsupportedAlgorithm {
                what: "key agreement",
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("1.3.133.16.840.63.0.2"), "{err}");
}
