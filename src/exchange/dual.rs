//! The encryption certificate of a party with two certificates (双证书) in the
//! certificate exchange: how it is carried, validated, bound to the signer,
//! and how its holder proves it holds the key.
//!
//! The certificate travels in the body's `encryption_chain` (the leaf first,
//! each certificate as hex DER). The proof of possession is a challenge: the
//! other side seals a fresh 32-byte secret to the offered encryption
//! certificate (an ordinary envelope, so each suite's key transport applies:
//! SM2 for an SM2 certificate) and the holder returns the secret, decrypted,
//! in its next message, which it signs. Only the holder of the encryption key
//! opens the envelope.

use super::peer_trust::PeerValidator;
use crate::crypto::CryptoProvider;
use crate::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignerTrust};
use crate::error::{Error, ExchangeError};
use crate::pki::{Certificate, Credentials, Purpose};

/// The most certificates an encryption chain may carry.
const MAX_CHAIN: usize = 4;
/// The length of a challenge's secret in bytes.
pub(super) const SECRET_LEN: usize = 32;

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>, ()> {
    if text.len() % 2 != 0 {
        return Err(());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or(())
        })
        .collect()
}

/// Hex DER of `credentials`' encryption chain when it is separate from the
/// signing one, `None` for a party with one certificate.
pub(super) fn offered_chain(credentials: &Credentials) -> Option<Vec<String>> {
    credentials.is_dual().then(|| {
        credentials
            .encryption_chain()
            .iter()
            .map(|c| to_hex(c.der()))
            .collect()
    })
}

/// Parses and validates the encryption chain a peer offered beside its
/// signing certificate `signer`: at most four certificates, the leaf valid for
/// [`Purpose::Encrypt`] at `now`, of the signer's subject.
pub(super) fn accept_chain(
    chain: &[String],
    signer: &Certificate,
    validator: &dyn PeerValidator,
    now: u64,
) -> Result<Certificate, Error> {
    let malformed = |reason: &str| ExchangeError::MalformedBody {
        reason: format!("encryption_chain: {reason}"),
    };
    if chain.is_empty() || chain.len() > MAX_CHAIN {
        return Err(malformed("one to four certificates").into());
    }
    let mut certificates = Vec::with_capacity(chain.len());
    for text in chain {
        let der = from_hex(text).map_err(|_| malformed("not hex"))?;
        certificates.push(Certificate::from_der(&der)?);
    }
    validator.validate_peer_for(&certificates[0], &certificates[1..], now, Purpose::Encrypt)?;
    let leaf = certificates.swap_remove(0);
    if leaf.subject() != signer.subject() {
        return Err(ExchangeError::EncryptionCertificateMismatch {
            signer: signer.subject(),
            found: leaf.subject(),
        }
        .into());
    }
    Ok(leaf)
}

/// A fresh secret sealed by `sender` to `to`: the secret to expect back and
/// the challenge (hex of the envelope) to send.
pub(super) fn challenge(
    sender: &Credentials,
    to: &Certificate,
    now: u64,
    provider: &CryptoProvider,
) -> Result<([u8; SECRET_LEN], String), Error> {
    let mut secret = [0u8; SECRET_LEN];
    provider.random.fill(&mut secret)?;
    let sealed = envelope::seal(&secret, sender, &[to], now, provider)?;
    Ok((secret, to_hex(&sealed)))
}

/// Opens a challenge sealed to `own` encryption certificate: the response to
/// send (hex of the secret). Refused with
/// [`ExchangeError::EncryptionKeyNotProven`] when it does not open.
pub(super) fn respond(
    own: &Credentials,
    challenge: &str,
    trust: &dyn SignerTrust,
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<String, Error> {
    let not_proven = |reason| ExchangeError::EncryptionKeyNotProven { reason };
    let sealed = from_hex(challenge).map_err(|_| not_proven("the challenge is not hex"))?;
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(own, trust, &replay, provider).with_policy(policy.clone());
    let secret = opener
        .decrypt(&sealed)
        .and_then(|signed| signed.content())
        .map_err(|_| not_proven("the challenge does not open with our encryption key"))?;
    if secret.len() != SECRET_LEN {
        return Err(not_proven("the challenge is not a 32-byte secret").into());
    }
    Ok(to_hex(&secret))
}

/// Checks that `response` returns `expected`, the secret sealed to the peer's
/// encryption certificate.
pub(super) fn check_response(
    expected: Option<&[u8; SECRET_LEN]>,
    response: Option<&str>,
) -> Result<(), Error> {
    let not_proven = |reason| ExchangeError::EncryptionKeyNotProven { reason };
    match (expected, response) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ExchangeError::BadNonce {
            field: "challenge_response",
        }
        .into()),
        (Some(_), None) => Err(not_proven("no response to the challenge").into()),
        (Some(secret), Some(text)) => {
            let returned = from_hex(text).unwrap_or_default();
            if returned.len() == SECRET_LEN
                && returned
                    .iter()
                    .zip(secret)
                    .fold(0u8, |d, (a, b)| d | (a ^ b))
                    == 0
            {
                Ok(())
            } else {
                Err(not_proven("the response is not the secret sealed to the certificate").into())
            }
        }
    }
}
