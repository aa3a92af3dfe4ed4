//! Private keys on a PKCS#11 token (SoftHSM2): sealing and opening envelopes
//! with token keys (RSA and P-256: signing, OAEP, ECDH on the token), OpenSSL
//! reading a token-sealed envelope, the typed failures, and the session pool
//! from several threads.
//!
//! SoftHSM2 reads its configuration (`SOFTHSM2_CONF`) when the module is
//! initialised, once per process. So `softhsm2_suite` builds the tokens in a
//! temporary directory and runs this binary again with `SOFTHSM2_CONF`
//! pointing there; the child runs the `#[ignore]`d `token_*` tests.
#![cfg(feature = "pkcs11")]

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::openssl::{cms_decrypt, cms_verify, now, scratch};
use common::*;
use fapiao::CredentialsError;
use fapiao::crypto::pkcs11::{KeyLookup, TokenKey, TokenModule};
use fapiao::crypto::{CryptoError, PrivateKey, SignatureScheme, TokenError};
use fapiao::envelope::{self, MemoryReplayGuard, Opener};
use fapiao::pki::{Certificate, Credentials};
use fapiao::{CryptoProvider, Error};

/// Where Debian's softhsm2 package puts the module.
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The token with the keys.
const TOKEN: &str = "fapiao-keys";
/// A second token, for the wrong-PIN test (the login state is per token and
/// per process: a wrong PIN on a token already logged in is not checked). No
/// label is a prefix of the other: pkcs11-tool's `--token-label` matches
/// prefixes.
const PIN_TOKEN: &str = "pin-check";
const PIN: &[u8] = b"8D7rq2-user";
const SO_PIN: &str = "so-2f9e1b";
/// Set in the child: the token directory the parent built.
const CHILD_MARKER: &str = "FAPIAO_PKCS11_FIXTURE";
const DIR: &str = "pkcs11";

/// The fixture keys put on the token: name (label and file), id, usages.
const KEYS: &[(&str, &str, &[&str])] = &[
    ("eisp-p256", "01", &["--usage-sign", "--usage-derive"]),
    ("eisp-rsa", "02", &["--usage-sign", "--usage-decrypt"]),
    ("ecp-p256", "03", &["--usage-sign", "--usage-derive"]),
    ("ecp-p384", "04", &["--usage-sign"]),
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

/// Builds the two tokens in `dir` and imports the fixture keys (sensitive,
/// with their public keys) with pkcs11-tool.
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
    for label in [TOKEN, PIN_TOKEN] {
        run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", pin, "--so-pin", SO_PIN]));
    }
    for (name, id, usages) in KEYS {
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
                .args([
                    "--module",
                    MODULE,
                    "--token-label",
                    TOKEN,
                    "--login",
                    "--pin",
                    pin,
                ])
                .arg("--write-object")
                .arg(file)
                .args(["--type", kind, "--label", name, "--id", id])
                .args(*usages)
                .args(extra));
        }
        std::fs::remove_file(&private).unwrap();
    }
    conf
}

/// Builds the tokens and runs the `token_*` tests in a child process whose
/// `SOFTHSM2_CONF` points at them.
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
        .args(["--ignored", "--test-threads", "4", "token_"])
        .status()
        .unwrap();
    if status.success() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(status.success(), "the token tests failed: {status}");
}

/// The token, logged in, in the child process.
fn module() -> &'static TokenModule {
    static MODULE_ONCE: OnceLock<TokenModule> = OnceLock::new();
    MODULE_ONCE.get_or_init(|| {
        assert!(
            std::env::var_os(CHILD_MARKER).is_some(),
            "the token_* tests run under softhsm2_suite: cargo test --features pkcs11 --test pkcs11"
        );
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
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    Credentials::from_chain_pem(&chain, token_key(name)).unwrap()
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

fn open_with(receiver: &Credentials, sealed: &[u8]) -> envelope::OpenedEnvelope {
    let trust = IssuedByFixtureCa::new(provider());
    let replay = MemoryReplayGuard::new();
    Opener::new(receiver, &trust, &replay, provider())
        .open(sealed, now())
        .unwrap()
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_signed_envelopes_open_with_the_software_recipient() {
    for (sender, receiver) in [("eisp-p256", "ecp-p256"), ("eisp-rsa", "ecp-rsa")] {
        let creds = token_credentials(sender);
        let sealed = envelope::seal(
            &payload(),
            &creds,
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let opened = open_with(&credentials(receiver, provider()), &sealed);
        assert_eq!(opened.payload, payload(), "{sender}");
        assert_eq!(
            opened.signers[0].spki_fingerprint,
            certificate(sender).spki_fingerprint()
        );
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_keys_open_envelopes_sealed_to_them() {
    // RSA-OAEP and ECDH on the token.
    for (sender, receiver) in [("ecp-rsa", "eisp-rsa"), ("ecp-p256", "eisp-p256")] {
        let sealed = envelope::seal(
            &payload(),
            &credentials(sender, provider()),
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let trust = IssuedByFixtureCa::new(provider());
        let replay = MemoryReplayGuard::new();
        match Opener::new(&token_credentials(receiver), &trust, &replay, provider())
            .open(&sealed, now())
        {
            Ok(opened) => assert_eq!(opened.payload, payload(), "{receiver}"),
            Err(e) if receiver == "eisp-rsa" && oaep_sha256_unsupported(&e) => {
                eprintln!(
                    "{receiver}: this SoftHSM has no RSA-OAEP-SHA256 (2.6 decrypts OAEP-SHA-1 only): {e}"
                );
            }
            Err(e) => panic!("{receiver}: {e}"),
        }
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_both_ends_on_the_token() {
    let sealed = envelope::seal(
        &payload(),
        &token_credentials("ecp-p256"),
        &[&certificate("eisp-p256"), &certificate("eisp-rsa")],
        now(),
        provider(),
    )
    .unwrap();
    // The RSA recipient on the token: token_keys_open_envelopes_sealed_to_them.
    assert_eq!(
        open_with(&token_credentials("eisp-p256"), &sealed).payload,
        payload()
    );
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_sealed_envelopes_verify_with_openssl() {
    for (sender, receiver) in [("eisp-rsa", "ecp-rsa"), ("eisp-p256", "ecp-p256")] {
        let sealed = envelope::seal(
            &payload(),
            &token_credentials(sender),
            &[&certificate(receiver)],
            now(),
            provider(),
        )
        .unwrap();
        let env = scratch(DIR, &format!("{sender}-token.der"));
        let signed = scratch(DIR, &format!("{sender}-token-signed.der"));
        let out = scratch(DIR, &format!("{sender}-token-payload"));
        std::fs::write(&env, &sealed).unwrap();
        cms_decrypt(&env, receiver, &signed);
        cms_verify(&signed, &out);
        assert_eq!(std::fs::read(&out).unwrap(), payload(), "{sender}");
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_signs_every_scheme_of_its_family() {
    let rsa = token_key("eisp-rsa");
    let public = certificate("eisp-rsa");
    for scheme in [
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
        SignatureScheme::RsaPssSha256,
        SignatureScheme::RsaPssSha384,
        SignatureScheme::RsaPssSha512,
    ] {
        let signature = rsa.sign(scheme, b"order").unwrap();
        provider()
            .verifier
            .verify(scheme, public.public_key(), b"order", &signature)
            .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
    }
    let ec = token_key("eisp-p256");
    let signature = ec.sign(SignatureScheme::EcdsaP256Sha256, b"order").unwrap();
    assert_eq!(signature[0], 0x30, "DER Ecdsa-Sig-Value");
    provider()
        .verifier
        .verify(
            SignatureScheme::EcdsaP256Sha256,
            certificate("eisp-p256").public_key(),
            b"order",
            &signature,
        )
        .unwrap();
    // The public keys read from the token are the software keys'.
    for name in ["eisp-rsa", "eisp-p256"] {
        let software = credentials(name, provider());
        assert_eq!(
            token_key(name).public_key(),
            software.private_key().public_key()
        );
        assert_eq!(
            token_key(name).algorithm(),
            software.private_key().algorithm()
        );
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_keys_refuse_what_their_type_cannot_do() {
    let ec = token_key("eisp-p256");
    assert!(matches!(
        ec.decrypt_oaep_sha256(&[0; 256]),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    assert!(matches!(
        ec.sign(SignatureScheme::RsaPkcs1Sha256, b"x"),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    let rsa = token_key("eisp-rsa");
    assert!(matches!(
        rsa.agree_p256(certificate("ecp-p256").public_key()),
        Err(Error::Crypto(CryptoError::WrongKeyType { .. }))
    ));
    // A ciphertext that does not decrypt is the software key's uninformative
    // error (a token without OAEP-SHA-256 says so instead).
    match rsa.decrypt_oaep_sha256(&[1; 256]) {
        Err(Error::Crypto(CryptoError::DecryptFailed)) => {}
        Err(e) if oaep_sha256_unsupported(&e) => {}
        other => panic!("{other:?}"),
    }
    // An EC key on another curve.
    let err = module()
        .key(&KeyLookup::Label("ecp-p384".into()))
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::UnsupportedKey { .. })),
        "{err}"
    );
    // The key of another certificate.
    let mut chain = data("eisp-rsa.pem");
    chain.extend_from_slice(&data("issuing-ca.pem"));
    let err = Credentials::from_chain_pem(&chain, token_key("eisp-p256")).unwrap_err();
    assert!(matches!(
        err,
        Error::Credentials(CredentialsError::KeyMismatch)
    ));
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_lookups_fail_typed() {
    let err = module()
        .key(&KeyLookup::Label("nobody".into()))
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ObjectNotFound { .. })),
        "{err}"
    );
    let err = module().key(&KeyLookup::Id(vec![0x7f])).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ObjectNotFound { .. })),
        "{err}"
    );
    let by_id = module().key(&KeyLookup::Id(vec![0x02])).unwrap();
    assert_eq!(by_id.public_key(), certificate("eisp-rsa").public_key());

    let err = TokenModule::open(MODULE, PIN_TOKEN, b"not-the-pin").unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::PinIncorrect)),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("not-the-pin"));
    let err = TokenModule::open(MODULE, "no-such-token", PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::TokenNotFound { .. })),
        "{err}"
    );
    let err = TokenModule::open("/nonexistent/libpkcs11.so", TOKEN, PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ModuleNotFound { .. })),
        "{err}"
    );
    let not_a_module = data_path("root-ca.pem");
    let err = TokenModule::open(&not_a_module, TOKEN, PIN).unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::ModuleLoadFailed { .. })),
        "{err}"
    );
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_session_pool_serves_four_threads() {
    let key = token_key("eisp-p256");
    let rsa = token_key("eisp-rsa");
    let ec_public = certificate("eisp-p256");
    let rsa_public = certificate("eisp-rsa");
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let (key, rsa, ec_public, rsa_public) = (&key, &rsa, &ec_public, &rsa_public);
            scope.spawn(move || {
                for i in 0..25u8 {
                    let message = [t, i];
                    let sig = key
                        .sign(SignatureScheme::EcdsaP256Sha256, &message)
                        .unwrap();
                    provider()
                        .verifier
                        .verify(
                            SignatureScheme::EcdsaP256Sha256,
                            ec_public.public_key(),
                            &message,
                            &sig,
                        )
                        .unwrap();
                    let sig = rsa.sign(SignatureScheme::RsaPssSha256, &message).unwrap();
                    provider()
                        .verifier
                        .verify(
                            SignatureScheme::RsaPssSha256,
                            rsa_public.public_key(),
                            &message,
                            &sig,
                        )
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(module().session_count(), 4);
}

/// Keeps `Certificate` and `TokenKey` in use on every configuration.
#[allow(dead_code)]
fn _types(_: &Certificate, _: &TokenKey) {}
