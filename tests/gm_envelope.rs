//! GM/T 0010-2012 (GB/T 35275) envelopes on the SM2 fixture PKI of
//! tests/data/gm (each party with a signing and an encryption certificate):
//! dual credentials end to end, the envelope taken apart and checked with
//! the OpenSSL 3 CLI's primitives (OpenSSL 3.0's `cms` cannot use SM2 keys),
//! one assembled from those primitives and opened, the identifiers other
//! toolkits write, the suite rule, the one failure for everything an SM4-CBC
//! envelope can hide, and SM4-GCM under the policy.
#![cfg(feature = "gm")]

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
use fapiao::crypto::gm::{Sm2PrivateKey, Sm2PublicKey, Sm4};
use fapiao::envelope::{
    self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage, SignerTrust,
};
use fapiao::pki::{Certificate, Credentials, PathPolicy, PathValidator, TrustStore};
use fapiao::{EnvelopeError, Error, PathError};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

/// 2027-06-01T00:00:00Z, inside the fixtures' validity.
const AT: u64 = 1_811_808_000;

const GM_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.1");
const GM_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.2");
const GM_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.3");
const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const ID_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
const ID_AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");
const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
const SM2_SIGN: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");
const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
const SM2_ENCRYPT: Oid = Oid::new_unwrap("1.2.156.10197.1.301.3");
const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");
const SM4_CFCA: Oid = Oid::new_unwrap("1.2.156.10197.1.104");
const SM4_GCM: Oid = Oid::new_unwrap("1.2.156.10197.1.104.8");
const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
const ATTR_CONTENT_IDENTIFIER: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.7");
const ID: &str = "1234567812345678";

fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

fn gm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gm")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&gm(name)).unwrap()
}

/// A party's signing pair, with the issuing CA in the chain.
fn signing(party: &str) -> Credentials {
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
fn dual(party: &str) -> Credentials {
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

fn roots() -> TrustStore {
    TrustStore::from_pem_or_der(&gm("root-ca.pem")).unwrap()
}

fn open_with(
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

fn open(envelope: &[u8], recipient: &Credentials) -> Result<envelope::OpenedEnvelope, Error> {
    open_with(envelope, recipient, EnvelopePolicy::default())
}

fn envelope_err(result: Result<envelope::OpenedEnvelope, Error>) -> EnvelopeError {
    match result {
        Err(Error::Envelope(e)) => e,
        Err(other) => panic!("expected an envelope error, got {other:?}"),
        Ok(_) => panic!("expected an error, the envelope opened"),
    }
}

fn assert_uniform(result: Result<envelope::OpenedEnvelope, Error>, what: &str) {
    let e = envelope_err(result);
    assert!(
        matches!(e, EnvelopeError::GmDecryptFailed),
        "{what}: expected the uniform GmDecryptFailed, got {e:?}"
    );
}

// ---------------------------------------------------------------------------
// Taking envelopes apart and assembling them, as another toolkit would.

fn content_info(der: &[u8]) -> ContentInfo {
    ContentInfo::from_der(der).unwrap()
}

fn issuer_and_serial(cert: &Certificate) -> IssuerAndSerialNumber {
    let tbs = cert.x509().tbs_certificate();
    IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    }
}

fn attribute(oid: Oid, value: Any) -> Attribute {
    Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).unwrap(),
    }
}

/// What a GM/T 0010 envelope is made of, and which identifiers it uses.
struct Build {
    payload: Vec<u8>,
    data_type: Oid,
    signed_type: Oid,
    enveloped_type: Oid,
    signature_algorithm: Oid,
    cipher: Oid,
    recipient_by_ski: bool,
}

impl Build {
    fn gm(payload: &[u8]) -> Self {
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

/// The primitives a peer assembles an envelope with.
struct Primitives<'a> {
    /// SM3 of the payload.
    digest: &'a dyn Fn(&[u8]) -> Vec<u8>,
    /// The SM2 signature over the DER signed attributes.
    sign: &'a dyn Fn(&[u8]) -> Vec<u8>,
    /// The SM2 encryption of the content key to the recipient.
    encrypt_key: &'a dyn Fn(&[u8]) -> Vec<u8>,
    /// SM4-CBC of the signed content under (key, iv).
    encrypt_content: &'a dyn Fn(&[u8; 16], &[u8; 16], &[u8]) -> Vec<u8>,
}

/// The signed attributes of the envelope (DER SET OF Attribute).
fn signed_attributes(build: &Build, digest: &[u8]) -> SetOfVec<Attribute> {
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

fn rand16() -> [u8; 16] {
    let mut out = [0u8; 16];
    provider().random.fill(&mut out).unwrap();
    out
}

/// The DER ContentInfo holding the SignedData of `signer_chain`'s leaf.
fn build_signed(build: &Build, signer_chain: &[Certificate], p: &Primitives<'_>) -> Vec<u8> {
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
fn build_enveloped(
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
fn build_with_fapiao(build: &Build) -> Vec<u8> {
    let key = Sm2PrivateKey::load(&gm("ecp-sign.key.pem"), None).unwrap();
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
fn openssl_dir(test: &str) -> Option<PathBuf> {
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
fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
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

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn openssl_primitives_open_what_fapiao_seals() {
    let Some(dir) = openssl_dir("fapiao_to_openssl") else {
        return;
    };
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let payload = b"{\"order\":\"GM/T 0010 to OpenSSL\"}";
    let sealed = envelope::seal(payload, &ecp, &[eisp.encryption_leaf()], AT, provider()).unwrap();

    // The envelope: GM/T 0010 envelopedData, one KeyTransRecipientInfo for
    // the service platform's encryption certificate, SM4-CBC.
    let outer = content_info(&sealed);
    assert_eq!(outer.content_type, GM_ENVELOPED_DATA);
    let enveloped: EnvelopedData = outer.content.decode_as().unwrap();
    assert_eq!(enveloped.version, CmsVersion::V0);
    let [RecipientInfo::Ktri(ktri)] = enveloped.recip_infos.0.as_slice() else {
        panic!("one KeyTransRecipientInfo expected");
    };
    assert_eq!(ktri.key_enc_alg.oid, SM2_ENCRYPT);
    assert_eq!(
        ktri.rid,
        RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(&cert("eisp-enc.pem")))
    );
    let eci = &enveloped.encrypted_content;
    assert_eq!(eci.content_type, GM_DATA);
    assert_eq!(eci.content_enc_alg.oid, SM4_CBC);
    let iv: OctetString = eci
        .content_enc_alg
        .parameters
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(iv.as_bytes().len(), 16);

    // The content key, by OpenSSL with the encryption key.
    write(&dir, "ek.bin", ktri.enc_key.as_bytes());
    openssl(
        &dir,
        &[
            "pkeyutl",
            "-decrypt",
            "-inkey",
            "eisp-enc.key.pem",
            "-in",
            "ek.bin",
            "-out",
            "cek.bin",
        ],
    );
    let cek = read(&dir, "cek.bin");
    assert_eq!(cek.len(), 16, "a 16-byte SM4 key");
    // The content, by OpenSSL's SM4-CBC.
    write(
        &dir,
        "ct.bin",
        eci.encrypted_content.as_ref().unwrap().as_bytes(),
    );
    openssl(
        &dir,
        &[
            "enc",
            "-d",
            "-sm4-cbc",
            "-K",
            &hex::encode(&cek),
            "-iv",
            &hex::encode(iv.as_bytes()),
            "-in",
            "ct.bin",
            "-out",
            "signed.der",
        ],
    );
    let inner = content_info(&read(&dir, "signed.der"));
    assert_eq!(inner.content_type, GM_SIGNED_DATA);
    let signed: SignedData = inner.content.decode_as().unwrap();
    assert_eq!(signed.digest_algorithms.as_slice()[0].oid, SM3);
    assert_eq!(signed.encap_content_info.econtent_type, GM_DATA);
    let econtent: OctetString = signed
        .encap_content_info
        .econtent
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(econtent.as_bytes(), payload);
    // The signer's certificate and its chain are included.
    assert_eq!(signed.certificates.as_ref().unwrap().0.len(), 2);
    let info = &signed.signer_infos.0.as_slice()[0];
    assert_eq!(info.digest_alg.oid, SM3);
    assert_eq!(info.signature_algorithm.oid, SM2_SIGN);
    assert!(info.signature_algorithm.parameters.is_none());
    let attrs = info.signed_attrs.as_ref().unwrap();
    let oids: Vec<Oid> = attrs.iter().map(|a| a.oid).collect();
    for expected in [
        ATTR_CONTENT_TYPE,
        ATTR_MESSAGE_DIGEST,
        ATTR_SIGNING_TIME,
        ATTR_CONTENT_IDENTIFIER,
    ] {
        assert!(
            oids.contains(&expected),
            "signed attribute {expected} missing"
        );
    }
    // messageDigest = OpenSSL's SM3 of the content.
    write(&dir, "payload.bin", payload);
    let sm3 = openssl(&dir, &["dgst", "-sm3", "-binary", "payload.bin"]);
    let digest = attrs.iter().find(|a| a.oid == ATTR_MESSAGE_DIGEST).unwrap();
    let digest: OctetString = digest.values.get(0).unwrap().decode_as().unwrap();
    assert_eq!(digest.as_bytes(), sm3.as_slice());
    // The SM2 signature over the DER SET OF signed attributes, with the ID.
    write(&dir, "attrs.der", &attrs.to_der().unwrap());
    write(&dir, "sig.bin", info.signature.as_bytes());
    let public = openssl(&dir, &["x509", "-in", "ecp-sign.pem", "-pubkey", "-noout"]);
    write(&dir, "ecp-sign.pub.pem", &public);
    let verify = |id: &str| {
        Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &format!("distid:{id}"),
                "-pubin",
                "-inkey",
                "ecp-sign.pub.pem",
                "-in",
                "attrs.der",
                "-sigfile",
                "sig.bin",
            ])
            .current_dir(&dir)
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(
        verify(ID),
        "OpenSSL verifies the SM2 signature under 1234567812345678"
    );
    assert!(!verify("another-id"), "and not under another ID");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fapiao_opens_what_openssl_primitives_build() {
    let Some(dir) = openssl_dir("openssl_to_fapiao") else {
        return;
    };
    let public = openssl(&dir, &["x509", "-in", "eisp-enc.pem", "-pubkey", "-noout"]);
    write(&dir, "eisp-enc.pub.pem", &public);
    let digest = |data: &[u8]| {
        write(&dir, "payload.bin", data);
        openssl(&dir, &["dgst", "-sm3", "-binary", "payload.bin"])
    };
    let sign = |attrs: &[u8]| {
        write(&dir, "attrs.der", attrs);
        openssl(
            &dir,
            &[
                "pkeyutl",
                "-sign",
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &format!("distid:{ID}"),
                "-inkey",
                "ecp-sign.key.pem",
                "-in",
                "attrs.der",
                "-out",
                "sig.bin",
            ],
        );
        read(&dir, "sig.bin")
    };
    let encrypt_key = |key: &[u8]| {
        write(&dir, "cek.bin", key);
        openssl(
            &dir,
            &[
                "pkeyutl",
                "-encrypt",
                "-pubin",
                "-inkey",
                "eisp-enc.pub.pem",
                "-in",
                "cek.bin",
                "-out",
                "ek.bin",
            ],
        );
        read(&dir, "ek.bin")
    };
    let encrypt_content = |key: &[u8; 16], iv: &[u8; 16], data: &[u8]| {
        write(&dir, "signed.der", data);
        openssl(
            &dir,
            &[
                "enc",
                "-sm4-cbc",
                "-K",
                &hex::encode(key),
                "-iv",
                &hex::encode(iv),
                "-in",
                "signed.der",
                "-out",
                "ct.bin",
            ],
        );
        read(&dir, "ct.bin")
    };
    let p = Primitives {
        digest: &digest,
        sign: &sign,
        encrypt_key: &encrypt_key,
        encrypt_content: &encrypt_content,
    };
    let build = Build::gm(b"{\"order\":\"OpenSSL to GM/T 0010\"}");
    let signed = build_signed(&build, signing("ecp").chain(), &p);
    let sealed = build_enveloped(&build, &signed, &cert("eisp-enc.pem"), &p);
    std::fs::remove_dir_all(&dir).unwrap();

    let opened = open(&sealed, &dual("eisp")).unwrap();
    assert_eq!(opened.payload, build.payload);
    assert_eq!(opened.signers.len(), 1);
    assert_eq!(
        opened.signers[0].spki_fingerprint,
        signing("ecp").leaf().spki_fingerprint()
    );
    assert!(opened.signers[0].message_id.is_some());
}

// ---------------------------------------------------------------------------
// fapiao both ends.

#[test]
fn dual_credentials_round_trip() {
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    assert!(eisp.is_dual());
    assert_eq!(eisp.encryption_leaf().der(), cert("eisp-enc.pem").der());
    assert_eq!(eisp.leaf().der(), cert("eisp-sign.pem").der());
    let sealed = envelope::seal_addressed(
        b"invoice request",
        &ecp,
        fapiao::PartyRole::CloudPlatform,
        eisp.encryption_leaf(),
        AT,
        provider(),
    )
    .unwrap();
    assert_eq!(content_info(&sealed).content_type, GM_ENVELOPED_DATA);

    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&eisp, &validator, &replay, provider());
    let opened = opener.open(&sealed, AT).unwrap();
    assert_eq!(opened.payload, b"invoice request");
    // Signed with the signing certificate, addressed to the encryption one.
    assert_eq!(
        opened.signers[0].spki_fingerprint,
        ecp.leaf().spki_fingerprint()
    );
    assert_eq!(
        opened.signers[0].addressing.as_ref().unwrap().recipient_key,
        eisp.encryption_leaf().spki_fingerprint()
    );
    // The same envelope again is a replay.
    assert!(matches!(
        opener.open(&sealed, AT),
        Err(Error::Envelope(EnvelopeError::Replay { .. }))
    ));

    // The signing pair alone is not the recipient.
    assert!(matches!(
        envelope_err(open(&sealed, &signing("eisp"))),
        EnvelopeError::NotForUs
    ));
    // The encryption pair is matched by its certificate, not by the party.
    assert!(matches!(
        envelope_err(open(&sealed, &dual("enterprise"))),
        EnvelopeError::NotForUs
    ));
}

#[test]
fn a_single_certificate_party_keeps_working() {
    // RSA credentials with one pair: the pair does both, as before.
    let read = |n: &str| {
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(n),
        )
        .unwrap()
    };
    let ecp = Credentials::from_pem(
        &read("ecp-rsa.pem"),
        &read("ecp-rsa.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let eisp = Credentials::from_pem(
        &read("eisp-p256.pem"),
        &read("eisp-p256.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    assert!(!eisp.is_dual());
    assert_eq!(eisp.encryption_leaf().der(), eisp.leaf().der());
    let sealed = envelope::seal(b"x", &ecp, &[eisp.leaf()], AT, provider()).unwrap();
    assert_eq!(content_info(&sealed).content_type, ID_AUTH_ENVELOPED_DATA);
    let replay = MemoryReplayGuard::new();
    let opened = Opener::new(&eisp, &AnyChain, &replay, provider())
        .open(&sealed, AT)
        .unwrap();
    assert_eq!(opened.payload, b"x");
}

#[test]
fn the_identifiers_other_toolkits_write_are_read() {
    let eisp = dual("eisp");
    // CFCA's bare SM4 arc, SM2-with-SM3 as the signature algorithm, PKCS#7
    // content types, the recipient by subjectKeyIdentifier: each alone and
    // all together.
    let variants: [(&str, fn(&mut Build)); 5] = [
        ("SM4 1.2.156.10197.1.104", |b| b.cipher = SM4_CFCA),
        ("SM2-with-SM3 1.2.156.10197.1.501", |b| {
            b.signature_algorithm = SM2_WITH_SM3
        }),
        ("PKCS#7 content types", |b| {
            b.data_type = ID_DATA;
            b.signed_type = ID_SIGNED_DATA;
            b.enveloped_type = ID_ENVELOPED_DATA;
        }),
        ("subjectKeyIdentifier", |b| b.recipient_by_ski = true),
        ("all of them", |b| {
            b.cipher = SM4_CFCA;
            b.signature_algorithm = SM2_WITH_SM3;
            b.data_type = ID_DATA;
            b.signed_type = ID_SIGNED_DATA;
            b.enveloped_type = ID_ENVELOPED_DATA;
            b.recipient_by_ski = true;
        }),
    ];
    for (what, change) in variants {
        let mut build = Build::gm(what.as_bytes());
        change(&mut build);
        let opened =
            open(&build_with_fapiao(&build), &eisp).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(opened.payload, what.as_bytes());
    }
}

#[test]
fn sm4_gcm_round_trip_under_the_policy() {
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let gcm = EnvelopePolicy {
        sm4_gcm: true,
        ..EnvelopePolicy::default()
    };
    let sealed = envelope::seal_with_policy(
        b"gcm",
        &ecp,
        None,
        &[eisp.encryption_leaf()],
        AT,
        &gcm,
        provider(),
    )
    .unwrap();
    let outer = content_info(&sealed);
    assert_eq!(outer.content_type, ID_AUTH_ENVELOPED_DATA);
    let auth: cms::authenveloped_data::AuthEnvelopedData = outer.content.decode_as().unwrap();
    assert_eq!(
        auth.auth_encrypted_content_info.content_enc_alg.oid,
        SM4_GCM
    );
    assert_eq!(auth.mac.as_bytes().len(), 16);
    assert_eq!(
        open_with(&sealed, &eisp, gcm.clone()).unwrap().payload,
        b"gcm"
    );

    // An opener without the policy refuses SM4-GCM; one with it refuses SM4-CBC.
    assert!(matches!(
        envelope_err(open(&sealed, &eisp)),
        EnvelopeError::UnsupportedAlgorithm { .. }
    ));
    let cbc = envelope::seal(b"cbc", &ecp, &[eisp.encryption_leaf()], AT, provider()).unwrap();
    assert!(matches!(
        envelope_err(open_with(&cbc, &eisp, gcm.clone())),
        EnvelopeError::UnsupportedAlgorithm { .. }
    ));

    // A tampered GCM envelope fails its tag, as AES-GCM does.
    let mut bad = sealed.clone();
    let at = bad.len() - 40;
    bad[at] ^= 1;
    assert!(matches!(
        envelope_err(open_with(&bad, &eisp, gcm)),
        EnvelopeError::TagMismatch
    ));
}

#[test]
fn mixed_suites_are_refused() {
    let read = |n: &str| {
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(n),
        )
        .unwrap()
    };
    let rsa = Credentials::from_pem(
        &read("eisp-rsa.pem"),
        &read("eisp-rsa.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let p256 = Credentials::from_pem(
        &read("ecp-p256.pem"),
        &read("ecp-p256.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let mixed = |r: Result<Vec<u8>, Error>| {
        matches!(r, Err(Error::Envelope(EnvelopeError::MixedSuites { .. })))
    };
    // An SM2 signer to an RSA recipient; a P-256 signer to an SM2 recipient;
    // an SM2 recipient beside an RSA one.
    assert!(mixed(envelope::seal(
        b"x",
        &ecp,
        &[rsa.leaf()],
        AT,
        provider()
    )));
    assert!(mixed(envelope::seal(
        b"x",
        &p256,
        &[eisp.encryption_leaf()],
        AT,
        provider()
    )));
    assert!(mixed(envelope::seal(
        b"x",
        &ecp,
        &[eisp.encryption_leaf(), rsa.leaf()],
        AT,
        provider()
    )));
    // A P-256 countersignature on an SM2 SignedData.
    let mut signed = SignedMessage::sign(b"x", &ecp, AT, provider()).unwrap();
    assert!(matches!(
        signed.add_signer(&p256, AT, provider()),
        Err(Error::Envelope(EnvelopeError::MixedSuites { .. }))
    ));
    // An SM2 SignedData encrypted to an RSA recipient.
    assert!(mixed(envelope::encrypt(&signed, &[rsa.leaf()], provider())));

    // Opening: SM4-GCM content (authenticated, so the detail is given)
    // signed by a P-256 signer.
    let gcm = EnvelopePolicy {
        sm4_gcm: true,
        ..EnvelopePolicy::default()
    };
    let p256_signed = SignedMessage::sign(b"x", &p256, AT, provider()).unwrap();
    let sealed = gm_gcm_envelope_of(&p256_signed, eisp.encryption_leaf());
    let replay = MemoryReplayGuard::new();
    let err = Opener::new(&eisp, &AnyChain, &replay, provider())
        .with_policy(gcm)
        .open(&sealed, AT)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::MixedSuites { .. })),
        "{err:?}"
    );
}

/// An AuthEnvelopedData with SM4-GCM for `to` around any SignedData,
/// assembled here (fapiao refuses to write one around a non-SM2 signer).
fn gm_gcm_envelope_of(signed: &SignedMessage, to: &Certificate) -> Vec<u8> {
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
struct AnyChain;

impl SignerTrust for AnyChain {
    fn verify_signer(&self, _: &Certificate, _: &[Certificate], _: u64) -> Result<(), PathError> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The one failure.

#[test]
fn every_failure_of_an_sm4_cbc_envelope_is_the_same() {
    let eisp = dual("eisp");
    let build = Build::gm(b"the one failure");
    let good = build_with_fapiao(&build);
    assert!(open(&good, &eisp).is_ok());

    // The content key encrypted to another key (the cloud platform's
    // encryption key) under the service platform's name.
    {
        let wrong = cert("ecp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(wrong.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let p = fapiao_primitives(&encrypt_key, None);
        let signed = build_signed(&build, signing("ecp").chain(), &p);
        let sealed = build_enveloped(&build, &signed, &cert("eisp-enc.pem"), &p);
        assert_uniform(open(&sealed, &eisp), "a wrong encryption key");
    }

    // A tampered ciphertext: a byte of the content flipped (it ends the envelope).
    for back in [1, 17, 40, 200] {
        let sealed = envelope::seal(
            b"tamper",
            &dual("ecp"),
            &[eisp.encryption_leaf()],
            AT,
            provider(),
        )
        .unwrap();
        let mut bad = sealed.clone();
        let at = bad.len() - back;
        bad[at] ^= 0x01;
        assert_uniform(open(&bad, &eisp), "a tampered ciphertext");
    }

    // A bad signature: made over other attributes.
    {
        let key = Sm2PrivateKey::load(&gm("ecp-sign.key.pem"), None).unwrap();
        let sign = |attrs: &[u8]| {
            let mut other = attrs.to_vec();
            let last = other.len() - 1;
            other[last] ^= 1;
            key.sign(ID.as_bytes(), &other).unwrap()
        };
        let to = cert("eisp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(to.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let p = fapiao_primitives(&encrypt_key, Some(&sign));
        let signed = build_signed(&build, signing("ecp").chain(), &p);
        let sealed = build_enveloped(&build, &signed, &to, &p);
        assert_uniform(open(&sealed, &eisp), "a bad signature");
    }

    // A bad padding around content that is otherwise perfect: the DER and
    // the signature verify, and only the padding's verdict, consulted last,
    // refuses it.
    {
        let to = cert("eisp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(to.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let mut p = fapiao_primitives(&encrypt_key, None);
        let bad_padding = |k: &[u8; 16], iv: &[u8; 16], data: &[u8]| {
            // n bytes of "padding" whose last byte says n but whose first
            // does not; then a whole block of good padding, dropped.
            let mut n = 16 - data.len() % 16;
            if n == 1 {
                n = 17;
            }
            assert!(
                n <= 16,
                "the test's payload length gives a padding of 2..=16"
            );
            let mut padded = data.to_vec();
            padded.push(0);
            padded.extend(std::iter::repeat_n(n as u8, n - 1));
            let mut ct = Sm4::new(k).cbc_encrypt(iv, &padded);
            ct.truncate(padded.len());
            ct
        };
        p.encrypt_content = &bad_padding;
        // Find a payload length that gives a signed content whose padding is 2..=16.
        let mut tested = false;
        for extra in 0..16 {
            let mut build = Build::gm(&vec![b'p'; 20 + extra]);
            build.payload.push(b'!');
            let signed = build_signed(&build, signing("ecp").chain(), &p);
            if 16 - signed.len() % 16 == 1 {
                continue;
            }
            let sealed = build_enveloped(&build, &signed, &to, &p);
            assert_uniform(open(&sealed, &eisp), "a bad padding");
            // The same content with good padding opens: only the padding differed.
            let mut good = fapiao_primitives(&encrypt_key, None);
            let cbc = |k: &[u8; 16], iv: &[u8; 16], data: &[u8]| Sm4::new(k).cbc_encrypt(iv, data);
            good.encrypt_content = &cbc;
            let sealed = build_enveloped(&build, &signed, &to, &good);
            assert!(open(&sealed, &eisp).is_ok());
            tested = true;
            break;
        }
        assert!(tested, "a payload length with a padding of 2..=16");
    }

    // The decryption tool's answer for bad padding is the same error.
    let tampered = {
        let mut bad = good.clone();
        let at = bad.len() - 1;
        bad[at] ^= 0x55;
        bad
    };
    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    match Opener::new(&eisp, &validator, &replay, provider()).decrypt(&tampered) {
        Err(Error::Envelope(EnvelopeError::GmDecryptFailed)) => {}
        other => panic!("expected GmDecryptFailed, got {other:?}"),
    }
}

/// fapiao's primitives with the given key encryption (and signature).
fn fapiao_primitives<'a>(
    encrypt_key: &'a dyn Fn(&[u8]) -> Vec<u8>,
    sign: Option<&'a dyn Fn(&[u8]) -> Vec<u8>>,
) -> Primitives<'a> {
    fn digest(data: &[u8]) -> Vec<u8> {
        fapiao::crypto::gm::sm3(data).to_vec()
    }
    fn sign_default(attrs: &[u8]) -> Vec<u8> {
        Sm2PrivateKey::load(&gm("ecp-sign.key.pem"), None)
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

#[test]
fn the_signers_id_is_checked() {
    let eisp = dual("eisp");
    let ecp = dual("ecp").with_sm2_id("another-id");
    let sealed = envelope::seal(b"id", &ecp, &[eisp.encryption_leaf()], AT, provider()).unwrap();
    // Under the default ID the signature does not verify: the one failure.
    assert_uniform(open(&sealed, &eisp), "the signer's wrong ID");
    // The detail, for an operator: decrypt, then verify.
    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&eisp, &validator, &replay, provider());
    let signed = opener.decrypt(&sealed).unwrap();
    let err = signed
        .verify(&validator, &EnvelopePolicy::default(), AT, provider())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SignatureInvalid { signer: 0 })
        ),
        "{err:?}"
    );
    // A trust configuration that names the signer's ID opens it.
    let policy = PathPolicy::default().with_sm2_id(ecp.leaf().spki_fingerprint(), "another-id");
    let validator = PathValidator::new(&roots, policy);
    let opened = Opener::new(&eisp, &validator, &replay, provider())
        .open(&sealed, AT)
        .unwrap();
    assert_eq!(opened.payload, b"id");
}
