//! Envelopes and signed messages: size, DER elements and depth, recipients,
//! signers, certificates and message ids.

use super::*;
use der::Encode;
use fapiao::envelope::{
    self, EnvelopePolicy, MAX_DER_DEPTH, MAX_MESSAGE_ID_LEN, MemoryReplayGuard, Opener,
    SignedMessage,
};
use fapiao::{EnvelopeError, Error};

/// A positive INTEGER of fixed width, so that a run of them sorts as DER wants.
fn int3(i: usize) -> Vec<u8> {
    tlv(0x02, &[0x01, (i >> 8) as u8, i as u8])
}

// ---- fixtures ------------------------------------------------------------------

struct Receiver {
    creds: fapiao::pki::Credentials,
    trust: IssuedByFixtureCa,
    replay: MemoryReplayGuard,
}

fn receiver() -> Receiver {
    let provider = providers()[0];
    Receiver {
        creds: credentials("eisp-p256", provider),
        trust: IssuedByFixtureCa::new(provider),
        replay: MemoryReplayGuard::new(),
    }
}

impl Receiver {
    fn open(&self, policy: EnvelopePolicy, envelope: &[u8]) -> (Result<(), Error>, usize) {
        let opener =
            Opener::new(&self.creds, &self.trust, &self.replay, providers()[0]).with_policy(policy);
        allocated_during(|| opener.open(envelope, NOW).map(|_| ()))
    }
}

fn limit_exceeded(err: &Error) -> Option<(&'static str, usize, usize)> {
    match err {
        Error::Envelope(EnvelopeError::LimitExceeded { what, count, max }) => {
            Some((what, *count, *max))
        }
        _ => None,
    }
}

// ---- envelopes -------------------------------------------------------------------

#[test]
fn envelope_bytes_are_refused_before_decoding() {
    let max = EnvelopePolicy::default().max_envelope_size;
    assert_eq!(max, 16 * 1024 * 1024);
    let input = vec![0x30; max + 1];
    let (result, allocated) = receiver().open(EnvelopePolicy::default(), &input);
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::TooLarge { size, max: m }) if size == max + 1 && m == max),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

/// An AuthEnvelopedData with `recipients` well-formed key-transport recipient
/// infos for strangers: 8 DER elements each.
fn envelope_with_recipients(recipients: usize) -> Vec<u8> {
    let infos: Vec<Vec<u8>> = (0..recipients)
        .map(|i| {
            seq(&[
                tlv(0x02, &[0]),
                seq(&[seq(&[]), int3(i)]),
                seq(&[oid("1.2.840.113549.1.1.7")]),
                tlv(0x04, b"x"),
            ])
        })
        .collect();
    let gcm = seq(&[tlv(0x04, &[0; 12]), tlv(0x02, &[16])]);
    let auth = seq(&[
        tlv(0x02, &[0]),
        tlv(0x31, &infos.concat()),
        seq(&[
            oid("1.2.840.113549.1.7.1"),
            seq(&[oid("2.16.840.1.101.3.4.1.46"), gcm]),
            tlv(0x80, &[0; 32]),
        ]),
        tlv(0x04, &[0; 16]),
    ]);
    seq(&[oid("1.2.840.113549.1.9.16.1.23"), tlv(0xa0, &auth)])
}

#[test]
fn der_elements_of_an_envelope_are_counted_before_decoding() {
    let max = EnvelopePolicy::default().max_der_elements;
    assert_eq!(max, 20_000);
    // 3,000 recipients: 24,000 elements in 90 KB.
    let envelope = envelope_with_recipients(3_000);
    let r = receiver();
    let (result, allocated) = r.open(EnvelopePolicy::default(), &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("DER elements", max + 1, max)),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // Without the element budget the decoder builds every recipient first (and
    // only then is their number refused): 4 MB for a 90 KB envelope.
    let unbounded = EnvelopePolicy {
        max_der_elements: usize::MAX,
        ..EnvelopePolicy::default()
    };
    let (result, allocated) = r.open(unbounded, &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("recipients", 3_000, 16)),
        "{err}"
    );
    assert!(
        allocated > 10 * envelope.len(),
        "{allocated} bytes allocated"
    );
}

#[test]
fn der_nesting_depth_is_bounded_before_decoding() {
    let mut nested = tlv(0x05, &[]);
    for _ in 0..MAX_DER_DEPTH {
        nested = seq(&[nested]);
    }
    let envelope = seq(&[oid("1.2.840.113549.1.9.16.1.23"), tlv(0xa0, &nested)]);
    let (result, _) = receiver().open(EnvelopePolicy::default(), &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("DER nesting depth", MAX_DER_DEPTH + 1, MAX_DER_DEPTH)),
        "{err}"
    );
    // The same bound applies to a SignedData on its own.
    let err = SignedMessage::from_der(seq(&[nested])).unwrap_err();
    assert_eq!(
        limit_exceeded(&err).map(|l| l.0),
        Some("DER nesting depth"),
        "{err}"
    );
}

#[test]
fn der_elements_of_a_signed_message_are_counted_before_decoding() {
    // A SignedData announcing 7,000 digest algorithms (3 elements each).
    let algorithms: Vec<Vec<u8>> = (0..7_000)
        .map(|i| seq(&[oid("2.16.840.1.101.3.4.2.1"), int3(i)]))
        .collect();
    let signed = seq(&[
        tlv(0x02, &[1]),
        tlv(0x31, &algorithms.concat()),
        seq(&[oid("1.2.840.113549.1.7.1")]),
        tlv(0x31, &[]),
    ]);
    let der = seq(&[oid("1.2.840.113549.1.7.2"), tlv(0xa0, &signed)]);
    let (result, allocated) = allocated_during(|| SignedMessage::from_der(der).map(|_| ()));
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err).map(|l| l.0),
        Some("DER elements"),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

#[test]
fn recipients_signers_and_certificates_are_counted() {
    let provider = providers()[0];
    let r = receiver();
    let eisp = certificate("eisp-p256");
    let ecp = credentials("ecp-p256", provider);

    // 17 recipients (the default allows 16).
    assert_eq!(EnvelopePolicy::default().max_recipients, 16);
    let to_17 = envelope::seal(b"x", &ecp, &[&eisp; 17], NOW, provider).unwrap();
    let (result, _) = r.open(EnvelopePolicy::default(), &to_17);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("recipients", 17, 16)), "{err}");

    // 9 signers (the default allows 8): ECDSA signatures differ every time.
    assert_eq!(EnvelopePolicy::default().max_signers, 8);
    let mut signed = SignedMessage::sign(b"x", &ecp, NOW, provider).unwrap();
    for _ in 0..8 {
        signed.add_signer(&ecp, NOW, provider).unwrap();
    }
    let nine = envelope::encrypt(&signed, &[&eisp], provider).unwrap();
    let (result, _) = r.open(EnvelopePolicy::default(), &nine);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("signers", 9, 8)), "{err}");

    // Certificates (the default allows 32): enterprise, cloud platform and the
    // issuing CA are 3, against a policy of 2.
    assert_eq!(EnvelopePolicy::default().max_certificates, 32);
    let mut signed = SignedMessage::sign(
        b"x",
        &credentials("enterprise-rsa", provider),
        NOW,
        provider,
    )
    .unwrap();
    signed.add_signer(&ecp, NOW, provider).unwrap();
    let three = envelope::encrypt(&signed, &[&eisp], provider).unwrap();
    let two = EnvelopePolicy {
        max_certificates: 2,
        ..EnvelopePolicy::default()
    };
    let (result, _) = r.open(two, &three);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("certificates", 3, 2)), "{err}");
}

#[test]
fn message_ids_longer_than_the_limit_are_refused() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::{SignedData, SignerInfos};
    use der::Decode;
    use der::asn1::{Any, OctetString, SetOfVec};

    let provider = providers()[0];
    let signed =
        SignedMessage::sign(b"x", &credentials("ecp-p256", provider), NOW, provider).unwrap();
    // Replace the contentIdentifier with one byte more than allowed.
    let info = ContentInfo::from_der(signed.as_der()).unwrap();
    let mut data: SignedData = info.content.decode_as().unwrap();
    let mut signers = data.signer_infos.0.into_vec();
    let attrs = signers[0].signed_attrs.take().unwrap();
    let long =
        Any::encode_from(&OctetString::new(vec![7; MAX_MESSAGE_ID_LEN + 1]).unwrap()).unwrap();
    let attrs: Vec<_> = attrs
        .into_vec()
        .into_iter()
        .map(|mut attr| {
            if attr.oid == ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.7") {
                attr.values = SetOfVec::try_from(vec![long.clone()]).unwrap();
            }
            attr
        })
        .collect();
    signers[0].signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
    data.signer_infos = SignerInfos::try_from(signers).unwrap();
    let der = ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&data).unwrap(),
    }
    .to_der()
    .unwrap();
    let err = SignedMessage::from_der(der)
        .unwrap()
        .verify(
            &IssuedByFixtureCa::new(provider),
            &EnvelopePolicy::default(),
            NOW,
            provider,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::MissingSignedAttribute {
                signer: 0,
                attribute: "contentIdentifier"
            })
        ),
        "{err}"
    );
}
