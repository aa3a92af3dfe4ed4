//! GM/T 0010 envelopes (SM2 dual certificates of tests/data/gm, SM4-CBC and
//! SM4-GCM): broken key transport, content and padding behind the one uniform
//! failure, envelopes for someone else, a cipher the policy does not admit,
//! and suites mixed in one envelope.

use super::*;
use cms::enveloped_data::{EnvelopedData, RecipientInfo};
use der::asn1::OctetString;
use fapiao::EnvelopeError;
use fapiao::envelope::EnvelopePolicy;

/// The SM2 fixture parties and trust, and the cloud platform's GM envelope
/// (SM4-CBC) to the service platform's encryption certificate at NOW.
struct Gm {
    ecp: Credentials,
    eisp: Credentials,
    roots: TrustStore,
    sealed: Vec<u8>,
}

fn gm_data(name: &str) -> Vec<u8> {
    data(&format!("gm/{name}"))
}

/// A party's signing pair and its encryption pair.
fn dual(party: &str) -> Credentials {
    let chain = |kind: &str| {
        [
            gm_data(&format!("{party}-{kind}.pem")),
            gm_data("issuing-ca.pem"),
        ]
        .concat()
    };
    let key = |kind: &str| gm_data(&format!("{party}-{kind}.key.pem"));
    Credentials::from_pem(&chain("sign"), &key("sign"), None, FX.provider)
        .unwrap()
        .with_encryption(&chain("enc"), &key("enc"), None, FX.provider)
        .unwrap()
}

static GM: LazyLock<Gm> = LazyLock::new(|| {
    let (ecp, eisp) = (dual("ecp"), dual("eisp"));
    let sealed = envelope::seal(
        b"invoice A",
        &ecp,
        &[eisp.encryption_leaf()],
        NOW,
        FX.provider,
    )
    .unwrap();
    Gm {
        roots: TrustStore::from_pem_or_der(&gm_data("root-ca.pem")).unwrap(),
        ecp,
        eisp,
        sealed,
    }
});

impl Gm {
    fn open_as(
        &self,
        recipient: &Credentials,
        envelope: &[u8],
        policy: EnvelopePolicy,
    ) -> Result<(), Error> {
        let replay = MemoryReplayGuard::new();
        let validator = PathValidator::new(&self.roots, PathPolicy::default());
        Opener::new(recipient, &validator, &replay, FX.provider)
            .with_policy(policy)
            .open(envelope, NOW)
            .map(|_| ())
    }

    fn open(&self, envelope: &[u8]) -> Result<(), Error> {
        self.open_as(&self.eisp, envelope, EnvelopePolicy::default())
    }
}

/// The fixture GM envelope with its EnvelopedData changed by `change`
/// (written under the content type it was read with).
fn altered(change: impl FnOnce(&mut EnvelopedData)) -> Vec<u8> {
    let info = ContentInfo::from_der(&GM.sealed).unwrap();
    let mut enveloped: EnvelopedData = info.content.decode_as().unwrap();
    change(&mut enveloped);
    ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&enveloped).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// Replaces the (only) recipient's encryptedKey.
fn with_encrypted_key(change: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    altered(|e| {
        let mut infos: Vec<RecipientInfo> = e.recip_infos.0.iter().cloned().collect();
        if let RecipientInfo::Ktri(ktri) = &mut infos[0] {
            ktri.enc_key = OctetString::new(change(ktri.enc_key.as_bytes())).unwrap();
        }
        e.recip_infos.0 = infos.try_into().unwrap();
    })
}

/// Replaces the encrypted content.
fn with_ciphertext(change: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    altered(|e| {
        let ct = e.encrypted_content.encrypted_content.as_ref().unwrap();
        let changed = change(ct.as_bytes());
        e.encrypted_content.encrypted_content = Some(OctetString::new(changed).unwrap());
    })
}

pub(super) fn cases() -> Vec<Case> {
    use EnvelopeError as E;
    vec![
        case!(
            "gm envelope: truncated by one byte",
            || GM.open(&GM.sealed[..GM.sealed.len() - 1]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "gm envelope: encryptedKey (SM2 ciphertext) truncated",
            || GM.open(&with_encrypted_key(|k| k[..k.len() - 1].to_vec())),
            Error::Envelope(E::GmDecryptFailed)
        ),
        case!(
            "gm envelope: encryptedKey's C1 moved off the curve",
            || GM.open(&with_encrypted_key(|k| {
                // SEQUENCE { x INTEGER, ... }: flip the last byte of x.
                let mut k = k.to_vec();
                let x_len = k[3] as usize;
                k[4 + x_len - 1] ^= 1;
                k
            })),
            Error::Envelope(E::GmDecryptFailed)
        ),
        case!(
            "gm envelope: SM4-CBC ciphertext not a whole number of blocks",
            || GM.open(&with_ciphertext(|c| c[..c.len() - 1].to_vec())),
            Error::Envelope(E::GmDecryptFailed)
        ),
        case!(
            "gm envelope: last block changed (padding)",
            || GM.open(&with_ciphertext(|c| flip(c, c.len() - 1))),
            Error::Envelope(E::GmDecryptFailed)
        ),
        case!(
            "gm envelope: first block changed (content)",
            || GM.open(&with_ciphertext(|c| flip(c, 0))),
            Error::Envelope(E::GmDecryptFailed)
        ),
        case!(
            "gm envelope: for the service platform, opened by the cloud platform",
            || GM.open_as(&GM.ecp, &GM.sealed, EnvelopePolicy::default()),
            Error::Envelope(E::NotForUs)
        ),
        case!(
            "gm envelope: opened by the P-256 service platform",
            || FX.open(&GM.sealed),
            Error::Envelope(E::NotForUs)
        ),
        case!(
            "gm envelope: SM4-CBC where the policy requires SM4-GCM",
            || GM.open_as(
                &GM.eisp,
                &GM.sealed,
                EnvelopePolicy {
                    sm4_gcm: true,
                    ..EnvelopePolicy::default()
                }
            ),
            Error::Envelope(E::UnsupportedAlgorithm { .. })
        ),
        case!(
            "gm seal: SM2 signer to an RSA recipient",
            || envelope::seal(b"x", &GM.ecp, &[FX.eisp_rsa.leaf()], NOW, FX.provider).map(|_| ()),
            Error::Envelope(E::MixedSuites { .. })
        ),
        case!(
            "gm seal: RSA signer to an SM2 recipient",
            || envelope::seal(
                b"x",
                &FX.ecp_rsa,
                &[GM.eisp.encryption_leaf()],
                NOW,
                FX.provider
            )
            .map(|_| ()),
            Error::Envelope(E::MixedSuites { .. })
        ),
    ]
}
