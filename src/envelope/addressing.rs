//! [`Addressing`]: who a signer sent a message to, and in which role, carried
//! in a signed attribute.
//!
//! Encryption alone does not bind a message to its recipient: whoever can
//! decrypt a message (its recipient, a second recipient) can encrypt the same
//! SignedData to somebody else, and the signatures still verify. A platform
//! therefore signs, beside the content, the role it speaks in and the key of
//! the party it seals to; every receiver refuses a message whose addressing is
//! missing, names another key, or a role that is not the signer's pinned role.
//!
//! The attribute is the standard contentHints (RFC 2634 §2.9,
//! id-aa-contentHint 1.2.840.113549.1.9.16.2.4), whose description exists for
//! a recipient to select the messages meant for it; ours reads
//!
//! ```text
//! ContentHints ::= SEQUENCE {
//!     contentDescription UTF8String,  -- "fapiao-addressing/1 <role> <key>"
//!     contentType        ContentType  -- id-data
//! }
//! ```
//!
//! with `<role>` one of `cloud_platform`, `service_platform`,
//! `enterprise_front_end` and `<key>` the SHA-256 of the recipient's
//! SubjectPublicKeyInfo in 64 lower-case hex digits. A private attribute OID
//! would need a registered arc (the registration-free UUID arc, 2.25, has arcs
//! wider than the 32 bits the OID decoders take); tools that do not read the
//! description (OpenSSL) verify the signature over it and go on.

use der::asn1::{Any, AnyRef, ObjectIdentifier, Utf8StringRef};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};

use super::asn1::ID_DATA;
use crate::error::PartyRole;
use crate::error::{EnvelopeError, Error};
use crate::pki::SpkiFingerprint;

/// id-aa-contentHint (RFC 2634): the signed attribute that carries the
/// addressing.
pub const ID_AA_CONTENT_HINT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.4");

/// What the description starts with.
const PREFIX: &str = "fapiao-addressing/1";

/// Who a signer sent a message to, and as what (in the signed attribute
/// [`ID_AA_CONTENT_HINT`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addressing {
    /// The role the signer speaks in.
    pub sender_role: PartyRole,
    /// The SPKI fingerprint of the certificate the message is sealed to.
    pub recipient_key: SpkiFingerprint,
}

fn role_name(role: PartyRole) -> &'static str {
    match role {
        PartyRole::CloudPlatform => "cloud_platform",
        PartyRole::ServicePlatform => "service_platform",
        PartyRole::EnterpriseFrontEnd => "enterprise_front_end",
    }
}

fn bad(problem: &'static str) -> Error {
    EnvelopeError::BadAddressing { problem }.into()
}

fn malformed(source: der::Error) -> Error {
    EnvelopeError::Malformed {
        what: "addressing attribute",
        source,
    }
    .into()
}

impl Addressing {
    /// The attribute's value: the DER `ContentHints`.
    pub(crate) fn to_any(self) -> Result<Any, Error> {
        let description = format!(
            "{PREFIX} {} {}",
            role_name(self.sender_role),
            self.recipient_key.to_hex()
        );
        let mut content = Utf8StringRef::new(&description)
            .and_then(|s| s.to_der())
            .map_err(malformed)?;
        content.extend(ID_DATA.to_der().map_err(malformed)?);
        Any::new(Tag::Sequence, content).map_err(malformed)
    }

    /// Reads the attribute's value, strictly: a SEQUENCE of our description and
    /// id-data, nothing more. `Ok(None)` for a contentHints that is not ours
    /// (another description).
    pub(crate) fn from_any(value: AnyRef<'_>) -> Result<Option<Self>, Error> {
        if value.tag() != Tag::Sequence {
            return Err(bad("not a SEQUENCE"));
        }
        let mut reader = SliceReader::new(value.value()).map_err(malformed)?;
        let description = Utf8StringRef::decode(&mut reader).map_err(malformed)?;
        let content_type = ObjectIdentifier::decode(&mut reader).map_err(malformed)?;
        reader.finish().map_err(malformed)?;
        let mut words = description.as_str().split(' ');
        if words.next() != Some(PREFIX) {
            return Ok(None);
        }
        if content_type != ID_DATA {
            return Err(bad("the content type is not id-data"));
        }
        let (Some(role), Some(key), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad(
                "the description is not \"fapiao-addressing/1 <role> <key>\"",
            ));
        };
        let sender_role = [
            PartyRole::CloudPlatform,
            PartyRole::ServicePlatform,
            PartyRole::EnterpriseFrontEnd,
        ]
        .into_iter()
        .find(|r| role_name(*r) == role)
        .ok_or_else(|| bad("unknown sender role"))?;
        let recipient_key = SpkiFingerprint::from_hex(key)
            .filter(|k| k.to_hex() == key)
            .ok_or_else(|| bad("the recipient key is not 64 lower-case hex digits"))?;
        Ok(Some(Self {
            sender_role,
            recipient_key,
        }))
    }

    /// Checks that a message with this addressing (`None`: none, accepted
    /// only when not `required`) is for the holder of `own_key`, from a signer
    /// pinned in `pinned_role`.
    pub fn check(
        addressing: Option<&Self>,
        own_key: &SpkiFingerprint,
        pinned_role: PartyRole,
        required: bool,
    ) -> Result<(), Error> {
        let Some(addressing) = addressing else {
            return match required {
                true => Err(EnvelopeError::NotAddressed.into()),
                false => Ok(()),
            };
        };
        if addressing.recipient_key != *own_key {
            return Err(EnvelopeError::AddressedToAnother {
                recipient_key: addressing.recipient_key.to_hex(),
            }
            .into());
        }
        if addressing.sender_role != pinned_role {
            return Err(EnvelopeError::SenderRoleMismatch {
                claimed: addressing.sender_role,
                pinned: pinned_role,
            }
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(description: &str, content_type: ObjectIdentifier, trailing: &[u8]) -> Any {
        let mut content = Utf8StringRef::new(description).unwrap().to_der().unwrap();
        content.extend(content_type.to_der().unwrap());
        content.extend(trailing);
        Any::new(Tag::Sequence, content).unwrap()
    }

    #[test]
    fn written_addressing_reads_back_and_every_malformation_is_refused() {
        let addressing = Addressing {
            sender_role: PartyRole::EnterpriseFrontEnd,
            recipient_key: SpkiFingerprint([0xab; 32]),
        };
        let any = addressing.to_any().unwrap();
        assert_eq!(
            Addressing::from_any((&any).into()).unwrap(),
            Some(addressing)
        );

        let key = "ab".repeat(32);
        // Another party's content hint is not ours: no addressing.
        let other = hint("an invoice", ID_DATA, &[]);
        assert_eq!(Addressing::from_any((&other).into()).unwrap(), None);
        let refused = [
            hint(&format!("{PREFIX} tax_authority {key}"), ID_DATA, &[]),
            hint(
                &format!("{PREFIX} cloud_platform {}", &key[2..]),
                ID_DATA,
                &[],
            ),
            hint(
                &format!("{PREFIX} cloud_platform {}", key.to_uppercase()),
                ID_DATA,
                &[],
            ),
            hint(
                &format!("{PREFIX} cloud_platform {key} extra"),
                ID_DATA,
                &[],
            ),
            hint(&format!("{PREFIX} cloud_platform"), ID_DATA, &[]),
            hint(
                &format!("{PREFIX} cloud_platform {key}"),
                ID_AA_CONTENT_HINT,
                &[],
            ),
        ];
        for any in &refused {
            let err = Addressing::from_any(any.into()).unwrap_err();
            assert!(
                matches!(err, Error::Envelope(EnvelopeError::BadAddressing { .. })),
                "{err}"
            );
        }
        // Trailing bytes inside the SEQUENCE, or no SEQUENCE at all.
        let trailing = hint(&format!("{PREFIX} cloud_platform {key}"), ID_DATA, &[5, 0]);
        let not_sequence = Any::new(Tag::Utf8String, b"x".to_vec()).unwrap();
        for any in [&trailing, &not_sequence] {
            let err = Addressing::from_any(any.into()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Envelope(
                        EnvelopeError::Malformed { .. } | EnvelopeError::BadAddressing { .. }
                    )
                ),
                "{err}"
            );
        }
    }

    #[test]
    fn the_check_refuses_another_recipient_another_role_and_absence() {
        let own = SpkiFingerprint([1; 32]);
        let to_us = Addressing {
            sender_role: PartyRole::CloudPlatform,
            recipient_key: own,
        };
        Addressing::check(Some(&to_us), &own, PartyRole::CloudPlatform, true).unwrap();
        let elsewhere = Addressing {
            recipient_key: SpkiFingerprint([2; 32]),
            ..to_us
        };
        for (addressing, role, required) in [
            (Some(&elsewhere), PartyRole::CloudPlatform, true),
            (Some(&elsewhere), PartyRole::CloudPlatform, false),
            (Some(&to_us), PartyRole::EnterpriseFrontEnd, false),
            (None, PartyRole::CloudPlatform, true),
        ] {
            assert!(Addressing::check(addressing, &own, role, required).is_err());
        }
        Addressing::check(None, &own, PartyRole::CloudPlatform, false).unwrap();
    }
}
