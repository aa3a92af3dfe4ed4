//! [`fapiao_result`]: the result code every fallible function returns, and
//! [`fapiao_result_message`], its fixed English description.

use core::ffi::c_char;

use super::boundary::{guard_quiet, write_str};

/// The result of a call: `FAPIAO_OK` (0) or the reason it failed.
///
/// Codes are grouped by hundreds: 1xx arguments, 2xx keys and certificates, 3xx
/// certificate paths, 4xx envelopes, 5xx invoice messages, 6xx peers, platforms
/// and qualification, 7xx cryptographic primitives, 8xx storage, devices and
/// tax uploads, 9xx panics and internal errors.
/// A code keeps its number forever: a code that is no longer produced is
/// retired, and its number is never given to another meaning. The full reason
/// of the last failure on a thread is in `fapiao_last_error_detail`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum fapiao_result {
    /// Success.
    FAPIAO_OK = 0,

    /// A pointer argument that must not be NULL was NULL.
    FAPIAO_NULL_ARGUMENT = 100,
    /// A string argument is not valid UTF-8.
    FAPIAO_INVALID_UTF8 = 101,
    /// The output buffer is too small; `*written` holds the length needed
    /// (without the terminating NUL).
    FAPIAO_BUFFER_TOO_SMALL = 102,
    /// A handle is not a live handle of the expected type: already freed, never
    /// made by this library, or a handle of another type.
    FAPIAO_INVALID_HANDLE = 103,
    /// An argument is out of range (an index, a flag, a length, a time).
    FAPIAO_INVALID_ARGUMENT = 104,
    /// The value asked for is absent (for example a certificate without a
    /// subject serialNumber).
    FAPIAO_NOT_FOUND = 105,

    /// A certificate (or bundle) is malformed, or the input holds none.
    FAPIAO_CERTIFICATE_MALFORMED = 200,
    /// A certificate's public key algorithm is not supported.
    FAPIAO_CERTIFICATE_UNSUPPORTED_KEY = 201,
    /// A private key is malformed (PEM, DER or structure).
    FAPIAO_KEY_MALFORMED = 202,
    /// A private key's algorithm or encryption scheme is not supported (or its
    /// key-derivation cost is too high).
    FAPIAO_KEY_UNSUPPORTED = 203,
    /// The private key is encrypted and no password was given.
    FAPIAO_KEY_PASSWORD_REQUIRED = 204,
    /// The private key could not be decrypted: wrong password or corrupt data.
    FAPIAO_KEY_WRONG_PASSWORD = 205,
    /// The private key does not belong to the leaf certificate.
    FAPIAO_KEY_MISMATCH = 206,
    /// The certificate chain of credentials is empty.
    FAPIAO_CHAIN_EMPTY = 207,
    /// A CRL could not be loaded.
    FAPIAO_CRL_INVALID = 208,
    /// The PKCS#11 module could not be found or loaded (not a PKCS#11
    /// library, or its `C_Initialize` failed).
    FAPIAO_TOKEN_MODULE_FAILED = 250,
    /// No slot of the PKCS#11 module holds a token with the label given.
    FAPIAO_TOKEN_NOT_FOUND = 251,
    /// The token refused the PIN.
    FAPIAO_TOKEN_PIN_INCORRECT = 252,
    /// The token's PIN is locked after too many wrong attempts.
    FAPIAO_TOKEN_PIN_LOCKED = 253,
    /// No single private key on the token has the label given (none, or
    /// several).
    FAPIAO_TOKEN_KEY_NOT_FOUND = 254,
    /// The key on the token is of a kind not supported (only RSA and EC P-256),
    /// or the token lacks a mechanism the operation needs.
    FAPIAO_TOKEN_KEY_UNSUPPORTED = 255,
    /// The token was removed, or its session closed and could not be
    /// reopened.
    FAPIAO_TOKEN_REMOVED = 256,
    /// Another PKCS#11 failure (the detail names the call and its `CKR_` code).
    FAPIAO_TOKEN_FAILED = 257,

    /// A certificate of the path has expired.
    FAPIAO_PATH_EXPIRED = 300,
    /// A certificate of the path is not yet valid.
    FAPIAO_PATH_NOT_YET_VALID = 301,
    /// No path to a trust anchor: unknown issuer or untrusted root.
    FAPIAO_PATH_UNKNOWN_ISSUER = 302,
    /// A certificate of the path is revoked.
    FAPIAO_PATH_REVOKED = 303,
    /// Revocation could not be decided (CRL missing, stale, or unusable).
    FAPIAO_PATH_REVOCATION_UNKNOWN = 304,
    /// A certificate's signature does not verify.
    FAPIAO_PATH_BAD_SIGNATURE = 305,
    /// A weak or unsupported signature algorithm or key in the path.
    FAPIAO_PATH_WEAK_ALGORITHM = 306,
    /// The leaf's keyUsage or extendedKeyUsage forbids the purpose.
    FAPIAO_PATH_KEY_USAGE = 307,
    /// A CA constraint is broken (not a CA, no keyCertSign, path length, name
    /// constraints).
    FAPIAO_PATH_CA_CONSTRAINTS = 308,
    /// A certificate of the path is malformed or breaks the RFC 5280 profile.
    FAPIAO_PATH_MALFORMED = 309,
    /// Too many intermediates or CRLs, or the path-building budget ran out.
    FAPIAO_PATH_LIMIT_EXCEEDED = 310,
    /// The path is invalid for another reason (see the detail).
    FAPIAO_PATH_INVALID = 311,

    /// The envelope (or a structure in it) is malformed or of an unexpected type.
    FAPIAO_ENVELOPE_MALFORMED = 400,
    /// No recipient info of the envelope is addressed to our certificate.
    FAPIAO_NOT_FOR_US = 401,
    /// The AES-GCM tag does not match: the envelope was altered.
    FAPIAO_TAG_MISMATCH = 402,
    /// A signer's signature does not verify.
    FAPIAO_SIGNATURE_INVALID = 403,
    /// The message id was already accepted: a replay.
    FAPIAO_REPLAY = 404,
    /// The envelope, or a count in it, exceeds the policy's limits.
    FAPIAO_TOO_LARGE = 405,
    /// An algorithm (or recipient key type) the policy refuses or we do not
    /// implement, including legacy AES-CBC envelopes unless the opener allows
    /// them (`fapiao_opener_allow_legacy_cbc`).
    FAPIAO_UNSUPPORTED_ALGORITHM = 406,
    /// A signer's certificate chain is not valid (the detail names the path
    /// reason).
    FAPIAO_SIGNER_UNTRUSTED = 407,
    /// A signer's signingTime is outside the clock-skew window.
    FAPIAO_SIGNING_TIME_OUT_OF_WINDOW = 408,
    /// A signer's signed attributes are missing, malformed or do not match the
    /// content (including its certificate missing from the message).
    FAPIAO_SIGNED_ATTRIBUTES_INVALID = 409,
    /// Nothing to encrypt to: the recipient list is empty.
    FAPIAO_NO_RECIPIENTS = 410,
    /// SM2 keys beside other key kinds in one envelope: an SM2 signer sealing
    /// to an RSA or P-256 recipient (or the reverse), recipients of both kinds,
    /// or, opening, GM/T 0010 content with non-SM2 signers (or the reverse).
    FAPIAO_MIXED_SUITES = 411,

    /// An invoice message is not valid JSON of the expected shape (unknown or
    /// missing field, wrong type).
    FAPIAO_INVOICE_JSON_INVALID = 500,
    /// An invoice message has no version or one this library does not speak.
    FAPIAO_INVOICE_UNSUPPORTED_VERSION = 501,
    /// An issue request breaks order rules.
    FAPIAO_INVOICE_INVALID = 502,
    /// An invoice message exceeds a size, depth or length bound (checked before
    /// it is parsed).
    FAPIAO_INVOICE_TOO_LARGE = 503,

    /// A peer is unknown, or its pinned certificate may not be used.
    FAPIAO_PEER_REFUSED = 600,
    /// A certificate-exchange message was refused.
    FAPIAO_EXCHANGE_REFUSED = 601,
    /// The enterprise was refused by the qualification check.
    FAPIAO_QUALIFICATION_REFUSED = 602,
    /// The qualification registry failed or its data is invalid.
    FAPIAO_QUALIFICATION_REGISTRY = 603,
    /// No signer of the message is the pinned peer it must come from.
    FAPIAO_SENDER_NOT_PINNED = 604,
    /// A platform message is malformed, of an unknown version, or lacks the
    /// enterprise's signature.
    FAPIAO_PLATFORM_MESSAGE_INVALID = 605,
    /// A platform role cannot serve the request here (no enterprise credentials
    /// for an unsigned order, wrong hosting mode).
    FAPIAO_PLATFORM_REFUSED = 606,

    /// A cryptographic primitive failed or refused its input.
    FAPIAO_CRYPTO_FAILED = 700,
    /// Decryption or key unwrap failed.
    FAPIAO_DECRYPT_FAILED = 701,
    /// The random number generator failed.
    FAPIAO_RANDOM_FAILED = 702,
    /// This build of the library lacks the feature the call needs: the GM
    /// algorithms (SM2, SM3, SM4) are the `gm` Cargo feature, on by default;
    /// keys on a PKCS#11 token the `pkcs11` feature and a PostgreSQL store
    /// the `postgres` feature, both off by default.
    FAPIAO_FEATURE_DISABLED = 703,

    /// The store (database) failed, or holds data that does not read back.
    FAPIAO_STORE_FAILED = 800,
    /// The store refused a change that conflicts with what it holds (a request
    /// serial number reused with other content, a duplicate, a mismatch).
    FAPIAO_STORE_CONFLICT = 801,
    /// The store refused a change in the record's state, or for something it
    /// does not hold, an overlapping number segment, or a red invoice's reversal
    /// its original does not allow.
    FAPIAO_STORE_REFUSED = 802,
    /// The database could not be reached: the server is down, restarting,
    /// unreachable or refusing connections, or the connection was lost.
    /// Nothing of the change was written; try again later.
    FAPIAO_STORE_UNAVAILABLE = 803,
    /// Another writer was in the way (SQLite busy or locked; a PostgreSQL
    /// serialization failure or deadlock still there after the store's own
    /// retries). Nothing was written; try again.
    FAPIAO_STORE_BUSY = 804,
    /// A setting of the store is not valid: a connection string that does not
    /// parse, a schema name that is not a plain lower-case identifier, TLS
    /// that cannot be set up.
    FAPIAO_STORE_SETTING_INVALID = 805,
    /// An issuing device did not issue, or its configuration is invalid (device
    /// id, number segment, secret).
    FAPIAO_DEVICE_FAILED = 810,
    /// An upload to the tax authority failed.
    FAPIAO_TAX_UPLOAD_FAILED = 820,

    /// A panic was caught at the C boundary (a bug in fapiao: please report it
    /// with the detail).
    FAPIAO_PANIC = 900,
    /// An internal error (a bug in fapiao, or a failure this version of the C API
    /// does not classify).
    FAPIAO_INTERNAL = 901,
}

use fapiao_result::*;

impl fapiao_result {
    /// Every code, in numeric order.
    pub const ALL: &'static [fapiao_result] = &[
        FAPIAO_OK,
        FAPIAO_NULL_ARGUMENT,
        FAPIAO_INVALID_UTF8,
        FAPIAO_BUFFER_TOO_SMALL,
        FAPIAO_INVALID_HANDLE,
        FAPIAO_INVALID_ARGUMENT,
        FAPIAO_NOT_FOUND,
        FAPIAO_CERTIFICATE_MALFORMED,
        FAPIAO_CERTIFICATE_UNSUPPORTED_KEY,
        FAPIAO_KEY_MALFORMED,
        FAPIAO_KEY_UNSUPPORTED,
        FAPIAO_KEY_PASSWORD_REQUIRED,
        FAPIAO_KEY_WRONG_PASSWORD,
        FAPIAO_KEY_MISMATCH,
        FAPIAO_CHAIN_EMPTY,
        FAPIAO_CRL_INVALID,
        FAPIAO_TOKEN_MODULE_FAILED,
        FAPIAO_TOKEN_NOT_FOUND,
        FAPIAO_TOKEN_PIN_INCORRECT,
        FAPIAO_TOKEN_PIN_LOCKED,
        FAPIAO_TOKEN_KEY_NOT_FOUND,
        FAPIAO_TOKEN_KEY_UNSUPPORTED,
        FAPIAO_TOKEN_REMOVED,
        FAPIAO_TOKEN_FAILED,
        FAPIAO_PATH_EXPIRED,
        FAPIAO_PATH_NOT_YET_VALID,
        FAPIAO_PATH_UNKNOWN_ISSUER,
        FAPIAO_PATH_REVOKED,
        FAPIAO_PATH_REVOCATION_UNKNOWN,
        FAPIAO_PATH_BAD_SIGNATURE,
        FAPIAO_PATH_WEAK_ALGORITHM,
        FAPIAO_PATH_KEY_USAGE,
        FAPIAO_PATH_CA_CONSTRAINTS,
        FAPIAO_PATH_MALFORMED,
        FAPIAO_PATH_LIMIT_EXCEEDED,
        FAPIAO_PATH_INVALID,
        FAPIAO_ENVELOPE_MALFORMED,
        FAPIAO_NOT_FOR_US,
        FAPIAO_TAG_MISMATCH,
        FAPIAO_SIGNATURE_INVALID,
        FAPIAO_REPLAY,
        FAPIAO_TOO_LARGE,
        FAPIAO_UNSUPPORTED_ALGORITHM,
        FAPIAO_SIGNER_UNTRUSTED,
        FAPIAO_SIGNING_TIME_OUT_OF_WINDOW,
        FAPIAO_SIGNED_ATTRIBUTES_INVALID,
        FAPIAO_NO_RECIPIENTS,
        FAPIAO_MIXED_SUITES,
        FAPIAO_INVOICE_JSON_INVALID,
        FAPIAO_INVOICE_UNSUPPORTED_VERSION,
        FAPIAO_INVOICE_INVALID,
        FAPIAO_INVOICE_TOO_LARGE,
        FAPIAO_PEER_REFUSED,
        FAPIAO_EXCHANGE_REFUSED,
        FAPIAO_QUALIFICATION_REFUSED,
        FAPIAO_QUALIFICATION_REGISTRY,
        FAPIAO_SENDER_NOT_PINNED,
        FAPIAO_PLATFORM_MESSAGE_INVALID,
        FAPIAO_PLATFORM_REFUSED,
        FAPIAO_CRYPTO_FAILED,
        FAPIAO_DECRYPT_FAILED,
        FAPIAO_RANDOM_FAILED,
        FAPIAO_FEATURE_DISABLED,
        FAPIAO_STORE_FAILED,
        FAPIAO_STORE_CONFLICT,
        FAPIAO_STORE_REFUSED,
        FAPIAO_STORE_UNAVAILABLE,
        FAPIAO_STORE_BUSY,
        FAPIAO_STORE_SETTING_INVALID,
        FAPIAO_DEVICE_FAILED,
        FAPIAO_TAX_UPLOAD_FAILED,
        FAPIAO_PANIC,
        FAPIAO_INTERNAL,
    ];

    /// The code with this number, if there is one.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| *r as u32 == code)
    }

    /// The fixed English description `fapiao_result_message` writes.
    pub fn message(self) -> &'static str {
        match self {
            FAPIAO_OK => "success",
            FAPIAO_NULL_ARGUMENT => "a required pointer argument is NULL",
            FAPIAO_INVALID_UTF8 => "a string argument is not valid UTF-8",
            FAPIAO_BUFFER_TOO_SMALL => "the output buffer is too small",
            FAPIAO_INVALID_HANDLE => "not a live handle of the expected type",
            FAPIAO_INVALID_ARGUMENT => "an argument is out of range",
            FAPIAO_NOT_FOUND => "the value asked for is absent",
            FAPIAO_CERTIFICATE_MALFORMED => "malformed certificate, or no certificate in the input",
            FAPIAO_CERTIFICATE_UNSUPPORTED_KEY => "unsupported certificate public key algorithm",
            FAPIAO_KEY_MALFORMED => "malformed private key",
            FAPIAO_KEY_UNSUPPORTED => "unsupported private key algorithm or encryption",
            FAPIAO_KEY_PASSWORD_REQUIRED => "the private key is encrypted: a password is needed",
            FAPIAO_KEY_WRONG_PASSWORD => "cannot decrypt the private key: wrong password",
            FAPIAO_KEY_MISMATCH => "the private key does not match the certificate",
            FAPIAO_CHAIN_EMPTY => "the certificate chain is empty",
            FAPIAO_CRL_INVALID => "invalid CRL",
            FAPIAO_TOKEN_MODULE_FAILED => "the PKCS#11 module could not be found or loaded",
            FAPIAO_TOKEN_NOT_FOUND => "no PKCS#11 token with that label",
            FAPIAO_TOKEN_PIN_INCORRECT => "the token refused the PIN",
            FAPIAO_TOKEN_PIN_LOCKED => "the token's PIN is locked",
            FAPIAO_TOKEN_KEY_NOT_FOUND => "no single private key with that label on the token",
            FAPIAO_TOKEN_KEY_UNSUPPORTED => {
                "the key on the token or its mechanism is not supported"
            }
            FAPIAO_TOKEN_REMOVED => "the token was removed or its session lost",
            FAPIAO_TOKEN_FAILED => "PKCS#11 operation failed",
            FAPIAO_PATH_EXPIRED => "certificate expired",
            FAPIAO_PATH_NOT_YET_VALID => "certificate not yet valid",
            FAPIAO_PATH_UNKNOWN_ISSUER => "no path to a trusted root",
            FAPIAO_PATH_REVOKED => "certificate revoked",
            FAPIAO_PATH_REVOCATION_UNKNOWN => "revocation status unknown",
            FAPIAO_PATH_BAD_SIGNATURE => "certificate signature invalid",
            FAPIAO_PATH_WEAK_ALGORITHM => "weak or unsupported algorithm in the certificate path",
            FAPIAO_PATH_KEY_USAGE => "the certificate may not be used for this purpose",
            FAPIAO_PATH_CA_CONSTRAINTS => "a CA constraint of the certificate path is broken",
            FAPIAO_PATH_MALFORMED => "malformed certificate in the path",
            FAPIAO_PATH_LIMIT_EXCEEDED => "certificate path limits exceeded",
            FAPIAO_PATH_INVALID => "invalid certificate path",
            FAPIAO_ENVELOPE_MALFORMED => "malformed envelope",
            FAPIAO_NOT_FOR_US => "the envelope is not addressed to our certificate",
            FAPIAO_TAG_MISMATCH => "authentication tag mismatch: the envelope was altered",
            FAPIAO_SIGNATURE_INVALID => "signature invalid",
            FAPIAO_REPLAY => "replay: the message was already accepted",
            FAPIAO_TOO_LARGE => "the envelope exceeds the size or count limits",
            FAPIAO_UNSUPPORTED_ALGORITHM => "unsupported or refused algorithm",
            FAPIAO_SIGNER_UNTRUSTED => "a signer's certificate chain is not valid",
            FAPIAO_SIGNING_TIME_OUT_OF_WINDOW => "a signing time is outside the allowed window",
            FAPIAO_SIGNED_ATTRIBUTES_INVALID => "a signer's signed attributes are invalid",
            FAPIAO_NO_RECIPIENTS => "no recipient to encrypt to",
            FAPIAO_MIXED_SUITES => "SM2 and non-SM2 keys mixed in one envelope",
            FAPIAO_INVOICE_JSON_INVALID => "the invoice message is not valid JSON of its format",
            FAPIAO_INVOICE_UNSUPPORTED_VERSION => "unsupported invoice message version",
            FAPIAO_INVOICE_INVALID => "the issue request breaks order rules",
            FAPIAO_INVOICE_TOO_LARGE => "the invoice message exceeds a size, depth or length bound",
            FAPIAO_PEER_REFUSED => "peer refused",
            FAPIAO_EXCHANGE_REFUSED => "certificate exchange message refused",
            FAPIAO_QUALIFICATION_REFUSED => "the enterprise is not qualified",
            FAPIAO_QUALIFICATION_REGISTRY => "qualification registry failure",
            FAPIAO_SENDER_NOT_PINNED => "the sender is not the pinned peer",
            FAPIAO_PLATFORM_MESSAGE_INVALID => "invalid platform message",
            FAPIAO_PLATFORM_REFUSED => "the platform cannot serve this request",
            FAPIAO_CRYPTO_FAILED => "cryptographic operation failed",
            FAPIAO_DECRYPT_FAILED => "decryption failed",
            FAPIAO_RANDOM_FAILED => "random number generator failed",
            FAPIAO_FEATURE_DISABLED => {
                "this build of the library lacks the feature (GM algorithms, PKCS#11 tokens, PostgreSQL)"
            }
            FAPIAO_STORE_FAILED => "store failure",
            FAPIAO_STORE_CONFLICT => "the store refused a conflicting change",
            FAPIAO_STORE_REFUSED => "the store refused the change",
            FAPIAO_STORE_UNAVAILABLE => "the database could not be reached",
            FAPIAO_STORE_BUSY => "the database was busy with another writer",
            FAPIAO_STORE_SETTING_INVALID => "a store setting is not valid",
            FAPIAO_DEVICE_FAILED => "the issuing device did not issue",
            FAPIAO_TAX_UPLOAD_FAILED => "upload to the tax authority failed",
            FAPIAO_PANIC => "internal panic caught at the C boundary",
            FAPIAO_INTERNAL => "internal error",
        }
    }
}

/// Writes the fixed English description of result code `code` to `buf` as a
/// NUL-terminated string.
///
/// On `FAPIAO_OK`, `buf` holds the message and `*written` its length without the
/// NUL. On `FAPIAO_BUFFER_TOO_SMALL` (fewer than length + 1 bytes; `buf` may be
/// NULL when `len` is 0, to ask for the length), `buf` is left as it is and
/// `*written` receives the length needed without the NUL: the one case where an
/// out-parameter is written on failure. An unknown code gives
/// `FAPIAO_INVALID_ARGUMENT`. Never changes the last error detail.
///
/// # Safety
///
/// `buf` must be NULL or point at `len` writable bytes; `written` must be NULL or
/// point at a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_result_message(
    code: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard_quiet(|| {
        let result = fapiao_result::from_code(code).ok_or(FAPIAO_INVALID_ARGUMENT)?;
        // SAFETY: the caller guarantees `buf` (when not NULL) has `len` writable
        // bytes and `written` (when not NULL) points at a writable size_t.
        unsafe { write_str(result.message(), buf, len, written) }
    })
}
