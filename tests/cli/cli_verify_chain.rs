//! `fapiao_cli verify-chain` end to end: runs the built example binary on the
//! fixture PKI (built once by the test, `tests/example_build`).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

#[path = "../example_build/mod.rs"]
mod example_build;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Builds `examples/fapiao_cli` (once) and returns the executable's path.
pub(crate) fn cli() -> &'static PathBuf {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let mut built = example_build::build_examples(&["fapiao_cli"]);
        built.remove(0)
    })
}

fn run(args: &[&str]) -> Output {
    Command::new(cli())
        .args(args)
        .current_dir(data_dir())
        .output()
        .expect("run fapiao_cli")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const AT: &str = "2027-06-01T00:00:00Z";

#[test]
fn valid_leaf_exits_0_and_prints_the_path() {
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.pem",
        "--chain",
        "issuing-ca.pem",
        "--at",
        AT,
        "--purpose",
        "sign",
        "--cert",
        "ecp-rsa.pem",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("valid for signing at 2027-06-01T00:00:00Z"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0: leaf: CN=Fapiao Cloud Platform"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1: intermediate: CN=Fapiao Test Issuing CA"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2: trust anchor: CN=Fapiao Test Root CA"),
        "{stdout}"
    );
    assert!(stdout.contains("spki-sha256: "), "{stdout}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn encryption_purpose_and_crls_are_applied() {
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.der",
        "--chain",
        "issuing-ca.pem",
        "--crl",
        "crl/issuing-ca.crl.pem",
        "--at",
        "2027-06-01T08:00:00+08:00",
        "--purpose",
        "encrypt",
        "--cert",
        "ecp-p256.pem",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.pem",
        "--chain",
        "faulty/revoked.chain.pem",
        "--crl",
        "crl/issuing-ca.crl.pem",
        "--at",
        AT,
        "--cert",
        "faulty/revoked.pem",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("revoked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn expired_leaf_exits_1_with_one_line() {
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.pem",
        "--chain",
        "faulty/expired.chain.pem",
        "--at",
        AT,
        "--cert",
        "faulty/expired.pem",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("expired at 2021-01-01T00:00:00Z"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn missing_file_exits_2() {
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.pem",
        "--at",
        AT,
        "--cert",
        "no-such-leaf.pem",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read no-such-leaf.pem"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["verify-chain", "--cert", "ecp-rsa.pem"][..],
        &["verify-chain", "--trust", "root-ca.pem"],
        &[
            "verify-chain",
            "--trust",
            "root-ca.pem",
            "--cert",
            "ecp-rsa.pem",
            "--purpose",
            "x",
        ],
        &[
            "verify-chain",
            "--trust",
            "root-ca.pem",
            "--cert",
            "ecp-rsa.pem",
            "--at",
            "tomorrow",
        ],
        &[
            "verify-chain",
            "--trust",
            "root-ca.pem",
            "--cert",
            "ecp-rsa.pem",
            "--bogus",
        ],
        &["verify-chain", "--trust"],
        &["no-such-command"],
        &[],
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // A file that is not a certificate is unreadable input, not an invalid path.
    let out = run(&[
        "verify-chain",
        "--trust",
        "root-ca.pem",
        "--cert",
        "expect.txt",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run(&["verify-chain", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("usage: fapiao_cli verify-chain"));
}

/// The SM2 fixture PKI (tests/data/gm): a signing certificate validates for
/// signing, the encryption certificate for encryption, the revoked one is
/// refused by the SM2-signed CRL, and OpenSSL 3.0's empty-ID signature is
/// named as such.
#[cfg(feature = "gm")]
#[test]
fn sm2_chains() {
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify-chain",
            "--trust",
            "gm/root-ca.pem",
            "--chain",
            "gm/issuing-ca.pem",
            "--at",
            AT,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = verify(&["--purpose", "sign", "--cert", "gm/enterprise-sign.pem"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.contains("2: trust anchor: CN=Fapiao Test SM2 Root CA"),
        "{stdout}"
    );
    let out = verify(&["--purpose", "encrypt", "--cert", "gm/ecp-enc.pem"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = verify(&["--purpose", "encrypt", "--cert", "gm/ecp-sign.pem"]);
    assert_eq!(out.status.code(), Some(1));
    let out = verify(&[
        "--crl",
        "gm/crl/issuing-ca.crl.pem",
        "--cert",
        "gm/faulty/revoked.pem",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("revoked"),
        "{}",
        text(&out.stderr)
    );
    let out = verify(&["--cert", "gm/faulty/empty-id.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("empty SM2 distinguishing ID, not 1234567812345678"),
        "{}",
        text(&out.stderr)
    );
}
