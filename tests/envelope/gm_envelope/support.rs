//! Fixtures, and envelopes taken apart and assembled as another toolkit
//! would, for tests/gm_envelope.rs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier as Oid, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode};
use fapiao::crypto::CryptoProvider;
use fapiao::crypto::gm::{Sm2PublicKey, Sm4};
use fapiao::envelope::{
    self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage, SignerTrust,
};
use fapiao::pki::{Certificate, Credentials, PathPolicy, PathValidator, TrustStore};
use fapiao::{EnvelopeError, Error, PathError};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

/// 2027-06-01T00:00:00Z, inside the fixtures' validity.
pub const AT: u64 = 1_811_808_000;

pub const GM_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.1");
pub const GM_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.2");
pub const GM_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.3");
pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub const ID_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
pub const ID_AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
pub const SM2_SIGN: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
pub const SM2_ENCRYPT: Oid = Oid::new_unwrap("1.2.156.10197.1.301.3");
pub const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");
pub const SM4_CFCA: Oid = Oid::new_unwrap("1.2.156.10197.1.104");
pub const SM4_GCM: Oid = Oid::new_unwrap("1.2.156.10197.1.104.8");
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
pub const ATTR_CONTENT_IDENTIFIER: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.7");
pub const ID: &str = "1234567812345678";

pub fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

pub fn gm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gm")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&gm(name)).unwrap()
}

/// A party's signing pair, with the issuing CA in the chain.
pub fn signing(party: &str) -> Credentials {
    let chain = [gm(&format!("{party}-sign.pem")), gm("issuing-ca.pem")].concat();
    Credentials::from_pem(
        &chain,
        &gm(&format!("{party}-sign.key.pem")),
        None,
        provider(),
    )
    .unwrap()
}

/// A party's signing and encryption pairs.
pub fn dual(party: &str) -> Credentials {
    let chain = [gm(&format!("{party}-enc.pem")), gm("issuing-ca.pem")].concat();
    signing(party)
        .with_encryption(
            &chain,
            &gm(&format!("{party}-enc.key.pem")),
            None,
            provider(),
        )
        .unwrap()
}

pub fn roots() -> TrustStore {
    TrustStore::from_pem_or_der(&gm("root-ca.pem")).unwrap()
}

pub fn open_with(
    envelope: &[u8],
    recipient: &Credentials,
    policy: EnvelopePolicy,
) -> Result<envelope::OpenedEnvelope, Error> {
    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    Opener::new(recipient, &validator, &replay, provider())
        .with_policy(policy)
        .open(envelope, AT)
}

pub fn open(envelope: &[u8], recipient: &Credentials) -> Result<envelope::OpenedEnvelope, Error> {
    open_with(envelope, recipient, EnvelopePolicy::default())
}

pub fn envelope_err(result: Result<envelope::OpenedEnvelope, Error>) -> EnvelopeError {
    match result {
        Err(Error::Envelope(e)) => e,
        Err(other) => panic!("expected an envelope error, got {other:?}"),
        Ok(_) => panic!("expected an error, the envelope opened"),
    }
}

pub fn assert_uniform(result: Result<envelope::OpenedEnvelope, Error>, what: &str) {
    let e = envelope_err(result);
    assert!(
        matches!(e, EnvelopeError::GmDecryptFailed),
        "{what}: expected the uniform GmDecryptFailed, got {e:?}"
    );
}

// ---------------------------------------------------------------------------
// Taking envelopes apart and assembling them, as another toolkit would.

pub fn content_info(der: &[u8]) -> ContentInfo {
    ContentInfo::from_der(der).unwrap()
}

pub fn issuer_and_serial(cert: &Certificate) -> IssuerAndSerialNumber {
    let tbs = cert.x509().tbs_certificate();
    IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    }
}

pub fn attribute(oid: Oid, value: Any) -> Attribute {
    Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).unwrap(),
    }
}

/// What a GM/T 0010 envelope is made of, and which identifiers it uses.
pub struct Build {
    pub payload: Vec<u8>,
    pub data_type: Oid,
    pub signed_type: Oid,
    pub enveloped_type: Oid,
    pub signature_algorithm: Oid,
    pub cipher: Oid,
    pub recipient_by_ski: bool,
}

impl Build {
    pub fn gm(payload: &[u8]) -> Self {
        Self {
            payload: payload.to_vec(),
            data_type: GM_DATA,
            signed_type: GM_SIGNED_DATA,
            enveloped_type: GM_ENVELOPED_DATA,
            signature_algorithm: SM2_SIGN,
            cipher: SM4_CBC,
            recipient_by_ski: false,
        }
    }
}

/// A primitive from bytes to bytes.
pub type BytesFn<'a> = &'a dyn Fn(&[u8]) -> Vec<u8>;
/// SM4-CBC encryption under (key, iv).
pub type CbcFn<'a> = &'a dyn Fn(&[u8; 16], &[u8; 16], &[u8]) -> Vec<u8>;
/// A change to the identifiers a [`Build`] writes, and its name.
pub type Variant = (&'static str, fn(&mut Build));

/// The primitives a peer assembles an envelope with.
pub struct Primitives<'a> {
    /// SM3 of the payload.
    pub digest: BytesFn<'a>,
    /// The SM2 signature over the DER signed attributes.
    pub sign: BytesFn<'a>,
    /// The SM2 encryption of the content key to the recipient.
    pub encrypt_key: BytesFn<'a>,
    /// SM4-CBC of the signed content under (key, iv).
    pub encrypt_content: CbcFn<'a>,
}

/// The signed attributes of the envelope (DER SET OF Attribute).
pub fn signed_attributes(build: &Build, digest: &[u8]) -> SetOfVec<Attribute> {
    let time = UtcTime::from_unix_duration(Duration::from_secs(AT)).unwrap();
    let id: [u8; 16] = rand16();
    SetOfVec::try_from(vec![
        attribute(
            ATTR_CONTENT_TYPE,
            Any::encode_from(&build.data_type).unwrap(),
        ),
        attribute(ATTR_SIGNING_TIME, Any::encode_from(&time).unwrap()),
        attribute(
            ATTR_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest).unwrap()).unwrap(),
        ),
        attribute(
            ATTR_CONTENT_IDENTIFIER,
            Any::encode_from(&OctetString::new(id.to_vec()).unwrap()).unwrap(),
        ),
    ])
    .unwrap()
}

pub fn rand16() -> [u8; 16] {
    let mut out = [0u8; 16];
    provider().random.fill(&mut out).unwrap();
    out
}

/// The DER ContentInfo holding the SignedData of `signer_chain`'s leaf.
pub fn build_signed(build: &Build, signer_chain: &[Certificate], p: &Primitives<'_>) -> Vec<u8> {
    let attrs = signed_attributes(build, &(p.digest)(&build.payload));
    let signature = (p.sign)(&attrs.to_der().unwrap());
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&signer_chain[0])),
        digest_alg: AlgorithmIdentifierOwned {
            oid: SM3,
            parameters: None,
        },
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: build.signature_algorithm,
            parameters: None,
        },
        signature: OctetString::new(signature).unwrap(),
        unsigned_attrs: None,
    };
    let mut certs = SetOfVec::new();
    for c in signer_chain {
        certs
            .insert(CertificateChoices::Certificate(c.x509().clone()))
            .unwrap();
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![AlgorithmIdentifierOwned {
            oid: SM3,
            parameters: None,
        }])
        .unwrap(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: build.data_type,
            econtent: Some(
                Any::encode_from(&OctetString::new(build.payload.clone()).unwrap()).unwrap(),
            ),
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![info]).unwrap(),
    };
    ContentInfo {
        content_type: build.signed_type,
        content: Any::encode_from(&signed).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// The DER ContentInfo holding the EnvelopedData of `signed_der` for `to`.
pub fn build_enveloped(
    build: &Build,
    signed_der: &[u8],
    to: &Certificate,
    p: &Primitives<'_>,
) -> Vec<u8> {
    let key = rand16();
    let iv = rand16();
    let ciphertext = (p.encrypt_content)(&key, &iv, signed_der);
    let rid = if build.recipient_by_ski {
        let (_, ski) = to
            .x509()
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .unwrap()
            .expect("the fixture has a subjectKeyIdentifier");
        RecipientIdentifier::SubjectKeyIdentifier(ski)
    } else {
        RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(to))
    };
    let version = if build.recipient_by_ski {
        CmsVersion::V2
    } else {
        CmsVersion::V0
    };
    let ktri = KeyTransRecipientInfo {
        version,
        rid,
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: SM2_ENCRYPT,
            parameters: None,
        },
        enc_key: OctetString::new((p.encrypt_key)(&key)).unwrap(),
    };
    let enveloped = EnvelopedData {
        version,
        originator_info: None,
        recip_infos: RecipientInfos::try_from(vec![RecipientInfo::Ktri(ktri)]).unwrap(),
        encrypted_content: EncryptedContentInfo {
            content_type: build.data_type,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: build.cipher,
                parameters: Some(
                    Any::encode_from(&OctetString::new(iv.to_vec()).unwrap()).unwrap(),
                ),
            },
            encrypted_content: Some(OctetString::new(ciphertext).unwrap()),
        },
        unprotected_attrs: None,
    };
    ContentInfo {
        content_type: build.enveloped_type,
        content: Any::encode_from(&enveloped).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// A whole envelope with fapiao's own SM primitives, from the cloud
/// platform's signing key to the service platform's encryption certificate.
pub fn build_with_fapiao(build: &Build) -> Vec<u8> {
    let key = fapiao::pki::PrivateKeyDer::load(&gm("ecp-sign.key.pem"), None)
        .unwrap()
        .to_sm2()
        .unwrap();
    let to = cert("eisp-enc.pem");
    let digest = |data: &[u8]| fapiao::crypto::gm::sm3(data).to_vec();
    let sign = |attrs: &[u8]| key.sign(ID.as_bytes(), attrs).unwrap();
    let encrypt_key = |k: &[u8]| {
        Sm2PublicKey::from_sec1_bytes(to.public_key())
            .unwrap()
            .encrypt(k)
            .unwrap()
    };
    let encrypt_content =
        |k: &[u8; 16], iv: &[u8; 16], data: &[u8]| Sm4::new(k).cbc_encrypt(iv, data);
    let p = Primitives {
        digest: &digest,
        sign: &sign,
        encrypt_key: &encrypt_key,
        encrypt_content: &encrypt_content,
    };
    let signed = build_signed(build, signing("ecp").chain(), &p);
    build_enveloped(build, &signed, &to, &p)
}

// ---------------------------------------------------------------------------
// OpenSSL.

/// A fresh scratch folder, or `None` (with a message) when the `openssl`
/// binary is missing.
pub fn openssl_dir(test: &str) -> Option<PathBuf> {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipping {test}: no `openssl` binary on PATH");
        return None;
    }
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "fapiao-gm-envelope-{}-{}-{test}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "ecp-sign.pem",
        "ecp-sign.key.pem",
        "eisp-enc.pem",
        "eisp-enc.key.pem",
    ] {
        std::fs::write(dir.join(name), gm(name)).unwrap();
    }
    Some(dir)
}

/// Runs `openssl` in `dir` and panics with its error output when it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

pub fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// An AuthEnvelopedData with SM4-GCM for `to` around any SignedData,
/// assembled here (fapiao refuses to write one around a non-SM2 signer).
pub fn gm_gcm_envelope_of(signed: &SignedMessage, to: &Certificate) -> Vec<u8> {
    let key = rand16();
    let nonce: [u8; 12] = rand16()[..12].try_into().unwrap();
    let mut sealed = Sm4::new(&key).gcm_seal(&nonce, &[], signed.as_der());
    let tag = sealed.split_off(sealed.len() - 16);
    let params =
        Any::from_der(&[&[0x30, 17, 0x04, 12][..], &nonce, &[0x02, 1, 16]].concat()).unwrap();
    let ktri = KeyTransRecipientInfo {
        version: CmsVersion::V0,
        rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(to)),
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: SM2_ENCRYPT,
            parameters: None,
        },
        enc_key: OctetString::new(
            Sm2PublicKey::from_sec1_bytes(to.public_key())
                .unwrap()
                .encrypt(&key)
                .unwrap(),
        )
        .unwrap(),
    };
    let auth = cms::authenveloped_data::AuthEnvelopedData {
        version: CmsVersion::V0,
        originator_info: None,
        recip_infos: RecipientInfos::try_from(vec![RecipientInfo::Ktri(ktri)]).unwrap(),
        auth_encrypted_content_info: EncryptedContentInfo {
            content_type: GM_DATA,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: SM4_GCM,
                parameters: Some(params),
            },
            encrypted_content: Some(OctetString::new(sealed).unwrap()),
        },
        auth_attrs: None,
        mac: OctetString::new(tag).unwrap(),
        unauth_attrs: None,
    };
    ContentInfo {
        content_type: ID_AUTH_ENVELOPED_DATA,
        content: Any::encode_from(&auth).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// Accepts every chain (the mixed-suite test crosses the two fixture PKIs).
pub struct AnyChain;

impl SignerTrust for AnyChain {
    fn verify_signer(&self, _: &Certificate, _: &[Certificate], _: u64) -> Result<(), PathError> {
        Ok(())
    }
}

/// fapiao's primitives with the given key encryption (and signature).
pub fn fapiao_primitives<'a>(
    encrypt_key: BytesFn<'a>,
    sign: Option<BytesFn<'a>>,
) -> Primitives<'a> {
    fn digest(data: &[u8]) -> Vec<u8> {
        fapiao::crypto::gm::sm3(data).to_vec()
    }
    fn sign_default(attrs: &[u8]) -> Vec<u8> {
        fapiao::pki::PrivateKeyDer::load(&gm("ecp-sign.key.pem"), None)
            .unwrap()
            .to_sm2()
            .unwrap()
            .sign(ID.as_bytes(), attrs)
            .unwrap()
    }
    fn cbc(k: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
        Sm4::new(k).cbc_encrypt(iv, data)
    }
    Primitives {
        digest: &digest,
        sign: sign.unwrap_or(&sign_default),
        encrypt_key,
        encrypt_content: &cbc,
    }
}
