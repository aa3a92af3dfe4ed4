//! The protocol version every invoice message carries, and strict versioned JSON
//! reading.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::InvoiceError;

/// Versions of the issuing interface protocol this library speaks, oldest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["1.0"];

/// A version of the issuing interface protocol (`"version": "1.0"` in every message).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// Version 1.0, described by the samples in `examples/requests/`.
    #[default]
    #[serde(rename = "1.0")]
    V1_0,
}

impl ProtocolVersion {
    /// The version as written in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1_0 => "1.0",
        }
    }
}

/// Reads a versioned message strictly. A message that does not read is looked at
/// again for its `version` alone, so that a message of a version we do not speak
/// is refused by name, listing the ones we do, rather than with whatever field
/// error the newer layout causes. (Every message type requires `version`, and
/// [`ProtocolVersion`] accepts only the versions we speak, so a message that
/// reads has a supported version: the common case takes one pass.)
pub(crate) fn from_json<T: DeserializeOwned>(
    json: &[u8],
    what: &'static str,
) -> Result<T, InvoiceError> {
    #[derive(Deserialize)]
    struct VersionOnly<'a> {
        #[serde(borrow, default)]
        version: Option<Cow<'a, str>>,
    }
    super::limits::check_json_shape(json, what)?;
    let error = match serde_json::from_slice(json) {
        Ok(message) => return Ok(message),
        Err(source) => InvoiceError::Json { what, source },
    };
    let Ok(probe) = serde_json::from_slice::<VersionOnly<'_>>(json) else {
        return Err(error);
    };
    match probe.version {
        None => Err(InvoiceError::MissingVersion { what }),
        Some(found) if !SUPPORTED_VERSIONS.contains(&found.as_ref()) => {
            Err(InvoiceError::UnsupportedVersion {
                what,
                found: found.into_owned(),
                supported: SUPPORTED_VERSIONS,
            })
        }
        Some(_) => Err(error),
    }
}

/// Writes a message as pretty-printed JSON.
pub(crate) fn to_json<T: Serialize>(
    value: &T,
    what: &'static str,
) -> Result<Vec<u8>, InvoiceError> {
    serde_json::to_vec_pretty(value).map_err(|source| InvoiceError::Json { what, source })
}
