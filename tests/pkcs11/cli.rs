//! `fapiao_cli seal` and `open` with `pkcs11:` key URIs (run in-process, the
//! command modules compiled into this test): a token-signed envelope that
//! `openssl cms` decrypts and verifies, one opened with the token's ECDH key,
//! the PIN from a file or `FAPIAO_PKCS11_PIN`, the module from
//! `--pkcs11-module` or `FAPIAO_PKCS11_MODULE`, and the refusals.

#[path = "../../examples/fapiao_cli/open.rs"]
#[allow(dead_code)]
pub(crate) mod open;
#[path = "../../examples/fapiao_cli/seal.rs"]
#[allow(dead_code)]
pub(crate) mod seal;

use std::path::{Path, PathBuf};

use crate::common::data_path;
use crate::common::openssl::{cms_decrypt, cms_verify, scratch};
use crate::{DIR, MODULE, PIN, TOKEN, payload};

type Run = fn(&[String], &mut dyn std::io::Write, &mut dyn std::io::Write) -> u8;

fn run(command: Run, args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = command(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// A file holding the user PIN, as an operator keeps it.
fn pin_file() -> PathBuf {
    let path = scratch(DIR, "cli-pin");
    std::fs::write(&path, [PIN, b"\n"].concat()).unwrap();
    path
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn seal_with(key: &str, cert: &str, to: &str, extra: &[&str]) -> (u8, String, PathBuf) {
    let input = scratch(DIR, "cli-payload");
    std::fs::write(&input, payload()).unwrap();
    let envelope = scratch(DIR, "cli-envelope.der");
    let (cert, chain, to) = (
        data_path(&format!("{cert}.pem")),
        data_path("issuing-ca.pem"),
        data_path(&format!("{to}.pem")),
    );
    let mut args = vec![
        "--cert", &cert, "--key", key, "--chain", &chain, "--to", &to, "--in",
    ];
    args.extend([path(&input), "--out", path(&envelope)]);
    args.extend(extra);
    let (code, _, err) = run(seal::run, &args);
    (code, err, envelope)
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_cli_seals_with_a_token_key_that_openssl_verifies() {
    let pin = pin_file();
    for (name, selector, receiver) in [
        ("eisp-p256", "object=eisp-p256", "ecp-p256"),
        ("eisp-rsa", "id=%02", "ecp-rsa"),
    ] {
        let key = format!(
            "pkcs11:token={TOKEN};{selector}?pin-source=file:{}",
            pin.display()
        );
        let (code, err, envelope) = seal_with(&key, name, receiver, &["--pkcs11-module", MODULE]);
        assert_eq!(code, 0, "{name}: {err}");
        let signed = scratch(DIR, "cli-signed.der");
        let out = scratch(DIR, "cli-opened");
        cms_decrypt(&envelope, receiver, &signed);
        cms_verify(&signed, &out);
        assert_eq!(std::fs::read(&out).unwrap(), payload(), "{name}");
    }
}

#[test]
#[ignore = "run by softhsm2_suite with FAPIAO_PKCS11_PIN set"]
fn env_pin_cli_seals_with_the_pin_from_the_environment() {
    crate::token_dir();
    assert!(std::env::var_os("FAPIAO_PKCS11_PIN").is_some());
    let key = format!("pkcs11:token={TOKEN};object=eisp-p256");
    let (code, err, envelope) = seal_with(&key, "eisp-p256", "ecp-p256", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(std::str::from_utf8(PIN).unwrap()), "{err}");
    let (signed, out) = (
        scratch(DIR, "cli-env-signed.der"),
        scratch(DIR, "cli-env-opened"),
    );
    cms_decrypt(&envelope, "ecp-p256", &signed);
    cms_verify(&signed, &out);
    assert_eq!(std::fs::read(&out).unwrap(), payload());
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_cli_opens_with_the_token_ecdh_key() {
    // Sealed by software to the token key's certificate.
    let software_key = data_path("ecp-p256.key.pem");
    let (code, err, envelope) = seal_with(&software_key, "ecp-p256", "eisp-p256", &[]);
    assert_eq!(code, 0, "{err}");
    let opened = scratch(DIR, "cli-opened-ecdh");
    let pin = pin_file();
    // The module from FAPIAO_PKCS11_MODULE (set for this process by the suite).
    assert_eq!(std::env::var("FAPIAO_PKCS11_MODULE").as_deref(), Ok(MODULE));
    let key = format!(
        "pkcs11:token={TOKEN};object=eisp-p256;type=private?pin-source=file://{}",
        pin.display()
    );
    let (cert, trust, chain) = (
        data_path("eisp-p256.pem"),
        data_path("root-ca.pem"),
        data_path("issuing-ca.pem"),
    );
    let (code, out, err) = run(
        open::run,
        &[
            "--cert",
            &cert,
            "--key",
            &key,
            "--trust",
            &trust,
            "--chain",
            &chain,
            "--in",
            path(&envelope),
            "--out",
            path(&opened),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("opened"), "{out}");
    assert!(err.contains("signer 0"), "{err}");
    assert_eq!(std::fs::read(&opened).unwrap(), payload());
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_cli_refuses_what_it_cannot_use() {
    let pin = pin_file();
    for (key, expected) in [
        (
            format!("pkcs11:token={TOKEN};object=eisp-p256?pin-value=8D7rq2-user"),
            "shell history",
        ),
        (format!("pkcs11:token={TOKEN}"), "does not name the key"),
        (
            format!("pkcs11:token={TOKEN};object=eisp-p256;serial=1"),
            "not supported",
        ),
        (
            format!(
                "pkcs11:token={TOKEN};object=nobody?pin-source=file:{}",
                pin.display()
            ),
            "no private key label \"nobody\"",
        ),
        (
            format!(
                "pkcs11:token=no-such-token;object=eisp-p256?pin-source=file:{}",
                pin.display()
            ),
            "no token labelled",
        ),
        (
            format!("pkcs11:token={TOKEN};object=eisp-p256"),
            "FAPIAO_PKCS11_PIN",
        ),
    ] {
        let (code, err, _) = seal_with(&key, "eisp-p256", "ecp-p256", &[]);
        // Usage errors and unusable input: exit code 2, the usage line after.
        assert_eq!(code, 2, "{key}: {err}");
        assert!(err.contains(expected), "{key}: {err}");
        assert!(err.contains("usage:"), "{err}");
        assert!(!err.contains("8D7rq2"), "the PIN is never echoed: {err}");
    }
    // The token's certificate with another key of the token.
    let key = format!(
        "pkcs11:token={TOKEN};object=ecp-p256?pin-source=file:{}",
        pin.display()
    );
    let (code, err, _) = seal_with(&key, "eisp-p256", "ecp-p256", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not match"), "{err}");
}
