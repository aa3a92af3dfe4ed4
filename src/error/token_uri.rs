//! [`TokenUriError`]: an RFC 7512 `pkcs11:` URI that cannot name a private key.

use std::path::PathBuf;

use thiserror::Error as ThisError;

/// Why a `pkcs11:` URI (RFC 7512) was refused before any token was opened.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum TokenUriError {
    /// The text does not start with the `pkcs11:` scheme.
    #[error("not a PKCS#11 URI: it must start with \"pkcs11:\"")]
    NotPkcs11Uri,
    /// The URI is longer than this implementation reads.
    #[error("the PKCS#11 URI is {len} bytes long; at most {max} are read")]
    TooLong {
        /// Its length.
        len: usize,
        /// The most read.
        max: usize,
    },
    /// An attribute is not of the form `name=value`.
    #[error("PKCS#11 URI attribute {attribute:?} has no `=value`")]
    MissingValue {
        /// The attribute as written.
        attribute: String,
    },
    /// A value has a `%` not followed by two hex digits, or a character RFC
    /// 7512 does not allow unencoded.
    #[error("PKCS#11 URI attribute `{attribute}` is not correctly percent-encoded")]
    BadPercentEncoding {
        /// The attribute's name.
        attribute: String,
    },
    /// A text attribute (`token`, `object`) does not decode to UTF-8.
    #[error("PKCS#11 URI attribute `{attribute}` is not UTF-8 once decoded")]
    NotUtf8 {
        /// The attribute's name.
        attribute: String,
    },
    /// An attribute is given twice (RFC 7512 allows each at most once).
    #[error("PKCS#11 URI attribute `{attribute}` is given more than once")]
    DuplicateAttribute {
        /// The attribute's name.
        attribute: String,
    },
    /// A path attribute that RFC 7512 does not define: per RFC 7512 a URI
    /// with one matches no object.
    #[error("PKCS#11 URI path attribute `{attribute}` is unknown, so the URI matches no object")]
    UnknownAttribute {
        /// The attribute's name.
        attribute: String,
    },
    /// An attribute RFC 7512 defines that fapiao does not match on (e.g.
    /// `serial`, `slot-id`, `module-name`): ignoring it could pick another
    /// token or module than the one meant.
    #[error(
        "PKCS#11 URI attribute `{attribute}` is not supported: name the token with `token=`, \
         the key with `object=` or `id=`, the module with `module-path=`"
    )]
    UnsupportedAttribute {
        /// The attribute's name.
        attribute: String,
    },
    /// The URI carries the PIN itself (`pin-value`): a PIN on a command line
    /// is visible to every user of the machine (`ps`, `/proc`) and kept in
    /// shell history.
    #[error(
        "a PIN in the PKCS#11 URI (pin-value) is refused: a command line is visible to other \
         users and kept in shell history; give the PIN in a file (pin-source=file:/path) or in \
         FAPIAO_PKCS11_PIN"
    )]
    PinValueRefused,
    /// `pin-source` is not a `file:` URI naming an absolute path.
    #[error(
        "PKCS#11 URI pin-source must be a file: URI with an absolute path, e.g. file:/etc/fapiao/pin"
    )]
    UnsupportedPinSource,
    /// The file `pin-source` names cannot be read, or is empty.
    #[error("the PIN file {} cannot be read, or is empty", path.display())]
    PinSourceUnreadable {
        /// The file.
        path: PathBuf,
    },
    /// `type` names another kind of object than a private key.
    #[error("PKCS#11 URI type={object_type} does not name a private key (type=private)")]
    NotAPrivateKey {
        /// The type given.
        object_type: String,
    },
    /// The URI does not say which token (`token=`).
    #[error("the PKCS#11 URI does not name the token (token=LABEL)")]
    MissingToken,
    /// The URI names neither the key's label (`object=`) nor its id (`id=`).
    #[error("the PKCS#11 URI does not name the key (object=LABEL or id=%01…)")]
    MissingKey,
}
