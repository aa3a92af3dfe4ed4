//! Envelopes' signers: replays, moved signatures, faulty chains, signing times.

use super::*;
use cms::signed_data::SignerInfos;
use fapiao::{CryptoError, EnvelopeError, KeyError, PathError};

impl Fx {
    /// Encrypts a signed message to the P-256 service platform and opens it.
    fn seal_and_open(&self, signed: &SignedMessage) -> Result<(), Error> {
        let sealed = envelope::encrypt(signed, &[self.eisp_p256.leaf()], self.provider)?;
        self.open(&sealed)
    }
}

/// Credentials of a faulty fixture leaf with the chain it comes with.
fn faulty(name: &str) -> Credentials {
    let mut chain = data(&format!("faulty/{name}.pem"));
    chain.extend_from_slice(&data(&format!("faulty/{name}.chain.pem")));
    Credentials::from_pem(
        &chain,
        &data(&format!("faulty/{name}.key.pem")),
        None,
        FX.provider,
    )
    .unwrap()
}

fn chain_invalid(err: &Error, reason: impl Fn(&PathError) -> bool) -> bool {
    match err {
        Error::Envelope(EnvelopeError::SignerChainInvalid { signer: 0, source }) => reason(source),
        _ => false,
    }
}

pub(super) fn cases() -> Vec<Case> {
    use EnvelopeError as E;
    vec![
        // -- envelopes: signers ----------------------------------------------------
        case!(
            "envelope: replayed message id",
            || {
                let replay = MemoryReplayGuard::new();
                let validator = FX.validator();
                let opener = Opener::new(&FX.eisp_p256, &validator, &replay, FX.provider);
                opener.open(&FX.sealed, NOW)?;
                opener.open(&FX.sealed, NOW).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "envelope: the same message re-encrypted is still a replay",
            || {
                let replay = MemoryReplayGuard::new();
                let validator = FX.validator();
                let opener = Opener::new(&FX.eisp_p256, &validator, &replay, FX.provider);
                opener.open(&FX.sealed, NOW)?;
                let again = envelope::encrypt(&FX.signed, &[FX.eisp_p256.leaf()], FX.provider)?;
                opener.open(&again, NOW).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "envelope: a signature moved to another envelope's content",
            || {
                let other = SignedMessage::sign(b"invoice B", &FX.ecp_p256, NOW, FX.provider)?;
                let mut moved = signed_data(&other);
                moved.signer_infos = signed_data(&FX.signed).signer_infos;
                FX.seal_and_open(&signed_message(&moved))
            },
            Error::Envelope(E::DigestMismatch { signer: 0 })
        ),
        case!(
            "envelope: signatures swapped between two signers",
            || {
                let mut two = FX.signed.clone();
                two.add_signer(&FX.enterprise_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&two);
                let mut infos = data.signer_infos.0.into_vec();
                let first = infos[0].signature.clone();
                infos[0].signature = infos[1].signature.clone();
                infos[1].signature = first;
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.seal_and_open(&signed_message(&data))
            },
            Error::Envelope(E::SignatureInvalid { signer: 0 })
        ),
        case!(
            "envelope: signer certificate left out",
            || { FX.seal_and_open(&altered_signed(|d| d.certificates = None)) },
            Error::Envelope(E::SignerCertificateMissing { signer: 0 })
        ),
        case!("envelope: expired signer", || {
            let signed = SignedMessage::sign(b"x", &faulty("expired"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::Expired { .. }))),
        case!("envelope: revoked signer", || {
            let signed = SignedMessage::sign(b"x", &faulty("revoked"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::Revoked { .. }))),
        case!("envelope: signer under an untrusted root", || {
            let signed = SignedMessage::sign(b"x", &faulty("untrusted-root"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::UntrustedRoot { .. } | PathError::UnknownIssuer { .. }))),
        case!("envelope: signer certified with SHA-1", || {
            let signed = SignedMessage::sign(b"x", &faulty("sha1-signature"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::WeakSignatureAlgorithm { .. }))),
        case!("credentials: an RSA-1024 key", || {
            Credentials::from_pem(&data("faulty/rsa-1024.pem"), &data("faulty/rsa-1024.key.pem"), None, FX.provider).map(|_| ())
        }, Error::Key(KeyError::Refused(e)) if matches!(**e, CryptoError::UnsupportedKeySize { bits: 1024, .. })),
        case!("envelope: signer whose key may not sign", || {
            let signed = SignedMessage::sign(b"x", &faulty("wrong-key-usage-sign"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::KeyUsageForbidsPurpose { .. }))),
        case!(
            "envelope: signed an hour ago",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_p256, NOW - 3600, FX.provider)?;
                FX.seal_and_open(&signed)
            },
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
        case!(
            "envelope: signed by OpenSSL at another time",
            || FX.open_as(&FX.eisp_rsa, &seed("openssl-rsa-oaep.der")),
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
    ]
}
