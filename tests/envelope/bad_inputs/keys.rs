//! Private keys and credentials.

use super::*;
use fapiao::pki::PrivateKeyDer;
use fapiao::{CredentialsError, KeyError};

const PASSWORD: &[u8] = b"fapiao-test-password";

pub(super) fn cases() -> Vec<Case> {
    vec![
        // -- keys and credentials ------------------------------------------------------
        case!(
            "key: zero-length",
            || PrivateKeyDer::load(&[], None).map(|_| ()),
            Error::Key(KeyError::Der { .. })
        ),
        case!(
            "key: truncated DER",
            || {
                let der = data("enterprise-p256.key.der");
                PrivateKeyDer::load(&der[..der.len() - 1], None).map(|_| ())
            },
            Error::Key(KeyError::Der { .. })
        ),
        case!(
            "key: encrypted, no password",
            || PrivateKeyDer::load(&data("enterprise-p256.enc.pem"), None).map(|_| ()),
            Error::Key(KeyError::PasswordRequired)
        ),
        case!(
            "key: encrypted, wrong password",
            || PrivateKeyDer::load(&data("enterprise-p256.enc.pem"), Some(b"wrong")).map(|_| ()),
            Error::Key(KeyError::WrongPassword)
        ),
        case!(
            "key: bit flip in the encrypted key",
            || {
                let der = data("enterprise-p256.enc.der");
                PrivateKeyDer::load(&flip(&der, der.len() - 1), Some(PASSWORD)).map(|_| ())
            },
            Error::Key(KeyError::WrongPassword)
        ),
        case!(
            "key: a certificate's PEM",
            || PrivateKeyDer::load(&data("root-ca.pem"), None).map(|_| ()),
            Error::Key(KeyError::UnexpectedPemLabel { .. })
        ),
        case!(
            "key: SEC1 without its curve",
            || {
                let key = sec1::EcPrivateKey {
                    private_key: &[1; 32],
                    parameters: None,
                    public_key: None,
                };
                PrivateKeyDer::load(sec1_pem(&key).as_bytes(), None).map(|_| ())
            },
            Error::Key(KeyError::MissingCurve)
        ),
        case!(
            "key: SEC1 on secp256k1",
            || {
                let key = sec1::EcPrivateKey {
                    private_key: &[1; 32],
                    parameters: Some(sec1::EcParameters::NamedCurve(
                        ObjectIdentifier::new_unwrap("1.3.132.0.10"),
                    )),
                    public_key: None,
                };
                PrivateKeyDer::load(sec1_pem(&key).as_bytes(), None).map(|_| ())
            },
            Error::Key(KeyError::UnsupportedAlgorithm { .. })
        ),
        case!(
            "credentials: a key that is not the certificate's",
            || {
                Credentials::from_pem(
                    &data("eisp-rsa.pem"),
                    &data("enterprise-rsa.key.pem"),
                    None,
                    FX.provider,
                )
                .map(|_| ())
            },
            Error::Credentials(CredentialsError::KeyMismatch)
        ),
        case!(
            "credentials: no certificate",
            || {
                let key = FX.provider.keys.load_private_key(
                    PrivateKeyDer::load(&data("ecp-p256.key.pem"), None)?.pkcs8_der(),
                )?;
                Credentials::new(Vec::new(), key).map(|_| ())
            },
            Error::Credentials(CredentialsError::EmptyChain)
        ),
    ]
}

/// `key` as a SEC1 "EC PRIVATE KEY" PEM.
fn sec1_pem(key: &sec1::EcPrivateKey<'_>) -> String {
    der::pem::encode_string(
        "EC PRIVATE KEY",
        der::pem::LineEnding::LF,
        &key.to_der().unwrap(),
    )
    .unwrap()
}
