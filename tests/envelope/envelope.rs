//! Sign-then-encrypt envelopes: round trips, several signers and recipients,
//! refusals (not for us, replay, tampering, bad second signer, clock skew).

use crate::common;

use common::*;
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::{EnvelopeError, Error};

const NOW: u64 = TEST_TIME;

#[test]
fn round_trip_rsa_and_p256_both_providers() {
    for provider in providers() {
        let trust = IssuedByFixtureCa::new(provider);
        for (sender, receiver) in [
            ("ecp-rsa", "eisp-rsa"),
            ("ecp-p256", "eisp-p256"),
            ("ecp-rsa", "eisp-p256"),
            ("ecp-p384", "eisp-rsa"),
            ("enterprise-ed25519", "eisp-p256"),
        ] {
            let sender = credentials(sender, provider);
            let receiver = credentials(receiver, provider);
            let payload = b"{\"serial\":\"ERP-1\"}".repeat(50);
            let sealed =
                envelope::seal(&payload, &sender, &[receiver.leaf()], NOW, provider).unwrap();
            let summary = envelope::inspect(&sealed).unwrap();
            assert_eq!(summary.recipients.len(), 1);
            let replay = MemoryReplayGuard::new();
            let opened = Opener::new(&receiver, &trust, &replay, provider)
                .open(&sealed, NOW + 5)
                .unwrap();
            assert_eq!(opened.payload, payload);
            assert_eq!(opened.signers.len(), 1);
            let signer = &opened.signers[0];
            assert_eq!(signer.spki_fingerprint, sender.leaf().spki_fingerprint());
            assert_eq!(signer.signing_time, NOW);
            assert_eq!(signer.message_id.as_ref().map(Vec::len), Some(16));
            assert_eq!(opened.message_id.len(), 16);
        }
    }
}

#[test]
fn enterprise_and_cloud_platform_are_two_signers_of_one_signed_data() {
    for provider in providers() {
        let trust = IssuedByFixtureCa::new(provider);
        let enterprise = credentials("enterprise-p256", provider);
        let cloud = credentials("ecp-rsa", provider);
        let service = credentials("eisp-rsa", provider);
        let mut signed = SignedMessage::sign(b"order", &enterprise, NOW - 10, provider).unwrap();
        let before = signed.clone();
        signed.add_signer(&cloud, NOW, provider).unwrap();
        assert_ne!(before, signed);
        // The enterprise's encapsulated content is carried over byte for byte.
        let content_at = |m: &SignedMessage| m.as_der().windows(5).position(|w| w == b"order");
        assert!(content_at(&before).is_some() && content_at(&signed).is_some());

        let sealed = envelope::encrypt(&signed, &[service.leaf()], provider).unwrap();
        let replay = MemoryReplayGuard::new();
        let opened = Opener::new(&service, &trust, &replay, provider)
            .open(&sealed, NOW)
            .unwrap();
        assert_eq!(opened.payload, b"order");
        assert_eq!(opened.signers.len(), 2);
        let serials: Vec<_> = opened
            .signers
            .iter()
            .map(|s| s.subject_serial_number.clone())
            .collect();
        assert!(
            serials.contains(&Some("91350200776049653A".to_owned())),
            "{serials:?}"
        );
        let fps: Vec<_> = opened.signers.iter().map(|s| s.spki_fingerprint).collect();
        assert!(fps.contains(&cloud.leaf().spki_fingerprint()));
        // Each signer carries its own message id.
        assert_ne!(opened.signers[0].message_id, opened.signers[1].message_id);
        // The cloud platform signing the same order again (a retry) is a new
        // message, not a replay; the same envelope again is.
        let mut retry = before.clone();
        retry.add_signer(&cloud, NOW + 1, provider).unwrap();
        let again = envelope::encrypt(&retry, &[service.leaf()], provider).unwrap();
        let opener = Opener::new(&service, &trust, &replay, provider);
        opener.open(&again, NOW + 1).unwrap();
        let err = opener.open(&again, NOW + 2).unwrap_err();
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
            "{err}"
        );
    }
}

#[test]
fn a_signer_added_only_when_it_vouches_for_the_content() {
    let provider = providers()[0];
    let enterprise = credentials("enterprise-p256", provider);
    let cloud = credentials("ecp-p256", provider);
    let mut signed = SignedMessage::sign(b"order", &enterprise, NOW, provider).unwrap();
    let before = signed.clone();
    let mut seen = Vec::new();
    let err = signed
        .add_signer_if(&cloud, None, NOW, provider, |content| {
            seen = content.to_vec();
            // What a cloud platform checks: the content is an issuing request.
            fapiao::invoice::IssueRequest::from_json(content)
                .map(drop)
                .map_err(Error::from)
        })
        .unwrap_err();
    assert_eq!(seen, b"order", "the vouch sees the encapsulated content");
    assert!(matches!(err, Error::Invoice(_)), "{err}");
    assert_eq!(signed, before, "a refused vouch signs nothing");
    signed
        .add_signer_if(&cloud, None, NOW, provider, |content| {
            assert_eq!(content, b"order");
            Ok(())
        })
        .unwrap();
    assert_ne!(signed, before);
    assert_eq!(signed.content().unwrap(), b"order");
}

#[test]
fn several_recipients_each_open_and_others_are_not_addressed() {
    for provider in providers() {
        let trust = IssuedByFixtureCa::new(provider);
        let sender = credentials("ecp-rsa", provider);
        let rsa = credentials("eisp-rsa", provider);
        let ec = credentials("eisp-p256", provider);
        let outsider = credentials("enterprise-rsa", provider);
        let sealed =
            envelope::seal(b"batch", &sender, &[rsa.leaf(), ec.leaf()], NOW, provider).unwrap();
        assert_eq!(envelope::inspect(&sealed).unwrap().recipients.len(), 2);
        for receiver in [&rsa, &ec] {
            let replay = MemoryReplayGuard::new();
            let opened = Opener::new(receiver, &trust, &replay, provider)
                .open(&sealed, NOW)
                .unwrap();
            assert_eq!(opened.payload, b"batch");
        }
        let replay = MemoryReplayGuard::new();
        let err = Opener::new(&outsider, &trust, &replay, provider)
            .open(&sealed, NOW)
            .unwrap_err();
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::NotForUs)),
            "{err}"
        );
    }
}

#[test]
fn replayed_envelope_is_refused() {
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let sender = credentials("ecp-p256", provider);
    let receiver = credentials("eisp-p256", provider);
    let sealed = envelope::seal(b"once", &sender, &[receiver.leaf()], NOW, provider).unwrap();
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&receiver, &trust, &replay, provider);
    opener.open(&sealed, NOW).unwrap();
    let err = opener.open(&sealed, NOW + 1).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    // Re-encrypting the same signed message (same message id) is a replay too.
    let signed = opener.decrypt(&sealed).unwrap();
    let again = envelope::encrypt(&signed, &[receiver.leaf()], provider).unwrap();
    let err = opener.open(&again, NOW + 2).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
}

#[test]
fn a_signature_re_made_over_the_same_attributes_is_a_replay() {
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let sender = credentials("ecp-p256", provider);
    let receiver = credentials("eisp-p256", provider);
    let sealed = envelope::seal(b"once", &sender, &[receiver.leaf()], NOW, provider).unwrap();
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&receiver, &trust, &replay, provider);
    let signed = opener.decrypt(&sealed).unwrap();
    // (r, n - s): another signature, valid over the same signed attributes.
    let twin =
        SignedMessage::from_der(common::malleate::negate_ecdsa_s(signed.as_der(), 0)).unwrap();
    assert_ne!(twin.as_der(), signed.as_der());
    twin.verify(&trust, &EnvelopePolicy::default(), NOW, provider)
        .expect("the twin signature verifies");
    let twin_sealed = envelope::encrypt(&twin, &[receiver.leaf()], provider).unwrap();

    // Whichever comes first, the other is a replay.
    for (first, second) in [(&sealed, &twin_sealed), (&twin_sealed, &sealed)] {
        let replay = MemoryReplayGuard::new();
        let opener = Opener::new(&receiver, &trust, &replay, provider);
        let opened = opener.open(first, NOW).unwrap();
        let err = opener.open(second, NOW + 1).unwrap_err();
        assert!(
            matches!(&err, Error::Envelope(EnvelopeError::Replay { message_id })
                if *message_id == hex::encode(&opened.message_id)),
            "{err}"
        );
    }
    // An honest retry signs afresh (new signing time and message id): not a
    // replay.
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&receiver, &trust, &replay, provider);
    opener.open(&sealed, NOW).unwrap();
    let retry = envelope::seal(b"once", &sender, &[receiver.leaf()], NOW, provider).unwrap();
    opener.open(&retry, NOW + 1).unwrap();
}

#[test]
fn signing_time_outside_the_window_is_refused() {
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let sender = credentials("ecp-rsa", provider);
    let receiver = credentials("eisp-rsa", provider);
    let sealed = envelope::seal(b"late", &sender, &[receiver.leaf()], NOW, provider).unwrap();
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&receiver, &trust, &replay, provider);
    for now in [NOW + 301, NOW - 301] {
        let err = opener.open(&sealed, now).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::SigningTimeOutsideWindow { signer: 0, .. })
            ),
            "{err}"
        );
    }
    // A wider window accepts it.
    let policy = EnvelopePolicy {
        clock_skew: 600,
        ..EnvelopePolicy::default()
    };
    let opener = Opener::new(&receiver, &trust, &replay, provider).with_policy(policy);
    opener.open(&sealed, NOW + 500).unwrap();
}

#[test]
fn signer_outside_its_certificate_validity_fails_the_chain() {
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let sender = credentials("ecp-rsa", provider);
    let receiver = credentials("eisp-rsa", provider);
    // Signed in 2040, after the leaf expired; opened with a matching clock.
    let when = 2_208_988_800;
    let sealed = envelope::seal(b"x", &sender, &[receiver.leaf()], when, provider).unwrap();
    let replay = MemoryReplayGuard::new();
    let err = Opener::new(&receiver, &trust, &replay, provider)
        .open(&sealed, when)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SignerChainInvalid { signer: 0, .. })
        ),
        "{err}"
    );
}

#[test]
fn a_bad_second_signature_is_caught() {
    use der::{Decode, Encode};
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let enterprise = credentials("enterprise-rsa", provider);
    let cloud = credentials("ecp-p256", provider);
    let service = credentials("eisp-p256", provider);
    let mut signed = SignedMessage::sign(b"order", &enterprise, NOW, provider).unwrap();
    signed.add_signer(&cloud, NOW, provider).unwrap();

    // Corrupt the cloud platform's signature only.
    let info = cms::content_info::ContentInfo::from_der(signed.as_der()).unwrap();
    let mut sd: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    let mut infos = sd.signer_infos.0.clone().into_vec();
    let cloud_index = infos
        .iter()
        .position(|si| si.signature_algorithm.oid.to_string() == "1.2.840.10045.4.3.2")
        .unwrap();
    let mut sig = infos[cloud_index].signature.as_bytes().to_vec();
    let last = sig.len() - 3;
    sig[last] ^= 0x40;
    infos[cloud_index].signature = der::asn1::OctetString::new(sig).unwrap();
    sd.signer_infos = cms::signed_data::SignerInfos::try_from(infos).unwrap();
    let info = cms::content_info::ContentInfo {
        content_type: info.content_type,
        content: der::asn1::Any::encode_from(&sd).unwrap(),
    };
    let tampered = SignedMessage::from_der(info.to_der().unwrap()).unwrap();

    let sealed = envelope::encrypt(&tampered, &[service.leaf()], provider).unwrap();
    let replay = MemoryReplayGuard::new();
    let err = Opener::new(&service, &trust, &replay, provider)
        .open(&sealed, NOW)
        .unwrap_err();
    match err {
        Error::Envelope(EnvelopeError::SignatureInvalid { signer }) => {
            assert_eq!(signer, cloud_index)
        }
        other => panic!("expected SignatureInvalid, got {other}"),
    }
}

#[test]
fn every_flipped_byte_is_refused() {
    for provider in providers() {
        let trust = IssuedByFixtureCa::new(provider);
        for (sender, receiver) in [("ecp-p256", "eisp-p256"), ("ecp-rsa", "eisp-rsa")] {
            let sender = credentials(sender, provider);
            let receiver = credentials(receiver, provider);
            let sealed =
                envelope::seal(b"tamper me", &sender, &[receiver.leaf()], NOW, provider).unwrap();
            for i in 0..sealed.len() {
                for bit in [0x01u8, 0x80] {
                    let mut bad = sealed.clone();
                    bad[i] ^= bit;
                    let replay = MemoryReplayGuard::new();
                    let result = Opener::new(&receiver, &trust, &replay, provider).open(&bad, NOW);
                    assert!(
                        result.is_err(),
                        "{}: flipping bit {bit:#x} of byte {i} of {} was accepted",
                        provider.name,
                        sealed.len()
                    );
                }
            }
        }
    }
}

#[test]
fn limits_are_enforced_before_decoding() {
    let provider = providers()[0];
    let trust = IssuedByFixtureCa::new(provider);
    let sender = credentials("ecp-p256", provider);
    let receiver = credentials("eisp-p256", provider);
    let other = credentials("eisp-rsa", provider);
    let sealed = envelope::seal(
        b"x",
        &sender,
        &[receiver.leaf(), other.leaf()],
        NOW,
        provider,
    )
    .unwrap();
    let replay = MemoryReplayGuard::new();
    let tight = EnvelopePolicy {
        max_envelope_size: 100,
        ..EnvelopePolicy::default()
    };
    let err = Opener::new(&receiver, &trust, &replay, provider)
        .with_policy(tight)
        .open(&sealed, NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::TooLarge { max: 100, .. })
        ),
        "{err}"
    );
    let one = EnvelopePolicy {
        max_recipients: 1,
        ..EnvelopePolicy::default()
    };
    let err = Opener::new(&receiver, &trust, &replay, provider)
        .with_policy(one)
        .open(&sealed, NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::LimitExceeded {
                what: "recipients",
                count: 2,
                max: 1
            })
        ),
        "{err}"
    );
    let err = Opener::new(&receiver, &trust, &replay, provider)
        .open(&[], NOW)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Malformed { .. })),
        "{err}"
    );
}

#[test]
fn sealing_needs_a_recipient_that_can_receive() {
    let provider = providers()[0];
    let sender = credentials("ecp-p256", provider);
    let err = envelope::seal(b"x", &sender, &[], NOW, provider).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Empty { .. })),
        "{err}"
    );
    let ed = certificate("enterprise-ed25519");
    let err = envelope::seal(b"x", &sender, &[&ed], NOW, provider).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::UnsupportedRecipientKey { index: 0, .. })
        ),
        "{err}"
    );
}
