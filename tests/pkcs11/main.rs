//! Private keys on a PKCS#11 token (SoftHSM2), one file per concept:
//! envelopes sealed and opened with token keys, OpenSSL reading them, the
//! typed failures and the session pool (`envelope`); RFC 7512 URIs
//! (`token_uri`); the command line with `pkcs11:` keys (`cli`); both
//! platforms on token keys through the whole method (`platform`); the main
//! example on a token (`example`); the C API's constructor (`ffi_token`);
//! lost logins and removed tokens (`robustness`).
//!
//! SoftHSM2 reads its configuration (`SOFTHSM2_CONF`) when the module is
//! initialised, once per process. So `softhsm2_suite` builds the tokens in a
//! temporary directory and runs this binary again with `SOFTHSM2_CONF`
//! pointing there; the child runs the `#[ignore]`d `token_*` tests.
#![cfg(feature = "pkcs11")]

#[path = "../../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "../common/mod.rs"]
mod common;
#[path = "../ffi_support/mod.rs"]
mod ffi_support;

mod cli;
mod envelope;
mod example;
mod ffi_token;
mod platform;
mod robustness;
mod token_uri;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::openssl::{now, scratch};
use common::*;
use fapiao::crypto::PrivateKey;
use fapiao::crypto::pkcs11::{KeyLookup, TokenModule};
use fapiao::envelope::{self as envelope_api, MemoryReplayGuard, Opener};
use fapiao::pki::Credentials;
use fapiao::{CryptoProvider, Error};

/// Where Debian's softhsm2 package puts the module.
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The token with the keys.
const TOKEN: &str = "fapiao-keys";
/// A second token, for the wrong-PIN test (the login state is per token and
/// per process: a wrong PIN on a token already logged in is not checked). No
/// label is a prefix of another: pkcs11-tool's `--token-label` matches
/// prefixes.
const PIN_TOKEN: &str = "pin-check";
/// A token whose login the robustness test takes away.
const RELOGIN_TOKEN: &str = "relogin";
/// A token whose sessions the robustness test closes.
const REOPEN_TOKEN: &str = "reopen";
/// A token the robustness tests delete while its key is in use.
const REMOVABLE_TOKEN: &str = "removable";
/// A token the C API's removal test deletes.
const REMOVABLE_FFI_TOKEN: &str = "gone-ffi";
const PIN: &[u8] = b"8D7rq2-user";
const SO_PIN: &str = "so-2f9e1b";
/// Set in the child: the token directory the parent built.
const CHILD_MARKER: &str = "FAPIAO_PKCS11_FIXTURE";
const DIR: &str = "pkcs11";

/// The fixture keys put on each token: name (label and file), id, usages.
type Keys = &'static [(&'static str, &'static str, &'static [&'static str])];
const TOKENS: &[(&str, Keys)] = &[
    (
        TOKEN,
        &[
            ("eisp-p256", "01", &["--usage-sign", "--usage-derive"]),
            ("eisp-rsa", "02", &["--usage-sign", "--usage-decrypt"]),
            ("ecp-p256", "03", &["--usage-sign", "--usage-derive"]),
            ("ecp-p384", "04", &["--usage-sign"]),
        ],
    ),
    (PIN_TOKEN, &[]),
    (
        RELOGIN_TOKEN,
        &[("eisp-p256", "01", &["--usage-sign", "--usage-derive"])],
    ),
    (
        REOPEN_TOKEN,
        &[("eisp-p256", "01", &["--usage-sign", "--usage-derive"])],
    ),
    (
        REMOVABLE_TOKEN,
        &[("ecp-p256", "01", &["--usage-sign", "--usage-derive"])],
    ),
    (
        REMOVABLE_FFI_TOKEN,
        &[("ecp-p256", "01", &["--usage-sign", "--usage-derive"])],
    ),
];

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--help")
        .output()
        .map(|_| true)
        .unwrap_or(false)
}

fn run(command: &mut Command) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the tokens in `dir` and imports the fixture keys (sensitive, with
/// their public keys) with pkcs11-tool.
fn build_tokens(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let pin = std::str::from_utf8(PIN).unwrap();
    for (label, keys) in TOKENS {
        run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", pin, "--so-pin", SO_PIN]));
        for (name, id, usages) in *keys {
            let private = dir.join(format!("{name}.key.der"));
            let public = dir.join(format!("{name}.pub.der"));
            let key = data_path(&format!("{name}.key.pem"));
            run(Command::new("openssl")
                .args(["pkey", "-in", &key, "-outform", "DER", "-out"])
                .arg(&private));
            run(Command::new("openssl")
                .args(["pkey", "-in", &key, "-pubout", "-outform", "DER", "-out"])
                .arg(&public));
            for (file, kind, extra) in [
                (&private, "privkey", &["--sensitive", "--private"][..]),
                (&public, "pubkey", &[][..]),
            ] {
                run(Command::new("pkcs11-tool")
                    .env("SOFTHSM2_CONF", &conf)
                    .args(["--module", MODULE, "--token-label", label])
                    .args(["--login", "--pin", pin])
                    .arg("--write-object")
                    .arg(file)
                    .args(["--type", kind, "--label", name, "--id", id])
                    .args(*usages)
                    .args(extra));
            }
            std::fs::remove_file(&private).unwrap();
        }
    }
    conf
}

/// Builds the tokens and runs the `token_*` tests in a child process whose
/// `SOFTHSM2_CONF` points at them (and whose `FAPIAO_PKCS11_MODULE` names the
/// module, as an operator would set it for the command line).
#[test]
fn softhsm2_suite() {
    let missing: Vec<&str> = ["softhsm2-util", "pkcs11-tool", "openssl"]
        .into_iter()
        .filter(|t| !tool(t))
        .collect();
    assert!(
        missing.is_empty() && Path::new(MODULE).exists(),
        "the PKCS#11 tests need SoftHSM2 and OpenSC ({missing:?} missing, module {MODULE}): \
         apt-get install -y softhsm2 opensc"
    );
    let dir = scratch(DIR, "softhsm2");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conf = build_tokens(&dir);
    let status = Command::new(std::env::current_exe().unwrap())
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_MARKER, &dir)
        .env("FAPIAO_PKCS11_MODULE", MODULE)
        .env_remove("FAPIAO_PKCS11_PIN")
        .args(["--ignored", "--test-threads", "4", "token_"])
        .status()
        .unwrap();
    // Once more with the PIN in FAPIAO_PKCS11_PIN, as an operator sets it for
    // the command line instead of a pin-source file.
    let pin = std::str::from_utf8(PIN).unwrap();
    let env_status = Command::new(std::env::current_exe().unwrap())
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_MARKER, &dir)
        .env("FAPIAO_PKCS11_MODULE", MODULE)
        .env("FAPIAO_PKCS11_PIN", pin)
        .args(["--ignored", "env_pin_"])
        .status()
        .unwrap();
    assert!(env_status.success(), "the FAPIAO_PKCS11_PIN test failed");
    if status.success() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(status.success(), "the token tests failed: {status}");
}

/// The directory the parent built the tokens in (in the child).
fn token_dir() -> PathBuf {
    PathBuf::from(std::env::var_os(CHILD_MARKER).expect(
        "the token_* tests run under softhsm2_suite: cargo test --features pkcs11 --test pkcs11",
    ))
}

/// The fixture leaf `name` followed by the issuing CA, PEM.
fn chain_pem(name: &str) -> Vec<u8> {
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    chain
}

/// The token, logged in, in the child process.
fn module() -> &'static TokenModule {
    static MODULE_ONCE: OnceLock<TokenModule> = OnceLock::new();
    MODULE_ONCE.get_or_init(|| {
        token_dir();
        TokenModule::open(MODULE, TOKEN, PIN).unwrap()
    })
}

fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

fn token_key(name: &str) -> Arc<dyn PrivateKey> {
    Arc::new(module().key(&KeyLookup::Label(name.to_owned())).unwrap())
}

/// Credentials for a fixture leaf whose key is on the token.
fn token_credentials(name: &str) -> Credentials {
    Credentials::from_chain_pem(&chain_pem(name), token_key(name)).unwrap()
}

/// Whether `error` is the token refusing RSA-OAEP with SHA-256 (SoftHSM 2.6
/// decrypts OAEP with SHA-1 only), possibly wrapped by the envelope layer.
fn oaep_sha256_unsupported(error: &Error) -> bool {
    let text = format!("{error:?}");
    text.contains("MechanismUnsupported")
}

fn payload() -> Vec<u8> {
    let mut p = b"{\"serial\":\"ERP-2026-000042\",\"total_fen\":11300}\r\n\0".to_vec();
    p.extend((0..=255u8).cycle().take(1024));
    p
}

fn open_with(receiver: &Credentials, sealed: &[u8]) -> envelope_api::OpenedEnvelope {
    let trust = IssuedByFixtureCa::new(provider());
    let replay = MemoryReplayGuard::new();
    Opener::new(receiver, &trust, &replay, provider())
        .open(sealed, now())
        .unwrap()
}
