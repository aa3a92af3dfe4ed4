//! A catalogue of hostile and broken inputs across the public API: each one must
//! give exactly the expected error kind (the typed `fapiao::Error` variant), never
//! a panic, never the wrong reason. Every case runs even when an earlier one
//! fails; the test lists all the failures at once.
//!
//! Envelopes (GM/T 0010 ones too), signed messages, certificates, CRLs, keys,
//! credentials, the certificate exchange and invoice requests, each area's cases in its file under
//! tests/envelope/bad_inputs/. The C API's part (NULL pointers, zero lengths, handles freed
//! twice) is tests/ffi/bad_inputs_ffi.rs.

use crate::common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use common::*;
use der::asn1::{Any, ObjectIdentifier};
use der::{Decode, Encode};
use fapiao::envelope::{self, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::exchange::{CertificateMatch, PartyBindings, PartyRole};
use fapiao::pki::{Credentials, Crl, PathPolicy, PathValidator, TrustStore};
use fapiao::{CryptoProvider, Error};

const NOW: u64 = TEST_TIME;

// ---- fixture -----------------------------------------------------------------

struct Fx {
    provider: &'static CryptoProvider,
    eisp_p256: Credentials,
    eisp_rsa: Credentials,
    ecp_p256: Credentials,
    ecp_rsa: Credentials,
    enterprise_rsa: Credentials,
    /// The exchange's bindings: ECP-1 to ecp-p256's key, EISP-1 to eisp-p256's.
    bindings: PartyBindings,
    roots: TrustStore,
    crls: Vec<Crl>,
    /// ecp-p256 signs, encrypted to eisp-p256, at NOW.
    sealed: Vec<u8>,
    /// ecp-p256 signs "invoice A" at NOW.
    signed: SignedMessage,
}

static FX: LazyLock<Fx> = LazyLock::new(|| {
    let provider = providers()[0];
    let ecp_p256 = credentials("ecp-p256", provider);
    let eisp_p256 = credentials("eisp-p256", provider);
    let signed = SignedMessage::sign(b"invoice A", &ecp_p256, NOW, provider).unwrap();
    let sealed = envelope::encrypt(&signed, &[eisp_p256.leaf()], provider).unwrap();
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let mut crls = Crl::load_bundle(&data("crl/issuing-ca.crl.pem")).unwrap();
    crls.extend(Crl::load_bundle(&data("crl/root-ca.crl.pem")).unwrap());
    let bindings = PartyBindings::new()
        .bind(
            "ECP-1",
            PartyRole::CloudPlatform,
            CertificateMatch::Key(ecp_p256.leaf().spki_fingerprint()),
        )
        .bind(
            "EISP-1",
            PartyRole::ServicePlatform,
            CertificateMatch::Key(eisp_p256.leaf().spki_fingerprint()),
        );
    Fx {
        provider,
        bindings,
        eisp_p256,
        eisp_rsa: credentials("eisp-rsa", provider),
        ecp_rsa: credentials("ecp-rsa", provider),
        enterprise_rsa: credentials("enterprise-rsa", provider),
        ecp_p256,
        roots,
        crls,
        sealed,
        signed,
    }
});

impl Fx {
    fn validator(&self) -> PathValidator<'_> {
        PathValidator::new(&self.roots, PathPolicy::default()).with_crls(&self.crls)
    }

    /// Opens as the P-256 service platform, with a fresh replay guard.
    fn open(&self, envelope: &[u8]) -> Result<(), Error> {
        self.open_as(&self.eisp_p256, envelope)
    }

    fn open_as(&self, recipient: &Credentials, envelope: &[u8]) -> Result<(), Error> {
        let replay = MemoryReplayGuard::new();
        let validator = self.validator();
        Opener::new(recipient, &validator, &replay, self.provider)
            .open(envelope, NOW)
            .map(|_| ())
    }
}

// ---- shared by several areas: DER surgery, fuzz seeds ---------------------------

fn signed_data(msg: &SignedMessage) -> SignedData {
    ContentInfo::from_der(msg.as_der())
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn signed_message(data: &SignedData) -> SignedMessage {
    let info = ContentInfo {
        content_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2"),
        content: Any::encode_from(data).unwrap(),
    };
    SignedMessage::from_der(info.to_der().unwrap()).unwrap()
}

/// The fixture signed message with its SignedData changed by `change`.
fn altered_signed(change: impl FnOnce(&mut SignedData)) -> SignedMessage {
    let mut data = signed_data(&FX.signed);
    change(&mut data);
    signed_message(&data)
}

/// Replaces the first occurrence of `from` in `bytes` by `to` (same length).
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn flip(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 0x01;
    out
}

fn seed(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fuzz/seeds/envelope_open/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

// ---- the catalogue ---------------------------------------------------------------

struct Case {
    name: &'static str,
    run: fn() -> Result<(), Error>,
    expected: &'static str,
    check: fn(&Error) -> bool,
}

macro_rules! case {
    ($name:expr, $run:expr, $($pattern:tt)+) => {
        Case {
            name: $name,
            run: $run,
            expected: stringify!($($pattern)+),
            check: |e| matches!(e, $($pattern)+),
        }
    };
}

// The areas, after `case!` so that they can use it.
#[path = "bad_inputs/certificates.rs"]
mod certificates;
#[path = "bad_inputs/envelopes.rs"]
mod envelopes;
#[path = "bad_inputs/exchange.rs"]
mod exchange;
#[cfg(feature = "gm")]
#[path = "bad_inputs/gm.rs"]
mod gm;
#[path = "bad_inputs/keys.rs"]
mod keys;
#[path = "bad_inputs/requests.rs"]
mod requests;
#[path = "bad_inputs/signed.rs"]
mod signed;
#[path = "bad_inputs/signers.rs"]
mod signers;

/// Every case, area by area.
fn catalogue() -> Vec<Case> {
    [
        envelopes::cases(),
        signers::cases(),
        signed::cases(),
        certificates::cases(),
        keys::cases(),
        exchange::cases(),
        requests::cases(),
        #[cfg(feature = "gm")]
        gm::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn every_bad_input_gets_exactly_its_error() {
    let cases = catalogue();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    LazyLock::force(&FX);
    let mut failures = Vec::new();
    for case in &cases {
        match catch_unwind(AssertUnwindSafe(case.run)) {
            Ok(Ok(())) => failures.push(format!(
                "{}: accepted, expected {}",
                case.name, case.expected
            )),
            Ok(Err(err)) if (case.check)(&err) => {}
            Ok(Err(err)) => failures.push(format!(
                "{}: got {err:?}\n    expected {}",
                case.name, case.expected
            )),
            Err(_) => failures.push(format!("{}: PANICKED", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
