//! CRLs, certificate paths, encrypted keys' derivation cost, and nesting inside a
//! certificate.

use super::*;
use der::Encode;
use der::asn1::OctetStringRef;
use fapiao::pki::{
    Certificate, Crl, MAX_CRL_ENTRIES, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, PathPolicy,
    PathValidator, PrivateKeyDer, Purpose, Timestamp, TrustStore,
};
use fapiao::{CrlError, Error, KeyError, PathError};

fn utc_time() -> Vec<u8> {
    tlv(0x17, b"260101000000Z")
}

#[test]
fn crl_entries_are_counted_before_decoding() {
    assert_eq!(MAX_CRL_ENTRIES, 100_000);
    let entries: Vec<Vec<u8>> = (0..=MAX_CRL_ENTRIES)
        .map(|i| {
            seq(&[
                tlv(0x02, &[0x01, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
                utc_time(),
            ])
        })
        .collect();
    let algorithm = seq(&[oid("1.2.840.113549.1.1.11"), tlv(0x05, &[])]);
    let tbs = seq(&[
        tlv(0x02, &[1]),
        algorithm.clone(),
        seq(&[]),
        utc_time(),
        utc_time(),
        tlv(0x30, &entries.concat()),
    ]);
    let crl = seq(&[tbs, algorithm, tlv(0x03, &[0, 0])]);
    assert!(crl.len() > 2_000_000);
    let (result, allocated) = allocated_during(|| Crl::from_der(&crl).map(|_| ()));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Crl(CrlError::TooManyEntries { index: 0, count, max })
                if count == MAX_CRL_ENTRIES + 1 && max == MAX_CRL_ENTRIES
        ),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
    // The fixture CRL, one entry, loads.
    let fixture = Crl::load_bundle(&data("crl/issuing-ca.crl.der")).unwrap();
    assert_eq!(fixture[0].revoked_count(), 1);
}

#[test]
fn intermediates_and_crls_per_validation_are_bounded() {
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let leaf = certificate("ecp-p256");
    let at = Timestamp::from_unix_seconds(NOW);
    let intermediates = vec![certificate("issuing-ca"); 17];
    let err = validator
        .verify(&leaf, &intermediates, &[], at, Purpose::Sign)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Path(PathError::TooManyIntermediates {
                supplied: 17,
                max: 16
            })
        ),
        "{err}"
    );
    let crl = Crl::load_bundle(&data("crl/issuing-ca.crl.der")).unwrap();
    let crls = vec![crl[0].clone(); 17];
    let err = validator
        .verify(&leaf, &intermediates[..1], &crls, at, Purpose::Sign)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Path(PathError::TooManyCrls {
                supplied: 17,
                max: 16
            })
        ),
        "{err}"
    );
}

fn encrypted_key(kdf: pkcs8::pkcs5::pbes2::Kdf) -> Vec<u8> {
    use pkcs8::pkcs5::{self, pbes2};
    let scheme = pkcs5::EncryptionScheme::Pbes2(pbes2::Parameters {
        kdf,
        encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [0; 16] },
    });
    pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: scheme,
        encrypted_data: OctetStringRef::new(&[0; 48]).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn key_derivation_cost_is_bounded_before_deriving() {
    use pkcs8::pkcs5::pbes2::{Kdf, Pbkdf2Params, ScryptParams};
    assert_eq!(MAX_PBKDF2_ITERATIONS, 1_000_000);
    assert_eq!(MAX_SCRYPT_MEMORY, 32 * 1024 * 1024);
    let over_pbkdf2 = encrypted_key(Kdf::Pbkdf2(
        Pbkdf2Params::hmac_sha256(MAX_PBKDF2_ITERATIONS + 1, &[1; 8]).unwrap(),
    ));
    // scrypt N = 2^16, r = 8, p = 1: 64 MiB.
    let over_scrypt = encrypted_key(Kdf::Scrypt(ScryptParams {
        salt: [1u8; 8][..].try_into().unwrap(),
        cost_parameter: 1 << 16,
        block_size: 8,
        parallelization: 1,
        key_length: None,
    }));
    for key in [over_pbkdf2, over_scrypt] {
        let started = std::time::Instant::now();
        let err = PrivateKeyDer::load(&key, Some(b"fapiao-test-password")).unwrap_err();
        assert!(
            matches!(err, Error::Key(KeyError::KdfTooExpensive)),
            "{err}"
        );
        assert!(
            started.elapsed().as_millis() < 500,
            "{:?}",
            started.elapsed()
        );
    }
    // What OpenSSL writes by default (PBKDF2, 2,048 iterations) loads.
    PrivateKeyDer::load(
        &data("enterprise-p256.enc.der"),
        Some(b"fapiao-test-password"),
    )
    .unwrap();
}

#[test]
fn deeply_nested_values_inside_a_certificate_are_not_descended() {
    // A subject attribute whose value nests 200 SEQUENCEs: x509-cert keeps an
    // attribute value as bytes, so loading neither recurses nor overflows the
    // stack.
    let mut value = tlv(0x05, &[]);
    for _ in 0..200 {
        value = seq(&[value]);
    }
    let name = seq(&[tlv(0x31, &seq(&[oid("2.5.4.3"), value.clone()]))]);
    let algorithm = seq(&[oid("1.2.840.113549.1.1.11"), tlv(0x05, &[])]);
    let tbs = seq(&[
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &[1]),
        algorithm.clone(),
        name.clone(),
        seq(&[utc_time(), utc_time()]),
        name,
        seq(&[
            seq(&[oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")]),
            tlv(0x03, &[0, 4]),
        ]),
    ]);
    let cert = seq(&[tbs, algorithm, tlv(0x03, &[0, 0])]);
    let loaded = Certificate::from_der(&cert).expect("loads: the value is kept as bytes");
    // RFC 4514 writes a non-string value as # and its DER in hex.
    let subject = loaded.subject();
    assert!(subject.starts_with("2.5.4.3=#30"), "{subject}");
    assert_eq!(subject.len(), "2.5.4.3=#".len() + 2 * value.len());
}
