//! [`InvoiceError`]: why an invoice message could not be read, written or
//! accepted, and [`JsonLimit`], the bound a message exceeded.

use core::fmt;

use super::violation::Violations;

/// Failures reading, writing or validating an invoice message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceError {
    /// The JSON is malformed, has an unknown field, lacks a required one, or has a
    /// value of the wrong type (serde_json's message says which, with line and column).
    #[error("{what}: {source}")]
    Json {
        /// The message being read or written (e.g. "issue request").
        what: &'static str,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The message exceeds a bound on its JSON (size, nesting or array length),
    /// found before parsing ([`limits`](crate::invoice::limits)).
    #[error("{what}: {limit} {found} exceeds the limit of {max}")]
    LimitExceeded {
        /// The message being read.
        what: &'static str,
        /// Which bound.
        limit: JsonLimit,
        /// The size, depth or length found (counting stops one past the limit).
        found: usize,
        /// The bound.
        max: usize,
    },
    /// The message has no `version` field.
    #[error("{what}: no \"version\" field (supported: {})", crate::invoice::SUPPORTED_VERSIONS.join(", "))]
    MissingVersion {
        /// The message being read.
        what: &'static str,
    },
    /// The message is of a protocol version this library does not speak.
    #[error("{what}: protocol version {found:?} is not supported (supported: {})", supported.join(", "))]
    UnsupportedVersion {
        /// The message being read.
        what: &'static str,
        /// The version found.
        found: String,
        /// The versions this library speaks.
        supported: &'static [&'static str],
    },
    /// The request was read but breaks order rules; every violation is listed.
    #[error("the issue request breaks {count} rule(s):\n{0}", count = .0.len())]
    Invalid(Violations),
}

/// Which bound on an invoice message's JSON was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonLimit {
    /// The message's size in bytes ([`MAX_JSON_BYTES`](super::limits::MAX_JSON_BYTES)).
    Bytes,
    /// The nesting of arrays and objects ([`MAX_JSON_DEPTH`](super::limits::MAX_JSON_DEPTH)).
    Depth,
    /// The elements of one array ([`MAX_JSON_ARRAY_LEN`](super::limits::MAX_JSON_ARRAY_LEN)).
    ArrayLength,
}

impl fmt::Display for JsonLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bytes => "size in bytes",
            Self::Depth => "nesting depth",
            Self::ArrayLength => "array length",
        })
    }
}
