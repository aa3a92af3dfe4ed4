//! Legacy EnvelopedData with AES-CBC, as `openssl cms -encrypt -aes-256-cbc` (or
//! `-aes-128-cbc`) writes it: refused by the default policy, opened and verified
//! when `EnvelopePolicy::allow_legacy_cbc` is set, and every tampering of the
//! unauthenticated ciphertext refused with the one `LegacyDecryptFailed`.

use crate::common;

use common::openssl::{cms_encrypt, cms_sign, now, our_recipient_options, scratch};
use common::*;
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener};
use fapiao::{CryptoProvider, EnvelopeError, Error};

/// This file's scratch folder.
const DIR: &str = "envelope_legacy";
/// OpenSSL's OIDs for the content ciphers and the AES-128 key wrap.
const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const AES128_WRAP: &str = "2.16.840.1.101.3.4.1.5";

fn payload() -> Vec<u8> {
    let mut p = b"{\"serial\":\"ERP-LEGACY-7\",\"total_fen\":11300}\r\n\0".to_vec();
    p.extend((0..=255u8).cycle().take(1000));
    p
}

/// `openssl cms -sign` by `sender`, then `openssl cms -encrypt -<cipher>` to
/// `receiver`: the legacy envelope's DER.
fn openssl_legacy_envelope(sender: &str, receiver: &str, cipher: &str) -> Vec<u8> {
    openssl_legacy_envelope_of(sender, receiver, cipher, &payload())
}

/// As [`openssl_legacy_envelope`], of `payload`.
fn openssl_legacy_envelope_of(
    sender: &str,
    receiver: &str,
    cipher: &str,
    payload: &[u8],
) -> Vec<u8> {
    let tag = format!("{sender}-{receiver}-{cipher}-{}", payload.len());
    let input = scratch(DIR, &format!("{tag}-payload"));
    let signed = scratch(DIR, &format!("{tag}-signed.der"));
    let env = scratch(DIR, &format!("{tag}-env.der"));
    std::fs::write(&input, payload).unwrap();
    cms_sign(sender, &input, &signed);
    cms_encrypt(
        cipher,
        &signed,
        receiver,
        our_recipient_options(receiver),
        &env,
    );
    let sealed = std::fs::read(&env).unwrap();
    for file in [input, signed, env] {
        let _ = std::fs::remove_file(file);
    }
    sealed
}

fn legacy_policy() -> EnvelopePolicy {
    EnvelopePolicy {
        allow_legacy_cbc: true,
        ..EnvelopePolicy::default()
    }
}

fn open(
    sealed: &[u8],
    receiver: &str,
    policy: EnvelopePolicy,
    provider: &'static CryptoProvider,
) -> Result<envelope::OpenedEnvelope, Error> {
    let creds = credentials(receiver, provider);
    let trust = IssuedByFixtureCa::new(provider);
    let replay = MemoryReplayGuard::new();
    Opener::new(&creds, &trust, &replay, provider)
        .with_policy(policy)
        .open(sealed, now())
}

#[test]
fn openssl_cbc_envelopes_open_only_when_the_policy_allows_them() {
    for provider in providers() {
        for (sender, receiver, cipher, oid) in [
            ("ecp-rsa", "eisp-rsa", "aes-256-cbc", AES256_CBC),
            ("ecp-rsa", "eisp-rsa", "aes-128-cbc", AES128_CBC),
            ("ecp-p256", "eisp-p256", "aes-256-cbc", AES256_CBC),
        ] {
            let tag = format!("{}: {sender} -> {receiver}, {cipher}", provider.name);
            let sealed = openssl_legacy_envelope(sender, receiver, cipher);
            let summary = envelope::inspect(&sealed).unwrap();
            assert_eq!(summary.content_type.to_string(), "1.2.840.113549.1.7.3");
            assert_eq!(summary.content_encryption.unwrap().to_string(), oid);

            let refused = open(&sealed, receiver, EnvelopePolicy::default(), provider)
                .expect_err("refused by default");
            assert!(
                matches!(
                    refused,
                    Error::Envelope(EnvelopeError::LegacyEnvelopeRefused)
                ),
                "{tag}: {refused}"
            );

            let opened = open(&sealed, receiver, legacy_policy(), provider)
                .unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert_eq!(opened.payload, payload(), "{tag}");
            assert_eq!(opened.signers.len(), 1, "{tag}");
            assert_eq!(
                opened.signers[0].spki_fingerprint,
                certificate(sender).spki_fingerprint(),
                "{tag}"
            );
        }
    }
}

#[test]
fn a_tampered_cbc_ciphertext_is_one_uninformative_error() {
    let sealed = openssl_legacy_envelope("ecp-rsa", "eisp-rsa", "aes-256-cbc");
    let size = envelope::inspect(&sealed).unwrap().encrypted_size.unwrap();
    assert!(size >= 32 && size % 16 == 0, "{size}");
    // OpenSSL writes no unprotected attributes: the ciphertext ends the DER.
    let start = sealed.len() - size;
    for provider in providers() {
        for (what, index) in [
            // The last plaintext block's last byte: the padding breaks.
            ("padding", sealed.len() - 17),
            // The first plaintext block garbles: the padding holds, the DER breaks.
            ("encoding", start),
            // The second ciphertext block: the second plaintext block garbles
            // and one byte of the third flips.
            ("second block", start + 16),
            // Two blocks before the padding: both lie in the signature value at
            // the end of the SignedData, so the padding and the DER still hold
            // and only the signature check fails. Told apart from bad padding,
            // that would be a padding oracle.
            ("signature", sealed.len() - 40),
        ] {
            let mut tampered = sealed.clone();
            tampered[index] ^= 0x01;
            let err = open(&tampered, "eisp-rsa", legacy_policy(), provider)
                .expect_err("tampering detected");
            assert!(
                matches!(err, Error::Envelope(EnvelopeError::LegacyDecryptFailed)),
                "{} {what}: {err}",
                provider.name
            );
        }
        // One byte short: the outer DER no longer holds together, refused as
        // malformed before anything is decrypted. (Ciphertexts that are not a
        // whole number of blocks are the providers' Wycheproof vectors.)
        let err = open(
            &sealed[..sealed.len() - 1],
            "eisp-rsa",
            legacy_policy(),
            provider,
        )
        .expect_err("truncated");
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::Malformed { .. })),
            "{}: {err}",
            provider.name
        );
    }
}

/// A legacy AES-256-CBC envelope to an RSA recipient taken apart with the
/// recipient's key: the content key, the IV, the plaintext with its padding,
/// and where the ciphertext starts (it ends the DER).
struct ByHand {
    key: Vec<u8>,
    iv: [u8; 16],
    padded: Vec<u8>,
    start: usize,
}

fn decrypt_by_hand(sealed: &[u8], receiver: &str, provider: &CryptoProvider) -> ByHand {
    use cms::content_info::ContentInfo;
    use cms::enveloped_data::{EnvelopedData, RecipientInfo};
    use der::Decode;
    use der::asn1::OctetString;

    let info = ContentInfo::from_der(sealed).unwrap();
    let enveloped: EnvelopedData = info.content.decode_as().unwrap();
    let Some(RecipientInfo::Ktri(ktri)) = enveloped.recip_infos.0.iter().next() else {
        panic!("one key-transport recipient");
    };
    let key = credentials(receiver, provider)
        .private_key()
        .decrypt_oaep_sha256(ktri.enc_key.as_bytes())
        .unwrap()
        .to_vec();
    let eci = &enveloped.encrypted_content;
    let iv: OctetString = eci
        .content_enc_alg
        .parameters
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    let ciphertext = eci.encrypted_content.as_ref().unwrap().as_bytes();
    let padded = provider
        .content_cipher
        .decrypt_cbc_blocks(&key, &iv.as_bytes().try_into().unwrap(), ciphertext)
        .unwrap();
    assert_eq!(padded.len(), ciphertext.len());
    ByHand {
        key,
        iv: iv.as_bytes().try_into().unwrap(),
        padded,
        start: sealed.len() - ciphertext.len(),
    }
}

/// `sealed` with its ciphertext replaced by `plain` (whole blocks, padding
/// included) encrypted under the same key and IV by `openssl enc -nopad`.
fn with_plaintext(sealed: &[u8], by_hand: &ByHand, plain: &[u8], tag: &str) -> Vec<u8> {
    let input = scratch(DIR, &format!("{tag}-plain"));
    let output = scratch(DIR, &format!("{tag}-cipher"));
    std::fs::write(&input, plain).unwrap();
    let (key, iv) = (hex::encode(&by_hand.key), hex::encode(by_hand.iv));
    common::openssl::openssl(&[
        "enc",
        "-aes-256-cbc",
        "-nopad",
        "-K",
        &key,
        "-iv",
        &iv,
        "-in",
        input.to_str().unwrap(),
        "-out",
        output.to_str().unwrap(),
    ]);
    let ciphertext = std::fs::read(&output).unwrap();
    for file in [input, output] {
        let _ = std::fs::remove_file(file);
    }
    assert_eq!(ciphertext.len(), sealed.len() - by_hand.start);
    let mut out = sealed[..by_hand.start].to_vec();
    out.extend_from_slice(&ciphertext);
    out
}

#[test]
fn bad_padding_under_content_that_verifies_is_refused_only_at_the_end() {
    // The padding's verdict is carried past the decoding and the signature
    // checks (a padding oracle would otherwise show in the time taken): an
    // envelope whose padding is wrong in a byte other than the last, under a
    // SignedData that decodes and verifies, must still be refused, and the
    // same one with its padding right must open.
    for provider in providers() {
        // A payload whose padding is at least two bytes long, so that one of
        // them can be wrong while the last one's claim stays the same.
        let (sealed, by_hand) = [payload(), [payload(), b"!".to_vec()].concat()]
            .into_iter()
            .map(|p| {
                let sealed = openssl_legacy_envelope_of("ecp-rsa", "eisp-rsa", "aes-256-cbc", &p);
                let by_hand = decrypt_by_hand(&sealed, "eisp-rsa", provider);
                (sealed, by_hand)
            })
            .find(|(_, by_hand)| by_hand.padded.last().is_some_and(|&n| n >= 2))
            .expect("one of two lengths pads with two bytes or more");
        let n = usize::from(*by_hand.padded.last().unwrap());
        let tag = provider.name;

        let same = with_plaintext(&sealed, &by_hand, &by_hand.padded, &format!("{tag}-same"));
        assert_eq!(same, sealed, "{tag}: the re-encryption is OpenSSL's");
        let opened = open(&same, "eisp-rsa", legacy_policy(), provider).unwrap();
        assert!(opened.payload.starts_with(&payload()), "{tag}");

        let mut bad = by_hand.padded.clone();
        let len = bad.len();
        bad[len - 2] ^= 0x40;
        let found = fapiao::crypto::cbc_padding::check(&bad).unwrap();
        assert!(!found.held, "{tag}");
        assert_eq!(
            found.content_len,
            len - n,
            "{tag}: the same content as before"
        );
        let tampered = with_plaintext(&sealed, &by_hand, &bad, &format!("{tag}-bad"));

        let err = open(&tampered, "eisp-rsa", legacy_policy(), provider).expect_err("refused");
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::LegacyDecryptFailed)),
            "{tag}: {err}"
        );
        let creds = credentials("eisp-rsa", provider);
        let trust = IssuedByFixtureCa::new(provider);
        let replay = MemoryReplayGuard::new();
        let opener = Opener::new(&creds, &trust, &replay, provider).with_policy(legacy_policy());
        let err = opener
            .decrypt(&tampered)
            .expect_err("refused by the tool's decrypt");
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::LegacyDecryptFailed)),
            "{tag}: {err}"
        );
        // The provider's own helper refuses it too, and decrypts it whole.
        let ciphertext = &tampered[by_hand.start..];
        let err = provider
            .content_cipher
            .decrypt_cbc(&by_hand.key, &by_hand.iv, ciphertext)
            .expect_err("bad padding");
        assert!(
            matches!(err, Error::Crypto(fapiao::CryptoError::DecryptFailed)),
            "{tag}: {err}"
        );
        let blocks = provider
            .content_cipher
            .decrypt_cbc_blocks(&by_hand.key, &by_hand.iv, ciphertext)
            .unwrap();
        assert_eq!(blocks, bad, "{tag}");
    }
}

#[test]
fn cbc_with_an_ec_recipient_needs_the_aes_256_key_wrap() {
    // AES-128-CBC makes OpenSSL wrap the key with AES-128 key wrap for an EC
    // recipient, which we do not read: a typed refusal naming its OID.
    let sealed = openssl_legacy_envelope("ecp-p256", "eisp-p256", "aes-128-cbc");
    for provider in providers() {
        let err = open(&sealed, "eisp-p256", legacy_policy(), provider).expect_err("refused");
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::UnsupportedAlgorithm {
                    what: "key wrap",
                    ..
                })
            ),
            "{}: {err}",
            provider.name
        );
        assert!(err.to_string().contains(AES128_WRAP), "{err}");
    }
}

#[test]
fn an_unknown_legacy_cipher_is_named() {
    // Triple-DES, the default of older OpenSSL releases.
    let sealed = openssl_legacy_envelope("ecp-rsa", "eisp-rsa", "des-ede3-cbc");
    let provider = providers()[0];
    let err = open(&sealed, "eisp-rsa", legacy_policy(), provider).expect_err("refused");
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::UnsupportedAlgorithm {
                what: "content encryption",
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("1.2.840.113549.3.7"), "{err}");
}

use crate::ffi_support;

#[test]
fn the_c_opener_allows_cbc_only_when_told_and_hides_why_decryption_failed() {
    use core::ptr;
    use fapiao::ffi::fapiao_result::*;
    use fapiao::ffi::*;

    let sealed = openssl_legacy_envelope("ecp-rsa", "eisp-rsa", "aes-256-cbc");
    let mut tampered = sealed.clone();
    let last = tampered.len() - 17;
    tampered[last] ^= 0x01;
    let credentials = ffi_support::credentials("eisp-rsa");
    let store = ffi_support::trust_store(false);
    let mut opener = ptr::null_mut();
    let open = |opener: *const fapiao_opener, envelope: &[u8]| {
        let mut opened = ptr::null_mut();
        // SAFETY: a live opener, a valid slice and a writable out-pointer; now = 0
        // is the current time, when OpenSSL signed.
        let rc = unsafe {
            fapiao_opener_open(opener, envelope.as_ptr(), envelope.len(), 0, &mut opened)
        };
        (rc, opened)
    };
    // SAFETY: live handles and writable out-pointers; the opener copies the
    // credentials and the store, so they are freed right away.
    unsafe {
        ffi_support::ok(fapiao_opener_new(credentials, store, &mut opener));
        fapiao_credentials_free(credentials);
        fapiao_trust_store_free(store);
    }
    assert_eq!(open(opener, &sealed).0, FAPIAO_UNSUPPORTED_ALGORITHM);
    assert!(ffi_support::last_error().contains("legacy"));

    // Any non-zero value admits.
    // SAFETY: the opener is live and used by this thread only.
    unsafe { ffi_support::ok(fapiao_opener_allow_legacy_cbc(opener, 7)) };
    assert_eq!(open(opener, &tampered).0, FAPIAO_DECRYPT_FAILED);
    let (rc, opened) = open(opener, &sealed);
    assert_eq!(rc, FAPIAO_OK, "{}", ffi_support::last_error());
    let (mut data, mut len) = (ptr::null(), 0usize);
    // SAFETY: a live opened message and writable outputs; the payload is read
    // before the message is freed.
    unsafe {
        ffi_support::ok(fapiao_opened_payload(opened, &mut data, &mut len));
        assert_eq!(core::slice::from_raw_parts(data, len), payload().as_slice());
        fapiao_opened_free(opened);
    }
    // Refused again once disallowed.
    // SAFETY: as above.
    unsafe { ffi_support::ok(fapiao_opener_allow_legacy_cbc(opener, 0)) };
    assert_eq!(open(opener, &sealed).0, FAPIAO_UNSUPPORTED_ALGORITHM);
    // SAFETY: a null handle is refused with a code, not a crash.
    let rc = unsafe { fapiao_opener_allow_legacy_cbc(ptr::null_mut(), 1) };
    assert_ne!(rc, FAPIAO_OK);
    // SAFETY: the opener is live and freed once.
    unsafe { fapiao_opener_free(opener) };
}
