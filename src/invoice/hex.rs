//! Serde helpers writing bytes as lowercase hexadecimal strings (signatures,
//! SPKI fingerprints), reading upper or lower case.

use serde::{Deserialize, Deserializer, Serializer};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex of some bytes.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Bytes of a hex string (either case); `None` if it is not hex of whole bytes.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if text.len() % 2 != 0 {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// `#[serde(with = "hex::bytes")]` for `Vec<u8>`.
pub(crate) mod bytes {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(value: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode(value))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        decode(&text)
            .ok_or_else(|| serde::de::Error::custom("expected a hexadecimal string of whole bytes"))
    }
}

/// Reading `[u8; 32]` (a SHA-256 fingerprint) from 64 hex digits.
pub(crate) mod array32 {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        decode(&text)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| {
                serde::de::Error::custom("expected 64 hexadecimal digits (a SHA-256 fingerprint)")
            })
    }
}

/// `#[serde(with = "hex::fingerprint_set")]` for a set of SPKI fingerprints, as a
/// JSON list of 64-digit hex strings.
pub(crate) mod fingerprint_set {
    use std::collections::BTreeSet;

    use serde::Serialize;

    use super::*;
    use crate::pki::SpkiFingerprint;

    pub(crate) fn serialize<S: Serializer>(
        value: &BTreeSet<SpkiFingerprint>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = value.iter().map(|f| encode(&f.0)).collect();
        texts.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeSet<SpkiFingerprint>, D::Error> {
        #[derive(Deserialize)]
        #[serde(transparent)]
        struct Hex(#[serde(with = "super::array32")] [u8; 32]);
        Ok(Vec::<Hex>::deserialize(deserializer)?
            .into_iter()
            .map(|Hex(bytes)| SpkiFingerprint(bytes))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode("0"), None);
        assert_eq!(decode("zz"), None);
    }
}
