//! Envelope speed: `seal`, `open` and the round trip, for an
//! RSA-2048 and a P-256 cloud-platform leaf (both under the RSA-2048 issuing CA
//! and root) sealing to the service platform's certificate of the same key type,
//! with a 2 KiB (one invoice) and a 1 MiB (a batch) payload; fapiao with every
//! crypto provider compiled in, and OpenSSL doing the same steps in the same run
//! (see `openssl_cms`), so that every run shows the ratio.
//!
//! Both sides do the full work: sign (SHA-256 + RSA PKCS#1 v1.5 or ECDSA P-256),
//! encrypt with AES-256-GCM to one recipient (RSA-OAEP-SHA256 or ECDH P-256 with
//! the SHA-256 KDF and AES-256 key wrap); decrypt, verify the signature and the
//! signer's chain (two RSA-2048 verifications: leaf by issuing CA, issuing CA by
//! root). fapiao's opener also runs its replay guard (a `MemoryReplayGuard`; every
//! envelope is sealed afresh, so every message id is new).
//!
//! ```sh
//! cargo bench --bench envelope --features portable -- --warm-up-time 1 --measurement-time 3
//! python3 scripts/bench_table.py   # the README table from target/criterion
//! ```
//!
//! With `FAPIAO_BENCH_CPU_TIME=1` the same benchmarks measure the bench thread's
//! CPU time instead of wall-clock time (groups prefixed `cpu-`; `python3
//! scripts/bench_table.py --cpu`): on a shared machine, time spent descheduled
//! while others compile then counts for neither side.
//!
//! With the `pkcs11` feature, and SoftHSM2, OpenSC's `pkcs11-tool` and
//! `openssl` installed, groups `token-RSA-2048/2KiB` and `token-P-256/2KiB`
//! time `seal` with the cloud platform's key on a throwaway SoftHSM2 token
//! (`softhsm2`) beside the same key in software (`software`), default
//! provider (docs/pkcs11.md):
//!
//! ```sh
//! cargo bench --bench envelope --features pkcs11 -- token- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Before measuring, the bench checks that every path it measures really works:
//! OpenSSL opens its own envelopes and fapiao's, fapiao opens its own and
//! OpenSSL's, and the chain check refuses what it should.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/cpu_time.rs"]
mod cpu_time;
mod openssl_cms;
#[cfg(feature = "pkcs11")]
#[path = "support/softhsm.rs"]
mod softhsm;

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use der::{Decode, Reader};
use fapiao::CryptoProvider;
use fapiao::crypto::SignatureScheme;
use fapiao::envelope::{self, MemoryReplayGuard, Opener, SignerTrust};
use fapiao::pki::{Certificate, Credentials};

use common::{TEST_TIME, certificate, credentials, data, providers};
use cpu_time::thread_cpu_now;
use openssl_cms::OpenSslParty;

/// (label, sender, recipient): the cloud platform seals to the service platform.
const KEY_TYPES: [(&str, &str, &str); 2] = [
    ("RSA-2048", "ecp-rsa", "eisp-rsa"),
    ("P-256", "ecp-p256", "eisp-p256"),
];

/// (label, bytes): one invoice, a batch.
const PAYLOADS: [(&str, usize); 2] = [("2KiB", 2 * 1024), ("1MiB", 1024 * 1024)];

/// Deterministic, incompressible-looking bytes.
fn payload(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The TBSCertificate exactly as encoded in the certificate (no re-encoding,
/// as OpenSSL keeps it).
fn tbs_der(cert: &Certificate) -> &[u8] {
    let mut reader = der::SliceReader::new(cert.der()).expect("certificate DER");
    der::Header::decode(&mut reader).expect("Certificate SEQUENCE");
    reader.tlv_bytes().expect("TBSCertificate")
}

/// A chain check doing the work OpenSSL's does with the same store: the leaf
/// must be signed by an intermediate from the SignedData whose subject is the
/// leaf's issuer, that intermediate by the root, each within its validity at the
/// signing time (two RSA-2048 signature verifications). Not a path validator
/// (no extension, key-usage or policy checks): the real one, a TrustStore, lives
/// in the pki module.
struct ChainToRoot {
    root: Certificate,
    provider: &'static CryptoProvider,
}

impl ChainToRoot {
    fn issued_by(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: u64,
    ) -> Result<(), fapiao::Error> {
        let refused = || fapiao::Error::from(fapiao::CryptoError::BadSignature);
        if at < cert.not_before() || at > cert.not_after() {
            return Err(refused());
        }
        if cert.x509().tbs_certificate().issuer() != issuer.x509().tbs_certificate().subject() {
            return Err(refused());
        }
        self.provider.verifier.verify(
            SignatureScheme::RsaPkcs1Sha256,
            issuer.public_key(),
            tbs_der(cert),
            cert.x509().signature().raw_bytes(),
        )
    }
}

impl SignerTrust for ChainToRoot {
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), fapiao::PathError> {
        let bad = fapiao::PathError::BadSignature { certificate: None };
        let issuer = leaf.x509().tbs_certificate().issuer();
        let ca = intermediates
            .iter()
            .find(|c| c.x509().tbs_certificate().subject() == issuer)
            .ok_or(bad.clone())?;
        self.issued_by(leaf, ca, at).map_err(|_| bad.clone())?;
        self.issued_by(ca, &self.root, at).map_err(|_| bad)
    }
}

/// fapiao with one provider: the sender's credentials (leaf + issuing CA), the
/// recipient's, and the chain check.
struct FapiaoSide {
    label: String,
    provider: &'static CryptoProvider,
    sender: Credentials,
    recipient: Credentials,
    trust: ChainToRoot,
}

impl FapiaoSide {
    fn new(provider: &'static CryptoProvider, sender: &str, recipient: &str) -> Self {
        Self {
            label: format!("fapiao-{}", provider.name),
            provider,
            sender: credentials(sender, provider),
            recipient: credentials(recipient, provider),
            trust: ChainToRoot {
                root: certificate("root-ca"),
                provider,
            },
        }
    }

    fn seal(&self, payload: &[u8]) -> Vec<u8> {
        envelope::seal(
            payload,
            &self.sender,
            &[self.recipient.leaf()],
            TEST_TIME,
            self.provider,
        )
        .expect("fapiao seals")
    }

    fn opener<'a>(&'a self, replay: &'a MemoryReplayGuard) -> Opener<'a> {
        Opener::new(&self.recipient, &self.trust, replay, self.provider)
    }
}

fn openssl_party(sender: &str, recipient: &str) -> OpenSslParty {
    OpenSslParty::new(
        (
            &data(&format!("{sender}.pem")),
            &data(&format!("{sender}.key.pem")),
        ),
        (
            &data(&format!("{recipient}.pem")),
            &data(&format!("{recipient}.key.pem")),
        ),
        &data("issuing-ca.pem"),
        &data("root-ca.pem"),
        TEST_TIME,
    )
    .expect("OpenSSL loads the fixtures")
}

/// Refuses to benchmark anything that does not work end to end.
fn sanity_check(payload: &[u8], openssl: &OpenSslParty, sides: &[FapiaoSide]) {
    let theirs = openssl.seal(payload).expect("OpenSSL seals");
    assert_eq!(
        openssl.open(&theirs).expect("OpenSSL opens its own"),
        payload
    );
    for side in sides {
        let ours = side.seal(payload);
        assert_eq!(
            openssl
                .open(&ours)
                .expect("OpenSSL opens fapiao's envelope"),
            payload,
            "{}",
            side.label
        );
        let replay = MemoryReplayGuard::new();
        let opener = side.opener(&replay);
        let opened = opener.open(&ours, TEST_TIME).expect("fapiao opens its own");
        assert_eq!(opened.payload, payload);
        assert!(opener.open(&ours, TEST_TIME).is_err(), "replay refused");
        // OpenSSL's signingTime is the clock's.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let opened = opener
            .open(&theirs, now)
            .expect("fapiao opens OpenSSL's envelope");
        assert_eq!(opened.payload, payload);
        // The chain check really checks.
        let leaf = side.sender.leaf();
        let issuing = certificate("issuing-ca");
        let trust = &side.trust;
        assert!(
            trust
                .verify_signer(leaf, std::slice::from_ref(&issuing), TEST_TIME)
                .is_ok()
        );
        assert!(trust.verify_signer(leaf, &[], TEST_TIME).is_err());
        let broken = certificate("faulty/broken-signature");
        assert!(
            trust
                .verify_signer(&broken, std::slice::from_ref(&issuing), TEST_TIME)
                .is_err()
        );
        let other_root = certificate("faulty/other-root");
        let untrusted = certificate("faulty/untrusted-root");
        assert!(
            trust
                .verify_signer(&untrusted, &[other_root], TEST_TIME)
                .is_err()
        );
    }
}

fn batch_size(len: usize) -> BatchSize {
    if len > 64 * 1024 {
        BatchSize::LargeInput
    } else {
        BatchSize::SmallInput
    }
}

/// seal, open and round trip for every implementation, step by step so that the
/// implementations of one step run next to each other.
fn bench_case<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    payload: &[u8],
    openssl: &OpenSslParty,
    sides: &[FapiaoSide],
) {
    let batch = batch_size(payload.len());
    for side in sides {
        group.bench_function(BenchmarkId::new("seal", &side.label), |b| {
            b.iter(|| side.seal(black_box(payload)))
        });
    }
    group.bench_function(BenchmarkId::new("seal", "openssl"), |b| {
        b.iter(|| openssl.seal(black_box(payload)).unwrap())
    });

    for side in sides {
        let replay = MemoryReplayGuard::new();
        let opener = side.opener(&replay);
        group.bench_function(BenchmarkId::new("open", &side.label), |b| {
            b.iter_batched(
                || side.seal(payload),
                |sealed| opener.open(black_box(&sealed), TEST_TIME).unwrap(),
                batch,
            )
        });
    }
    group.bench_function(BenchmarkId::new("open", "openssl"), |b| {
        b.iter_batched(
            || openssl.seal(payload).unwrap(),
            |sealed| openssl.open(black_box(&sealed)).unwrap(),
            batch,
        )
    });

    for side in sides {
        let replay = MemoryReplayGuard::new();
        let opener = side.opener(&replay);
        group.bench_function(BenchmarkId::new("roundtrip", &side.label), |b| {
            b.iter(|| {
                let sealed = side.seal(black_box(payload));
                opener.open(&sealed, TEST_TIME).unwrap()
            })
        });
    }
    group.bench_function(BenchmarkId::new("roundtrip", "openssl"), |b| {
        b.iter(|| {
            let sealed = openssl.seal(black_box(payload)).unwrap();
            openssl.open(&sealed).unwrap()
        })
    });
}

fn envelopes<M: Measurement>(c: &mut Criterion<M>, prefix: &str) {
    for (key_label, sender, recipient) in KEY_TYPES {
        let openssl = openssl_party(sender, recipient);
        let sides: Vec<FapiaoSide> = providers()
            .into_iter()
            .map(|p| FapiaoSide::new(p, sender, recipient))
            .collect();
        for (size_label, len) in PAYLOADS {
            let payload = payload(len);
            sanity_check(&payload, &openssl, &sides);
            let mut group = c.benchmark_group(format!("{prefix}{key_label}/{size_label}"));
            if len > 64 * 1024 {
                // Milliseconds per iteration: a few flat samples, bytes per second.
                group
                    .throughput(Throughput::Bytes(len as u64))
                    .sampling_mode(SamplingMode::Flat)
                    .sample_size(10);
            } else {
                group.sample_size(30);
            }
            bench_case(&mut group, &payload, &openssl, &sides);
            group.finish();
        }
    }
}

/// `seal` with the sender's key on the SoftHSM2 token beside the same key in
/// software, after checking that the token-sealed envelope opens.
#[cfg(feature = "pkcs11")]
fn token_envelopes<M: Measurement>(c: &mut Criterion<M>, prefix: &str) {
    let token = match softhsm::open_token() {
        Ok(token) => token,
        Err(e) => {
            eprintln!("token groups skipped: {e}");
            return;
        }
    };
    let provider = CryptoProvider::default_provider();
    for (key_label, sender, recipient) in KEY_TYPES {
        let mut chain = data(&format!("{sender}.pem"));
        chain.extend_from_slice(&data("issuing-ca.pem"));
        let on_token = softhsm::token_credentials(&token, sender, chain);
        let software = credentials(sender, provider);
        let receiver = FapiaoSide::new(provider, sender, recipient);
        let payload = payload(2 * 1024);
        let seal = |creds: &Credentials| {
            envelope::seal(
                &payload,
                creds,
                &[receiver.recipient.leaf()],
                TEST_TIME,
                provider,
            )
            .expect("fapiao seals")
        };
        let replay = MemoryReplayGuard::new();
        let opened = receiver
            .opener(&replay)
            .open(&seal(&on_token), TEST_TIME)
            .expect("the token-sealed envelope opens");
        assert_eq!(opened.payload, payload);
        let mut group = c.benchmark_group(format!("{prefix}token-{key_label}/2KiB"));
        group.sample_size(30);
        for (label, creds) in [("software", &software), ("softhsm2", &on_token)] {
            group.bench_function(BenchmarkId::new("seal", label), |b| {
                b.iter(|| seal(black_box(creds)))
            });
        }
        group.finish();
    }
}

#[cfg(not(feature = "pkcs11"))]
fn token_envelopes<M: Measurement>(_: &mut Criterion<M>, _: &str) {}

/// With the `pkcs11` feature: a throwaway SoftHSM2 token with the senders'
/// keys, and `SOFTHSM2_CONF` pointing at it for this process (SoftHSM2 reads
/// it when the module is initialised). The directory, to remove at the end.
#[cfg(feature = "pkcs11")]
fn prepare_token() -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("fapiao-bench-token-{}", std::process::id()));
    let senders: Vec<&str> = KEY_TYPES.iter().map(|(_, sender, _)| *sender).collect();
    match softhsm::make_token(&dir, &senders) {
        Ok(conf) => {
            // SAFETY: called first thing in `main`, before any other thread
            // exists: nothing reads the environment concurrently.
            unsafe { std::env::set_var("SOFTHSM2_CONF", conf) };
            Some(dir)
        }
        Err(e) => {
            eprintln!("token groups skipped: {e}");
            let _ = std::fs::remove_dir_all(&dir);
            None
        }
    }
}

#[cfg(not(feature = "pkcs11"))]
fn prepare_token() -> Option<std::path::PathBuf> {
    None
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): everything both
/// sides do runs on the bench thread.
struct ThreadCpuTime {
    /// Formats like wall time (the values are nanoseconds too).
    wall: WallTime,
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }

    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

fn main() {
    let token_dir = prepare_token();
    if std::env::var_os("FAPIAO_BENCH_CPU_TIME").is_some() {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpuTime { wall: WallTime })
            .configure_from_args();
        envelopes(&mut c, "cpu-");
        if token_dir.is_some() {
            token_envelopes(&mut c, "cpu-");
        }
        c.final_summary();
    } else {
        let mut c = Criterion::default().configure_from_args();
        envelopes(&mut c, "");
        if token_dir.is_some() {
            token_envelopes(&mut c, "");
        }
        c.final_summary();
    }
    if let Some(dir) = token_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
}
