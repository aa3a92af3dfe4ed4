//! [`TokenUri`]: an RFC 7512 `pkcs11:` URI naming a private key on a token,
//! and [`KeyLookup`], how the key is found on it.

use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, TokenUriError};

/// The longest URI [`TokenUri::parse`] reads, in bytes.
pub const MAX_URI_LEN: usize = 4096;
/// The longest PIN file [`TokenUri::read_pin_source`] reads, in bytes.
pub const MAX_PIN_FILE_LEN: usize = 1024;

/// How to find a private key on a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLookup {
    /// By its `CKA_LABEL`.
    Label(String),
    /// By its `CKA_ID` (the bytes, not their hex).
    Id(Vec<u8>),
    /// By both: the key whose `CKA_LABEL` and `CKA_ID` are these.
    LabelAndId {
        /// The `CKA_LABEL`.
        label: String,
        /// The `CKA_ID`.
        id: Vec<u8>,
    },
}

impl KeyLookup {
    /// The key's name in error messages: `label "…"`, `id 0a1b…`.
    #[cfg_attr(not(feature = "pkcs11"), allow(dead_code))]
    pub(crate) fn describe(&self) -> String {
        let hex = |id: &[u8]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
        match self {
            Self::Label(label) => format!("label \"{label}\""),
            Self::Id(id) => format!("id {}", hex(id)),
            Self::LabelAndId { label, id } => format!("label \"{label}\" id {}", hex(id)),
        }
    }
}

/// An RFC 7512 PKCS#11 URI naming a private key:
/// `pkcs11:token=fapiao;object=eisp?pin-source=file:/etc/fapiao/pin`.
///
/// Read: the path attributes `token` (the token's label, required),
/// `object` (the key's label) and/or `id` (its `CKA_ID`, percent-encoded
/// bytes, e.g. `id=%01`), one at least, and `type` (only `private`); the
/// query attributes `pin-source` (a `file:` URI with an absolute path, whose
/// contents are the PIN) and `module-path` (the module's file).
///
/// Refused with a [`TokenUriError`]: `pin-value` (a PIN on a command line is
/// visible to other users and kept in shell history); a path attribute RFC
/// 7512 does not define (RFC 7512: such a URI matches no object); the
/// attributes RFC 7512 defines that are not matched here (`serial`,
/// `slot-id`, `module-name`, …: ignoring one could pick another token than
/// the one meant); an attribute twice; bad percent-encoding. Unknown query
/// attributes are ignored, as RFC 7512 asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUri {
    token: String,
    key: KeyLookup,
    pin_source: Option<PathBuf>,
    module_path: Option<PathBuf>,
}

/// The path attributes RFC 7512 defines that are not matched here.
const UNSUPPORTED_PATH: &[&str] = &[
    "manufacturer",
    "model",
    "serial",
    "library-manufacturer",
    "library-description",
    "library-version",
    "slot-description",
    "slot-manufacturer",
    "slot-id",
];

/// Whether `c` may stand unencoded in a value: RFC 7512's `pk11-pchar`
/// (path) or `pk11-qchar` (query).
fn allowed(c: u8, query: bool) -> bool {
    c.is_ascii_alphanumeric()
        || b"-._~:[]@!$'()*+,=".contains(&c)
        || (!query && c == b'&')
        || (query && b"/?|".contains(&c))
}

/// Percent-decodes the value of `attribute`.
fn decode(attribute: &str, value: &str, query: bool) -> Result<Vec<u8>, TokenUriError> {
    let bad = || TokenUriError::BadPercentEncoding {
        attribute: attribute.to_owned(),
    };
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let text = std::str::from_utf8(hex).map_err(|_| bad())?;
                if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                out.push(u8::from_str_radix(text, 16).map_err(|_| bad())?);
                i += 3;
            }
            c if allowed(c, query) => {
                out.push(c);
                i += 1;
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

fn utf8(attribute: &str, value: Vec<u8>) -> Result<String, TokenUriError> {
    String::from_utf8(value).map_err(|_| TokenUriError::NotUtf8 {
        attribute: attribute.to_owned(),
    })
}

/// The `name=value` pairs of one part, separated by `separator`.
fn pairs(part: &str, separator: char) -> Result<Vec<(&str, &str)>, TokenUriError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for attribute in part.split(separator).filter(|a| !a.is_empty()) {
        let (name, value) =
            attribute
                .split_once('=')
                .ok_or_else(|| TokenUriError::MissingValue {
                    attribute: attribute.to_owned(),
                })?;
        if seen.contains(&name) {
            return Err(TokenUriError::DuplicateAttribute {
                attribute: name.to_owned(),
            });
        }
        seen.push(name);
        out.push((name, value));
    }
    Ok(out)
}

/// The absolute path of a `file:` URI (`file:/p`, `file:///p`,
/// `file://localhost/p`).
fn file_path(value: &str) -> Result<PathBuf, TokenUriError> {
    let rest = value
        .strip_prefix("file:")
        .ok_or(TokenUriError::UnsupportedPinSource)?;
    let path = match rest.strip_prefix("//") {
        Some(authority) => authority
            .strip_prefix("localhost")
            .unwrap_or(authority)
            .to_owned(),
        None => rest.to_owned(),
    };
    if path.starts_with('/') {
        Ok(PathBuf::from(path))
    } else {
        Err(TokenUriError::UnsupportedPinSource)
    }
}

impl TokenUri {
    /// Whether `text` is a `pkcs11:` URI (the scheme is case-insensitive)
    /// rather than, say, a key file's path.
    pub fn is_token_uri(text: &str) -> bool {
        text.get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("pkcs11:"))
    }

    /// Reads `text`; see the type's documentation for what is read and
    /// refused.
    pub fn parse(text: &str) -> Result<Self, TokenUriError> {
        if text.len() > MAX_URI_LEN {
            return Err(TokenUriError::TooLong {
                len: text.len(),
                max: MAX_URI_LEN,
            });
        }
        if !Self::is_token_uri(text) {
            return Err(TokenUriError::NotPkcs11Uri);
        }
        let rest = &text[7..];
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut token, mut label, mut id) = (None, None, None);
        for (name, value) in pairs(path, ';')? {
            match name {
                "token" => token = Some(utf8(name, decode(name, value, false)?)?),
                "object" => label = Some(utf8(name, decode(name, value, false)?)?),
                "id" => id = Some(decode(name, value, false)?),
                "type" => {
                    let kind = utf8(name, decode(name, value, false)?)?;
                    if kind != "private" {
                        return Err(TokenUriError::NotAPrivateKey { object_type: kind });
                    }
                }
                _ if UNSUPPORTED_PATH.contains(&name) => {
                    return Err(TokenUriError::UnsupportedAttribute {
                        attribute: name.to_owned(),
                    });
                }
                _ => {
                    return Err(TokenUriError::UnknownAttribute {
                        attribute: name.to_owned(),
                    });
                }
            }
        }
        let (mut pin_source, mut module_path) = (None, None);
        for (name, value) in pairs(query, '&')? {
            match name {
                "pin-value" => return Err(TokenUriError::PinValueRefused),
                "pin-source" => {
                    let value = utf8(name, decode(name, value, true)?)?;
                    pin_source = Some(file_path(&value)?);
                }
                "module-path" => {
                    let value = utf8(name, decode(name, value, true)?)?;
                    module_path = Some(PathBuf::from(value));
                }
                "module-name" => {
                    return Err(TokenUriError::UnsupportedAttribute {
                        attribute: name.to_owned(),
                    });
                }
                // RFC 7512: unknown query attributes are ignored.
                _ => decode(name, value, true).map(drop)?,
            }
        }
        let token = token.ok_or(TokenUriError::MissingToken)?;
        let key = match (label, id) {
            (Some(label), Some(id)) => KeyLookup::LabelAndId { label, id },
            (Some(label), None) => KeyLookup::Label(label),
            (None, Some(id)) => KeyLookup::Id(id),
            (None, None) => return Err(TokenUriError::MissingKey),
        };
        Ok(Self {
            token,
            key,
            pin_source,
            module_path,
        })
    }

    /// The token's label (`token=`).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// How the key is found (`object=`, `id=`).
    pub fn key(&self) -> &KeyLookup {
        &self.key
    }

    /// The file holding the PIN (`pin-source=file:…`), if given.
    pub fn pin_source(&self) -> Option<&Path> {
        self.pin_source.as_deref()
    }

    /// The module's file (`module-path=`), if given.
    pub fn module_path(&self) -> Option<&Path> {
        self.module_path.as_deref()
    }

    /// The PIN in the `pin-source` file (at most [`MAX_PIN_FILE_LEN`] bytes,
    /// one trailing newline dropped), in memory that is zeroized when
    /// dropped; `None` without `pin-source`.
    pub fn read_pin_source(&self) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let Some(path) = &self.pin_source else {
            return Ok(None);
        };
        let unreadable = || TokenUriError::PinSourceUnreadable { path: path.clone() };
        let file = std::fs::File::open(path).map_err(|_| unreadable())?;
        let mut pin = Zeroizing::new(Vec::with_capacity(64));
        file.take(MAX_PIN_FILE_LEN as u64 + 1)
            .read_to_end(&mut pin)
            .map_err(|_| unreadable())?;
        if pin.len() > MAX_PIN_FILE_LEN {
            return Err(unreadable().into());
        }
        for ending in [&b"\r\n"[..], b"\n"] {
            if pin.ends_with(ending) {
                let len = pin.len() - ending.len();
                pin.truncate(len);
                break;
            }
        }
        if pin.is_empty() {
            return Err(unreadable().into());
        }
        Ok(Some(pin))
    }
}

impl core::str::FromStr for TokenUri {
    type Err = TokenUriError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}
