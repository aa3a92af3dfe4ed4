//! Serde helpers writing bytes as lowercase hexadecimal strings (signatures,
//! SPKI fingerprints, digests), reading upper or lower case, over the
//! constant-time `base16ct`.

use serde::{Deserialize, Deserializer, Serializer};

/// Lowercase hex of some bytes.
pub(crate) fn encode(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Bytes of a hex string (either case); `None` if it is not hex of whole bytes.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    base16ct::mixed::decode_vec(text).ok()
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
        let mut bytes = [0u8; 32];
        match base16ct::mixed::decode(text.as_bytes(), &mut bytes).map(<[u8]>::len) {
            Ok(32) => Ok(bytes),
            _ => Err(serde::de::Error::custom(
                "expected 64 hexadecimal digits (a SHA-256 fingerprint)",
            )),
        }
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
        assert_eq!(decode("0g"), None);
        assert_eq!(decode(""), Some(vec![]));
        assert_eq!(decode(" 00"), None);
    }
}
