//! OpenSSL 3's primitives as the other peer (its `cms` command cannot use
//! SM2 keys): fapiao's envelope taken apart and decrypted and verified with
//! `openssl pkeyutl` and `openssl enc`, and one assembled from them opened.

use std::process::Command;

use cms::content_info::CmsVersion;
use cms::enveloped_data::{EnvelopedData, RecipientIdentifier, RecipientInfo};
use cms::signed_data::SignedData;
use der::Encode;
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use fapiao::envelope;

use super::support::*;

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
