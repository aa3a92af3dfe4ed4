//! Driving the `openssl` command for the interoperability tests: signing and
//! encrypting with `openssl cms` as a peer of ours would, and decrypting and
//! verifying what we write.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::data_path;

/// The current time: OpenSSL signs with it.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A new scratch file path ending in `name`, in the test's folder `dir` under
/// the target's temporary directory: unique to this call, so that tests running
/// in parallel threads never share (or delete) one another's files.
pub fn scratch(dir: &str, name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}

/// Runs `openssl ARGS`, failing the test with its error output if it fails.
pub fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `openssl cms -sign` of the file `input` by the fixture `sender`, with the
/// issuing CA's certificate, into the DER file `out`.
pub fn cms_sign(sender: &str, input: &Path, out: &Path) {
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-in",
        input.to_str().unwrap(),
        "-signer",
        &data_path(&format!("{sender}.pem")),
        "-inkey",
        &data_path(&format!("{sender}.key.pem")),
        "-certfile",
        &data_path("issuing-ca.pem"),
        "-outform",
        "DER",
        "-out",
        out.to_str().unwrap(),
    ]);
}

/// The recipient options that make OpenSSL use the key transport and key
/// agreement we read: RSA-OAEP with SHA-256 for an RSA `receiver`, ECDH with
/// the SHA-256 KDF for an EC one.
pub fn our_recipient_options(receiver: &str) -> &'static [&'static str] {
    if receiver.ends_with("rsa") {
        &[
            "rsa_padding_mode:oaep",
            "rsa_oaep_md:sha256",
            "rsa_mgf1_md:sha256",
        ]
    } else {
        &["ecdh_kdf_md:sha256"]
    }
}

/// `openssl cms -encrypt -<cipher>` of the file `input` to the fixture
/// `receiver` with the recipient options `keyopts`, into the DER file `out`.
pub fn cms_encrypt(cipher: &str, input: &Path, receiver: &str, keyopts: &[&str], out: &Path) {
    let recip = data_path(&format!("{receiver}.pem"));
    let cipher = format!("-{cipher}");
    let mut args = vec![
        "cms",
        "-encrypt",
        "-binary",
        &cipher,
        "-in",
        input.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        out.to_str().unwrap(),
        "-recip",
        &recip,
    ];
    for opt in keyopts {
        args.push("-keyopt");
        args.push(opt);
    }
    openssl(&args);
}

/// `openssl cms -decrypt` of the DER envelope `input` with the fixture
/// `receiver`'s certificate and key, writing what it holds (our SignedData) to
/// `out`.
pub fn cms_decrypt(input: &Path, receiver: &str, out: &Path) {
    openssl(&[
        "cms",
        "-decrypt",
        "-binary",
        "-inform",
        "DER",
        "-in",
        input.to_str().unwrap(),
        "-recip",
        &data_path(&format!("{receiver}.pem")),
        "-inkey",
        &data_path(&format!("{receiver}.key.pem")),
        "-out",
        out.to_str().unwrap(),
    ]);
}

/// `openssl cms -verify` of the DER SignedData `input` against the fixture
/// root CA, writing the signed content to `out`.
pub fn cms_verify(input: &Path, out: &Path) {
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        input.to_str().unwrap(),
        "-CAfile",
        &data_path("root-ca.pem"),
        "-out",
        out.to_str().unwrap(),
    ]);
}
