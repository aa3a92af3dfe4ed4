//! Certificate and CRL loading (PEM or DER, one or a bundle), every accessor on
//! what loads, and path validation of what loads against the fixture roots
//! (the RSA/ECDSA one and the SM2 one).
#![no_main]

use fapiao::pki::{Certificate, Crl, Purpose, Timestamp, TrustStore};
use fapiao_fuzz::{CRLS, FIXTURE, GM_CRLS, NOW, gm_validator, validator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let at = Timestamp::from_unix_seconds(NOW);
    let trust = validator();
    let gm_trust = gm_validator();
    if let Ok(certs) = Certificate::load_bundle(data) {
        for cert in &certs {
            let _ = (cert.subject(), cert.issuer(), cert.subject_serial_number());
            let _ = (cert.not_before(), cert.not_after(), cert.key_family());
            let _ = (
                cert.spki_fingerprint(),
                cert.public_key(),
                format!("{cert:?}"),
            );
            // A certificate is kept as its exact bytes and reloads as itself.
            let again = Certificate::from_der(cert.der()).expect("a loaded certificate reloads");
            assert!(again == *cert);
        }
        let (leaf, intermediates) = certs.split_first().expect("a bundle is never empty");
        for purpose in [Purpose::Sign, Purpose::Encrypt] {
            let _ = trust.verify(leaf, intermediates, &CRLS, at, purpose);
            let _ = gm_trust.verify(leaf, intermediates, &GM_CRLS, at, purpose);
        }
        let _ = TrustStore::from_pem_or_der(data);
    }
    if let Ok(crls) = Crl::load_bundle(data) {
        for crl in &crls {
            let _ = (crl.issuer(), crl.this_update(), crl.next_update());
            let _ = (crl.revoked_count(), format!("{crl:?}"));
        }
        // The CRLs in use: a fixture leaf under the issuing CA.
        let fixture = &*FIXTURE;
        let chain = [fixture.issuing_ca.clone()];
        let _ = trust.verify(&fixture.revoked_leaf, &chain, &crls, at, Purpose::Sign);
    }
});
