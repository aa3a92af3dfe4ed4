//! Envelope opening, as the service platform does it for every request: the
//! input is a sealed envelope addressed to the fixture service platform (P-256
//! and RSA certificates, and SM2 dual certificates for GM/T 0010 envelopes,
//! with SM4-CBC and, by policy, SM4-GCM), opened at the fixed time with a
//! fresh replay guard;
//! the same bytes are also read as the SignedData an envelope decrypts to, and
//! inspected without a key. Each envelope is opened twice: with the default
//! policy and with one that admits legacy AES-CBC EnvelopedData.
#![no_main]

use fapiao::envelope::{EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage, inspect};
use fapiao::{EnvelopeError, Error};
use fapiao_fuzz::{FIXTURE, NOW, gm_validator, provider, validator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let trust = validator();
    let gm_trust = gm_validator();
    let _ = inspect(data);
    let legacy = EnvelopePolicy {
        allow_legacy_cbc: true,
        ..EnvelopePolicy::default()
    };
    let sm4_gcm = EnvelopePolicy {
        sm4_gcm: true,
        ..EnvelopePolicy::default()
    };
    for (recipient, policy, trust) in [
        (&fixture.eisp_p256, EnvelopePolicy::default(), &trust),
        (&fixture.eisp_rsa, EnvelopePolicy::default(), &trust),
        (&fixture.eisp_p256, legacy.clone(), &trust),
        (&fixture.eisp_rsa, legacy.clone(), &trust),
        (&fixture.eisp_gm, EnvelopePolicy::default(), &gm_trust),
        (&fixture.eisp_gm, sm4_gcm, &gm_trust),
    ] {
        let replay = MemoryReplayGuard::new();
        let opener = Opener::new(recipient, trust, &replay, provider()).with_policy(policy);
        if let Ok(opened) = opener.open(data, NOW) {
            assert!(
                !opened.signers.is_empty(),
                "an opened envelope has a signer"
            );
            // Accepted once: the same envelope again is a replay.
            let again = opener.open(data, NOW);
            assert!(
                matches!(again, Err(Error::Envelope(EnvelopeError::Replay { .. }))),
                "a second open was not refused as a replay: {again:?}"
            );
        }
    }
    // The decrypted content of an envelope is a ContentInfo with a SignedData:
    // the same checks, without the encryption in the way.
    if let Ok(signed) = SignedMessage::from_der(data.to_vec()) {
        let _ = signed.verify(&trust, &EnvelopePolicy::default(), NOW, provider());
        let _ = signed.verify(&gm_trust, &EnvelopePolicy::default(), NOW, provider());
    }
});
