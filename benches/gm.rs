//! The GM primitives (SM2, SM4) beside OpenSSL 3 doing the same step through
//! the `openssl` crate, and P-256 ECDSA from our default provider for scale.
//!
//! ```text
//! cargo bench --bench gm
//! ```
//!
//! OpenSSL 3.0 has no SM4-GCM: its peer for our SM4-GCM is SM4-CTR, the
//! key stream GCM is built on (without GHASH). rust-openssl's `Signer` sets
//! no distinguishing ID, so OpenSSL signs and verifies its own signatures
//! with its default (the same work: `Z_A` is one SM3 of a few blocks).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use fapiao::CryptoProvider;
use fapiao::crypto::SignatureScheme;
use fapiao::crypto::gm::{DEFAULT_SM2_ID, Sm4};
use fapiao::pki::PrivateKeyDer;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::sign::{Signer, Verifier};
use openssl::symm::{Cipher, Crypter, Mode};

const MIB: usize = 1 << 20;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn openssl_crypt(cipher: Cipher, mode: Mode, key: &[u8], iv: &[u8], input: &[u8]) -> Vec<u8> {
    let mut c = Crypter::new(cipher, mode, key, Some(iv)).unwrap();
    let mut out = vec![0u8; input.len() + 32];
    let n = c.update(input, &mut out).unwrap();
    let m = c.finalize(&mut out[n..]).unwrap();
    out.truncate(n + m);
    out
}

fn sm2(c: &mut Criterion) {
    let pem = data("gm/sm2.pem");
    let ours = fapiao::pki::PrivateKeyDer::load(&pem, None)
        .unwrap()
        .to_sm2()
        .unwrap();
    let theirs: PKey<Private> = PKey::private_key_from_pem(&pem).unwrap();
    let message = vec![0x42u8; 1024];
    let content_key = [7u8; 16];

    let mut g = c.benchmark_group("sm2");
    g.measurement_time(Duration::from_secs(4));
    let sig = ours.sign(DEFAULT_SM2_ID, &message).unwrap();
    g.bench_function("sign 1 KiB/ours", |b| {
        b.iter(|| ours.sign(DEFAULT_SM2_ID, black_box(&message)).unwrap())
    });
    g.bench_function("sign 1 KiB/openssl", |b| {
        b.iter(|| {
            let mut s = Signer::new(MessageDigest::sm3(), &theirs).unwrap();
            s.sign_oneshot_to_vec(black_box(&message)).unwrap()
        })
    });
    g.bench_function("verify 1 KiB/ours", |b| {
        b.iter(|| {
            ours.public_key()
                .verify(DEFAULT_SM2_ID, black_box(&message), &sig)
                .unwrap()
        })
    });
    let their_sig = Signer::new(MessageDigest::sm3(), &theirs)
        .unwrap()
        .sign_oneshot_to_vec(&message)
        .unwrap();
    g.bench_function("verify 1 KiB/openssl", |b| {
        b.iter(|| {
            let mut v = Verifier::new(MessageDigest::sm3(), &theirs).unwrap();
            assert!(v.verify_oneshot(&their_sig, black_box(&message)).unwrap());
        })
    });
    g.bench_function("encrypt+decrypt 16 B/ours", |b| {
        b.iter(|| {
            let ct = ours.public_key().encrypt(black_box(&content_key)).unwrap();
            ours.decrypt(&ct).unwrap()
        })
    });
    g.bench_function("encrypt+decrypt 16 B/openssl", |b| {
        b.iter(|| {
            let mut ctx = PkeyCtx::new(&theirs).unwrap();
            ctx.encrypt_init().unwrap();
            let mut ct = Vec::new();
            ctx.encrypt_to_vec(black_box(&content_key), &mut ct)
                .unwrap();
            let mut ctx = PkeyCtx::new(&theirs).unwrap();
            ctx.decrypt_init().unwrap();
            let mut pt = Vec::new();
            ctx.decrypt_to_vec(&ct, &mut pt).unwrap();
            pt
        })
    });
    g.finish();

    // P-256 ECDSA from our default provider, for scale.
    let provider = CryptoProvider::default_provider();
    let der = PrivateKeyDer::load(&data("ecp-p256.key.pem"), None).unwrap();
    let p256 = provider.keys.load_private_key(der.pkcs8_der()).unwrap();
    let p256_sig = p256
        .sign(SignatureScheme::EcdsaP256Sha256, &message)
        .unwrap();
    let mut g = c.benchmark_group("p256");
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("sign 1 KiB/ours", |b| {
        b.iter(|| {
            p256.sign(SignatureScheme::EcdsaP256Sha256, black_box(&message))
                .unwrap()
        })
    });
    g.bench_function("verify 1 KiB/ours", |b| {
        b.iter(|| {
            provider
                .verifier
                .verify(
                    SignatureScheme::EcdsaP256Sha256,
                    p256.public_key(),
                    black_box(&message),
                    &p256_sig,
                )
                .unwrap()
        })
    });
    g.finish();
}

fn sm4(c: &mut Criterion) {
    let key = [0x11u8; 16];
    let iv = [0x22u8; 16];
    let nonce = [0x33u8; 12];
    let sm4 = Sm4::new(&key);
    let plain = vec![0x5au8; MIB];
    let ct = sm4.cbc_encrypt(&iv, &plain);
    let sealed = sm4.gcm_seal(&nonce, b"", &plain);

    let mut g = c.benchmark_group("sm4 1 MiB");
    g.throughput(Throughput::Bytes(MIB as u64));
    g.sample_size(10);
    g.bench_function("cbc encrypt/ours", |b| {
        b.iter(|| sm4.cbc_encrypt(&iv, black_box(&plain)))
    });
    g.bench_function("cbc encrypt/openssl", |b| {
        b.iter(|| {
            openssl_crypt(
                Cipher::sm4_cbc(),
                Mode::Encrypt,
                &key,
                &iv,
                black_box(&plain),
            )
        })
    });
    g.bench_function("cbc decrypt/ours", |b| {
        b.iter(|| sm4.cbc_decrypt(&iv, black_box(&ct)).unwrap())
    });
    g.bench_function("cbc decrypt/openssl", |b| {
        b.iter(|| openssl_crypt(Cipher::sm4_cbc(), Mode::Decrypt, &key, &iv, black_box(&ct)))
    });
    g.bench_function("gcm seal/ours", |b| {
        b.iter(|| sm4.gcm_seal(&nonce, b"", black_box(&plain)))
    });
    g.bench_function("gcm open/ours", |b| {
        b.iter(|| sm4.gcm_open(&nonce, b"", black_box(&sealed)).unwrap())
    });
    g.bench_function("ctr (GCM's key stream)/openssl", |b| {
        b.iter(|| {
            openssl_crypt(
                Cipher::sm4_ctr(),
                Mode::Encrypt,
                &key,
                &iv,
                black_box(&plain),
            )
        })
    });
    g.finish();
}

criterion::criterion_group!(benches, sm2, sm4);
criterion::criterion_main!(benches);
