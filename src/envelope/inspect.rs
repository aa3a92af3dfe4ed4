//! Reading an envelope's outer structure without any key: what an operator sees
//! with `fapiao_cli inspect`.

use cms::authenveloped_data::AuthEnvelopedData;
use cms::content_info::ContentInfo;
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, RecipientIdentifier,
    RecipientInfo, RecipientInfos,
};
use der::Decode;
use der::asn1::ObjectIdentifier;

use super::asn1::*;
use super::policy::EnvelopePolicy;
use super::signed::decode_signed_data;
use crate::error::{EnvelopeError, Error};

/// One recipient as written in the envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientSummary {
    /// "key transport", "key agreement" or another RecipientInfo kind.
    pub kind: &'static str,
    /// The recipient's identifier: `issuer=…, serial=…` or `ski=…`.
    pub identifier: String,
    /// The key-encryption algorithm.
    pub algorithm: ObjectIdentifier,
}

/// The outer structure of an envelope (or of a bare signed message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeSummary {
    /// Total size in bytes.
    pub size: usize,
    /// The outer content type.
    pub content_type: ObjectIdentifier,
    /// The inner content type of the encrypted content, if enveloped.
    pub encrypted_content_type: Option<ObjectIdentifier>,
    /// The content-encryption algorithm, if enveloped.
    pub content_encryption: Option<ObjectIdentifier>,
    /// Size of the encrypted content in bytes, if enveloped.
    pub encrypted_size: Option<usize>,
    /// The recipients, if enveloped.
    pub recipients: Vec<RecipientSummary>,
    /// Signer subjects (issuer and serial of each SignerInfo) when the signatures
    /// are visible, that is for a bare SignedData; `None` when encrypted.
    pub signers: Option<Vec<String>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the outer structure of `input`.
pub fn inspect(input: &[u8]) -> Result<EnvelopeSummary, Error> {
    // The default policy's DER bounds, so that a hostile file cannot make a
    // tool allocate without limit either.
    super::strict_der::check_der_shape(&EnvelopePolicy::default(), input, "ContentInfo")?;
    let info = ContentInfo::from_der(input).map_err(|source| EnvelopeError::Malformed {
        what: "ContentInfo",
        source,
    })?;
    let mut summary = EnvelopeSummary {
        size: input.len(),
        content_type: info.content_type,
        encrypted_content_type: None,
        content_encryption: None,
        encrypted_size: None,
        recipients: Vec::new(),
        signers: None,
    };
    match info.content_type {
        ID_AUTH_ENVELOPED_DATA => {
            let auth: AuthEnvelopedData =
                info.content
                    .decode_as()
                    .map_err(|source| EnvelopeError::Malformed {
                        what: "AuthEnvelopedData",
                        source,
                    })?;
            summary.encrypted(&auth.auth_encrypted_content_info, &auth.recip_infos);
        }
        ID_ENVELOPED_DATA | GM_ENVELOPED_DATA => {
            let enveloped: EnvelopedData =
                info.content
                    .decode_as()
                    .map_err(|source| EnvelopeError::Malformed {
                        what: "EnvelopedData",
                        source,
                    })?;
            summary.encrypted(&enveloped.encrypted_content, &enveloped.recip_infos);
        }
        ID_SIGNED_DATA | GM_SIGNED_DATA => {
            let signed = decode_signed_data(input)?;
            let signers = signed
                .signer_infos
                .0
                .iter()
                .map(|si| match &si.sid {
                    cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(isn) => {
                        format!(
                            "issuer={}, serial={}",
                            isn.issuer,
                            hex(isn.serial_number.as_bytes())
                        )
                    }
                    cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(ski) => {
                        format!("ski={}", hex(ski.0.as_bytes()))
                    }
                })
                .collect();
            summary.signers = Some(signers);
        }
        _ => {}
    }
    Ok(summary)
}

impl EnvelopeSummary {
    /// Fills in what an enveloped structure (AuthEnvelopedData or the legacy
    /// EnvelopedData) shows without a key.
    fn encrypted(&mut self, eci: &EncryptedContentInfo, recipients: &RecipientInfos) {
        self.encrypted_content_type = Some(eci.content_type);
        self.content_encryption = Some(eci.content_enc_alg.oid);
        self.encrypted_size = eci.encrypted_content.as_ref().map(|c| c.as_bytes().len());
        self.recipients = recipients.0.iter().map(recipient_summary).collect();
    }
}

fn recipient_summary(ri: &RecipientInfo) -> RecipientSummary {
    match ri {
        RecipientInfo::Ktri(k) => RecipientSummary {
            kind: "key transport",
            identifier: match &k.rid {
                RecipientIdentifier::IssuerAndSerialNumber(isn) => {
                    format!(
                        "issuer={}, serial={}",
                        isn.issuer,
                        hex(isn.serial_number.as_bytes())
                    )
                }
                RecipientIdentifier::SubjectKeyIdentifier(ski) => {
                    format!("ski={}", hex(ski.0.as_bytes()))
                }
            },
            algorithm: k.key_enc_alg.oid,
        },
        RecipientInfo::Kari(k) => RecipientSummary {
            kind: "key agreement",
            identifier: k
                .recipient_enc_keys
                .iter()
                .map(|rek| match &rek.rid {
                    KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => format!(
                        "issuer={}, serial={}",
                        isn.issuer,
                        hex(isn.serial_number.as_bytes())
                    ),
                    KeyAgreeRecipientIdentifier::RKeyId(id) => {
                        format!("ski={}", hex(id.subject_key_identifier.0.as_bytes()))
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            algorithm: k.key_enc_alg.oid,
        },
        RecipientInfo::Kekri(k) => RecipientSummary {
            kind: "KEK",
            identifier: hex(k.kek_id.kek_identifier.as_bytes()),
            algorithm: k.key_enc_alg.oid,
        },
        RecipientInfo::Pwri(p) => RecipientSummary {
            kind: "password",
            identifier: String::new(),
            algorithm: p.key_enc_alg.oid,
        },
        RecipientInfo::Ori(o) => RecipientSummary {
            kind: "other",
            identifier: String::new(),
            algorithm: o.ori_type,
        },
    }
}
