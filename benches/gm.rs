//! The GM primitives (SM2, SM4) beside OpenSSL 3 doing the same step through
//! the `openssl` crate, P-256 ECDSA from our default provider for scale, and
//! the GM/T 0010 round trip (seal to an SM2 dual-certificate party and open,
//! the signer's chain validated) beside OpenSSL doing the same primitive
//! steps: SM3 of the content, the SM2 signature, SM2 encryption of the
//! content key, SM4-CBC both ways, SM2 decryption of the key, SM2
//! verification of the signature and of the two chain links.
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
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener};
use fapiao::pki::{Certificate, Credentials, PathPolicy, PathValidator, PrivateKeyDer, TrustStore};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::sign::{Signer, Verifier};
use openssl::symm::{Cipher, Crypter, Mode};
use openssl::x509::X509;

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

/// 2027-06-01T00:00:00Z, inside the SM2 fixtures' validity.
const AT: u64 = 1_811_808_000;

/// A party's SM2 signing pair with its encryption pair (`tests/data/gm`).
fn dual(party: &str) -> Credentials {
    let provider = CryptoProvider::default_provider();
    let chain = |kind: &str| {
        [
            data(&format!("gm/{party}-{kind}.pem")),
            data("gm/issuing-ca.pem"),
        ]
        .concat()
    };
    let key = |kind: &str| data(&format!("gm/{party}-{kind}.key.pem"));
    Credentials::from_pem(&chain("sign"), &key("sign"), None, provider)
        .unwrap()
        .with_encryption(&chain("enc"), &key("enc"), None, provider)
        .unwrap()
}

/// OpenSSL's side of one round trip: the steps a GM/T 0010 envelope takes,
/// through the `openssl` crate. Returns the payload decrypted.
struct OpensslSteps {
    signer: PKey<Private>,
    recipient: PKey<Private>,
    issuing_ca: PKey<openssl::pkey::Public>,
    root: PKey<openssl::pkey::Public>,
    leaf_tbs: Vec<u8>,
    leaf_sig: Vec<u8>,
    ca_tbs: Vec<u8>,
    ca_sig: Vec<u8>,
}

impl OpensslSteps {
    fn new() -> Self {
        let public = |name: &str| X509::from_pem(&data(name)).unwrap().public_key().unwrap();
        let parts = |name: &str| {
            let cert = Certificate::from_pem(&data(name)).unwrap();
            let x509 = cert.x509();
            use der::Encode;
            (
                x509.tbs_certificate().to_der().unwrap(),
                x509.signature().raw_bytes().to_vec(),
            )
        };
        let (leaf_tbs, leaf_sig) = parts("gm/ecp-sign.pem");
        let (ca_tbs, ca_sig) = parts("gm/issuing-ca.pem");
        Self {
            signer: PKey::private_key_from_pem(&data("gm/ecp-sign.key.pem")).unwrap(),
            recipient: PKey::private_key_from_pem(&data("gm/eisp-enc.key.pem")).unwrap(),
            issuing_ca: public("gm/issuing-ca.pem"),
            root: public("gm/root-ca.pem"),
            leaf_tbs,
            leaf_sig,
            ca_tbs,
            ca_sig,
        }
    }

    fn round_trip(&self, payload: &[u8]) -> Vec<u8> {
        let (key, iv) = ([0x11u8; 16], [0x22u8; 16]);
        // Sender: the content's digest, the signature over the (small) signed
        // attributes, the content key to the recipient, the content.
        let digest = openssl::hash::hash(MessageDigest::sm3(), payload).unwrap();
        let attrs = [digest.as_ref(), &[0u8; 96][..]].concat();
        let sig = Signer::new(MessageDigest::sm3(), &self.signer)
            .unwrap()
            .sign_oneshot_to_vec(&attrs)
            .unwrap();
        let mut ctx = PkeyCtx::new(&self.recipient).unwrap();
        ctx.encrypt_init().unwrap();
        let mut wrapped = Vec::new();
        ctx.encrypt_to_vec(&key, &mut wrapped).unwrap();
        let ct = openssl_crypt(Cipher::sm4_cbc(), Mode::Encrypt, &key, &iv, payload);
        // Recipient: the key, the content, the digest, the signature, the
        // two chain links (their results are not the point: OpenSSL's
        // `Verifier` checks under its own default ID, the work is the same).
        let mut ctx = PkeyCtx::new(&self.recipient).unwrap();
        ctx.decrypt_init().unwrap();
        let mut unwrapped = Vec::new();
        ctx.decrypt_to_vec(&wrapped, &mut unwrapped).unwrap();
        let plain = openssl_crypt(Cipher::sm4_cbc(), Mode::Decrypt, &unwrapped, &iv, &ct);
        let again = openssl::hash::hash(MessageDigest::sm3(), &plain).unwrap();
        assert_eq!(again.as_ref(), digest.as_ref());
        let mut v = Verifier::new(MessageDigest::sm3(), &self.signer).unwrap();
        assert!(v.verify_oneshot(&sig, &attrs).unwrap());
        for (issuer, tbs, sig) in [
            (&self.issuing_ca, &self.leaf_tbs, &self.leaf_sig),
            (&self.root, &self.ca_tbs, &self.ca_sig),
        ] {
            let mut v = Verifier::new(MessageDigest::sm3(), issuer).unwrap();
            black_box(v.verify_oneshot(sig, tbs).unwrap());
        }
        plain
    }
}

fn round_trip(c: &mut Criterion) {
    let provider = CryptoProvider::default_provider();
    let (ecp, eisp) = (dual("ecp"), dual("eisp"));
    let roots = TrustStore::from_pem_or_der(&data("gm/root-ca.pem")).unwrap();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let theirs = OpensslSteps::new();
    let mut g = c.benchmark_group("gm round trip");
    g.measurement_time(Duration::from_secs(5));
    for (label, size) in [("2 KiB", 2048), ("1 MiB", MIB)] {
        let payload = vec![0x5au8; size];
        g.throughput(Throughput::Bytes(size as u64));
        if size == MIB {
            g.sample_size(10);
        }
        g.bench_function(format!("{label}/ours"), |b| {
            b.iter(|| {
                let sealed = envelope::seal(
                    black_box(&payload),
                    &ecp,
                    &[eisp.encryption_leaf()],
                    AT,
                    provider,
                )
                .unwrap();
                let replay = MemoryReplayGuard::new();
                let opened = Opener::new(&eisp, &validator, &replay, provider)
                    .open(&sealed, AT)
                    .unwrap();
                assert_eq!(opened.payload.len(), size);
            })
        });
        let gcm = EnvelopePolicy {
            sm4_gcm: true,
            ..EnvelopePolicy::default()
        };
        g.bench_function(format!("{label}/ours, SM4-GCM by policy"), |b| {
            b.iter(|| {
                let to = [eisp.encryption_leaf()];
                let sealed = envelope::seal_with_policy(
                    black_box(&payload),
                    &ecp,
                    None,
                    &to,
                    AT,
                    &gcm,
                    provider,
                )
                .unwrap();
                let replay = MemoryReplayGuard::new();
                let opened = Opener::new(&eisp, &validator, &replay, provider)
                    .with_policy(gcm.clone())
                    .open(&sealed, AT)
                    .unwrap();
                assert_eq!(opened.payload.len(), size);
            })
        });
        g.bench_function(format!("{label}/openssl steps"), |b| {
            b.iter(|| theirs.round_trip(black_box(&payload)))
        });
    }
    g.finish();
}

criterion::criterion_group!(benches, sm2, sm4, round_trip);
criterion::criterion_main!(benches);
