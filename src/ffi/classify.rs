//! Which [`fapiao_result`] an [`Error`] is. The match is exhaustive on purpose:
//! a new error kind must be given a code (a new one, never a retired one) before
//! the crate compiles.

use super::result::fapiao_result::{self, *};
use crate::device::DeviceFailure;
use crate::error::{
    CertificateError, CredentialsError, CryptoError, EnvelopeError, Error, KeyError, PathError,
    PlatformError, TokenError,
};
use crate::error::{DatabaseFailure, StoreError};
use crate::invoice::InvoiceError;
use crate::qualification::QualificationError;

/// The result code for `error`.
pub(crate) fn classify(error: &Error) -> fapiao_result {
    match error {
        Error::Crypto(e) => crypto(e),
        Error::Key(e) => key(e),
        Error::Token(e) => token(e),
        Error::Certificate(e) => match e {
            CertificateError::UnsupportedKeyAlgorithm { .. } => FAPIAO_CERTIFICATE_UNSUPPORTED_KEY,
            CertificateError::Empty
            | CertificateError::Pem { .. }
            | CertificateError::UnexpectedPemLabel { .. }
            | CertificateError::Der { .. }
            | CertificateError::TooMany { .. } => FAPIAO_CERTIFICATE_MALFORMED,
        },
        Error::Credentials(e) => match e {
            CredentialsError::EmptyChain => FAPIAO_CHAIN_EMPTY,
            CredentialsError::KeyMismatch => FAPIAO_KEY_MISMATCH,
        },
        Error::Path(e) => path(e),
        Error::Crl(_) => FAPIAO_CRL_INVALID,
        Error::Peer(_) => FAPIAO_PEER_REFUSED,
        Error::Exchange(_) => FAPIAO_EXCHANGE_REFUSED,
        Error::Envelope(e) => envelope(e),
        Error::Invoice(e) => match e {
            InvoiceError::Json { .. } => FAPIAO_INVOICE_JSON_INVALID,
            InvoiceError::MissingVersion { .. } | InvoiceError::UnsupportedVersion { .. } => {
                FAPIAO_INVOICE_UNSUPPORTED_VERSION
            }
            InvoiceError::Invalid(_) => FAPIAO_INVOICE_INVALID,
            InvoiceError::LimitExceeded { .. } => FAPIAO_INVOICE_TOO_LARGE,
        },
        Error::Qualification(e) => match e {
            QualificationError::Refused(_) => FAPIAO_QUALIFICATION_REFUSED,
            QualificationError::Json(_)
            | QualificationError::MissingVersion
            | QualificationError::UnsupportedVersion { .. }
            | QualificationError::InvalidRecord { .. }
            | QualificationError::DuplicateEnterprise { .. }
            | QualificationError::NoSuchEnterprise { .. }
            | QualificationError::UnknownReservation { .. } => FAPIAO_QUALIFICATION_REGISTRY,
        },
        Error::Platform(e) => match e {
            PlatformError::SenderNotPinned { .. } | PlatformError::WrongServicePlatform { .. } => {
                FAPIAO_SENDER_NOT_PINNED
            }
            PlatformError::NoEnterpriseSigner
            | PlatformError::MalformedMessage { .. }
            | PlatformError::UnsupportedMessageVersion { .. }
            | PlatformError::BadPullLimit { .. } => FAPIAO_PLATFORM_MESSAGE_INVALID,
            PlatformError::NoEnterpriseCredentials { .. }
            | PlatformError::WrongHostingMode { .. } => FAPIAO_PLATFORM_REFUSED,
            PlatformError::UnitOfWorkSkipped => FAPIAO_INTERNAL,
            PlatformError::Incomplete { .. } => FAPIAO_INVALID_ARGUMENT,
        },
        Error::Device(e) => device(e),
        Error::Store(e) => store(e),
        Error::Tax(_) => FAPIAO_TAX_UPLOAD_FAILED,
    }
}

fn token(e: &TokenError) -> fapiao_result {
    match e {
        TokenError::ModuleNotFound { .. } | TokenError::ModuleLoadFailed { .. } => {
            FAPIAO_TOKEN_MODULE_FAILED
        }
        TokenError::TokenNotFound { .. } => FAPIAO_TOKEN_NOT_FOUND,
        TokenError::PinIncorrect => FAPIAO_TOKEN_PIN_INCORRECT,
        TokenError::PinLocked => FAPIAO_TOKEN_PIN_LOCKED,
        TokenError::ObjectNotFound { .. }
        | TokenError::AmbiguousObject { .. }
        | TokenError::KeyHandleInvalid => FAPIAO_TOKEN_KEY_NOT_FOUND,
        TokenError::UnsupportedKey { .. } | TokenError::MechanismUnsupported { .. } => {
            FAPIAO_TOKEN_KEY_UNSUPPORTED
        }
        TokenError::TokenRemoved | TokenError::SessionClosed => FAPIAO_TOKEN_REMOVED,
        TokenError::Failed { .. } => FAPIAO_TOKEN_FAILED,
        TokenError::Uri(_) => FAPIAO_INVALID_ARGUMENT,
    }
}

fn device(e: &DeviceFailure) -> fapiao_result {
    match e {
        DeviceFailure::Seal(e) => crypto(e),
        DeviceFailure::DeadlinePassed { .. }
        | DeviceFailure::NoSegment { .. }
        | DeviceFailure::SegmentExhausted { .. }
        | DeviceFailure::CommandConflict { .. }
        | DeviceFailure::InvalidCommand { .. }
        | DeviceFailure::SellerNotServed { .. }
        | DeviceFailure::InvalidDeviceId { .. }
        | DeviceFailure::InvalidSegment { .. }
        | DeviceFailure::InvalidSecret { .. }
        | DeviceFailure::Encoding(_)
        | DeviceFailure::Reported { .. }
        | DeviceFailure::UnusableInvoice { .. } => FAPIAO_DEVICE_FAILED,
    }
}

fn store(e: &StoreError) -> fapiao_result {
    match e {
        StoreError::Conflict { .. }
        | StoreError::CommandConflict { .. }
        | StoreError::Duplicate { .. }
        | StoreError::Mismatch { .. } => FAPIAO_STORE_CONFLICT,
        StoreError::NotFound { .. }
        | StoreError::WrongState { .. }
        | StoreError::SegmentOverlap { .. }
        | StoreError::ReversalRefused { .. } => FAPIAO_STORE_REFUSED,
        StoreError::Database { kind, .. } => match kind {
            DatabaseFailure::Unavailable => FAPIAO_STORE_UNAVAILABLE,
            DatabaseFailure::Contention => FAPIAO_STORE_BUSY,
            DatabaseFailure::Failed => FAPIAO_STORE_FAILED,
        },
        StoreError::InvalidSetting { .. } => FAPIAO_STORE_SETTING_INVALID,
        StoreError::Corrupt { .. }
        | StoreError::Encoding { .. }
        | StoreError::SchemaTooNew { .. } => FAPIAO_STORE_FAILED,
    }
}

fn crypto(e: &CryptoError) -> fapiao_result {
    match e {
        CryptoError::DecryptFailed | CryptoError::KeyUnwrapFailed => FAPIAO_DECRYPT_FAILED,
        CryptoError::TagMismatch => FAPIAO_TAG_MISMATCH,
        CryptoError::BadSignature => FAPIAO_SIGNATURE_INVALID,
        CryptoError::RandomFailed => FAPIAO_RANDOM_FAILED,
        CryptoError::InvalidPublicKey { .. }
        | CryptoError::MalformedKey { .. }
        | CryptoError::UnsupportedKeySize { .. }
        | CryptoError::WrongKeyType { .. }
        | CryptoError::InvalidLength { .. }
        | CryptoError::ProviderFailed { .. }
        | CryptoError::PointNotOnCurve { .. }
        | CryptoError::IdentityPoint { .. }
        | CryptoError::Sm2IdUnsupported => FAPIAO_CRYPTO_FAILED,
        CryptoError::FeatureDisabled { .. } => FAPIAO_FEATURE_DISABLED,
        CryptoError::MalformedCiphertext { .. } => FAPIAO_DECRYPT_FAILED,
    }
}

fn key(e: &KeyError) -> fapiao_result {
    match e {
        KeyError::PasswordRequired => FAPIAO_KEY_PASSWORD_REQUIRED,
        KeyError::WrongPassword => FAPIAO_KEY_WRONG_PASSWORD,
        KeyError::Pem(_)
        | KeyError::UnexpectedPemLabel { .. }
        | KeyError::Der { .. }
        | KeyError::MissingCurve => FAPIAO_KEY_MALFORMED,
        KeyError::UnsupportedAlgorithm { .. }
        | KeyError::UnsupportedEncryption(_)
        | KeyError::KdfTooExpensive
        | KeyError::Refused(_) => FAPIAO_KEY_UNSUPPORTED,
    }
}

fn path(e: &PathError) -> fapiao_result {
    use PathError as P;
    match e {
        P::Expired { .. } => FAPIAO_PATH_EXPIRED,
        P::NotYetValid { .. } => FAPIAO_PATH_NOT_YET_VALID,
        P::UnknownIssuer { .. } | P::UntrustedRoot { .. } | P::NoTrustAnchors => {
            FAPIAO_PATH_UNKNOWN_ISSUER
        }
        P::Revoked { .. } => FAPIAO_PATH_REVOKED,
        P::RevocationStatusUnknown { .. }
        | P::CrlExpired { .. }
        | P::CrlNotYetValid { .. }
        | P::CrlBadSignature { .. }
        | P::CrlUnsupportedSignatureAlgorithm { .. }
        | P::CrlIssuerNotCrlSigner { .. } => FAPIAO_PATH_REVOCATION_UNKNOWN,
        P::BadSignature { .. } | P::Sm2DistinguishingIdMismatch { .. } => FAPIAO_PATH_BAD_SIGNATURE,
        P::WeakSignatureAlgorithm { .. }
        | P::UnsupportedSignatureAlgorithm { .. }
        | P::SignatureAlgorithmMismatchesKey { .. }
        | P::WeakRsaKey { .. }
        | P::IrregularRsaKey { .. } => FAPIAO_PATH_WEAK_ALGORITHM,
        P::KeyUsageForbidsPurpose { .. } | P::RequiredEkuMissing { .. } => FAPIAO_PATH_KEY_USAGE,
        P::IssuerNotCa { .. }
        | P::CaUsedAsLeaf { .. }
        | P::IssuerMissingKeyCertSign { .. }
        | P::PathLenExceeded { .. }
        | P::PathTooLong { .. }
        | P::NameConstraintViolation => FAPIAO_PATH_CA_CONSTRAINTS,
        P::UnknownCriticalExtension { .. }
        | P::UnsupportedCertificateVersion { .. }
        | P::MalformedCertificate { .. }
        | P::ProfileViolation { .. } => FAPIAO_PATH_MALFORMED,
        P::BudgetExceeded { .. } | P::TooManyIntermediates { .. } | P::TooManyCrls { .. } => {
            FAPIAO_PATH_LIMIT_EXCEEDED
        }
        P::Distrusted | P::Unclassified => FAPIAO_PATH_INVALID,
    }
}

fn envelope(e: &EnvelopeError) -> fapiao_result {
    use EnvelopeError as E;
    match e {
        E::NotForUs
        | E::NotAddressed
        | E::AddressedToAnother { .. }
        | E::SenderRoleMismatch { .. } => FAPIAO_NOT_FOR_US,
        E::TagMismatch => FAPIAO_TAG_MISMATCH,
        E::LegacyDecryptFailed | E::GmDecryptFailed => FAPIAO_DECRYPT_FAILED,
        E::SignatureInvalid { .. } => FAPIAO_SIGNATURE_INVALID,
        E::Replay { .. } => FAPIAO_REPLAY,
        E::TooLarge { .. } | E::LimitExceeded { .. } => FAPIAO_TOO_LARGE,
        E::UnsupportedAlgorithm { .. }
        | E::LegacyEnvelopeRefused
        | E::UnsupportedRecipientKey { .. } => FAPIAO_UNSUPPORTED_ALGORITHM,
        E::SignerChainInvalid { .. } => FAPIAO_SIGNER_UNTRUSTED,
        E::SigningTimeOutsideWindow { .. } => FAPIAO_SIGNING_TIME_OUT_OF_WINDOW,
        E::SignerCertificateMissing { .. }
        | E::MissingSignedAttribute { .. }
        | E::DigestNotAnnounced { .. }
        | E::DigestMismatch { .. }
        | E::ContentTypeMismatch { .. }
        | E::BadAddressing { .. } => FAPIAO_SIGNED_ATTRIBUTES_INVALID,
        E::Empty { .. } => FAPIAO_NO_RECIPIENTS,
        E::MixedSuites { .. } => FAPIAO_MIXED_SUITES,
        E::Malformed { .. }
        | E::UnexpectedContentType { .. }
        | E::UnsupportedVersion { .. }
        | E::NoSigners
        | E::ContentAbsent { .. }
        | E::BadContentKey { .. } => FAPIAO_ENVELOPE_MALFORMED,
    }
}
